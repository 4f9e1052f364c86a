// A naming call that fails even after its retries makes the report partial
// (issue 17; docs/cli.md, docs/names.md): through the binary against the
// test endpoint, for each naming call family with a call of its own
// (DescribeNetworkInterfaces, which also names ELB, Lambda, ECS, EKS, NAT
// and other managed ENIs from their descriptions; DescribeInstances;
// DescribeVpcEndpoints):
// - exit 3, JSON "partial": true and "failed_calls" naming the call, its
//   error and how many addresses it left unnamed; the stderr summary says
//   so first; --allow-partial gives 0 with the same report (a repeated page
//   token is such a failure too: faults.matrix_fast's names row checks it);
// - every byte, packet and flow count equals the fault-free run's (names
//   are not inputs);
// - `efstop inventory` writes a dump that says it is partial, and a report
//   named from that dump is partial too (or, when the dump lacks mount
//   targets, not written: they decide what is EFS traffic).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::enrich {
namespace {

namespace t = efstop::testing;
using nlohmann::json;

class NameFailuresCliTest : public t::EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
    setenv("AWS_SECRET_ACCESS_KEY", t::kTestSecretAccessKey, 1);
    // web (10.20.1.11) and batch-worker (10.20.3.13), both instances, write
    // to shared-home's mount target (10.20.1.100).
    std::ofstream(flows())
        << "2 111122223333 eni-x 10.20.1.11 10.20.1.100 40001 2049 6 10 5000 1795701600 "
           "1795701660 ACCEPT OK\n"
           "2 111122223333 eni-x 10.20.3.13 10.20.1.100 40002 2049 6 12 7000 1795701600 "
           "1795701660 ACCEPT OK\n";
  }
  std::string flows() { return env().home() + "/flows.log"; }

  // `cache`: the store's directory under HOME; a store that named an
  // address before keeps naming it from its history when a lookup fails.
  t::ProgramRun top(const std::vector<std::string>& extra, const std::string& cache = "cache") {
    std::vector<std::string> args = {"--region",       t::kTestRegion, "--endpoint-url",
                                     endpoint().url(), "--cache-dir",  env().home() + "/" + cache,
                                     "--output",       "json",         "--refresh"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(flows());
    return t::run_efstop(args);
  }
  // `efstop inventory --output json` against the endpoint: the dump a later
  // run names from with --inventory.
  t::ProgramRun dump_inventory() {
    return t::run_efstop({"inventory", "--region", t::kTestRegion, "--endpoint-url",
                          endpoint().url(), "--cache-dir", env().home() + "/cache", "--output",
                          "json"});
  }
  void fail_always(const std::string& operation, t::FaultKind kind) {
    t::Fault f;
    f.operation = operation;
    f.kind = kind;
    f.count = 1000;
    ASSERT_TRUE(endpoint().inject_fault(f).ok());
  }
  // Every number of every row but the cross-AZ ones (an end's AZ comes
  // from its name), in row order: what a failed name must not change.
  static json numbers(const json& report) {
    json out = json::array();
    for (const json& row : report["rows"]) {
      json n = json::object();
      for (const auto& [k, v] : row.items()) {
        if (v.is_number() && k.rfind("cross_az", 0) != 0) n[k] = v;
      }
      out.push_back(n);
    }
    return out;
  }
  static std::string client_name(const json& report, const std::string& ip) {
    for (const json& row : report["rows"]) {
      const json& c = row["client"];
      if (c.value("ip", "") == ip ||
          (c.contains("ips") && c["ips"].size() == 1 && c["ips"][0] == ip)) {
        return c.value("name", "");
      }
    }
    return "(no row)";
  }
};

TEST_F(NameFailuresCliTest, FailedDescribeInstancesIsPartialNotIdsAsNames) {
  const t::ProgramRun whole = top({"--names"});
  ASSERT_EQ(whole.code, 0) << whole.err;
  const json ref = json::parse(whole.out);
  ASSERT_EQ(client_name(ref, "10.20.1.11"), "web");
  EXPECT_FALSE(ref.contains("failed_calls"));

  ASSERT_TRUE(endpoint().reset().ok());
  fail_always("ec2:DescribeInstances", t::FaultKind::kThrottle);
  const t::ProgramRun r = top({"--names"});
  ASSERT_EQ(r.code, 3) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["partial"], true);
  EXPECT_EQ(j["failed_inputs"], json::array());
  ASSERT_EQ(j["failed_calls"].size(), 1u) << j["failed_calls"].dump();
  const json& f = j["failed_calls"][0];
  EXPECT_EQ(f["call"], "ec2:DescribeInstances");
  EXPECT_EQ(f["ips"], 2);  // web and batch-worker: shown by instance id
  EXPECT_NE(f["error"].get<std::string>().find("throttled after 3 attempts"), std::string::npos)
      << f.dump();
  EXPECT_EQ(client_name(j, "10.20.1.11"), "i-0a1b00000000000a1");
  EXPECT_EQ(numbers(j), numbers(ref));
  ASSERT_TRUE(j["stats"].contains("used"));
  EXPECT_EQ(j["stats"]["used"], ref["stats"]["used"]);
  // The summary starts with it, ahead of the rows line.
  const size_t notice = r.err.find(
      "partial: names: ec2:DescribeInstances failed, 2 addresses "
      "left without a name: describe-instances");
  ASSERT_NE(notice, std::string::npos) << r.err;
  EXPECT_LT(notice, r.err.find("rows: ")) << r.err;

  // --allow-partial: exit 0, the report still marked.
  const t::ProgramRun allowed = top({"--names", "--allow-partial"});
  ASSERT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_EQ(json::parse(allowed.out)["partial"], true);
}

