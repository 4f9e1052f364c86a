// End to end: the cloud sources against the test endpoint (CloudWatch Logs
// with the Insights evaluator, EC2 DescribeFlowLogs, EFS) and s3rver (S3).
// For the same records, every source must give the report the local-file
// engine gives (counting contract).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "aws/client.h"
#include "aws/http.h"
#include "cloud/cloud_reader.h"
#include "cloud/cloud_test_util.h"
#include "cloud/s3_source.h"
#include "flowlog/engine.h"
#include "flowlog/sample.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

using efstop::testing::EndpointTest;

using test::gzip;
using test::kGroup;
using test::kWindowEnd;
using test::kWindowStart;
using test::make_client;
using test::run_local;
using test::scenario_messages;

std::string temp_path(const std::string& name) { return test::test_dir() + "/" + name; }

void expect_same_report(const flowlog::EngineResult& local, const flowlog::EngineResult& cloud,
                        bool compare_record_stats) {
  ASSERT_FALSE(local.pairs.empty());
  EXPECT_EQ(local.pairs, cloud.pairs);
  EXPECT_EQ(local.stats.used, cloud.stats.used);
  if (compare_record_stats) {
    flowlog::FlowStats a = local.stats, b = cloud.stats;
    a.files = b.files = 0;
    EXPECT_EQ(a, b);
  }
}

class CloudTest : public EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    client_ = make_client(endpoint().url(), efstop::testing::kTestRegion,
                          efstop::testing::kTestAccessKeyId, efstop::testing::kTestSecretAccessKey);
  }
  CloudReadOptions options() {
    CloudReadOptions o;
    o.window_start = kWindowStart;
    o.window_end = kWindowEnd;
    o.insights_poll = std::chrono::milliseconds(5);
    o.mount_targets = std::vector<aws::MountTarget>{};  // port-2049 rule, no EFS calls
    o.note = [this](std::string_view l) { notes_ += std::string(l) + "\n"; };
    return o;
  }
  std::unique_ptr<aws::AwsClient> client_;
  std::string notes_;
};

TEST_F(CloudTest, InsightsGivesTheLocalFileReport) {
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
  expect_same_report(run_local(scenario_messages(), {}), r->engine, /*compare_record_stats=*/true);
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 1);
  EXPECT_EQ(endpoint().count("logs:FilterLogEvents"), 0);
  ASSERT_FALSE(r->summary.empty());
  EXPECT_NE(r->summary[0].find("74 records scanned"), std::string::npos) << r->summary[0];
  EXPECT_EQ(r->counts.scanned, 74);
  EXPECT_EQ(r->counts.filtered_by_service, 0);
  EXPECT_EQ(r->counts.received, 74);
  EXPECT_NE(r->summary[0].find("74 records scanned, 0 filtered out by the service, 74 received"),
            std::string::npos)
      << r->summary[0];
}

TEST_F(CloudTest, InsightsCountsEveryRecordAsLocalFilesDo) {
  // Events inside the query's time range whose records start before the
  // window (EFS and not), and non-EFS traffic: Insights must count them as
  // the engine does (outside_window, not_efs), not lump them together.
  const int64_t t = kWindowStart + 30;
  const std::vector<std::string> extra = {
      "2 111122223333 eni-0e000000000000005 10.20.1.11 10.20.1.100 50100 2049 6 10 1000 " +
          std::to_string(kWindowStart - 120) + " " + std::to_string(kWindowStart - 61) +
          " ACCEPT OK",
      "2 111122223333 eni-0e000000000000005 10.20.1.100 10.20.1.11 2049 50100 6 10 1000 " +
          std::to_string(kWindowStart - 120) + " " + std::to_string(kWindowStart - 61) +
          " ACCEPT OK",
      "2 111122223333 eni-0e000000000000001 10.20.1.11 10.20.9.9 50200 443 6 3 300 " +
          std::to_string(t) + " " + std::to_string(t + 59) + " ACCEPT OK"};
  nlohmann::json events = nlohmann::json::array();
  for (const std::string& m : extra) events.push_back({t * 1000, m});
  nlohmann::json patch;
  patch["log_groups"][kGroup]["streams"]["extra-stream"] = events;
  ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok());
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  std::vector<std::string> lines = scenario_messages();
  lines.insert(lines.end(), extra.begin(), extra.end());
  const flowlog::EngineResult local = run_local(lines, {});
  EXPECT_EQ(local.stats.outside_window, 2);
  EXPECT_EQ(local.stats.not_efs, 1);
  expect_same_report(local, r->engine, /*compare_record_stats=*/true);
  EXPECT_EQ(r->counts.scanned, 77);
  EXPECT_EQ(r->counts.filtered_by_service, 1);  // the HTTPS record
  EXPECT_EQ(r->counts.received, 76);
}

