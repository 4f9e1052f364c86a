// Logs Insights at scale against the test endpoint's evaluator:
// - slices run in parallel, never more than the bound, and the merged
//   result equals the local-file report (the request log shows the
//   overlap);
// - Ctrl-C stops every running query;
// - a real 10,000-row result (more than 10,000 distinct groups) is split and
//   merged to exactly the local-file report.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "aws/logs_api.h"
#include "cloud/cloud_reader.h"
#include "cloud/cloud_test_util.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

using test::kGroup;
using test::kWindowStart;

class InsightsParallelTest : public efstop::testing::EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    client_ =
        test::make_client(endpoint().url(), efstop::testing::kTestRegion,
                          efstop::testing::kTestAccessKeyId, efstop::testing::kTestSecretAccessKey);
  }
  CloudReadOptions options(int64_t start, int64_t end) {
    CloudReadOptions o;
    o.window_start = start;
    o.window_end = end;
    o.insights_poll = std::chrono::milliseconds(5);
    o.mount_targets = std::vector<aws::MountTarget>{};  // port-2049 rule, no EFS calls
    o.log_groups = {kGroup};
    return o;
  }
  // The scenario's events repeated in each of `hours` consecutive hours
  // (the log group keeps its streams); returns every message.
  std::vector<std::string> repeat_hours(int hours, const std::string& insights_behaviour) {
    std::ifstream in(std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint/scenarios/default.json");
    const nlohmann::json doc = nlohmann::json::parse(in);
    nlohmann::json patch;
    std::vector<std::string> messages;
    for (auto& [stream, events] : doc["log_groups"][kGroup]["streams"].items()) {
      nlohmann::json out = nlohmann::json::array();
      for (int h = 0; h < hours; ++h) {
        for (const nlohmann::json& ev : events) {
          std::vector<std::string> f = test::split_fields(ev[1].get<std::string>());
          for (int i : {10, 11}) f[i] = std::to_string(std::stoll(f[i]) + h * 3600);
          const std::string msg = test::join_fields(f);
          out.push_back({ev[0].get<int64_t>() + h * 3600000LL, msg});
          messages.push_back(msg);
        }
      }
      patch["log_groups"][kGroup]["streams"][stream] = out;
    }
    patch["log_groups"][kGroup]["insights"] = nlohmann::json::parse(insights_behaviour);
    EXPECT_TRUE(endpoint().patch_scenario(patch.dump()).ok());
    return messages;
  }
  // The most Insights queries running at once, from the endpoint's request
  // log: a query runs from its StartQuery until the GetQueryResults that
  // ends it (the (running_polls + 1)-th for its id).
  int max_in_flight_seen(int running_polls) {
    Result<nlohmann::json> reqs = endpoint().requests();
    EXPECT_TRUE(reqs.ok());
    std::map<std::string, int> polls;
    int running = 0, most = 0;
    for (const nlohmann::json& q : *reqs) {
      const std::string op = q.value("operation", "");
      if (op == "logs:StartQuery") {
        if (q.value("status", 0) == 200) most = std::max(most, ++running);
      } else if (op == "logs:GetQueryResults") {
        if (++polls[q["params"].value("queryId", "")] == running_polls + 1) --running;
      }
    }
    return most;
  }
  std::unique_ptr<aws::AwsClient> client_;
};

TEST_F(InsightsParallelTest, SlicesRunInParallelWithinTheBound) {
  const std::vector<std::string> messages = repeat_hours(5, R"({"running_polls": 6})");
  const int64_t start = kWindowStart, end = kWindowStart + 5 * 3600;
  CloudReadOptions o = options(start, end);
  o.insights_parallel = 3;
  o.insights_row_limit = 30;  // each hour has 38 rows: every hourly slice splits
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
  const int seen = max_in_flight_seen(6);
  EXPECT_GE(seen, 2);
  EXPECT_LE(seen, 3);
  EXPECT_GE(endpoint().count("logs:StartQuery"), 5 + 2 * 5);
  EXPECT_NE(r->summary[0].find("at once"), std::string::npos) << r->summary[0];

  flowlog::EngineResult local = test::run_local(messages, {}, start, end);
  ASSERT_FALSE(local.pairs.empty());
  EXPECT_EQ(local.pairs, r->engine.pairs);
  flowlog::FlowStats a = local.stats, b = r->engine.stats;
  a.files = b.files = 0;
  EXPECT_EQ(a, b);
}

