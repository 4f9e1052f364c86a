// S3 destinations end to end, with s3rver behind the signature-checking
// test endpoint:
// - the whole command (`efstop --profile p --region r --start/--end`) when
//   DescribeFlowLogs points at a bucket: discovery picks it, lists the hour
//   prefixes of the window, reads the objects with the flow log's custom
//   LogFormat (header lines too) and prints the report the same objects give
//   as local files (rows and stats);
// - ListObjectsV2 pagination: many objects in small pages, each read once;
// - s3rver's CommonPrefixes for deep keys (corrected in the harness).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "aws/s3_api.h"
#include "cloud/cloud_reader.h"
#include "cloud/cloud_test_util.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

// The report's stats without the name-lookup counters.
nlohmann::json flow_stats(const nlohmann::json& report) {
  nlohmann::json stats = report.value("stats", nlohmann::json::object());
  stats.erase("names");
  return stats;
}

using test::kWindowEnd;
using test::kWindowStart;

constexpr char kBucket[] = "efstop-flow-logs";
// The S3 flow log's format in the test: the default fields reordered, plus
// extra ones, so reading it with the default order would count nothing.
constexpr char kCustomFormat[] =
    "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} "
    "${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${az-id} "
    "${tcp-flags} ${flow-direction} ${version} ${account-id}";
constexpr char kCustomHeader[] =
    "interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status vpc-id subnet-id az-id tcp-flags flow-direction version account-id";

// A default-format line in kCustomFormat's order, its times shifted by `dt`.
std::string to_custom(const std::string& line, int64_t dt = 0) {
  std::vector<std::string> f = test::split_fields(line);
  for (int i : {10, 11}) {
    if (f[i] != "-") f[i] = std::to_string(std::stoll(f[i]) + dt);
  }
  std::vector<std::string> out(f.begin() + 2, f.begin() + 14);
  for (const char* extra :
       {"vpc-0a1b2c3d4e5f60001", "subnet-0aa0000000000000a", "euw1-az3", "19", "ingress"}) {
    out.push_back(extra);
  }
  out.push_back(f[0]);
  out.push_back(f[1]);
  return test::join_fields(out);
}

std::string object_key(const std::string& account, const std::string& hour_path,
                       const std::string& stamp, const std::string& hash) {
  return "prod/AWSLogs/" + account + "/vpcflowlogs/eu-west-1/" + hour_path + "/" + account +
         "_vpcflowlogs_eu-west-1_fl-0b00000000000002_" + stamp + "_" + hash + ".log.gz";
}

// ---- the whole command ----

class S3DiscoveryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<efstop::testing::ScopedAwsEnv>();
    efstop::testing::S3ServerOptions so;
    so.buckets = {kBucket};
    so.front_scenario_path = efstop::testing::default_scenario_path();
    Result<std::unique_ptr<efstop::testing::S3Server>> s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    // One profile, one key pair, one endpoint URL for EFS, EC2 and S3.
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

  std::unique_ptr<efstop::testing::ScopedAwsEnv> env_;
  std::unique_ptr<efstop::testing::S3Server> s3_;
};