// --bucket through the Logs Insights pushdown: the per-record split is
// computed server-side (the endpoint's evaluator runs the query), and the
// series must equal the local engine's, bucket for bucket, for records of
// 60 s, 600 s, zero length, an unknown end, and one past the window's end.
class CloudBucketTest : public CloudTest {
 protected:
  std::vector<std::string> add_bucket_records() {
    const int64_t t = kWindowStart + 125;
    auto line = [](const std::string& eni, const std::string& src, const std::string& dst,
                   int sport, int dport, int64_t bytes, int64_t start, const std::string& end) {
      return "2 111122223333 " + eni + " " + src + " " + dst + " " + std::to_string(sport) + " " +
             std::to_string(dport) + " 6 10 " + std::to_string(bytes) + " " +
             std::to_string(start) + " " + end + " ACCEPT OK";
    };
    const std::vector<std::string> extra = {
        line("eni-0e000000000000005", "10.20.1.11", "10.20.1.100", 50100, 2049, 1000003, t,
             std::to_string(t + 600)),
        line("eni-0e000000000000005", "10.20.1.100", "10.20.1.11", 2049, 50100, 777, t + 7,
             std::to_string(t + 7)),
        line("eni-0e000000000000005", "10.20.1.11", "10.20.1.100", 50101, 2049, 5555, t + 61, "-"),
        line("eni-0e000000000000005", "10.20.1.100", "10.20.1.11", 2049, 50101, 99991,
             kWindowEnd - 50, std::to_string(kWindowEnd + 250)),
    };
    nlohmann::json events = nlohmann::json::array();
    for (const std::string& m : extra) events.push_back({t * 1000, m});
    nlohmann::json patch;
    patch["log_groups"][kGroup]["streams"]["bucket-stream"] = events;
    EXPECT_TRUE(endpoint().patch_scenario(patch.dump()).ok());
    std::vector<std::string> lines = scenario_messages();
    lines.insert(lines.end(), extra.begin(), extra.end());
    return lines;
  }
};

TEST_F(CloudBucketTest, InsightsSplitsEachRecordAsTheLocalEngineDoes) {
  const std::vector<std::string> lines = add_bucket_records();
  for (const int64_t width : {60, 300, 900, 3600}) {
    SCOPED_TRACE(width);
    CloudReadOptions o = options();
    o.log_groups = {kGroup};
    o.engine.bucket_s = width;
    Result<CloudReadResult> r = read_cloud(client_.get(), o);
    ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
    flowlog::EngineOptions local_options;
    local_options.bucket_s = width;
    const flowlog::EngineResult local = run_local(lines, local_options);
    expect_same_report(local, r->engine, /*compare_record_stats=*/true);
    EXPECT_TRUE(r->engine.warnings.empty());
    // The 600 s record really spans several buckets of the narrow widths.
    size_t most = 0;
    for (const flowlog::PairTotals& p : r->engine.pairs) most = std::max(most, p.series.size());
    if (width == 60) {
      EXPECT_GE(most, 10u);
    }
  }
  EXPECT_EQ(endpoint().count("logs:FilterLogEvents"), 0);
}

TEST_F(CloudBucketTest, RawEventsSplitAsTheLocalEngineDoes) {
  const std::vector<std::string> lines = add_bucket_records();
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.method = Method::kRaw;
  o.method_given = true;
  o.raw_slice_s = 120;
  o.engine.bucket_s = 60;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  flowlog::EngineOptions local_options;
  local_options.bucket_s = 60;
  expect_same_report(run_local(lines, local_options), r->engine, false);
}

// A record longer than the pushdown splits: totals stay exact, the reader
// says its split is not.
TEST_F(CloudBucketTest, InsightsSaysWhenARecordIsLongerThanItSplits) {
  const int64_t t = kWindowStart + 60;
  const std::string long_record =
      "2 111122223333 eni-0e000000000000005 10.20.1.11 10.20.1.100 50100 2049 6 10 90000 " +
      std::to_string(t) + " " + std::to_string(t + 1800) + " ACCEPT OK";
  nlohmann::json patch;
  patch["log_groups"][kGroup]["streams"]["long-stream"] =
      nlohmann::json::array({nlohmann::json::array({t * 1000, long_record})});
  ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok());
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.engine.bucket_s = 60;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->engine.warnings.size(), 1u);
  EXPECT_NE(r->engine.warnings[0].find("1 record in Logs Insights lasted longer than 660 s"),
            std::string::npos)
      << r->engine.warnings[0];
  std::vector<std::string> lines = scenario_messages();
  lines.push_back(long_record);
  flowlog::EngineOptions local_options;
  local_options.bucket_s = 60;
  const flowlog::EngineResult local = run_local(lines, local_options);
  ASSERT_EQ(local.pairs.size(), r->engine.pairs.size());
  for (size_t i = 0; i < local.pairs.size(); ++i) {
    EXPECT_EQ(local.pairs[i].bytes_written, r->engine.pairs[i].bytes_written);
    EXPECT_EQ(local.pairs[i].bytes_read, r->engine.pairs[i].bytes_read);
  }
}

