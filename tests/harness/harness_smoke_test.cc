// The harness itself: starting and stopping the endpoint and s3rver, faults,
// counts, scenario patches, the environment guard. Signed AWS calls are
// covered by the endpoint's own Python tests (tests/endpoint/test_*.py) and by
// the aws module's tests; here only unsigned calls are made, so these tests
// do not depend on efstop's SigV4.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/harness_http.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::testing {
namespace {

std::string web_identity_body(std::string_view token) {
  return "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
         std::string("arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fefstop-irsa") +
         "&RoleSessionName=smoke&WebIdentityToken=" + std::string(token);
}

HttpReply post_web_identity(const TestEndpoint& ep,
                            std::string_view token = kTestWebIdentityToken) {
  Result<HttpReply> reply =
      http_request("POST", ep.url() + "/", web_identity_body(token),
                   {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"});
  EXPECT_TRUE(reply.ok()) << reply.status().to_string();
  return reply.ok() ? *reply : HttpReply{};
}

class HarnessSmokeTest : public EndpointTest {};

TEST_F(HarnessSmokeTest, DefaultScenarioMatchesHeaderConstants) {
  std::ifstream in(efstop::testing::default_scenario_path());
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["account"], kTestAccount);
  EXPECT_EQ(doc["region"], kTestRegion);
  EXPECT_EQ(doc["users"][kTestAccessKeyId]["secret"], kTestSecretAccessKey);
  EXPECT_EQ(doc["users"][kTestAccessKeyId]["arn"], kTestUserArn);
  EXPECT_EQ(doc["users"][kTestOtherAccessKeyId]["secret"], kTestOtherSecretAccessKey);
  EXPECT_TRUE(doc["roles"].contains(kTestRoleArn));
  EXPECT_EQ(doc["roles"][kTestExternalIdRoleArn]["external_id"], kTestExternalId);
  EXPECT_EQ(doc["roles"][kTestChainedRoleArn]["trusted"][0], kTestRoleArn);
  EXPECT_EQ(doc["roles"][kTestWebIdentityRoleArn]["web_identity_tokens"][0], kTestWebIdentityToken);
  EXPECT_EQ(doc["sso"]["access_tokens"][0], kTestSsoAccessToken);
  EXPECT_EQ(doc["sso"]["accounts"][kTestAccount][0], kTestSsoRoleName);
  EXPECT_EQ(doc["imds"]["role"], kTestImdsRoleName);
  EXPECT_EQ(doc["container"]["path"], kTestContainerPath);
  EXPECT_EQ(doc["container"]["token"], kTestContainerToken);
}

TEST_F(HarnessSmokeTest, CountsUnsignedStsCall) {
  EXPECT_EQ(endpoint().total_count(), 0);
  HttpReply reply = post_web_identity(endpoint());
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find("<AssumeRoleWithWebIdentityResponse"), std::string::npos);
  EXPECT_NE(reply.body.find("<AccessKeyId>ASIA"), std::string::npos);
  EXPECT_EQ(endpoint().count("sts:AssumeRoleWithWebIdentity"), 1);
  EXPECT_EQ(endpoint().total_count(), 1);
}

TEST_F(HarnessSmokeTest, UnsignedEc2CallIsRejectedAndCounted) {
  Result<HttpReply> reply = http_request(
      "POST", endpoint().url() + "/", "Action=DescribeNetworkInterfaces&Version=2016-11-15",
      {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 401);
  EXPECT_NE(reply->body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos);
  EXPECT_EQ(endpoint().count("ec2:DescribeNetworkInterfaces"), 1);
}

TEST_F(HarnessSmokeTest, ThrottleFaultThenRecovery) {
  ASSERT_TRUE(endpoint()
                  .inject_fault({.operation = "sts:AssumeRoleWithWebIdentity",
                                 .kind = FaultKind::kThrottle,
                                 .count = 2})
                  .ok());
  for (int i = 0; i < 2; ++i) {
    HttpReply reply = post_web_identity(endpoint());
    EXPECT_EQ(reply.status, 400);
    EXPECT_NE(reply.body.find("<Code>Throttling</Code>"), std::string::npos) << reply.body;
  }
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  EXPECT_EQ(endpoint().count("sts:AssumeRoleWithWebIdentity"), 3);
}

TEST_F(HarnessSmokeTest, SkipLetsEarlierRequestsThrough) {
  ASSERT_TRUE(
      endpoint()
          .inject_fault(
              {.operation = "*", .kind = FaultKind::kServiceUnavailable, .count = 1, .skip = 1})
          .ok());
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  EXPECT_EQ(post_web_identity(endpoint()).status, 503);
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
}

TEST_F(HarnessSmokeTest, ResetAndTruncateFailTheTransport) {
  ASSERT_TRUE(endpoint().inject_fault({.kind = FaultKind::kReset}).ok());
  Result<HttpReply> reset =
      http_request("POST", endpoint().url() + "/", web_identity_body(kTestWebIdentityToken),
                   {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_FALSE(reset.ok());
  EXPECT_EQ(reset.status().code(), StatusCode::kNetwork);

  ASSERT_TRUE(endpoint().inject_fault({.kind = FaultKind::kTruncate}).ok());
  Result<HttpReply> truncated =
      http_request("POST", endpoint().url() + "/", web_identity_body(kTestWebIdentityToken),
                   {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_FALSE(truncated.ok());
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  EXPECT_EQ(endpoint().count("sts:AssumeRoleWithWebIdentity"), 3);
}

TEST_F(HarnessSmokeTest, SlowFaultDelaysButAnswers) {
  ASSERT_TRUE(endpoint().inject_fault({.kind = FaultKind::kSlow, .delay_ms = 300}).ok());
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(300));
}

TEST_F(HarnessSmokeTest, ResetClearsFaultsAndCounts) {
  ASSERT_TRUE(endpoint().inject_fault({.kind = FaultKind::kDenied, .count = 5}).ok());
  EXPECT_EQ(post_web_identity(endpoint()).status, 403);
  ASSERT_TRUE(endpoint().reset().ok());
  EXPECT_EQ(endpoint().total_count(), 0);
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
}

TEST_F(HarnessSmokeTest, UnknownFaultKindIsRefusedByTheEndpoint) {
  Result<HttpReply> reply =
      http_request("POST", endpoint().url() + "/__efstop/faults", R"({"kind":"explode"})");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 400);
  EXPECT_NE(reply->body.find("fault kind must be one of"), std::string::npos);
}

TEST_F(HarnessSmokeTest, PatchScenarioRemovesARole) {
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(R"({"roles": {"arn:aws:iam::111122223333:role/efstop-irsa": null}})")
          .ok());
  HttpReply reply = post_web_identity(endpoint());
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("<Code>InvalidIdentityToken</Code>"), std::string::npos);
  ASSERT_TRUE(endpoint().reset().ok());  // back to the file's scenario
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
}

TEST_F(HarnessSmokeTest, ImdsV2FlowAndTokenRequirement) {
  const std::string base = endpoint().url();
  Result<HttpReply> no_token =
      http_request("GET", base + "/latest/meta-data/iam/security-credentials/");
  ASSERT_TRUE(no_token.ok());
  EXPECT_EQ(no_token->status, 401);  // the default scenario is IMDSv2-only
  Result<HttpReply> token = http_request("PUT", base + "/latest/api/token", "",
                                         {"X-aws-ec2-metadata-token-ttl-seconds: 21600"});
  ASSERT_TRUE(token.ok());
  ASSERT_EQ(token->status, 200);
  const std::string header = "X-aws-ec2-metadata-token: " + token->body;
  Result<HttpReply> role =
      http_request("GET", base + "/latest/meta-data/iam/security-credentials/", "", {header});
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->body, kTestImdsRoleName);
  Result<HttpReply> creds = http_request(
      "GET", base + "/latest/meta-data/iam/security-credentials/" + role->body, "", {header});
  ASSERT_TRUE(creds.ok());
  nlohmann::json doc = nlohmann::json::parse(creds->body, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << creds->body;
  EXPECT_EQ(doc["Code"], "Success");
  EXPECT_EQ(doc["AccessKeyId"].get<std::string>().rfind("ASIA", 0), 0u);
  Result<HttpReply> region =
      http_request("GET", base + "/latest/meta-data/placement/region", "", {header});
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(region->body, kTestRegion);
  EXPECT_EQ(endpoint().count("imds:Token"), 1);
  EXPECT_EQ(endpoint().count("imds:RoleName"), 2);
  EXPECT_EQ(endpoint().count("imds:Credentials"), 1);
}

TEST_F(HarnessSmokeTest, ExpireIssuedCredentialsCountsThem) {
  Result<int> none = endpoint().expire_issued_credentials();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  Result<int> two = endpoint().expire_issued_credentials();
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, 2);
}

TEST_F(HarnessSmokeTest, ContainerCredentialsNeedTheToken) {
  Result<HttpReply> denied = http_request("GET", endpoint().container_credentials_url());
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 401);
  Result<HttpReply> ok = http_request("GET", endpoint().container_credentials_url(), "",
                                      {std::string("Authorization: ") + kTestContainerToken});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("\"Token\""), std::string::npos);
  EXPECT_EQ(endpoint().count("container:Credentials"), 2);
}

