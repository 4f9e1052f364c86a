// Endpoint resolution: which URL a call to a service in a region goes to,
// and which region it is signed for.
//
// Precedence (highest first), as botocore's configprovider resolves a
// configured endpoint URL (docs/aws.md cites the source):
//   1. --endpoint-url                       (cli_url; efstop applies it to every service)
//   2. AWS_ENDPOINT_URL_<SERVICE>           (env_service_urls, key = config_key upper-cased)
//   3. AWS_ENDPOINT_URL                     (env_url)
//   4. the profile's `services` section     (config_service_urls, key = config_key)
//   5. endpoint_url in the profile          (config_url)
//   6. the partition's default hostname
// Sources 2-5 are skipped when ignore_configured is set
// (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls).
#ifndef EFSTOP_AWS_ENDPOINTS_H_
#define EFSTOP_AWS_ENDPOINTS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "aws/service.h"
#include "core/result.h"

namespace efstop::aws {

struct EndpointOverrides {
  std::string cli_url;
  std::map<std::string, std::string> env_service_urls;     // "EC2" -> url
  std::map<std::string, std::string> config_service_urls;  // "ec2" -> url
  std::string env_url;
  std::string config_url;
  bool ignore_configured = false;
};

// Reads AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> for every Service and
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS into `overrides` through `get_env`
// (std::getenv when null). Leaves the cli_url and config fields alone.
void load_endpoint_env(EndpointOverrides& overrides,
                       const std::function<const char*(const char*)>& get_env = nullptr);

struct Endpoint {
  std::string url;             // scheme://host[:port][/base], no trailing '/'
  std::string signing_region;  // region in the SigV4 scope
  bool is_custom = false;      // came from an override (S3 then uses path style)
  std::string source;          // "--endpoint-url", "AWS_ENDPOINT_URL_EC2", "default"...
};

// The partition of `region`: "aws", "aws-cn", "aws-us-gov", "aws-iso",
// "aws-iso-b"; unknown shapes fall back to "aws" (new regions appear).
std::string_view partition_of(std::string_view region);

// Resolves the endpoint. Errors: kInvalidArgument for an empty region with
// no override, or an override that is not an http(s) URL.
Result<Endpoint> resolve_endpoint(Service service, std::string_view region,
                                  const EndpointOverrides& overrides);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_ENDPOINTS_H_