// --sample through Logs Insights: one query per slice range (the endpoint's
// evaluator runs the in_sample key and the bucket split), and the sampled
// pairs must equal the local engine's for the same records. 5m/20m over
// 10:00-11:00 has slices 10:00, 10:20 and 10:40, queried as [10:00, 10:05),
// [10:09, 10:25) and [10:29, 10:45) (11 minutes of lead each).
TEST_F(CloudTest, InsightsSampleCountsWhatTheLocalEngineCounts) {
  const flowlog::SampleSpec spec{300, 1200};
  const int64_t t0 = kWindowStart;
  const auto line = [](int sport, int dport, const std::string& src, const std::string& dst,
                       int64_t bytes, int64_t start, int64_t end) {
    return "2 111122223333 eni-0e000000000000005 " + src + " " + dst + " " + std::to_string(sport) +
           " " + std::to_string(dport) + " 6 10 " + std::to_string(bytes) + " " +
           std::to_string(start) + " " + std::to_string(end) + " ACCEPT OK";
  };
  const std::string c = "10.20.1.77", s = "10.20.1.100";  // a client of these records only
  const std::vector<std::string> extra = {
      // 10:18-10:22 reaches into the 10:20 slice: 2/4 of its bytes, floor.
      line(50100, 2049, c, s, 1000003, t0 + 1080, t0 + 1320),
      // 10:16-10:19, the same bucket (10:15) and row keys, touches no slice:
      // the in_sample key keeps it out of the row above (outside_window).
      line(50100, 2049, c, s, 7777, t0 + 960, t0 + 1140),
      // Inside the 10:40 slice, and an answer.
      line(2049, 50100, s, c, 4242, t0 + 2460, t0 + 2520),
      // In a queried range, outside every slice.
      line(50100, 2049, c, s, 31337, t0 + 1800, t0 + 1860),
      // In no queried range at all: never scanned.
      line(50100, 2049, c, s, 99991, t0 + 3000, t0 + 3060),
  };
  nlohmann::json events = nlohmann::json::array();
  for (const std::string& m : extra) {
    const int64_t start = std::stoll(test::split_fields(m)[10]);
    events.push_back({start * 1000, m});
  }
  nlohmann::json patch;
  patch["log_groups"][kGroup]["streams"]["sample-stream"] = events;
  ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok());

  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.engine.sample = spec;
  o.engine.bucket_s = flowlog::sample_bucket_width(spec, 0);
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
  flowlog::apply_sample(&r->engine.pairs, spec, 0);

  std::vector<std::string> lines = scenario_messages();
  lines.insert(lines.end(), extra.begin(), extra.end());
  flowlog::EngineOptions local_options;
  local_options.sample = spec;
  local_options.bucket_s = flowlog::sample_bucket_width(spec, 0);
  flowlog::EngineResult local = run_local(lines, local_options);
  flowlog::apply_sample(&local.pairs, spec, 0);
  expect_same_report(local, r->engine, /*compare_record_stats=*/false);

  // The pair of the crafted records, computed by hand: the 10:20 slice gets
  // C(240 s) - C(120 s) = 1000003 - floor(1000003 * 120 / 240) = 500002
  // written, the 10:40 slice 4242 read; 2 records touched a slice.
  bool found = false;
  for (const flowlog::PairTotals& p : r->engine.pairs) {
    if (p.client.to_string() != c || p.server.to_string() != s) continue;
    found = true;
    EXPECT_EQ(p.bytes_written, 500002);
    EXPECT_EQ(p.bytes_read, 4242);
    EXPECT_EQ(p.flows, 2);
    EXPECT_EQ(p.packets, 20);
  }
  EXPECT_TRUE(found);

  // Three queries, each inside one slice's range; nothing else scanned.
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 3);
  Result<nlohmann::json> reqs = endpoint().requests();
  ASSERT_TRUE(reqs.ok());
  std::set<std::pair<int64_t, int64_t>> asked;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "logs:StartQuery") continue;
    asked.insert({q["params"]["startTime"].get<int64_t>(), q["params"]["endTime"].get<int64_t>()});
  }
  EXPECT_EQ(asked, (std::set<std::pair<int64_t, int64_t>>{
                       {t0, t0 + 299}, {t0 + 540, t0 + 1499}, {t0 + 1740, t0 + 2699}}));
  bool said = false;
  for (const std::string& l : r->summary) {
    if (l.find("sample: Logs Insights asked for 3 time ranges, 2220 s of the window's 3600 s") !=
        std::string::npos) {
      said = true;
      EXPECT_NE(l.find("the whole window: about"), std::string::npos) << l;
    }
  }
  EXPECT_TRUE(said) << ::testing::PrintToString(r->summary);
}

