// Issue 4 end to end: the resolver over real HTTP against the Python test
// endpoint (botocore-checked signatures and parameters, the default
// scenario's ENIs of every kind, faults, request counts).
#include <cmath>
#include <map>
#include <string>

#include "aws/client.h"
#include "enrich/resolver.h"
#include "gtest/gtest.h"
#include "harness/test_endpoint.h"

namespace efstop::enrich {
namespace {

using efstop::testing::TestEndpoint;

constexpr int64_t kNow = 1795701900;

class TestKeys : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> get() override {
    aws::Credentials c;
    c.access_key_id = efstop::testing::kTestAccessKeyId;
    c.secret_access_key = efstop::testing::kTestSecretAccessKey;
    c.source = "test";
    return c;
  }
};

class NamesE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    efstop::testing::EndpointOptions options;
    options.page_size = 1000;  // realistic pages; the paging tests use small ones
    auto started = TestEndpoint::start(options);
    ASSERT_TRUE(started.ok()) << started.status().to_string();
    endpoint_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete endpoint_;
    endpoint_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(endpoint_, nullptr);
    ASSERT_TRUE(endpoint_->reset().ok());
    aws::ClientConfig config;
    config.region = efstop::testing::kTestRegion;
    config.endpoints.cli_url = endpoint_->url();
    aws::HttpOptions http;
    http.connect_timeout = std::chrono::milliseconds(5000);
    http.read_timeout = std::chrono::milliseconds(20000);
    client_ = std::make_unique<aws::AwsClient>(config, std::make_shared<TestKeys>(),
                                               aws::make_curl_transport(http));
    source_ = make_aws_fact_source(client_.get(), 8, efstop::testing::kTestAccount);
    store_ = std::move(store::NameStore::open({":memory:", 1000, {}})).value();
  }

  ResolveResult resolve(const std::map<std::string, int64_t>& ips, int64_t now = kNow,
                        bool refresh = false) {
    ResolveOptions options;
    options.now = now;
    options.refresh = refresh;
    Resolver resolver(source_.get(), store_.get(), options);
    return resolver.resolve(ips);
  }

  static TestEndpoint* endpoint_;
  std::unique_ptr<aws::AwsClient> client_;
  std::unique_ptr<FactSource> source_;
  std::unique_ptr<store::NameStore> store_;
};

TestEndpoint* NamesE2eTest::endpoint_ = nullptr;

struct Expected {
  const char* ip;
  const char* kind;
  const char* name;
};

// The default scenario (tests/endpoint/scenarios/default.json): one ENI of
// every kind of issue 4, item 3.
constexpr Expected kScenario[] = {
    {"10.20.1.11", "ec2-instance", "web"},
    {"10.20.2.12", "ec2-instance", "web"},
    {"10.20.3.13", "ec2-instance", "batch-worker"},
    {"10.20.1.100", "efs-mount-target", "shared-home"},
    {"10.20.2.101", "efs-mount-target", "scratch"},
    {"10.20.1.101", "efs-mount-target", "fs-0c000000000000003"},  // untagged file system
    {"10.20.1.20", "elb-classic", "legacy-web"},
    {"10.20.2.20", "alb", "internal-api"},
    {"10.20.2.21", "nlb", "ingest-nlb"},
    {"10.20.3.22", "gwlb", "inspection"},
    {"10.20.101.30", "nat-gateway", "nat-0a1b2c3d4e5f67890"},
    {"10.20.1.40", "vpc-endpoint", "vpce-0a1b2c3d4e5f67890"},
    {"10.20.2.50", "lambda", "efs-indexer"},
    {"10.20.3.60", "ecs-task", "prod/renderer"},
    {"10.20.1.70", "eks-node", "platform-node"},
    {"10.20.2.75", "eks-pod", "platform/media/thumbnailer-7d4b9c"},
    {"10.20.2.80", "rds", "RDSNetworkInterface"},
    {"10.20.3.81", "fsx", "fs-0f5a1b2c3d4e5f607"},
    {"10.20.3.90", "transit-gateway", "tgw-attach-0a1b2c3d4e5f67890"},
    {"10.20.2.96", "eni", "spare interface (eni-0e00000000000001c)"},
    {"203.0.113.9", "external", "203.0.113.9"},
};

std::map<std::string, int64_t> scenario_ips() {
  std::map<std::string, int64_t> ips;
  for (const Expected& e : kScenario) ips[e.ip] = kNow - 300;
  return ips;
}

