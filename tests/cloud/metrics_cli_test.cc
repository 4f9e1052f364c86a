// Issue 14, item 4 through the binary: `efstop --region r --endpoint-url URL
// --start .. --end ..` reads the flow logs (FilterLogEvents) and the file
// systems' CloudWatch metrics (GetMetricData, botocore-checked by the test
// endpoint) and names the client behind a saturation.
//
// The scenario (built here, relative to now so one-minute metrics are kept):
// 30 minutes from T. "web" (10.20.1.11) reads 60 MB and writes 6 MB a minute
// from shared-home's mount target in eu-west-1a in minutes 10..19 (a burst),
// 1 MB / 0.1 MB the other minutes; "batch-worker" (10.20.3.13) reads 3 MB and
// writes 0.3 MB every minute from the mount target in eu-west-1c. EFS says
// (one-minute points): PercentIOLimit 95 in minutes 10..19, 30 otherwise;
// DataRead/DataWriteIOBytes 0.9 x the flow bytes of the minute;
// MetadataIOBytes meta(m), TotalIOBytes all three; ClientConnections 2 a
// minute, 3 in the burst, 7 in its minute 12; no BurstCreditBalance. Every
// expected number below is computed here from those inputs, not read from
// efstop.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

namespace t = efstop::testing;
using nlohmann::json;

constexpr char kFs[] = "fs-0a000000000000001";
constexpr char kMtA[] = "eni-0e000000000000005";  // 10.20.1.100, eu-west-1a
constexpr char kMtC[] = "eni-0e000000000000007";  // 10.20.3.100, eu-west-1c
constexpr int kMinutes = 30;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

bool burst(int m) { return m >= 10 && m < 20; }
int64_t web_read(int m) { return burst(m) ? 60000000 : 1000000; }
int64_t web_written(int m) { return burst(m) ? 6000000 : 100000; }
int64_t batch_read(int) { return 3000000; }
int64_t batch_written(int) { return 300000; }
double meta(int m) { return 100000.0 + 1000.0 * m; }
double connections(int m) { return m == 12 ? 7 : burst(m) ? 3 : 2; }

// One event of an ENI's log stream as the endpoint's scenario holds it: a
// record logged on `eni` from `start` to start + 50 s (inside its minute, so
// it falls in one bucket), ingested five minutes after it started.
json flow_event(int64_t start, const char* eni, const std::string& src, const std::string& dst,
                int sport, int dport, int64_t bytes) {
  const std::string line = "2 111122223333 " + std::string(eni) + " " + src + " " + dst + " " +
                           std::to_string(sport) + " " + std::to_string(dport) + " 6 100 " +
                           std::to_string(bytes) + " " + std::to_string(start) + " " +
                           std::to_string(start + 50) + " ACCEPT OK";
  return json::array({start * 1000, line, (start + 300) * 1000});
}

// The first line of the summary efstop writes last on stderr (after the
// progress lines and the call's own error): the first "partial: " line, or
// "" when there is none or another summary line comes before it.
std::string summary_first_line(const std::string& err) {
  const size_t at = err.find("\npartial: ");
  if (at == std::string::npos) return "";
  const size_t window = err.find("\nwindow: ");
  if (window != std::string::npos && window < at) return "";
  return err.substr(at + 1, err.find('\n', at + 1) - at - 1);
}