TEST_F(S3DiscoveryCliTest, OneCommandReadsTheBucketDiscoveryPicked) {
  // The VPC's only readable flow log delivers to the bucket, in a custom
  // format, per-hour partitions.
  nlohmann::json patch;
  patch["flow_logs"]["fl-0a00000000000001"] = nullptr;
  patch["flow_logs"]["fl-0b00000000000002"]["ResourceId"] = "vpc-0a1b2c3d4e5f60001";
  patch["flow_logs"]["fl-0b00000000000002"]["LogFormat"] = kCustomFormat;
  ASSERT_TRUE(front().patch_scenario(patch.dump()).ok());

  const std::vector<std::string> lines = test::scenario_messages();
  const size_t half = lines.size() / 2;
  std::map<std::string, std::string> objects;  // key -> text (header line first)
  auto add = [&](const std::string& key, std::vector<std::string> custom) {
    std::string text = std::string(kCustomHeader) + "\n";
    for (const std::string& l : custom) text += l + "\n";
    objects[key] = text;
  };
  std::vector<std::string> early, first, second;
  for (size_t i = 0; i < 10; ++i) early.push_back(to_custom(lines[i], -600));  // before the window
  for (size_t i = 0; i < lines.size(); ++i)
    (i < half ? first : second).push_back(to_custom(lines[i]));
  add(object_key("111122223333", "2026/11/29/09", "20261129T0955Z", "a1"), early);
  add(object_key("111122223333", "2026/11/29/10", "20261129T1005Z", "b2"), first);
  add(object_key("111122223333", "2026/11/29/10", "20261129T1010Z", "c3"), second);
  for (const auto& [key, text] : objects) {
    ASSERT_TRUE(s3_->put_object(kBucket, key, test::gzip(text)).ok());
  }
  // An hour outside the window: its prefix is never listed.
  ASSERT_TRUE(s3_->put_object(kBucket,
                              object_key("111122223333", "2026/11/29/14", "20261129T1405Z", "d4"),
                              test::gzip(std::string(kCustomHeader) + "\n" + first[0] + "\n"))
                  .ok());

  int code = -1;
  const nlohmann::json cloud = nlohmann::json::parse(run(aws_args(), &code), nullptr, false);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 0) << err << "\n" << front().server_log();
  EXPECT_NE(err.find("reading s3://efstop-flow-logs/prod"), std::string::npos) << err;
  EXPECT_GE(front().count("ec2:DescribeFlowLogs"), 1);
  EXPECT_GE(front().count("elasticfilesystem:DescribeMountTargets"), 1);
  EXPECT_EQ(front().count("s3:GetObject"), 3);
  EXPECT_EQ(front().count("logs:StartQuery"), 0);
  // Only the window's hour prefixes (09, 10, 11 with the margins) and the
  // account folder were listed.
  Result<nlohmann::json> reqs = front().requests();
  ASSERT_TRUE(reqs.ok());
  std::set<std::string> listed;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "s3:ListObjectsV2") continue;
    EXPECT_EQ(q.value("access_key_id", ""), efstop::testing::kTestAccessKeyId);
    const std::string query = q.value("query", "");
    const size_t at = query.find("prefix=");
    ASSERT_NE(at, std::string::npos) << query;
    listed.insert(query.substr(at + 7, query.find('&', at) - at - 7));
  }
  EXPECT_EQ(listed.size(), 4u) << nlohmann::json(listed).dump();

  // The same objects as local files, read through their header lines.
  std::string paths;
  int n = 0;
  for (const auto& [key, text] : objects) {
    const std::string path = env_->home() + "/object" + std::to_string(n++) + ".log";
    std::ofstream(path) << text;
    paths += " " + path;
  }
  const nlohmann::json local =
      nlohmann::json::parse(run("--names " + aws_args() + paths, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_TRUE(local.contains("rows"));
  ASSERT_FALSE(local["rows"].empty());
  EXPECT_EQ(local["rows"], cloud["rows"]);
  EXPECT_EQ(local["window"], cloud["window"]);
  // Flow counts only: the name lookups differ (the second run hits the
  // name cache the first one filled).
  EXPECT_EQ(flow_stats(local), flow_stats(cloud));
  EXPECT_EQ(cloud["stats"]["outside_window"], 10) << cloud["stats"].dump();
  EXPECT_EQ(cloud["stats"]["skipped"], 0) << cloud["stats"].dump();
}

// ---- listing ----

class S3ListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    efstop::testing::S3ServerOptions so;
    so.buckets = {kBucket};
    Result<std::unique_ptr<efstop::testing::S3Server>> s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    client_ = test::make_client(s3_->url(), "us-east-1", efstop::testing::kS3rverAccessKeyId,
                                efstop::testing::kS3rverSecretAccessKey);
  }
  std::unique_ptr<efstop::testing::S3Server> s3_;
  std::unique_ptr<aws::AwsClient> client_;
};

