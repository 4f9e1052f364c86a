// Issue 18, item 1: --method athena. The test endpoint plays Athena
// (tests/endpoint/ep_athena.py: the DDL efstop writes is parsed, partition
// projection is applied to the objects in s3rver, the SELECT runs unchanged
// in DuckDB), and every report is compared with the report of streaming the
// same objects (`--s3` without --method), itself checked against the
// independent Python reference elsewhere (tests/reference/).
// - text, plain layout, two accounts; Parquet, Hive-compatible layout;
//   with and without --server-ips: the same rows and counters;
// - an object in a partition outside the window's days is never read;
// - the table is created once, reused, and dropped by --athena-cleanup;
// - Ctrl-C while the query runs: StopQueryExecution, exit 130; a poll that
//   fails (denied): StopQueryExecution, the call's own error, exit 1;
// - more than the threshold to stream: streaming proposes Athena with both
//   costs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cloud/cloud_reader.h"
#include "cloud/cloud_test_util.h"
#include "flowlog/sample.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

namespace t = efstop::testing;

constexpr char kBucket[] = "efstop-athena";
constexpr char kFormat[] =
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";
const std::vector<std::string> kColumns = {
    "version",  "account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets",    "bytes",        "start",   "end",     "action",  "log_status"};
constexpr char kWindow[] = " --start 2026-11-29T10:20:00Z --end 2026-11-29T10:40:00Z";

using Row = std::vector<std::string>;  // "" = unknown ('-' in text, NULL in Parquet)

// Records of one hour (2026-11-29T10:00Z + up to 1 h) on three ENIs, with
// duplicates across ENIs, REJECTs, NODATA/SKIPDATA, non-EFS traffic and
// unknown values.
std::vector<Row> make_records(uint32_t seed, int n, const std::string& account) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  const std::vector<std::string> servers = {"10.0.9.10", "10.0.9.11", "fd00::9:12"};
  const std::vector<std::string> enis = {"eni-0aaa0000000000001", "eni-0bbb0000000000002",
                                         "eni-0ccc0000000000003"};
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    const int64_t start = 1795946400 + pick(3600);
    const int kind = pick(100);
    if (kind < 3) {
      rows.push_back({"2", account, enis[static_cast<size_t>(pick(3))], "", "", "", "", "", "", "",
                      std::to_string(start), std::to_string(start + 60), "",
                      kind == 0 ? "SKIPDATA" : "NODATA"});
      continue;
    }
    const bool v6 = pick(5) == 0;
    const std::string client =
        v6 ? "fd00::1:" + std::to_string(pick(30))
           : "10.0." + std::to_string(pick(3)) + "." + std::to_string(1 + pick(40));
    const std::string server = v6 ? servers[2] : servers[static_cast<size_t>(pick(2))];
    const bool to_server = pick(2) == 0;
    const bool efs = pick(10) != 0;
    const std::string eport = std::to_string(1000 + pick(60000));
    const std::string sport = efs ? "2049" : "443";
    Row r = {"2",
             account,
             enis[static_cast<size_t>(pick(3))],
             to_server ? client : server,
             to_server ? server : client,
             to_server ? eport : sport,
             to_server ? sport : eport,
             "6",
             std::to_string(1 + pick(5000)),
             std::to_string(static_cast<int64_t>(rng() % 100000000)),
             std::to_string(start),
             std::to_string(start + pick(60)),
             pick(15) == 0 ? "REJECT" : "ACCEPT",
             "OK"};
    if (pick(25) == 0) r[8] = "";  // unknown packets
    if (pick(40) == 0) r[5] = "";  // unknown srcport
    if (pick(60) == 0) r[9] = "";  // unknown bytes
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string as_text(const std::vector<Row>& rows) {
  std::string out =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status\n";
  for (const Row& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) out += (i ? " " : "") + (r[i].empty() ? "-" : r[i]);
    out += '\n';
  }
  return out;
}

std::string as_csv(const std::vector<Row>& rows) {
  std::string out;
  for (size_t i = 0; i < kColumns.size(); ++i) out += (i ? "," : "") + kColumns[i];
  out += '\n';
  for (const Row& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + r[i];
    out += '\n';
  }
  return out;
}

