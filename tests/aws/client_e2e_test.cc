// The AWS client core end to end over HTTP: real libcurl against the test
// endpoint (tests/endpoint/server.py: botocore re-checks every signature
// and parameter) and s3rver behind its signature-checking front. Every
// paginator, every injected fault (recovered with the same result or
// reported clearly), clock skew, timeouts, concurrency, and no secret in
// any output at any log level.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "aws/client.h"
#include "aws/paginate.h"
#include "aws/sigv4.h"
#include "aws/xml_util.h"
#include "harness/no_descriptors.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::aws {
namespace {

namespace t = efstop::testing;
using t::Fault;
using t::FaultKind;

// Real clock (signatures must be current), but backoff sleeps are recorded
// and skipped so fault tests run fast; jitter fixed at 0.5.
class NoSleepEnv final : public ClientEnv {
 public:
  std::chrono::system_clock::time_point now() override { return std::chrono::system_clock::now(); }
  double monotonic_seconds() override {
    return default_client_env()->monotonic_seconds() + slept_.load();
  }
  void sleep_for(std::chrono::duration<double> s) override {
    slept_.store(slept_.load() + s.count());
    sleeps.fetch_add(1);
  }
  double random_unit() override { return 0.5; }
  std::atomic<int> sleeps{0};

 private:
  std::atomic<double> slept_{0.0};
};

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : c_(std::move(c)) {}
  Result<Credentials> get() override { return c_; }

 private:
  Credentials c_;
};

Credentials test_user() {
  Credentials c;
  c.access_key_id = t::kTestAccessKeyId;
  c.secret_access_key = t::kTestSecretAccessKey;
  c.source = "test";
  return c;
}

class ClientE2eTest : public t::EndpointTest {
 protected:
  std::unique_ptr<AwsClient> make_client(Credentials creds = test_user(), ClientConfig config = {},
                                         HttpOptions http = {}) {
    config.region = t::kTestRegion;
    config.endpoints.cli_url = endpoint().url();
    config.debug_log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
    if (!transport_ || http.read_timeout != HttpOptions{}.read_timeout)
      transport_ = make_curl_transport(http);
    return std::make_unique<AwsClient>(config, std::make_shared<StaticProvider>(std::move(creds)),
                                       transport_, &env_);
  }

  // Every ENI id, following nextToken.
  Result<std::vector<std::string>> all_enis(AwsClient& client) {
    std::vector<std::string> ids;
    auto pages = paginate(
        "describe-network-interfaces", [&](const std::string& token) -> Result<std::string> {
          QueryParams params{{"MaxResults", "5"}};
          if (!token.empty()) params.emplace_back("NextToken", token);
          EFSTOP_ASSIGN_OR_RETURN(
              XmlDocument doc,
              client.call_query(Service::kEc2, "DescribeNetworkInterfaces", params));
          for (const auto& item :
               xml_children(xml_child(doc.root(), "networkInterfaceSet"), "item")) {
            ids.push_back(xml_child_text(item, "networkInterfaceId"));
          }
          return xml_child_text(doc.root(), "nextToken");
        });
    if (!pages.ok()) return pages.status();
    return ids;
  }

  Result<std::vector<std::string>> all_file_systems(AwsClient& client) {
    std::vector<std::string> ids;
    auto pages =
        paginate("describe-file-systems", [&](const std::string& marker) -> Result<std::string> {
          QueryParams q;
          if (!marker.empty()) q.emplace_back("Marker", marker);
          EFSTOP_ASSIGN_OR_RETURN(nlohmann::json page,
                                  client.call_rest_json(Service::kEfs, "DescribeFileSystems", "GET",
                                                        "/2015-02-01/file-systems", q));
          for (const auto& fs : page.value("FileSystems", nlohmann::json::array()))
            ids.push_back(fs.value("FileSystemId", ""));
          return page.value("NextMarker", std::string());
        });
    if (!pages.ok()) return pages.status();
    return ids;
  }

