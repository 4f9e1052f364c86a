// Issue 17, item 3: a partial report is loud. Five flow-log objects lie in
// s3rver behind the test endpoint; one of them fails on every attempt
// (connection reset before any byte, or the body cut short each time).
// Through the efstop binary (`--s3 s3://bucket/prefix`):
// - the report still holds the other four objects' records: its rows and
//   stats equal those of the same four objects read as local files;
// - JSON says "partial": true and lists the failed object with its error in
//   words ("connection reset by peer", "body cut after N of M bytes") and
//   the attempts made; the summary on stderr says so first; exit status 3;
// - --allow-partial: the same report, exit 0; --strict: exit 1, no report;
//   CSV and NDJSON carry the same signal on stderr (and the exit status).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cloud/cloud_test_util.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

namespace t = efstop::testing;

constexpr char kBucket[] = "efstop-flow-logs";
constexpr int kObjects = 5;
constexpr int kBad = 2;  // the object that fails

std::string object_key(int i) {
  return "prod/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/10/"
         "111122223333_vpcflowlogs_us-east-1_fl-0b00000000000002_20261129T10" +
         std::to_string(10 + i) + "Z_h" + std::to_string(i) + ".log.gz";
}

// The report's stats without the inputs' counts (S3 and local files differ
// only there: 5 inputs, 1 failed, against 4 files).
nlohmann::json flow_stats(const nlohmann::json& report) {
  nlohmann::json stats = report.value("stats", nlohmann::json::object());
  stats.erase("files");
  stats.erase("files_failed");
  return stats;
}

class CliPartialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<t::ScopedAwsEnv>();
    t::S3ServerOptions so;
    so.buckets = {kBucket};
    Result<std::unique_ptr<t::S3Server>> s = t::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    // The scenario's records dealt round-robin into five objects; the
    // four good ones also as local files (the reference).
    const std::vector<std::string> lines = test::scenario_messages();
    std::vector<std::string> texts(kObjects);
    for (size_t i = 0; i < lines.size(); ++i) texts[i % kObjects] += lines[i] + "\n";
    for (int i = 0; i < kObjects; ++i) {
      const std::string gz = test::gzip(texts[static_cast<size_t>(i)]);
      ASSERT_TRUE(s3_->put_object(kBucket, object_key(i), gz).ok());
      if (i == kBad) continue;
      const std::string path = env_->home() + "/object" + std::to_string(i) + ".log.gz";
      std::ofstream(path, std::ios::binary) << gz;
      local_paths_ += " " + path;
    }
  }

  // Runs efstop; returns stdout, sets *code; stderr_text() is its stderr.
  std::string run(const std::string& args, int* code) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(t::kS3rverAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + t::kS3rverSecretAccessKey + " " +
                            EFSTOP_BINARY_DIR + "/efstop " + args + " 2>" + env_->home() +
                            "/stderr.txt";
    return t::run_shell(cmd, code);
  }
  std::string stderr_text() const {
    std::ifstream in(env_->home() + "/stderr.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string common() {
    return " --no-names --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z";
  }
  std::string s3_args() {
    return "--region us-east-1 --endpoint-url " + s3_->url() + " --s3 s3://" + kBucket + "/prod" +
           common();
  }
  // The four good objects as local files, as JSON.
  nlohmann::json local_report() {
    int code = -1;
    const std::string out = run("--output json" + common() + local_paths_, &code);
    EXPECT_EQ(code, 0) << stderr_text();
    return nlohmann::json::parse(out, nullptr, false);
  }
  // Every GetObject of the bad object fails with `kind`.
  void break_bad_object(t::FaultKind kind, int delay_ms = 0) {
    t::Fault f;
    f.operation = "s3:GetObject";
    f.kind = kind;
    f.count = 1000;
    f.delay_ms = delay_ms;
    f.path_contains = object_key(kBad);
    ASSERT_TRUE(s3_->endpoint()->inject_fault(f).ok());
  }
  // The first line of the summary (after the "efstop: ..." messages).
  static std::string first_summary_line(const std::string& err) {
    std::istringstream in(err);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("efstop:", 0) != 0) return line;
    }
    return "";
  }

  std::unique_ptr<t::ScopedAwsEnv> env_;
  std::unique_ptr<t::S3Server> s3_;
  std::string local_paths_;
};