// What the two reports must share: every row, and every counter the
// Athena path can know. It does not see the records its WHERE left out:
// `records`, `not_efs`, and the non-EFS records outside the window, which
// streaming counts as `outside_window` (that step comes first in the
// counting rule; docs/athena.md), so outside_window is compared apart.
nlohmann::json comparable(const std::string& out) {
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) return j;
  nlohmann::json c;
  c["rows"] = j["rows"];
  for (const char* k :
       {"used", "duplicates", "nodata", "skipdata", "unknown_address", "unknown_bytes"}) {
    c["stats"][k] = j["stats"][k];
  }
  return c;
}

class AthenaE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<t::ScopedAwsEnv>();
    dir_ = env_->home();
    t::S3ServerOptions so;
    so.buckets = {kBucket};
    Result<std::unique_ptr<t::S3Server>> s = t::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
  }

  std::string keys() const {
    return "AWS_ACCESS_KEY_ID=" + std::string(t::kS3rverAccessKeyId) +
           " AWS_SECRET_ACCESS_KEY=" + t::kS3rverSecretAccessKey + " ";
  }
  std::string common(const std::string& prefix) const {
    return " --no-names --no-metrics --region us-east-1 --endpoint-url " + s3_->url() +
           " --output json --log-format '" + kFormat + "' --s3 s3://" + kBucket + "/" + prefix +
           kWindow;
  }
  std::string run(const std::string& args, int* code) {
    return t::run_shell(
        keys() + EFSTOP_BINARY_DIR + "/efstop " + args + " 2>" + dir_ + "/stderr.txt", code);
  }
  std::string stderr_text() const { return t::read_file_or_empty(dir_ + "/stderr.txt"); }
  nlohmann::json parsed(const std::string& args) {
    int code = -1;
    const std::string out = run(args, &code);
    EXPECT_EQ(code, 0) << args << "\n" << stderr_text();
    return nlohmann::json::parse(out, nullptr, false);
  }
  nlohmann::json report(const std::string& args) {
    int code = -1;
    const std::string out = run(args, &code);
    EXPECT_EQ(code, 0) << args << "\n" << stderr_text();
    return comparable(out);
  }
  void put(const std::string& key, const std::string& body) {
    ASSERT_TRUE(s3_->put_object(kBucket, key, body).ok()) << key;
  }
  // Two deliveries of account 111122223333 and one of 444455556666 on
  // 2026-11-29 (plain layout, gzip text), and one delivery two days before
  // whose records (inside the window by their start!) no read may see:
  // neither streaming (not listed) nor Athena (its partition is pruned).
  void put_text(const std::string& prefix) {
    for (int k = 0; k < 3; ++k) {
      const std::string account = k < 2 ? "111122223333" : "444455556666";
      const std::string name = account + "_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261129T10" +
                               std::to_string(15 + 10 * k) + "Z_h" + std::to_string(k) + ".log.gz";
      put(prefix + "AWSLogs/" + account + "/vpcflowlogs/us-east-1/2026/11/29/" + name,
          test::gzip(as_text(make_records(40 + k, 700, account))));
    }
    put(prefix +
            "AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/27/"
            "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261127T1015Z_old.log.gz",
        test::gzip(as_text(make_records(99, 50, "111122223333"))));
  }

  std::unique_ptr<t::ScopedAwsEnv> env_;
  std::string dir_;
  std::unique_ptr<t::S3Server> s3_;
};

