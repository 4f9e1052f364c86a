// A flow between two accounts counted once (issue 18, docs/multi-account.md,
// "A flow between two accounts"), end to end: the efstop binary against the
// test endpoint (tests/endpoint/scenarios/org_members.json patched with
// org_cross_account.json: in eu-central-1, account 444455556666 has a
// client instance and no mount target, 777788889999 a file system whose
// mount target the client mounts) and s3rver. The flow is logged on the
// client's ENI (in A's folder, account-id A), on the mount target's ENI (in
// B's folder), or both; the expected rows, bytes and counters are summed
// here from the records this test writes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "cloud/cloud_test_util.h"
#include "cloud/org_bucket_fixture.h"

namespace efstop::cloud {
namespace {

constexpr const char* kBucket = test::kOrgBucket;
constexpr int64_t kStart = 1795946400;  // 2026-11-29T10:00:00Z
constexpr char kA[] = "444455556666";   // the client's account: no mount target here
constexpr char kB[] = "777788889999";   // the file system's owner
constexpr char kRegion[] = "eu-central-1";
constexpr char kClientEni[] = "eni-0ac00000000000001";
constexpr char kMountTargetEni[] = "eni-0bf00000000000001";
constexpr char kClient[] = "10.3.1.10";
constexpr char kServer[] = "10.3.2.100";

struct Flow {
  int port;
  int64_t written;  // client -> mount target
  int64_t read;     // mount target -> client
};
// Three NFS connections of the client to B's mount target.
const Flow kFlows[] = {{45001, 1207, 5303}, {45002, 2417, 6113}, {45003, 3631, 7927}};

int64_t sum_written() {
  int64_t n = 0;
  for (const Flow& f : kFlows) n += f.written;
  return n;
}
int64_t sum_read() {
  int64_t n = 0;
  for (const Flow& f : kFlows) n += f.read;
  return n;
}
// Records per ENI that logs the flows: one per direction per connection.
constexpr int64_t kRecordsPerEni = 2 * 3;

// The flows as `eni` of `account` logged them (both directions).
std::string records(const std::string& account, const std::string& eni) {
  std::string text;
  int i = 0;
  for (const Flow& f : kFlows) {
    const int64_t t = kStart + 300 + 60 * i++;
    const std::string times = std::to_string(t) + " " + std::to_string(t + 60);
    text += "2 " + account + " " + eni + " " + kClient + " " + kServer + " " +
            std::to_string(f.port) + " 2049 6 10 " + std::to_string(f.written) + " " + times +
            " ACCEPT OK\n";
    text += "2 " + account + " " + eni + " " + kServer + " " + kClient + " 2049 " +
            std::to_string(f.port) + " 6 12 " + std::to_string(f.read) + " " + times +
            " ACCEPT OK\n";
  }
  return text;
}

class CrossScopeTest : public test::OrgBucketTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_org({"org_cross_account.json"})); }
  // Puts `account`'s object with `text` under `prefix` (the flow log's
  // destination) in the plain layout; returns its key.
  std::string put(const std::string& prefix, const std::string& account, const std::string& text) {
    const std::string key = prefix + "AWSLogs/" + account + "/vpcflowlogs/" + kRegion +
                            "/2026/11/29/" + account + "_vpcflowlogs_" + kRegion +
                            "_fl-0x_20261129T1010Z_x" + account.substr(0, 2) + ".log.gz";
    EXPECT_TRUE(s3_->put_object(kBucket, key, test::gzip(text)).ok());
    return key;
  }
  // Both accounts in eu-central-1; `central`: the log-archive bucket's
  // AWSLogs tree, else each account's own flow logs (DescribeFlowLogs).
  std::string args(bool central) const {
    return "--profile p --region eu-west-1 --endpoint-url " + s3_->url() +
           (central ? std::string(" --s3 s3://") + kBucket : std::string()) +
           " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --accounts " + kA + "," + kB +
           " --role-name efstop-org-read --regions " + kRegion + " --output json";
  }
  // Runs efstop with args(central), which must exit `want`; its report
  // and stderr.
  void read_report(bool central, int want, nlohmann::json* report, std::string* err) {
    int code = -1;
    const std::string out = run(args(central), &code);
    *err = stderr_text();
    ASSERT_EQ(code, want) << *err << "\n" << front().server_log();
    *report = nlohmann::json::parse(out, nullptr, false);
  }

  // The one row: B's (the file system's owner), every byte of the flows
  // once, the client named from A (its instance, its account).
  void expect_one_row_in_the_owners_scope(const nlohmann::json& report) {
    ASSERT_TRUE(report.contains("rows")) << report.dump();
    ASSERT_EQ(report["rows"].size(), 1u) << report["rows"].dump();
    const nlohmann::json& row = report["rows"][0];
    EXPECT_EQ(row["account"], kB) << row.dump();
    EXPECT_EQ(row["region"], kRegion) << row.dump();
    EXPECT_EQ(row["bytes_written"], sum_written()) << row.dump();
    EXPECT_EQ(row["bytes_read"], sum_read()) << row.dump();
    EXPECT_EQ(row["flows"], kRecordsPerEni) << row.dump();
    EXPECT_EQ(row["server"].value("name", ""), "analytics-euc1-shared") << row.dump();
    EXPECT_EQ(row["client"].value("name", ""), "prod-euc1-app") << row.dump();
    EXPECT_EQ(row["client"].value("kind", ""), "ec2-instance") << row.dump();
    EXPECT_EQ(row["client"].value("account", ""), kA) << row.dump();
    EXPECT_EQ(row["bytes_total"], sum_written() + sum_read());
    const nlohmann::json& stats = report["stats"];
    expect_records_add_up(stats);
    EXPECT_EQ(stats["used"], kRecordsPerEni) << stats.dump();
    // The client's address is not in B's account: named by A, its calls counted.
    EXPECT_EQ(stats["cross_scope"]["names_from_other_scopes"], 1) << stats.dump();
    EXPECT_EQ(stats["names"]["external"], 0) << stats.dump();
  }

  // A per-scope read's report: the owner's row only, B's objects alone
  // fetched (A's never: no mount target there to discover them by).
  void expect_per_scope_report(const nlohmann::json& report, const std::string& err,
                               const std::set<std::string>& fetched) {
    expect_one_row_in_the_owners_scope(report);
    EXPECT_EQ(report["stats"]["records"], kRecordsPerEni) << report["stats"].dump();
    EXPECT_TRUE(report["stats"]["cross_scope"]["moves"].empty());
    EXPECT_NE(err.find("efstop: no EFS mount target in account 444455556666 eu-central-1: no "
                       "flow log discovered or read there\n"),
              std::string::npos)
        << err;
    const std::multiset<std::string> got = fetched_keys();
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), fetched);
    EXPECT_EQ(front().count("ec2:DescribeInstances"), 1);
  }
};

