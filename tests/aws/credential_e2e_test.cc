// Every credential source end to end over HTTP against the test endpoint
// (tests/endpoint/server.py), which plays STS, SSO, IMDS and the container
// credential service and checks every signature with botocore. Each test
// proves the credentials work by calling STS GetCallerIdentity with them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "aws/client.h"
#include "aws/credential_chain.h"
#include "aws/region.h"
#include "aws/xml_util.h"
#include "harness/no_descriptors.h"
#include "harness/test_endpoint.h"

namespace efstop::aws {
namespace {

using efstop::testing::EndpointTest;
using efstop::testing::Fault;
using efstop::testing::FaultKind;
namespace t = efstop::testing;

// "<code name>|<message>" of a failed result, "ok" otherwise: what a child
// without descriptors hands back (run_without_descriptors).
template <typename T>
std::string outcome_words(const Result<T>& r) {
  if (r.ok()) return "ok";
  return std::string(status_code_name(r.status().code())) + "|" + r.status().message();
}

// What `get` (returning a Result) says in a child that has no descriptor
// left, checked to be an I/O failure: "<code name>|<message>".
template <typename F>
std::string io_failure_without_descriptors(F get) {
  Result<std::string> got = t::run_without_descriptors([&] { return outcome_words(get()); });
  if (!got.ok()) {
    ADD_FAILURE() << got.status().to_string();
    return "";
  }
  EXPECT_EQ(got->substr(0, got->find('|')), status_code_name(StatusCode::kIo)) << *got;
  return *got;
}

class CredentialE2eTest : public EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    home_ = env().home();
    // STS and SSO calls go to the endpoint through the usual override.
    setenv("AWS_ENDPOINT_URL", endpoint().url().c_str(), 1);
    // Keep IMDS away from 169.254.169.254 unless a test wants it.
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    transport_ = make_curl_transport(HttpOptions{});
  }

  CredentialChainOptions options(const std::string& cli_profile = "") {
    CredentialChainOptions o;
    o.cli_profile = cli_profile;
    o.env = EnvVars::from_process();
    o.transport = transport_;
    o.client_config.region = t::kTestRegion;
    load_endpoint_env(o.client_config.endpoints);
    o.container_host_for_tests = "127.0.0.1:" + std::to_string(endpoint().port());
    return o;
  }

  Result<DefaultCredentials> chain(const std::string& cli_profile = "") {
    return make_default_credentials(options(cli_profile));
  }

  // STS GetCallerIdentity signed with `provider`: the caller's ARN.
  Result<std::string> whoami(std::shared_ptr<CredentialsProvider> provider) {
    ClientConfig config;
    config.region = t::kTestRegion;
    load_endpoint_env(config.endpoints);
    AwsClient client(config, std::move(provider), transport_);
    EFSTOP_ASSIGN_OR_RETURN(XmlDocument doc,
                            client.call_query(Service::kSts, "GetCallerIdentity", {}));
    return xml_child_text(xml_find(doc.root(), "GetCallerIdentityResult"), "Arn");
  }

  std::string write_file(const std::string& name, const std::string& text) {
    std::string path = home_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  static std::string user_keys() {
    return std::string("aws_access_key_id = ") + t::kTestAccessKeyId +
           "\naws_secret_access_key = " + t::kTestSecretAccessKey + "\n";
  }

  // Options of a region lookup that only IMDS can answer, IMDS at `imds_url`.
  RegionOptions imds_region_options(const std::string& imds_url) {
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_url.c_str(), 1);
    RegionOptions o;
    o.env = EnvVars::from_process();
    o.profile = "default";
    Result<ImdsOptions> io = imds_options_from(o.env, nullptr);
    EXPECT_TRUE(io.ok()) << io.status().to_string();
    if (io.ok()) o.imds = std::make_shared<ImdsClient>(transport_, *io);
    return o;
  }