TEST_F(InsightsParallelTest, AccountConcurrencyLimitIsWaitedOut) {
  // Only 2 queries may run at once in the account: StartQuery answers
  // LimitExceededException beyond that, and efstop waits and retries.
  const std::vector<std::string> messages =
      repeat_hours(4, R"({"running_polls": 3, "max_concurrent": 2})");
  const int64_t start = kWindowStart, end = kWindowStart + 4 * 3600;
  CloudReadOptions o = options(start, end);
  o.insights_parallel = 4;
  o.insights_retry_delay = std::chrono::milliseconds(50);
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
  // Some StartQuery calls were refused, then retried until all 4 slices ran.
  Result<nlohmann::json> reqs = endpoint().requests();
  ASSERT_TRUE(reqs.ok());
  int started = 0, refused = 0;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "logs:StartQuery") continue;
    (q.value("status", 0) == 200 ? started : refused) += 1;
  }
  EXPECT_EQ(started, 4);
  EXPECT_GT(refused, 0);
  flowlog::EngineResult local = test::run_local(messages, {}, start, end);
  EXPECT_EQ(local.pairs, r->engine.pairs);
  flowlog::FlowStats a = local.stats, b = r->engine.stats;
  a.files = b.files = 0;
  EXPECT_EQ(a, b);
}

TEST_F(InsightsParallelTest, InterruptStopsEveryRunningQuery) {
  repeat_hours(4, R"({"running_polls": 100000})");
  std::atomic<bool> interrupted{false};
  CloudReadOptions o = options(kWindowStart, kWindowStart + 4 * 3600);
  o.insights_parallel = 4;
  o.interrupted = &interrupted;
  std::thread stopper([&] {
    while (endpoint().count("logs:StartQuery") < 4 || endpoint().count("logs:GetQueryResults") < 8)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    interrupted = true;
  });
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIo);
  EXPECT_NE(r.status().message().find("interrupted; 4 queries stopped"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 4);
  EXPECT_EQ(endpoint().count("logs:StopQuery"), 4);
}

TEST_F(InsightsParallelTest, FailedSliceStopsTheOthers) {
  repeat_hours(3, R"({"running_polls": 100000})");
  // The middle hour's query fails at once; the other two keep running
  // until efstop stops them.
  efstop::testing::Fault f;
  f.operation = "logs:GetQueryResults";
  f.kind = efstop::testing::FaultKind::kDenied;
  f.skip = 6;
  ASSERT_TRUE(endpoint().inject_fault(f).ok());
  CloudReadOptions o = options(kWindowStart, kWindowStart + 3 * 3600);
  o.insights_parallel = 3;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAuth) << r.status().to_string();
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 3);
  // The two others, and the failed one too: its GetQueryResults was
  // refused, but it runs on until stopped.
  EXPECT_EQ(endpoint().count("logs:StopQuery"), 3);
}

// StartQuery's answer is lost to the read timeout after the service started
// the query (the endpoint's slow_after fault). Retried blindly, the first
// query would run on unseen; efstop looks for it (DescribeQueries), stops
// it, starts again, and the result is the local-file report.
class LostStartQueryTest : public InsightsParallelTest {
 protected:
  std::unique_ptr<aws::AwsClient> short_timeout_client() {
    return test::make_client(
        endpoint().url(), efstop::testing::kTestRegion, efstop::testing::kTestAccessKeyId,
        efstop::testing::kTestSecretAccessKey, std::chrono::milliseconds(1000));
  }
  void lose_first_start_query() {
    efstop::testing::Fault f;
    f.operation = "logs:StartQuery";
    f.kind = efstop::testing::FaultKind::kSlowAfter;
    f.delay_ms = 2500;
    ASSERT_TRUE(endpoint().inject_fault(f).ok());
  }
};

TEST_F(LostStartQueryTest, OrphanIsFoundStoppedAndTheQueryRunAgain) {
  const std::vector<std::string> messages = repeat_hours(1, R"({"running_polls": 2})");
  lose_first_start_query();
  std::unique_ptr<aws::AwsClient> client = short_timeout_client();
  CloudReadOptions o = options(kWindowStart, kWindowStart + 3600);
  Result<CloudReadResult> r = read_cloud(client.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
  // One StartQuery lost (sent once: not retried by the client), one more.
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 2);
  EXPECT_GE(endpoint().count("logs:DescribeQueries"), 1);
  EXPECT_EQ(endpoint().count("logs:StopQuery"), 1);
  // Nothing left running; the lost one was cancelled, the other completed.
  aws::LogsApi api(client_.get());
  Result<std::vector<aws::QueryInfo>> running = api.describe_queries(kGroup, "Running");
  ASSERT_TRUE(running.ok()) << running.status().to_string();
  EXPECT_TRUE(running->empty());
  Result<std::vector<aws::QueryInfo>> cancelled = api.describe_queries(kGroup, "Cancelled");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->size(), 1u);
  bool said = false;
  for (const std::string& line : r->summary) {
    said = said ||
           line.find("1 query started by a StartQuery whose answer was lost") != std::string::npos;
  }
  EXPECT_TRUE(said) << r->summary.size();

  flowlog::EngineResult local = test::run_local(messages, {}, kWindowStart, kWindowStart + 3600);
  ASSERT_FALSE(local.pairs.empty());
  EXPECT_EQ(local.pairs, r->engine.pairs);
}