// (1) Both ENIs logged the flow: A counts it by port 2049 (no mount target
// of its own), B by its mount target; A's records are duplicates. Without
// the rule the report has two rows and twice the bytes.
TEST_F(CrossScopeTest, CentralBucketBothEnisLoggedCountsTheFlowOnceInTheOwnersRow) {
  put("", kA, records(kA, kClientEni));
  put("", kB, records(kB, kMountTargetEni));
  nlohmann::json report;
  std::string err;
  ASSERT_NO_FATAL_FAILURE(read_report(true, 0, &report, &err));
  expect_one_row_in_the_owners_scope(report);
  const nlohmann::json& stats = report["stats"];
  EXPECT_EQ(stats["records"], 2 * kRecordsPerEni) << stats.dump();
  EXPECT_EQ(stats["duplicates"], kRecordsPerEni) << stats.dump();
  const nlohmann::json& cross = stats["cross_scope"];
  EXPECT_EQ(cross["duplicates"], kRecordsPerEni) << cross.dump();
  EXPECT_EQ(cross["moved"], 0) << cross.dump();
  ASSERT_EQ(cross["moves"].size(), 1u) << cross.dump();
  EXPECT_EQ(cross["moves"][0], nlohmann::json({{"from_account", kA},
                                               {"from_region", kRegion},
                                               {"account", kB},
                                               {"region", kRegion},
                                               {"action", "duplicate"},
                                               {"pairs", 1},
                                               {"records", kRecordsPerEni},
                                               {"bytes", sum_written() + sum_read()}}));
  EXPECT_TRUE(cross["ambiguous"].empty());
  EXPECT_NE(err.find("efstop: cross-scope: 6 records (1 pair, " +
                     std::to_string(sum_written() + sum_read()) +
                     " bytes) counted in account 444455556666 eu-central-1 are of a mount "
                     "target of account 777788889999: its mount-target ENI logged them too, so "
                     "they are duplicates (counted there once)\n"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("efstop: cross-scope: 1 address not found in its row's account named by "
                     "another account of the region\n"),
            std::string::npos)
      << err;
}

// (2) Only the client's ENI logged it (the mount target's VPC has no flow
// log): A's totals move to B's row.
TEST_F(CrossScopeTest, CentralBucketOnlyTheClientsEniLoggedMovesItToTheOwnersRow) {
  put("", kA, records(kA, kClientEni));
  nlohmann::json report;
  std::string err;
  ASSERT_NO_FATAL_FAILURE(read_report(true, 0, &report, &err));
  expect_one_row_in_the_owners_scope(report);
  const nlohmann::json& stats = report["stats"];
  EXPECT_EQ(stats["records"], kRecordsPerEni) << stats.dump();
  EXPECT_EQ(stats["duplicates"], 0) << stats.dump();
  const nlohmann::json& cross = stats["cross_scope"];
  EXPECT_EQ(cross["duplicates"], 0) << cross.dump();
  EXPECT_EQ(cross["moved"], kRecordsPerEni) << cross.dump();
  ASSERT_EQ(cross["moves"].size(), 1u) << cross.dump();
  EXPECT_EQ(cross["moves"][0]["action"], "moved");
  EXPECT_EQ(cross["moves"][0]["bytes"], sum_written() + sum_read());
  EXPECT_NE(err.find("are of a mount target of account 777788889999: moved to its row (its "
                     "mount-target ENI has no flow log read)\n"),
            std::string::npos)
      << err;
}

// (3) Only the mount target's ENI logged it: B's row as before, its client
// named from A.
TEST_F(CrossScopeTest, CentralBucketOnlyTheMountTargetsEniLoggedNamesTheClientFromItsAccount) {
  put("", kB, records(kB, kMountTargetEni));
  nlohmann::json report;
  std::string err;
  ASSERT_NO_FATAL_FAILURE(read_report(true, 0, &report, &err));
  expect_one_row_in_the_owners_scope(report);
  const nlohmann::json& cross = report["stats"]["cross_scope"];
  EXPECT_EQ(cross["duplicates"], 0) << cross.dump();
  EXPECT_EQ(cross["moved"], 0) << cross.dump();
  EXPECT_TRUE(cross["moves"].empty()) << cross.dump();
  EXPECT_EQ(report["stats"]["duplicates"], 0);
  // Asked in A, the only account with an instance: its ENI, then its instance.
  EXPECT_EQ(front().count("ec2:DescribeInstances"), 1);
}

// Per-scope reads (no --s3): each account's flow logs are found from its
// mount targets. B's flow log (its mount target's VPC) is read with B's
// role; A has no mount target in the region, so its flow log is neither
// discovered nor read (said), and the flow is counted once, in B's row,
// with the client named from A. Both ENIs logged the flow (1), or only B's
// (3): the same report.
TEST_F(CrossScopeTest, PerScopeReadsBothEnisLoggedCountTheOwnersLogOnce) {
  const std::string b_key = put("member-b/", kB, records(kB, kMountTargetEni));
  put("member-a/", kA, records(kA, kClientEni));
  nlohmann::json report;
  std::string err;
  ASSERT_NO_FATAL_FAILURE(read_report(false, 0, &report, &err));
  expect_per_scope_report(report, err, {b_key});
}

TEST_F(CrossScopeTest, PerScopeReadsOnlyTheMountTargetsEniLoggedNamesTheClientFromItsAccount) {
  const std::string b_key = put("member-b/", kB, records(kB, kMountTargetEni));
  nlohmann::json report;
  std::string err;
  ASSERT_NO_FATAL_FAILURE(read_report(false, 0, &report, &err));
  expect_per_scope_report(report, err, {b_key});
}

// (2) Only the client's ENI logged it: per-scope reads cannot see it (A's
// flow log is not discovered without a mount target there), and say why;
// the central bucket counts it (above). B's flow log delivered nothing.
TEST_F(CrossScopeTest, PerScopeReadsOnlyTheClientsEniLoggedIsNotReadAndSaysWhy) {
  put("member-a/", kA, records(kA, kClientEni));
  int code = -1;
  const std::string out = run(args(false), &code);
  const std::string err = stderr_text();
  // B's flow log has delivered nothing: B's scope is a failed input, as
  // itself; A's is read with nothing to count.
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(report.contains("rows")) << out;
  EXPECT_TRUE(report["rows"].empty()) << report["rows"].dump();
  EXPECT_EQ(report["stats"]["records"], 0);
  EXPECT_EQ(front().count("s3:GetObject"), 0);
  ASSERT_EQ(report["failed_inputs"].size(), 1u) << report["failed_inputs"].dump();
  EXPECT_EQ(report["failed_inputs"][0]["input"], "account 777788889999 eu-central-1");
  EXPECT_NE(report["failed_inputs"][0]["error"].get<std::string>().find(
                "s3://efstop-log-archive/member-b/: no flow-log deliveries there"),
            std::string::npos)
      << report["failed_inputs"].dump();
  EXPECT_NE(err.find("efstop: no EFS mount target in account 444455556666 eu-central-1: no "
                     "flow log discovered or read there\n"),
            std::string::npos)
      << err;
}

// Every account failed (the only one asked cannot be assumed): no report,
// exit 1, the failure named; not an empty "partial" report.
TEST_F(CrossScopeTest, EveryAccountFailedIsAnErrorNotAnEmptyPartialReport) {
  for (const bool central : {true, false}) {
    SCOPED_TRACE(central ? "central bucket" : "per-scope reads");
    int code = -1;
    const std::string out =
        run("--profile p --region eu-west-1 --endpoint-url " + s3_->url() +
                (central ? std::string(" --s3 s3://") + kBucket : std::string()) +
                " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --accounts "
                "999900001111 --role-name efstop-org-read --regions eu-west-1 --output json",
            &code);
    const std::string err = stderr_text();
    EXPECT_EQ(code, 1) << err;
    EXPECT_EQ(out, "");
    EXPECT_NE(err.find("efstop: read account 999900001111: assume role "
                       "arn:aws:iam::999900001111:role/efstop-org-read"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("efstop: read accounts and regions: none of the 1 could be read (each "
                       "failure above); no report written\n"),
              std::string::npos)
        << err;
  }
}

}  // namespace
}  // namespace efstop::cloud