TEST_F(CloudTest, InsightsReadsAFormatWithoutPacketsOrEnd) {
  // The group's records without their packets and end fields, in a format
  // that says so: the query (run by the endpoint's Insights evaluator)
  // leaves both out and gives the local-file report of the same lines.
  const char* format =
      "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
      "${protocol} ${bytes} ${start} ${action} ${log-status}";
  std::ifstream in(efstop::testing::default_scenario_path());
  const nlohmann::json doc = nlohmann::json::parse(in);
  std::vector<std::string> lines;
  nlohmann::json streams = nlohmann::json::object();
  for (auto& [stream, events] : doc["log_groups"][kGroup]["streams"].items()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& ev : events) {
      std::vector<std::string> f = test::split_fields(ev[1].get<std::string>());
      f.erase(f.begin() + 11);  // end
      f.erase(f.begin() + 8);   // packets
      lines.push_back(test::join_fields(f));
      out.push_back({ev[0], lines.back()});
    }
    streams[stream] = out;
  }
  nlohmann::json patch;
  patch["log_groups"][kGroup]["streams"] = streams;
  ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok());
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.engine.log_format = format;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << endpoint().server_log();
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 1);
  EXPECT_EQ(endpoint().count("logs:FilterLogEvents"), 0);
  flowlog::EngineOptions local_options;
  local_options.log_format = format;
  const flowlog::EngineResult local = run_local(lines, local_options);
  expect_same_report(local, r->engine, /*compare_record_stats=*/true);
  ASSERT_FALSE(r->engine.pairs.empty());
  for (const flowlog::PairTotals& p : r->engine.pairs) {
    EXPECT_EQ(p.packets, 0);
    EXPECT_EQ(p.last_seen, INT64_MIN);
  }
}

TEST_F(CloudTest, InsightsPollsWhileRunning) {
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(
              R"({"log_groups":{"/efstop/vpc-flow-logs":{"insights":{"running_polls":3}}}})")
          .ok());
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(endpoint().count("logs:GetQueryResults"), 4);
  expect_same_report(run_local(scenario_messages(), {}), r->engine, true);
}

TEST_F(CloudTest, InsightsRowLimitSplitsTheRangeAndMerges) {
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.insights_row_limit = 12;  // 38 rows for the whole range
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_GT(endpoint().count("logs:StartQuery"), 3);
  expect_same_report(run_local(scenario_messages(), {}), r->engine, true);
  EXPECT_NE(r->summary[0].find("split"), std::string::npos);
}

TEST_F(CloudTest, InsightsRowLimitInOneSecondIsAnError) {
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.insights_row_limit = 1;  // two rows share the first second
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--method raw"), std::string::npos) << r.status().message();
}

TEST_F(CloudTest, FailedInsightsQuerySaysWhatToDo) {
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(
              R"({"log_groups":{"/efstop/vpc-flow-logs":{"insights":{"status":"Failed","running_polls":1}}}})")
          .ok());
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAwsError);
  EXPECT_NE(r.status().message().find("failed"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("--method raw"), std::string::npos);
}

TEST_F(CloudTest, InterruptStopsTheRunningQuery) {
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(
              R"({"log_groups":{"/efstop/vpc-flow-logs":{"insights":{"running_polls":1000}}}})")
          .ok());
  std::atomic<bool> interrupted{false};
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.interrupted = &interrupted;
  o.note = nullptr;
  std::thread stopper([&] {
    while (endpoint().count("logs:GetQueryResults") < 2)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    interrupted = true;
  });
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("query stopped"), std::string::npos) << r.status().message();
  EXPECT_EQ(endpoint().count("logs:StopQuery"), 1);
}

TEST_F(CloudTest, RawEventsGiveTheLocalFileReport) {
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.method = Method::kRaw;
  o.method_given = true;
  o.raw_slice_s = 120;  // several slices, read in parallel
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  // The filter pattern drops non-EFS events server-side: compare rows and
  // the records that reached the once-per-flow step.
  flowlog::EngineResult local = run_local(scenario_messages(), {});
  expect_same_report(local, r->engine, false);
  EXPECT_EQ(local.stats.duplicates, r->engine.stats.duplicates);
  EXPECT_EQ(local.stats.nodata, r->engine.stats.nodata);
  EXPECT_GE(endpoint().count("logs:FilterLogEvents"), 30);  // page size 5, empty pages too
  // FilterLogEvents says nothing of what the pattern rejected.
  EXPECT_EQ(r->counts.scanned, -1);
  EXPECT_EQ(r->counts.filtered_by_service, -1);
  EXPECT_EQ(r->counts.received, r->engine.stats.lines);
  EXPECT_NE(r->summary[0].find("records scanned: not reported by the API"), std::string::npos)
      << r->summary[0];
}

TEST_F(CloudTest, ThrottlingInTheMiddleOfARawReadIsRetried) {
  efstop::testing::Fault f;
  f.operation = "logs:FilterLogEvents";
  f.kind = efstop::testing::FaultKind::kThrottle;
  f.skip = 3;
  f.count = 2;
  ASSERT_TRUE(endpoint().inject_fault(f).ok());
  CloudReadOptions o = options();
  o.log_groups = {kGroup};
  o.method = Method::kRaw;
  o.method_given = true;
  o.parallelism = 1;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_same_report(run_local(scenario_messages(), {}), r->engine, false);
}

