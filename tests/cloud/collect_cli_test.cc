// `efstop collect` reading from AWS (docs/history.md, "Sources"): the test
// endpoint's CloudWatch Logs (Logs Insights and raw events, a named group
// and discovery) and, through the signature-checking front, s3rver.
//
// Each source is collected twice over overlapping windows into one store,
// and once over the union into another; both stores must hold the same
// bucket rows, and those rows must equal a computation made here from the
// records themselves (one copy of each record, whichever ENI logged it; a
// record counts in the bucket its start lies in; REJECT adds no bytes).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "cloud_test_util.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"
#include "harness/tls_front.h"
#include "store/history_store.h"

namespace efstop::cloud {
namespace {

constexpr int64_t kBucket = 300;
constexpr int64_t k1000 = 1795946400;  // 2026-11-29T10:00:00Z

// (bucket_start, client, server) -> (bytes_read, bytes_written, flows)
using Table =
    std::map<std::tuple<int64_t, std::string, std::string>, std::tuple<int64_t, int64_t, int64_t>>;

// Records in 10:05-10:15, so that 5-minute buckets of the window differ
// (the default scenario's all start in 10:00-10:05). Client 10.20.9.9
// talks to mount target 10.20.1.100.
std::vector<std::string> extra_records() {
  std::vector<std::string> out;
  const int64_t starts[] = {k1000 + 420, k1000 + 610, k1000 + 790, k1000 + 899};
  int port = 51000;
  for (int64_t s : starts) {
    const std::string t = std::to_string(s) + " " + std::to_string(s + 59);
    out.push_back("2 111122223333 eni-0e000000000000001 10.20.9.9 10.20.1.100 " +
                  std::to_string(port) + " 2049 6 10 " + std::to_string(1000 + port) + " " + t +
                  " ACCEPT OK");
    out.push_back("2 111122223333 eni-0e000000000000001 10.20.1.100 10.20.9.9 2049 " +
                  std::to_string(port) + " 6 20 " + std::to_string(7000 + port) + " " + t +
                  " ACCEPT OK");
    ++port;
  }
  return out;
}

// The independent count: one copy of each distinct record (both ENIs of a
// conversation log the same line but for the interface id), the server
// the port-2049 side, bytes by start bucket.
Table expected_table(const std::vector<std::string>& lines, int64_t from, int64_t to) {
  std::set<std::string> seen;
  Table t;
  for (const std::string& line : lines) {
    std::vector<std::string> f = test::split_fields(line);
    if (f.size() < 14 || f[13] != "OK" || f[12] != "ACCEPT") continue;
    std::vector<std::string> key = f;
    key[2] = "";  // the interface id: the same flow seen from the other ENI
    if (!seen.insert(test::join_fields(key)).second) continue;
    const int64_t start = std::stoll(f[10]);
    if (start < from || start >= to) continue;
    const bool to_server = f[6] == "2049";
    const std::string client = to_server ? f[3] : f[4];
    const std::string server = to_server ? f[4] : f[3];
    auto& [read, written, flows] = t[{start - start % kBucket, client, server}];
    (to_server ? written : read) += std::stoll(f[9]);
    (void)flows;
  }
  return t;
}

Table store_table(const std::string& cache_dir) {
  store::StoreOptions o;
  o.path = cache_dir + "/efstop.sqlite3";
  auto opened = store::HistoryStore::open(o);
  EXPECT_TRUE(opened.ok()) << opened.status().to_string();
  Table t;
  if (!opened.ok()) return t;
  Status s = (*opened)->read_buckets(0, INT64_MAX, [&](const store::BucketTotals& b) {
    t[{b.bucket_start, b.client, b.server}] = {b.bytes_read, b.bytes_written, 0};
  });
  EXPECT_TRUE(s.ok()) << s.to_string();
  return t;
}

std::string dump(const Table& t) {
  std::ostringstream out;
  for (const auto& [k, v] : t) {
    out << std::get<0>(k) << " " << std::get<1>(k) << " " << std::get<2>(k) << ": "
        << std::get<0>(v) << "/" << std::get<1>(v) << "\n";
  }
  return out.str();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CollectCloudTest : public efstop::testing::EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    nlohmann::json patch;
    nlohmann::json events = nlohmann::json::array();
    for (const std::string& line : extra_records()) {
      const int64_t start = std::stoll(test::split_fields(line)[10]);
      events.push_back({start * 1000, line, (start + 360) * 1000});
    }
    patch["log_groups"]["/efstop/vpc-flow-logs"]["streams"]["eni-0e000000000000001-extra"] = events;
    ASSERT_TRUE(endpoint().patch_scenario(patch.dump()).ok());
    lines_ = test::scenario_messages();
    for (const std::string& l : extra_records()) lines_.push_back(l);
  }
  // Runs `efstop collect ARGS` with the test keys; returns the exit code.
  int collect(const std::string& args) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(efstop::testing::kTestAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + efstop::testing::kTestSecretAccessKey +
                            " " + EFSTOP_BINARY_DIR + "/efstop collect " + args + " 2>" +
                            err_path();
    int code = -1;
    efstop::testing::run_shell(cmd, &code);
    return code;
  }
  std::string err_path() { return env().home() + "/stderr.txt"; }
  std::string err() { return read_text(err_path()); }
  std::string aws() {
    return "--region " + std::string(efstop::testing::kTestRegion) + " --endpoint-url " +
           endpoint().url() + " --bucket 5m";
  }
  std::string window(const char* start, const char* end) {
    return std::string(" --start 2026-11-29T") + start + ":00Z --end 2026-11-29T" + end + ":00Z";
  }

