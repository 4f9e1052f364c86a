// AwsClient over a scripted transport: wire shapes of each protocol, error
// parsing from the reference fixtures, the Status mapping and messages,
// standard/adaptive retries, the retry quota, clock-skew correction, S3
// addressing/redirects/resumed downloads, and --debug lines without secrets.
#include "aws/client.h"

#include <gtest/gtest.h>

#include <map>

#include "aws/sigv4.h"
#include "fake_transport.h"

namespace efstop::aws {
namespace {

using testing::FakeEnv;
using testing::FakeTransport;
using testing::FixedCredentials;
using testing::http_answer;
using testing::network_failure;
using testing::read_fixture;

constexpr char kSecret[] = "SECRETKEYabcdefghijklmnopqrstuvwxyz0123";
constexpr char kToken[] = "SESSIONTOKEN-IQoJb3JpZ2luX2VjEJr-very-secret";

std::string header_value(const HttpRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    std::string lower;
    for (char c : n)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower == name) return v;
  }
  return {};
}

class ClientTest : public ::testing::Test {
 protected:
  AwsClient& client(ClientConfig config = {}) {
    if (config.region.empty()) config.region = "us-east-1";
    config.debug_log = [this](std::string_view line) { log_.emplace_back(line); };
    client_ = std::make_unique<AwsClient>(
        config, std::make_shared<FixedCredentials>("AKIDTEST", kSecret, kToken), transport_, &env_);
    return *client_;
  }

  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  FakeEnv env_;
  std::vector<std::string> log_;
  std::unique_ptr<AwsClient> client_;
};