TEST_F(CloudTest, DiscoveryFindsTheLogGroupAndReadsIt) {
  // A Firehose flow log on a mount target's ENI gets a note.
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(
              R"({"flow_logs":{"fl-0c00000000000003":{"ResourceId":"eni-0e000000000000005","TrafficType":"ALL"}}})")
          .ok());
  CloudReadOptions o = options();
  o.mount_targets.reset();  // EFS inventory, then DescribeFlowLogs
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << notes_;
  EXPECT_EQ(r->source, std::string("logs insights on ") + kGroup);
  EXPECT_GE(endpoint().count("ec2:DescribeFlowLogs"), 1);
  EXPECT_NE(notes_.find("Kinesis Data Firehose"), std::string::npos) << notes_;
  // Same servers for the local run: the mount targets' addresses and ENIs.
  flowlog::EngineOptions opt;
  for (const char* ip : {"10.20.1.100", "10.20.2.100", "10.20.3.100", "10.20.2.101", "10.20.1.101",
                         "10.20.1.102", "10.20.3.101", "10.20.3.102"}) {
    opt.server_ips.push_back(*flowlog::IpAddress::parse(ip));
  }
  opt.server_enis = {"eni-0e000000000000005", "eni-0e000000000000006", "eni-0e000000000000007",
                     "eni-0e000000000000008", "eni-0e000000000000009", "eni-0e00000000000000a",
                     "eni-0e00000000000000b", "eni-0e00000000000000c"};
  expect_same_report(run_local(scenario_messages(), opt), r->engine, true);
}

TEST_F(CloudTest, DiscoveredRawReadUsesTheMountTargetStreams) {
  CloudReadOptions o = options();
  o.mount_targets.reset();
  o.method = Method::kRaw;
  o.method_given = true;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  Result<nlohmann::json> reqs = endpoint().requests();
  ASSERT_TRUE(reqs.ok());
  int filtered = 0;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "logs:FilterLogEvents") continue;
    ++filtered;
    EXPECT_EQ(q["params"].value("logStreamNamePrefix", "").rfind("eni-", 0), 0u) << q.dump();
  }
  EXPECT_GT(filtered, 0);
  flowlog::EngineOptions opt;
  for (const char* ip : {"10.20.1.100", "10.20.2.100", "10.20.3.100", "10.20.2.101", "10.20.1.101",
                         "10.20.1.102", "10.20.3.101", "10.20.3.102"}) {
    opt.server_ips.push_back(*flowlog::IpAddress::parse(ip));
  }
  flowlog::EngineResult local = run_local(scenario_messages(), opt);
  EXPECT_EQ(local.pairs, r->engine.pairs);
}

TEST_F(CloudTest, RawReadFallsBackToEveryStreamWhenStreamsAreNotNamedAfterEnis) {
  // Move every event into one stream with an unrelated name.
  std::ifstream in(efstop::testing::default_scenario_path());
  nlohmann::json doc = nlohmann::json::parse(in);
  nlohmann::json streams = nlohmann::json::object();
  nlohmann::json all = nlohmann::json::array();
  for (auto& [name, events] : doc["log_groups"][kGroup]["streams"].items()) {
    streams[name] = nullptr;
    for (auto& ev : events) all.push_back(ev);
  }
  streams["vpc-flows"] = all;
  nlohmann::json patch;
  patch["log_groups"][kGroup]["streams"] = streams;
  ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok());
  CloudReadOptions o = options();
  o.mount_targets.reset();
  o.method = Method::kRaw;
  o.method_given = true;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_NE(notes_.find("reading every stream of the group"), std::string::npos) << notes_;
  flowlog::EngineOptions opt;
  for (const char* ip : {"10.20.1.100", "10.20.2.100", "10.20.3.100", "10.20.2.101", "10.20.1.101",
                         "10.20.1.102", "10.20.3.101", "10.20.3.102"}) {
    opt.server_ips.push_back(*flowlog::IpAddress::parse(ip));
  }
  EXPECT_EQ(run_local(scenario_messages(), opt).pairs, r->engine.pairs);
}

// Trust but verify (issue 16): a server that ignores FilterLogEvents'
// logStreamNamePrefix answers every per-ENI request with the events of
// every stream. Counted as sent, each event would count once per
// mount-target ENI; efstop must give the report of a faithful server and
// say what it left out.
TEST_F(CloudTest, RawReadLeavesOutStreamsTheServerWasNotAskedFor) {
  CloudReadOptions o = options();
  o.mount_targets.reset();  // discovery: one prefix per mount-target ENI
  o.method = Method::kRaw;
  o.method_given = true;
  Result<CloudReadResult> faithful = read_cloud(client_.get(), o);
  ASSERT_TRUE(faithful.ok()) << faithful.status().to_string();
  EXPECT_EQ(faithful->counts.not_asked, 0);
  EXPECT_TRUE(faithful->engine.warnings.empty());

  ASSERT_TRUE(endpoint().patch_scenario(R"({"quirks":{"logs_ignore_stream_filter":true}})").ok());
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  // The same numbers as from the faithful server, and as local files.
  EXPECT_EQ(faithful->engine.pairs, r->engine.pairs);
  EXPECT_EQ(faithful->engine.stats, r->engine.stats);
  flowlog::EngineOptions opt;
  for (const char* ip : {"10.20.1.100", "10.20.2.100", "10.20.3.100", "10.20.2.101", "10.20.1.101",
                         "10.20.1.102", "10.20.3.101", "10.20.3.102"}) {
    opt.server_ips.push_back(*flowlog::IpAddress::parse(ip));
  }
  EXPECT_EQ(run_local(scenario_messages(), opt).pairs, r->engine.pairs);
  // What was left out: everything received beyond what the faithful server
  // sent, counted once in the source counts and named once, with the
  // endpoint, in a warning.
  EXPECT_GT(r->counts.not_asked, 0);
  EXPECT_EQ(r->counts.received - r->counts.not_asked, faithful->counts.received);
  EXPECT_EQ(r->counts.received - r->counts.not_asked, r->engine.stats.lines);
  ASSERT_EQ(r->engine.warnings.size(), 1u);
  const std::string& w = r->engine.warnings[0];
  EXPECT_NE(w.find(endpoint().url()), std::string::npos) << w;
  EXPECT_NE(w.find(std::to_string(r->counts.not_asked) + " events of log streams it was not "
                                                         "asked for"),
            std::string::npos)
      << w;
  EXPECT_NE(
      r->summary.back().find(std::to_string(r->counts.not_asked) + " left out (not asked for)"),
      std::string::npos)
      << r->summary.back();
}