  // Two overlapping runs into one store, one run over the union into
  // another: the same rows, and the rows computed here.
  void check_overlap(const std::string& how) {
    const std::string a = env().home() + "/store-a" + std::to_string(n_);
    const std::string b = env().home() + "/store-b" + std::to_string(n_++);
    ASSERT_EQ(collect(aws() + how + " --cache-dir " + a + window("10:00", "10:10")), 0) << err();
    EXPECT_NE(err().find("collected: 2 buckets of 5m"), std::string::npos) << err();
    ASSERT_EQ(collect(aws() + how + " --cache-dir " + a + window("10:05", "10:15")), 0) << err();
    ASSERT_EQ(collect(aws() + how + " --cache-dir " + b + window("10:00", "10:15")), 0) << err();
    const Table want = expected_table(lines_, k1000, k1000 + 900);
    // The scenario's pairs in 10:00, the extra client in 10:05 and 10:10.
    ASSERT_EQ(want.size(), 11u) << dump(want);
    const Table overlapped = store_table(a);
    const Table once = store_table(b);
    EXPECT_EQ(dump(overlapped), dump(once));
    EXPECT_EQ(dump(overlapped), dump(want));
  }

  std::vector<std::string> lines_;
  int n_ = 0;
};

TEST_F(CollectCloudTest, InsightsOverOverlappingWindowsCountsEachBucketOnce) {
  check_overlap(" --log-group /efstop/vpc-flow-logs");
  // One Logs Insights query per bucket: 2 + 2 + 3.
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 7);
}

TEST_F(CollectCloudTest, RawEventsOverOverlappingWindowsCountsEachBucketOnce) {
  check_overlap(
      " --log-group /efstop/vpc-flow-logs --method raw --cli-connect-timeout 10"
      " --cli-read-timeout 30");
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 0);
  EXPECT_GE(endpoint().count("logs:FilterLogEvents"), 7);
}

TEST_F(CollectCloudTest, DiscoveryOverOverlappingWindowsCountsEachBucketOnce) {
  // --region alone: discovery finds the mount targets' flow logs.
  check_overlap("");
  EXPECT_GE(endpoint().count("ec2:DescribeFlowLogs"), 1);
}

