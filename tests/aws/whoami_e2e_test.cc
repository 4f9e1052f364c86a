// `efstop whoami` end to end against the test endpoint with each credential
// source (environment, credentials file, assume role, web identity,
// credential_process, container, IMDS, SSO cache), each output format, and
// --debug that never shows a secret; every run goes through the efstop binary.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/credential_network.h"
#include "aws/credentials.h"
#include "cli/command.h"
#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::cli {
namespace {

namespace t = efstop::testing;

struct WhoamiRun {
  int code = -1;
  std::string out;
  std::string err;
};

class WhoamiE2eTest : public t::EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    setenv("AWS_ENDPOINT_URL", endpoint().url().c_str(), 1);
    setenv("AWS_REGION", t::kTestRegion, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  }

  // Runs the efstop binary (`efstop whoami ARGS`) in this test's
  // environment, as a user would.
  WhoamiRun whoami(std::vector<std::string> args) {
    args.insert(args.begin(), "whoami");
    const t::ProgramRun run = t::run_efstop(args);
    return {run.code, run.out, run.err};
  }

  std::string write_file(const std::string& name, const std::string& content) {
    std::string path = env().home() + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  static std::string user_keys() {
    return std::string("aws_access_key_id = ") + t::kTestAccessKeyId +
           "\naws_secret_access_key = " + t::kTestSecretAccessKey + "\n";
  }

  void set_user_env() {
    setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
    setenv("AWS_SECRET_ACCESS_KEY", t::kTestSecretAccessKey, 1);
  }

  // The whoami output never carries a secret or token, whatever the source.
  void expect_no_secrets(const WhoamiRun& r) {
    for (const std::string& s :
         {std::string(t::kTestSecretAccessKey), std::string(t::kTestContainerToken),
          std::string(t::kTestSsoAccessToken), std::string(t::kTestWebIdentityToken)}) {
      EXPECT_EQ(r.out.find(s), std::string::npos) << "secret in stdout";
      EXPECT_EQ(r.err.find(s), std::string::npos) << "secret in stderr";
    }
    EXPECT_EQ(r.err.find("Authorization"), std::string::npos);
    EXPECT_EQ(r.err.find("X-Amz-Security-Token"), std::string::npos);
  }
};

TEST_F(WhoamiE2eTest, EnvironmentKeysTable) {
  set_user_env();
  WhoamiRun r = whoami({});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("Account      111122223333\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::string("Arn          ") + t::kTestUserArn + "\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Region       eu-west-1  (AWS_REGION)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Access key   ****************0001  (env"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("STS endpoint " + endpoint().url() + "  (AWS_ENDPOINT_URL)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 1);
  expect_no_secrets(r);
}

TEST_F(WhoamiE2eTest, JsonAndTextOutputs) {
  set_user_env();
  WhoamiRun r = whoami({"--output", "json", "--region", t::kTestRegion});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["Account"], t::kTestAccount);
  EXPECT_EQ(j["Arn"], t::kTestUserArn);
  EXPECT_EQ(j["Region"]["Name"], t::kTestRegion);
  EXPECT_EQ(j["Region"]["Source"], "--region");
  EXPECT_EQ(j["Credentials"]["AccessKey"], "****************0001");
  EXPECT_EQ(j["Credentials"]["Source"], "env");
  EXPECT_TRUE(j["Credentials"]["Expiration"].is_null());
  EXPECT_EQ(j["Profile"]["Name"], "default");

  WhoamiRun text = whoami({"--output", "text"});
  ASSERT_EQ(text.code, kExitOk);
  EXPECT_EQ(text.out.rfind(std::string(t::kTestAccount) + "\t" + t::kTestUserArn + "\t", 0), 0u)
      << text.out;
}

TEST_F(WhoamiE2eTest, ProfileFromTheCredentialsFile) {
  env().write_aws_file("credentials", "[dev]\n" + user_keys());
  env().write_aws_file("config", "[profile dev]\nregion = eu-west-1\n");
  unsetenv("AWS_REGION");
  WhoamiRun r = whoami({"--profile", "dev", "--output", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["Profile"]["Name"], "dev");
  EXPECT_EQ(j["Profile"]["Source"], "--profile");
  EXPECT_EQ(j["Credentials"]["Source"], "shared-credentials-file");
  EXPECT_NE(j["Region"]["Source"].get<std::string>().find("profile dev"), std::string::npos)
      << j.dump();
}

TEST_F(WhoamiE2eTest, AssumedRoleWithDebugShowsNoSecret) {
  env().write_aws_file("credentials", "[base]\n" + user_keys());
  env().write_aws_file("config", std::string("[profile reader]\nrole_arn = ") + t::kTestRoleArn +
                                     "\nsource_profile = base\nrole_session_name = whoami-test\n");
  WhoamiRun r = whoami({"--profile", "reader", "--debug"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("arn:aws:sts::111122223333:assumed-role/efstop-reader/whoami-test"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Expires      "), std::string::npos);
  EXPECT_NE(r.err.find("efstop: debug: aws sts AssumeRole region=eu-west-1 attempt=1 status=200"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("efstop: debug: aws sts GetCallerIdentity region=eu-west-1 attempt=1 status=200"),
      std::string::npos)
      << r.err;
  expect_no_secrets(r);
}

TEST_F(WhoamiE2eTest, WebIdentity) {
  std::string token = write_file("token", t::kTestWebIdentityToken);
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token.c_str(), 1);
  setenv("AWS_ROLE_ARN", t::kTestWebIdentityRoleArn, 1);
  setenv("AWS_ROLE_SESSION_NAME", "pod", 1);
  WhoamiRun r = whoami({"--output", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["Arn"], "arn:aws:sts::111122223333:assumed-role/efstop-irsa/pod");
  EXPECT_EQ(j["Credentials"]["Source"], "assume-role-with-web-identity");
  expect_no_secrets(r);
}

TEST_F(WhoamiE2eTest, CredentialProcess) {
  std::string script = write_file(
      "creds.sh", std::string("#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                              "\"SecretAccessKey\": \"%s\"}' ") +
                      t::kTestAccessKeyId + " " + t::kTestSecretAccessKey + "\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  env().write_aws_file("config", "[default]\ncredential_process = " + script + "\n");
  WhoamiRun r = whoami({"--output", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["Credentials"]["Source"], "custom-process");
  expect_no_secrets(r);
}

// efstop raises its own soft descriptor limit to the hard one (a run over
// hundreds of scopes needs it); the credential_process it starts gets back
// the limit efstop was started with (a program of the user's may use
// select(), which fails above 1024). The script records its own soft limit
// and efstop's (its parent's /proc limits).
TEST_F(WhoamiE2eTest, CredentialProcessGetsTheDescriptorLimitEfstopWasStartedWith) {
  struct rlimit limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_TRUE(limit.rlim_max == RLIM_INFINITY || limit.rlim_max > 64)
      << "needs a hard descriptor limit above 64 to tell the two limits apart";
  const std::string hard =
      limit.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(limit.rlim_max);
  const std::string seen = env().home() + "/limits-seen.txt";
  std::string script = write_file(
      "creds.sh",
      "#!/bin/sh\n"
      "echo \"child $(ulimit -Sn)\" > " +
          seen +
          "\n"
          "awk '/^Max open files/ {print \"efstop\", $4, $5}' /proc/$PPID/limits >> " +
          seen +
          "\nprintf '{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\"}' " +
          t::kTestAccessKeyId + " " + t::kTestSecretAccessKey + "\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  env().write_aws_file("config", "[default]\ncredential_process = " + script + "\n");
  const t::ProgramRun run =
      t::run_program({"/bin/sh", "-c", "ulimit -S -n 64 && exec \"$0\" \"$@\"",
                      std::string(EFSTOP_BINARY_DIR) + "/efstop", "whoami", "--output", "json"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["Credentials"]["Source"], "custom-process");
  // efstop ran with its soft limit raised to the hard one; its child with 64.
  EXPECT_EQ(t::read_file_or_empty(seen), "child 64\nefstop " + hard + " " + hard + "\n");
}

TEST_F(WhoamiE2eTest, ContainerCredentials) {
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint().container_credentials_url().c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", t::kTestContainerToken, 1);
  WhoamiRun r = whoami({"--output", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["Credentials"]["Source"], "container-role");
  EXPECT_FALSE(j["Credentials"]["Expiration"].is_null());
  EXPECT_EQ(endpoint().count("container:Credentials"), 1);
  expect_no_secrets(r);
}

TEST_F(WhoamiE2eTest, InstanceMetadataGivesCredentialsAndRegion) {
  unsetenv("AWS_EC2_METADATA_DISABLED");
  unsetenv("AWS_REGION");
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
  WhoamiRun r = whoami({"--output", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["Credentials"]["Source"], "iam-role");
  EXPECT_EQ(j["Region"]["Name"], t::kTestRegion);
  EXPECT_NE(j["Region"]["Source"].get<std::string>().find("metadata"), std::string::npos)
      << j.dump();
  EXPECT_GE(endpoint().count("imds:Credentials"), 1);
  expect_no_secrets(r);
}

TEST_F(WhoamiE2eTest, SsoCachedToken) {
  const std::string cache = env().home() + "/.aws/sso/cache";
  std::filesystem::create_directories(cache);
  nlohmann::json token = {
      {"startUrl", "https://efstop.awsapps.com/start"},
      {"region", t::kTestRegion},
      {"accessToken", t::kTestSsoAccessToken},
      {"expiresAt", aws::format_iso8601(std::chrono::system_clock::now() + std::chrono::hours(4))}};
  std::ofstream(aws::sso_token_cache_path(cache, "corp")) << token.dump();
  env().write_aws_file(
      "config", std::string("[profile sso]\nsso_session = corp\nsso_account_id = ") +
                    t::kTestAccount + "\nsso_role_name = " + t::kTestSsoRoleName +
                    "\n[sso-session corp]\nsso_start_url = https://efstop.awsapps.com/start\n"
                    "sso_region = " +
                    t::kTestRegion + "\n");
  WhoamiRun r = whoami({"--profile", "sso", "--output", "json", "--debug"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["Credentials"]["Source"], "sso");
  EXPECT_NE(j["Arn"].get<std::string>().find("AWSReservedSSO_EfstopReadOnly_"), std::string::npos);
  EXPECT_EQ(endpoint().count("sso:GetRoleCredentials"), 1);
  expect_no_secrets(r);
}

TEST_F(WhoamiE2eTest, FailuresAreClearAndExitOne) {
  // No credentials anywhere: the chain's message lists what was tried.
  WhoamiRun none = whoami({});
  EXPECT_EQ(none.code, kExitFailure);
  EXPECT_EQ(none.err.rfind("efstop: whoami: ", 0), 0u) << none.err;
  EXPECT_TRUE(none.out.empty());

  // A wrong secret: botocore's SignatureDoesNotMatch, named with the call.
  setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
  setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
  WhoamiRun bad = whoami({});
  EXPECT_EQ(bad.code, kExitFailure);
  EXPECT_NE(bad.err.find("get-caller-identity eu-west-1: SignatureDoesNotMatch"), std::string::npos)
      << bad.err;
  EXPECT_EQ(bad.err.find("not-the-secret"), std::string::npos);

  // Throttled beyond the retries.
  set_user_env();
  t::Fault f;
  f.operation = "sts:GetCallerIdentity";
  f.kind = t::FaultKind::kThrottle;
  f.count = 5;
  ASSERT_TRUE(endpoint().inject_fault(f).ok());
  setenv("AWS_MAX_ATTEMPTS", "2", 1);
  WhoamiRun throttled = whoami({});
  EXPECT_EQ(throttled.code, kExitFailure);
  EXPECT_NE(throttled.err.find("throttled after 2 attempts: Throttling"), std::string::npos)
      << throttled.err;
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 2 + 1);
}

TEST_F(WhoamiE2eTest, UsageErrorsExitTwo) {
  EXPECT_EQ(whoami({"--output", "yaml"}).code, kExitUsage);
  EXPECT_EQ(whoami({"--region", "Not A Region"}).code, kExitUsage);
  EXPECT_EQ(whoami({"--endpoint-url", "localhost:9"}).code, kExitUsage);
  EXPECT_EQ(whoami({"--cli-read-timeout", "soon"}).code, kExitUsage);
  EXPECT_EQ(whoami({"extra"}).code, kExitUsage);
  setenv("AWS_RETRY_MODE", "fast", 1);
  set_user_env();
  WhoamiRun r = whoami({});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("AWS_RETRY_MODE"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace efstop::cli
