// CloudWatch GetMetricData (aws/cloudwatch_api.h) over real HTTP against the
// test endpoint, which checks every signature and parameter with botocore's
// cloudwatch model: batching, NextToken paging, failed metrics, retried
// faults and a denied call.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "aws/cloudwatch_api.h"
#include "harness/test_endpoint.h"

namespace efstop::aws {
namespace {

namespace t = efstop::testing;

class StaticProvider final : public CredentialsProvider {
 public:
  Result<Credentials> get() override {
    Credentials c;
    c.access_key_id = t::kTestAccessKeyId;
    c.secret_access_key = t::kTestSecretAccessKey;
    c.source = "test";
    return c;
  }
};

class NoSleepEnv final : public ClientEnv {
 public:
  std::chrono::system_clock::time_point now() override { return std::chrono::system_clock::now(); }
  double monotonic_seconds() override { return default_client_env()->monotonic_seconds(); }
  void sleep_for(std::chrono::duration<double>) override {}
  double random_unit() override { return 0.5; }
};

// Two whole hours before now (one-minute data is kept 15 days).
int64_t hour_start() {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return now / 3600 * 3600 - 7200;
}

class CloudWatchE2eTest : public t::EndpointTest {
 protected:
  void SetUp() override {
    t::EndpointTest::SetUp();
    ClientConfig config;
    config.region = t::kTestRegion;
    config.endpoints.cli_url = endpoint().url();
    client_ = std::make_unique<AwsClient>(config, std::make_shared<StaticProvider>(),
                                          make_curl_transport({}), &clock_env_);
    t0_ = hour_start();
    // fs-a: minute i read 1000 * i bytes for 60 minutes; fs-b: 7 bytes each minute.
    // JSON arrays built with nlohmann (string concatenation trips GCC 12's
    // -Wrestrict false positive).
    nlohmann::json a = nlohmann::json::array(), b = nlohmann::json::array();
    for (int i = 0; i < 60; ++i) {
      a.push_back({t0_ + 60 * i, 1000 * i});
      b.push_back({t0_ + 60 * i, 7});
    }
    ASSERT_TRUE(
        endpoint()
            .patch_scenario(nlohmann::json{
                {"metrics",
                 {{"AWS/EFS",
                   {{"fs-a", {{"DataReadIOBytes", a}}}, {"fs-b", {{"DataReadIOBytes", b}}}}}}},
                {"metric_status", {{"fs-c", {{"DataReadIOBytes", "InternalError"}}}}}}
                                .dump())
            .ok());
  }

  MetricQuery query(std::string id, std::string fs, int period = 300) {
    MetricQuery q;
    q.id = std::move(id);
    q.metric_name = "DataReadIOBytes";
    q.dimension_value = std::move(fs);
    q.stat = "Sum";
    q.period_s = period;
    return q;
  }

  NoSleepEnv clock_env_;
  std::unique_ptr<AwsClient> client_;
  int64_t t0_ = 0;
};

TEST_F(CloudWatchE2eTest, PagesAreMergedPerQuery) {
  CloudWatchApi api(client_.get());
  // 12 five-minute periods, 5 per page (default page size): 3 pages.
  auto answer = api.get_metric_data({query("a", "fs-a"), query("b", "fs-b")}, t0_, t0_ + 3600);
  ASSERT_TRUE(answer.ok()) << answer.status().message() << endpoint().server_log();
  EXPECT_EQ(answer->calls, 3);
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData"), 3);
  ASSERT_EQ(answer->series.size(), 2u);
  const MetricSeries& a = answer->series[0];
  EXPECT_TRUE(a.complete());
  ASSERT_EQ(a.values.size(), 12u);
  for (int k = 0; k < 12; ++k) {
    // Period k: minutes 5k..5k+4 read 1000 * (5k + 5k+1 + ... + 5k+4) = 1000 * (25k + 10).
    EXPECT_EQ(a.timestamps[k], t0_ + 300 * k);
    EXPECT_DOUBLE_EQ(a.values[k], 1000.0 * (25 * k + 10));
  }
  EXPECT_DOUBLE_EQ(answer->series[1].values[3], 35.0);
}

TEST_F(CloudWatchE2eTest, BatchesRespectTheDatapointLimit) {
  // A one-minute period over 3 days is 4320 points a query: 23 queries fit
  // in 100,800, so 30 queries take two batches (one page each: page size 5000).
  EXPECT_EQ(metric_queries_per_call(4320), 23);
  EXPECT_EQ(metric_queries_per_call(1), 500);
  ASSERT_TRUE(endpoint().patch_scenario(R"({"page_size": 5000})").ok());
  std::vector<MetricQuery> qs;
  for (int i = 0; i < 30; ++i) {
    std::string id = "q";
    id += std::to_string(i);
    qs.push_back(query(id, "fs-b", 60));
  }
  CloudWatchApi api(client_.get());
  auto answer = api.get_metric_data(qs, t0_ + 7200 - 3 * 86400, t0_ + 7200);
  ASSERT_TRUE(answer.ok()) << answer.status().message() << endpoint().server_log();
  EXPECT_EQ(answer->calls, 2);
  for (const MetricSeries& s : answer->series) EXPECT_EQ(s.values.size(), 60u);
}

TEST_F(CloudWatchE2eTest, AFailedMetricKeepsItsStatus) {
  CloudWatchApi api(client_.get());
  auto answer = api.get_metric_data({query("a", "fs-a"), query("c", "fs-c")}, t0_, t0_ + 3600);
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_TRUE(answer->series[0].complete());
  EXPECT_FALSE(answer->series[1].complete());
  EXPECT_EQ(answer->series[1].status_code, "InternalError");
  ASSERT_EQ(answer->series[1].messages.size(), 1u);
  EXPECT_NE(answer->series[1].messages[0].find("InternalError"), std::string::npos);
}

TEST_F(CloudWatchE2eTest, ThrottlingIsRetriedDenialIsReported) {
  ASSERT_TRUE(endpoint()
                  .inject_fault({.operation = "monitoring:GetMetricData",
                                 .kind = t::FaultKind::kThrottle,
                                 .count = 2})
                  .ok());
  CloudWatchApi api(client_.get());
  auto answer = api.get_metric_data({query("a", "fs-a")}, t0_, t0_ + 600);
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(answer->series[0].values.size(), 2u);
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData"), 3);

  ASSERT_TRUE(endpoint().deny_actions({"cloudwatch:GetMetricData"}).ok());
  auto denied = api.get_metric_data({query("a", "fs-a")}, t0_, t0_ + 600);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kAuth);
  EXPECT_NE(denied.status().message().find("get-metric-data"), std::string::npos)
      << denied.status().message();
  EXPECT_NE(denied.status().message().find("cloudwatch:GetMetricData"), std::string::npos)
      << denied.status().message();
}

}  // namespace
}  // namespace efstop::aws