TEST_F(HarnessSmokeTest, RequestLogNeverHoldsTheWebIdentityToken) {
  EXPECT_EQ(post_web_identity(endpoint()).status, 200);
  Result<nlohmann::json> log = endpoint().requests();
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0]["operation"], "sts:AssumeRoleWithWebIdentity");
  EXPECT_EQ(log->dump().find(kTestWebIdentityToken), std::string::npos);
}

TEST(HarnessLifecycleTest, StopsTheServerOnDestruction) {
  ScopedAwsEnv env;
  std::string url;
  {
    Result<std::unique_ptr<TestEndpoint>> ep = TestEndpoint::start({.page_size = 2});
    ASSERT_TRUE(ep.ok()) << ep.status().to_string();
    url = (*ep)->url();
    EXPECT_EQ(post_web_identity(**ep).status, 200);
  }
  Result<HttpReply> after = http_request("GET", url + "/__efstop/counts");
  EXPECT_FALSE(after.ok());
}

TEST(HarnessLifecycleTest, BadScenarioFailsWithTheServersMessage) {
  const std::string path = ::testing::TempDir() + "/efstop-bad-scenario.json";
  {
    std::ofstream out(path);
    out << R"({"account": "1", "users": []})";
  }
  Result<std::unique_ptr<TestEndpoint>> ep = TestEndpoint::start({.scenario_path = path});
  ASSERT_FALSE(ep.ok());
  EXPECT_NE(ep.status().message().find("needs a non-empty string 'region'"), std::string::npos)
      << ep.status().message();
  std::filesystem::remove(path);
}

