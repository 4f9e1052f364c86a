// `efstop inventory` against the test endpoint, then `efstop top
// --inventory` on its dump: the interface VPC endpoint behind an ENI is in
// the dump (one DescribeVpcEndpoints call) and names the flows of that ENI's
// address on another machine, without AWS.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::enrich {
namespace {

class InventoryCliTest : public efstop::testing::EndpointTest {
 protected:
  // Runs the efstop binary with `args` and the test keys; returns stdout.
  std::string run(const std::string& args, int* code) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(efstop::testing::kTestAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + efstop::testing::kTestSecretAccessKey +
                            " " + EFSTOP_BINARY_DIR + "/efstop " + args + " 2>" + home() +
                            "/stderr.txt";
    return efstop::testing::run_shell(cmd, code);
  }
  std::string home() { return env().home(); }
  std::string stderr_text() {
    std::ifstream in(home() + "/stderr.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_F(InventoryCliTest, DumpCarriesInterfaceEndpointsThatNameFlowsOffline) {
  ASSERT_TRUE(endpoint()
                  .patch_scenario(R"({"vpc_endpoints": {"vpce-0a1b2c3d4e5f67890": {
                    "VpcEndpointType": "Interface", "VpcId": "vpc-0a1b2c3d4e5f60001",
                    "ServiceName": "com.amazonaws.eu-west-1.s3", "State": "available",
                    "NetworkInterfaceIds": ["eni-0e000000000000012"],
                    "OwnerId": "111122223333"}}})")
                  .ok());
  int code = -1;
  const std::string dump =
      run("inventory --output json --region " + std::string(efstop::testing::kTestRegion) +
              " --endpoint-url " + endpoint().url() + " --cache-dir " + home() + "/cache",
          &code);
  ASSERT_EQ(code, 0) << stderr_text();
  const nlohmann::json inv = nlohmann::json::parse(dump, nullptr, false);
  ASSERT_FALSE(inv.is_discarded()) << dump;
  ASSERT_EQ(inv["vpc_endpoints"].size(), 1u) << inv["vpc_endpoints"].dump();
  EXPECT_EQ(inv["vpc_endpoints"][0]["id"], "vpce-0a1b2c3d4e5f67890");
  EXPECT_EQ(inv["vpc_endpoints"][0]["service_name"], "com.amazonaws.eu-west-1.s3");
  EXPECT_EQ(inv["vpc_endpoints"][0]["network_interface_ids"][0], "eni-0e000000000000012");
  EXPECT_EQ(endpoint().count("ec2:DescribeVpcEndpoints"), 1);

  // Elsewhere: the dump and a flow log, no AWS. The endpoint's address
  // (10.20.1.40) talks NFS to a mount target (10.20.1.100).
  const std::string dump_path = home() + "/inventory.json";
  std::ofstream(dump_path) << dump;
  const std::string flows = home() + "/flows.log";
  std::ofstream(flows)
      << "2 111122223333 eni-0e000000000000012 10.20.1.40 10.20.1.100 40100 2049 6 10 4000 "
         "1795701600 1795701660 ACCEPT OK\n";
  ASSERT_TRUE(endpoint().reset().ok());
  const nlohmann::json report = nlohmann::json::parse(
      run("--inventory " + dump_path + " --output json --quiet " + flows, &code), nullptr, false);
  ASSERT_EQ(code, 0) << stderr_text();
  ASSERT_EQ(report["rows"].size(), 1u) << report.dump();
  const nlohmann::json& client = report["rows"][0]["client"];
  EXPECT_EQ(client["kind"], "vpc-endpoint");
  EXPECT_EQ(client["name"], "com.amazonaws.eu-west-1.s3");
  EXPECT_EQ(client["id"], "vpce-0a1b2c3d4e5f67890");
  EXPECT_EQ(endpoint().total_count(), 0);  // the dump answered
}

}  // namespace
}  // namespace efstop::enrich
