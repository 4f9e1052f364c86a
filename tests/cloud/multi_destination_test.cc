// More than one destination in one run (discovery, s3rver behind the
// endpoint, one key pair): mount targets whose flow logs go to different
// places are all read, each mount-target ENI from exactly one destination,
// and the report equals the local-file report of the same records even
// when both destinations hold every record (the worst case of two flow
// logs covering the same ENIs).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud/cloud_reader.h"
#include "cloud/cloud_test_util.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

using test::kWindowEnd;
using test::kWindowStart;

constexpr char kBucket[] = "efstop-flow-logs";
// The scenario's S3 flow log format: the default fields, then five more.
constexpr char kHeader[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status vpc-id subnet-id az-id tcp-flags flow-direction";

nlohmann::json flow_log(const std::string& resource, const std::string& type,
                        const std::string& place) {
  nlohmann::json f = {{"ResourceId", resource},
                      {"LogDestinationType", type},
                      {"FlowLogStatus", "ACTIVE"},
                      {"DeliverLogsStatus", "SUCCESS"},
                      {"TrafficType", "ALL"},
                      {"MaxAggregationInterval", 60},
                      {"CreationTime", "2026-11-05T08:00:00.000Z"}};
  if (type == "cloud-watch-logs") {
    f["LogGroupName"] = place;
    f["LogDestination"] = "arn:aws:logs:eu-west-1:111122223333:log-group:" + place;
  } else {
    f["LogDestination"] = place;
    f["LogFormat"] =
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
        "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} "
        "${subnet-id} ${az-id} ${tcp-flags} ${flow-direction}";
    f["DestinationOptions"] = {{"FileFormat", "plain-text"},
                               {"HiveCompatiblePartitions", false},
                               {"PerHourPartition", true}};
  }
  return f;
}

class MultiDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<efstop::testing::ScopedAwsEnv>();
    efstop::testing::S3ServerOptions so;
    so.buckets = {kBucket};
    so.front_scenario_path = efstop::testing::default_scenario_path();
    Result<std::unique_ptr<efstop::testing::S3Server>> s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    client_ =
        test::make_client(s3_->url(), efstop::testing::kTestRegion,
                          efstop::testing::kTestAccessKeyId, efstop::testing::kTestSecretAccessKey);
    // Every record of the log group is in the bucket too (S3's format).
    messages_ = test::scenario_messages();
    std::string text = std::string(kHeader) + "\n";
    for (const std::string& m : messages_) {
      text += m + " vpc-0a1b2c3d4e5f60001 subnet-0aa0000000000000a euw1-az3 19 ingress\n";
    }
    ASSERT_TRUE(s3_->put_object(kBucket,
                                "prod/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/10/"
                                "111122223333_vpcflowlogs_eu-west-1_fl-0b00000000000002_"
                                "20261129T1010Z_0a1b.log.gz",
                                test::gzip(text))
                    .ok());
  }
  void TearDown() override {
    client_.reset();
    s3_.reset();
    env_.reset();
  }
  efstop::testing::TestEndpoint& front() { return *s3_->endpoint(); }
  Result<CloudReadResult> read(Method method = Method::kInsights) {
    CloudReadOptions o;
    o.method = method;
    o.method_given = method == Method::kRaw;
    o.window_start = kWindowStart;
    o.window_end = kWindowEnd;
    o.insights_poll = std::chrono::milliseconds(5);
    o.note = [this](std::string_view l) { notes_ += std::string(l) + "\n"; };
    return read_cloud(client_.get(), o);
  }
  // The VPC-wide flow log replaced by subnet logs: subnets a and b to the
  // log group; subnet c keeps the scenario's bucket log (fl-0b).
  Status log_subnets_a_b_to_the_group() {
    nlohmann::json patch;
    patch["flow_logs"]["fl-0a00000000000001"] = nullptr;
    patch["flow_logs"]["fl-0d0000000000000a"] =
        flow_log("subnet-0aa0000000000000a", "cloud-watch-logs", "/efstop/vpc-flow-logs");
    patch["flow_logs"]["fl-0d0000000000000b"] =
        flow_log("subnet-0bb0000000000000b", "cloud-watch-logs", "/efstop/vpc-flow-logs");
    return front().patch_scenario(patch.dump());
  }
  // The local-file report of the records (once), with the servers
  // discovery gives the engine.
  flowlog::EngineResult local() {
    flowlog::EngineOptions opt;
    opt.server_ips = test::scenario_server_ips();
    opt.server_enis = test::scenario_server_enis();
    return test::run_local(messages_, opt);
  }

  std::unique_ptr<efstop::testing::ScopedAwsEnv> env_;
  std::unique_ptr<efstop::testing::S3Server> s3_;
  std::unique_ptr<aws::AwsClient> client_;
  std::vector<std::string> messages_;
  std::string notes_;
};

