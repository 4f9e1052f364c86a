#include "aws/endpoints.h"

#include <cctype>
#include <cstdlib>
#include <regex>

namespace efstop::aws {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_true(std::string_view v) {
  std::string u = upper(v);
  return u == "TRUE" || u == "1";
}

Result<Endpoint> custom_endpoint(std::string url, std::string source, std::string_view region) {
  if (!(url.starts_with("http://") || url.starts_with("https://"))) {
    return invalid_argument_error("endpoint URL '" + url + "' from " + source +
                                  " must start with http:// or https://");
  }
  while (url.ends_with("/")) url.pop_back();
  Endpoint e;
  e.url = std::move(url);
  e.signing_region = region.empty() ? "us-east-1" : std::string(region);
  e.is_custom = true;
  e.source = std::move(source);
  return e;
}

const Service kAllServices[] = {Service::kEc2,        Service::kEfs,      Service::kLogs,
                                Service::kS3,         Service::kSts,      Service::kSso,
                                Service::kCloudWatch, Service::kFirehose, Service::kAthena,
                                Service::kOrganizations};

}  // namespace

void load_endpoint_env(EndpointOverrides& overrides,
                       const std::function<const char*(const char*)>& get_env) {
  auto get = [&](const std::string& name) -> std::string {
    const char* v = get_env ? get_env(name.c_str()) : std::getenv(name.c_str());
    return v ? std::string(v) : std::string();
  };
  if (std::string v = get("AWS_ENDPOINT_URL"); !v.empty()) overrides.env_url = v;
  if (is_true(get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) overrides.ignore_configured = true;
  for (Service s : kAllServices) {
    std::string suffix = upper(service_info(s).config_key);
    if (std::string v = get("AWS_ENDPOINT_URL_" + suffix); !v.empty())
      overrides.env_service_urls[suffix] = v;
  }
}

std::string_view partition_of(std::string_view region) {
  // Region patterns from endpoints.json "regionRegex" per partition.
  static const std::regex kCn(R"(^cn-\w+-\d+$)");
  static const std::regex kGov(R"(^us-gov-\w+-\d+$)");
  static const std::regex kIso(R"(^us-iso-\w+-\d+$)");
  static const std::regex kIsoB(R"(^us-isob-\w+-\d+$)");
  std::string r(region);
  if (std::regex_match(r, kCn)) return "aws-cn";
  if (std::regex_match(r, kGov)) return "aws-us-gov";
  if (std::regex_match(r, kIso)) return "aws-iso";
  if (std::regex_match(r, kIsoB)) return "aws-iso-b";
  return "aws";
}

Result<Endpoint> resolve_endpoint(Service service, std::string_view region,
                                  const EndpointOverrides& overrides) {
  const ServiceInfo& info = service_info(service);
  if (!overrides.cli_url.empty())
    return custom_endpoint(overrides.cli_url, "--endpoint-url", region);
  if (!overrides.ignore_configured) {
    std::string suffix = upper(info.config_key);
    if (auto it = overrides.env_service_urls.find(suffix); it != overrides.env_service_urls.end()) {
      return custom_endpoint(it->second, "AWS_ENDPOINT_URL_" + suffix, region);
    }
    if (!overrides.env_url.empty())
      return custom_endpoint(overrides.env_url, "AWS_ENDPOINT_URL", region);
    if (auto it = overrides.config_service_urls.find(std::string(info.config_key));
        it != overrides.config_service_urls.end()) {
      return custom_endpoint(it->second,
                             "config [services] " + std::string(info.config_key) + " endpoint_url",
                             region);
    }
    if (!overrides.env_url.empty())
      return custom_endpoint(overrides.env_url, "AWS_ENDPOINT_URL", region);
    if (!overrides.config_url.empty())
      return custom_endpoint(overrides.config_url, "config endpoint_url", region);
  }
  if (region.empty()) {
    return invalid_argument_error("no region for " + std::string(info.service_id) +
                                  ": pass --region, set AWS_REGION, or add region to the profile");
  }
  const std::string_view partition = partition_of(region);
  std::string_view dns_suffix = "amazonaws.com";
  if (partition == "aws-cn") dns_suffix = "amazonaws.com.cn";
  if (partition == "aws-iso") dns_suffix = "c2s.ic.gov";
  if (partition == "aws-iso-b") dns_suffix = "sc2s.sgov.gov";
  Endpoint e;
  // Organizations is global: endpoints.json gives the aws partition one
  // endpoint, organizations.us-east-1.amazonaws.com, signed for us-east-1
  // (aws-us-gov: us-gov-west-1; aws-cn: cn-northwest-1).
  if (service == Service::kOrganizations) {
    const std::string_view home = partition == "aws-us-gov" ? "us-gov-west-1"
                                  : partition == "aws-cn"   ? "cn-northwest-1"
                                                            : "us-east-1";
    e.url = "https://organizations." + std::string(home) + "." + std::string(dns_suffix);
    e.signing_region = std::string(home);
    e.source = "default";
    return e;
  }
  // endpoints.json default hostname "{service}.{region}.{dnsSuffix}" holds
  // for all six services in these partitions (STS and S3 have regional
  // endpoints everywhere; we never use the legacy global ones).
  e.url = "https://" + std::string(info.endpoint_prefix) + "." + std::string(region) + "." +
          std::string(dns_suffix);
  e.signing_region = std::string(region);
  e.source = "default";
  return e;
}

}  // namespace efstop::aws