TEST_F(ClientTest, Ec2QueryPostsActionVersionAndFlattenedFilters) {
  transport_->push(http_answer(200, read_fixture("ec2-DescribeNetworkInterfaces.botocore.xml")));
  QueryParams params;
  add_filter(params, "addresses.private-ip-address", {"10.0.0.5", "10.0.0.6"});
  add_filter(params, "vpc-id", {"vpc-1"});
  params.emplace_back("MaxResults", "1000");
  auto doc = client().call_query(Service::kEc2, "DescribeNetworkInterfaces", params);
  ASSERT_TRUE(doc.ok()) << doc.status().to_string();
  EXPECT_EQ(xml_local_name(doc->root()), "DescribeNetworkInterfacesResponse");
  EXPECT_TRUE(xml_child(doc->root(), "networkInterfaceSet"));

  ASSERT_EQ(transport_->requests.size(), 1u);
  const HttpRequest& r = transport_->requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://ec2.us-east-1.amazonaws.com/");
  EXPECT_EQ(r.body,
            "Action=DescribeNetworkInterfaces&Version=2016-11-15"
            "&Filter.1.Name=addresses.private-ip-address&Filter.1.Value.1=10.0.0.5&Filter.1.Value."
            "2=10.0.0.6"
            "&Filter.2.Name=vpc-id&Filter.2.Value.1=vpc-1&MaxResults=1000");
  EXPECT_EQ(header_value(r, "content-type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_NE(header_value(r, "authorization").find("/us-east-1/ec2/aws4_request"),
            std::string::npos);
  EXPECT_EQ(header_value(r, "x-amz-security-token"), kToken);
}

TEST_F(ClientTest, JsonProtocolSendsTargetAndBody) {
  transport_->push(http_answer(200, read_fixture("logs-FilterLogEvents.awscli-example.json")));
  auto out = client().call_json(Service::kLogs, "FilterLogEvents",
                                {{"logGroupName", "flows"}, {"limit", 5}});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_TRUE(out->contains("events"));
  const HttpRequest& r = transport_->requests[0];
  EXPECT_EQ(r.url, "https://logs.us-east-1.amazonaws.com/");
  EXPECT_EQ(header_value(r, "x-amz-target"), "Logs_20140328.FilterLogEvents");
  EXPECT_EQ(header_value(r, "content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(nlohmann::json::parse(r.body),
            (nlohmann::json{{"logGroupName", "flows"}, {"limit", 5}}));
}

TEST_F(ClientTest, RestJsonGetsPathAndQueryAndSignsAsElasticfilesystem) {
  transport_->push(http_answer(200, R"({"FileSystems":[],"NextMarker":"m2"})"));
  auto out = client().call_rest_json(Service::kEfs, "DescribeFileSystems", "GET",
                                     "/2015-02-01/file-systems",
                                     {{"MaxItems", "10"}, {"Marker", "a+b/c"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)["NextMarker"], "m2");
  const HttpRequest& r = transport_->requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            "https://elasticfilesystem.us-east-1.amazonaws.com/2015-02-01/"
            "file-systems?MaxItems=10&Marker=a%2Bb%2Fc");
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(header_value(r, "authorization").find("/us-east-1/elasticfilesystem/aws4_request"),
            std::string::npos);
}

TEST_F(ClientTest, UnsignedCallsCarryNoAuthorizationOrToken) {
  transport_->push(http_answer(200, read_fixture("sts-AssumeRole.docs.xml")));
  auto doc = client().call_query_unsigned(Service::kSts, "AssumeRoleWithWebIdentity",
                                          {{"RoleArn", "arn"}});
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(header_value(transport_->requests[0], "authorization"), "");
  EXPECT_EQ(header_value(transport_->requests[0], "x-amz-security-token"), "");
  EXPECT_EQ(transport_->requests[0].url, "https://sts.us-east-1.amazonaws.com/");
}

TEST_F(ClientTest, Ec2ErrorIsParsedAndNotRetried) {
  transport_->push(
      http_answer(400, read_fixture("ec2-error-InvalidInstanceID.Malformed.botocore.xml")));
  AwsError err;
  auto doc = client().call_query(Service::kEc2, "DescribeInstances", {}, &err);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(transport_->requests.size(), 1u);
  EXPECT_EQ(err.code, "InvalidInstanceID.Malformed");
  EXPECT_EQ(err.request_id, "dfb14b43-9a55-4d8e-b676-e8034d12bbeb");
  EXPECT_EQ(err.http_status, 400);
  EXPECT_FALSE(err.retryable);
  EXPECT_EQ(doc.status().code(), StatusCode::kAwsError);
  EXPECT_EQ(doc.status().message(),
            "describe-instances us-east-1: InvalidInstanceID.Malformed: Invalid id: \"foobar\" "
            "(request id dfb14b43-9a55-4d8e-b676-e8034d12bbeb)");
}

TEST_F(ClientTest, DeniedNamesTheIamActionToGrant) {
  transport_->push(http_answer(403, read_fixture("sts-error-GetSessionToken.botocore.xml")));
  auto doc = client().call_query(Service::kSts, "GetSessionToken", {});
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kAuth);
  EXPECT_NE(doc.status().message().find(
                "get-session-token us-east-1: AccessDenied: GetSessionToken call failed"),
            std::string::npos);
  EXPECT_NE(doc.status().message().find("(request id 8088f6eb-b7fb-11e2-8d25-4b9f3b52b80f)"),
            std::string::npos);
  EXPECT_NE(doc.status().message().find("grant sts:GetSessionToken"), std::string::npos);

  transport_->push(http_answer(403, R"(<Response><Errors><Error><Code>UnauthorizedOperation</Code>
      <Message>You are not authorized to perform this operation.</Message></Error></Errors>
      <RequestID>r-1</RequestID></Response>)"));
  auto enis = client_->call_query(Service::kEc2, "DescribeNetworkInterfaces", {});
  EXPECT_EQ(enis.status().code(), StatusCode::kAuth);
  EXPECT_NE(enis.status().message().find("grant ec2:DescribeNetworkInterfaces"), std::string::npos)
      << enis.status().message();
}

// Across accounts a client signs with a member role: granting the caller
// would change nothing, so the message names the role to grant it to.
TEST_F(ClientTest, DeniedWithAnAssumedRoleNamesTheRoleToGrant) {
  const char* denied = R"(<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>
      <Message>User is not authorized to perform: cloudwatch:GetMetricData</Message></Error>
      <RequestId>r-2</RequestId></ErrorResponse>)";
  transport_->push(http_answer(403, denied));
  auto own = client().call_query(Service::kCloudWatch, "GetMetricData", {});
  EXPECT_EQ(own.status().code(), StatusCode::kAuth);
  EXPECT_TRUE(own.status().message().ends_with(
      "; grant cloudwatch:GetMetricData to the caller's IAM policy"))
      << own.status().message();

  ClientConfig member;
  member.iam_principal = "arn:aws:iam::444455556666:role/efstop-read";
  transport_->push(http_answer(403, denied));
  auto got = client(member).call_query(Service::kCloudWatch, "GetMetricData", {});
  EXPECT_EQ(got.status().code(), StatusCode::kAuth);
  EXPECT_TRUE(
      got.status().message().ends_with("; grant cloudwatch:GetMetricData to the IAM policy of role "
                                       "arn:aws:iam::444455556666:role/efstop-read"))
      << got.status().message();
  EXPECT_EQ(got.status().message().find("caller"), std::string::npos) << got.status().message();
}

TEST_F(ClientTest, S3XmlErrorAndHeaderlessErrors) {
  HttpResponse r;
  r.status = 403;
  r.body = read_fixture("s3-error-ListObjects.botocore.xml");
  AwsError e = parse_error_response(Protocol::kRestXml, r);
  EXPECT_EQ(e.code, "AccessDenied");
  EXPECT_EQ(e.message, "Access Denied");
  EXPECT_EQ(e.request_id, "9C7D5181867045BB");

  HttpResponse head;  // HEAD answers have no body
  head.status = 404;
  head.headers = {{"x-amz-request-id", "RID"}};
  AwsError h = parse_error_response(Protocol::kRestXml, head);
  EXPECT_EQ(h.code, "NotFound");
  EXPECT_EQ(h.request_id, "RID");
}

TEST_F(ClientTest, JsonAndRestJsonErrorShapes) {
  HttpResponse r;
  r.status = 400;
  r.body =
      R"({"__type":"com.amazonaws.logs#ResourceNotFoundException","message":"The specified log group does not exist."})";
  r.headers = {{"x-amzn-RequestId", "req-9"}};
  AwsError e = parse_error_response(Protocol::kJson, r);
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "The specified log group does not exist.");
  EXPECT_EQ(e.request_id, "req-9");
  e.operation = "FilterLogEvents";
  e.region = "eu-west-1";
  EXPECT_EQ(e.to_status().code(), StatusCode::kNotFound);

  HttpResponse efs;
  efs.status = 404;
  efs.body = R"({"ErrorCode":"FileSystemNotFound","Message":"File system 'fs-1' does not exist."})";
  AwsError f = parse_error_response(Protocol::kRestJson, efs);
  EXPECT_EQ(f.code, "FileSystemNotFound");

  HttpResponse typed;  // code only in the header
  typed.status = 429;
  typed.headers = {{"x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/"}};
  AwsError t = parse_error_response(Protocol::kRestJson, typed);
  EXPECT_EQ(t.code, "ThrottlingException");
  EXPECT_TRUE(t.throttling);
  EXPECT_TRUE(t.retryable);
}