TEST_F(NamesE2eTest, NamesEveryKindInAFewCalls) {
  ResolveResult r = resolve(scenario_ips());
  for (const Expected& e : kScenario) {
    SCOPED_TRACE(e.ip);
    const EndpointName& n = r.names.at(e.ip);
    EXPECT_EQ(n.kind, e.kind);
    EXPECT_EQ(n.name, e.name);
    EXPECT_FALSE(n.name.empty());
  }
  EXPECT_EQ(r.names.at("10.20.1.11").az, "eu-west-1a");
  EXPECT_EQ(r.names.at("10.20.1.11").account, efstop::testing::kTestAccount);
  EXPECT_EQ(r.stats.unresolved, 0);
  // The call budget: ceil(IPs / 200) ENI calls, one instance call, one
  // DescribeFileSystems and one DescribeMountTargets per file system.
  EXPECT_EQ(endpoint_->count("ec2:DescribeNetworkInterfaces"), 2);  // private + public filter
  EXPECT_EQ(endpoint_->count("ec2:DescribeInstances"), 1);
  EXPECT_EQ(endpoint_->count("ec2:DescribeVpcEndpoints"), 1);  // the interface endpoint
  EXPECT_EQ(endpoint_->count("elasticfilesystem:DescribeFileSystems"), 1);
  EXPECT_EQ(endpoint_->count("elasticfilesystem:DescribeMountTargets"), 6);
  // A second run inside the TTL asks nothing.
  ASSERT_TRUE(endpoint_->reset().ok());
  ResolveResult again = resolve(scenario_ips(), kNow + 60);
  EXPECT_EQ(endpoint_->total_count(), 0);
  for (const Expected& e : kScenario) EXPECT_EQ(again.names.at(e.ip).name, e.name) << e.ip;
}

TEST_F(NamesE2eTest, DeletedLambdaEniIsNamedFromHistory) {
  (void)resolve({{"10.20.2.50", kNow - 300}});
  ASSERT_TRUE(
      endpoint_->patch_scenario(R"({"network_interfaces": {"eni-0e000000000000013": null}})").ok());
  ResolveResult later = resolve({{"10.20.2.50", kNow - 200}}, kNow + 7200, /*refresh=*/true);
  EXPECT_GE(endpoint_->count("ec2:DescribeNetworkInterfaces"), 2);  // asked again: gone
  const EndpointName& n = later.names.at("10.20.2.50");
  EXPECT_EQ(n.kind, "lambda");
  EXPECT_EQ(n.name, "efs-indexer");
  EXPECT_EQ(later.stats.from_history, 1);
}

// An interface endpoint's ENI is named after its endpoint: the endpoint's
// Name tag when it has one, else its service; one DescribeVpcEndpoints call
// (vpc-endpoint-id filter) for all of them, cached like instances.
TEST_F(NamesE2eTest, InterfaceEndpointIsNamedByItsServiceOrNameTag) {
  ASSERT_TRUE(endpoint_
                  ->patch_scenario(R"({"vpc_endpoints": {"vpce-0a1b2c3d4e5f67890": {
                    "VpcEndpointType": "Interface", "VpcId": "vpc-0a1b2c3d4e5f60001",
                    "ServiceName": "com.amazonaws.eu-west-1.s3", "State": "available",
                    "NetworkInterfaceIds": ["eni-0e000000000000012"],
                    "OwnerId": "111122223333"}}})")
                  .ok());
  ResolveResult r = resolve(scenario_ips());
  const EndpointName& n = r.names.at("10.20.1.40");
  EXPECT_EQ(n.kind, "vpc-endpoint");
  EXPECT_EQ(n.name, "com.amazonaws.eu-west-1.s3");
  EXPECT_EQ(n.id, "vpce-0a1b2c3d4e5f67890");
  EXPECT_EQ(endpoint_->count("ec2:DescribeVpcEndpoints"), 1);
  EXPECT_EQ(r.stats.calls.at("ec2:DescribeVpcEndpoints"), 1);

  // Cached: asked again inside the TTL, no call; the name stays.
  ASSERT_TRUE(endpoint_->reset().ok());
  ResolveResult again = resolve(scenario_ips(), kNow + 60);
  EXPECT_EQ(endpoint_->count("ec2:DescribeVpcEndpoints"), 0);
  EXPECT_EQ(again.names.at("10.20.1.40").name, "com.amazonaws.eu-west-1.s3");

  // The endpoint's Name tag wins over its service.
  ASSERT_TRUE(endpoint_
                  ->patch_scenario(R"({"vpc_endpoints": {"vpce-0a1b2c3d4e5f67890": {
                    "VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.eu-west-1.s3",
                    "Tags": [{"Key": "Name", "Value": "s3-private"}]}}})")
                  .ok());
  ResolveResult tagged = resolve(scenario_ips(), kNow + 120, /*refresh=*/true);
  EXPECT_EQ(tagged.names.at("10.20.1.40").name, "s3-private");
}

