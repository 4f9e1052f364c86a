// Credential sources that ask a service over HTTP: STS AssumeRole and
// AssumeRoleWithWebIdentity, IAM Identity Center (SSO) GetRoleCredentials
// from the token `aws sso login` cached, the ECS/EKS container credential
// endpoint, and EC2 instance metadata (IMDSv2). They follow the convention
// of credential_providers.h (kNotFound = not configured) and are
// safe for concurrent get() calls. None of them caches: wrap them in a
// CachingCredentialsProvider (the chain does).
#ifndef EFSTOP_AWS_CREDENTIAL_NETWORK_H_
#define EFSTOP_AWS_CREDENTIAL_NETWORK_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "aws/client.h"
#include "aws/credential_providers.h"
#include "aws/env_vars.h"
#include "aws/http.h"
#include "aws/imds_client.h"

namespace efstop::aws {

// What every network source needs. Copyable; the pointers are shared.
struct NetworkContext {
  std::shared_ptr<HttpTransport> transport;
  // Region, endpoint overrides (AWS_ENDPOINT_URL_STS... point STS and SSO at
  // a test endpoint), retry mode and --debug log for the STS/SSO calls.
  // An empty region makes STS calls go to us-east-1.
  ClientConfig client_config;
  ClientEnv* client_env = nullptr;  // null: default_client_env()
  WallClock clock = system_wall_clock();
  EnvVars env;
};

// ---- STS ---------------------------------------------------------------------

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;  // required: the chain defaults it
  std::string external_id;   // empty: not sent
  std::optional<int> duration_seconds;
  std::string profile;  // for messages: the profile that asked for the role
};

// STS AssumeRole signed with `source`'s credentials. Errors name the role
// and the profile; AccessDenied says which principal could not assume it.
// Source "assume-role".
std::unique_ptr<CredentialsProvider> make_assume_role_provider(
    NetworkContext ctx, std::shared_ptr<CredentialsProvider> source, AssumeRoleParams params);

struct WebIdentityParams {
  std::string role_arn;
  std::string session_name;
  std::string token_file;  // re-read on every fetch (EKS rotates it)
  std::string origin;      // for messages: "AWS_WEB_IDENTITY_TOKEN_FILE" or "profile x"
};

// STS AssumeRoleWithWebIdentity, unsigned. Source
// "assume-role-with-web-identity".
std::unique_ptr<CredentialsProvider> make_web_identity_provider(NetworkContext ctx,
                                                                WebIdentityParams params);

// ---- IAM Identity Center -------------------------------------------------------

struct SsoParams {
  std::string profile;
  std::string start_url;
  std::string sso_region;
  std::string account_id;
  std::string role_name;
  std::string session_name;  // [sso-session name]; empty for the legacy form
  std::string cache_dir;     // ~/.aws/sso/cache
};

// The token cache file `aws sso login` writes for a session name (new form)
// or a start URL (legacy form): <cache_dir>/<sha1 hex of it>.json.
std::string sso_token_cache_path(const std::string& cache_dir, const std::string& key);

// Reads the cached token, then GetRoleCredentials on portal.sso.<region>.
// A missing or expired token says to run `aws sso login --profile X`.
// Source "sso".
std::unique_ptr<CredentialsProvider> make_sso_provider(NetworkContext ctx, SsoParams params);

// ---- container and instance metadata ---------------------------------------------

// ECS / EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
// http://169.254.170.2, or `relative_uri_host` when set: tests only) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; http only on loopback,
// 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]), with the Authorization
// header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read every fetch)
// or AWS_CONTAINER_AUTHORIZATION_TOKEN. Source "container-role".
std::unique_ptr<CredentialsProvider> make_container_provider(NetworkContext ctx,
                                                             std::string relative_uri_host = "");

// The instance profile's role credentials from IMDS. kNotFound when IMDS is
// disabled; other errors (no answer, no role attached) are for the chain to
// record. Source "iam-role".
std::unique_ptr<CredentialsProvider> make_imds_provider(std::shared_ptr<ImdsClient> imds);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CREDENTIAL_NETWORK_H_