TEST_F(MultiDestinationTest, EachSubnetsDestinationIsReadForItsMountTargets) {
  // Subnets a and b log to the group, subnet c to the bucket (fl-0b).
  ASSERT_TRUE(log_subnets_a_b_to_the_group().ok());
  Result<CloudReadResult> r = read();
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << notes_ << front().server_log();
  EXPECT_NE(notes_.find("reading log group /efstop/vpc-flow-logs (flow log fl-0d0000000000000a, "
                        "5 of 8 mount targets)"),
            std::string::npos)
      << notes_;
  EXPECT_NE(notes_.find("reading s3://efstop-flow-logs/prod (flow log fl-0b00000000000002, 3 of 8 "
                        "mount targets)"),
            std::string::npos)
      << notes_;
  EXPECT_EQ(front().count("logs:StartQuery"), 1);
  EXPECT_EQ(front().count("s3:GetObject"), 1);

  const flowlog::EngineResult want = local();
  ASSERT_FALSE(want.pairs.empty());
  EXPECT_EQ(want.pairs, r->engine.pairs);
  EXPECT_EQ(want.stats.used, r->engine.stats.used);
  // Nothing dropped silently: every record of both destinations is either
  // counted or left out as another destination's ENI.
  EXPECT_EQ(r->engine.stats.records + r->counts.left_out,
            2 * static_cast<int64_t>(messages_.size()));
  EXPECT_GT(r->counts.left_out, 0);
  EXPECT_EQ(r->counts.scanned, 2 * static_cast<int64_t>(messages_.size()));
  EXPECT_EQ(r->engine.stats.duplicates, 0);  // client-ENI copies were left out
}

TEST_F(MultiDestinationTest, RawEventsAndABucketTogether) {
  // As above, the group read with FilterLogEvents: its mount-target ENI
  // streams only, the bucket filtered line by line.
  ASSERT_TRUE(log_subnets_a_b_to_the_group().ok());
  Result<CloudReadResult> r = read(Method::kRaw);
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << notes_;
  EXPECT_EQ(front().count("logs:StartQuery"), 0);
  EXPECT_GT(front().count("logs:FilterLogEvents"), 0);
  EXPECT_EQ(local().pairs, r->engine.pairs);
  EXPECT_EQ(local().stats.used, r->engine.stats.used);
  EXPECT_EQ(r->counts.scanned, -1);  // FilterLogEvents does not say
}

TEST_F(MultiDestinationTest, AnEniLoggedToTwoDestinationsIsCountedOnce) {
  // Subnet a logs to the group; subnet b to the bucket; and one subnet-a
  // mount target's ENI (eni-...05, 10.20.1.100) ALSO to the bucket. Both
  // destinations are read (3 mount targets each, the group wins the tie for
  // eni-...05); the bucket's copies of eni-...05's records are left out.
  nlohmann::json patch;
  patch["flow_logs"]["fl-0a00000000000001"] = nullptr;
  patch["flow_logs"]["fl-0b00000000000002"]["ResourceId"] = "subnet-0bb0000000000000b";
  patch["flow_logs"]["fl-0d0000000000000a"] =
      flow_log("subnet-0aa0000000000000a", "cloud-watch-logs", "/efstop/vpc-flow-logs");
  patch["flow_logs"]["fl-0d000000000000e5"] =
      flow_log("eni-0e000000000000005", "s3", "arn:aws:s3:::efstop-flow-logs/prod");
  ASSERT_TRUE(front().patch_scenario(patch.dump()).ok());
  Result<CloudReadResult> r = read();
  ASSERT_TRUE(r.ok()) << r.status().to_string() << "\n" << notes_;
  EXPECT_NE(notes_.find("reading log group /efstop/vpc-flow-logs (flow log fl-0d0000000000000a, "
                        "3 of 8 mount targets)"),
            std::string::npos)
      << notes_;
  EXPECT_NE(notes_.find("reading s3://efstop-flow-logs/prod (flow log fl-0b00000000000002, 2 of 8 "
                        "mount targets)"),
            std::string::npos)
      << notes_;
  // Subnet c is covered by nothing now.
  EXPECT_NE(notes_.find("no readable flow log covers mount target(s)"), std::string::npos);

  // The reference: the pairs of the mount targets read (subnets a and b),
  // from the records counted once.
  flowlog::EngineOptions opt;
  opt.server_ips = test::scenario_server_ips();
  opt.server_enis = test::scenario_server_enis();
  const flowlog::EngineResult all = test::run_local(messages_, opt);
  std::vector<flowlog::PairTotals> want;
  for (const flowlog::PairTotals& p : all.pairs) {
    const std::string server = p.server.to_string();
    if (server.rfind("10.20.1.", 0) == 0 || server.rfind("10.20.2.", 0) == 0) want.push_back(p);
  }
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(want, r->engine.pairs);
  EXPECT_EQ(r->engine.stats.records + r->counts.left_out,
            2 * static_cast<int64_t>(messages_.size()));
}

}  // namespace
}  // namespace efstop::cloud
