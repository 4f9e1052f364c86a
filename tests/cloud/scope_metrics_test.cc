// The file systems' own CloudWatch metrics, and --sample, across accounts
// and regions (issues 14 and 18; docs/multi-account.md, "The file systems'
// metrics"), end to end: the efstop binary against the test endpoint playing
// the organization of tests/endpoint/scenarios/org_members.json (two member
// accounts with the SAME addresses in eu-west-1 and us-west-2, a third whose
// role cannot be assumed) and a log-archive bucket in s3rver.
//
// Built here, relative to now so that one-minute metrics are kept: four
// hours from T (a multiple of two hours). In each scope k (1: 444455556666
// eu-west-1, 2: 444455556666 us-west-2, 3: 777788889999 eu-west-1, 4:
// 777788889999 us-west-2) the app client 10.1.1.10 reads and writes a little
// every minute to fs-0k's mount target 10.1.2.100; in scope 4 it bursts in
// minutes 122..127 and a second client 10.1.1.20 (no name in the account)
// moves a steady amount. Each scope's metrics live in that member account
// and region only (the endpoint answers a call from the credentials and
// signed region it was made with): DataRead/DataWriteIOBytes 0.9 x the
// flows of the minute, PercentIOLimit 95 in minutes 60..64 and 122..127 of
// scope 4, 30 elsewhere. Flow logs: one object per scope and five minutes,
// as AWS delivers them. Every expected number is computed here from these
// inputs.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cloud/cloud_test_util.h"
#include "cloud/org_bucket_fixture.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

namespace t = efstop::testing;
using nlohmann::json;

constexpr const char* kBucket = test::kOrgBucket;
constexpr int kMinutes = 240;
constexpr int kObjectMinutes = 5;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kReadRate = 0.03;  // the default Elastic rates (docs/metrics.md)
constexpr double kWriteRate = 0.06;

struct ScopeKey {
  std::string account;
  std::string region;
  int k = 0;
};
const ScopeKey kScopes[] = {{"444455556666", "eu-west-1", 1},
                            {"444455556666", "us-west-2", 2},
                            {"777788889999", "eu-west-1", 3},
                            {"777788889999", "us-west-2", 4}};

bool burst(int k, int m) { return k == 4 && m >= 122 && m < 128; }
bool at_limit(int k, int m) { return k == 4 && ((m >= 60 && m < 65) || burst(k, m)); }
int64_t app_written(int k, int m) { return burst(k, m) ? 3000000 : 1000 * k + m; }
int64_t app_read(int k, int m) { return burst(k, m) ? 30000000 : 5000 * k + 3 * m; }
// The second client of scope 4 (10.1.1.20).
int64_t other_written(int k, int) { return k == 4 ? 2000 : 0; }
int64_t other_read(int k, int) { return k == 4 ? 20000 : 0; }

std::string app_name(const ScopeKey& s) {
  return std::string(s.account == "444455556666" ? "prod" : "analytics") + "-" +
         (s.region == "eu-west-1" ? "euw1" : "usw2") + "-app";
}
std::string fs_of(int k) { return "fs-0" + std::to_string(k) + "000000000000001"; }

std::string utc(int64_t t, const char* format) {
  char buf[40];
  const std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}