TEST_F(ClientTest, UnreadableErrorBodyGivesStatusCodeAndExcerpt) {
  HttpResponse r;
  r.status = 502;
  r.body = "<html><body>\n<h1>502 Bad Gateway</h1>\x01</body></html>";
  AwsError e = parse_error_response(Protocol::kJson, r);
  EXPECT_EQ(e.code, "HTTP 502");
  // Newlines and control characters become single spaces.
  EXPECT_EQ(e.message, "<html><body> <h1>502 Bad Gateway</h1> </body></html>");
  EXPECT_TRUE(e.retryable);
}

TEST_F(ClientTest, ThrottlingIsRetriedWithFullJitterThenReported) {
  for (const char* id : {"r0", "r1", "r2"}) {
    transport_->push(http_answer(400,
                                 R"({"__type":"ThrottlingException","message":"Rate exceeded"})",
                                 {{"x-amzn-RequestId", id}}));
  }
  env_.random = 0.5;
  auto out = client().call_json(Service::kLogs, "FilterLogEvents", nullptr);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(out.status().code(), StatusCode::kThrottled);
  EXPECT_EQ(
      out.status().message(),
      "filter-log-events us-east-1: throttled after 3 attempts: ThrottlingException: Rate exceeded "
      "(request id r2)");
  // rand * 2^(attempt-1): 0.5 * 1, 0.5 * 2.
  EXPECT_EQ(env_.sleeps, (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(client_->retry_quota().available(), 500 - 10);
}

TEST_F(ClientTest, TransientErrorThenSuccessRefundsTheQuota) {
  transport_->push(
      http_answer(503,
                  "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                  "<Message>Request limit exceeded.</Message></Error></Errors></Response>"));
  transport_->push(network_failure(TransportFailure::kReset, "connection lost: reset"));
  transport_->push(http_answer(200, read_fixture("sts-GetCallerIdentity.botocore.xml")));
  auto doc = client().call_query(Service::kSts, "GetCallerIdentity", {});
  ASSERT_TRUE(doc.ok()) << doc.status().to_string();
  EXPECT_EQ(xml_child_text(xml_child(doc->root(), "GetCallerIdentityResult"), "Account"),
            "123456789012");
  EXPECT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(client_->retry_quota().available(), 500 - 10 + 5);
  // Each attempt is signed afresh.
  EXPECT_NE(header_value(transport_->requests[2], "authorization"), "");
}

TEST_F(ClientTest, TimeoutsCostMoreQuotaAndNetworkErrorsAreKNetwork) {
  transport_->push(
      network_failure(TransportFailure::kTimeout, "read timed out: no data for 60000 ms"));
  transport_->push(network_failure(TransportFailure::kConnect, "cannot connect: refused"));
  transport_->push(network_failure(TransportFailure::kConnect, "cannot connect: refused"));
  auto out = client().call_json(Service::kLogs, "StartQuery", nullptr);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kNetwork);
  EXPECT_EQ(out.status().message(),
            "start-query us-east-1: cannot connect: refused (after 3 attempts)");
  EXPECT_EQ(client_->retry_quota().available(), 500 - 10 - 5);
}

TEST_F(ClientTest, TlsFailuresAreNotRetried) {
  transport_->push(
      network_failure(TransportFailure::kTls, "TLS failed: certificate verify failed"));
  auto out = client().call_json(Service::kLogs, "StartQuery", nullptr);
  EXPECT_EQ(out.status().code(), StatusCode::kNetwork);
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, MaxAttemptsIsConfigurable) {
  for (int i = 0; i < 6; ++i) transport_->push(http_answer(500, ""));
  ClientConfig config;
  config.retry.max_attempts = 5;
  auto out = client(config).call_json(Service::kLogs, "GetQueryResults", nullptr);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(transport_->requests.size(), 5u);
  EXPECT_NE(out.status().message().find("failed after 5 attempts: HTTP 500"), std::string::npos)
      << out.status().message();

  ClientConfig once;
  once.retry.max_attempts = 1;
  transport_->requests.clear();
  transport_->push(http_answer(500, ""));
  EXPECT_FALSE(client(once).call_json(Service::kLogs, "GetQueryResults", nullptr).ok());
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST_F(ClientTest, ExhaustedQuotaStopsRetrying) {
  ClientConfig config;
  AwsClient& c = client(config);
  // 500 / (2 retries * 5) = 50 failing calls drain the bucket.
  for (int i = 0; i < 50; ++i) {
    for (int j = 0; j < 3; ++j) transport_->push(http_answer(503, ""));
    ASSERT_FALSE(c.call_json(Service::kLogs, "StartQuery", nullptr).ok());
  }
  EXPECT_EQ(c.retry_quota().available(), 0);
  transport_->requests.clear();
  transport_->push(http_answer(503, ""));
  auto out = c.call_json(Service::kLogs, "StartQuery", nullptr);
  EXPECT_EQ(transport_->requests.size(), 1u);
  EXPECT_NE(out.status().message().find("retry quota exhausted"), std::string::npos);
}

TEST_F(ClientTest, ClockSkewIsCorrectedFromTheDateHeaderAndResigned) {
  // Server clock one hour ahead of ours.
  std::time_t server = std::chrono::system_clock::to_time_t(env_.now()) + 3600;
  std::tm tm{};
  gmtime_r(&server, &tm);
  char date[64];
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  transport_->push(
      http_answer(400,
                  "<Response><Errors><Error><Code>RequestExpired</Code><Message>Request has "
                  "expired.</Message></Error></Errors></Response>",
                  {{"Date", date}}));
  transport_->push(http_answer(200, read_fixture("sts-GetCallerIdentity.botocore.xml")));
  ClientConfig config;
  config.retry.max_attempts = 1;  // the skew retry does not count
  auto doc = client(config).call_query(Service::kEc2, "DescribeInstances", {});
  ASSERT_TRUE(doc.ok()) << doc.status().to_string();
  ASSERT_EQ(transport_->requests.size(), 2u);
  EXPECT_NEAR(client_->clock_offset_seconds(), 3600, 1);
  const std::string first = header_value(transport_->requests[0], "x-amz-date");
  const std::string second = header_value(transport_->requests[1], "x-amz-date");
  EXPECT_EQ(second, amz_date(env_.now() + std::chrono::seconds(3600)));
  EXPECT_NE(first, second);
  EXPECT_TRUE(env_.sleeps.empty());
}

TEST_F(ClientTest, SignatureErrorWithMatchingClockIsNotRetried) {
  char date[64];
  std::time_t now = std::chrono::system_clock::to_time_t(env_.now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  transport_->push(http_answer(403, R"(<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>
    <Message>The request signature we calculated does not match</Message></Error><RequestId>x</RequestId>
    </ErrorResponse>)",
                               {{"Date", date}}));
  auto doc = client().call_query(Service::kSts, "GetCallerIdentity", {});
  EXPECT_EQ(doc.status().code(), StatusCode::kAuth);
  EXPECT_EQ(transport_->requests.size(), 1u);
  EXPECT_NE(doc.status().message().find("check the secret access key and the system clock"),
            std::string::npos);
}

TEST_F(ClientTest, DebugLogHasOneLinePerAttemptAndNoSecrets) {
  transport_->push(http_answer(503, "", {{"x-amzn-RequestId", "rid-1"}}));
  transport_->push(http_answer(200, "{}", {{"x-amzn-RequestId", "rid-2"}}));
  transport_->push(http_answer(403, R"({"__type":"AccessDeniedException","message":"no"})"));
  AwsClient& c = client();
  ASSERT_TRUE(c.call_json(Service::kLogs, "DescribeLogGroups", nullptr).ok());
  auto denied = c.call_json(Service::kLogs, "StartQuery", nullptr);
  ASSERT_EQ(log_.size(), 3u);
  EXPECT_EQ(
      log_[0].rfind(
          "debug: aws logs DescribeLogGroups region=us-east-1 attempt=1 status=503 latency=", 0),
      0u)
      << log_[0];
  EXPECT_NE(log_[0].find("request_id=rid-1"), std::string::npos);
  EXPECT_NE(log_[1].find("attempt=2 status=200"), std::string::npos);
  EXPECT_NE(log_[1].find("request_id=rid-2 outcome=ok"), std::string::npos);
  EXPECT_NE(log_[2].find("outcome=AccessDeniedException"), std::string::npos);
  std::string all;
  for (const auto& l : log_) all += l + "\n";
  all += denied.status().message();
  EXPECT_EQ(all.find(kSecret), std::string::npos);
  EXPECT_EQ(all.find(kToken), std::string::npos);
  EXPECT_EQ(all.find("Authorization"), std::string::npos);
  EXPECT_EQ(all.find("Signature="), std::string::npos);
}

TEST_F(ClientTest, AdaptiveModeRateLimitsAfterTheFirstThrottle) {
  ClientConfig config;
  config.retry.mode = RetryMode::kAdaptive;
  config.retry.max_attempts = 2;
  AwsClient& c = client(config);
  transport_->push(http_answer(200, "{}"));
  ASSERT_TRUE(c.call_json(Service::kLogs, "StartQuery", nullptr).ok());
  EXPECT_FALSE(c.rate_limiter().enabled());
  transport_->push(http_answer(400, R"({"__type":"ThrottlingException"})"));
  transport_->push(http_answer(200, "{}"));
  env_.random = 0.0;  // no backoff sleep: any sleep comes from the limiter
  ASSERT_TRUE(c.call_json(Service::kLogs, "StartQuery", nullptr).ok());
  EXPECT_TRUE(c.rate_limiter().enabled());
  EXPECT_GE(c.rate_limiter().fill_rate(), 0.5);
  // Drain: with the minimum fill rate, back-to-back sends must wait.
  env_.sleeps.clear();
  for (int i = 0; i < 3; ++i) transport_->push(http_answer(200, "{}"));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.call_json(Service::kLogs, "StartQuery", nullptr).ok());
  double slept = 0;
  for (double s : env_.sleeps) slept += s;
  EXPECT_GT(slept, 0.0);
}

TEST(RetryPolicy, BackoffIsFullJitterCappedAtTwentySeconds) {
  EXPECT_DOUBLE_EQ(backoff_seconds(1, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(backoff_seconds(3, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(2, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(10, 0.99), 20.0);
  EXPECT_DOUBLE_EQ(backoff_seconds(60, 0.99), 20.0);
}

TEST(RetryPolicy, CodesAndModes) {
  EXPECT_TRUE(is_throttling_code("RequestLimitExceeded"));
  EXPECT_TRUE(is_throttling_code("SlowDown"));
  EXPECT_TRUE(is_throttling_code("ThrottlingException"));
  EXPECT_FALSE(is_throttling_code("AccessDenied"));
  EXPECT_TRUE(is_transient_code("RequestTimeout"));
  EXPECT_TRUE(is_transient_status(504));
  EXPECT_FALSE(is_transient_status(404));
  EXPECT_EQ(*parse_retry_mode("adaptive"), RetryMode::kAdaptive);
  EXPECT_EQ(parse_retry_mode("fast").status().code(), StatusCode::kInvalidArgument);
}

TEST(RateLimiter, CubicCutsOnThrottleAndRecovers) {
  FakeEnv env;
  ClientRateLimiter limiter(&env);
  // Send ~10 requests/s for 3 s to build a measured rate.
  for (int i = 0; i < 30; ++i) {
    env.mono += 0.1;
    limiter.on_response(false);
  }
  EXPECT_FALSE(limiter.enabled());
  const double measured = limiter.measured_rate();
  EXPECT_GT(measured, 5.0);
  env.mono += 0.1;
  limiter.on_response(true);
  EXPECT_TRUE(limiter.enabled());
  const double cut = limiter.fill_rate();
  EXPECT_LT(cut, measured);
  EXPECT_NEAR(cut, limiter.measured_rate() * 0.7, 0.5 * limiter.measured_rate());
  // Recovery: successes over the next seconds raise the rate again.
  for (int i = 0; i < 40; ++i) {
    env.mono += 0.1;
    limiter.on_response(false);
  }
  EXPECT_GT(limiter.fill_rate(), cut);
}

TEST_F(ClientTest, S3ListUsesVirtualHostsByDefaultAndPathStyleForEndpointUrls) {
  transport_->push(http_answer(200, read_fixture("s3-ListObjectsV2-empty.botocore.xml")));
  auto page = client().s3_list_objects_v2("flow-logs", "AWSLogs/1/", "tok+/=");
  ASSERT_TRUE(page.ok()) << page.status().to_string();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_EQ(transport_->requests[0].url,
            "https://flow-logs.s3.us-east-1.amazonaws.com/?list-type=2&encoding-type=url"
            "&prefix=AWSLogs%2F1%2F&continuation-token=tok%2B%2F%3D");
  EXPECT_EQ(header_value(transport_->requests[0], "x-amz-content-sha256"), kEmptyPayloadSha256);

  ClientConfig config;
  config.endpoints.cli_url = "http://127.0.0.1:4568/";
  transport_->push(http_answer(200, R"(<?xml version="1.0"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>flow.logs</Name>
<IsTruncated>true</IsTruncated><EncodingType>url</EncodingType>
<Contents><Key>AWSLogs/a%20b.log.gz</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag>
<LastModified>2026-11-26T10:00:00.000Z</LastModified></Contents>
<CommonPrefixes><Prefix>AWSLogs/x%2By/</Prefix></CommonPrefixes>
<NextContinuationToken>next-1</NextContinuationToken></ListBucketResult>)"));
  auto p2 = client(config).s3_list_objects_v2("flow.logs", "", "");
  ASSERT_TRUE(p2.ok()) << p2.status().to_string();
  EXPECT_EQ(transport_->requests[1].url,
            "http://127.0.0.1:4568/flow.logs/?list-type=2&encoding-type=url");
  ASSERT_EQ(p2->objects.size(), 1u);
  EXPECT_EQ(p2->objects[0].key, "AWSLogs/a b.log.gz");
  EXPECT_EQ(p2->objects[0].size, 12);
  EXPECT_EQ(p2->objects[0].etag, "abc");
  EXPECT_EQ(p2->common_prefixes, std::vector<std::string>{"AWSLogs/x+y/"});
  EXPECT_EQ(p2->next_continuation_token, "next-1");
}

TEST_F(ClientTest, S3FollowsTheBucketRegionOfARedirect) {
  transport_->push(http_answer(301,
                               R"(<Error><Code>PermanentRedirect</Code><Message>The bucket you are
    attempting to access must be addressed using the specified endpoint.</Message></Error>)",
                               {{"x-amz-bucket-region", "eu-west-1"}}));
  transport_->push(http_answer(200, read_fixture("s3-ListObjectsV2-empty.botocore.xml")));
  auto page = client().s3_list_objects_v2("logs-bucket", "", "");
  ASSERT_TRUE(page.ok()) << page.status().to_string();
  ASSERT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(transport_->requests[1].url.rfind("https://logs-bucket.s3.eu-west-1.amazonaws.com/", 0),
            0u);
  EXPECT_NE(
      header_value(transport_->requests[1], "authorization").find("/eu-west-1/s3/aws4_request"),
      std::string::npos);
  // Remembered for the next call.
  transport_->push(http_answer(200, read_fixture("s3-ListObjectsV2-empty.botocore.xml")));
  ASSERT_TRUE(client_->s3_list_objects_v2("logs-bucket", "", "").ok());
  EXPECT_EQ(transport_->requests[2].url.rfind("https://logs-bucket.s3.eu-west-1.amazonaws.com/", 0),
            0u);
}

TEST_F(ClientTest, S3GetObjectResumesABrokenStreamWithoutDuplicateBytes) {
  transport_->push_broken_stream("hello ", {{"ETag", "\"e1\""}, {"Content-Length", "11"}});
  transport_->push(http_answer(206, "world", {{"ETag", "\"e1\""}}));
  std::string got;
  auto n = client().s3_get_object("bkt", "k/a b.gz", [&](std::string_view chunk) {
    got.append(chunk);
    return true;
  });
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 11);
  EXPECT_EQ(got, "hello world");
  ASSERT_EQ(transport_->requests.size(), 2u);
  EXPECT_EQ(transport_->requests[0].url, "https://bkt.s3.us-east-1.amazonaws.com/k/a%20b.gz");
  EXPECT_EQ(header_value(transport_->requests[0], "range"), "");
  EXPECT_EQ(header_value(transport_->requests[1], "range"), "bytes=6-");
  EXPECT_EQ(header_value(transport_->requests[1], "if-match"), "\"e1\"");
}

TEST_F(ClientTest, S3GetObjectReportsAChangedObject) {
  transport_->push_broken_stream("abc", {{"ETag", "\"e1\""}});
  transport_->push(http_answer(412,
                               "<Error><Code>PreconditionFailed</Code><Message>At least one of the "
                               "pre-conditions you specified did not hold</Message></Error>"));
  std::string got;
  auto n = client().s3_get_object("b", "k", [&](std::string_view chunk) {
    got.append(chunk);
    return true;
  });
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("changed while it was being read"), std::string::npos);
  EXPECT_EQ(got, "abc");
}

TEST_F(ClientTest, S3GetObjectWithRangeAndAConsumerThatStops) {
  transport_->push(http_answer(206, "0123456789"));
  auto n = client().s3_get_object(
      "b", "k", [](std::string_view) { return false; }, 100, 109);
  EXPECT_FALSE(n.ok());
  EXPECT_EQ(header_value(transport_->requests[0], "range"), "bytes=100-109");
  EXPECT_EQ(transport_->requests.size(), 1u);
}

TEST(ServiceNames, CliOperationNames) {
  EXPECT_EQ(cli_operation_name("DescribeNetworkInterfaces"), "describe-network-interfaces");
  EXPECT_EQ(cli_operation_name("GetCallerIdentity"), "get-caller-identity");
  EXPECT_EQ(cli_operation_name("ListObjectsV2"), "list-objects-v2");
  EXPECT_EQ(iam_action(Service::kS3, "ListObjectsV2"), "s3:ListBucket");
  EXPECT_EQ(iam_action(Service::kEfs, "DescribeMountTargets"),
            "elasticfilesystem:DescribeMountTargets");
}

}  // namespace
}  // namespace efstop::aws