  Result<std::vector<std::string>> all_log_groups(AwsClient& client) {
    std::vector<std::string> names;
    auto pages =
        paginate("describe-log-groups", [&](const std::string& token) -> Result<std::string> {
          nlohmann::json input = nlohmann::json::object();
          if (!token.empty()) input["nextToken"] = token;
          EFSTOP_ASSIGN_OR_RETURN(nlohmann::json page,
                                  client.call_json(Service::kLogs, "DescribeLogGroups", input));
          for (const auto& g : page.value("logGroups", nlohmann::json::array()))
            names.push_back(g.value("logGroupName", ""));
          return page.value("nextToken", std::string());
        });
    if (!pages.ok()) return pages.status();
    return names;
  }

  std::string all_log_text() {
    std::lock_guard lock(log_mutex_);
    std::string all;
    for (const auto& l : log_) all += l + "\n";
    return all;
  }

  NoSleepEnv env_;
  std::shared_ptr<HttpTransport> transport_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

TEST_F(ClientE2eTest, EveryProtocolPaginatesToTheEnd) {
  auto client = make_client();
  auto enis = all_enis(*client);
  ASSERT_TRUE(enis.ok()) << enis.status().to_string() << endpoint().server_log();
  EXPECT_EQ(enis->size(), 28u);
  EXPECT_EQ(std::set<std::string>(enis->begin(), enis->end()).size(), 28u);
  EXPECT_EQ(endpoint().count("ec2:DescribeNetworkInterfaces"), 6);

  auto fss = all_file_systems(*client);
  ASSERT_TRUE(fss.ok()) << fss.status().to_string();
  EXPECT_EQ(fss->size(), 6u);
  EXPECT_EQ(endpoint().count("elasticfilesystem:DescribeFileSystems"), 2);

  auto groups = all_log_groups(*client);
  ASSERT_TRUE(groups.ok()) << groups.status().to_string();
  EXPECT_EQ(groups->size(), 8u);
  EXPECT_EQ(endpoint().count("logs:DescribeLogGroups"), 2);

  auto id = client->call_query(Service::kSts, "GetCallerIdentity", {});
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_EQ(xml_child_text(xml_child(id->root(), "GetCallerIdentityResult"), "Arn"),
            t::kTestUserArn);
}

TEST_F(ClientE2eTest, Ec2FiltersAreFlattenedTheWayBotocoreReadsThem) {
  auto client = make_client();
  QueryParams params;
  add_filter(params, "addresses.private-ip-address", {"10.20.1.11", "10.20.2.12"});
  auto doc = client->call_query(Service::kEc2, "DescribeNetworkInterfaces", params);
  ASSERT_TRUE(doc.ok()) << doc.status().to_string() << endpoint().server_log();
  EXPECT_EQ(xml_children(xml_child(doc->root(), "networkInterfaceSet"), "item").size(), 2u);
}

struct FaultCase {
  const char* operation;
  FaultKind kind;
};

class FaultRecoveryTest : public ClientE2eTest, public ::testing::WithParamInterface<FaultCase> {};

// One fault on the second page: the client retries and the result is the
// same as without the fault, with exactly one extra request.
TEST_P(FaultRecoveryTest, RecoversWithTheSameResult) {
  const FaultCase& fc = GetParam();
  auto client = make_client();
  auto baseline_enis = all_enis(*client);
  auto baseline_fs = all_file_systems(*client);
  auto baseline_groups = all_log_groups(*client);
  ASSERT_TRUE(baseline_enis.ok() && baseline_fs.ok() && baseline_groups.ok());
  ASSERT_TRUE(endpoint().reset().ok());

  Fault f;
  f.operation = fc.operation;
  f.kind = fc.kind;
  f.count = 1;
  f.skip = 1;
  ASSERT_TRUE(endpoint().inject_fault(f).ok());
  const std::string op = fc.operation;
  if (op == "ec2:DescribeNetworkInterfaces") {
    auto enis = all_enis(*client);
    ASSERT_TRUE(enis.ok()) << enis.status().to_string();
    EXPECT_EQ(*enis, *baseline_enis);
    EXPECT_EQ(endpoint().count(op), 6 + 1);
  } else if (op == "elasticfilesystem:DescribeFileSystems") {
    auto fss = all_file_systems(*client);
    ASSERT_TRUE(fss.ok()) << fss.status().to_string();
    EXPECT_EQ(*fss, *baseline_fs);
    EXPECT_EQ(endpoint().count(op), 2 + 1);
  } else {
    auto groups = all_log_groups(*client);
    ASSERT_TRUE(groups.ok()) << groups.status().to_string();
    EXPECT_EQ(*groups, *baseline_groups);
    EXPECT_EQ(endpoint().count(op), 2 + 1);
  }
  if (fc.kind == FaultKind::kReset) {
    // A reset on a reused keep-alive connection is retried by libcurl itself
    // on a fresh connection (no answer had arrived), without our backoff.
    EXPECT_LE(env_.sleeps.load(), 1);
  } else {
    EXPECT_EQ(env_.sleeps.load(), 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultRecoveryTest,
    ::testing::Values(FaultCase{"ec2:DescribeNetworkInterfaces", FaultKind::kThrottle},
                      FaultCase{"ec2:DescribeNetworkInterfaces", FaultKind::kInternalError},
                      FaultCase{"ec2:DescribeNetworkInterfaces", FaultKind::kServiceUnavailable},
                      FaultCase{"ec2:DescribeNetworkInterfaces", FaultKind::kReset},
                      FaultCase{"ec2:DescribeNetworkInterfaces", FaultKind::kTruncate},
                      FaultCase{"elasticfilesystem:DescribeFileSystems", FaultKind::kThrottle},
                      FaultCase{"elasticfilesystem:DescribeFileSystems", FaultKind::kInternalError},
                      FaultCase{"elasticfilesystem:DescribeFileSystems",
                                FaultKind::kServiceUnavailable},
                      FaultCase{"elasticfilesystem:DescribeFileSystems", FaultKind::kReset},
                      FaultCase{"elasticfilesystem:DescribeFileSystems", FaultKind::kTruncate},
                      FaultCase{"logs:DescribeLogGroups", FaultKind::kThrottle},
                      FaultCase{"logs:DescribeLogGroups", FaultKind::kInternalError},
                      FaultCase{"logs:DescribeLogGroups", FaultKind::kServiceUnavailable},
                      FaultCase{"logs:DescribeLogGroups", FaultKind::kReset},
                      FaultCase{"logs:DescribeLogGroups", FaultKind::kTruncate}),
    [](const ::testing::TestParamInfo<FaultCase>& param_info) {
      std::string name = std::string(param_info.param.operation) + "_" +
                         std::string(t::fault_kind_name(param_info.param.kind));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST_F(ClientE2eTest, SlowAnswerTimesOutAndTheRetrySucceeds) {
  HttpOptions http;
  http.read_timeout = std::chrono::milliseconds(400);
  auto client = make_client(test_user(), {}, http);
  Fault f;
  f.operation = "sts:GetCallerIdentity";
  f.kind = FaultKind::kSlow;
  f.delay_ms = 2500;
  ASSERT_TRUE(endpoint().inject_fault(f).ok());
  auto id = client->call_query(Service::kSts, "GetCallerIdentity", {});
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 2);
  EXPECT_NE(all_log_text().find("outcome=timeout"), std::string::npos) << all_log_text();
  // A timeout costs 10 from the retry quota, refunded on success.
  EXPECT_EQ(client->retry_quota().available(), 500);
}

// The read timeout holds on a connection taken from the pool too: the first
// call leaves its connection open (HTTP/1.1 keep-alive), the second reuses
// it and its answer stalls. (libcurl reports no connect time for a reused
// connection; the transport once took that for "still connecting" and
// waited out the whole stall: CliPartialTest.SilenceOnEveryAttempt... failed
// whenever the slow object's GET landed on a pooled connection.)
TEST_F(ClientE2eTest, SlowAnswerOnAReusedConnectionTimesOut) {
  HttpOptions http;
  http.read_timeout = std::chrono::milliseconds(400);
  auto client = make_client(test_user(), {}, http);
  ASSERT_TRUE(client->call_query(Service::kSts, "GetCallerIdentity", {}).ok());
  Fault f;
  f.operation = "sts:GetCallerIdentity";
  f.kind = FaultKind::kSlow;
  f.delay_ms = 2500;
  ASSERT_TRUE(endpoint().inject_fault(f).ok());
  auto id = client->call_query(Service::kSts, "GetCallerIdentity", {});
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  // Timed out (not waited out: that would be 2 calls), then retried.
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 3);
  EXPECT_NE(all_log_text().find("outcome=timeout"), std::string::npos) << all_log_text();
}

TEST_F(ClientE2eTest, PersistentFaultsAreReportedClearly) {
  auto client = make_client();
  Fault throttle;
  throttle.operation = "ec2:DescribeNetworkInterfaces";
  throttle.kind = FaultKind::kThrottle;
  throttle.count = 10;
  ASSERT_TRUE(endpoint().inject_fault(throttle).ok());
  auto enis = all_enis(*client);
  ASSERT_FALSE(enis.ok());
  EXPECT_EQ(enis.status().code(), StatusCode::kThrottled);
  EXPECT_EQ(enis.status().message().rfind(
                "describe-network-interfaces eu-west-1: throttled after 3 attempts: "
                "RequestLimitExceeded: ",
                0),
            0u)
      << enis.status().message();
  EXPECT_NE(enis.status().message().find("(request id "), std::string::npos);
  EXPECT_EQ(endpoint().count("ec2:DescribeNetworkInterfaces"), 3);

  ASSERT_TRUE(endpoint().reset().ok());
  Fault denied;
  denied.operation = "elasticfilesystem:DescribeFileSystems";
  denied.kind = FaultKind::kDenied;
  ASSERT_TRUE(endpoint().inject_fault(denied).ok());
  auto fss = all_file_systems(*client);
  EXPECT_EQ(fss.status().code(), StatusCode::kAuth);
  EXPECT_NE(fss.status().message().find("AccessDeniedException"), std::string::npos);
  EXPECT_NE(fss.status().message().find("grant elasticfilesystem:DescribeFileSystems"),
            std::string::npos)
      << fss.status().message();
  EXPECT_EQ(endpoint().count("elasticfilesystem:DescribeFileSystems"), 1);

  Fault expired;
  expired.operation = "logs:DescribeLogGroups";
  expired.kind = FaultKind::kExpired;
  ASSERT_TRUE(endpoint().inject_fault(expired).ok());
  auto groups = all_log_groups(*client);
  EXPECT_EQ(groups.status().code(), StatusCode::kAuth);
  EXPECT_NE(groups.status().message().find("ExpiredTokenException"), std::string::npos);
  EXPECT_NE(groups.status().message().find("credentials have expired"), std::string::npos);

  Fault server_error;
  server_error.operation = "sts:GetCallerIdentity";
  server_error.kind = FaultKind::kInternalError;
  server_error.count = 5;
  ASSERT_TRUE(endpoint().inject_fault(server_error).ok());
  auto id = client->call_query(Service::kSts, "GetCallerIdentity", {});
  EXPECT_EQ(id.status().code(), StatusCode::kAwsError);
  EXPECT_NE(id.status().message().find(
                "get-caller-identity eu-west-1: failed after 3 attempts: InternalFailure"),
            std::string::npos)
      << id.status().message();
}

TEST_F(ClientE2eTest, ClockSkewIsCorrectedFromTheServersDate) {
  ASSERT_TRUE(endpoint().set_clock_offset(std::chrono::hours(1)).ok());
  auto client = make_client();
  auto id = client->call_query(Service::kSts, "GetCallerIdentity", {});
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 2);
  EXPECT_NEAR(client->clock_offset_seconds(), 3600, 5);
  // Later calls to any service are signed with the corrected clock at once.
  auto groups = all_log_groups(*client);
  ASSERT_TRUE(groups.ok()) << groups.status().to_string();
  EXPECT_EQ(endpoint().count("logs:DescribeLogGroups"), 2);
}

TEST_F(ClientE2eTest, ConnectionRefusedIsANetworkError) {
  ClientConfig config;
  config.region = t::kTestRegion;
  config.endpoints.cli_url = "http://127.0.0.1:1";
  AwsClient client(config, std::make_shared<StaticProvider>(test_user()), make_curl_transport({}),
                   &env_);
  auto id = client.call_query(Service::kSts, "GetCallerIdentity", {});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kNetwork);
  EXPECT_NE(id.status().message().find(
                "get-caller-identity eu-west-1: POST http://127.0.0.1:1/: cannot connect"),
            std::string::npos)
      << id.status().message();
  EXPECT_NE(id.status().message().find("(after 3 attempts)"), std::string::npos);
}

// A process out of descriptors cannot open the call's socket: the call
// fails at once with that cause, one attempt, no backoff (not a network
// hiccup: the next attempt would fail alike), and nothing reaches the endpoint.
TEST_F(ClientE2eTest, OutOfDescriptorsFailsAtOnceWithoutRetries) {
  auto client = make_client();
  Result<std::string> got = t::run_without_descriptors([&] {
    AwsError err;
    auto doc = client->call_query(Service::kEc2, "DescribeNetworkInterfaces", {}, &err);
    if (doc.ok()) return std::string("ok");
    return std::string(status_code_name(doc.status().code())) + "|" + doc.status().message() +
           "|attempts=" + std::to_string(err.attempts_made) +
           " sleeps=" + std::to_string(env_.sleeps.load()) + "|" + all_log_text();
  });
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  const std::string& m = *got;
  EXPECT_EQ(m.substr(0, m.find('|')), status_code_name(StatusCode::kIo)) << m;
  EXPECT_NE(
      m.find("describe-network-interfaces " + std::string(t::kTestRegion) + ": POST " +
             endpoint().url() + "/: cannot open a socket: too many open files: raise `ulimit -n`|"),
      std::string::npos)
      << m;
  EXPECT_EQ(m.find("attempts)"), std::string::npos) << m;
  EXPECT_NE(m.find("|attempts=1 sleeps=0|"), std::string::npos) << m;
  // --debug's one line per attempt: exactly one, said as local.
  EXPECT_NE(m.find("attempt=1 status=- "), std::string::npos) << m;
  EXPECT_NE(m.find("outcome=local-error\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("attempt=2"), std::string::npos) << m;
  EXPECT_EQ(endpoint().count("ec2:DescribeNetworkInterfaces"), 0);

  // The same call with descriptors left answers.
  auto doc = client->call_query(Service::kEc2, "DescribeNetworkInterfaces", {});
  ASSERT_TRUE(doc.ok()) << doc.status().to_string();
  EXPECT_EQ(endpoint().count("ec2:DescribeNetworkInterfaces"), 1);
}

// A host name, not an address: libcurl's resolver needs descriptors of its
// own and reports its failure as a name it cannot resolve, with no errno.
// The transport tells that apart (a descriptor opened right after fails
// too) and says the local cause, not "cannot resolve the host name".
TEST_F(ClientE2eTest, NameLookupOutOfDescriptorsIsALocalFailure) {
  auto transport = make_curl_transport({});
  HttpRequest request;
  // Not "localhost", which libcurl answers itself; .invalid is never a
  // name (RFC 2606), so nothing is sent even if the lookup ran.
  request.url = "http://efstop-test.invalid:" + std::to_string(endpoint().port()) + "/";
  Result<std::string> got = t::run_without_descriptors([&] {
    HttpOutcome o = transport->perform(request);
    return std::string(o.failure == TransportFailure::kLocal ? "local" : "not local") + "|" +
           std::string(status_code_name(o.status.code())) + "|" + o.status.message();
  });
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(*got, "local|" + std::string(status_code_name(StatusCode::kIo)) + "|GET " +
                      request.url +
                      ": cannot open a descriptor: too many open files: raise `ulimit -n`");
}

TEST_F(ClientE2eTest, ManyThreadsShareTheClientWithABoundedTransport) {
  HttpOptions http;
  http.max_in_flight = 2;
  transport_ = make_curl_transport(http);
  auto client = make_client(test_user(), {}, HttpOptions{});
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 3; ++j) {
        if (client->call_query(Service::kSts, "GetCallerIdentity", {}).ok()) ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 24);
  EXPECT_EQ(endpoint().count("sts:GetCallerIdentity"), 24);
}

// Session credentials from STS AssumeRole, then calls with faults at every
// kind, --debug on: neither the secret key nor the session token may appear
// in any log line or error message.
TEST_F(ClientE2eTest, NoSecretInAnyOutputAtAnyLevel) {
  auto base = make_client();
  auto assumed =
      base->call_query(Service::kSts, "AssumeRole",
                       {{"RoleArn", t::kTestRoleArn}, {"RoleSessionName", "efstop-e2e"}});
  ASSERT_TRUE(assumed.ok()) << assumed.status().to_string() << endpoint().server_log();
  pugi::xml_node c = xml_path(assumed->root(), {"AssumeRoleResult", "Credentials"});
  Credentials session;
  session.access_key_id = xml_child_text(c, "AccessKeyId");
  session.secret_access_key = xml_child_text(c, "SecretAccessKey");
  session.session_token = xml_child_text(c, "SessionToken");
  ASSERT_FALSE(session.session_token.empty());
  auto client = make_client(session);

  std::string messages;
  auto id = client->call_query(Service::kSts, "GetCallerIdentity", {});
  ASSERT_TRUE(id.ok()) << id.status().to_string();  // botocore accepted the signed token
  for (FaultKind kind : {FaultKind::kThrottle, FaultKind::kExpired, FaultKind::kDenied,
                         FaultKind::kReset, FaultKind::kTruncate, FaultKind::kInternalError}) {
    Fault f;
    f.kind = kind;
    f.count = 3;
    ASSERT_TRUE(endpoint().inject_fault(f).ok());
    messages +=
        client->call_query(Service::kEc2, "DescribeNetworkInterfaces", {}).status().message() +
        "\n";
    messages +=
        client->call_json(Service::kLogs, "DescribeLogGroups", nullptr).status().message() + "\n";
    ASSERT_TRUE(endpoint().reset().ok());
  }
  const std::string all = all_log_text() + messages;
  EXPECT_GT(log_.size(), 12u);
  for (const std::string& secret :
       {session.secret_access_key, session.session_token, std::string(t::kTestSecretAccessKey)}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << "secret leaked";
  }
  EXPECT_EQ(all.find("Authorization"), std::string::npos);
  EXPECT_EQ(all.find("Signature="), std::string::npos);
  EXPECT_EQ(all.find("X-Amz-Security-Token"), std::string::npos);
}

TEST_F(ClientE2eTest, AdaptiveModeSlowsDownUnderThrottling) {
  ClientConfig config;
  config.retry.mode = RetryMode::kAdaptive;
  auto client = make_client(test_user(), config);
  Fault f;
  f.operation = "ec2:DescribeNetworkInterfaces";
  f.kind = FaultKind::kThrottle;
  f.count = 2;
  ASSERT_TRUE(endpoint().inject_fault(f).ok());
  auto enis = all_enis(*client);
  ASSERT_TRUE(enis.ok()) << enis.status().to_string();
  EXPECT_EQ(enis->size(), 28u);
  EXPECT_TRUE(client->rate_limiter().enabled());
  EXPECT_EQ(endpoint().count("ec2:DescribeNetworkInterfaces"), 6 + 2);
}

class S3E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<t::ScopedAwsEnv>();
    t::S3ServerOptions options;
    options.buckets = {"efstop-flow-logs"};
    auto server = t::S3Server::start(options);
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(*server);
    ClientConfig config;
    config.region = "us-east-1";
    config.endpoints.cli_url = server_->url();
    Credentials c;
    c.access_key_id = t::kS3rverAccessKeyId;
    c.secret_access_key = t::kS3rverSecretAccessKey;
    client_ = std::make_unique<AwsClient>(config, std::make_shared<StaticProvider>(c),
                                          make_curl_transport({}), &no_sleep_);
  }