  // A parameter of the last request to `operation`, from the endpoint's log.
  std::string last_param(const std::string& operation, const std::string& name) {
    Result<nlohmann::json> log = endpoint().requests();
    if (!log.ok()) return "<no log>";
    std::string value = "<absent>";
    for (const auto& r : *log) {
      if (r.value("operation", "") != operation) continue;
      const auto& params = r["params"];
      if (params.is_object() && params.contains(name)) {
        value = params[name].is_string() ? params[name].get<std::string>() : params[name].dump();
      }
    }
    return value;
  }

  static void expect_no_secret(const std::string& text) {
    EXPECT_EQ(text.find(t::kTestSecretAccessKey), std::string::npos) << text;
    EXPECT_EQ(text.find(t::kTestWebIdentityToken), std::string::npos) << text;
    EXPECT_EQ(text.find(t::kTestSsoAccessToken), std::string::npos) << text;
    EXPECT_EQ(text.find(t::kTestContainerToken), std::string::npos) << text;
  }

  std::string home_;
  std::shared_ptr<HttpTransport> transport_;
};

TEST_F(CredentialE2eTest, EnvironmentKeys) {
  setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
  setenv("AWS_SECRET_ACCESS_KEY", t::kTestSecretAccessKey, 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_EQ(*arn, t::kTestUserArn);
  EXPECT_EQ(d->provider->get()->source, "env");
}

TEST_F(CredentialE2eTest, SharedCredentialsFileAndProfileFromEnv) {
  env().write_aws_file("credentials",
                       "[default]\naws_access_key_id = AKIAWRONG\n"
                       "aws_secret_access_key = wrong\n[dev]\n" +
                           user_keys());
  setenv("AWS_PROFILE", "dev", 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_EQ(*arn, t::kTestUserArn);
  Result<Credentials> c = d->provider->get();
  EXPECT_EQ(c->source, "shared-credentials-file");
  EXPECT_EQ(c->source_detail, "profile dev in " + home_ + "/.aws/credentials");
}

TEST_F(CredentialE2eTest, WrongKeysAreReportedByStsWithoutSecrets) {
  env().write_aws_file("credentials", std::string("[default]\naws_access_key_id = ") +
                                          t::kTestAccessKeyId +
                                          "\naws_secret_access_key = notTheRightSecret\n");
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_FALSE(arn.ok());
  EXPECT_EQ(arn.status().code(), StatusCode::kAuth);
  EXPECT_NE(arn.status().message().find("SignatureDoesNotMatch"), std::string::npos)
      << arn.status().message();
  EXPECT_EQ(arn.status().message().find("notTheRightSecret"), std::string::npos);
}

TEST_F(CredentialE2eTest, AssumeRoleFromSourceProfileIsCachedAndNamed) {
  env().write_aws_file("config", std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
                                     "\nsource_profile = base\nrole_session_name = sre-run\n"
                                     "duration_seconds = 7200\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  Result<DefaultCredentials> d = chain("reader");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  for (int i = 0; i < 3; ++i) {
    Result<std::string> arn = whoami(d->provider);
    ASSERT_TRUE(arn.ok()) << arn.status().to_string();
    EXPECT_EQ(*arn, "arn:aws:sts::111122223333:assumed-role/efstop-reader/sre-run");
  }
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 1);  // cached across calls
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 3);
  EXPECT_EQ(last_param("sts:AssumeRole", "DurationSeconds"), "7200");
  EXPECT_EQ(last_param("sts:AssumeRole", "RoleSessionName"), "sre-run");
  Result<Credentials> c = d->provider->get();
  EXPECT_EQ(c->source, "assume-role");
  EXPECT_TRUE(c->expiration.has_value());
}

