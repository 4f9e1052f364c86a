// A flow log delivered to Kinesis Data Firehose, end to end: DescribeFlowLogs
// names the delivery stream, Firehose DescribeDeliveryStream (the test
// endpoint, checked against botocore's firehose model) names its S3 bucket
// and prefix, and the objects in s3rver, in Firehose's default key layout
// (prefix + YYYY/MM/DD/HH/) and holding gzip-compressed CloudWatch Logs
// DATA_MESSAGE envelopes concatenated as Firehose writes them, give the
// report the same records give as local text files. A malformed envelope is
// counted as a skipped record and named with its object.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cloud/cloud_test_util.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

constexpr char kBucket[] = "efstop-hose";
constexpr char kStream[] = "efstop-rejects";  // the default scenario's Firehose flow log

nlohmann::json flow_stats(const nlohmann::json& report) {
  nlohmann::json stats = report.value("stats", nlohmann::json::object());
  stats.erase("names");
  return stats;
}

std::string envelope(const std::vector<std::string>& lines) {
  nlohmann::json events = nlohmann::json::array();
  int64_t id = 1;
  for (const std::string& l : lines) {
    events.push_back({{"id", std::to_string(id++)}, {"timestamp", 1795946400000}, {"message", l}});
  }
  return nlohmann::json{{"messageType", "DATA_MESSAGE"},          {"owner", "111122223333"},
                        {"logGroup", "/vpc/flow-logs"},           {"logStream", "eni-all"},
                        {"subscriptionFilters", {"to-firehose"}}, {"logEvents", events}}
      .dump();
}