TEST_F(NamesE2eTest, DeniedEndpointLookupKeepsTheEndpointIdAndWarns) {
  efstop::testing::Fault fault;
  fault.operation = "ec2:DescribeVpcEndpoints";
  fault.kind = efstop::testing::FaultKind::kDenied;
  fault.count = 100;
  ASSERT_TRUE(endpoint_->inject_fault(fault).ok());
  ResolveResult r = resolve(scenario_ips());
  EXPECT_EQ(r.names.at("10.20.1.40").kind, "vpc-endpoint");
  EXPECT_EQ(r.names.at("10.20.1.40").name, "vpce-0a1b2c3d4e5f67890");
  EXPECT_EQ(r.stats.unresolved, 0);  // the ENI is known; only the nicer name is missing
  bool warned = false;
  for (const std::string& w : r.stats.warnings) {
    warned |= w.find("VPC endpoint") != std::string::npos &&
              w.find("ec2:DescribeVpcEndpoints") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

TEST_F(NamesE2eTest, DeniedPermissionLeavesIpsUnresolvedWithTheAction) {
  efstop::testing::Fault fault;
  fault.operation = "ec2:DescribeNetworkInterfaces";
  fault.kind = efstop::testing::FaultKind::kDenied;
  fault.count = 100;
  ASSERT_TRUE(endpoint_->inject_fault(fault).ok());
  ResolveResult r = resolve(scenario_ips());
  EXPECT_EQ(r.names.at("10.20.1.11").kind, "unresolved");
  EXPECT_EQ(r.names.at("10.20.1.11").reason, "denied ec2:DescribeNetworkInterfaces");
  EXPECT_EQ(r.names.at("10.20.1.100").name, "shared-home");  // EFS still answers
  EXPECT_GT(r.stats.unresolved_reasons.at("denied ec2:DescribeNetworkInterfaces"), 10);
  EXPECT_EQ(r.stats.unresolved_iam_actions.at("denied ec2:DescribeNetworkInterfaces"),
            "ec2:DescribeNetworkInterfaces");
  bool named_action = false;
  for (const std::string& w : r.stats.warnings) {
    named_action |= w.find("ec2:DescribeNetworkInterfaces") != std::string::npos;
  }
  EXPECT_TRUE(named_action);
}

TEST_F(NamesE2eTest, StillThrottledAfterRetriesIsCountedAsSuch) {
  efstop::testing::Fault fault;
  fault.operation = "ec2:DescribeNetworkInterfaces";
  fault.kind = efstop::testing::FaultKind::kThrottle;
  fault.count = 100;
  ASSERT_TRUE(endpoint_->inject_fault(fault).ok());
  ResolveResult r = resolve({{"10.20.1.11", kNow}, {"10.20.1.100", kNow}});
  EXPECT_EQ(r.names.at("10.20.1.11").kind, "unresolved");
  EXPECT_EQ(r.names.at("10.20.1.11").reason, "throttled ec2:DescribeNetworkInterfaces");
  EXPECT_EQ(r.stats.unresolved, 1);
  EXPECT_TRUE(r.stats.unresolved_iam_actions.empty());  // throttled: no action to grant
}

TEST_F(NamesE2eTest, OneThrottleIsRetriedAndNamesStayCorrect) {
  efstop::testing::Fault fault;
  fault.operation = "ec2:DescribeNetworkInterfaces";
  fault.kind = efstop::testing::FaultKind::kThrottle;
  fault.count = 1;
  ASSERT_TRUE(endpoint_->inject_fault(fault).ok());
  ResolveResult r = resolve({{"10.20.1.11", kNow}});
  EXPECT_EQ(r.names.at("10.20.1.11").name, "web");
}

}  // namespace
}  // namespace efstop::enrich