// ---- S3 (s3rver) ----

class CloudS3Test : public ::testing::Test {
 protected:
  static constexpr char kBucket[] = "efstop-flow-logs";
  static constexpr char kRegion[] = "us-east-1";
  void SetUp() override {
    efstop::testing::S3ServerOptions so;
    so.buckets = {kBucket};
    Result<std::unique_ptr<efstop::testing::S3Server>> s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    client_ = make_client(s3_->url(), kRegion, efstop::testing::kS3rverAccessKeyId,
                          efstop::testing::kS3rverSecretAccessKey);
  }
  // Objects of `lines` delivered as S3 would: header line, gzip, named by time.
  void put(const std::string& day_path, const std::string& stamp,
           const std::vector<std::string>& lines, bool header = true) {
    std::string text = header ? "version account-id interface-id srcaddr dstaddr srcport dstport "
                                "protocol packets bytes start end action log-status\n"
                              : "";
    for (const std::string& l : lines) text += l + "\n";
    const std::string key = "prod/AWSLogs/111122223333/vpcflowlogs/us-east-1/" + day_path +
                            "/111122223333_vpcflowlogs_us-east-1_fl-0b00000000000002_" + stamp +
                            "_0123abcd.log.gz";
    ASSERT_TRUE(s3_->put_object(kBucket, key, gzip(text)).ok());
  }
  CloudReadOptions options(int64_t start, int64_t end) {
    CloudReadOptions o;
    o.window_start = start;
    o.window_end = end;
    o.s3_uri = std::string("s3://") + kBucket + "/prod";
    o.parallelism = 3;
    return o;
  }
  std::unique_ptr<efstop::testing::S3Server> s3_;
  std::unique_ptr<aws::AwsClient> client_;
};

TEST_F(CloudS3Test, GivesTheLocalFileReport) {
  std::vector<std::string> lines = scenario_messages();
  const size_t half = lines.size() / 2;
  put("2026/11/29", "20261129T1005Z",
      std::vector<std::string>(lines.begin(), lines.begin() + half));
  put("2026/11/29", "20261129T1010Z", std::vector<std::string>(lines.begin() + half, lines.end()));
  put("2026/11/29", "20261129T1600Z", {lines[0]});  // far outside: skipped by name
  Result<CloudReadResult> r = read_cloud(client_.get(), options(kWindowStart, kWindowEnd));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_same_report(run_local(lines, {}), r->engine, true);
  EXPECT_EQ(r->engine.stats.files, 2);
  EXPECT_NE(r->summary[0].find("1 outside the window by name"), std::string::npos) << r->summary[0];
  EXPECT_EQ(r->counts.scanned, static_cast<int64_t>(lines.size()));
  EXPECT_EQ(r->counts.filtered_by_service, 0);
  EXPECT_EQ(r->counts.received, static_cast<int64_t>(lines.size()));
}

TEST_F(CloudS3Test, BucketsSplitAsTheLocalEngineDoes) {
  std::vector<std::string> lines = scenario_messages();
  put("2026/11/29", "20261129T1005Z", lines);
  CloudReadOptions o = options(kWindowStart, kWindowEnd);
  o.engine.bucket_s = 300;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  flowlog::EngineOptions local_options;
  local_options.bucket_s = 300;
  const flowlog::EngineResult local = run_local(lines, local_options);
  expect_same_report(local, r->engine, true);
  int64_t with_series = 0;
  for (const flowlog::PairTotals& p : local.pairs) with_series += p.series.empty() ? 0 : 1;
  EXPECT_GT(with_series, 0);
}

