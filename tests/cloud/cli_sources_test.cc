// The whole command: `efstop --region r --endpoint-url URL --start .. --end ..
// --output json` with no SOURCE discovers the scenario's flow logs and reads
// them; Insights, raw events and the same records in a local file must print
// the same JSON rows (Insights: the same stats too).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cloud/insights_runner.h"
#include "cloud/raw_events.h"
#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

// The report's stats without the name-lookup counters.
nlohmann::json flow_stats(const nlohmann::json& report) {
  nlohmann::json stats = report.value("stats", nlohmann::json::object());
  stats.erase("names");
  return stats;
}

class CliSourcesTest : public efstop::testing::EndpointTest {
 protected:
  // Runs efstop with `args`; returns stdout, sets *code.
  std::string run(const std::string& args, int* code) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(efstop::testing::kTestAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + efstop::testing::kTestSecretAccessKey +
                            " " + EFSTOP_BINARY_DIR + "/efstop " + args + " 2>" + err_path();
    return efstop::testing::run_shell(cmd, code);
  }
  std::string err_path() const { return env_home() + "/stderr.txt"; }
  std::string env_home() const { return const_cast<CliSourcesTest*>(this)->env().home(); }
  std::string stderr_text() const {
    std::ifstream in(err_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The default scenario's flow-log events (every stream of
  // /efstop/vpc-flow-logs) as a local file, for the same records read
  // without AWS; returns its path.
  std::string write_scenario_flows() {
    std::ifstream in(efstop::testing::default_scenario_path());
    const nlohmann::json doc = nlohmann::json::parse(in);
    const std::string path = env_home() + "/flows.log";
    std::ofstream out(path);
    for (auto& [stream, events] : doc["log_groups"]["/efstop/vpc-flow-logs"]["streams"].items()) {
      for (auto& ev : events) out << ev[1].get<std::string>() << "\n";
    }
    return path;
  }
  std::string aws_args() {
    return "--region " + std::string(efstop::testing::kTestRegion) + " --endpoint-url " +
           endpoint().url() +
           " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --output json";
  }
};

TEST_F(CliSourcesTest, EverySourcePrintsTheSameReport) {
  int code = -1;
  const nlohmann::json insights = nlohmann::json::parse(run(aws_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  EXPECT_NE(stderr_text().find("logs insights on /efstop/vpc-flow-logs"), std::string::npos);
  const nlohmann::json raw =
      nlohmann::json::parse(run(aws_args() + " --method raw", &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const nlohmann::json by_group = nlohmann::json::parse(
      run(aws_args() + " --log-group /efstop/vpc-flow-logs", &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();

  // The same records as a local file, named from the same account (reading
  // from AWS names every end by default; --names asks for it on files).
  const std::string path = write_scenario_flows();
  const nlohmann::json local =
      nlohmann::json::parse(run("--names " + aws_args() + " " + path, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();

  ASSERT_TRUE(local.contains("rows"));
  ASSERT_FALSE(local["rows"].empty());
  // Every end of the discovered report is named (a mount target, at least).
  for (const nlohmann::json& row : insights["rows"]) {
    EXPECT_TRUE(row["server"].contains("name")) << row.dump();
  }
  EXPECT_EQ(local["rows"], insights["rows"]);
  EXPECT_EQ(local["rows"], raw["rows"]);
  EXPECT_EQ(local["window"], insights["window"]);
  // Flow counts only: the name lookups differ (the second run hits the
  // name cache the first one filled).
  EXPECT_EQ(flow_stats(local), flow_stats(insights));
  // --log-group instead of discovery: same rows.
  EXPECT_EQ(local["rows"], by_group["rows"]);
}

TEST(SampleEventRangesTest, SlicesWithTheirLeadMergedAndCut) {
  const int64_t t0 = 1795946400;  // 10:00:00Z
  const flowlog::SampleSpec spec{120, 1800};
  using Ranges = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(sample_event_ranges(t0, t0 + 3600, spec, kSampleLeadS),
            (Ranges{{t0, t0 + 120}, {t0 + 1140, t0 + 1920}}));
  // A window starting inside a lead, and one ending inside a slice.
  EXPECT_EQ(sample_event_ranges(t0 + 1500, t0 + 1810, spec, kSampleLeadS),
            (Ranges{{t0 + 1500, t0 + 1810}}));
  // Leads longer than the gaps: one range.
  EXPECT_EQ(sample_event_ranges(t0, t0 + 3600, flowlog::SampleSpec{300, 600}, kSampleLeadS),
            (Ranges{{t0, t0 + 3600 - 300}}));
  // No slice starts in the window.
  EXPECT_EQ(sample_event_ranges(t0 + 200, t0 + 1700, spec, kSampleLeadS), (Ranges{}));
}

// --sample 2m/30m with --method raw: FilterLogEvents is asked only for the
// slices' ranges (10:00-10:02, and 10:19-10:32: records starting up to 11
// minutes before the 10:30 slice), and the report equals the one the same
// records give from a local file with the same --sample.
TEST_F(CliSourcesTest, SampleRawAsksOnlyForTheSlices) {
  int code = -1;
  const nlohmann::json raw = nlohmann::json::parse(
      run(aws_args() + " --method raw --no-metrics --sample 2m/30m", &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const std::string err = stderr_text();
  EXPECT_NE(err.find("sample: FilterLogEvents asked for 2 time ranges, 900 s of the window's "
                     "3600 s"),
            std::string::npos)
      << err;
  Result<nlohmann::json> reqs = endpoint().requests();
  ASSERT_TRUE(reqs.ok());
  const int64_t t0 = 1795946400;  // 2026-11-29T10:00:00Z
  int filter_calls = 0;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "logs:FilterLogEvents") continue;
    ++filter_calls;
    const int64_t from = q["params"]["startTime"].get<int64_t>() / 1000;
    const int64_t to = q["params"]["endTime"].get<int64_t>() / 1000;  // inclusive
    const bool first = from >= t0 && to < t0 + 120;
    const bool second = from >= t0 + 19 * 60 && to < t0 + 32 * 60;
    EXPECT_TRUE(first || second) << q.dump();
  }
  EXPECT_GT(filter_calls, 0);

  const std::string path = write_scenario_flows();
  const nlohmann::json local = nlohmann::json::parse(
      run("--names " + aws_args() + " --sample 2m/30m " + path, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_TRUE(local.contains("rows"));
  ASSERT_FALSE(local["rows"].empty());
  EXPECT_EQ(local["rows"], raw["rows"]);
  EXPECT_EQ(local["sample"], raw["sample"]);
  EXPECT_EQ(raw.value("estimated", false), true);
  EXPECT_EQ(raw["sample"]["slices"], 2);
  EXPECT_EQ(raw["sample"]["factor"], 15.0);
  // Fewer events read than the whole window holds, the same used records.
  EXPECT_LT(raw["stats"]["records"].get<int64_t>(), local["stats"]["records"].get<int64_t>());
  EXPECT_EQ(raw["stats"]["used"], local["stats"]["used"]);
}

// --sample 2m/30m through Logs Insights (the default method): one query per
// slice range, as for raw events, and the report equals the local file's
// and the raw events' with the same --sample; the summary sets the bytes
// the sample scanned beside an estimate of the whole window's.
TEST_F(CliSourcesTest, SampleInsightsQueriesOnlyTheSlices) {
  int code = -1;
  const nlohmann::json insights = nlohmann::json::parse(
      run(aws_args() + " --no-metrics --sample 2m/30m", &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const std::string err = stderr_text();
  EXPECT_NE(err.find("sample: Logs Insights asked for 2 time ranges, 900 s of the window's "
                     "3600 s: "),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("; the whole window: about "), std::string::npos) << err;
  Result<nlohmann::json> reqs = endpoint().requests();
  ASSERT_TRUE(reqs.ok());
  const int64_t t0 = 1795946400;  // 2026-11-29T10:00:00Z
  std::set<std::pair<int64_t, int64_t>> asked;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "logs:StartQuery") continue;
    asked.insert({q["params"]["startTime"].get<int64_t>(), q["params"]["endTime"].get<int64_t>()});
  }
  // 10:00-10:02, and 10:19-10:32 (records starting up to 11 minutes before
  // the 10:30 slice); Insights' endTime is inclusive.
  EXPECT_EQ(asked, (std::set<std::pair<int64_t, int64_t>>{{t0, t0 + 119},
                                                          {t0 + 19 * 60, t0 + 32 * 60 - 1}}));

  const nlohmann::json raw = nlohmann::json::parse(
      run(aws_args() + " --method raw --no-metrics --sample 2m/30m", &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const std::string path = write_scenario_flows();
  const nlohmann::json local = nlohmann::json::parse(
      run("--names " + aws_args() + " --sample 2m/30m " + path, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_TRUE(local.contains("rows"));
  ASSERT_FALSE(local["rows"].empty());
  EXPECT_EQ(local["rows"], insights["rows"]);
  EXPECT_EQ(raw["rows"], insights["rows"]);
  EXPECT_EQ(local["sample"], insights["sample"]);
  EXPECT_EQ(insights.value("estimated", false), true);
  EXPECT_EQ(insights["stats"]["used"], local["stats"]["used"]);
}

TEST(MergeClosestRangesTest, JoinsTheShortestGapsFirst) {
  using Ranges = std::vector<std::pair<int64_t, int64_t>>;
  const Ranges r = {{0, 10}, {15, 20}, {40, 50}, {52, 60}, {100, 110}};
  EXPECT_EQ(merge_closest_ranges(r, 5), r);
  EXPECT_EQ(merge_closest_ranges(r, 9), r);
  EXPECT_EQ(merge_closest_ranges(r, 4), (Ranges{{0, 10}, {15, 20}, {40, 60}, {100, 110}}));
  EXPECT_EQ(merge_closest_ranges(r, 3), (Ranges{{0, 20}, {40, 60}, {100, 110}}));
  EXPECT_EQ(merge_closest_ranges(r, 2), (Ranges{{0, 60}, {100, 110}}));
  EXPECT_EQ(merge_closest_ranges(r, 1), (Ranges{{0, 110}}));
  EXPECT_EQ(merge_closest_ranges(r, 0), (Ranges{{0, 110}}));
  // Ties: the earlier gap first.
  EXPECT_EQ(merge_closest_ranges(Ranges{{0, 1}, {2, 3}, {4, 5}}, 2), (Ranges{{0, 3}, {4, 5}}));
  // A month of 5m/1h slices is bounded, and still covers every slice range.
  const int64_t t0 = 1795946400;
  const Ranges month =
      sample_event_ranges(t0, t0 + 30 * 86400, flowlog::SampleSpec{300, 3600}, kSampleLeadS);
  ASSERT_EQ(month.size(), 720u);
  const Ranges bounded = merge_closest_ranges(month, kInsightsMaxSampleQueries);
  ASSERT_EQ(bounded.size(), kInsightsMaxSampleQueries);
  size_t j = 0;
  for (const auto& [from, to] : month) {
    while (j < bounded.size() && bounded[j].second < to) ++j;
    ASSERT_LT(j, bounded.size());
    EXPECT_LE(bounded[j].first, from);
  }
  EXPECT_EQ(bounded.front().first, month.front().first);
  EXPECT_EQ(bounded.back().second, month.back().second);
}

TEST_F(CliSourcesTest, NoFlowLogCoversTheMountTargets) {
  ASSERT_TRUE(endpoint()
                  .patch_scenario(
                      R"({"flow_logs":{"fl-0a00000000000001":null,"fl-0b00000000000002":null}})")
                  .ok());
  int code = -1;
  run(aws_args(), &code);
  EXPECT_EQ(code, 1);
  const std::string err = stderr_text();
  EXPECT_NE(err.find("no flow log delivering to CloudWatch Logs or S3 covers"), std::string::npos)
      << err;
  EXPECT_NE(
      err.find("aws ec2 create-flow-logs --region eu-west-1 --resource-type NetworkInterface"),
      std::string::npos)
      << err;
}

}  // namespace
}  // namespace efstop::cloud