TEST_F(NameFailuresCliTest, FailedNetworkInterfaceLookupIsPartialWithReasons) {
  const t::ProgramRun whole = top({"--names"});
  ASSERT_EQ(whole.code, 0) << whole.err;
  ASSERT_TRUE(endpoint().reset().ok());
  fail_always("ec2:DescribeNetworkInterfaces", t::FaultKind::kReset);
  const t::ProgramRun r = top({"--names"}, "fresh-cache");
  ASSERT_EQ(r.code, 3) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["partial"], true);
  ASSERT_EQ(j["failed_calls"].size(), 1u) << j["failed_calls"].dump();
  EXPECT_EQ(j["failed_calls"][0]["call"], "ec2:DescribeNetworkInterfaces");
  EXPECT_EQ(j["failed_calls"][0]["ips"], 2);
  // Each address says why it has no name, and the counts agree.
  EXPECT_EQ(client_name(j, "10.20.1.11"),
            "unresolved: network error ec2:DescribeNetworkInterfaces");
  EXPECT_EQ(j["stats"]["names"]["unresolved"], 2);
  EXPECT_EQ(numbers(j), numbers(json::parse(whole.out)));
}

TEST_F(NameFailuresCliTest, DeniedCallIsPartialToo) {
  // Denied or failing, the names are short of the truth: the report says
  // so, and the message names the action to grant.
  ASSERT_TRUE(endpoint().deny_actions({"ec2:DescribeInstances"}).ok());
  const t::ProgramRun r = top({"--names"});
  ASSERT_EQ(r.code, 3) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["failed_calls"].size(), 1u);
  EXPECT_NE(j["failed_calls"][0]["error"].get<std::string>().find("UnauthorizedOperation"),
            std::string::npos)
      << j["failed_calls"].dump();
}

TEST_F(NameFailuresCliTest, PartialInventoryDumpSaysSoAndSoDoesItsReport) {
  fail_always("ec2:DescribeInstances", t::FaultKind::kServiceUnavailable);
  const t::ProgramRun inv = dump_inventory();
  ASSERT_EQ(inv.code, 3) << inv.err;
  const json dump = json::parse(inv.out);
  EXPECT_EQ(dump["partial"], true);
  ASSERT_EQ(dump["failed_calls"].size(), 1u) << dump["failed_calls"].dump();
  EXPECT_EQ(dump["failed_calls"][0]["call"], "ec2:DescribeInstances");
  EXPECT_FALSE(dump["network_interfaces"].empty());
  EXPECT_NE(inv.err.find("partial: 1 call failed"), std::string::npos) << inv.err;
  const std::string path = env().home() + "/inventory.json";
  std::ofstream(path) << inv.out;

  // Named from that dump: partial, for the same call.
  const t::ProgramRun r = t::run_efstop({"--inventory", path, "--output", "json", flows()});
  ASSERT_EQ(r.code, 3) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j["failed_calls"].size(), 1u);
  EXPECT_EQ(j["failed_calls"][0]["call"], "ec2:DescribeInstances");
  EXPECT_NE(r.err.find("partial: names: ec2:DescribeInstances failed"), std::string::npos) << r.err;
}

TEST_F(NameFailuresCliTest, DumpWithoutMountTargetsCountsNothing) {
  // Every file system's DescribeMountTargets fails: the dump is partial,
  // and a report from it would miss EFS traffic, so it is refused.
  fail_always("elasticfilesystem:DescribeMountTargets", t::FaultKind::kInternalError);
  const t::ProgramRun inv = dump_inventory();
  ASSERT_EQ(inv.code, 3) << inv.err;
  const json dump = json::parse(inv.out);
  EXPECT_EQ(dump["partial"], true);
  ASSERT_FALSE(dump["failed_calls"].empty());
  EXPECT_EQ(dump["failed_calls"][0]["call"], "elasticfilesystem:DescribeMountTargets");
  EXPECT_TRUE(dump["failed_calls"][0]["target"].get<std::string>().rfind("fs-", 0) == 0);
  const std::string path = env().home() + "/inventory.json";
  std::ofstream(path) << inv.out;
  const t::ProgramRun r = t::run_efstop({"--inventory", path, "--output", "json", flows()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("the inventory was taken without the mount targets of fs-"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace efstop::enrich
