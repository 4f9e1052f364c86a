// AWS credentials and the interface every credential source implements.
// The providers are in credential_providers.h, the default chain in
// credential_chain.h. The signer and clients depend only on this header.
#ifndef EFSTOP_AWS_CREDENTIALS_H_
#define EFSTOP_AWS_CREDENTIALS_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace efstop::aws {

// One set of credentials. Holds secrets: never log or print secret_access_key
// or session_token (use describe() for diagnostics).
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  // Where they came from, as `aws configure list` names it, e.g. "env",
  // "shared-credentials-file", "assume-role", "sso", "container-role", "iam-role".
  std::string source;
  // Human detail for whoami and errors, never a secret, e.g. "profile dev in
  // ~/.aws/credentials" or "role arn:aws:iam::1:role/r via profile base".
  std::string source_detail;

  bool has_expiration() const { return expiration.has_value(); }
  // "AKIA****ABCD from env (profile dev ...), expires 2026-01-01T00:00:00Z":
  // the access key id masked as `aws configure list` masks it, no secret.
  std::string describe() const;
};

// "2026-11-26T14:00:00Z" for a time point (UTC, whole seconds).
std::string format_iso8601(std::chrono::system_clock::time_point t);
// Parses the timestamp forms credential sources send: "2026-11-26T14:00:00Z",
// with fractional seconds, with "+00:00"/"-05:00" offsets, or the older AWS
// CLI SSO cache form "2026-11-26T14:00:00UTC". kParse error otherwise.
Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// A source of credentials. Implementations are safe for concurrent use: many
// request threads call get() at once. Temporary credentials are refreshed
// before they expire, so callers call get() for every request and never cache.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials, or an error that says what was tried and what to do.
  virtual Result<Credentials> get() = 0;
  // A service refused `rejected` as expired before their stated expiry (a
  // clock ahead of ours, credentials revoked or rotated early). A provider
  // that can fetch new ones drops `rejected` so that the next get() does, and
  // returns true; false when nothing new can come (long-term keys, or no
  // cache to drop). AwsClient then retries the call once.
  virtual bool invalidate(const Credentials& rejected) {
    (void)rejected;
    return false;
  }
};

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CREDENTIALS_H_