TEST_F(CliPartialTest, WholeWhenNothingFails) {
  int code = -1;
  const nlohmann::json report =
      nlohmann::json::parse(run("--output json " + s3_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  EXPECT_EQ(report["partial"], false);
  EXPECT_EQ(report["failed_inputs"], nlohmann::json::array());
  EXPECT_EQ(report["stats"]["files"], kObjects);
  EXPECT_EQ(report["stats"]["files_failed"], 0);
  EXPECT_EQ(stderr_text().find("partial"), std::string::npos) << stderr_text();
}

TEST_F(CliPartialTest, ResetOnEveryAttemptIsAPartialReport) {
  break_bad_object(t::FaultKind::kReset);
  int code = -1;
  const nlohmann::json report =
      nlohmann::json::parse(run("--output json " + s3_args(), &code), nullptr, false);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err;
  ASSERT_TRUE(report.is_object()) << err;

  // What was read is there, exactly: the other four objects' numbers.
  const nlohmann::json local = local_report();
  ASSERT_FALSE(local["rows"].empty());
  EXPECT_EQ(report["rows"], local["rows"]);
  EXPECT_EQ(flow_stats(report), flow_stats(local));
  EXPECT_EQ(report["stats"]["files"], kObjects);
  EXPECT_EQ(report["stats"]["files_failed"], 1);

  // And what was not, with its error in words and the attempts.
  EXPECT_EQ(report["partial"], true);
  ASSERT_EQ(report["failed_inputs"].size(), 1u) << report["failed_inputs"].dump();
  const nlohmann::json& failed = report["failed_inputs"][0];
  EXPECT_EQ(failed["input"], std::string("s3://") + kBucket + "/" + object_key(kBad));
  const std::string error = failed["error"].get<std::string>();
  EXPECT_NE(error.find("connection reset by peer"), std::string::npos) << error;
  EXPECT_NE(error.find("attempts"), std::string::npos) << error;
  // Each attempt reached the endpoint.
  EXPECT_GE(s3_->endpoint()->count("s3:GetObject"), kObjects - 1 + 3);

  // The summary says so first.
  EXPECT_EQ(first_summary_line(err).rfind("partial: 1 of 5 inputs could not be read", 0), 0u)
      << err;
  EXPECT_NE(err.find("partial: s3://" + std::string(kBucket) + "/" + object_key(kBad) + ": "),
            std::string::npos)
      << err;
}

TEST_F(CliPartialTest, AllowPartialExitsZeroStrictFails) {
  break_bad_object(t::FaultKind::kReset);
  int code = -1;
  const nlohmann::json allowed = nlohmann::json::parse(
      run("--output json --allow-partial " + s3_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  // Still marked: --allow-partial changes the exit status only.
  EXPECT_EQ(allowed["partial"], true);
  EXPECT_EQ(allowed["failed_inputs"].size(), 1u);
  EXPECT_EQ(allowed["rows"], local_report()["rows"]);

  const std::string strict = run("--output json --strict " + s3_args(), &code);
  EXPECT_EQ(code, 1) << stderr_text();
  EXPECT_EQ(strict, "");
  EXPECT_NE(stderr_text().find("--strict"), std::string::npos) << stderr_text();

  // --quiet drops the summary, never the partial notice.
  run("--output json --quiet " + s3_args(), &code);
  EXPECT_EQ(code, 3);
  EXPECT_NE(stderr_text().find("partial: 1 of 5 inputs could not be read"), std::string::npos)
      << stderr_text();
  EXPECT_EQ(stderr_text().find("records:"), std::string::npos) << stderr_text();
}

TEST_F(CliPartialTest, CsvAndNdjsonCarryTheSignal) {
  break_bad_object(t::FaultKind::kReset);
  int code = -1;
  const std::string csv = run("--output csv " + s3_args(), &code);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(first_summary_line(stderr_text()).rfind("partial: 1 of 5 inputs", 0), 0u)
      << stderr_text();
  EXPECT_EQ(csv.find("partial"), std::string::npos);  // the CSV stays a clean table

  const std::string ndjson = run("--output ndjson " + s3_args(), &code);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(first_summary_line(stderr_text()).rfind("partial: 1 of 5 inputs", 0), 0u)
      << stderr_text();
  // The last line stays {"stats":{...}} alone; its stats count the failure.
  const std::string last = ndjson.substr(ndjson.rfind('\n', ndjson.size() - 2) + 1);
  const nlohmann::json tail = nlohmann::json::parse(last, nullptr, false);
  ASSERT_EQ(tail.size(), 1u) << last;
  EXPECT_EQ(tail["stats"]["files_failed"], 1) << last;
}

TEST_F(CliPartialTest, BodyCutOnEveryAttemptSaysHowFar) {
  break_bad_object(t::FaultKind::kTruncate);
  int code = -1;
  const nlohmann::json report =
      nlohmann::json::parse(run("--output json " + s3_args(), &code), nullptr, false);
  ASSERT_EQ(code, 3) << stderr_text();
  EXPECT_EQ(report["partial"], true);
  ASSERT_EQ(report["failed_inputs"].size(), 1u) << report.dump();
  const std::string error = report["failed_inputs"][0]["error"].get<std::string>();
  // "... body cut after 120 of 632 bytes ... (after 3 attempts)".
  EXPECT_NE(error.find("body cut after "), std::string::npos) << error;
  EXPECT_NE(error.find(" bytes"), std::string::npos) << error;
  EXPECT_NE(error.find("attempts"), std::string::npos) << error;
  EXPECT_EQ(report["stats"]["files_failed"], 1);
}

TEST_F(CliPartialTest, SilenceOnEveryAttemptSaysForHowLong) {
  // The object's answer waits 3 s on every attempt; the read timeout is 1 s.
  break_bad_object(t::FaultKind::kSlow, 3000);
  int code = -1;
  const nlohmann::json report = nlohmann::json::parse(
      run("--output json --cli-read-timeout 1 " + s3_args(), &code), nullptr, false);
  ASSERT_EQ(code, 3) << stderr_text();
  ASSERT_EQ(report["failed_inputs"].size(), 1u) << report.dump();
  const std::string error = report["failed_inputs"][0]["error"].get<std::string>();
  EXPECT_NE(error.find("read timed out: no data for 1 s"), std::string::npos) << error;
  EXPECT_NE(error.find("attempts"), std::string::npos) << error;
  EXPECT_EQ(report["rows"], local_report()["rows"]);
}

}  // namespace
}  // namespace efstop::cloud
