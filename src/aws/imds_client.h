// A client for the EC2 instance metadata service, IMDSv2 first: PUT a
// session token (TTL 6 h, cached and renewed), then GETs carrying it. When
// the token PUT is refused with 403/404/405 (IMDSv1-only proxies and old
// setups) it falls back to IMDSv1 as botocore does. Short timeouts (1 s)
// and one attempt by default, as the SDKs use, so a machine that is not on
// EC2 learns it quickly.
//
// Configuration (environment first, then the profile, as botocore reads it):
//   AWS_EC2_METADATA_DISABLED=true                  -> every call fails kNotFound
//   AWS_EC2_METADATA_SERVICE_ENDPOINT / ec2_metadata_service_endpoint
//   AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE / ec2_metadata_service_endpoint_mode (IPv4|IPv6)
//   AWS_METADATA_SERVICE_TIMEOUT / metadata_service_timeout (seconds, default 1)
//   AWS_METADATA_SERVICE_NUM_ATTEMPTS / metadata_service_num_attempts (default 1)
//
// Thread-safe.
#ifndef EFSTOP_AWS_IMDS_CLIENT_H_
#define EFSTOP_AWS_IMDS_CLIENT_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/config_file.h"
#include "aws/credential_providers.h"
#include "aws/env_vars.h"
#include "aws/http.h"

namespace efstop::aws {

struct ImdsOptions {
  bool disabled = false;
  std::string endpoint = "http://169.254.169.254";  // no trailing '/'
  std::chrono::milliseconds timeout{1000};
  int attempts = 1;
  // Where the settings came from, for messages ("AWS_EC2_METADATA_DISABLED").
  std::string disabled_by;
};

// Reads the settings above. `profile` may be null. Errors: kInvalidArgument
// for a malformed value, naming the variable or the file and line.
Result<ImdsOptions> imds_options_from(const EnvVars& env, const ConfigSection* profile);

class ImdsClient {
 public:
  ImdsClient(std::shared_ptr<HttpTransport> transport, ImdsOptions options,
             WallClock clock = system_wall_clock());

  const ImdsOptions& options() const { return options_; }

  // GET <endpoint><path> (path starts with '/'). Errors: kNotFound when
  // disabled, or the path answered 404 (the message says which);
  // kNetwork when IMDS did not answer ("not running on EC2?"); kIo when the
  // request could not leave this process (out of descriptors or memory:
  // "could not ask the instance metadata service ...: too many open
  // files...", no conclusion about EC2, not tried again); kAuth for 401
  // after a fresh token; kAwsError for other statuses.
  Result<std::string> get(const std::string& path);

 private:
  Result<std::optional<std::string>> session_token(bool force_new);
  // The kIo error of a request that could not leave this process (the
  // transport's message names the request).
  Status local_failure(const Status& transport) const;

  std::shared_ptr<HttpTransport> transport_;
  const ImdsOptions options_;
  WallClock clock_;
  std::mutex mutex_;
  std::optional<std::string> token_;                    // guarded by mutex_; nullopt = not fetched
  bool v1_fallback_ = false;                            // guarded by mutex_
  std::chrono::system_clock::time_point token_expiry_;  // guarded by mutex_
};

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_IMDS_CLIENT_H_