TEST_F(CollectCloudTest, AFailedCallStoresNothingAndSaysWhich) {
  const std::string dir = env().home() + "/store-f";
  efstop::testing::Fault fault;
  fault.operation = "logs:StartQuery";
  fault.kind = efstop::testing::FaultKind::kDenied;
  fault.count = 100;
  ASSERT_TRUE(endpoint().inject_fault(fault).ok());
  EXPECT_EQ(collect(aws() + " --log-group /efstop/vpc-flow-logs --cache-dir " + dir +
                    window("10:00", "10:10")),
            1);
  EXPECT_NE(err().find("StartQuery"), std::string::npos) << err();
  EXPECT_TRUE(store_table(dir).empty());
  // No secret in what it printed, even with --debug.
  EXPECT_EQ(collect(aws() + " --debug --log-group /efstop/vpc-flow-logs --cache-dir " + dir +
                    window("10:00", "10:10")),
            1);
  EXPECT_NE(err().find("debug"), std::string::npos) << err();
  EXPECT_EQ(err().find(efstop::testing::kTestSecretAccessKey), std::string::npos);
}

// Names at collect time (docs/history.md, "Names"): the run names every
// address and stores the names; `top --from-store` shows them as they were
// then, after a rename, with no credentials and an endpoint that would fail
// every call (it is never called).
TEST_F(CollectCloudTest, FromStoreShowsTheNamesAsCollectedWithNoAwsCall) {
  const std::string dir = env().home() + "/store-n";
  ASSERT_EQ(collect(aws() + " --log-group /efstop/vpc-flow-logs --cache-dir " + dir +
                    " --name-tag Name --cache-ttl 60" + window("10:00", "10:15")),
            0)
      << err();
  EXPECT_NE(err().find("names: "), std::string::npos) << err();

  // The same window read directly, named now: the reference rows.
  const std::string direct_cmd =
      "AWS_ACCESS_KEY_ID=" + std::string(efstop::testing::kTestAccessKeyId) +
      " AWS_SECRET_ACCESS_KEY=" + efstop::testing::kTestSecretAccessKey + " " + EFSTOP_BINARY_DIR +
      "/efstop top --region " + efstop::testing::kTestRegion + " --endpoint-url " +
      endpoint().url() +
      " --log-group /efstop/vpc-flow-logs --no-metrics --top 0 --output json --cache-dir " +
      env().home() + "/direct-cache --start 2026-11-29T10:00:00Z --end 2026-11-29T10:15:00Z 2>" +
      err_path();
  int code = -1;
  const nlohmann::json direct =
      nlohmann::json::parse(efstop::testing::run_shell(direct_cmd, &code), nullptr, false);
  ASSERT_EQ(code, 0) << err();

  // Rename a file system, then fail every call from here on.
  ASSERT_TRUE(endpoint()
                  .patch_scenario(R"({"file_systems":{"fs-0a000000000000001":{"Tags":)"
                                  R"([{"Key":"Name","Value":"renamed-home"}]}}})")
                  .ok());
  efstop::testing::Fault fault;
  fault.operation = "*";
  fault.kind = efstop::testing::FaultKind::kDenied;
  fault.count = 1000;
  ASSERT_TRUE(endpoint().inject_fault(fault).ok());
  const int64_t calls_before = endpoint().total_count();
  const std::string from_store_cmd =
      "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL=" + endpoint().url() +
      " " + EFSTOP_BINARY_DIR + "/efstop top --from-store --cache-dir " + dir +
      " --top 0 --output json --start 2026-11-29T10:00:00Z --end 2026-11-29T10:15:00Z 2>" +
      err_path();
  const nlohmann::json stored =
      nlohmann::json::parse(efstop::testing::run_shell(from_store_cmd, &code), nullptr, false);
  ASSERT_EQ(code, 0) << err();
  EXPECT_EQ(endpoint().total_count(), calls_before);
  EXPECT_NE(err().find("no AWS call"), std::string::npos) << err();
  ASSERT_TRUE(stored.contains("rows"));
  ASSERT_TRUE(direct.contains("rows"));
  EXPECT_NE(stored.dump().find("names as collected"), std::string::npos) << stored.dump();
  EXPECT_EQ(stored.dump().find("renamed-home"), std::string::npos);
  EXPECT_NE(stored.dump().find("shared-home"), std::string::npos);
  // Row by row: the same ends, names and bytes as the direct read (fs
  // grouping on both sides).
  ASSERT_EQ(stored["rows"].size(), direct["rows"].size()) << stored.dump() << direct.dump();
  for (size_t i = 0; i < stored["rows"].size(); ++i) {
    const nlohmann::json& a = stored["rows"][i];
    const nlohmann::json& b = direct["rows"][i];
    EXPECT_EQ(a["client"], b["client"]) << i;
    EXPECT_EQ(a["server"], b["server"]) << i;
    EXPECT_EQ(a["bytes_read"], b["bytes_read"]) << i;
    EXPECT_EQ(a["bytes_written"], b["bytes_written"]) << i;
  }
  // --no-names: addresses only, still no call.
  const nlohmann::json plain = nlohmann::json::parse(
      efstop::testing::run_shell(
          "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY " + std::string(EFSTOP_BINARY_DIR) +
              "/efstop top --from-store --no-names --cache-dir " + dir +
              " --output json --start 2026-11-29T10:00:00Z --end 2026-11-29T10:15:00Z 2>" +
              err_path(),
          &code),
      nullptr, false);
  ASSERT_EQ(code, 0) << err();
  EXPECT_EQ(plain.dump().find("shared-home"), std::string::npos);
  EXPECT_EQ(endpoint().total_count(), calls_before);
}

