// AWS credentials and the interface every credential source implements.
// (Seed written by the lead; owned by helper A2, who adds the providers and
// the default chain. Helper A1's signer and clients depend only on this.)
#ifndef EFSTOP_AWS_CREDENTIALS_H_
#define EFSTOP_AWS_CREDENTIALS_H_

#include <chrono>
#include <optional>
#include <string>

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
};

// A source of credentials. Implementations are safe for concurrent use: many
// request threads call get() at once. Temporary credentials are refreshed
// before they expire, so callers call get() for every request and never cache.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials, or an error that says what was tried and what to do.
  virtual Result<Credentials> get() = 0;
};

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CREDENTIALS_H_