std::string iso(int64_t t) { return utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

// Two records (written, read) of one minute, logged on the mount target's
// ENI, from start to start + 50 s (one bucket).
std::string minute_records(const ScopeKey& s, const std::string& client, int port, int64_t written,
                           int64_t read, int64_t start) {
  const std::string eni = "eni-0" + std::to_string(s.k) + "f00000000000001";
  const std::string times = std::to_string(start) + " " + std::to_string(start + 50);
  return "2 " + s.account + " " + eni + " " + client + " 10.1.2.100 " + std::to_string(port) +
         " 2049 6 10 " + std::to_string(written) + " " + times + " ACCEPT OK\n" + "2 " + s.account +
         " " + eni + " 10.1.2.100 " + client + " 2049 " + std::to_string(port) + " 6 12 " +
         std::to_string(read) + " " + times + " ACCEPT OK\n";
}

class ScopeMetricsTest : public test::OrgBucketTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_org());
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    t0_ = now / 7200 * 7200 - 6 * 3600;
    ASSERT_NO_FATAL_FAILURE(load_scenario());
    for (const ScopeKey& s : kScopes) {
      for (int g = 0; g < kMinutes / kObjectMinutes; ++g) {
        std::string text;
        for (int m = g * kObjectMinutes; m < (g + 1) * kObjectMinutes; ++m) {
          const int64_t at = t0_ + 60 * m;
          text += minute_records(s, "10.1.1.10", 44000, app_written(s.k, m), app_read(s.k, m), at);
          if (other_written(s.k, m) > 0) {
            text += minute_records(s, "10.1.1.20", 45000, other_written(s.k, m), other_read(s.k, m),
                                   at);
          }
        }
        // Named by the end of its five minutes, as AWS names delivered files.
        const int64_t named = object_time(g);
        const std::string key = "AWSLogs/" + s.account + "/vpcflowlogs/" + s.region + "/" +
                                utc(named, "%Y/%m/%d/") + s.account + "_vpcflowlogs_" + s.region +
                                "_fl-0" + std::to_string(s.k) + "_" + utc(named, "%Y%m%dT%H%MZ") +
                                "_g" + std::to_string(g) + ".log.gz";
        const std::string gz = test::gzip(text);
        sizes_[{s.k, g}] = static_cast<int64_t>(gz.size());
        ASSERT_TRUE(s3_->put_object(kBucket, key, gz).ok());
      }
    }
  }
  int64_t object_time(int g) const { return t0_ + 60 * kObjectMinutes * (g + 1); }

  // Each scope's one-minute metrics in its member account and region (over
  // org_members.json, which start_org() loaded).
  void load_scenario() {
    json members = json::object();
    for (const ScopeKey& s : kScopes) {
      json metrics = json::object();
      for (int m = 0; m < kMinutes; ++m) {
        const int64_t at = t0_ + 60 * m;
        const double read = 0.9 * static_cast<double>(app_read(s.k, m) + other_read(s.k, m));
        const double written =
            0.9 * static_cast<double>(app_written(s.k, m) + other_written(s.k, m));
        metrics["DataReadIOBytes"].push_back(json::array({at, read}));
        metrics["DataWriteIOBytes"].push_back(json::array({at, written}));
        metrics["MeteredIOBytes"].push_back(json::array({at, read / 3 + written}));
        metrics["PermittedThroughput"].push_back(json::array({at, 1e9}));
        metrics["PercentIOLimit"].push_back(json::array({at, at_limit(s.k, m) ? 95.0 : 30.0}));
      }
      members[s.account][s.region]["metrics"]["AWS/EFS"][fs_of(s.k)] = metrics;
    }
    // Pages big enough for a query's whole window (240 points), so each
    // scope's metrics are one GetMetricData call.
    ASSERT_TRUE(front().patch_scenario(json{{"members", members}, {"page_size", 1000}}.dump()).ok())
        << front().server_log();
  }

  // The three member accounts (999900001111's role cannot be assumed) in
  // both regions, over the four hours, from the central bucket.
  std::string scope_args() const {
    return "--profile p --region eu-west-1 --endpoint-url " + s3_->url() + " --s3 s3://" + kBucket +
           " --start " + std::to_string(t0_) + " --end " + std::to_string(t0_ + 60 * kMinutes) +
           " --accounts 444455556666,777788889999,999900001111 --role-name efstop-org-read"
           " --regions eu-west-1,us-west-2";
  }
  static const json* find_fs(const json& report, const ScopeKey& s) {
    for (const json& fs : report["file_systems"]) {
      if (fs.value("account", "") == s.account && fs.value("region", "") == s.region) return &fs;
    }
    return nullptr;
  }

  // One file system's coverage, saturation and costs against the flows
  // and metrics written, over the minutes `judged` says are judged.
  void expect_fs(const json& fs, const ScopeKey& s, bool (*judged)(int)) {
    SCOPED_TRACE(s.account + " " + s.region);
    EXPECT_EQ(fs["id"], fs_of(s.k));
    EXPECT_EQ(fs["period_s"], 60);
    EXPECT_EQ(fs["throughput_mode"], "elastic");
    EXPECT_EQ(fs["failures"], json::array()) << fs.dump();
    int64_t flow_read = 0, flow_written = 0;
    double metric_read = 0, metric_written = 0;
    double app_usd = 0, other_usd = 0;
    int64_t app_sat = 0, other_sat = 0, app_all = 0;
    for (int m = 0; m < kMinutes; ++m) {
      if (!judged(m)) continue;
      const int64_t rd = app_read(s.k, m) + other_read(s.k, m);
      const int64_t wr = app_written(s.k, m) + other_written(s.k, m);
      flow_read += rd;
      flow_written += wr;
      metric_read += 0.9 * static_cast<double>(rd);
      metric_written += 0.9 * static_cast<double>(wr);
      // Each minute's metered charge shared by the flow shares of the minute.
      const double read_usd = 0.9 * static_cast<double>(rd) / kGiB * kReadRate;
      const double write_usd = 0.9 * static_cast<double>(wr) / kGiB * kWriteRate;
      app_usd += read_usd * static_cast<double>(app_read(s.k, m)) / static_cast<double>(rd) +
                 write_usd * static_cast<double>(app_written(s.k, m)) / static_cast<double>(wr);
      other_usd += read_usd * static_cast<double>(other_read(s.k, m)) / static_cast<double>(rd) +
                   write_usd * static_cast<double>(other_written(s.k, m)) / static_cast<double>(wr);
      app_all += app_read(s.k, m) + app_written(s.k, m);
      if (at_limit(s.k, m)) {
        app_sat += app_read(s.k, m) + app_written(s.k, m);
        other_sat += other_read(s.k, m) + other_written(s.k, m);
      }
    }
    EXPECT_EQ(fs["coverage"]["flow_read"], flow_read);
    EXPECT_EQ(fs["coverage"]["flow_written"], flow_written);
    EXPECT_NEAR(fs["coverage"]["metric_read"].get<double>(), metric_read, 1e-6 * metric_read);
    EXPECT_NEAR(fs["coverage"]["ratio_read"].get<double>(), 1 / 0.9, 1e-9);
    EXPECT_NEAR(fs["coverage"]["ratio_written"].get<double>(), 1 / 0.9, 1e-9);
    // The costs: sampled or not, the figure of the judged minutes.
    const json& cost = fs["cost"];
    ASSERT_TRUE(cost.is_object()) << fs.dump();
    const json& clients = cost["clients"];
    ASSERT_EQ(clients.size(), s.k == 4 ? 2u : 1u) << cost.dump();
    // With --sample the costs are estimates, the sampled buckets' x 12.
    const double factor = cost.contains("sampled") ? 12.0 : 1.0;
    double got_app = -1, got_other = -1, got_app_sampled = -1;
    for (const json& c : clients) {
      (c["client"] == app_name(s) ? got_app : got_other) = c["total_usd"].get<double>();
      if (c["client"] == app_name(s) && c.contains("sampled")) {
        got_app_sampled = c["sampled"]["total_usd"].get<double>();
      }
    }
    EXPECT_NEAR(got_app, factor * app_usd, 1e-12) << cost.dump();
    if (factor > 1) {
      EXPECT_NEAR(got_app_sampled, app_usd, 1e-12) << cost.dump();
    }
    if (s.k == 4) {
      EXPECT_NEAR(got_other, factor * other_usd, 1e-12) << cost.dump();
    }
    // Saturation: scope 4 only; its top client is its app, named in its account.
    if (s.k != 4) {
      EXPECT_EQ(fs["saturation"]["intervals"], json::array()) << fs.dump();
      return;
    }
    const json& top = fs["saturation"]["clients"][0];
    EXPECT_EQ(top["client"], app_name(s)) << fs["saturation"].dump();
    EXPECT_EQ(top["bytes"], app_sat);
    EXPECT_EQ(top["window_bytes"], app_all);
    EXPECT_NEAR(top["share_of_file_system"].get<double>(),
                static_cast<double>(app_sat) / static_cast<double>(app_sat + other_sat), 1e-12);
    EXPECT_NEAR(top["share_of_own_bytes"].get<double>(),
                static_cast<double>(app_sat) / static_cast<double>(app_all), 1e-12);
    EXPECT_EQ(fs["saturation"]["clients"][1]["client"], "10.1.1.20");
    EXPECT_EQ(fs["saturation"]["clients"][1]["bytes"], other_sat);
  }

  int64_t t0_ = 0;
  std::map<std::pair<int, int>, int64_t> sizes_;  // (scope k, five minutes g) -> object bytes
};