// --no-names: nothing but addresses stored; --names with a local SOURCE
// names from AWS; --inventory and --labels from files; --offline from the
// name cache a named run filled; --refresh asks again.
TEST_F(CollectCloudTest, NameFlagsOfCollect) {
  const std::string dir = env().home() + "/store-flags";
  ASSERT_EQ(collect(aws() + " --no-names --log-group /efstop/vpc-flow-logs --cache-dir " + dir +
                    window("10:00", "10:05")),
            0)
      << err();
  EXPECT_EQ(err().find("names: "), std::string::npos) << err();
  const std::string path = env().home() + "/flows.log";
  {
    std::ofstream out(path);
    for (const std::string& l : lines_) out << l << "\n";
  }
  ASSERT_EQ(collect(aws() + " --names --refresh --cache-dir " + dir + window("10:05", "10:10") +
                    " " + path),
            0)
      << err();
  EXPECT_NE(err().find("names: "), std::string::npos) << err();
  EXPECT_GE(endpoint().count("ec2:DescribeNetworkInterfaces"), 1);
  const int64_t calls = endpoint().total_count();
  ASSERT_EQ(
      collect("--bucket 5m --offline --cache-dir " + dir + window("10:10", "10:15") + " " + path),
      0)
      << err();
  EXPECT_EQ(endpoint().total_count(), calls);
  const std::string labels = env().home() + "/labels.txt";
  std::ofstream(labels) << "10.20.9.0/24 lab-net\n";
  ASSERT_EQ(collect("--bucket 5m --labels " + labels + " --cache-dir " + dir +
                    window("10:10", "10:15") + " " + path),
            0)
      << err();
  EXPECT_EQ(endpoint().total_count(), calls);
  const std::string inv = std::string(EFSTOP_SOURCE_DIR) + "/sample/inventory.json";
  const int inv_code = collect("--bucket 5m --inventory " + inv + " --cache-dir " + dir +
                               window("10:10", "10:15") + " " + path);
  EXPECT_EQ(inv_code, 0) << err();
  EXPECT_EQ(endpoint().total_count(), calls);
}