TEST_F(S3ListingTest, CommonPrefixesOfDeepKeys) {
  for (const char* key : {"prod/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/10/a.log.gz",
                          "prod/AWSLogs/444455556666/vpcflowlogs/us-east-1/2026/11/29/10/b.log.gz",
                          "prod/AWSLogs/444455556666/vpcflowlogs/us-east-1/2026/11/29/11/c.log.gz",
                          "prod/AWSLogs/top.txt"}) {
    ASSERT_TRUE(s3_->put_object(kBucket, key, "x").ok());
  }
  aws::S3Api api(client_.get());
  std::vector<std::string> prefixes;
  Result<std::vector<aws::S3ObjectInfo>> objects =
      api.list_objects(kBucket, "prod/AWSLogs/", "/", &prefixes);
  ASSERT_TRUE(objects.ok()) << objects.status().to_string();
  EXPECT_EQ(prefixes,
            (std::vector<std::string>{"prod/AWSLogs/111122223333/", "prod/AWSLogs/444455556666/"}));
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ(objects->front().key, "prod/AWSLogs/top.txt");
}

TEST_F(S3ListingTest, EveryObjectOfManyPagesIsReadOnce) {
  // Two accounts, three hours, 42 objects of one record each (a distinct
  // client per object), listed 4 keys a page.
  std::vector<std::string> lines;
  std::set<std::string> keys;
  int n = 0;
  for (const char* account : {"111122223333", "444455556666"}) {
    for (int hour : {9, 10, 11}) {
      for (int i = 0; i < 7; ++i, ++n) {
        const int64_t start = kWindowStart + (hour - 10) * 3600 + 600 + i * 60;
        const std::string line =
            "2 " + std::string(account) + " eni-0e000000000000005 10.20.9." +
            std::to_string(n + 1) + " 10.20.1.100 4" + std::to_string(1000 + n) + " 2049 6 " +
            std::to_string(10 + n) + " " + std::to_string(1000 * (n + 1)) + " " +
            std::to_string(start) + " " + std::to_string(start + 59) + " ACCEPT OK";
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "20261129T%02d%02dZ", hour, 10 + i * 5);
        const std::string key =
            "prod/AWSLogs/" + std::string(account) + "/vpcflowlogs/us-east-1/2026/11/29/" +
            (hour < 10 ? "0" : "") + std::to_string(hour) + "/" + account +
            "_vpcflowlogs_us-east-1_fl-1_" + stamp + "_" + std::to_string(n) + ".log.gz";
        ASSERT_TRUE(s3_->put_object(kBucket, key, test::gzip(line + "\n")).ok());
        keys.insert(key);
        lines.push_back(line);
      }
    }
  }
  CloudReadOptions o;
  o.s3_uri = std::string("s3://") + kBucket + "/prod";
  // The whole of hours 09..11 (the margins keep every object).
  o.window_start = kWindowStart - 3600;
  o.window_end = kWindowEnd + 3600;
  o.s3_page_size = 4;
  o.parallelism = 3;
  Result<CloudReadResult> r = read_cloud(client_.get(), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();

  // Every object fetched exactly once, nothing else.
  Result<nlohmann::json> reqs = s3_->endpoint()->requests();
  ASSERT_TRUE(reqs.ok());
  std::map<std::string, int> got;
  int pages = 0, continued = 0;
  for (const nlohmann::json& q : *reqs) {
    const std::string op = q.value("operation", "");
    if (op == "s3:GetObject")
      ++got[q.value("path", "").substr(std::string("/").size() + std::string(kBucket).size() + 1)];
    if (op == "s3:ListObjectsV2") {
      ++pages;
      if (q.value("query", "").find("continuation-token=") != std::string::npos) ++continued;
    }
  }
  EXPECT_EQ(got.size(), keys.size());
  for (const std::string& key : keys) EXPECT_EQ(got[key], 1) << key;
  // 2 accounts x 3 hour prefixes in the window (+1 margin hour: 08 and 12
  // are empty), 7 keys each: 2 pages per hour with objects.
  EXPECT_GE(continued, 6);
  EXPECT_EQ(pages, s3_->endpoint()->count("s3:ListObjectsV2"));
  EXPECT_NE(r->summary[0].find("42 objects listed"), std::string::npos) << r->summary[0];
  flowlog::EngineResult local = test::run_local(lines, {}, o.window_start, o.window_end);
  EXPECT_EQ(local.pairs, r->engine.pairs);
  flowlog::FlowStats a = local.stats, b = r->engine.stats;
  EXPECT_EQ(b.files, 42);
  a.files = b.files = 0;
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace efstop::cloud
