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
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cloud/cloud_reader.h"
#include "cloud/cloud_test_util.h"
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

TEST_F(AthenaE2eTest, StreamingProposesAthenaAboveTheThreshold) {
  put_text("text/");
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
  o.athena.usd_per_tb = 1e6;      // so that the cost shows digits
  notes.clear();
  r = read_cloud(client.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  int64_t bytes = 0;
  Result<nlohmann::json> log = s3_->endpoint()->requests();
  ASSERT_TRUE(log.ok());
  std::string found;
  for (const std::string& n : notes) {
    if (n.find("--method athena would aggregate them in Athena") != std::string::npos) found = n;
  }
  ASSERT_FALSE(found.empty());
  EXPECT_NE(found.find("about USD "), std::string::npos) << found;
  EXPECT_NE(found.find(" at USD 1000000.00 per TB"), std::string::npos) << found;
  (void)bytes;
}

}  // namespace
}  // namespace efstop::cloud