// --sample 30m/6h over 10:00-22:00: slices 12:00 and 18:00, record-start
// ranges [11:49, 12:30) and [17:49, 18:30), so objects named in [11:34,
// 13:00) or [17:34, 19:00) are read (15 minutes before, 30 after, as for
// the window). The 15:05 object is skipped by the sample, said so, and the
// report equals the local engine's over all four objects' records.
TEST_F(CloudS3Test, SampleReadsOnlyTheObjectsOfTheSlices) {
  const flowlog::SampleSpec spec{1800, 21600};
  const auto shifted = [](int64_t delta) {
    std::vector<std::string> out;
    for (const std::string& line : scenario_messages()) {
      std::vector<std::string> f = test::split_fields(line);
      f[10] = std::to_string(std::stoll(f[10]) + delta);
      f[11] = std::to_string(std::stoll(f[11]) + delta);
      out.push_back(test::join_fields(f));
    }
    return out;
  };
  const std::vector<std::string> a = shifted(2 * 3600 + 15 * 60);  // 12:15: in the slice
  const std::vector<std::string> b = shifted(5 * 3600);            // 15:00: no slice
  const std::vector<std::string> c = shifted(8 * 3600 + 28 * 60);  // 18:28: reaching in
  const std::vector<std::string> d = shifted(3600 + 45 * 60);      // 11:45: just before
  put("2026/11/29", "20261129T1220Z", a);
  put("2026/11/29", "20261129T1505Z", b);
  put("2026/11/29", "20261129T1835Z", c);
  put("2026/11/29", "20261129T1150Z", d);
  const int64_t end = kWindowStart + 12 * 3600;
  CloudReadOptions o = options(kWindowStart, end);
  o.engine.sample = spec;
  o.engine.bucket_s = flowlog::sample_bucket_width(spec, 0);
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  flowlog::apply_sample(&r->engine.pairs, spec, 0);

  std::vector<std::string> all;
  for (const auto* part : {&a, &b, &c, &d}) all.insert(all.end(), part->begin(), part->end());
  flowlog::EngineOptions local_options;
  local_options.sample = spec;
  local_options.bucket_s = flowlog::sample_bucket_width(spec, 0);
  flowlog::EngineResult local = run_local(all, local_options, kWindowStart, end);
  flowlog::apply_sample(&local.pairs, spec, 0);
  expect_same_report(local, r->engine, /*compare_record_stats=*/false);
  EXPECT_EQ(r->engine.stats.files, 3);
  // The skipped object's records are not read: fewer records, the same used.
  EXPECT_EQ(r->engine.stats.records + static_cast<int64_t>(b.size()), local.stats.records);
  bool said = false;
  for (const std::string& l : r->summary) {
    if (l.rfind("sample: S3 objects read 3 of the window's 4 (", 0) == 0) {
      said = l.find("; 1 skipped by --sample (") != std::string::npos;
    }
  }
  EXPECT_TRUE(said) << ::testing::PrintToString(r->summary);
}

TEST(S3SampleRangesTest, AnObjectIsReadWithinTheMarginsOfARange) {
  const std::vector<std::pair<int64_t, int64_t>> ranges = {{1000, 2000}, {10000, 11000}};
  for (int64_t t = -2000; t < 15000; t += 7) {
    bool want = false;
    for (const auto& [from, to] : ranges) {
      want = want || (t >= from - kS3MarginBeforeS && t < to + kS3MarginAfterS);
    }
    EXPECT_EQ(s3_time_in_ranges(t, ranges), want) << t;
  }
  EXPECT_FALSE(s3_time_in_ranges(0, {}));
}

TEST_F(CloudS3Test, CorruptObjectIsReportedAndTheRestCounted) {
  std::vector<std::string> lines = scenario_messages();
  put("2026/11/29", "20261129T1005Z", lines);
  const std::string bad =
      "prod/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/"
      "111122223333_vpcflowlogs_us-east-1_fl-0b00000000000002_20261129T1010Z_bad.log.gz";
  std::string corrupt = gzip(std::string(5000, 'x'));
  corrupt[corrupt.size() / 2] ^= 0x55;
  corrupt.resize(corrupt.size() - 10);
  ASSERT_TRUE(s3_->put_object(kBucket, bad, corrupt).ok());
  Result<CloudReadResult> r = read_cloud(client_.get(), options(kWindowStart, kWindowEnd));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->engine.stats.files_failed, 1);
  bool named = false;
  for (const flowlog::InputReport& in : r->engine.inputs) {
    if (in.failed) named = in.error.find("_bad.log.gz") != std::string::npos;
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(run_local(lines, {}).pairs, r->engine.pairs);
}

TEST_F(CloudS3Test, WindowSpanningMidnightListsBothDays) {
  // Records shifted to 23:50 on the 28th and 00:10 on the 29th.
  auto shift = [](const std::string& line, int64_t delta) {
    std::istringstream in(line);
    std::vector<std::string> f;
    std::string t;
    while (in >> t) f.push_back(t);
    f[10] = std::to_string(std::stoll(f[10]) + delta);
    f[11] = std::to_string(std::stoll(f[11]) + delta);
    std::string out;
    for (const std::string& x : f) out += (out.empty() ? "" : " ") + x;
    return out;
  };
  const int64_t midnight = 1795910400;  // 2026-11-29T00:00:00Z
  std::vector<std::string> before, after, all;
  for (const std::string& l : scenario_messages()) {
    if (l.find("NODATA") != std::string::npos) continue;
    before.push_back(shift(l, (midnight - 600) - kWindowStart));
    after.push_back(shift(l, (midnight + 600) - kWindowStart));
  }
  put("2026/11/28", "20261128T2355Z", before);
  put("2026/11/29", "20261129T0015Z", after);
  put("2026/11/27", "20261127T2355Z", before);  // a day outside the window: never listed
  all = before;
  all.insert(all.end(), after.begin(), after.end());
  const int64_t start = midnight - 1800, end = midnight + 1800;
  Result<CloudReadResult> r = read_cloud(client_.get(), options(start, end));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->engine.stats.files, 2);
  std::string text;
  for (const std::string& l : all) text += l + "\n";
  const std::string path = temp_path("midnight.log");
  std::ofstream(path) << text;
  flowlog::EngineOptions opt;
  opt.window_start = start;
  opt.window_end = end;
  Result<flowlog::EngineResult> local = flowlog::run_engine({path}, opt);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->pairs, r->engine.pairs);
  EXPECT_EQ(local->stats.used, r->engine.stats.used);
}