class FirehoseE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<efstop::testing::ScopedAwsEnv>();
    efstop::testing::S3ServerOptions so;
    so.buckets = {kBucket};
    so.front_scenario_path = efstop::testing::default_scenario_path();
    Result<std::unique_ptr<efstop::testing::S3Server>> s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    env_->write_test_profile("p", "eu-west-1");
  }
  void TearDown() override {
    s3_.reset();
    env_.reset();
  }
  std::string run(const std::string& args, int* code) {
    const std::string cmd = std::string(EFSTOP_BINARY_DIR) + "/efstop " + args + " 2>" + err_path();
    return efstop::testing::run_shell(cmd, code);
  }
  std::string err_path() const { return env_->home() + "/stderr.txt"; }
  std::string stderr_text() const {
    std::ifstream in(err_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string aws_args() const {
    return "--profile p --region eu-west-1 --endpoint-url " + s3_->url() +
           " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --output json";
  }
  efstop::testing::TestEndpoint& front() { return *s3_->endpoint(); }

  // The VPC's only flow log goes to Firehose (ALL traffic), whose stream
  // writes to s3://efstop-hose/<prefix>.
  void use_firehose(const nlohmann::json& destination) {
    nlohmann::json patch;
    patch["flow_logs"]["fl-0a00000000000001"] = nullptr;
    patch["flow_logs"]["fl-0b00000000000002"] = nullptr;
    patch["flow_logs"]["fl-0c00000000000003"]["ResourceId"] = "vpc-0a1b2c3d4e5f60001";
    patch["flow_logs"]["fl-0c00000000000003"]["TrafficType"] = "ALL";
    patch["delivery_streams"][kStream]["Destinations"] = {destination};
    ASSERT_TRUE(front().patch_scenario(patch.dump()).ok());
  }
  static nlohmann::json s3_destination(const std::string& prefix) {
    const nlohmann::json s3 = {
        {"RoleARN", "arn:aws:iam::111122223333:role/firehose"},
        {"BucketARN", std::string("arn:aws:s3:::") + kBucket},
        {"Prefix", prefix},
        {"BufferingHints", {{"SizeInMBs", 5}, {"IntervalInSeconds", 300}}},
        {"CompressionFormat", "UNCOMPRESSED"},
        {"EncryptionConfiguration", {{"NoEncryptionConfig", "NoEncryption"}}}};
    return {{"DestinationId", "destinationId-000000000001"},
            {"S3DestinationDescription", s3},
            {"ExtendedS3DestinationDescription", s3}};
  }

  std::unique_ptr<efstop::testing::ScopedAwsEnv> env_;
  std::unique_ptr<efstop::testing::S3Server> s3_;
};

TEST_F(FirehoseE2eTest, DiscoveryFollowsTheStreamToS3AndReadsEnvelopes) {
  use_firehose(s3_destination("hose/"));
  const std::vector<std::string> lines = test::scenario_messages();
  ASSERT_GT(lines.size(), 10u);
  const size_t half = lines.size() / 2;
  const std::vector<std::string> first(lines.begin(), lines.begin() + half);
  const std::vector<std::string> second(lines.begin() + half, lines.end());
  const std::string control =
      R"({"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"",)"
      R"("subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1795946400000,)"
      R"("message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]})";
  // Firehose's default layout: prefix + YYYY/MM/DD/HH/ + stream-version-time-uuid.
  const std::string key1 = "hose/2026/11/29/10/efstop-rejects-1-2026-11-29-10-05-00-a1";
  const std::string key2 = "hose/2026/11/29/10/efstop-rejects-1-2026-11-29-10-10-00-b2";
  // Each envelope a gzip member (CloudWatch Logs compresses what it sends),
  // concatenated; the second object ends with a cut-short envelope.
  const std::string obj1 = test::gzip(control) + test::gzip(envelope(first));
  const std::string obj2 =
      test::gzip(envelope(second)) + test::gzip(R"({"messageType":"DATA_MESSAGE","logEvents":[)");
  ASSERT_TRUE(s3_->put_object(kBucket, key1, obj1).ok());
  ASSERT_TRUE(s3_->put_object(kBucket, key2, obj2).ok());
  // An hour past the window and its margin: never listed.
  ASSERT_TRUE(s3_->put_object(kBucket, "hose/2026/11/29/14/efstop-rejects-1-2026-11-29-14-00-00-c3",
                              test::gzip(envelope(first)))
                  .ok());

  int code = -1;
  const nlohmann::json cloud = nlohmann::json::parse(run(aws_args(), &code), nullptr, false);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 0) << err << "\n" << front().server_log();
  EXPECT_NE(err.find("reading s3://efstop-hose/hose/ (Firehose stream efstop-rejects)"),
            std::string::npos)
      << err;
  EXPECT_EQ(front().count("firehose:DescribeDeliveryStream"), 1);
  EXPECT_EQ(front().count("s3:GetObject"), 2);
  EXPECT_EQ(front().count("logs:StartQuery"), 0);
  // The malformed envelope: one skipped record, named with its object.
  EXPECT_NE(err.find("s3://efstop-hose/" + key2 + ":1: incomplete JSON value"), std::string::npos)
      << err;
  // Hour prefixes listed: 09 (the margin before 10:00) to 11 (the margin after).
  Result<nlohmann::json> reqs = front().requests();
  ASSERT_TRUE(reqs.ok());
  std::set<std::string> listed;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "s3:ListObjectsV2") continue;
    const std::string query = q.value("query", "");
    const size_t at = query.find("prefix=");
    ASSERT_NE(at, std::string::npos) << query;
    listed.insert(query.substr(at + 7, query.find('&', at) - at - 7));
  }
  EXPECT_EQ(listed,
            (std::set<std::string>{"hose%2F2026%2F11%2F29%2F09%2F", "hose%2F2026%2F11%2F29%2F10%2F",
                                   "hose%2F2026%2F11%2F29%2F11%2F"}))
      << nlohmann::json(listed).dump();

  // The same records as one local text file.
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  const std::string path = env_->home() + "/records.log";
  std::ofstream(path) << text;
  const nlohmann::json local =
      nlohmann::json::parse(run("--names " + aws_args() + " " + path, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_TRUE(local.contains("rows"));
  ASSERT_FALSE(local["rows"].empty());
  EXPECT_EQ(local["rows"], cloud["rows"]);
  nlohmann::json want = flow_stats(local);
  nlohmann::json got = flow_stats(cloud);
  EXPECT_EQ(got["skipped"], 1) << got.dump();
  EXPECT_EQ(want["skipped"], 0) << want.dump();
  got["skipped"] = 0;
  got["lines"] = got["lines"].get<int64_t>() - 1;
  got.erase("files");
  want.erase("files");
  EXPECT_EQ(got, want);
}

// `--s3` pointed at a Firehose destination (no AWSLogs/ below the prefix,
// year folders instead) reads it as discovery does: only the hour prefixes
// that overlap the window, Firehose's envelopes unwrapped.
TEST_F(FirehoseE2eTest, S3FlagAtAFirehoseLayoutListsOnlyTheWindowsHours) {
  const std::vector<std::string> lines = test::scenario_messages();
  ASSERT_GT(lines.size(), 10u);
  const size_t half = lines.size() / 2;
  const std::vector<std::string> first(lines.begin(), lines.begin() + half);
  const std::vector<std::string> second(lines.begin() + half, lines.end());
  ASSERT_TRUE(s3_->put_object(kBucket, "hose/2026/11/29/10/efstop-rejects-1-2026-11-29-10-05-00-a1",
                              test::gzip(envelope(first)))
                  .ok());
  ASSERT_TRUE(s3_->put_object(kBucket, "hose/2026/11/29/11/efstop-rejects-1-2026-11-29-11-01-00-b2",
                              envelope(second))
                  .ok());
  // Hours outside the window and its margins (09 to 11): never listed, never read.
  ASSERT_TRUE(s3_->put_object(kBucket, "hose/2026/11/29/07/efstop-rejects-1-2026-11-29-07-00-00-c3",
                              test::gzip(envelope(first)))
                  .ok());
  ASSERT_TRUE(s3_->put_object(kBucket, "hose/2026/11/29/14/efstop-rejects-1-2026-11-29-14-00-00-d4",
                              test::gzip(envelope(second)))
                  .ok());

  int code = -1;
  const nlohmann::json cloud = nlohmann::json::parse(
      run("--s3 s3://efstop-hose/hose/ " + aws_args(), &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text() << "\n" << front().server_log();
  EXPECT_EQ(front().count("s3:GetObject"), 2);
  Result<nlohmann::json> reqs = front().requests();
  ASSERT_TRUE(reqs.ok());
  std::vector<std::string> listed;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "s3:ListObjectsV2") continue;
    const std::string query = q.value("query", "");
    const size_t at = query.find("prefix=");
    ASSERT_NE(at, std::string::npos) << query;
    listed.push_back(query.substr(at + 7, query.find('&', at) - at - 7));
  }
  // AWSLogs/ first (none), then the prefix's folders (years), then the hours.
  EXPECT_EQ(listed, (std::vector<std::string>{
                        "hose%2FAWSLogs%2F", "hose%2F", "hose%2F2026%2F11%2F29%2F09%2F",
                        "hose%2F2026%2F11%2F29%2F10%2F", "hose%2F2026%2F11%2F29%2F11%2F"}))
      << nlohmann::json(listed).dump();

  // The same records as one local text file give the same rows and counts.
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  const std::string path = env_->home() + "/records.log";
  std::ofstream(path) << text;
  const nlohmann::json local =
      nlohmann::json::parse(run("--names " + aws_args() + " " + path, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_FALSE(local["rows"].empty());
  EXPECT_EQ(local["rows"], cloud["rows"]);
  nlohmann::json want = flow_stats(local);
  nlohmann::json got = flow_stats(cloud);
  got.erase("files");
  want.erase("files");
  EXPECT_EQ(got, want);

  // A prefix with neither AWSLogs/ nor year folders is named, not read as empty.
  run("--s3 s3://efstop-hose/elsewhere/ " + aws_args(), &code);
  EXPECT_NE(code, 0);
  EXPECT_NE(stderr_text().find("s3://efstop-hose/elsewhere/: no flow-log deliveries there "
                               "(neither AWSLogs/ as a flow log delivers nor YYYY/ folders as a "
                               "Firehose stream does"),
            std::string::npos)
      << stderr_text();
}

TEST_F(FirehoseE2eTest, OtherDestinationsAreNamedAndNotRead) {
  use_firehose({{"DestinationId", "destinationId-000000000001"},
                {"HttpEndpointDestinationDescription",
                 {{"EndpointConfiguration", {{"Url", "https://collector.example.com"}}}}}});
  int code = -1;
  run(aws_args(), &code);
  const std::string err = stderr_text();
  EXPECT_NE(code, 0);
  EXPECT_NE(err.find("not read: the stream writes to a HttpEndpoint destination, not S3"),
            std::string::npos)
      << err;
  EXPECT_EQ(front().count("firehose:DescribeDeliveryStream"), 1);
  EXPECT_EQ(front().count("s3:ListObjectsV2"), 0);
}

TEST_F(FirehoseE2eTest, DeniedDescribeDeliveryStreamIsReportedAsItself) {
  use_firehose(s3_destination("hose/"));
  ASSERT_TRUE(front().deny_actions({"firehose:DescribeDeliveryStream"}).ok());
  int code = -1;
  run(aws_args(), &code);
  const std::string err = stderr_text();
  EXPECT_NE(code, 0);
  EXPECT_NE(err.find("describe-delivery-stream"), std::string::npos) << err;
  EXPECT_NE(err.find("firehose:DescribeDeliveryStream"), std::string::npos) << err;
}

}  // namespace
}  // namespace efstop::cloud