TEST(ScopedAwsEnvTest, IsolatesAndRestoresTheEnvironment) {
  const char* old_home = std::getenv("HOME");
  const std::string saved_home = old_home ? old_home : "";
  setenv("AWS_PROFILE", "developer-own-profile", 1);
  {
    ScopedAwsEnv env;
    EXPECT_EQ(std::getenv("AWS_PROFILE"), nullptr);
    EXPECT_EQ(std::string(std::getenv("HOME")), env.home());
    EXPECT_TRUE(std::filesystem::is_directory(env.home() + "/.aws"));
    EXPECT_TRUE(std::filesystem::is_empty(env.home() + "/.aws"));
    EXPECT_EQ(std::string(std::getenv("NO_PROXY")), "127.0.0.1,localhost");
    setenv("AWS_REGION", "set-by-test", 1);
    env.write_aws_file("config", "[default]\nregion = eu-west-1\n");
    EXPECT_TRUE(std::filesystem::exists(env.home() + "/.aws/config"));
  }
  EXPECT_EQ(std::string(std::getenv("AWS_PROFILE")), "developer-own-profile");
  EXPECT_EQ(std::getenv("AWS_REGION"), nullptr);
  EXPECT_EQ(std::string(std::getenv("HOME") ? std::getenv("HOME") : ""), saved_home);
  unsetenv("AWS_PROFILE");
}