class MetricsCliTest : public t::EndpointTest {
 protected:
  void SetUp() override {
    t::EndpointTest::SetUp();
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    t0_ = now / 3600 * 3600 - 7200;
    // One record per direction and minute, logged on the mount target's ENI,
    // inside its minute (start + 50 s), so each falls in one bucket.
    json streams = json::object();
    const auto record = [&](const char* eni, const std::string& src, const std::string& dst,
                            int sport, int dport, int64_t bytes, int m) {
      streams[std::string(eni) + "-all"].push_back(
          flow_event(t0_ + 60 * m, eni, src, dst, sport, dport, bytes));
    };
    json metrics = json::object();
    for (int m = 0; m < kMinutes; ++m) {
      record(kMtA, "10.20.1.11", "10.20.1.100", 50000, 2049, web_written(m), m);
      record(kMtA, "10.20.1.100", "10.20.1.11", 2049, 50000, web_read(m), m);
      record(kMtC, "10.20.3.13", "10.20.3.100", 50001, 2049, batch_written(m), m);
      record(kMtC, "10.20.3.100", "10.20.3.13", 2049, 50001, batch_read(m), m);
      const int64_t at = t0_ + 60 * m;
      const double read = 0.9 * static_cast<double>(web_read(m) + batch_read(m));
      const double written = 0.9 * static_cast<double>(web_written(m) + batch_written(m));
      metrics["DataReadIOBytes"].push_back(json::array({at, read}));
      metrics["DataWriteIOBytes"].push_back(json::array({at, written}));
      metrics["MeteredIOBytes"].push_back(json::array({at, read / 3 + written}));
      metrics["MetadataIOBytes"].push_back(json::array({at, meta(m)}));
      metrics["TotalIOBytes"].push_back(json::array({at, read + written + meta(m)}));
      metrics["ClientConnections"].push_back(json::array({at, connections(m)}));
      metrics["PermittedThroughput"].push_back(json::array({at, 1e9}));
      metrics["PercentIOLimit"].push_back(json::array({at, burst(m) ? 95.0 : 30.0}));
    }
    ASSERT_TRUE(
        endpoint()
            .patch_scenario(R"({"log_groups": {"/efstop/vpc-flow-logs": {"streams": null}}})")
            .ok());
    json patch = {{"log_groups", {{"/efstop/vpc-flow-logs", {{"streams", streams}}}}},
                  {"metrics", {{"AWS/EFS", {{kFs, metrics}}}}}};
    ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok()) << endpoint().server_log();
  }

  std::string run(const std::string& args, int* code) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(t::kTestAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + t::kTestSecretAccessKey + " " +
                            EFSTOP_BINARY_DIR + "/efstop " + args + " 2>" + err_path();
    return t::run_shell(cmd, code);
  }
  std::string err_path() { return env().home() + "/stderr.txt"; }
  std::string stderr_text() {
    std::ifstream in(err_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string window() const {
    return " --start " + std::to_string(t0_) + " --end " + std::to_string(t0_ + 60 * kMinutes);
  }
  std::string aws_args() {
    return "--region " + std::string(t::kTestRegion) + " --endpoint-url " + endpoint().url() +
           " --method raw" + window();
  }
  static std::string iso(int64_t t) {
    char buf[32];
    const std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }
  static std::string hhmm(int64_t t) { return iso(t).substr(11, 5); }

  int64_t t0_ = 0;
};

TEST_F(MetricsCliTest, NamesTheClientBehindTheSaturationWithItsShareAndCost) {
  int code = -1;
  const std::string out =
      run("--output json --efs-read-rate 0.04 --efs-write-rate 0.08 " + aws_args(), &code);
  ASSERT_EQ(code, 0) << stderr_text();
  const json report = json::parse(out, nullptr, false);
  ASSERT_TRUE(report.contains("file_systems")) << out;
  ASSERT_EQ(report["file_systems"].size(), 1u) << report["file_systems"].dump();
  const json& fs = report["file_systems"][0];
  EXPECT_EQ(fs["id"], kFs);
  EXPECT_EQ(fs["name"], "shared-home");
  EXPECT_EQ(fs["throughput_mode"], "elastic");
  EXPECT_EQ(fs["period_s"], 60);
  EXPECT_EQ(fs["failures"], json::array());
  EXPECT_EQ(report["partial"], false);

  // Saturation: minutes 10..19, one interval.
  ASSERT_EQ(fs["saturation"]["intervals"].size(), 1u);
  EXPECT_EQ(fs["saturation"]["intervals"][0]["start"], iso(t0_ + 600));
  EXPECT_EQ(fs["saturation"]["intervals"][0]["end"], iso(t0_ + 1200));
  EXPECT_EQ(fs["saturation"]["intervals"][0]["reasons"], json::array({"percent_io_limit"}));
  EXPECT_EQ(fs["saturation"]["buckets"], 10);
  int64_t web_sat = 0, web_all = 0, batch_sat = 0;
  for (int m = 0; m < kMinutes; ++m) {
    web_all += web_read(m) + web_written(m);
    if (burst(m)) {
      web_sat += web_read(m) + web_written(m);
      batch_sat += batch_read(m) + batch_written(m);
    }
  }
  const json& top = fs["saturation"]["clients"][0];
  EXPECT_EQ(top["client"], "web");
  EXPECT_EQ(top["bytes"], web_sat);
  EXPECT_EQ(top["window_bytes"], web_all);
  EXPECT_NEAR(top["share_of_file_system"].get<double>(),
              static_cast<double>(web_sat) / static_cast<double>(web_sat + batch_sat), 1e-12);
  EXPECT_NEAR(top["share_of_own_bytes"].get<double>(),
              static_cast<double>(web_sat) / static_cast<double>(web_all), 1e-12);
  EXPECT_EQ(fs["saturation"]["clients"][1]["client"], "batch-worker");
  EXPECT_EQ(fs["saturation"]["clients"][1]["bytes"], batch_sat);

  // Coverage: flows / (0.9 x flows) in both directions.
  EXPECT_NEAR(fs["coverage"]["ratio_read"].get<double>(), 1 / 0.9, 1e-9);
  EXPECT_NEAR(fs["coverage"]["ratio_written"].get<double>(), 1 / 0.9, 1e-9);
  EXPECT_EQ(fs["coverage"]["low_read"], false);

  // Cost: each minute's metric bytes split by the flow shares, at the rates given.
  double web_usd = 0, batch_usd = 0, total_usd = 0;
  for (int m = 0; m < kMinutes; ++m) {
    const double rd = static_cast<double>(web_read(m) + batch_read(m));
    const double wr = static_cast<double>(web_written(m) + batch_written(m));
    const double read_usd = 0.9 * rd / kGiB * 0.04, write_usd = 0.9 * wr / kGiB * 0.08;
    total_usd += read_usd + write_usd;
    web_usd += read_usd * web_read(m) / rd + write_usd * web_written(m) / wr;
    batch_usd += read_usd * batch_read(m) / rd + write_usd * batch_written(m) / wr;
  }
  EXPECT_NEAR(fs["cost"]["read_usd"].get<double>() + fs["cost"]["write_usd"].get<double>(),
              total_usd, 1e-12);
  EXPECT_NEAR(fs["cost"]["unattributed_usd"].get<double>(), 0.0, 1e-15);
  EXPECT_EQ(fs["cost"]["clients"][0]["client"], "web");
  EXPECT_NEAR(fs["cost"]["clients"][0]["total_usd"].get<double>(), web_usd, 1e-12);
  EXPECT_NEAR(fs["cost"]["clients"][1]["total_usd"].get<double>(), batch_usd, 1e-12);
  EXPECT_EQ(report["efs_rates"]["read_usd_per_gib"], 0.04);
  EXPECT_GE(endpoint().count("monitoring:GetMetricData"), 1);

  // The table says it in one sentence under the rows.
  const std::string table = run("--efs-read-rate 0.04 " + aws_args(), &code);
  ASSERT_EQ(code, 0) << stderr_text();
  const int web_fs = static_cast<int>(
      std::floor(100.0 * web_sat / static_cast<double>(web_sat + batch_sat) + 0.5));
  const int web_own = static_cast<int>(std::floor(100.0 * web_sat / web_all + 0.5));
  const std::string sentence = std::string(kFs) + " (shared-home) was at its limit " +
                               iso(t0_ + 600).substr(0, 10) + " " + hhmm(t0_ + 600) + "\u2013" +
                               hhmm(t0_ + 1200) + " UTC; web moved " + std::to_string(web_fs) +
                               " % of the flow bytes to and from it then (" +
                               std::to_string(web_own) + " % of its own bytes in the window)";
  EXPECT_NE(table.find(sentence), std::string::npos) << sentence << "\n" << table;
}

TEST_F(MetricsCliTest, CarriesEveryMetricPerBucketWithNullWhereNoDataPoint) {
  int code = -1;
  const json report = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const json& m = report["file_systems"][0]["metrics"];
  EXPECT_EQ(m["bucket_s"], 60);
  EXPECT_EQ(m["start"], iso(t0_));
  json limit = json::array(), percent = json::array(), read = json::array(),
       written = json::array(), metadata = json::array(), total = json::array(),
       metered = json::array(), credits = json::array(), conn = json::array();
  for (int i = 0; i < kMinutes; ++i) {
    const double rd = 0.9 * static_cast<double>(web_read(i) + batch_read(i));
    const double wr = 0.9 * static_cast<double>(web_written(i) + batch_written(i));
    limit.push_back(1e9);
    percent.push_back(burst(i) ? 95.0 : 30.0);
    read.push_back(rd);
    written.push_back(wr);
    metadata.push_back(meta(i));
    total.push_back(rd + wr + meta(i));
    metered.push_back(rd / 3 + wr);
    credits.push_back(nullptr);  // no data point: null, never 0
    conn.push_back(connections(i));
  }
  EXPECT_EQ(m["throughput_limit_bytes_per_s"], limit);
  EXPECT_EQ(m["percent_io_limit"], percent);
  EXPECT_EQ(m["data_read_io_bytes"], read);
  EXPECT_EQ(m["data_write_io_bytes"], written);
  EXPECT_EQ(m["metadata_io_bytes"], metadata);
  EXPECT_EQ(m["total_io_bytes"], total);
  EXPECT_EQ(m["metered_io_bytes"], metered);
  EXPECT_EQ(m["burst_credit_balance"], credits);
  EXPECT_EQ(m["client_connections"], conn);
  EXPECT_EQ(m["sources"]["throughput_limit_bytes_per_s"],
            (json{{"metric", "PermittedThroughput"}, {"stat", "Minimum"}}));
}

TEST_F(MetricsCliTest, ConnectionsAgainstClientsSeenAndTheMetadataShare) {
  // Five-minute buckets: a bucket's ClientConnections Sum over its five
  // one-minute points, divided by five, is its average.
  int code = -1;
  const json report =
      json::parse(run("--output json --bucket 5m " + aws_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const json& fs = report["file_systems"][0];
  double peak = 0, meta_sum = 0, total_sum = 0;
  for (int b = 0; b < kMinutes / 5; ++b) {
    double sum = 0;
    for (int i = 5 * b; i < 5 * b + 5; ++i) sum += connections(i);
    peak = std::max(peak, sum / 5);
  }
  for (int i = 0; i < kMinutes; ++i) {
    meta_sum += meta(i);
    total_sum +=
        0.9 * static_cast<double>(web_read(i) + batch_read(i) + web_written(i) + batch_written(i)) +
        meta(i);
  }
  EXPECT_NEAR(fs["connections"]["peak"].get<double>(), peak, 1e-9);
  EXPECT_EQ(fs["connections"]["flow_clients"], 2);  // web and batch-worker
  EXPECT_NEAR(fs["metadata"]["metadata_io_bytes"].get<double>(), meta_sum, 1e-6);
  EXPECT_NEAR(fs["metadata"]["total_io_bytes"].get<double>(), total_sum, 1e-3);
  EXPECT_NEAR(fs["metadata"]["share"].get<double>(), meta_sum / total_sum, 1e-12);

  // The table's summary line: peak with one decimal, share in whole percent.
  const std::string table = run("--bucket 5m " + aws_args(), &code);
  ASSERT_EQ(code, 0) << stderr_text();
  char peak_text[16];
  std::snprintf(peak_text, sizeof peak_text, "%.1f", peak);
  const std::string line =
      "clients: 2 in the flows, at most " + std::string(peak_text) +
      " connected (ClientConnections, busiest bucket); metadata " +
      std::to_string(static_cast<int>(std::floor(100.0 * meta_sum / total_sum + 0.5))) +
      " % of IO (MetadataIOBytes / TotalIOBytes)";
  EXPECT_NE(table.find(line), std::string::npos) << line << "\n" << table;
}

TEST_F(MetricsCliTest, MissingFlowsOfAMountTargetWarn) {
  // The busy mount target's flow log stream is gone: EFS still counted its bytes.
  ASSERT_TRUE(endpoint()
                  .patch_scenario(json{{"log_groups",
                                        {{"/efstop/vpc-flow-logs",
                                          {{"streams", {{std::string(kMtA) + "-all", nullptr}}}}}}}}
                                      .dump())
                  .ok());
  int code = -1;
  const std::string table = run(aws_args(), &code);
  ASSERT_EQ(code, 0) << stderr_text();
  EXPECT_NE(table.find("warning: the flow logs saw far fewer bytes than EFS counted (read, "
                       "written)"),
            std::string::npos)
      << table;
  const json report = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  const json& cov = report["file_systems"][0]["coverage"];
  int64_t batch_rd = 0, all_rd = 0;
  for (int m = 0; m < kMinutes; ++m) {
    batch_rd += batch_read(m);
    all_rd += batch_read(m) + web_read(m);
  }
  EXPECT_EQ(cov["flow_read"], batch_rd);
  EXPECT_NEAR(cov["ratio_read"].get<double>(), batch_rd / (0.9 * all_rd), 1e-9);
  EXPECT_EQ(cov["low_read"], true);
}

TEST_F(MetricsCliTest, NoMetricsMakesNoCall) {
  int code = -1;
  const json report =
      json::parse(run("--output json --no-metrics " + aws_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  EXPECT_FALSE(report.contains("file_systems"));
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData"), 0);
  // --metrics says it explicitly (the default here).
  const json with =
      json::parse(run("--output json --metrics " + aws_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  EXPECT_TRUE(with.contains("file_systems"));
  EXPECT_EQ(with["rows"], report["rows"]);
}

TEST_F(MetricsCliTest, ADeniedCallIsReportedAsItselfAndThePartIsPartial) {
  ASSERT_TRUE(endpoint().deny_actions({"cloudwatch:GetMetricData"}).ok());
  int code = -1;
  const json report = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  EXPECT_EQ(code, 3) << stderr_text();
  const std::string err = stderr_text();
  EXPECT_NE(err.find("efstop: get-metric-data eu-west-1: AccessDenied"), std::string::npos) << err;
  EXPECT_NE(err.find("cloudwatch:GetMetricData"), std::string::npos) << err;
  // The summary's first line says the call failed, once (not per file system).
  EXPECT_EQ(summary_first_line(err).rfind(
                "partial: metrics: cloudwatch:GetMetricData failed; no coverage, saturation or "
                "cost is drawn without it: get-metric-data eu-west-1: AccessDenied",
                0),
            0u)
      << err;
  EXPECT_EQ(err.find("partial: metrics of "), std::string::npos) << err;
  EXPECT_EQ(report["partial"], true);
  ASSERT_EQ(report["failed_calls"].size(), 1u) << report.dump();
  EXPECT_EQ(report["failed_calls"][0]["call"], "cloudwatch:GetMetricData");
  EXPECT_FALSE(report["failed_calls"][0].contains("scope"));
  ASSERT_FALSE(report["rows"].empty());  // the flows still stand
  const json& fs = report["file_systems"][0];
  EXPECT_EQ(fs["failures"][0]["metric"], "*");
  EXPECT_EQ(fs["saturation"]["intervals"], json::array());
  EXPECT_EQ(fs["cost"], nullptr);
  EXPECT_EQ(fs["coverage"]["ratio_read"], nullptr);
  run("--allow-partial " + aws_args(), &code);
  EXPECT_EQ(code, 0) << stderr_text();
}

// A call that fails after its retries (throttled on every attempt) is a
// failed input as a failed naming call is: JSON partial with the call in
// failed_calls (its error in words, with the attempts), the summary says so
// first, exit 3 (0 with --allow-partial); the rows are those of a run without
// the fault, and no conclusion is drawn from metrics not read.
TEST_F(MetricsCliTest, ACallFailedAfterItsRetriesIsAFailedCallAndExit3) {
  int code = -1;
  const json whole = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const int64_t calls = endpoint().count("monitoring:GetMetricData");
  ASSERT_GT(calls, 0);
  // Armed for every request from here on (reset() would drop the scenario).
  ASSERT_TRUE(endpoint()
                  .inject_fault({.operation = "monitoring:GetMetricData",
                                 .kind = t::FaultKind::kThrottle,
                                 .count = 1000})
                  .ok());
  const json report = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  EXPECT_EQ(code, 3) << stderr_text();
  // The first call's 3 attempts (the default retry mode), then no other.
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData") - calls, 3);
  EXPECT_EQ(report["partial"], true);
  EXPECT_EQ(report["failed_inputs"], json::array());
  ASSERT_EQ(report["failed_calls"].size(), 1u) << report.dump();
  const json& call = report["failed_calls"][0];
  EXPECT_EQ(call["call"], "cloudwatch:GetMetricData");
  EXPECT_EQ(call["error"].get<std::string>().find("get-metric-data eu-west-1: throttled after 3 "
                                                  "attempts: Throttling"),
            0u)
      << call;
  EXPECT_EQ(report["rows"], whole["rows"]);  // the flows stand
  const json& fs = report["file_systems"][0];
  EXPECT_EQ(fs["failures"][0]["metric"], "*");
  EXPECT_EQ(fs["saturation"]["intervals"], json::array());
  EXPECT_EQ(fs["cost"], nullptr);
  EXPECT_EQ(fs["coverage"]["ratio_read"], nullptr);
  EXPECT_EQ(summary_first_line(stderr_text())
                .rfind("partial: metrics: cloudwatch:GetMetricData failed", 0),
            0u)
      << stderr_text();
  // The table: the same first line; --allow-partial turns 3 into 0.
  run("--allow-partial " + aws_args(), &code);
  EXPECT_EQ(code, 0) << stderr_text();
  EXPECT_EQ(summary_first_line(stderr_text())
                .rfind("partial: metrics: cloudwatch:GetMetricData failed", 0),
            0u)
      << stderr_text();
}

// SIGINT while GetMetricData is held open (the flows already read): exit
// 130, and the report written is not whole: partial, the metrics left out,
// the call listed as interrupted (it was printed whole, unmarked). Found by
// the fault matrix's metrics row.
TEST_F(MetricsCliTest, AStopSignalDuringTheMetricsLeavesThemOutAndMarksTheReport) {
  ASSERT_TRUE(endpoint()
                  .inject_fault({.operation = "monitoring:GetMetricData",
                                 .kind = t::FaultKind::kSlow,
                                 .count = 1000,
                                 .delay_ms = 1500})
                  .ok());
  const std::string out_path = env().home() + "/out.json";
  const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(t::kTestAccessKeyId) +
                          " AWS_SECRET_ACCESS_KEY=" + t::kTestSecretAccessKey + " exec " +
                          EFSTOP_BINARY_DIR + "/efstop --output json " + aws_args() + " >" +
                          out_path + " 2>" + err_path();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 600 && endpoint().count("monitoring:GetMetricData") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(endpoint().count("monitoring:GetMetricData"), 0) << stderr_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << stderr_text();
  EXPECT_EQ(WEXITSTATUS(status), 130) << stderr_text();
  const json report = json::parse(t::read_file_or_empty(out_path), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << stderr_text();
  EXPECT_EQ(report["partial"], true);
  EXPECT_FALSE(report.contains("file_systems"));
  ASSERT_EQ(report["failed_calls"].size(), 1u) << report.dump();
  EXPECT_EQ(report["failed_calls"][0]["call"], "cloudwatch:GetMetricData");
  EXPECT_EQ(report["failed_calls"][0]["error"],
            "interrupted by SIGINT: the file systems' metrics are left out");
  EXPECT_FALSE(report["rows"].empty());  // the flows, read before the signal
  EXPECT_NE(stderr_text().find("efstop: stopped by SIGINT"), std::string::npos) << stderr_text();
}

TEST_F(MetricsCliTest, AFailedMetricIsNotAZero) {
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(
              json{{"metric_status", {{kFs, {{"PercentIOLimit", "InternalError"}}}}}}.dump())
          .ok());
  int code = -1;
  const json report = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  EXPECT_EQ(code, 3) << stderr_text();
  const json& fs = report["file_systems"][0];
  ASSERT_EQ(fs["failures"].size(), 1u);
  EXPECT_EQ(fs["failures"][0]["metric"], "PercentIOLimit");
  EXPECT_EQ(fs["failures"][0]["status"], "InternalError");
  // Without PercentIOLimit nothing says the limit was reached (throughput
  // stayed far below PermittedThroughput): no interval, and it is not
  // claimed the file system never was: the table says what was not read.
  EXPECT_EQ(fs["saturation"]["intervals"], json::array());
  // Its series is null as a whole (not answered), the others are there.
  EXPECT_EQ(fs["metrics"]["percent_io_limit"], nullptr);
  EXPECT_EQ(fs["metrics"]["throughput_limit_bytes_per_s"].size(), static_cast<size_t>(kMinutes));
  const std::string table = run(aws_args(), &code);
  EXPECT_NE(table.find("not read: PercentIOLimit (InternalError)"), std::string::npos) << table;
  EXPECT_EQ(table.find("never at its limit"), std::string::npos) << table;
}

// CloudWatch answers every query, with no data point at all (the file
// system's metrics are not in this account and region): nothing was
// measured, so nothing is concluded: no "never at its limit", but what was
// returned and what that can mean. Then points of no limit test, then limit
// points in some periods only.
TEST_F(MetricsCliTest, NoDatapointsAtAllIsSaidNotJudged) {
  ASSERT_TRUE(
      endpoint().patch_scenario(json{{"metrics", {{"AWS/EFS", {{kFs, nullptr}}}}}}.dump()).ok());
  int code = -1;
  const json report = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  EXPECT_EQ(code, 0) << stderr_text();
  const json& fs = report["file_systems"][0];
  EXPECT_EQ(fs["failures"], json::array()) << fs.dump();
  EXPECT_EQ(fs["datapoints"], 0) << fs.dump();
  EXPECT_EQ(fs["saturation"]["intervals"], json::array());
  EXPECT_TRUE(fs["coverage"]["ratio_read"].is_null()) << fs.dump();
  const std::string table = run(aws_args(), &code);
  EXPECT_EQ(code, 0) << stderr_text();
  EXPECT_NE(table.find("\n  no datapoints: CloudWatch returned none for its metrics in the "
                       "window, so nothing is judged (no I/O then, metrics not yet published, "
                       "or not the file system's region)\n"),
            std::string::npos)
      << table;
  EXPECT_EQ(table.find("never at its limit"), std::string::npos) << table;

  // Points, but none a limit test reads (ClientConnections only): no
  // verdict either.
  json connections = json::array();
  for (int m = 0; m < kMinutes; ++m) connections.push_back(json::array({t0_ + 60 * m, 3.0}));
  ASSERT_TRUE(endpoint()
                  .patch_scenario(json{{"metrics",
                                        {{"AWS/EFS", {{kFs, {{"ClientConnections", connections}}}}}}}}
                                      .dump())
                  .ok());
  const json only = json::parse(run("--output json " + aws_args(), &code), nullptr, false);
  EXPECT_EQ(code, 0) << stderr_text();
  const json& ofs = only["file_systems"][0];
  EXPECT_EQ(ofs["period_s"], 60) << ofs.dump();
  EXPECT_EQ(ofs["datapoints"], kMinutes) << ofs.dump();
  EXPECT_EQ(ofs["saturation"]["compared_buckets"], kMinutes) << ofs.dump();
  EXPECT_EQ(ofs["saturation"]["judged_buckets"], 0) << ofs.dump();
  const std::string only_table = run(aws_args(), &code);
  EXPECT_NE(only_table.find("\n  limit not judged: CloudWatch returned no PercentIOLimit, no "
                            "MeteredIOBytes with PermittedThroughput and no two "
                            "BurstCreditBalance points in a row in the window\n"),
            std::string::npos)
      << only_table;
  EXPECT_EQ(only_table.find("never at its limit"), std::string::npos) << only_table;

  // PercentIOLimit (30, below the limit) in the first 12 minutes only: a
  // verdict over those 12 periods, which the line says.
  json percent = json::array();
  for (int m = 0; m < 12; ++m) percent.push_back(json::array({t0_ + 60 * m, 30.0}));
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(
              json{{"metrics", {{"AWS/EFS", {{kFs, {{"PercentIOLimit", percent}}}}}}}}.dump())
          .ok());
  const std::string part_table = run(aws_args(), &code);
  EXPECT_EQ(code, 0) << stderr_text();
  EXPECT_NE(part_table.find("\n  never at its limit in the window (judged in 12 of " +
                            std::to_string(kMinutes) +
                            " periods; the others had no limit data)\n"),
            std::string::npos)
      << part_table;
}

TEST_F(MetricsCliTest, MetricsNeedTheFlowLogsFromAws) {
  int code = -1;
  run("--metrics " + env().home() + "/none.log", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("--metrics"), std::string::npos) << stderr_text();
}

// --sample with metrics (docs/metrics.md, "With --sample"): three hours
// from T sampled 10m/1h, so the slices are minutes 0-9, 60-69 and 120-129.
// "web" bursts (50 MB read, 5 MB written a minute) in minutes 30-39, outside
// every slice, and 63-66, inside the second; "batch-worker" moves 3 MB /
// 0.3 MB every minute. EFS says PercentIOLimit 95 in both bursts (30
// otherwise) and counts 0.8 x the flow bytes in the slices' minutes but 2 x
// outside them, so a comparison against the whole window would show. Only
// the saturation inside the slice may be reported; every expected number is
// computed here from those inputs.
class MetricsSampleCliTest : public MetricsCliTest {
 protected:
  static constexpr int kSampleMinutes = 180;
  static bool in_slice(int m) { return m % 60 < 10; }
  static bool web_burst(int m) { return (m >= 30 && m < 40) || (m >= 63 && m < 67); }
  static int64_t s_web_read(int m) { return web_burst(m) ? 50000000 : 1000000; }
  static int64_t s_web_written(int m) { return web_burst(m) ? 5000000 : 100000; }
  static double metric_factor(int m) { return in_slice(m) ? 0.8 : 2.0; }

  void SetUp() override {
    t::EndpointTest::SetUp();  // not MetricsCliTest's scenario: this one
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    t0_ = now / 3600 * 3600 - 4 * 3600;
    json streams = json::object();
    const auto record = [&](const char* eni, const std::string& src, const std::string& dst,
                            int sport, int dport, int64_t bytes, int m) {
      streams[std::string(eni) + "-all"].push_back(
          flow_event(t0_ + 60 * m, eni, src, dst, sport, dport, bytes));
    };
    json metrics = json::object();
    for (int m = 0; m < kSampleMinutes; ++m) {
      record(kMtA, "10.20.1.11", "10.20.1.100", 50000, 2049, s_web_written(m), m);
      record(kMtA, "10.20.1.100", "10.20.1.11", 2049, 50000, s_web_read(m), m);
      record(kMtC, "10.20.3.13", "10.20.3.100", 50001, 2049, batch_written(m), m);
      record(kMtC, "10.20.3.100", "10.20.3.13", 2049, 50001, batch_read(m), m);
      const int64_t at = t0_ + 60 * m;
      const double read = metric_factor(m) * static_cast<double>(s_web_read(m) + batch_read(m));
      const double written =
          metric_factor(m) * static_cast<double>(s_web_written(m) + batch_written(m));
      metrics["DataReadIOBytes"].push_back(json::array({at, read}));
      metrics["DataWriteIOBytes"].push_back(json::array({at, written}));
      metrics["MeteredIOBytes"].push_back(json::array({at, read / 3 + written}));
      metrics["TotalIOBytes"].push_back(json::array({at, read + written}));
      metrics["PermittedThroughput"].push_back(json::array({at, 1e9}));
      metrics["PercentIOLimit"].push_back(json::array({at, web_burst(m) ? 95.0 : 30.0}));
    }
    ASSERT_TRUE(
        endpoint()
            .patch_scenario(R"({"log_groups": {"/efstop/vpc-flow-logs": {"streams": null}}})")
            .ok());
    streams_ = streams;
    // Pages big enough for a query's whole window (180 points), so a
    // GetMetricData request is a call, not a page of one.
    json patch = {{"log_groups", {{"/efstop/vpc-flow-logs", {{"streams", streams}}}}},
                  {"metrics", {{"AWS/EFS", {{kFs, metrics}}}}},
                  {"page_size", 1000}};
    ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok()) << endpoint().server_log();
  }

  std::string sample_args(const std::string& method) {
    return "--region " + std::string(t::kTestRegion) + " --endpoint-url " + endpoint().url() +
           " --method " + method + " --sample 10m/1h --start " + std::to_string(t0_) + " --end " +
           std::to_string(t0_ + 60 * kSampleMinutes);
  }

  // The events of the time ranges a sampled read asks for (docs/sources.md,
  // "--sample": each slice and the 11 minutes before it, cut at the
  // window's start), and the UTF-8 bytes of their messages.
  void sampled_events(int64_t* events, int64_t* bytes, int64_t* seconds) const {
    *events = *bytes = *seconds = 0;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (int64_t slice = t0_; slice < t0_ + 60 * kSampleMinutes; slice += 3600) {
      ranges.emplace_back(std::max(t0_, slice - 660), slice + 600);
      *seconds += ranges.back().second - ranges.back().first;
    }
    for (const auto& [stream, list] : streams_.items()) {
      for (const json& e : list) {
        const int64_t t = e[0].get<int64_t>() / 1000;
        for (const auto& [from, to] : ranges) {
          if (t >= from && t < to) {
            ++*events;
            *bytes += static_cast<int64_t>(e[1].get<std::string>().size());
            break;
          }
        }
      }
    }
  }

  json streams_;
};

TEST_F(MetricsSampleCliTest, JudgesOnlyTheSlicesAndScalesTheCosts) {
  int code = -1;
  const std::string out =
      run("--output json --efs-read-rate 0.04 --efs-write-rate 0.08 " + sample_args("raw"), &code);
  ASSERT_EQ(code, 0) << stderr_text();
  const json report = json::parse(out, nullptr, false);
  ASSERT_TRUE(report.contains("file_systems")) << out;
  ASSERT_EQ(report["file_systems"].size(), 1u);
  const json& fs = report["file_systems"][0];
  EXPECT_EQ(fs["period_s"], 60);
  EXPECT_EQ(fs["failures"], json::array());
  // One GetMetricData call over the window, not one per slice
  // (docs/metrics.md, "With --sample").
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData"), 1);

  // The metric series: the points outside the slices are dropped (null).
  const json& percent = fs["metrics"]["percent_io_limit"];
  ASSERT_EQ(percent.size(), static_cast<size_t>(kSampleMinutes));
  for (int m = 0; m < kSampleMinutes; ++m) {
    if (in_slice(m)) {
      EXPECT_EQ(percent[m], web_burst(m) ? 95.0 : 30.0) << m;
    } else {
      EXPECT_EQ(percent[m], nullptr) << m;
    }
  }

  // Coverage: the slices' flow bytes against the slices' metric bytes.
  int64_t flow_rd = 0, flow_wr = 0;
  double metric_rd = 0, metric_wr = 0;
  for (int m = 0; m < kSampleMinutes; ++m) {
    if (!in_slice(m)) continue;
    flow_rd += s_web_read(m) + batch_read(m);
    flow_wr += s_web_written(m) + batch_written(m);
    metric_rd += metric_factor(m) * static_cast<double>(s_web_read(m) + batch_read(m));
    metric_wr += metric_factor(m) * static_cast<double>(s_web_written(m) + batch_written(m));
  }
  EXPECT_EQ(fs["coverage"]["flow_read"], flow_rd);
  EXPECT_EQ(fs["coverage"]["flow_written"], flow_wr);
  EXPECT_NEAR(fs["coverage"]["metric_read"].get<double>(), metric_rd, 1e-3);
  EXPECT_NEAR(fs["coverage"]["ratio_read"].get<double>(), flow_rd / metric_rd, 1e-12);
  EXPECT_NEAR(fs["coverage"]["ratio_written"].get<double>(), flow_wr / metric_wr, 1e-12);

  // Saturation: minutes 63-66 only (30-39 lies outside every slice).
  const json& sat = fs["saturation"];
  ASSERT_EQ(sat["intervals"].size(), 1u) << sat.dump();
  EXPECT_EQ(sat["intervals"][0]["start"], iso(t0_ + 63 * 60));
  EXPECT_EQ(sat["intervals"][0]["end"], iso(t0_ + 67 * 60));
  EXPECT_EQ(sat["buckets"], 4);
  EXPECT_EQ(sat["sampled_slices"], 3);
  EXPECT_EQ(sat["saturated_slices"], 1);
  int64_t web_sat = 0, batch_sat = 0, web_sampled = 0;
  for (int m = 0; m < kSampleMinutes; ++m) {
    if (!in_slice(m)) continue;
    web_sampled += s_web_read(m) + s_web_written(m);
    if (web_burst(m)) {
      web_sat += s_web_read(m) + s_web_written(m);
      batch_sat += batch_read(m) + batch_written(m);
    }
  }
  const json& top = sat["clients"][0];
  EXPECT_EQ(top["client"], "web");
  EXPECT_EQ(top["bytes"], web_sat);
  EXPECT_EQ(top["window_bytes"], web_sampled);
  EXPECT_NEAR(top["share_of_file_system"].get<double>(),
              static_cast<double>(web_sat) / static_cast<double>(web_sat + batch_sat), 1e-12);
  EXPECT_EQ(sat["clients"][1]["bytes"], batch_sat);

  // Cost: each sampled minute's metric bytes split by flow shares, then
  // x 60 / 10 like the rows' bytes; the sampled figures kept.
  double web_usd = 0, batch_usd = 0, total_usd = 0;
  for (int m = 0; m < kSampleMinutes; ++m) {
    if (!in_slice(m)) continue;
    const double rd = static_cast<double>(s_web_read(m) + batch_read(m));
    const double wr = static_cast<double>(s_web_written(m) + batch_written(m));
    const double read_usd = 0.8 * rd / kGiB * 0.04, write_usd = 0.8 * wr / kGiB * 0.08;
    total_usd += read_usd + write_usd;
    web_usd += read_usd * s_web_read(m) / rd + write_usd * s_web_written(m) / wr;
    batch_usd += read_usd * batch_read(m) / rd + write_usd * batch_written(m) / wr;
  }
  const json& cost = fs["cost"];
  EXPECT_EQ(cost["estimated"], true);
  EXPECT_NEAR(cost["read_usd"].get<double>() + cost["write_usd"].get<double>(), 6 * total_usd,
              1e-12);
  EXPECT_NEAR(
      cost["sampled"]["read_usd"].get<double>() + cost["sampled"]["write_usd"].get<double>(),
      total_usd, 1e-12);
  EXPECT_EQ(cost["clients"][0]["client"], "web");
  EXPECT_EQ(cost["clients"][0]["estimated"], true);
  EXPECT_NEAR(cost["clients"][0]["total_usd"].get<double>(), 6 * web_usd, 1e-12);
  EXPECT_NEAR(cost["clients"][0]["sampled"]["total_usd"].get<double>(), web_usd, 1e-12);
  EXPECT_NEAR(cost["clients"][1]["total_usd"].get<double>(), 6 * batch_usd, 1e-12);
  EXPECT_EQ(report["estimated"], true);

  // The table: the verdict covers the sample, the costs are marked ~.
  const std::string table = run("--efs-read-rate 0.04 " + sample_args("raw"), &code);
  ASSERT_EQ(code, 0) << stderr_text();
  const int web_fs = static_cast<int>(
      std::floor(100.0 * web_sat / static_cast<double>(web_sat + batch_sat) + 0.5));
  const int web_own = static_cast<int>(std::floor(100.0 * web_sat / web_sampled + 0.5));
  const std::string sentence =
      std::string(kFs) + " (shared-home) was at its limit in 1 of 3 sampled slices, " +
      iso(t0_ + 63 * 60).substr(0, 10) + " " + hhmm(t0_ + 63 * 60) + "\u2013" +
      hhmm(t0_ + 67 * 60) + " UTC; web moved " + std::to_string(web_fs) +
      " % of the flow bytes to and from it then (" + std::to_string(web_own) +
      " % of its own bytes in the sampled slices)";
  EXPECT_NE(table.find(sentence), std::string::npos) << sentence << "\n" << table;
  EXPECT_NE(table.find("60 s buckets in 3 sampled slices"), std::string::npos) << table;
  EXPECT_NE(table.find("data access ~$"), std::string::npos) << table;
}

TEST_F(MetricsSampleCliTest, InsightsAndRawJudgeTheSameSlices) {
  // Logs Insights reads the slices by query (docs/sources.md); its rows
  // give the same in-slice buckets here (one record per minute and pair),
  // so the verdict and the coverage are the raw events' ones.
  int code = -1;
  const json raw = json::parse(run("--output json " + sample_args("raw"), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const json insights =
      json::parse(run("--output json " + sample_args("insights"), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const json& a = raw["file_systems"][0];
  const json& b = insights["file_systems"][0];
  EXPECT_EQ(b["saturation"]["intervals"], a["saturation"]["intervals"]);
  EXPECT_EQ(b["saturation"]["saturated_slices"], 1);
  EXPECT_EQ(b["coverage"]["flow_read"], a["coverage"]["flow_read"]);
  EXPECT_EQ(b["coverage"]["flow_written"], a["coverage"]["flow_written"]);

  // What each read cost (JSON "sources"), against the events this test
  // wrote in the ranges the sample asks for; the whole window pro rata.
  int64_t events = 0, bytes = 0, seconds = 0;
  sampled_events(&events, &bytes, &seconds);
  const int64_t window = 60 * kSampleMinutes;
  ASSERT_EQ(raw["sources"].size(), 1u) << raw.dump();
  const json& r = raw["sources"][0];
  EXPECT_EQ(r["kind"], "logs_raw");
  EXPECT_EQ(r["source"], "/efstop/vpc-flow-logs");
  EXPECT_EQ(r["events"], events) << r.dump();
  EXPECT_GE(r["calls"].get<int64_t>(), 1);
  EXPECT_EQ(r["sample"]["seconds_asked"], seconds) << r.dump();
  EXPECT_EQ(r["sample"]["window_seconds"], window);
  EXPECT_EQ(r["sample"]["whole_window"]["events"], events * window / seconds) << r.dump();
  EXPECT_FALSE(r.contains("cost_usd")) << r.dump();
  ASSERT_EQ(insights["sources"].size(), 1u) << insights.dump();
  const json& q = insights["sources"][0];
  EXPECT_EQ(q["kind"], "logs_insights");
  EXPECT_EQ(q["calls"], 3) << q.dump();  // one query per slice's range
  EXPECT_EQ(q["bytes_scanned"].get<double>(), static_cast<double>(bytes)) << q.dump();
  EXPECT_NEAR(q["cost_usd"].get<double>(), static_cast<double>(bytes) / 1e9 * 0.005, 1e-15);
  EXPECT_EQ(q["sample"]["seconds_asked"], seconds);
  const double whole = static_cast<double>(bytes) * window / static_cast<double>(seconds);
  EXPECT_NEAR(q["sample"]["whole_window"]["bytes_scanned"].get<double>(), whole, 1e-6);
  EXPECT_NEAR(q["sample"]["whole_window"]["cost_usd"].get<double>(), whole / 1e9 * 0.005, 1e-15);
}

TEST_F(MetricsSampleCliTest, ASaturationOutsideEverySliceIsNotReported) {
  // The first hour only: its slice is minutes 0-9; web's burst at 30-39 is
  // outside it. Without --sample that burst is a saturation (so the
  // scenario does saturate there); with it nothing is concluded there.
  const std::string hour = "--region " + std::string(t::kTestRegion) + " --endpoint-url " +
                           endpoint().url() + " --method raw --start " + std::to_string(t0_) +
                           " --end " + std::to_string(t0_ + 3600);
  int code = -1;
  const json whole = json::parse(run("--output json " + hour, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_EQ(whole["file_systems"][0]["saturation"]["intervals"].size(), 1u);
  EXPECT_EQ(whole["file_systems"][0]["saturation"]["intervals"][0]["start"], iso(t0_ + 30 * 60));

  const json sampled =
      json::parse(run("--output json --sample 10m/1h " + hour, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  const json& sat = sampled["file_systems"][0]["saturation"];
  EXPECT_EQ(sat["intervals"], json::array());
  EXPECT_EQ(sat["buckets"], 0);
  EXPECT_EQ(sat["sampled_slices"], 1);
  EXPECT_EQ(sat["saturated_slices"], 0);
  const std::string table = run("--sample 10m/1h " + hour, &code);
  ASSERT_EQ(code, 0) << stderr_text();
  EXPECT_NE(table.find("never at its limit in the 1 sampled slice\n"), std::string::npos) << table;
}

TEST_F(MetricsSampleCliTest, APeriodReachingOutsideTheSlicesIsRefused) {
  int code = -1;
  run("--bucket 1h " + sample_args("raw"), &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("does not divide the sample's slices"), std::string::npos)
      << stderr_text();
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData"), 0);
  // --no-metrics reads the flows without them.
  const json report = json::parse(
      run("--output json --no-metrics --bucket 1h " + sample_args("raw"), &code), nullptr, false);
  EXPECT_EQ(code, 0) << stderr_text();
  EXPECT_FALSE(report.contains("file_systems"));
}

}  // namespace
}  // namespace efstop::cloud