bool every_minute(int) { return true; }
// --sample 10m/2h from T (a multiple of two hours): minutes 0..9 and 120..129.
bool in_slices(int m) { return (m % 120) < 10; }

TEST_F(ScopeMetricsTest, EachScopesMetricsWithItsSessionNameTheBurstingClientWithItsAccount) {
  int code = -1;
  const std::string out = run(scope_args() + " --output json", &code);
  const std::string err = stderr_text();
  // Partial only for the account whose role cannot be assumed.
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const json report = json::parse(out, nullptr, false);
  ASSERT_TRUE(report.contains("file_systems")) << out;
  EXPECT_EQ(report["file_systems"].size(), 4u) << report["file_systems"].dump();
  ASSERT_EQ(report["failed_inputs"].size(), 1u) << report["failed_inputs"].dump();
  EXPECT_EQ(report["failed_inputs"][0]["input"], "account 999900001111");
  EXPECT_FALSE(report.contains("failed_calls")) << report["failed_calls"].dump();
  EXPECT_EQ(err.find("no file-system metrics"), std::string::npos) << err;
  for (const ScopeKey& s : kScopes) {
    const json* fs = find_fs(report, s);
    ASSERT_NE(fs, nullptr) << s.account << " " << s.region << report["file_systems"].dump();
    expect_fs(*fs, s, every_minute);
  }
  // The saturated file system: two intervals, both in scope 4.
  const json& sat = (*find_fs(report, kScopes[3]))["saturation"];
  ASSERT_EQ(sat["intervals"].size(), 2u) << sat.dump();
  EXPECT_EQ(sat["intervals"][0]["start"], iso(t0_ + 60 * 60));
  EXPECT_EQ(sat["intervals"][0]["end"], iso(t0_ + 65 * 60));
  EXPECT_EQ(sat["intervals"][1]["start"], iso(t0_ + 122 * 60));
  EXPECT_EQ(sat["intervals"][1]["end"], iso(t0_ + 128 * 60));
  // One call per scope, each signed with the scope's assumed role (one
  // key per account, serving both its regions): never the caller's key.
  EXPECT_EQ(front().count("monitoring:GetMetricData"), 4);
  Result<json> requests = front().requests();
  ASSERT_TRUE(requests.ok());
  std::set<std::string> keys;
  for (const json& r : *requests) {
    if (r.value("operation", "") != "monitoring:GetMetricData") continue;
    keys.insert(r.value("access_key_id", ""));
  }
  EXPECT_EQ(keys.size(), 2u) << requests->dump();
  EXPECT_EQ(keys.count(t::kTestAccessKeyId), 0u);
  // What the read cost (JSON "sources"): the central bucket, read once for
  // every scope, all its objects of the asked members.
  ASSERT_EQ(report["sources"].size(), 1u) << report["sources"].dump();
  const json& src = report["sources"][0];
  EXPECT_FALSE(src.contains("scope")) << src.dump();
  EXPECT_EQ(src["kind"], "s3");
  EXPECT_EQ(src["source"], std::string("s3://") + kBucket);
  int64_t all_bytes = 0;
  for (const auto& [key, size] : sizes_) all_bytes += size;
  EXPECT_EQ(src["objects_read"], static_cast<int64_t>(sizes_.size())) << src.dump();
  EXPECT_EQ(src["bytes_read"], all_bytes) << src.dump();
  EXPECT_EQ(front().count("s3:GetObject"), static_cast<int64_t>(sizes_.size()));
  EXPECT_FALSE(src.contains("sample")) << src.dump();

  // The table says which account and region each file system is in.
  const std::string table = run(scope_args() + " --quiet", &code);
  ASSERT_EQ(code, 3) << stderr_text();
  const std::string line = "file system " + fs_of(4) +
                           " (analytics-usw2-data) in account 777788889999 us-west-2, elastic";
  EXPECT_NE(table.find(line), std::string::npos) << table;
  EXPECT_NE(table.find("analytics-usw2-app moved"), std::string::npos) << table;
}