  NoSleepEnv no_sleep_;
  std::unique_ptr<t::ScopedAwsEnv> env_;
  std::unique_ptr<t::S3Server> server_;
  std::unique_ptr<AwsClient> client_;
};

TEST_F(S3E2eTest, ListsEveryPageAndStreamsObjects) {
  std::set<std::string> keys;
  for (int i = 0; i < 12; ++i) {
    std::string key =
        "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/26/obj " + std::to_string(i) + "+x.log";
    keys.insert(key);
    ASSERT_TRUE(server_->put_object("efstop-flow-logs", key, "body-" + std::to_string(i)).ok());
  }
  std::set<std::string> listed;
  auto pages = paginate("list-objects-v2", [&](const std::string& token) -> Result<std::string> {
    EFSTOP_ASSIGN_OR_RETURN(
        AwsClient::S3ListPage page,
        client_->s3_list_objects_v2("efstop-flow-logs", "AWSLogs/", token, "", 5));
    for (const auto& o : page.objects) listed.insert(o.key);
    return page.next_continuation_token;
  });
  ASSERT_TRUE(pages.ok()) << pages.status().to_string() << server_->endpoint()->server_log();
  EXPECT_EQ(*pages, 3);
  EXPECT_EQ(listed, keys);

  std::string got;
  auto n = client_->s3_get_object("efstop-flow-logs", *keys.begin(), [&](std::string_view chunk) {
    got.append(chunk);
    return true;
  });
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(got, "body-0");

  std::string part;
  auto r = client_->s3_get_object(
      "efstop-flow-logs", *keys.begin(),
      [&](std::string_view chunk) {
        part.append(chunk);
        return true;
      },
      1, 3);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(part, "ody");
}

TEST_F(S3E2eTest, TruncatedDownloadIsResumedWithoutDuplicateBytes) {
  std::string data;
  for (int i = 0; i < 20000; ++i) data += "line " + std::to_string(i) + "\n";
  ASSERT_TRUE(server_->put_object("efstop-flow-logs", "big.log", data).ok());
  Fault f;
  f.operation = "s3:GetObject";
  f.kind = FaultKind::kTruncate;
  ASSERT_TRUE(server_->endpoint()->inject_fault(f).ok());
  std::string got;
  auto n = client_->s3_get_object("efstop-flow-logs", "big.log", [&](std::string_view chunk) {
    got.append(chunk);
    return true;
  });
  ASSERT_TRUE(n.ok()) << n.status().to_string() << server_->endpoint()->server_log();
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_EQ(server_->endpoint()->count("s3:GetObject"), 2);
}

TEST_F(S3E2eTest, MissingKeyIsNotFound) {
  auto n =
      client_->s3_get_object("efstop-flow-logs", "nope.log", [](std::string_view) { return true; });
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), StatusCode::kNotFound);
  EXPECT_NE(n.status().message().find("NoSuchKey"), std::string::npos) << n.status().message();
}

}  // namespace
}  // namespace efstop::aws