TEST_F(LostStartQueryTest, OrphanThatCannotBeLookedForFailsSayingSo) {
  repeat_hours(1, R"({"running_polls": 2})");
  lose_first_start_query();
  ASSERT_TRUE(endpoint().deny_actions({"logs:DescribeQueries"}).ok());
  std::unique_ptr<aws::AwsClient> client = short_timeout_client();
  Result<CloudReadResult> r = read_cloud(client.get(), options(kWindowStart, kWindowStart + 3600));
  ASSERT_FALSE(r.ok());
  const std::string m = r.status().message();
  EXPECT_NE(m.find("start-query"), std::string::npos) << m;
  EXPECT_NE(m.find("read timed out"), std::string::npos) << m;
  EXPECT_NE(m.find("could not be looked for"), std::string::npos) << m;
  EXPECT_NE(m.find("logs:DescribeQueries"), std::string::npos) << m;
  EXPECT_NE(m.find("aws logs describe-queries --log-group-name " + std::string(kGroup)),
            std::string::npos)
      << m;
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 1);
}

TEST_F(InsightsParallelTest, TenThousandRowResultIsSplitAndMerged) {
  // 12,000 distinct clients of one mount target over the hour (one group
  // each), a REJECT and a NODATA record, and non-EFS traffic.
  constexpr int kClients = 12000;
  nlohmann::json events = nlohmann::json::array();
  std::vector<std::string> messages;
  auto add = [&](int64_t t, const std::string& msg) {
    events.push_back({t * 1000, msg});
    messages.push_back(msg);
  };
  for (int i = 0; i < kClients; ++i) {
    const int64_t t = kWindowStart + static_cast<int64_t>(i) * 3600 / kClients;
    const std::string client =
        "10.30." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    add(t, "2 111122223333 eni-0e000000000000005 " + client + " 10.20.1.100 " +
               std::to_string(30000 + i % 20000) + " 2049 6 " + std::to_string(3 + i % 17) + " " +
               std::to_string(1000 + 37 * i) + " " + std::to_string(t) + " " +
               std::to_string(t + 59) + " ACCEPT OK");
  }
  add(kWindowStart + 100,
      "2 111122223333 eni-0e000000000000005 10.30.0.1 10.20.1.100 30001 2049 6 1 40 " +
          std::to_string(kWindowStart + 100) + " " + std::to_string(kWindowStart + 159) +
          " REJECT OK");
  add(kWindowStart + 200, "2 111122223333 eni-0e000000000000005 - - - - - - - " +
                              std::to_string(kWindowStart + 200) + " " +
                              std::to_string(kWindowStart + 259) + " - NODATA");
  add(kWindowStart + 300,
      "2 111122223333 eni-0e000000000000005 10.20.1.100 10.20.1.11 443 "
      "51000 6 5 500 " +
          std::to_string(kWindowStart + 300) + " " + std::to_string(kWindowStart + 359) +
          " ACCEPT OK");
  nlohmann::json patch;
  patch["log_groups"]["/efstop/big"]["creationTime"] = 1795000000000LL;
  patch["log_groups"]["/efstop/big"]["streams"]["eni-0e000000000000005-all"] = events;
  ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok());

  CloudReadOptions o = options(kWindowStart, kWindowStart + 3600);
  o.log_groups = {"/efstop/big"};  // the real 10,000-row limit
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 3);  // the hour, then its two halves
  EXPECT_NE(r->summary[0].find("3 queries (1 split at the 10000-row limit"), std::string::npos)
      << r->summary[0];

  flowlog::EngineResult local = test::run_local(messages, {}, kWindowStart, kWindowStart + 3600);
  ASSERT_EQ(local.pairs.size(), static_cast<size_t>(kClients));
  EXPECT_EQ(local.pairs, r->engine.pairs);
  flowlog::FlowStats a = local.stats, b = r->engine.stats;
  a.files = b.files = 0;
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace efstop::cloud
