// The default credential chain: which profile, and which source of
// credentials, in the order the AWS CLI uses (botocore 1.29
// credentials.create_credential_resolver):
//
//   1. environment keys (AWS_ACCESS_KEY_ID...); skipped when --profile is
//      given, since an explicit profile wins over the environment
//   2. assume role: the profile has role_arn (+ source_profile or
//      credential_source); source profiles may themselves assume roles
//      (chained roles); cycles are detected
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (unless
//      --profile), or web_identity_token_file + role_arn in the profile
//   4. IAM Identity Center: sso_account_id / sso_role_name with an
//      [sso-session] or legacy sso_start_url
//   5. static keys in the shared credentials file
//   6. credential_process
//   7. static keys in the config file
//   8. container credentials (ECS, EKS Pod Identity)
//   9. EC2 instance metadata (IMDSv2)
//
// The first source that is configured decides: if it then fails, that error
// is returned (the chain does not fall through to other credentials), except
// for IMDS, whose silence only means "not on EC2". When no source is
// configured the error lists every source tried and why it did not apply,
// and says what to do.
#ifndef EFSTOP_AWS_CREDENTIAL_CHAIN_H_
#define EFSTOP_AWS_CREDENTIAL_CHAIN_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/config_file.h"
#include "aws/credential_network.h"
#include "aws/credential_providers.h"
#include "aws/env_vars.h"

namespace efstop::aws {

// Which profile the run uses, and why.
struct ProfileChoice {
  std::string name;    // "default" when nothing chose one
  std::string origin;  // "--profile", "AWS_PROFILE", "AWS_DEFAULT_PROFILE" or "default"
  bool from_cli = false;
};

// --profile, else AWS_DEFAULT_PROFILE, else AWS_PROFILE (botocore reads the
// two variables in that order), else "default". A profile that was named
// (not the implicit default) and exists in neither file is an error naming
// both files.
Result<ProfileChoice> choose_profile(const std::string& cli_profile, const EnvVars& env,
                                     const SharedConfig& config);

struct CredentialChainOptions {
  std::string cli_profile;  // --profile; empty when not given
  EnvVars env;
  // The shared files; null: SharedConfig::load(env).
  std::shared_ptr<const SharedConfig> config;
  // For the network sources. transport is required (make_curl_transport).
  // client_config carries the run's region (STS calls use it; us-east-1 when
  // empty), endpoint overrides (AWS_ENDPOINT_URL_STS / _SSO reach the test
  // endpoint this way), retry options and the --debug log.
  std::shared_ptr<HttpTransport> transport;
  ClientConfig client_config;
  ClientEnv* client_env = nullptr;
  WallClock clock = system_wall_clock();
  // The instance-metadata client to use (share the one region resolution
  // used, so one IMDS session token serves both); null: built from env and
  // the profile's settings.
  std::shared_ptr<ImdsClient> imds;
  // Tests only: where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is fetched
  // ("127.0.0.1:port") instead of 169.254.170.2.
  std::string container_host_for_tests;
  // Session name when a profile sets no role_session_name; empty: a name
  // like botocore's, "efstop-session-<unix time>".
  std::string default_session_name;
};

// The chain itself. get() picks the source on its first successful call and
// keeps it. Safe for concurrent use. Use make_default_credentials() to get
// it wrapped in the refreshing cache.
class CredentialChain : public CredentialsProvider {
 public:
  struct Entry {
    std::string name;  // "environment", "assume role", ...
    std::shared_ptr<CredentialsProvider> provider;
    // IMDS: no answer = not on EC2. A kIo failure (the source could not be
    // asked: out of descriptors or memory) still ends the search with it.
    bool failure_means_absent = false;
  };

  // A nested chain (a source_profile's) reports "nothing configured" as
  // kNotFound without the what-to-do advice, for its caller to word.
  CredentialChain(std::string profile, std::vector<Entry> entries, bool nested = false);
  Result<Credentials> get() override;

  const std::string& profile() const { return profile_; }
  // The names of the sources in order (tests, --debug).
  std::vector<std::string> source_names() const;

 private:
  const std::string profile_;
  const std::vector<Entry> entries_;
  const bool nested_;
  std::mutex mutex_;
  std::shared_ptr<CredentialsProvider> chosen_;  // guarded by mutex_
  std::string chosen_name_;                      // guarded by mutex_
};

struct DefaultCredentials {
  std::shared_ptr<CredentialsProvider> provider;  // chain wrapped in the refreshing cache
  std::shared_ptr<CredentialChain> chain;
  ProfileChoice profile;
  std::shared_ptr<const SharedConfig> config;
};

// Builds the chain for the chosen profile. Errors (before any network): the
// shared files do not parse, the named profile does not exist, or the
// profile's role / SSO / web identity settings are inconsistent (both
// source_profile and credential_source, an unknown credential_source, a
// source_profile cycle, mfa_serial, a bad duration_seconds...), each naming
// the file and line.
Result<DefaultCredentials> make_default_credentials(CredentialChainOptions options);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CREDENTIAL_CHAIN_H_