// The TLS flags reach collect's AWS client: HTTPS trusted through
// --ca-bundle, or accepted with --no-verify-ssl; both store the window.
TEST_F(CollectCloudTest, HttpsThroughCaBundleOrNoVerifySsl) {
  auto front = efstop::testing::TlsFront::start(endpoint().port());
  ASSERT_TRUE(front.ok()) << front.status().message();
  const std::string base =
      "--region " + std::string(efstop::testing::kTestRegion) + " --endpoint-url " +
      (*front)->url() + " --bucket 5m --log-group /efstop/vpc-flow-logs" + window("10:00", "10:15");
  const std::string a = env().home() + "/store-tls-a";
  const std::string b = env().home() + "/store-tls-b";
  ASSERT_EQ(collect(base + " --ca-bundle " + (*front)->ca_bundle() + " --cache-dir " + a), 0)
      << err();
  ASSERT_EQ(collect(base + " --no-verify-ssl --cache-dir " + b), 0) << err();
  const Table want = expected_table(lines_, k1000, k1000 + 900);
  EXPECT_EQ(dump(store_table(a)), dump(want));
  EXPECT_EQ(dump(store_table(b)), dump(want));
}

TEST_F(CollectCloudTest, ASourceAndCloudFlagsAreAUsageError) {
  EXPECT_EQ(collect("--log-group g some.log"), 2);
  EXPECT_NE(err().find("name no SOURCE"), std::string::npos) << err();
}

// ---- S3, through the front that checks signatures ----

class CollectS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<efstop::testing::ScopedAwsEnv>();
    efstop::testing::S3ServerOptions so;
    so.buckets = {"efstop-flow-logs"};
    so.front_scenario_path = efstop::testing::default_scenario_path();
    auto s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    env_->write_test_profile("p", "eu-west-1");
  }
  int collect(const std::string& args) {
    const std::string cmd = std::string(EFSTOP_BINARY_DIR) + "/efstop collect " + args + " 2>" +
                            env_->home() + "/stderr.txt";
    int code = -1;
    efstop::testing::run_shell(cmd, &code);
    return code;
  }
  std::string err() { return read_text(env_->home() + "/stderr.txt"); }

  std::unique_ptr<efstop::testing::ScopedAwsEnv> env_;
  std::unique_ptr<efstop::testing::S3Server> s3_;
};

TEST_F(CollectS3Test, OverlappingWindowsFromS3CountEachBucketOnce) {
  std::vector<std::string> lines = test::scenario_messages();
  for (const std::string& l : extra_records()) lines.push_back(l);
  // Two objects of the 10:00 hour, as VPC Flow Logs names them.
  std::string first, second;
  for (size_t i = 0; i < lines.size(); ++i) (i % 2 ? second : first) += lines[i] + "\n";
  const std::string header =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status\n";
  const std::string prefix =
      "prod/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/10/"
      "111122223333_vpcflowlogs_eu-west-1_fl-0b00000000000002_";
  ASSERT_TRUE(s3_->put_object("efstop-flow-logs", prefix + "20261129T1005Z_a1.log.gz",
                              test::gzip(header + first))
                  .ok());
  ASSERT_TRUE(s3_->put_object("efstop-flow-logs", prefix + "20261129T1015Z_b2.log.gz",
                              test::gzip(header + second))
                  .ok());
  const std::string aws = "--profile p --region eu-west-1 --endpoint-url " + s3_->url() +
                          " --s3 s3://efstop-flow-logs/prod --bucket 5m";
  const std::string a = env_->home() + "/store-a";
  const std::string b = env_->home() + "/store-b";
  ASSERT_EQ(collect(aws + " --cache-dir " + a +
                    " --start 2026-11-29T10:00:00Z --end 2026-11-29T10:10:00Z"),
            0)
      << err();
  ASSERT_EQ(collect(aws + " --cache-dir " + a +
                    " --start 2026-11-29T10:05:00Z --end 2026-11-29T10:15:00Z"),
            0)
      << err();
  ASSERT_EQ(collect(aws + " --cache-dir " + b +
                    " --start 2026-11-29T10:00:00Z --end 2026-11-29T10:15:00Z"),
            0)
      << err();
  const Table want = expected_table(lines, k1000, k1000 + 900);
  ASSERT_EQ(want.size(), 11u) << dump(want);
  EXPECT_EQ(dump(store_table(a)), dump(store_table(b)));
  EXPECT_EQ(dump(store_table(a)), dump(want));
  EXPECT_GE(s3_->endpoint()->count("s3:GetObject"), 2);
}

}  // namespace
}  // namespace efstop::cloud