TEST(S3ServerTest, StartPutGetListStop) {
  Result<std::unique_ptr<S3Server>> s3 = S3Server::start({.buckets = {"efstop-flow-logs"}});
  ASSERT_TRUE(s3.ok()) << s3.status().to_string();
  const std::string key = "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/26/a b.log.gz";
  const std::string data(
      "\x1f\x8b\x08\x00"
      "binary\0data",
      15);  // gzip magic, NULs
  ASSERT_TRUE((*s3)->put_object("efstop-flow-logs", key, data).ok());
  Result<std::string> back = (*s3)->get_object("efstop-flow-logs", key);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, data);
  Result<HttpReply> list = http_request(
      "GET", (*s3)->url() + "/efstop-flow-logs?list-type=2&prefix=AWSLogs%2F111122223333%2F");
  ASSERT_TRUE(list.ok());
  EXPECT_NE(list->body.find("<KeyCount>1</KeyCount>"), std::string::npos) << list->body;
  EXPECT_NE(list->body.find("a b.log.gz"), std::string::npos);
  ASSERT_TRUE((*s3)->create_bucket("second-bucket").ok());
  EXPECT_TRUE((*s3)->put_object("second-bucket", "x", "y").ok());
  EXPECT_FALSE((*s3)->get_object("second-bucket", "missing").ok());
  // The checking front relays (unsigned = anonymous) calls and counts them;
  // the fixture helpers above went straight to s3rver.
  ASSERT_NE((*s3)->endpoint(), nullptr);
  EXPECT_NE((*s3)->url(), (*s3)->upstream_url());
  EXPECT_EQ((*s3)->endpoint()->count("s3:ListObjectsV2"), 1);
  EXPECT_EQ((*s3)->endpoint()->count("s3:PutObject"), 0);
  Result<HttpReply> head = http_request("HEAD", (*s3)->url() + "/efstop-flow-logs/x");
  ASSERT_FALSE(head.ok() && head->status == 200);  // bucket efstop-flow-logs has no "x"
  ASSERT_TRUE((*s3)
                  ->endpoint()
                  ->inject_fault({.operation = "s3:GetObject", .kind = FaultKind::kThrottle})
                  .ok());
  Result<HttpReply> slow_down = http_request("GET", (*s3)->url() + "/second-bucket/x");
  ASSERT_TRUE(slow_down.ok());
  EXPECT_EQ(slow_down->status, 503);
  EXPECT_NE(slow_down->body.find("<Code>SlowDown</Code>"), std::string::npos);
  Result<HttpReply> relayed = http_request("GET", (*s3)->url() + "/second-bucket/x");
  ASSERT_TRUE(relayed.ok());
  EXPECT_EQ(relayed->body, "y");
  const std::string url = (*s3)->url();
  const std::string upstream = (*s3)->upstream_url();
  s3->reset();
  EXPECT_FALSE(http_request("GET", url + "/").ok());
  EXPECT_FALSE(http_request("GET", upstream + "/").ok());
}

TEST(S3ServerTest, TruncatedListingsWork) {
  // s3rver's continuation tokens need OpenSSL's legacy provider (DES).
  Result<std::unique_ptr<S3Server>> s3 = S3Server::start({.buckets = {"many-keys"}});
  ASSERT_TRUE(s3.ok()) << s3.status().to_string();
  for (const char* key : {"k0", "k1", "k2"}) {
    ASSERT_TRUE((*s3)->put_object("many-keys", key, "v").ok());
  }
  Result<HttpReply> first = http_request("GET", (*s3)->url() + "/many-keys?list-type=2&max-keys=2");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_NE(first->body.find("<NextContinuationToken>"), std::string::npos);
}

TEST(S3ServerTest, WithoutVerificationUrlIsS3rverItself) {
  Result<std::unique_ptr<S3Server>> s3 = S3Server::start({.verify_signatures = false});
  ASSERT_TRUE(s3.ok()) << s3.status().to_string();
  EXPECT_EQ((*s3)->url(), (*s3)->upstream_url());
  EXPECT_EQ((*s3)->endpoint(), nullptr);
  ASSERT_TRUE((*s3)->create_bucket("bkt").ok());
  ASSERT_TRUE((*s3)->put_object("bkt", "k", "v").ok());
  Result<HttpReply> got = http_request("GET", (*s3)->url() + "/bkt/k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->body, "v");
}

}  // namespace
}  // namespace efstop::testing