// JSON "sources" (docs/json.md): the query's scanned bytes (the stand-in's
// DataScannedInBytes: every object the table's projection matches, the
// pruned day's too, since the stand-in bills what it hands DuckDB) and its
// cost at the price per TB with Athena's 10 MB minimum; streaming the same
// objects says what it listed and read, with no cost.
TEST_F(AthenaE2eTest, SourcesSayWhatTheQueryScannedAndTheStreamRead) {
  put_text("text/");
  int64_t day_bytes = 0;  // the window day's three objects, as put_text wrote them
  for (int k = 0; k < 3; ++k) {
    const std::string account = k < 2 ? "111122223333" : "444455556666";
    day_bytes +=
        static_cast<int64_t>(test::gzip(as_text(make_records(40 + k, 700, account))).size());
  }
  const int64_t old_bytes = static_cast<int64_t>(
      test::gzip(as_text(make_records(99, 50, "111122223333"))).size());  // the day pruned
  int code = -1;
  const nlohmann::json athena = nlohmann::json::parse(
      run(common("text/") + " --method athena --athena-price-per-tb 6.75", &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_EQ(athena["sources"].size(), 1u) << athena.dump();
  const nlohmann::json& a = athena["sources"][0];
  EXPECT_EQ(a["kind"], "athena");
  EXPECT_EQ(a["source"], std::string("s3://") + kBucket + "/text/");
  EXPECT_EQ(a["calls"], 1);
  EXPECT_EQ(a["bytes_scanned"].get<double>(), static_cast<double>(day_bytes + old_bytes))
      << a.dump();
  EXPECT_NEAR(a["cost_usd"].get<double>(),
              static_cast<double>(std::max<int64_t>(day_bytes + old_bytes, 10000000)) / 1e12 * 6.75,
              1e-15);
  EXPECT_EQ(a["objects_read"], 3) << a.dump();
  EXPECT_EQ(a["bytes_read"], day_bytes) << a.dump();
  const int64_t lists = s3_->endpoint()->count("s3:ListObjectsV2");
  const nlohmann::json streamed =
      nlohmann::json::parse(run(common("text/"), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_EQ(streamed["sources"].size(), 1u) << streamed.dump();
  const nlohmann::json& s = streamed["sources"][0];
  EXPECT_EQ(s["kind"], "s3");
  EXPECT_EQ(s["objects_read"], 3) << s.dump();
  EXPECT_EQ(s["bytes_read"], day_bytes) << s.dump();
  EXPECT_EQ(s["calls"], s3_->endpoint()->count("s3:ListObjectsV2") - lists) << s.dump();
  EXPECT_FALSE(s.contains("cost_usd")) << s.dump();
}

TEST_F(AthenaE2eTest, TextPlainLayoutGivesTheStreamingReport) {
  put_text("text/");
  t::TestEndpoint* ep = s3_->endpoint();
  const nlohmann::json streamed = report(common("text/"));
  ASSERT_FALSE(streamed.is_discarded());
  // Not a vacuous comparison: rows, duplicates, NODATA, unknowns and a
  // window cut all occur.
  ASSERT_GE(streamed["rows"].size(), 20u);
  for (const char* k : {"duplicates", "nodata", "skipdata", "unknown_bytes"}) {
    ASSERT_GT(streamed["stats"][k].get<int64_t>(), 0) << k;
  }
  const nlohmann::json athena = report(common("text/") + " --method athena");
  EXPECT_EQ(athena, streamed) << stderr_text();
  const std::string err = stderr_text();
  EXPECT_NE(err.find("efstop: athena: creating table default.efstop_flowlogs_"), std::string::npos)
      << err;
  EXPECT_NE(err.find("results go to s3://efstop-athena-results/"), std::string::npos) << err;
  EXPECT_NE(err.find("at USD 5.00 per TB scanned"), std::string::npos) << err;
  EXPECT_EQ(ep->count("athena:StartQueryExecution"), 2);  // the DDL, the SELECT
  EXPECT_EQ(ep->count("athena:GetWorkGroup"), 1);         // no --athena-output
  EXPECT_GE(ep->count("athena:GetQueryResults"), 3);      // pages of 5 rows (the scenario's)
  EXPECT_EQ(ep->count("athena:StopQueryExecution"), 0);
  Result<std::vector<std::string>> tables = ep->athena_tables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  // The SELECT went to that table, pruned to the window's day (with the
  // listing's margins) and no other.
  Result<nlohmann::json> log = ep->requests();
  ASSERT_TRUE(log.ok());
  std::string select;
  for (const nlohmann::json& r : *log) {
    if (r["operation"] == "athena:StartQueryExecution") {
      select = r["params"]["QueryString"].get<std::string>();
    }
  }
  EXPECT_NE(select.find("FROM \"default\".\"" + tables->front().substr(8) + "\""),
            std::string::npos)
      << select;
  EXPECT_NE(select.find("WHERE ((\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29))"),
            std::string::npos)
      << select;

  // With the mount-target addresses, the same again (the IN filter).
  const std::string ips = " --server-ips 10.0.9.10,10.0.9.11,fd00::9:12";
  EXPECT_EQ(report(common("text/") + ips + " --method athena"), report(common("text/") + ips));

  // Reused (same definition, same name), then dropped by --athena-cleanup;
  // --athena-output spares GetWorkGroup; the price flag sets the estimate.
  const int64_t workgroups = ep->count("athena:GetWorkGroup");
  EXPECT_EQ(
      report(common("text/") +
             " --method athena --athena-output s3://my-results/efstop/ --athena-cleanup "
             "--athena-price-per-tb 6.75 --athena-workgroup primary --athena-database default"),
      streamed);
  EXPECT_EQ(ep->count("athena:GetWorkGroup"), workgroups);
  EXPECT_NE(stderr_text().find("efstop: athena: dropped table default.efstop_flowlogs_"),
            std::string::npos)
      << stderr_text();
  EXPECT_NE(stderr_text().find("at USD 6.75 per TB scanned"), std::string::npos);
  EXPECT_NE(stderr_text().find("results go to s3://my-results/efstop/"), std::string::npos);
  tables = ep->athena_tables();
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables->empty());
}

TEST_F(AthenaE2eTest, ParquetHiveLayoutGivesTheStreamingReport) {
  const std::string hive =
      "pq/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/"
      "year=2026/month=11/day=29/";
  for (int k = 0; k < 2; ++k) {
    const std::string base = dir_ + "/part" + std::to_string(k);
    std::ofstream(base + ".csv") << as_csv(make_records(60 + k, 800, "111122223333"));
    int code = -1;
    const std::string info =
        t::run_shell("node " + std::string(EFSTOP_SOURCE_DIR) + "/tests/flowlog/parquet_write.js " +
                         base + ".csv " + base + ".parquet gzip V1 dict 2>&1",
                     &code);
    ASSERT_EQ(code, 0) << info;
    put(hive + "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261129T10" +
            std::to_string(25 + 10 * k) + "Z_p" + std::to_string(k) + ".log.parquet",
        t::read_file_or_empty(base + ".parquet"));
  }
  const nlohmann::json streamed = report(common("pq/"));
  ASSERT_GE(streamed["rows"].size(), 20u);
  EXPECT_EQ(report(common("pq/") + " --method athena"), streamed) << stderr_text();
  Result<nlohmann::json> log = s3_->endpoint()->requests();
  ASSERT_TRUE(log.ok());
  std::string ddl;
  for (const nlohmann::json& r : *log) {
    if (r["operation"] == "athena:StartQueryExecution" && ddl.empty()) {
      ddl = r["params"]["QueryString"].get<std::string>();
    }
  }
  EXPECT_NE(ddl.find("STORED AS PARQUET"), std::string::npos) << ddl;
  EXPECT_NE(ddl.find("AWSLogs/aws-account-id=${aws_account}/aws-service=vpcflowlogs/"
                     "aws-region=us-east-1/year=${year}/month=${month}/day=${day}'"),
            std::string::npos)
      << ddl;
}

TEST_F(AthenaE2eTest, InterruptStopsTheRunningQuery) {
  put_text("text/");
  t::TestEndpoint* ep = s3_->endpoint();
  ASSERT_TRUE(ep->patch_scenario(R"({"athena": {"hold": true}})").ok());
  const std::string cmd = keys() + "exec " + EFSTOP_BINARY_DIR + "/efstop " + common("text/") +
                          " --method athena >/dev/null 2>" + dir_ + "/stderr.txt";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // The SELECT (the second statement) is running and has been polled.
  for (int i = 0; i < 600 && (ep->count("athena:StartQueryExecution") < 2 ||
                              ep->count("athena:GetQueryExecution") < 3);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(ep->count("athena:StartQueryExecution"), 2) << stderr_text();
  EXPECT_EQ(ep->count("athena:StopQueryExecution"), 0);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130) << stderr_text();
  EXPECT_EQ(ep->count("athena:StopQueryExecution"), 1) << stderr_text();
  EXPECT_NE(stderr_text().find("stopped"), std::string::npos) << stderr_text();
}

// A result page whose NextToken is the one it was asked with (a service or
// proxy bug; the fault matrix's "paginator repeats a token") is refused:
// following it would count its rows again. Found by the fault matrix.
TEST_F(AthenaE2eTest, ARepeatedResultTokenFailsTheReadInsteadOfCountingTwice) {
  put_text("text/");
  t::TestEndpoint* ep = s3_->endpoint();
  ASSERT_TRUE(ep->inject_fault({.operation = "athena:GetQueryResults",
                                .kind = t::FaultKind::kRepeatToken,
                                .count = 1000})
                  .ok());
  int code = -1;
  const std::string out = run(common("text/") + " --method athena", &code);
  EXPECT_EQ(code, 1) << stderr_text();
  EXPECT_EQ(out, "");
  EXPECT_NE(stderr_text().find("get-query-results "), std::string::npos) << stderr_text();
  EXPECT_NE(stderr_text().find("the service returned the same page token again after 2 pages"),
            std::string::npos)
      << stderr_text();
  // The first page (no token), the second (asked with the token it repeats).
  EXPECT_EQ(ep->count("athena:GetQueryResults"), 2);
}

TEST_F(AthenaE2eTest, AFailedPollStopsTheQueryAndReportsTheCall) {
  put_text("text/");
  t::TestEndpoint* ep = s3_->endpoint();
  ASSERT_TRUE(ep->deny_actions({"athena:GetQueryExecution"}).ok());
  int code = -1;
  run(common("text/") + " --method athena", &code);
  EXPECT_EQ(code, 1) << stderr_text();
  EXPECT_NE(stderr_text().find("athena:GetQueryExecution"), std::string::npos) << stderr_text();
  EXPECT_EQ(ep->count("athena:StopQueryExecution"), 1);
}

// --sample with --method athena (docs/athena.md, "--sample"): the query
// reads only the records that start in the slices' ranges, in the
// partitions that hold them, and splits each over the buckets itself; the
// report (rows, sampled and estimated bytes, the counters a sample keeps)
// equals streaming the same objects with the same --sample, and every
// row's numbers equal the independent Python reference's
// (tests/reference/reference.py --sample) over the same records. Long
// records cross the slices' edges (the proportional split) and the gap
// between them (not sampled).
TEST_F(AthenaE2eTest, SampleGivesTheSampledStreamingReport) {
  put_text("text/");
  // 5m/10m over 10:20-10:40: slices 10:20-10:25 and 10:30-10:35.
  const std::vector<Row> long_records = {
      // 10:23:20-10:33:20: parts in both slices (C at 100 s and 400 s of 600).
      {"2", "111122223333", "eni-0aaa0000000000001", "10.0.5.5", "10.0.9.10", "40000", "2049", "6",
       "10", "1000", "1795947800", "1795948400", "ACCEPT", "OK"},
      {"2", "111122223333", "eni-0aaa0000000000001", "10.0.9.10", "10.0.5.5", "2049", "40000", "6",
       "12", "777777", "1795947800", "1795948400", "ACCEPT", "OK"},
      // 10:26-10:29: between the slices, outside the sample.
      {"2", "111122223333", "eni-0aaa0000000000001", "10.0.5.6", "10.0.9.10", "40001", "2049", "6",
       "3", "5000", "1795947960", "1795948140", "ACCEPT", "OK"},
      // 10:34-10:38: its first 60 s of 240 are sampled.
      {"2", "111122223333", "eni-0aaa0000000000001", "10.0.5.7", "10.0.9.11", "40002", "2049", "6",
       "4", "4001", "1795948440", "1795948680", "ACCEPT", "OK"},
      // 10:24:59 with an unknown end: an instant, all in the first slice.
      {"2", "111122223333", "eni-0aaa0000000000001", "10.0.5.8", "10.0.9.11", "40003", "2049", "6",
       "5", "333", "1795947899", "", "ACCEPT", "OK"}};
  put("text/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/"
      "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261129T1030Z_long.log.gz",
      test::gzip(as_text(long_records)));
  // The same records as local files, for the reference.
  const std::string ref_dir = dir_ + "/reference";
  ASSERT_EQ(::mkdir(ref_dir.c_str(), 0700), 0);
  for (int k = 0; k < 3; ++k) {
    const std::string account = k < 2 ? "111122223333" : "444455556666";
    std::ofstream(ref_dir + "/" + std::to_string(k) + ".log")
        << as_text(make_records(40 + k, 700, account));
  }
  std::ofstream(ref_dir + "/long.log") << as_text(long_records);

  const std::string sample = " --sample 5m/10m --top 0";
  const nlohmann::json streamed_full = parsed(common("text/") + sample);
  const nlohmann::json athena_full = parsed(common("text/") + sample + " --method athena");
  const std::string err = stderr_text();
  ASSERT_FALSE(streamed_full.is_discarded());
  ASSERT_FALSE(athena_full.is_discarded()) << err;
  EXPECT_EQ(athena_full["rows"], streamed_full["rows"]) << err;
  EXPECT_EQ(athena_full["sample"], streamed_full["sample"]);
  EXPECT_EQ(athena_full["estimated"], true);
  EXPECT_EQ(athena_full["window"], streamed_full["window"]);
  for (const char* k : {"used", "duplicates", "unknown_address", "unknown_bytes"}) {
    EXPECT_EQ(athena_full["stats"][k], streamed_full["stats"][k]) << k;
  }
  // Not vacuous: rows, duplicates, and sampled bytes below the whole.
  ASSERT_GE(streamed_full["rows"].size(), 10u);
  ASSERT_GT(streamed_full["stats"]["duplicates"].get<int64_t>(), 0);

  // With --bucket too: each row's series of measured bytes per bucket.
  const nlohmann::json streamed_series = parsed(common("text/") + sample + " --bucket 5m");
  const nlohmann::json athena_series =
      parsed(common("text/") + sample + " --bucket 5m --method athena");
  ASSERT_TRUE(streamed_series["rows"][0].contains("series")) << streamed_series["rows"][0].dump();
  EXPECT_EQ(athena_series["rows"], streamed_series["rows"]);

  // The independent reference over the same records.
  int code = -1;
  const std::string ref_out =
      t::run_shell(std::string("/usr/bin/python3 ") + EFSTOP_SOURCE_DIR +
                       "/tests/reference/reference.py --output json --log-format '" + kFormat +
                       "' --start 2026-11-29T10:20:00Z --end 2026-11-29T10:40:00Z" + sample + " " +
                       ref_dir + " 2>" + dir_ + "/ref_err.txt",
                   &code);
  ASSERT_EQ(code, 0) << t::read_file_or_empty(dir_ + "/ref_err.txt");
  const nlohmann::json ref = nlohmann::json::parse(ref_out, nullptr, false);
  ASSERT_FALSE(ref.is_discarded()) << ref_out;
  ASSERT_EQ(ref["rows"].size(), athena_full["rows"].size()) << ref["rows"].dump();
  for (size_t i = 0; i < ref["rows"].size(); ++i) {
    const nlohmann::json& want = ref["rows"][i];
    const nlohmann::json& got = athena_full["rows"][i];
    for (const char* k : {"client", "server", "bytes_read", "bytes_written", "bytes_total",
                          "packets", "flows", "rejected", "sampled"}) {
      EXPECT_EQ(got[k], want[k]) << k << " in row " << i << ": " << got.dump();
    }
  }
  // The long records' pairs, by hand: 10.0.5.5's written C(100) = 166 and
  // 1000 - C(400) = 334; read 777777 * 100 / 600 -> 129629 and 777777 -
  // 518518 = 259259. 10.0.5.6 touches no slice; 10.0.5.7: 4001 * 60 / 240
  // -> 1000; 10.0.5.8: all 333. Estimates x2.
  std::map<std::string, std::pair<int64_t, int64_t>> by_client;  // sampled (read, written)
  for (const nlohmann::json& row : athena_full["rows"]) {
    by_client[row["client"].value("ip", "")] = {row["sampled"]["bytes_read"].get<int64_t>(),
                                                row["sampled"]["bytes_written"].get<int64_t>()};
  }
  EXPECT_EQ(by_client["10.0.5.5"], std::make_pair(int64_t{129629 + 259259}, int64_t{166 + 334}));
  EXPECT_EQ(by_client.count("10.0.5.6"), 0u);
  EXPECT_EQ(by_client["10.0.5.7"], std::make_pair(int64_t{0}, int64_t{1000}));
  EXPECT_EQ(by_client["10.0.5.8"], std::make_pair(int64_t{0}, int64_t{333}));

  // The SELECT read only the slices' ranges (cut to the window and
  // merged: 10:20-10:35) in their day, split at 5 minutes; its cost is set
  // beside the whole window's.
  Result<nlohmann::json> log = s3_->endpoint()->requests();
  ASSERT_TRUE(log.ok());
  std::string select;
  for (const nlohmann::json& r : *log) {
    if (r["operation"] == "athena:StartQueryExecution") {
      select = r["params"]["QueryString"].get<std::string>();
    }
  }
  EXPECT_NE(select.find("AND ((\"start\" >= 1795947600 AND \"start\" < 1795948500))"),
            std::string::npos)
      << select;
  EXPECT_NE(select.find("\"start\" - \"start\" % 300 AS \"bucket0\""), std::string::npos) << select;
  EXPECT_NE(select.find("AS in_sample"), std::string::npos) << select;
  EXPECT_NE(err.find("efstop: sample: Athena read 1 of the window's 1 day partitions (4 of 4 "
                     "objects, "),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("the whole window: about "), std::string::npos) << err;
}

// The query across scopes with --sample, through the library (the command
// line refuses --sample with scopes for every source so far): per scope,
// the pairs (bytes, series, times) and counters are those of streaming the
// same objects with the same scopes and sample; a record of the second
// account in the first's folder moves there, one of an account no scope
// reads is counted outside, both as streaming attributes them. One scope
// counts by port 2049, the other by its mount targets.
TEST_F(AthenaE2eTest, AcrossScopesWithSampleCountsAsStreaming) {
  put_text("text/");
  const std::vector<Row> moved = {
      {"2", "444455556666", "eni-0bbb0000000000002", "10.0.5.9", "10.0.9.11", "40005", "2049", "6",
       "3", "900", "1795947720", "1795947780", "ACCEPT", "OK"},
      {"2", "999999999999", "eni-0ccc0000000000003", "10.0.5.9", "10.0.9.11", "40006", "2049", "6",
       "3", "800", "1795947720", "1795947780", "ACCEPT", "OK"},
      {"2", "111122223333", "eni-0aaa0000000000001", "10.0.5.5", "10.0.9.10", "40000", "2049", "6",
       "10", "1000", "1795947800", "1795948400", "ACCEPT", "OK"}};
  put("text/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/"
      "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261129T1030Z_mv.log.gz",
      test::gzip(as_text(moved)));
  std::unique_ptr<aws::AwsClient> client =
      test::make_client(s3_->url(), "us-east-1", t::kS3rverAccessKeyId, t::kS3rverSecretAccessKey);
  CloudReadOptions o;
  o.s3_uri = std::string("s3://") + kBucket + "/text/";
  o.window_start = 1795947600;  // 10:20Z
  o.window_end = 1795948800;    // 10:40Z
  o.engine.log_format = kFormat;
  o.engine.sample = flowlog::SampleSpec{300, 600};
  o.engine.bucket_s = flowlog::sample_bucket_width(*o.engine.sample, 0);
  o.mount_targets = std::vector<aws::MountTarget>();
  o.athena_poll = std::chrono::milliseconds(20);
  o.engine.scopes.push_back(flowlog::ScopeRoute{"111122223333", "us-east-1", {}, {}});
  o.engine.scopes.push_back(flowlog::ScopeRoute{
      "444455556666",
      "us-east-1",
      {*flowlog::IpAddress::parse("10.0.9.10"), *flowlog::IpAddress::parse("10.0.9.11"),
       *flowlog::IpAddress::parse("fd00::9:12")},
      {}});
  Result<CloudReadResult> streamed = read_cloud(client.get(), o);
  ASSERT_TRUE(streamed.ok()) << streamed.status().to_string();
  o.method = Method::kAthena;
  o.method_given = true;
  Result<CloudReadResult> athena = read_cloud(client.get(), o);
  ASSERT_TRUE(athena.ok()) << athena.status().to_string();
  ASSERT_EQ(athena->engine.scoped.size(), 2u);
  ASSERT_EQ(streamed->engine.scoped.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const flowlog::ScopeResult& a = athena->engine.scoped[i];
    const flowlog::ScopeResult& b = streamed->engine.scoped[i];
    ASSERT_GE(b.pairs.size(), 5u) << i;
    EXPECT_TRUE(a.pairs == b.pairs) << "scope " << i;
    EXPECT_EQ(a.stats.used, b.stats.used) << i;
    EXPECT_EQ(a.stats.duplicates, b.stats.duplicates) << i;
    EXPECT_EQ(a.stats.unknown_bytes, b.stats.unknown_bytes) << i;
    EXPECT_EQ(a.stats.unknown_address, b.stats.unknown_address) << i;
  }
  const auto pair_of = [](const flowlog::ScopeResult& r, std::string_view ip) {
    for (const flowlog::PairTotals& p : r.pairs) {
      if (p.client.to_string() == ip) return p.bytes_written;
    }
    return int64_t{-1};
  };
  // Written out: 900 bytes of 444455556666's ENI in 111122223333's folder
  // (10:22-10:23, inside the first slice) in the second scope; the long
  // record's sampled written bytes 166 + 334 in the first.
  EXPECT_EQ(pair_of(athena->engine.scoped[1], "10.0.5.9"), 900);
  EXPECT_EQ(pair_of(athena->engine.scoped[0], "10.0.5.9"), -1);
  EXPECT_FALSE(athena->engine.scoped[0].pairs.front().series.empty());  // split per bucket
  std::vector<flowlog::PairTotals> first = athena->engine.scoped[0].pairs;
  flowlog::apply_sample(&first, *o.engine.sample, 0);
  EXPECT_EQ(pair_of(flowlog::ScopeResult{first, {}}, "10.0.5.5"), 166 + 334);
  EXPECT_EQ(athena->engine.routing.moved, streamed->engine.routing.moved);
  EXPECT_EQ(athena->engine.routing.outside, streamed->engine.routing.outside);
  ASSERT_EQ(athena->engine.routing.outside.size(), 1u);
  EXPECT_EQ(athena->engine.routing.outside.begin()->first.first, "999999999999");
  EXPECT_EQ(athena->engine.routing.outside.begin()->second, (flowlog::RouteCount{1, 800}));
}

TEST_F(AthenaE2eTest, UsageErrors) {
  int code = -1;
  run(common("text/") + " --athena-cleanup", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("the --athena-* options go with --method athena"), std::string::npos)
      << stderr_text();
  run(common("text/") + " --method athena --bucket 5m", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("--bucket is not pushed down to Athena"), std::string::npos)
      << stderr_text();
  run(common("text/") + " --method athena --athena-output /tmp/x", &code);
  EXPECT_EQ(code, 2);
  run(common("text/") + " --method athena --athena-price-per-tb -1", &code);
  EXPECT_EQ(code, 2);
  run(common("text/") + " --method athena --athena-database Bad-Name", &code);
  EXPECT_EQ(code, 2);
}

// Above the threshold, streaming says what it would read and what Athena
// would scan: Athena reads whole day partitions, so a delivery of the
// window's day outside the window (20:15, not streamed) is in its figure,
// and the day two days before (not listed) is not; the cost is that figure
// at the price, at least Athena's 10 MB minimum.
TEST_F(AthenaE2eTest, StreamingProposesAthenaAboveTheThreshold) {
  put_text("text/");
  const std::string evening = test::gzip(as_text(make_records(77, 900, "111122223333")));
  put("text/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/"
      "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261129T2015Z_pm.log.gz",
      evening);
  double window_bytes = 0;  // the three deliveries put_text wrote for the window
  for (int k = 0; k < 3; ++k) {
    const std::string account = k < 2 ? "111122223333" : "444455556666";
    window_bytes +=
        static_cast<double>(test::gzip(as_text(make_records(40 + k, 700, account))).size());
  }
  const double day_bytes = window_bytes + static_cast<double>(evening.size());
  const auto kb = [](double b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f KB", b / 1000);
    return std::string(buf);
  };
  ASSERT_LT(day_bytes, 1e6);  // so that both figures are in KB

  std::unique_ptr<aws::AwsClient> client =
      test::make_client(s3_->url(), "us-east-1", t::kS3rverAccessKeyId, t::kS3rverSecretAccessKey);
  CloudReadOptions o;
  o.s3_uri = std::string("s3://") + kBucket + "/text/";
  o.window_start = 1795947600;
  o.window_end = 1795948800;
  o.engine.log_format = kFormat;
  std::vector<std::string> notes;
  o.note = [&notes](std::string_view line) { notes.emplace_back(line); };
  o.mount_targets = std::vector<aws::MountTarget>();
  Result<CloudReadResult> r = read_cloud(client.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  for (const std::string& n : notes) EXPECT_EQ(n.find("--method athena"), std::string::npos) << n;

  o.athena_propose_bytes = 1000;  // the three objects of the window are larger
  o.athena.usd_per_tb = 4e8;      // so that the cost shows digits
  notes.clear();
  r = read_cloud(client.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  std::string found;
  for (const std::string& n : notes) {
    if (n.find("--method athena would aggregate them in Athena") != std::string::npos) found = n;
  }
  ASSERT_FALSE(found.empty());
  EXPECT_NE(found.find("s3: " + kb(window_bytes) + " of objects to stream for this window"),
            std::string::npos)
      << found;
  EXPECT_NE(found.find("about " + kb(day_bytes) +
                       " scanned (every object of the 2 day folders listed: Athena reads whole "
                       "partitions)"),
            std::string::npos)
      << found;
  // Below Athena's minimum: billed as 10 MB.
  char cost[64];
  std::snprintf(cost, sizeof cost, "about USD %.2f at USD %.2f per TB", 1e7 / 1e12 * 4e8, 4e8);
  EXPECT_NE(found.find(cost), std::string::npos) << found;
}

}  // namespace
}  // namespace efstop::cloud