// GetMetricData denied in one scope: that scope's metrics are a failed call
// naming it (partial), the other scopes' are complete.
TEST_F(ScopeMetricsTest, MetricsCallFailedInOneScopeLeavesTheOthersWhole) {
  // One scope at a time, in plan order: the second call is 444455556666's
  // in us-west-2. Denied is not retried.
  t::Fault f;
  f.operation = "monitoring:GetMetricData";
  f.kind = t::FaultKind::kDenied;
  f.skip = 1;
  ASSERT_TRUE(front().inject_fault(f).ok());
  int code = -1;
  const std::string out =
      run(scope_args() + " --scope-concurrency 1 --output json --allow-partial", &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 0) << err << "\n" << front().server_log();
  EXPECT_EQ(front().count("monitoring:GetMetricData"), 4);
  const json report = json::parse(out, nullptr, false);
  EXPECT_TRUE(report["partial"].get<bool>());
  ASSERT_EQ(report["failed_calls"].size(), 1u) << report.dump();
  const json& call = report["failed_calls"][0];
  EXPECT_EQ(call["call"], "cloudwatch:GetMetricData");
  EXPECT_EQ(call["scope"], "account 444455556666 us-west-2");
  EXPECT_NE(call["error"].get<std::string>().find("AccessDenied"), std::string::npos)
      << call.dump();
  // The call was the member role's: that is the policy to change.
  EXPECT_TRUE(call["error"].get<std::string>().ends_with(
      "; grant cloudwatch:GetMetricData to the IAM policy of role "
      "arn:aws:iam::444455556666:role/efstop-org-read"))
      << call.dump();
  for (const ScopeKey& s : kScopes) {
    const json* fs = find_fs(report, s);
    ASSERT_NE(fs, nullptr) << report["file_systems"].dump();
    if (s.k == 2) {
      ASSERT_EQ((*fs)["failures"].size(), 1u) << fs->dump();
      EXPECT_EQ((*fs)["failures"][0]["metric"], "*");
      EXPECT_TRUE((*fs)["coverage"]["ratio_read"].is_null()) << fs->dump();
      continue;
    }
    expect_fs(*fs, s, every_minute);
  }
  EXPECT_NE(err.find("partial: metrics in account 444455556666 us-west-2: "
                     "cloudwatch:GetMetricData failed"),
            std::string::npos)
      << err;
}