// Trust but verify (issue 16): a server that ignores ListObjectsV2's prefix
// lists the whole bucket; objects outside the prefix asked for are not read
// (each would otherwise be read once per prefix listed), and said so once,
// with the endpoint.
TEST_F(CloudS3Test, KeysOutsideTheListedPrefixAreLeftOut) {
  std::vector<std::string> lines = scenario_messages();
  put("2026/11/29", "20261129T1005Z", lines);
  // The same records under another prefix, inside the window by name.
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  ASSERT_TRUE(s3_->put_object(kBucket,
                              "staging/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/"
                              "111122223333_vpcflowlogs_us-east-1_fl-0b00000000000002_"
                              "20261129T1005Z_0123abcd.log.gz",
                              gzip(text))
                  .ok());
  ASSERT_TRUE(s3_->endpoint()->patch_scenario(R"({"quirks":{"s3_ignore_prefix":true}})").ok());
  CloudReadOptions o = options(kWindowStart, kWindowEnd);
  o.s3_uri = std::string("s3://") + kBucket +
             "/prod/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/";
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_same_report(run_local(lines, {}), r->engine, true);
  EXPECT_EQ(r->engine.stats.files, 1);
  ASSERT_EQ(r->engine.warnings.size(), 1u);
  const std::string& w = r->engine.warnings[0];
  EXPECT_NE(w.find(s3_->url()), std::string::npos) << w;
  EXPECT_NE(w.find("listed 1 keys outside the prefix"), std::string::npos) << w;
  EXPECT_NE(r->summary[0].find("1 outside the prefix listed"), std::string::npos) << r->summary[0];

  // The delivery root (prefix/AWSLogs/ listed by folder): a server that
  // ignores the prefix gives no account folder there, and the error says why.
  Result<CloudReadResult> root = read_cloud(client_.get(), options(kWindowStart, kWindowEnd));
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("ignored ListObjectsV2's prefix"), std::string::npos)
      << root.status().message();
}

TEST(S3KeysTest, TimeInKeyAndDayPrefixes) {
  EXPECT_EQ(s3_key_time("p/AWSLogs/1/vpcflowlogs/r/2018/06/20/123456789012_vpcflowlogs_us-east-1_"
                        "fl-1234abcd_20180620T1620Z_fe123456.log.gz"),
            std::optional<int64_t>(1529511600));
  EXPECT_EQ(s3_key_time("no-time.log.gz"), std::nullopt);
  const std::vector<std::string> p =
      s3_time_prefixes("R/", false, false, 1795910400 - 1800, 1795910400 + 1800);
  EXPECT_EQ(p, (std::vector<std::string>{"R/2026/11/28/", "R/2026/11/29/"}));
  const std::vector<std::string> h =
      s3_time_prefixes("R/", true, true, 1795946400, 1795946400 + 3600);
  EXPECT_EQ(h.front(), "R/year=2026/month=11/day=29/hour=09/");
  EXPECT_EQ(h.back(), "R/year=2026/month=11/day=29/hour=11/");
}

// The account and region a key's folder names, in both layouts AWS
// delivers (docs/multi-account.md), and none outside them.
TEST(S3KeysTest, AccountAndRegionOfAKey) {
  using Scope = std::pair<std::string, std::string>;
  EXPECT_EQ(s3_key_scope("p/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/x.log.gz"),
            Scope("111122223333", "eu-west-1"));
  EXPECT_EQ(s3_key_scope("AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/10/x.log.gz"),
            Scope("111122223333", "eu-west-1"));
  EXPECT_EQ(s3_key_scope("AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/"
                         "aws-region=us-west-2/year=2026/month=11/day=29/hour=10/x.log.gz"),
            Scope("111122223333", "us-west-2"));
  EXPECT_EQ(s3_key_scope("firehose/2026/11/29/10/stream-1-2026-11-29-10-00-00-abc"), Scope());
  EXPECT_EQ(s3_key_scope("AWSLogs/111122223333/elasticloadbalancing/eu-west-1/x"), Scope());
  EXPECT_EQ(s3_key_scope("AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/r/x"), Scope());
  EXPECT_EQ(s3_key_scope("AWSLogs/111122223333/vpcflowlogs"), Scope());
}

}  // namespace
}  // namespace efstop::cloud