TEST_F(CredentialE2eTest, DefaultSessionNameLooksLikeBotocores) {
  env().write_aws_file("config", std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
                                     "\nsource_profile = base\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  Result<DefaultCredentials> d = chain("reader");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(whoami(d->provider).ok());
  std::string name = last_param("sts:AssumeRole", "RoleSessionName");
  EXPECT_EQ(name.rfind("efstop-session-", 0), 0u) << name;
}

TEST_F(CredentialE2eTest, ChainedRolesAcrossAccounts) {
  env().write_aws_file("config",
                       std::string("[profile cross]\nrole_arn = ") + t::kTestChainedRoleArn +
                           "\nsource_profile = reader\nrole_session_name = hop2\n"
                           "[profile reader]\nrole_arn = " +
                           t::kTestRoleArn + "\nsource_profile = base\nrole_session_name = hop1\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  Result<DefaultCredentials> d = chain("cross");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string() << "\n" << endpoint().server_log();
  EXPECT_EQ(*arn, "arn:aws:sts::444455556666:assumed-role/efstop-crossaccount/hop2");
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 2);
}

TEST_F(CredentialE2eTest, ExternalIdIsSentAndItsAbsenceExplained) {
  const std::string role = std::string("[profile partner]\nrole_arn = ") +
                           t::kTestExternalIdRoleArn + "\nsource_profile = base\n";
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  env().write_aws_file("config", role + "external_id = " + t::kTestExternalId + "\n");
  Result<DefaultCredentials> ok = chain("partner");
  ASSERT_TRUE(ok.ok());
  Result<std::string> arn = whoami(ok->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_NE(arn->find("assumed-role/efstop-partner/"), std::string::npos);

  env().write_aws_file("config", role);
  Result<DefaultCredentials> bad = chain("partner");
  ASSERT_TRUE(bad.ok());
  Result<Credentials> c = bad->provider->get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  EXPECT_NE(c.status().message().find(std::string("assume role ") + t::kTestExternalIdRoleArn +
                                      " for profile 'partner'"),
            std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("AccessDenied"), std::string::npos);
  EXPECT_NE(c.status().message().find("trust policy"), std::string::npos);
  expect_no_secret(c.status().message());
}

TEST_F(CredentialE2eTest, CredentialSourceEnvironment) {
  env().write_aws_file("config", std::string("[profile r]\nrole_arn = ") + t::kTestRoleArn +
                                     "\ncredential_source = Environment\n");
  setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
  setenv("AWS_SECRET_ACCESS_KEY", t::kTestSecretAccessKey, 1);
  Result<DefaultCredentials> d = chain("r");  // --profile: env keys only as the role's source
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_NE(arn->find("assumed-role/efstop-reader/"), std::string::npos);
}

TEST_F(CredentialE2eTest, CredentialSourceEc2InstanceMetadata) {
  env().write_aws_file("config", std::string("[profile r]\nrole_arn = ") + t::kTestChainedRoleArn +
                                     "\ncredential_source = Ec2InstanceMetadata\n");
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
  Result<DefaultCredentials> d = chain("r");
  ASSERT_TRUE(d.ok());
  Result<Credentials> c = d->provider->get();
  // The instance role is not trusted by the cross-account role: STS says so.
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AccessDenied"), std::string::npos) << c.status().message();
  EXPECT_EQ(endpoint().count("imds:Credentials"), 1);
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 1);
}

// The web identity token cannot be read for want of descriptors: said as
// that, not "check the path and that the token is mounted".
TEST_F(CredentialE2eTest, WebIdentityTokenNotReadForWantOfDescriptorsSaysSo) {
  std::string token = write_file("token", t::kTestWebIdentityToken);
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token.c_str(), 1);
  setenv("AWS_ROLE_ARN", t::kTestWebIdentityRoleArn, 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  const std::string m = io_failure_without_descriptors([&] { return d->provider->get(); });
  EXPECT_NE(
      m.find(": cannot read the token file " + token + ": too many open files: raise `ulimit -n`"),
      std::string::npos)
      << m;
  EXPECT_EQ(m.find("mounted"), std::string::npos) << m;
  EXPECT_EQ(endpoint().count("sts:AssumeRoleWithWebIdentity"), 0);
}

TEST_F(CredentialE2eTest, WebIdentityFromEnvironment) {
  std::string token = write_file("token", t::kTestWebIdentityToken);
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token.c_str(), 1);
  setenv("AWS_ROLE_ARN", t::kTestWebIdentityRoleArn, 1);
  setenv("AWS_ROLE_SESSION_NAME", "irsa-pod", 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_EQ(*arn, "arn:aws:sts::111122223333:assumed-role/efstop-irsa/irsa-pod");
  EXPECT_EQ(d->provider->get()->source, "assume-role-with-web-identity");
  EXPECT_EQ(endpoint().count("sts:AssumeRoleWithWebIdentity"), 1);
}

TEST_F(CredentialE2eTest, WebIdentityFromProfileAndExpiredToken) {
  std::string token = write_file("token", t::kTestWebIdentityToken);
  env().write_aws_file("config", std::string("[profile k8s]\nrole_arn = ") +
                                     t::kTestWebIdentityRoleArn +
                                     "\nweb_identity_token_file = " + token + "\n");
  Result<DefaultCredentials> d = chain("k8s");
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_NE(arn->find("assumed-role/efstop-irsa/efstop-session-"), std::string::npos) << *arn;

  write_file("token", "eyJhbGciOiJSUzI1NiJ9.efstop-expired-web-identity.c2ln");
  Result<DefaultCredentials> expired = chain("k8s");
  ASSERT_TRUE(expired.ok());
  Result<Credentials> c = expired->provider->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ExpiredTokenException"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("profile 'k8s'"), std::string::npos);
  EXPECT_EQ(c.status().message().find("efstop-expired-web-identity"), std::string::npos);
}

class SsoE2eTest : public CredentialE2eTest {
 protected:
  void write_token(const std::string& key, const std::string& token,
                   std::chrono::system_clock::time_point expires) {
    std::string path = sso_token_cache_path(home_ + "/.aws/sso/cache", key);
    std::filesystem::create_directories(home_ + "/.aws/sso/cache");
    nlohmann::json doc = {{"startUrl", "https://efstop.awsapps.com/start"},
                          {"region", t::kTestRegion},
                          {"accessToken", token},
                          {"expiresAt", format_iso8601(expires)}};
    std::ofstream(path) << doc.dump();
  }
  static std::string profile_with_session() {
    return std::string("[profile sso]\nsso_session = corp\nsso_account_id = ") + t::kTestAccount +
           "\nsso_role_name = " + t::kTestSsoRoleName +
           "\n[sso-session corp]\nsso_start_url = https://efstop.awsapps.com/start\n"
           "sso_region = " +
           t::kTestRegion + "\n";
  }
};

TEST_F(SsoE2eTest, SsoSessionTokenFromCache) {
  env().write_aws_file("config", profile_with_session());
  write_token("corp", t::kTestSsoAccessToken,
              std::chrono::system_clock::now() + std::chrono::hours(1));
  Result<DefaultCredentials> d = chain("sso");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string() << "\n" << endpoint().server_log();
  EXPECT_NE(arn->find("assumed-role/AWSReservedSSO_EfstopReadOnly_"), std::string::npos) << *arn;
  EXPECT_EQ(endpoint().count("sso:GetRoleCredentials"), 1);
  EXPECT_EQ(d->provider->get()->source, "sso");
}

// The cached token cannot be read because the process has no descriptor
// left: said as that, not as "no cached SSO token ...; run 'aws sso login'"
// (the token is there; logging in again would not help).
TEST_F(SsoE2eTest, TokenNotReadForWantOfDescriptorsIsNotAMissingLogin) {
  env().write_aws_file("config", profile_with_session());
  write_token("corp", t::kTestSsoAccessToken,
              std::chrono::system_clock::now() + std::chrono::hours(1));
  Result<DefaultCredentials> d = chain("sso");
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  const std::string m = io_failure_without_descriptors([&] { return d->provider->get(); });
  EXPECT_NE(m.find("sso credentials for profile 'sso': cannot read the cached SSO token " +
                   sso_token_cache_path(home_ + "/.aws/sso/cache", "corp") +
                   ": too many open files: raise `ulimit -n`"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("aws sso login"), std::string::npos) << m;
  EXPECT_EQ(endpoint().count("sso:GetRoleCredentials"), 0);
}

TEST_F(SsoE2eTest, LegacyStartUrlProfile) {
  env().write_aws_file(
      "config", std::string("[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\n"
                            "sso_region = ") +
                    t::kTestRegion + "\nsso_account_id = " + t::kTestAccount +
                    "\nsso_role_name = " + t::kTestSsoRoleName + "\n");
  write_token("https://legacy.awsapps.com/start", t::kTestSsoAccessToken,
              std::chrono::system_clock::now() + std::chrono::hours(1));
  Result<DefaultCredentials> d = chain("legacy");
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
}

TEST_F(SsoE2eTest, ExpiredOrRefusedTokenSaysToLogIn) {
  env().write_aws_file("config", profile_with_session());
  write_token("corp", t::kTestSsoAccessToken,
              std::chrono::system_clock::now() - std::chrono::minutes(1));
  Result<DefaultCredentials> d = chain("sso");
  ASSERT_TRUE(d.ok());
  Result<Credentials> expired = d->provider->get();
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.status().message().find("SSO session expired"), std::string::npos)
      << expired.status().message();
  EXPECT_NE(expired.status().message().find("aws sso login --profile sso"), std::string::npos);
  EXPECT_EQ(endpoint().count("sso:GetRoleCredentials"), 0);

  write_token("corp", "a-token-the-portal-does-not-know",
              std::chrono::system_clock::now() + std::chrono::hours(1));
  Result<DefaultCredentials> d2 = chain("sso");
  ASSERT_TRUE(d2.ok());
  Result<Credentials> refused = d2->provider->get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAuth);
  EXPECT_NE(refused.status().message().find("UnauthorizedException"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("aws sso login --profile sso"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("a-token-the-portal-does-not-know"), std::string::npos);
}

TEST_F(CredentialE2eTest, CredentialProcess) {
  std::string script = write_file(
      "creds.sh", std::string("#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                              "\"SecretAccessKey\": \"%s\"}' ") +
                      t::kTestAccessKeyId + " " + t::kTestSecretAccessKey + "\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  env().write_aws_file("config", "[default]\ncredential_process = " + script + "\n");
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_EQ(*arn, t::kTestUserArn);
  EXPECT_EQ(d->provider->get()->source, "custom-process");
}

TEST_F(CredentialE2eTest, ContainerRelativeUriWithToken) {
  setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", t::kTestContainerPath, 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", t::kTestContainerToken, 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_NE(arn->find("assumed-role/efstop-task-role/"), std::string::npos) << *arn;
  EXPECT_EQ(d->provider->get()->source, "container-role");
}

TEST_F(CredentialE2eTest, ContainerFullUriWithTokenFileRecoversFromA500) {
  std::string token = write_file("eks-token", std::string(t::kTestContainerToken) + "\n");
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint().container_credentials_url().c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.c_str(), 1);
  ASSERT_TRUE(
      endpoint().inject_fault(Fault{"container:Credentials", FaultKind::kInternalError, 1}).ok());
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_EQ(endpoint().count("container:Credentials"), 2);
}

// The authorization token file, unreadable for want of a descriptor: said as
// that (kIo, what to raise), before any request.
TEST_F(CredentialE2eTest, ContainerTokenFileNotReadForWantOfDescriptorsSaysSo) {
  std::string token = write_file("eks-token", std::string(t::kTestContainerToken) + "\n");
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint().container_credentials_url().c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.c_str(), 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  const std::string m = io_failure_without_descriptors([&] { return d->provider->get(); });
  EXPECT_NE(m.find("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + token +
                   ": too many open files: raise `ulimit -n`"),
            std::string::npos)
      << m;
  EXPECT_EQ(endpoint().count("container:Credentials"), 0);
}

TEST_F(CredentialE2eTest, ContainerCredentialsOutOfDescriptorsAreAskedOnce) {
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint().container_credentials_url().c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", t::kTestContainerToken, 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  // No descriptor for the socket: said at once, not after 3 attempts 0.5 s apart.
  Result<std::string> got = t::run_without_descriptors([&] {
    const auto start = std::chrono::steady_clock::now();
    Result<Credentials> c = d->provider->get();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    return outcome_words(c) + "|ms=" + std::to_string(ms);
  });
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  const std::string& m = *got;
  EXPECT_EQ(m.substr(0, m.find('|')), status_code_name(StatusCode::kIo)) << m;
  EXPECT_NE(
      m.find("container credentials from " + endpoint().container_credentials_url() + ": GET "),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("cannot open a socket: too many open files: raise `ulimit -n`|"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("attempts"), std::string::npos) << m;
  EXPECT_LT(std::stoll(m.substr(m.rfind("|ms=") + 4)), 500) << m;
  EXPECT_EQ(endpoint().count("container:Credentials"), 0);
}

TEST_F(CredentialE2eTest, ContainerWrongTokenIsAnAuthError) {
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint().container_credentials_url().c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-the-token", 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<Credentials> c = d->provider->get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  EXPECT_NE(c.status().message().find("HTTP 403"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("AWS_CONTAINER_AUTHORIZATION_TOKEN"), std::string::npos);
  EXPECT_EQ(c.status().message().find("not-the-token"), std::string::npos);
}

TEST_F(CredentialE2eTest, InstanceMetadataV2) {
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string() << "\n" << endpoint().server_log();
  EXPECT_NE(arn->find("assumed-role/efstop-instance-role/"), std::string::npos) << *arn;
  EXPECT_EQ(d->provider->get()->source, "iam-role");
  EXPECT_EQ(endpoint().count("imds:Token"), 1);  // one session token for both GETs
  EXPECT_EQ(endpoint().count("imds:RoleName"), 1);
  EXPECT_EQ(endpoint().count("imds:Credentials"), 1);
}

TEST_F(CredentialE2eTest, InstanceMetadataFallsBackToV1WhenTheTokenIsRefused) {
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
  ASSERT_TRUE(endpoint().patch_scenario(R"({"imds": {"v2_only": false}})").ok());
  // 403 on the token PUT is what an IMDSv1-only proxy answers.
  ASSERT_TRUE(endpoint().inject_fault(Fault{"imds:Token", FaultKind::kDenied, 1}).ok());
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_NE(arn->find("assumed-role/efstop-instance-role/"), std::string::npos) << *arn;
  EXPECT_EQ(endpoint().count("imds:Token"), 1);
}

TEST_F(CredentialE2eTest, InstanceMetadataFailureIsListedAndTheChainEnds) {
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
  ASSERT_TRUE(
      endpoint().inject_fault(Fault{"imds:Credentials", FaultKind::kInternalError, 1}).ok());
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<Credentials> c = d->provider->get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("EC2 instance metadata: instance metadata credentials of "
                                      "role efstop-instance-role"),
            std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("HTTP 500"), std::string::npos) << c.status().message();
}

TEST_F(CredentialE2eTest, RegionFromInstanceMetadata) {
  RegionOptions o = imds_region_options(endpoint().url());
  Result<ResolvedRegion> r = resolve_region(o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->region, t::kTestRegion);
  EXPECT_EQ(r->source, "EC2 instance metadata");
  EXPECT_EQ(endpoint().count("imds:Region"), 1);
}

TEST_F(CredentialE2eTest, RegionLookupOutOfDescriptorsSaysSoNotThatThisIsNotEc2) {
  RegionOptions o = imds_region_options(endpoint().url());
  // The process has no descriptor left for the IMDS socket: the lookup
  // never reached IMDS, so it says why instead of "not running on EC2?".
  const std::string m = io_failure_without_descriptors([&] { return resolve_region(o); });
  EXPECT_NE(m.find("find region: none of --region, AWS_REGION, AWS_DEFAULT_REGION or the region "
                   "of profile 'default' is set, and could not ask the instance metadata service"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("cannot open a socket: too many open files: raise `ulimit -n`"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("not running on EC2"), std::string::npos) << m;
  EXPECT_EQ(m.find("no region"), std::string::npos) << m;
  EXPECT_EQ(endpoint().count("imds:Token"), 0);

  // With descriptors, the same lookup answers from IMDS.
  Result<ResolvedRegion> r = resolve_region(o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->region, t::kTestRegion);

  // An IMDS that does not answer (nothing listens) is still "not running on
  // EC2?": only a local failure is told apart.
  o = imds_region_options("http://127.0.0.1:1");
  r = resolve_region(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().to_string();
  EXPECT_NE(r.status().message().find("not running on EC2?"), std::string::npos)
      << r.status().message();
}

TEST_F(CredentialE2eTest, InstanceMetadataOutOfDescriptorsEndsTheChainWithTheCause) {
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  const std::string m = io_failure_without_descriptors([&] { return d->provider->get(); });
  EXPECT_NE(m.find("look for AWS credentials of profile 'default': EC2 instance metadata: could "
                   "not ask the instance metadata service"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("too many open files: raise `ulimit -n`"), std::string::npos) << m;
  // The sources before it are still listed; no conclusion that there are none.
  EXPECT_NE(m.find("tried before it, in order:\n  - environment:"), std::string::npos) << m;
  EXPECT_EQ(m.find("no AWS credentials found"), std::string::npos) << m;
  EXPECT_EQ(m.find("not running on EC2"), std::string::npos) << m;
  EXPECT_EQ(endpoint().count("imds:Token"), 0);
}

TEST_F(CredentialE2eTest, NoSourceListsEachOneTried) {
  unsetenv("AWS_EC2_METADATA_DISABLED");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
  ASSERT_TRUE(endpoint().patch_scenario(R"({"imds": {"role": null}})").ok());
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  Result<Credentials> c = d->provider->get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  const std::string& m = c.status().message();
  for (const char* name :
       {"environment", "assume role", "web identity", "IAM Identity Center (SSO)",
        "shared credentials file", "credential_process", "config file", "container credentials",
        "EC2 instance metadata"}) {
    EXPECT_NE(m.find(std::string("  - ") + name + ":"), std::string::npos) << name << "\n" << m;
  }
  EXPECT_NE(m.find("no IAM role attached to this instance"), std::string::npos) << m;
}

TEST_F(CredentialE2eTest, ExpiredTemporaryCredentialsAreRefreshed) {
  ASSERT_TRUE(
      endpoint().patch_scenario(R"({"temporary_credentials": {"lifetime_seconds": 2}})").ok());
  env().write_aws_file("config", std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
                                     "\nsource_profile = base\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  Result<DefaultCredentials> d = chain("reader");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(whoami(d->provider).ok());
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the endpoint's lifetime
  // The cached credentials are now expired at the endpoint too; the next call
  // must fetch new ones rather than fail with ExpiredToken.
  Result<std::string> again = whoami(d->provider);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 2);
}

// Issue 17 (the fault matrix): credentials refused as expired before their
// stated expiry (revoked, rotated, a clock ahead) are fetched again and the
// call retried once, as the SDKs do; a second refusal is the error.
TEST_F(CredentialE2eTest, ExpiredTokenMidRunRefreshesAndRetriesOnce) {
  env().write_aws_file("config", std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
                                     "\nsource_profile = base\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  Result<DefaultCredentials> d = chain("reader");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(whoami(d->provider).ok());
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 1);
  ASSERT_TRUE(endpoint().inject_fault(Fault{"sts:GetCallerIdentity", FaultKind::kExpired, 1}).ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 2);
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 3);

  ASSERT_TRUE(endpoint().inject_fault(Fault{"sts:GetCallerIdentity", FaultKind::kExpired, 2}).ok());
  Result<std::string> twice = whoami(d->provider);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("ExpiredToken"), std::string::npos)
      << twice.status().to_string();
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 3);  // one refresh, not a loop
}

TEST_F(CredentialE2eTest, ExpiredTokenOnLongTermKeysIsNotRetried) {
  env().write_aws_file("credentials", "[default]\n" + user_keys());
  Result<DefaultCredentials> d = chain();
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(endpoint().inject_fault(Fault{"sts:GetCallerIdentity", FaultKind::kExpired, 1}).ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_FALSE(arn.ok());
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 1);
}

TEST_F(CredentialE2eTest, ThrottledAssumeRoleIsRetried) {
  env().write_aws_file("config", std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
                                     "\nsource_profile = base\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  ASSERT_TRUE(endpoint().inject_fault(Fault{"sts:AssumeRole", FaultKind::kThrottle, 1}).ok());
  Result<DefaultCredentials> d = chain("reader");
  ASSERT_TRUE(d.ok());
  Result<std::string> arn = whoami(d->provider);
  ASSERT_TRUE(arn.ok()) << arn.status().to_string();
  EXPECT_EQ(endpoint().count("sts:AssumeRole"), 2);
}

TEST_F(CredentialE2eTest, DebugLogNeverCarriesASecret) {
  // Every network source once, with --debug's log captured.
  std::mutex mu;
  std::string log;
  auto capture = [&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    log.append(line).append("\n");
  };
  std::string token = write_file("token", t::kTestWebIdentityToken);
  std::string sso_cache = sso_token_cache_path(home_ + "/.aws/sso/cache", "corp");
  write_file(".aws/sso/cache/" + std::filesystem::path(sso_cache).filename().string(),
             nlohmann::json({{"accessToken", t::kTestSsoAccessToken},
                             {"expiresAt", format_iso8601(std::chrono::system_clock::now() +
                                                          std::chrono::hours(1))}})
                 .dump());
  env().write_aws_file(
      "config",
      std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
          "\nsource_profile = base\n[profile k8s]\nrole_arn = " + t::kTestWebIdentityRoleArn +
          "\nweb_identity_token_file = " + token +
          "\n[profile sso]\nsso_session = corp\nsso_account_id = " + t::kTestAccount +
          "\nsso_role_name = " + t::kTestSsoRoleName +
          "\n[sso-session corp]\nsso_start_url = https://x\nsso_region = " + t::kTestRegion + "\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  std::vector<std::string> secrets = {t::kTestSecretAccessKey, t::kTestWebIdentityToken,
                                      t::kTestSsoAccessToken};
  for (const char* profile : {"reader", "k8s", "sso"}) {
    CredentialChainOptions o = options(profile);
    o.client_config.debug_log = capture;
    Result<DefaultCredentials> d = make_default_credentials(std::move(o));
    ASSERT_TRUE(d.ok()) << profile;
    Result<Credentials> c = d->provider->get();
    ASSERT_TRUE(c.ok()) << profile << ": " << c.status().to_string();
    secrets.push_back(c->secret_access_key);
    secrets.push_back(c->session_token);
    EXPECT_EQ(c->describe().find(c->secret_access_key), std::string::npos);
  }
  ASSERT_FALSE(log.empty()) << "the debug log saw no call";
  EXPECT_NE(log.find("AssumeRole"), std::string::npos) << log;
  EXPECT_NE(log.find("GetRoleCredentials"), std::string::npos) << log;
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "secret leaked into:\n" << log;
  }
}

TEST_F(CredentialE2eTest, UnreachableStsIsANetworkErrorNamingTheRole) {
  env().write_aws_file("config", std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
                                     "\nsource_profile = base\n");
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  ASSERT_TRUE(endpoint().inject_fault(Fault{"sts:AssumeRole", FaultKind::kReset, 10}).ok());
  Result<DefaultCredentials> d = chain("reader");
  ASSERT_TRUE(d.ok());
  Result<Credentials> c = d->provider->get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNetwork) << c.status().to_string();
  EXPECT_NE(c.status().message().find(t::kTestRoleArn), std::string::npos);
  expect_no_secret(c.status().message());
}

}  // namespace
}  // namespace efstop::aws
