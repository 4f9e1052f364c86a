// The credential sources that need no network, and the refreshing cache that
// every chain result is wrapped in. The network sources (STS, SSO, container,
// IMDS) are in credential_network.h; the default chain that orders them all
// is in credential_chain.h.
//
// Convention shared by every source: get() returns
// - credentials, or
// - kNotFound ("not configured here": the chain records the reason and goes
//   on to the next source; see is_not_configured()), or
// - any other error: the source IS configured but failed. The chain stops
//   there, as the AWS CLI does, rather than silently using other credentials.
// No message ever contains a secret, a token, or a line of a credentials file.
//
// Thread-safety: every provider here is safe for concurrent get() calls.
#ifndef EFSTOP_AWS_CREDENTIAL_PROVIDERS_H_
#define EFSTOP_AWS_CREDENTIAL_PROVIDERS_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/config_file.h"
#include "aws/credentials.h"
#include "aws/env_vars.h"

namespace efstop::aws {

// The status a source returns when it is not configured; `why` says what it
// looked for ("AWS_ACCESS_KEY_ID not set").
Status not_configured(std::string why);
bool is_not_configured(const Status& status);

// Wall clock used for expiry decisions; injectable so tests never sleep.
using WallClock = std::function<std::chrono::system_clock::time_point()>;
WallClock system_wall_clock();

// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, or the
// older AWS_SECURITY_TOKEN; + AWS_CREDENTIAL_EXPIRATION). A key id without a
// secret is an error (partial credentials); a secret alone is reported as
// not configured. Source "env".
std::unique_ptr<CredentialsProvider> make_env_provider(EnvVars env);

// Which file's static keys a profile provider accepts. The AWS CLI checks
// the credentials file, then credential_process, then the config file.
enum class StaticKeysFile { kCredentials, kConfig };

// aws_access_key_id / aws_secret_access_key / aws_session_token of one
// profile, when they were written in the given file. Source
// "shared-credentials-file" or "config-file".
std::unique_ptr<CredentialsProvider> make_profile_keys_provider(
    std::shared_ptr<const SharedConfig> config, std::string profile, StaticKeysFile file);

// credential_process of one profile: runs the command (split like a POSIX
// shell would, but without one), reads JSON Version 1 from its stdout; its
// stderr goes to ours (it may prompt or explain). A non-zero exit, a bad
// JSON document or missing keys are errors naming the profile and the
// config line. Source "custom-process".
std::unique_ptr<CredentialsProvider> make_process_provider(
    std::shared_ptr<const SharedConfig> config, std::string profile);

// Reads what a credential_process printed (JSON Version 1: AccessKeyId,
// SecretAccessKey, optional SessionToken and Expiration). Errors are kParse
// and start with `context`; they never quote the output (it holds secrets).
// The process provider's decoder, public for the fuzz target.
Result<Credentials> credentials_from_process_output(std::string_view stdout_text,
                                                    const std::string& context);

// Splits a command line into words the way Python's shlex.split (POSIX mode)
// does, which is what the AWS CLI uses for credential_process: whitespace
// separates, '...' is literal, "..." allows \" \\ \$ \`, and a backslash
// outside quotes escapes the next character. kParse on an unclosed quote.
Result<std::vector<std::string>> split_command_line(std::string_view command);

// Wraps another provider and caches what it returns. Temporary credentials
// are refreshed `refresh_window` (default 5 min) before they expire; one
// thread refreshes at a time while the others keep using the still-valid
// credentials; only when the cached ones are expired (or missing) do callers
// wait for the refresh. A failed refresh while the old credentials are still
// valid returns the old ones (and the next call retries after 10 s).
// Long-term credentials (no expiration) are fetched once.
class CachingCredentialsProvider : public CredentialsProvider {
 public:
  explicit CachingCredentialsProvider(
      std::unique_ptr<CredentialsProvider> inner, WallClock clock = system_wall_clock(),
      std::chrono::seconds refresh_window = std::chrono::minutes(5));

  Result<Credentials> get() override;
  // Drops the cached credentials when they are `rejected` and temporary.
  bool invalidate(const Credentials& rejected) override;

  // How many times the inner provider was called (tests).
  int64_t fetch_count() const { return fetch_count_.load(); }

 private:
  bool needs_refresh(const Credentials& c, std::chrono::system_clock::time_point now) const;

  std::unique_ptr<CredentialsProvider> inner_;
  WallClock clock_;
  std::chrono::seconds refresh_window_;
  std::mutex refresh_mutex_;  // held by the one thread calling inner_->get()
  mutable std::mutex state_mutex_;
  std::optional<Credentials> cached_;                       // guarded by state_mutex_
  std::chrono::system_clock::time_point retry_not_before_;  // guarded by state_mutex_
  std::atomic<int64_t> fetch_count_{0};
};

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CREDENTIAL_PROVIDERS_H_