// --sample 10m/2h across the scopes: each scope reads only the objects
// near the slices (the central bucket once), its rows are the slices'
// bytes x 12, and its metrics are judged in the slices only (scope 4's
// saturation at minutes 60..64 lies outside every slice: not reported).
TEST_F(ScopeMetricsTest, SampledAcrossScopes) {
  int code = -1;
  const std::string out = run(scope_args() + " --sample 10m/2h --output json", &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const json report = json::parse(out, nullptr, false);
  ASSERT_TRUE(report.contains("rows")) << out;
  // Rows: one per scope and client, the sampled bytes and their estimate.
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> want;  // sampled
  for (const ScopeKey& s : kScopes) {
    for (const std::string& client : {app_name(s), std::string("10.1.1.20")}) {
      int64_t rd = 0, wr = 0;
      for (int m = 0; m < kMinutes; ++m) {
        if (!in_slices(m)) continue;
        rd += client == "10.1.1.20" ? other_read(s.k, m) : app_read(s.k, m);
        wr += client == "10.1.1.20" ? other_written(s.k, m) : app_written(s.k, m);
      }
      if (rd + wr > 0) want[{s.account + " " + s.region, client}] = {rd, wr};
    }
  }
  ASSERT_EQ(report["rows"].size(), want.size()) << report["rows"].dump();
  for (const json& row : report["rows"]) {
    const std::string scope = row.value("account", "") + " " + row.value("region", "");
    const std::string client = row["client"].value("name", "");
    const std::string who = client.empty() ? row["client"]["ips"][0].get<std::string>() : client;
    auto it = want.find({scope, who});
    ASSERT_NE(it, want.end()) << row.dump();
    EXPECT_EQ(row["estimated"], true);
    EXPECT_EQ(row["sampled"]["bytes_read"], it->second.first) << row.dump();
    EXPECT_EQ(row["sampled"]["bytes_written"], it->second.second) << row.dump();
    EXPECT_EQ(row["bytes_read"], it->second.first * 12) << row.dump();
    EXPECT_EQ(row["bytes_written"], it->second.second * 12) << row.dump();
  }
  // The objects read: those named within 15 minutes before to 30 minutes
  // after a slice's range (the slice and the 11 minutes before it, cut at
  // the window's start): docs/sources.md, "--sample".
  int64_t objects = 0, read_bytes = 0, skipped_bytes = 0;
  for (int g = 0; g < kMinutes / kObjectMinutes; ++g) {
    const int64_t named = object_time(g);
    bool read = false;
    for (int64_t slice : {t0_, t0_ + 7200}) {
      const int64_t from = std::max(t0_, slice - 660);
      const int64_t to = slice + 600;
      read = read || (named >= from - 900 && named < to + 1800);
    }
    objects += read ? 1 : 0;
    for (const ScopeKey& s : kScopes) (read ? read_bytes : skipped_bytes) += sizes_.at({s.k, g});
  }
  EXPECT_EQ(front().count("s3:GetObject"), 4 * objects);
  EXPECT_LT(objects, kMinutes / kObjectMinutes);
  // The sample's scan cost against the whole window's, in JSON "sources".
  ASSERT_EQ(report["sources"].size(), 1u) << report["sources"].dump();
  const json& src = report["sources"][0];
  EXPECT_EQ(src["kind"], "s3");
  EXPECT_EQ(src["objects_read"], 4 * objects) << src.dump();
  EXPECT_EQ(src["bytes_read"], read_bytes) << src.dump();
  const int64_t all = 4 * (kMinutes / kObjectMinutes);
  EXPECT_EQ(src["sample"]["objects_skipped"], all - 4 * objects) << src.dump();
  EXPECT_EQ(src["sample"]["bytes_skipped"], skipped_bytes) << src.dump();
  EXPECT_EQ(src["sample"]["window_seconds"], 60 * kMinutes);
  EXPECT_EQ(src["sample"]["whole_window"]["objects"], all) << src.dump();
  EXPECT_EQ(src["sample"]["whole_window"]["bytes"], read_bytes + skipped_bytes) << src.dump();
  // The metrics, judged in the slices only.
  ASSERT_TRUE(report.contains("file_systems")) << out;
  for (const ScopeKey& s : kScopes) {
    const json* fs = find_fs(report, s);
    ASSERT_NE(fs, nullptr) << report["file_systems"].dump();
    expect_fs(*fs, s, in_slices);
    EXPECT_EQ((*fs)["saturation"]["sampled_slices"], 2) << fs->dump();
  }
  const json& sat = (*find_fs(report, kScopes[3]))["saturation"];
  ASSERT_EQ(sat["intervals"].size(), 1u) << sat.dump();
  EXPECT_EQ(sat["intervals"][0]["start"], iso(t0_ + 122 * 60));
  EXPECT_EQ(sat["saturated_slices"], 1);
}

// --sample with each scope's own flow logs (no --s3): every member's VPC
// has a flow log to a log group of its own account and region, read with
// that member's role by FilterLogEvents for the slices' ranges only. Each
// scope's rows are its slices' bytes x 12, its metrics judged in the
// slices, and JSON "sources" names each scope's read with the events it
// asked for, computed here from the events written.
TEST_F(ScopeMetricsTest, SampledPerScopeFromEachMembersLogGroup) {
  json members = json::object();
  std::map<std::string, int64_t> want_events;  // scope label -> events in the sampled ranges
  int64_t seconds = 0;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (int64_t slice : {t0_, t0_ + 7200}) {
    ranges.emplace_back(std::max(t0_, slice - 660), slice + 600);
    seconds += ranges.back().second - ranges.back().first;
  }
  for (const ScopeKey& s : kScopes) {
    const std::string group = "/vpc/flow-" + std::to_string(s.k);
    const std::string eni = "eni-0" + std::to_string(s.k) + "f00000000000001";
    json events = json::array();
    int64_t in_ranges = 0;
    for (int m = 0; m < kMinutes; ++m) {
      const int64_t at = t0_ + 60 * m;
      std::string lines =
          minute_records(s, "10.1.1.10", 44000, app_written(s.k, m), app_read(s.k, m), at);
      if (other_written(s.k, m) > 0) {
        lines +=
            minute_records(s, "10.1.1.20", 45000, other_written(s.k, m), other_read(s.k, m), at);
      }
      std::istringstream in(lines);
      for (std::string line; std::getline(in, line);) {
        events.push_back(json::array({at * 1000, line, (at + 300) * 1000}));
        for (const auto& [from, to] : ranges) {
          if (at >= from && at < to) {
            ++in_ranges;
            break;
          }
        }
      }
    }
    want_events["account " + s.account + " " + s.region] = in_ranges;
    const std::string vpc = "vpc-0" + std::to_string(s.k) + "00000000000001";
    const std::string fl = "fl-0" + std::to_string(s.k) + "c0000000000001";
    members[s.account][s.region]["flow_logs"][fl] = {
        {"CreationTime", "2026-11-01T08:00:00.000Z"},
        {"DeliverLogsStatus", "SUCCESS"},
        {"FlowLogStatus", "ACTIVE"},
        {"LogDestination", "arn:aws:logs:" + s.region + ":" + s.account + ":log-group:" + group},
        {"LogDestinationType", "cloud-watch-logs"},
        {"LogFormat",
         "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
         "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"},
        {"LogGroupName", group},
        {"MaxAggregationInterval", 60},
        {"ResourceId", vpc},
        {"TrafficType", "ALL"}};
    members[s.account][s.region]["log_groups"][group] = {{"creationTime", (t0_ - 86400) * 1000},
                                                         {"streams", {{eni + "-all", events}}}};
  }
  ASSERT_TRUE(front().patch_scenario(json{{"members", members}}.dump()).ok())
      << front().server_log();
  int code = -1;
  const std::string out =
      run("--profile p --region eu-west-1 --endpoint-url " + s3_->url() + " --start " +
              std::to_string(t0_) + " --end " + std::to_string(t0_ + 60 * kMinutes) +
              " --accounts 444455556666,777788889999,999900001111 --role-name efstop-org-read"
              " --regions eu-west-1,us-west-2 --method raw --sample 10m/2h --output json",
          &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const json report = json::parse(out, nullptr, false);
  ASSERT_TRUE(report.contains("rows")) << out;
  EXPECT_EQ(front().count("s3:GetObject"), 0);
  // Rows: the slices' bytes of each scope's clients, x 12.
  size_t rows = 0;
  for (const ScopeKey& s : kScopes) {
    for (const json& row : report["rows"]) {
      if (row.value("account", "") != s.account || row.value("region", "") != s.region) continue;
      const bool app = row["client"].value("name", "") == app_name(s);
      int64_t rd = 0, wr = 0;
      for (int m = 0; m < kMinutes; ++m) {
        if (!in_slices(m)) continue;
        rd += app ? app_read(s.k, m) : other_read(s.k, m);
        wr += app ? app_written(s.k, m) : other_written(s.k, m);
      }
      EXPECT_EQ(row["sampled"]["bytes_read"], rd) << row.dump();
      EXPECT_EQ(row["bytes_read"], 12 * rd) << row.dump();
      EXPECT_EQ(row["bytes_written"], 12 * wr) << row.dump();
      ++rows;
    }
    const json* fs = find_fs(report, s);
    ASSERT_NE(fs, nullptr) << report["file_systems"].dump();
    expect_fs(*fs, s, in_slices);
  }
  EXPECT_EQ(rows, 5u) << report["rows"].dump();
  // Each scope's own read, with its scope, and what the whole window would
  // have been.
  ASSERT_EQ(report["sources"].size(), 4u) << report["sources"].dump();
  for (const json& src : report["sources"]) {
    const std::string scope = src.value("scope", "");
    ASSERT_EQ(want_events.count(scope), 1u) << src.dump();
    EXPECT_EQ(src["kind"], "logs_raw");
    EXPECT_EQ(src["events"], want_events[scope]) << src.dump();
    EXPECT_EQ(src["sample"]["seconds_asked"], seconds) << src.dump();
    EXPECT_EQ(src["sample"]["whole_window"]["events"], want_events[scope] * 60 * kMinutes / seconds)
        << src.dump();
  }
}

}  // namespace
}  // namespace efstop::cloud
