// Many accounts and regions in one report (issue 18, docs/multi-account.md),
// end to end: the efstop binary against the test endpoint playing an
// organization (tests/endpoint/scenarios/org_members.json: two member
// accounts with the SAME addresses in eu-west-1 and us-west-2, a third whose
// role does not trust the caller) and a log-archive bucket in s3rver holding
// every member's flow logs under AWSLogs/<account>/vpcflowlogs/<region>/.
// The expected rows are summed here from the records this test writes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cloud/cloud_test_util.h"
#include "cloud/org_bucket_fixture.h"
#include "harness/harness_process.h"

namespace efstop::cloud {
namespace {

constexpr const char* kBucket = test::kOrgBucket;
constexpr int64_t kStart = 1795946400;  // 2026-11-29T10:00:00Z
const char* const kMembers[] = {"444455556666", "777788889999"};
const char* const kDenied = "999900001111";  // its role does not trust the caller
const char* const kRegions[] = {"eu-west-1", "us-west-2"};

std::string prefix_of(const std::string& account) {
  return account == "444455556666" ? "prod" : "analytics";
}
std::string short_of(const std::string& region) { return region == "eu-west-1" ? "euw1" : "usw2"; }

// One NFS connection of 10.1.1.10 to the mount target 10.1.2.100 as `eni`
// of `account` logged it from t to t + 60: `written` bytes to the server,
// `read` back (4 and 5 packets).
std::string nfs_records(const std::string& account, const std::string& eni, int port,
                        int64_t written, int64_t read, int64_t t) {
  const std::string tail = " " + std::to_string(t) + " " + std::to_string(t + 60) + " ACCEPT OK\n";
  return "2 " + account + " " + eni + " 10.1.1.10 10.1.2.100 " + std::to_string(port) +
         " 2049 6 4 " + std::to_string(written) + tail + "2 " + account + " " + eni +
         " 10.1.2.100 10.1.1.10 2049 " + std::to_string(port) + " 6 5 " + std::to_string(read) +
         tail;
}

struct Expected {
  int64_t read = 0;
  int64_t written = 0;
};

class MultiAccountTest : public test::OrgBucketTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_org());
    // One object per account and region; the numbers differ per scope
    // (k = 1..), and the denied account has flow logs too (never read).
    int k = 1;
    std::vector<std::string> accounts(std::begin(kMembers), std::end(kMembers));
    accounts.push_back(kDenied);
    for (const std::string& account : accounts) {
      for (const std::string region : kRegions) {
        // AWS's header line first (an Athena table skips it).
        std::string text =
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
            "bytes start end action log-status\n";
        Expected e;
        for (int i = 0; i < 3; ++i) {
          const int64_t written = 1000 * k + 10 * i + 7;
          const int64_t read = 5000 * k + 100 * i + 3;
          const int64_t t = kStart + 300 + 60 * i;
          const std::string eni = "eni-0" + std::to_string(k) + "c00000000000001";
          text += "2 " + account + " " + eni + " 10.1.1.10 10.1.2.100 4400" + std::to_string(i) +
                  " 2049 6 10 " + std::to_string(written) + " " + std::to_string(t) + " " +
                  std::to_string(t + 60) + " ACCEPT OK\n";
          text += "2 " + account + " " + eni + " 10.1.2.100 10.1.1.10 2049 4400" +
                  std::to_string(i) + " 6 12 " + std::to_string(read) + " " + std::to_string(t) +
                  " " + std::to_string(t + 60) + " ACCEPT OK\n";
          e.written += written;
          e.read += read;
        }
        // Outside the window: left out by the engine.
        text += "2 " + account + " eni-x 10.1.1.10 10.1.2.100 45000 2049 6 1 999 " +
                std::to_string(kStart - 7200) + " " + std::to_string(kStart - 7140) +
                " ACCEPT OK\n";
        expected_[{account, region}] = e;
        const std::string key = "AWSLogs/" + account + "/vpcflowlogs/" + region + "/2026/11/29/" +
                                account + "_vpcflowlogs_" + region + "_fl-0" + std::to_string(k) +
                                "_20261129T1010Z_ab" + std::to_string(k) + ".log.gz";
        EXPECT_TRUE(s3_->put_object(kBucket, key, test::gzip(text)).ok());
        ++k;
      }
    }
  }
  std::string aws_args() const {
    return "--profile p --region eu-west-1 --endpoint-url " + s3_->url() + " --s3 s3://" + kBucket +
           " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z";
  }
  // The scenario's three member accounts (999900001111's role cannot be
  // assumed) in both regions.
  std::string all_scopes_args() const {
    return aws_args() +
           " --accounts 444455556666,777788889999,999900001111"
           " --role-name efstop-org-read --regions eu-west-1,us-west-2";
  }
  // Every row of `report` checked against the records written: one per
  // member account and region, named from that account and region.
  void expect_member_rows(const nlohmann::json& report) {
    ASSERT_TRUE(report.contains("rows")) << report.dump();
    std::set<std::pair<std::string, std::string>> seen;
    int64_t shown = 0;
    for (const nlohmann::json& row : report["rows"]) {
      const std::string account = row.value("account", "");
      const std::string region = row.value("region", "");
      seen.insert({account, region});
      auto it = expected_.find({account, region});
      ASSERT_NE(it, expected_.end()) << row.dump();
      EXPECT_EQ(row["bytes_written"], it->second.written) << row.dump();
      EXPECT_EQ(row["bytes_read"], it->second.read) << row.dump();
      shown += row["bytes_total"].get<int64_t>();
      const std::string name = prefix_of(account) + "-" + short_of(region);
      EXPECT_EQ(row["client"].value("name", ""), name + "-app") << row.dump();
      EXPECT_EQ(row["server"].value("name", ""), name + "-data") << row.dump();
    }
    EXPECT_EQ(seen.size(), 4u) << report["rows"].dump();
    // Every member byte is in the report, and nothing of the denied account.
    int64_t want = 0;
    for (const char* account : kMembers) {
      for (const char* region : kRegions) {
        const Expected& e = expected_.at({account, region});
        want += e.read + e.written;
      }
    }
    EXPECT_EQ(shown, want);
  }

  std::map<std::pair<std::string, std::string>, Expected> expected_;
};

TEST_F(MultiAccountTest, TwoAccountsTwoRegionsOneReportAndTheDeniedAccountNamed) {
  int code = -1;
  const std::string out = run(all_scopes_args() + " --output json", &code);
  const std::string err = stderr_text();
  // Partial: the denied account is missing, said as itself; the rest is whole.
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  expect_member_rows(report);
  EXPECT_TRUE(report["partial"].get<bool>());
  ASSERT_EQ(report["failed_inputs"].size(), 1u) << report["failed_inputs"].dump();
  EXPECT_EQ(report["failed_inputs"][0]["input"], "account 999900001111");
  const std::string why = report["failed_inputs"][0]["error"];
  EXPECT_NE(why.find("AccessDenied"), std::string::npos) << why;
  EXPECT_NE(why.find("arn:aws:iam::999900001111:role/efstop-org-read"), std::string::npos) << why;
  EXPECT_NE(err.find("efstop: read account 999900001111: assume role"), std::string::npos) << err;
  // The summary counts the account apart from the files it did not list
  // (it said "1 of 4 inputs", and "2 of 0 inputs" when no account was read).
  EXPECT_NE(err.find("partial: 1 account or region could not be read; the report leaves out its "
                     "records\npartial: account 999900001111: assume role"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("inputs could not be read"), std::string::npos) << err;
  // One AssumeRole per account (the credentials serve both regions).
  EXPECT_EQ(front().count("sts:AssumeRole"), 3);
  EXPECT_EQ(front().count("ec2:DescribeRegions"), 0);
  // Every object of the members was read, none of the denied account's.
  EXPECT_EQ(front().count("s3:GetObject"), 4);
  EXPECT_EQ(report["stats"]["outside_window"], 4) << report["stats"].dump();
}

TEST_F(MultiAccountTest, OrganizationAndAllRegions) {
  int code = -1;
  const std::string out = run(aws_args() +
                                  " --organization --role-name efstop-org-read --regions all"
                                  " --scope-concurrency 2 --output json",
                              &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  expect_member_rows(nlohmann::json::parse(out, nullptr, false));
  EXPECT_EQ(front().count("organizations:ListAccounts"), 1);
  // The caller's list, then each assumed member's own (the denied one has none).
  EXPECT_EQ(front().count("ec2:DescribeRegions"), 3);
  EXPECT_NE(err.find("regions enabled for the caller's account (DescribeRegions): eu-west-1, "
                     "us-west-2"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("regions enabled in 2 accounts (444455556666, 777788889999) (DescribeRegions "
                     "with its role): eu-west-1, us-west-2"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("account 123412341234 left out: ListAccounts says it is SUSPENDED"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("efstop: read account 999900001111"), std::string::npos) << err;
}

// --regions all across accounts asks each account for its own enabled
// regions (with its role): 444455556666 has only eu-west-1 enabled, so its
// us-west-2 folder is not read; 777788889999's role may not call
// DescribeRegions, so the caller's list stands in for it, and a note says so.
TEST_F(MultiAccountTest, AllRegionsAreEachMemberAccountsOwn) {
  ASSERT_TRUE(front()
                  .patch_scenario(R"({"member_enabled_regions": {"444455556666": ["eu-west-1"]}})")
                  .ok());
  ASSERT_TRUE(front().deny_actions({"ec2:DescribeRegions"}, {"777788889999"}).ok());
  int code = -1;
  const std::string out = run(aws_args() +
                                  " --accounts 444455556666,777788889999 --role-name "
                                  "efstop-org-read --regions all --output json",
                              &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 0) << err << "\n" << front().server_log();
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  std::set<std::pair<std::string, std::string>> seen;
  int64_t shown = 0;
  for (const nlohmann::json& row : report["rows"]) {
    const std::pair<std::string, std::string> scope{row.value("account", ""),
                                                    row.value("region", "")};
    seen.insert(scope);
    ASSERT_TRUE(expected_.count(scope)) << row.dump();
    EXPECT_EQ(row["bytes_written"], expected_.at(scope).written) << row.dump();
    EXPECT_EQ(row["bytes_read"], expected_.at(scope).read) << row.dump();
    shown += row["bytes_total"].get<int64_t>();
  }
  const std::set<std::pair<std::string, std::string>> want_scopes = {
      {"444455556666", "eu-west-1"}, {"777788889999", "eu-west-1"}, {"777788889999", "us-west-2"}};
  EXPECT_EQ(seen, want_scopes) << report["rows"].dump();
  int64_t want = 0;
  for (const auto& scope : want_scopes)
    want += expected_.at(scope).read + expected_.at(scope).written;
  EXPECT_EQ(shown, want);
  // The caller's list, and one call per member with its role.
  EXPECT_EQ(front().count("ec2:DescribeRegions"), 3);
  EXPECT_EQ(front().count("s3:GetObject"), 3);
  EXPECT_NE(err.find("regions enabled in account 444455556666 (DescribeRegions with its role): "
                     "eu-west-1\n"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("account 777788889999: describe-regions with its role failed ("),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("UnauthorizedOperation"), std::string::npos) << err;
  EXPECT_NE(err.find("reading the caller's enabled regions there"), std::string::npos) << err;
}

// A central bucket in both layouts, with a shared VPC: 444455556666's
// eu-west-1 folder also holds records captured on 777788889999's ENI
// (account-id 777788889999), on an ENI whose account-id is `-`, and on
// ENIs of an account not asked for and of the account whose role is denied.
// Records count in the account of their field (named there), else in the
// folder's; the others are counted in stats and named, not in the totals.
// Every object is read once (GetObject per key), Hive and per-hour keys
// included. The expected numbers are summed here from the records written.
TEST_F(MultiAccountTest, CentralBucketAttributesRecordsByAccountFieldAndReadsBothLayoutsOnce) {
  std::set<std::string> keys;  // every object of the asked members in the window
  for (const char* account : kMembers) {
    for (const char* region : kRegions) {
      const int k = (account == std::string(kMembers[0]) ? 1 : 3) +
                    (region == std::string(kRegions[0]) ? 0 : 1);
      keys.insert("AWSLogs/" + std::string(account) + "/vpcflowlogs/" + region + "/2026/11/29/" +
                  account + "_vpcflowlogs_" + region + "_fl-0" + std::to_string(k) +
                  "_20261129T1010Z_ab" + std::to_string(k) + ".log.gz");
    }
  }
  const auto record = nfs_records;
  auto put = [&](const std::string& key, const std::string& text) {
    ASSERT_TRUE(s3_->put_object(kBucket, key, test::gzip(text)).ok());
    keys.insert(key);
  };
  const std::string a = kMembers[0];
  const std::string b = kMembers[1];
  // Hive-compatible with per-hour partitions: 777788889999 us-west-2 (k = 4).
  put("AWSLogs/aws-account-id=" + b +
          "/aws-service=vpcflowlogs/aws-region=us-west-2/"
          "year=2026/month=11/day=29/hour=10/" +
          b + "_vpcflowlogs_us-west-2_fl-0h_20261129T1025Z_hv1.log.gz",
      record(b, "eni-04c00000000000001", 46001, 71, 73, kStart + 900));
  expected_[{b, "us-west-2"}].written += 71;
  expected_[{b, "us-west-2"}].read += 73;
  // Plain with per-hour partitions: 444455556666 us-west-2 (k = 2).
  put("AWSLogs/" + a + "/vpcflowlogs/us-west-2/2026/11/29/10/" + a +
          "_vpcflowlogs_us-west-2_fl-0p_20261129T1030Z_ph1.log.gz",
      record(a, "eni-02c00000000000001", 46002, 81, 83, kStart + 1200));
  expected_[{a, "us-west-2"}].written += 81;
  expected_[{a, "us-west-2"}].read += 83;
  // The shared VPC's flow log, in 444455556666's eu-west-1 folder.
  const std::string outside_account = "123412341234";
  put("AWSLogs/" + a + "/vpcflowlogs/eu-west-1/2026/11/29/" + a +
          "_vpcflowlogs_eu-west-1_fl-0s_20261129T1035Z_sv1.log.gz",
      record(b, "eni-03c00000000000001", 46003, 91, 93, kStart + 1500) +
          record("-", "eni-01c00000000000001", 46004, 11, 13, kStart + 1500) +
          record(outside_account, "eni-0ffff000000000001", 46005, 21, 23, kStart + 1500) +
          record(kDenied, "eni-05c00000000000001", 46006, 31, 33, kStart + 1500));
  expected_[{b, "eu-west-1"}].written += 91;
  expected_[{b, "eu-west-1"}].read += 93;
  expected_[{a, "eu-west-1"}].written += 11;
  expected_[{a, "eu-west-1"}].read += 13;

  int code = -1;
  const std::string out = run(all_scopes_args() + " --output json", &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  expect_member_rows(report);
  // Each object once: the GetObject paths are the keys, none twice.
  const std::multiset<std::string> got = fetched_keys();
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), keys);
  EXPECT_EQ(got.size(), keys.size());
  const nlohmann::json& stats = report["stats"];
  EXPECT_EQ(stats["files"], static_cast<int64_t>(keys.size())) << stats.dump();
  // Lines: 7 in each of the 4 objects of SetUp, 2 in each per-hour one, 8 in the shared one.
  const int64_t lines = 4 * 7 + 2 + 2 + 8;
  EXPECT_EQ(stats["lines"], lines) << stats.dump();
  EXPECT_EQ(stats["records"], lines);
  EXPECT_EQ(stats["outside_scopes"], 4);
  expect_records_add_up(stats);
  const nlohmann::json& attribution = stats["attribution"];
  EXPECT_EQ(attribution["by_key"], 2) << attribution.dump();
  EXPECT_EQ(attribution["by_field"], lines - 2) << attribution.dump();
  // The denied account's folder (SetUp's objects) was not listed.
  EXPECT_EQ(attribution["unread_folders"],
            nlohmann::json::array({nlohmann::json({{"account", kDenied},
                                                   {"prefix", "AWSLogs/999900001111/"},
                                                   {"reason", "scope failed"}})}))
      << attribution.dump();
  ASSERT_EQ(attribution["moved"].size(), 1u) << attribution.dump();
  const nlohmann::json& moved = attribution["moved"][0];
  EXPECT_EQ(moved["from_account"], a);
  EXPECT_EQ(moved["from_region"], "eu-west-1");
  EXPECT_EQ(moved["account"], b);
  EXPECT_EQ(moved["region"], "eu-west-1");
  EXPECT_EQ(moved["records"], 2);
  EXPECT_EQ(moved["bytes"], 91 + 93);
  ASSERT_EQ(attribution["outside"].size(), 2u) << attribution.dump();
  EXPECT_EQ(attribution["outside"][0], nlohmann::json({{"account", outside_account},
                                                       {"region", "eu-west-1"},
                                                       {"records", 2},
                                                       {"bytes", 21 + 23},
                                                       {"reason", "not asked"}}));
  EXPECT_EQ(attribution["outside"][1], nlohmann::json({{"account", kDenied},
                                                       {"region", "eu-west-1"},
                                                       {"records", 2},
                                                       {"bytes", 31 + 33},
                                                       {"reason", "scope failed"}}));
  EXPECT_EQ(attribution["unattributed"], nlohmann::json({{"records", 0}, {"bytes", 0}}));
  EXPECT_NE(err.find("efstop: attribution: 2 records in account 444455556666's folder "
                     "(eu-west-1) were captured on account 777788889999's ENIs (shared VPC): "
                     "counted in 777788889999\n"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("efstop: attribution: 4 records (108 bytes) were captured on ENIs of "
                     "accounts or regions this report does not read: 123412341234 eu-west-1 "
                     "(2 records, 44 bytes, not asked), 999900001111 eu-west-1 (2 records, 64 "
                     "bytes, scope failed); left out of the totals"),
            std::string::npos)
      << err;
}

// --method athena over the central bucket (docs/athena.md, "Across accounts
// and regions"): ONE table over every asked account and region folder and
// ONE query, whose rows are attributed by the engine's own rule and counted
// in each scope with its mount targets, then named there. The bucket holds
// SetUp's objects (one per account and region, a record outside the window
// in each), the shared VPC's object in 444455556666's eu-west-1 folder
// (records of 777788889999's ENI, of a `-` account, of an account not
// asked for and of the denied one), non-EFS traffic of both members and a
// record without a destination address. The report equals streaming's,
// rows and every counter (the Athena path sees every record: the non-EFS
// ones come back collapsed, not filtered), and the rows equal the sums of
// the records written (expect_member_rows).
TEST_F(MultiAccountTest, CentralBucketThroughAthenaGivesTheStreamingReport) {
  const std::string a = kMembers[0];
  const std::string b = kMembers[1];
  const auto record = nfs_records;
  auto put = [&](const std::string& key, const std::string& text) {
    // AWS's own header line: Athena's table skips one line per object.
    ASSERT_TRUE(s3_->put_object(kBucket, key,
                                test::gzip("version account-id interface-id srcaddr dstaddr "
                                           "srcport dstport protocol packets bytes start end "
                                           "action log-status\n" +
                                           text))
                    .ok());
  };
  put("AWSLogs/" + a + "/vpcflowlogs/eu-west-1/2026/11/29/" + a +
          "_vpcflowlogs_eu-west-1_fl-0s_20261129T1035Z_sv1.log.gz",
      record(b, "eni-03c00000000000001", 46003, 91, 93, kStart + 1500) +
          record("-", "eni-01c00000000000001", 46004, 11, 13, kStart + 1500) +
          record("123412341234", "eni-0ffff000000000001", 46005, 21, 23, kStart + 1500) +
          record(kDenied, "eni-05c00000000000001", 46006, 31, 33, kStart + 1500) +
          // Not EFS traffic (HTTPS) of both members, inside and outside the
          // window, and a record whose destination is unknown.
          "2 " + a + " eni-01c00000000000001 10.1.1.10 10.1.9.9 45500 443 6 3 700 " +
          std::to_string(kStart + 1500) + " " + std::to_string(kStart + 1560) + " ACCEPT OK\n" +
          "2 " + b + " eni-03c00000000000001 10.1.1.10 10.1.9.9 45501 443 6 3 800 " +
          std::to_string(kStart + 1500) + " " + std::to_string(kStart + 1560) + " ACCEPT OK\n" +
          "2 " + a + " eni-01c00000000000001 10.1.1.10 10.1.9.9 45502 443 6 3 900 " +
          std::to_string(kStart - 7200) + " " + std::to_string(kStart - 7140) + " ACCEPT OK\n" +
          "2 " + a + " eni-01c00000000000001 10.1.1.10 - 45503 2049 6 3 600 " +
          std::to_string(kStart + 1500) + " " + std::to_string(kStart + 1560) + " ACCEPT OK\n");
  expected_[{b, "eu-west-1"}].written += 91;
  expected_[{b, "eu-west-1"}].read += 93;
  expected_[{a, "eu-west-1"}].written += 11;
  expected_[{a, "eu-west-1"}].read += 13;
  // A shared VPC whose owner is not asked for: its flow log, in the owner's
  // folder, holds records of 444455556666's ENI (counted only with
  // --s3-all-folders, below) and of the owner's own (never counted).
  const std::string owner = "123412341234";
  put("AWSLogs/" + owner + "/vpcflowlogs/eu-west-1/2026/11/29/" + owner +
          "_vpcflowlogs_eu-west-1_fl-0o_20261129T1040Z_ow1.log.gz",
      record(a, "eni-01c00000000000001", 48001, 211, 213, kStart + 1800) +
          record(owner, "eni-0dd00000000000002", 48002, 221, 223, kStart + 1800));

  int code = -1;
  // Athena needs the flow log's columns (discovery would give them).
  const std::string format =
      " --log-format '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
      "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}'";
  const std::string streamed_out = run(all_scopes_args() + format + " --output json", &code);
  ASSERT_EQ(code, 3) << stderr_text() << "\n" << front().server_log();
  const nlohmann::json streamed = nlohmann::json::parse(streamed_out, nullptr, false);
  expect_member_rows(streamed);
  const int64_t objects = front().count("s3:GetObject");
  const std::string athena_out =
      run(all_scopes_args() + format + " --method athena --output json", &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const nlohmann::json athena = nlohmann::json::parse(athena_out, nullptr, false);
  expect_member_rows(athena);
  EXPECT_EQ(athena["rows"], streamed["rows"]);
  // The same failed input (its request id differs from run to run).
  ASSERT_EQ(athena["failed_inputs"].size(), 1u) << athena["failed_inputs"].dump();
  EXPECT_EQ(athena["failed_inputs"][0]["input"], "account 999900001111");
  EXPECT_NE(athena["failed_inputs"][0]["error"].get<std::string>().find("AccessDenied"),
            std::string::npos);
  // Every counter, attribution included; `files` counts one query
  // against the objects streamed, and the second run's names come from
  // the cache the first one filled (the same addresses).
  nlohmann::json sa = athena["stats"], ss = streamed["stats"];
  EXPECT_EQ(sa["files"], 1);
  EXPECT_EQ(ss["files"], 5);
  EXPECT_EQ(sa["names"]["ips"], ss["names"]["ips"]);
  for (const char* k : {"files", "names"}) {
    sa.erase(k);
    ss.erase(k);
  }
  EXPECT_EQ(sa, ss);
  // Not vacuous: each kind of record occurred (counted from those written).
  EXPECT_EQ(ss["not_efs"], 2) << ss.dump();
  EXPECT_EQ(ss["outside_window"], 4 + 1) << ss.dump();
  EXPECT_EQ(ss["unknown_address"], 1) << ss.dump();
  EXPECT_EQ(ss["outside_scopes"], 4) << ss.dump();
  EXPECT_EQ(ss["attribution"]["moved"].size(), 1u) << ss.dump();
  // Athena, not streaming: no object fetched by efstop, one table and one
  // SELECT for every scope, pruned by account, region and day.
  EXPECT_EQ(front().count("s3:GetObject"), objects);
  EXPECT_EQ(front().count("athena:StartQueryExecution"), 2);  // the DDL, the SELECT
  // The last CREATE TABLE and SELECT the endpoint was sent.
  const auto last_sql = [&](std::string* ddl, std::string* select) {
    Result<nlohmann::json> log = front().requests();
    ASSERT_TRUE(log.ok());
    for (const nlohmann::json& r : *log) {
      if (r["operation"] != "athena:StartQueryExecution") continue;
      const std::string sql = r["params"]["QueryString"].get<std::string>();
      *(sql.rfind("CREATE", 0) == 0 ? ddl : select) = sql;
    }
  };
  std::string ddl, select;
  last_sql(&ddl, &select);
  EXPECT_NE(ddl.find("'projection.aws_account.values'='444455556666,777788889999'"),
            std::string::npos)
      << ddl;
  EXPECT_NE(ddl.find("'projection.aws_region.values'='eu-west-1,us-west-2'"), std::string::npos)
      << ddl;
  EXPECT_NE(ddl.find("AWSLogs/${aws_account}/vpcflowlogs/${aws_region}/${year}"), std::string::npos)
      << ddl;
  EXPECT_NE(select.find("WHERE \"aws_account\" IN ('444455556666', '777788889999')\n"
                        "    AND \"aws_region\" IN ('eu-west-1', 'us-west-2')\n"
                        "    AND ((\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29))"),
            std::string::npos)
      << select;
  // The bytes scanned and their cost, once, in the central bucket's part.
  const size_t cost = err.find(" scanned, estimated cost USD ");
  ASSERT_NE(cost, std::string::npos) << err;
  EXPECT_EQ(err.find(" scanned, estimated cost USD ", cost + 1), std::string::npos) << err;
  EXPECT_NE(err.find("efstop: -- central bucket s3://efstop-log-archive (every scope, read once)"),
            std::string::npos)
      << err;
  // Without --s3-all-folders the owner's folder is named, not read, by
  // either path (sa == ss above): its records of 444455556666's ENI are in
  // no row (expect_member_rows).
  EXPECT_EQ(ss["attribution"]["unread_folders"], nlohmann::json::parse(R"([
      {"account": "123412341234", "prefix": "AWSLogs/123412341234/", "reason": "not asked"},
      {"account": "999900001111", "prefix": "AWSLogs/999900001111/", "reason": "scope failed"}])"))
      << ss.dump();
  EXPECT_NE(err.find("efstop: attribution: 2 other account folders in the bucket were not read: "
                     "123412341234 (not asked), 999900001111 (scope failed)"),
            std::string::npos)
      << err;

  // With --s3-all-folders: every account folder (plain layout only here:
  // one Athena table describes one layout), so the asked account's records
  // in the owner's folder are counted in 444455556666 eu-west-1, through
  // Athena exactly as through streaming (rows and every counter).
  const std::string all = all_scopes_args() + format + " --s3-all-folders --output json";
  const nlohmann::json streamed_all = nlohmann::json::parse(run(all, &code), nullptr, false);
  ASSERT_EQ(code, 3) << stderr_text();
  const int64_t objects_all = front().count("s3:GetObject");
  const nlohmann::json athena_all =
      nlohmann::json::parse(run(all + " --method athena", &code), nullptr, false);
  const std::string err_all = stderr_text();
  ASSERT_EQ(code, 3) << err_all << "\n" << front().server_log();
  expected_[{a, "eu-west-1"}].written += 211;
  expected_[{a, "eu-west-1"}].read += 213;
  expect_member_rows(streamed_all);
  expect_member_rows(athena_all);
  EXPECT_EQ(athena_all["rows"], streamed_all["rows"]);
  sa = athena_all["stats"];
  ss = streamed_all["stats"];
  EXPECT_EQ(sa["files"], 1);
  EXPECT_EQ(ss["files"], 5 + 1 + 2);  // the owner's object and the denied account's two
  for (const char* k : {"files", "names"}) {
    sa.erase(k);
    ss.erase(k);
  }
  EXPECT_EQ(sa, ss);
  EXPECT_EQ(ss["attribution"]["unread_folders"], nlohmann::json::array()) << ss.dump();
  // The moved records: 777788889999's three in 444455556666's folder (its
  // NFS pair and its HTTPS record: 91 + 93 + 800 bytes), and the asked
  // account's two in the owner's folder; and those counted in no scope: the
  // shared object's 4 of other accounts, the owner's own 2, the denied
  // account's 7 + 7.
  EXPECT_EQ(ss["attribution"]["moved"], nlohmann::json::parse(R"([
      {"from_account": "444455556666", "from_region": "eu-west-1", "account": "777788889999",
       "region": "eu-west-1", "records": 3, "bytes": 984},
      {"from_account": "123412341234", "from_region": "eu-west-1", "account": "444455556666",
       "region": "eu-west-1", "records": 2, "bytes": 424}])"))
      << ss.dump();
  EXPECT_EQ(ss["outside_scopes"], 4 + 2 + 7 + 7) << ss.dump();
  EXPECT_EQ(front().count("s3:GetObject"), objects_all);
  EXPECT_EQ(front().count("athena:StartQueryExecution"), 4);
  last_sql(&ddl, &select);
  EXPECT_NE(ddl.find("'projection.aws_account.values'='123412341234,444455556666,777788889999,"
                     "999900001111'"),
            std::string::npos)
      << ddl;
  EXPECT_NE(select.find("WHERE \"aws_account\" IN ('123412341234', '444455556666', "
                        "'777788889999', '999900001111')\n"),
            std::string::npos)
      << select;
}

// One record of a central bucket test: its object's folder, its account-id
// and region fields ("" = absent or NULL, "-" and "unknown" as written),
// and the bytes of its two directions (client -> mount target, back).
struct CentralRecord {
  std::string folder_account;
  std::string folder_region;
  std::string account;
  std::string region;
  int port = 0;
  int64_t written = 0;
  int64_t read = 0;
};

// Where a record is counted, worked out here from its fields and folder
// (docs/multi-account.md, "Which scope a record is counted in"): the field
// when it has a value, else the folder.
std::pair<std::string, std::string> scope_of(const CentralRecord& r) {
  const auto value = [](const std::string& v) { return !v.empty() && v != "-" && v != "unknown"; };
  return {value(r.account) ? r.account : r.folder_account,
          value(r.region) ? r.region : r.folder_region};
}

// Parquet rows are attributed by their account_id and region columns as
// text lines are by their fields: the same objects written as text (with a
// header line) and as Parquet (DuckDB) under two prefixes of the bucket give
// the same report, and every counter equals the one worked out here from
// the records. A shared VPC's rows (account_id of another account than the
// folder's) are counted in that account: were the columns ignored, they
// would be counted in the folder's account and `moved` would be empty.
TEST_F(MultiAccountTest, CentralBucketParquetRowsAttributedByTheirColumnsAsText) {
  const std::string a = kMembers[0];
  const std::string b = kMembers[1];
  const std::string other = "123412341234";  // not asked
  const std::vector<CentralRecord> with_columns = {
      {a, "eu-west-1", a, "eu-west-1", 47001, 101, 103},
      {a, "eu-west-1", b, "eu-west-1", 47002, 111, 113},          // shared VPC: b's ENI
      {a, "eu-west-1", b, "", 47003, 121, 123},                   // region NULL: the folder's
      {a, "eu-west-1", "", "-", 47004, 131, 133},                 // both unknown: the folder's
      {a, "eu-west-1", "unknown", "us-west-2", 47005, 141, 143},  // region field only
      {a, "eu-west-1", other, "eu-west-1", 47006, 151, 153},      // an account not asked
      {b, "us-west-2", b, "us-west-2", 47007, 161, 163},
      {b, "us-west-2", a, "us-west-2", 47008, 171, 173},  // shared VPC the other way
  };
  // A flow log whose LogFormat has neither field: attributed by its folder.
  const std::vector<CentralRecord> without_columns = {
      {a, "us-west-2", "", "", 47009, 181, 183},
      {a, "us-west-2", "", "", 47010, 191, 193},
  };
  const int64_t t = kStart + 600;
  const auto key = [](const std::string& root, const CentralRecord& r, const std::string& ext) {
    const bool hive = r.folder_account == kMembers[1];
    return root + "/AWSLogs/" +
           (hive ? "aws-account-id=" + r.folder_account + "/aws-service=vpcflowlogs/aws-region=" +
                       r.folder_region + "/year=2026/month=11/day=29/"
                 : r.folder_account + "/vpcflowlogs/" + r.folder_region + "/2026/11/29/") +
           r.folder_account + "_vpcflowlogs_" + r.folder_region + "_fl-0c_20261129T1015Z_c" +
           r.folder_region.substr(0, 2) + ext;
  };
  // The two directions of a record as text fields (`-` for an absent value).
  const auto lines = [&](const CentralRecord& r, bool columns, char sep, bool csv) {
    const auto field = [&](const std::string& v) { return v.empty() ? (csv ? "" : "-") : v; };
    std::string out;
    for (int dir = 0; dir < 2; ++dir) {
      const std::string src = dir == 0 ? "10.1.1.10" : "10.1.2.100";
      const std::string dst = dir == 0 ? "10.1.2.100" : "10.1.1.10";
      const std::string sport = dir == 0 ? std::to_string(r.port) : "2049";
      const std::string dport = dir == 0 ? "2049" : std::to_string(r.port);
      // One ENI per scope counted in: a pair logged on two ENIs would be
      // counted from one of them only (docs/flow-counting.md).
      const auto [account, region] = scope_of(r);
      std::vector<std::string> f = {"2"};
      if (columns) f.push_back(field(r.account));
      for (const std::string& v :
           {"eni-0c" + account + region.substr(3, 1), src, dst, sport, dport, std::string("6"),
            std::string("4"), std::to_string(dir == 0 ? r.written : r.read), std::to_string(t),
            std::to_string(t + 60), std::string("ACCEPT"), std::string("OK")}) {
        f.push_back(v);
      }
      if (columns) f.push_back(field(r.region));
      for (size_t i = 0; i < f.size(); ++i) out += (i > 0 ? std::string(1, sep) : "") + f[i];
      out += '\n';
    }
    return out;
  };
  const std::string tmp = env_->home();
  std::set<std::string> parquet_keys;
  const auto put_group = [&](const std::vector<CentralRecord>& records, bool columns) {
    // One object per folder, in both forms.
    std::map<std::string, std::pair<std::string, std::string>> objects;  // key stem -> text, csv
    const std::string names = columns ? "version account-id interface-id srcaddr dstaddr srcport "
                                        "dstport protocol packets bytes start end action "
                                        "log-status region"
                                      : "version interface-id srcaddr dstaddr srcport dstport "
                                        "protocol packets bytes start end action log-status";
    for (const CentralRecord& r : records) {
      auto& [text, csv] = objects[key("", r, "")];
      if (text.empty()) {
        text = names + "\n";
        std::string header = names;
        for (char& c : header) c = c == ' ' ? ',' : c == '-' ? '_' : c;
        csv = header + "\n";
      }
      text += lines(r, columns, ' ', false);
      csv += lines(r, columns, ',', true);
    }
    for (const auto& [stem, content] : objects) {
      ASSERT_TRUE(
          s3_->put_object(kBucket, "text" + stem + ".log.gz", test::gzip(content.first)).ok());
      const std::string base = tmp + "/central" + std::to_string(parquet_keys.size());
      std::ofstream(base + ".csv") << content.second;
      int code = -1;
      const std::string info = efstop::testing::run_shell(
          "node " + std::string(EFSTOP_SOURCE_DIR) + "/tests/flowlog/parquet_write.js " + base +
              ".csv " + base + ".parquet gzip V1 dict 2>&1",
          &code);
      ASSERT_EQ(code, 0) << info;
      ASSERT_TRUE(s3_->put_object(kBucket, "parquet" + stem + ".log.parquet",
                                  efstop::testing::read_file_or_empty(base + ".parquet"))
                      .ok());
      parquet_keys.insert("parquet" + stem + ".log.parquet");
    }
  };
  put_group(with_columns, true);
  put_group(without_columns, false);

  const std::string scopes =
      " --profile p --region eu-west-1 --endpoint-url " + s3_->url() +
      " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --accounts " + a + "," + b +
      " --role-name efstop-org-read --regions eu-west-1,us-west-2 --output json";
  int code = -1;
  const nlohmann::json text = nlohmann::json::parse(
      run("--s3 s3://" + std::string(kBucket) + "/text" + scopes, &code), nullptr, false);
  const std::string text_err = stderr_text();
  ASSERT_EQ(code, 0) << text_err;
  const nlohmann::json parquet = nlohmann::json::parse(
      run("--s3 s3://" + std::string(kBucket) + "/parquet" + scopes, &code), nullptr, false);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 0) << err << "\n" << front().server_log();
  ASSERT_TRUE(parquet.contains("rows")) << err;
  EXPECT_EQ(parquet["rows"], text["rows"]);
  EXPECT_EQ(parquet["stats"]["attribution"], text["stats"]["attribution"]);
  for (const char* counter : {"records", "used", "outside_scopes", "not_efs", "files", "lines"}) {
    EXPECT_EQ(parquet["stats"][counter], text["stats"][counter]) << counter;
  }

  // Worked out from the records.
  std::map<std::pair<std::string, std::string>, Expected> want;
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> moved, outside;
  int64_t by_field = 0, by_key = 0;
  std::vector<CentralRecord> all = with_columns;
  all.insert(all.end(), without_columns.begin(), without_columns.end());
  for (const CentralRecord& r : all) {
    const auto scope = scope_of(r);
    const bool field = scope_of(CentralRecord{"", "", r.account, r.region}) !=
                       std::pair<std::string, std::string>{"", ""};
    (field ? by_field : by_key) += 2;
    if (scope.first != a && scope.first != b) {
      outside[scope].first += 2;
      outside[scope].second += r.written + r.read;
      continue;
    }
    want[scope].written += r.written;
    want[scope].read += r.read;
    if (scope != std::pair{r.folder_account, r.folder_region}) {
      moved[scope].first += 2;
      moved[scope].second += r.written + r.read;
    }
  }
  std::map<std::pair<std::string, std::string>, Expected> got;
  for (const nlohmann::json& row : parquet["rows"]) {
    Expected& e = got[{row.value("account", ""), row.value("region", "")}];
    e.written += row["bytes_written"].get<int64_t>();
    e.read += row["bytes_read"].get<int64_t>();
  }
  ASSERT_EQ(got.size(), want.size()) << parquet["rows"].dump();
  for (const auto& [scope, e] : want) {
    EXPECT_EQ(got[scope].written, e.written) << scope.first << " " << scope.second;
    EXPECT_EQ(got[scope].read, e.read) << scope.first << " " << scope.second;
  }
  const nlohmann::json& attribution = parquet["stats"]["attribution"];
  EXPECT_EQ(attribution["by_field"], by_field) << attribution.dump();
  EXPECT_EQ(attribution["by_key"], by_key) << attribution.dump();
  EXPECT_FALSE(attribution.contains("parquet_objects_by_key")) << attribution.dump();
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> got_moved, got_outside;
  for (const nlohmann::json& m : attribution["moved"]) {
    auto& c = got_moved[{m["account"], m["region"]}];
    c.first += m["records"].get<int64_t>();
    c.second += m["bytes"].get<int64_t>();
  }
  for (const nlohmann::json& o : attribution["outside"]) {
    got_outside[{o["account"], o["region"]}] = {o["records"], o["bytes"]};
    EXPECT_EQ(o["reason"], "not asked");
  }
  EXPECT_EQ(got_moved, moved) << attribution.dump();
  EXPECT_EQ(got_outside, outside) << attribution.dump();
  EXPECT_EQ(parquet["stats"]["outside_scopes"], outside.begin()->second.first);
  EXPECT_NE(err.find("efstop: attribution: 4 records in account 444455556666's folder (eu-west-1) "
                     "were captured on account 777788889999's ENIs (shared VPC)"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("Parquet object"), std::string::npos) << err;
  // The Parquet objects were read as Parquet: after the first GET, the
  // footer's and the column chunks' ranged GETs of the same key.
  Result<nlohmann::json> reqs = front().requests();
  ASSERT_TRUE(reqs.ok());
  std::map<std::string, int> gets;
  for (const nlohmann::json& q : *reqs) {
    if (q.value("operation", "") != "s3:GetObject") continue;
    std::string path = q.value("path", "");
    for (size_t at = path.find("%3D"); at != std::string::npos; at = path.find("%3D", at)) {
      path.replace(at, 3, "=");
    }
    ++gets[path.substr(std::string(kBucket).size() + 2)];
  }
  for (const std::string& k : parquet_keys) EXPECT_GE(gets[k], 3) << k;
}

// The bucket's other account folders (a shared VPC's owner not asked for):
// without --s3-all-folders they are not listed, said by name, and the
// records of asked accounts' ENIs in them are not counted; with it they are
// listed in every region asked, those records counted in their account and
// the others' left out as not asked (or scope failed). The listings and
// GETs are exactly the expected ones; the bytes are summed here.
TEST_F(MultiAccountTest, CentralBucketOtherAccountFoldersReadWithS3AllFolders) {
  const std::string a = kMembers[0];
  const std::string b = kMembers[1];
  const std::string x = "123412341234";  // plain layout, eu-west-1
  const std::string y = "555566667777";  // Hive layout, us-west-2
  // `eni`: the one SetUp's records of the scope counted in use (a pair
  // logged on two ENIs is counted from one: docs/flow-counting.md).
  auto record = [](const std::string& account, const std::string& eni, int port, int64_t written,
                   int64_t read) {
    return nfs_records(account, eni, port, written, read, kStart + 1800);
  };
  const std::string x_key = "AWSLogs/" + x + "/vpcflowlogs/eu-west-1/2026/11/29/" + x +
                            "_vpcflowlogs_eu-west-1_fl-0x_20261129T1040Z_xx1.log.gz";
  const std::string y_key = "AWSLogs/aws-account-id=" + y +
                            "/aws-service=vpcflowlogs/aws-region=us-west-2/year=2026/month=11/"
                            "day=29/" +
                            y + "_vpcflowlogs_us-west-2_fl-0y_20261129T1040Z_yy1.log.gz";
  ASSERT_TRUE(s3_->put_object(kBucket, x_key,
                              test::gzip(record(a, "eni-01c00000000000001", 48001, 211, 213) +
                                         record(x, "eni-0dd00000000000002", 48002, 221, 223)))
                  .ok());
  ASSERT_TRUE(s3_->put_object(kBucket, y_key,
                              test::gzip(record(b, "eni-04c00000000000001", 48003, 231, 233)))
                  .ok());
  // The objects of SetUp: every account's, both regions (k = 1..6).
  const auto setup_key = [](const std::string& account, const std::string& region, int k) {
    return "AWSLogs/" + account + "/vpcflowlogs/" + region + "/2026/11/29/" + account +
           "_vpcflowlogs_" + region + "_fl-0" + std::to_string(k) + "_20261129T1010Z_ab" +
           std::to_string(k) + ".log.gz";
  };
  // The requests logged after the first `*seen` (then all of them seen).
  const auto requests = [&](std::multiset<std::string>* listed, std::multiset<std::string>* got,
                            size_t* seen) {
    Result<nlohmann::json> reqs = front().requests();
    ASSERT_TRUE(reqs.ok());
    ASSERT_LT(reqs->size(), 1000u);  // the log keeps the last 1000
    for (size_t n = *seen; n < reqs->size(); ++n) {
      const nlohmann::json& q = (*reqs)[n];
      const std::string op = q.value("operation", "");
      if (op == "s3:ListObjectsV2") {
        const std::string query = q.value("query", "");
        const size_t at = query.find("prefix=");
        ASSERT_NE(at, std::string::npos) << query;
        std::string prefix = query.substr(at + 7, query.find('&', at) - at - 7);
        for (const auto& [from, to] :
             {std::pair<std::string, std::string>{"%2F", "/"}, {"%3D", "="}}) {
          for (size_t i = prefix.find(from); i != std::string::npos; i = prefix.find(from, i)) {
            prefix.replace(i, 3, to);
          }
        }
        listed->insert(prefix);
      } else if (op == "s3:GetObject") {
        std::string path = q.value("path", "");
        for (size_t i = path.find("%3D"); i != std::string::npos; i = path.find("%3D", i)) {
          path.replace(i, 3, "=");
        }
        got->insert(path.substr(std::string(kBucket).size() + 2));
      }
    }
    *seen = reqs->size();
  };
  const auto day = [](const std::string& account, const std::string& region) {
    return "AWSLogs/" + account + "/vpcflowlogs/" + region + "/2026/11/29/";
  };

  // Without the flag: the asked members' folders only.
  int code = -1;
  nlohmann::json report =
      nlohmann::json::parse(run(all_scopes_args() + " --output json", &code), nullptr, false);
  std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err;
  expect_member_rows(report);
  nlohmann::json attribution = report["stats"]["attribution"];
  EXPECT_EQ(attribution["unread_folders"], nlohmann::json::parse(R"([
      {"account": "123412341234", "prefix": "AWSLogs/123412341234/", "reason": "not asked"},
      {"account": "999900001111", "prefix": "AWSLogs/999900001111/", "reason": "scope failed"},
      {"account": "555566667777", "prefix": "AWSLogs/aws-account-id=555566667777/",
       "reason": "not asked"}])"))
      << attribution.dump();
  EXPECT_EQ(attribution["moved"], nlohmann::json::array()) << attribution.dump();
  EXPECT_EQ(attribution["outside"], nlohmann::json::array()) << attribution.dump();
  EXPECT_NE(err.find("efstop: attribution: 3 other account folders in the bucket were not read: "
                     "123412341234 (not asked), 999900001111 (scope failed), 555566667777 (not "
                     "asked); records of asked accounts' ENIs in them (shared VPC) are not "
                     "counted; --s3-all-folders reads them\n"),
            std::string::npos)
      << err;
  std::multiset<std::string> listed, got;
  size_t seen = 0;
  requests(&listed, &got, &seen);
  EXPECT_EQ(listed,
            (std::multiset<std::string>{"AWSLogs/", day(a, "eu-west-1"), day(a, "us-west-2"),
                                        day(b, "eu-west-1"), day(b, "us-west-2")}));
  EXPECT_EQ(got, (std::multiset<std::string>{
                     setup_key(a, "eu-west-1", 1), setup_key(a, "us-west-2", 2),
                     setup_key(b, "eu-west-1", 3), setup_key(b, "us-west-2", 4)}));

  // With it: every folder, in both regions; each object once.
  report = nlohmann::json::parse(run(all_scopes_args() + " --s3-all-folders --output json", &code),
                                 nullptr, false);
  err = stderr_text();
  ASSERT_EQ(code, 3) << err;
  expected_[{a, "eu-west-1"}].written += 211;
  expected_[{a, "eu-west-1"}].read += 213;
  expected_[{b, "us-west-2"}].written += 231;
  expected_[{b, "us-west-2"}].read += 233;
  expect_member_rows(report);
  attribution = report["stats"]["attribution"];
  EXPECT_EQ(attribution["unread_folders"], nlohmann::json::array()) << attribution.dump();
  EXPECT_EQ(attribution["moved"], nlohmann::json::parse(R"([
      {"from_account": "123412341234", "from_region": "eu-west-1", "account": "444455556666",
       "region": "eu-west-1", "records": 2, "bytes": 424},
      {"from_account": "555566667777", "from_region": "us-west-2", "account": "777788889999",
       "region": "us-west-2", "records": 2, "bytes": 464}])"))
      << attribution.dump();
  // The denied account's own objects (7 lines each, the one outside the
  // window included: attribution comes before the window) and x's record.
  const auto denied = [&](const std::string& region) {
    const Expected& e = expected_.at({kDenied, region});
    return nlohmann::json({{"account", kDenied},
                           {"region", region},
                           {"records", 7},
                           {"bytes", e.read + e.written + 999},
                           {"reason", "scope failed"}});
  };
  EXPECT_EQ(attribution["outside"],
            nlohmann::json::array({nlohmann::json({{"account", x},
                                                   {"region", "eu-west-1"},
                                                   {"records", 2},
                                                   {"bytes", 221 + 223},
                                                   {"reason", "not asked"}}),
                                   denied("eu-west-1"), denied("us-west-2")}))
      << attribution.dump();
  EXPECT_EQ(report["stats"]["outside_scopes"], 2 + 7 + 7);
  EXPECT_NE(err.find("efstop: attribution: 2 records in account 123412341234's folder "
                     "(eu-west-1) were captured on account 444455556666's ENIs (shared VPC): "
                     "counted in 444455556666\n"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("other account folder"), std::string::npos) << err;
  listed.clear();
  got.clear();
  requests(&listed, &got, &seen);
  std::multiset<std::string> want_listed = {"AWSLogs/"};
  for (const std::string& account : {a, b, x, std::string(kDenied)}) {
    for (const char* region : kRegions) want_listed.insert(day(account, region));
  }
  for (const char* region : kRegions) {
    want_listed.insert("AWSLogs/aws-account-id=" + y + "/aws-service=vpcflowlogs/aws-region=" +
                       region + "/year=2026/month=11/day=29/");
  }
  EXPECT_EQ(listed, want_listed);
  EXPECT_EQ(got,
            (std::multiset<std::string>{setup_key(a, "eu-west-1", 1), setup_key(a, "us-west-2", 2),
                                        setup_key(b, "eu-west-1", 3), setup_key(b, "us-west-2", 4),
                                        setup_key(kDenied, "eu-west-1", 5),
                                        setup_key(kDenied, "us-west-2", 6), x_key, y_key}));

  // Only for a central bucket read for some accounts.
  run(aws_args() + " --regions eu-west-1 --s3-all-folders", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("parse --s3-all-folders: it reads the other account folders of a "
                               "central bucket; give it with --s3 and --accounts or "
                               "--organization"),
            std::string::npos)
      << stderr_text();
}

// --regions alone over a prefix whose keys name no region (a Firehose
// destination): a record goes to the region of its `region` field; one
// with neither a key region nor a field region is counted in no region
// (two are read: which one would be a guess), counted and said, and the
// report is partial. The bytes are summed here from the records written.
TEST_F(MultiAccountTest, RegionsAloneRecordWithoutKeyOrFieldRegionIsCountedInNone) {
  const std::string header =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status region\n";
  auto record = [](const std::string& region, int port, int64_t bytes) {
    // The caller's account (the endpoint's default scenario): 10.20.1.100
    // is one of its mount targets.
    return "2 111122223333 eni-0aa00000000000001 10.20.1.10 10.20.1.100 " + std::to_string(port) +
           " 2049 6 4 " + std::to_string(bytes) + " " + std::to_string(kStart + 600) + " " +
           std::to_string(kStart + 660) + " ACCEPT OK " + region + "\n";
  };
  ASSERT_TRUE(s3_->put_object(kBucket, "firehose/2026/11/29/10/flows-1-2026-11-29-10-10-00-f1",
                              test::gzip(header + record("us-west-2", 47001, 501) +
                                         record("-", 47002, 601) + record("-", 47003, 701)))
                  .ok());
  int code = -1;
  const std::string out =
      run("--profile p --region eu-west-1 --endpoint-url " + s3_->url() + " --s3 s3://" + kBucket +
              "/firehose/ --start 2026-11-29T10:00:00Z"
              " --end 2026-11-29T11:00:00Z --regions eu-west-1,us-west-2"
              " --no-metrics --output json",
          &code);
  const std::string err = stderr_text();
  ASSERT_EQ(code, 3) << err << "\n" << front().server_log();
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(report.contains("stats")) << out;
  const nlohmann::json& stats = report["stats"];
  EXPECT_EQ(stats["records"], 3) << stats.dump();
  EXPECT_EQ(stats["outside_scopes"], 2) << stats.dump();
  EXPECT_EQ(stats["attribution"]["unattributed"],
            nlohmann::json({{"records", 2}, {"bytes", 601 + 701}}));
  EXPECT_EQ(stats["attribution"]["moved"].size(), 1u) << stats.dump();
  EXPECT_EQ(stats["attribution"]["moved"][0]["region"], "us-west-2");
  EXPECT_EQ(stats["attribution"]["moved"][0]["from_region"], "");
  // The one record with a region is counted there, and only there.
  int64_t total = 0;
  for (const nlohmann::json& row : report["rows"]) {
    EXPECT_EQ(row["region"], "us-west-2") << row.dump();
    total += row["bytes_total"].get<int64_t>();
  }
  EXPECT_EQ(total, 501) << out << err;
  bool said = false;
  for (const nlohmann::json& f : report["failed_inputs"]) {
    if (f["input"] != "records without a region") continue;
    said = true;
    EXPECT_NE(f["error"].get<std::string>().find("2 records (1302 bytes)"), std::string::npos)
        << f.dump();
  }
  EXPECT_TRUE(said) << report["failed_inputs"].dump();
  EXPECT_EQ(front().count("s3:GetObject"), 1);
}

// A naming call that fails in one scope leaves that scope's names short,
// and only that scope's: the report is partial naming the scope (beside
// the account whose role cannot be assumed, a failed input), every number
// is whole, and the other scopes are named as without the fault.
TEST_F(MultiAccountTest, NamingCallFailedInOneScopeIsPartialForThatScope) {
  // Scopes run one at a time in plan order (account, then region): the
  // second DescribeInstances is 444455556666's in us-west-2. Denied is not
  // retried, so one fault is the whole failure.
  const std::string failed_scope = "account 444455556666 us-west-2";
  const std::string args = all_scopes_args() + " --scope-concurrency 1 --refresh --output json";
  for (const bool allow : {false, true}) {
    SCOPED_TRACE(allow ? "--allow-partial" : "exit 3");
    ASSERT_TRUE(front().reset().ok());
    std::ifstream patch(std::string(EFSTOP_SOURCE_DIR) +
                        "/tests/endpoint/scenarios/org_members.json");
    std::stringstream patch_text;
    patch_text << patch.rdbuf();
    ASSERT_TRUE(front().patch_scenario(patch_text.str()).ok());
    efstop::testing::Fault f;
    f.operation = "ec2:DescribeInstances";
    f.kind = efstop::testing::FaultKind::kDenied;
    f.skip = 1;
    ASSERT_TRUE(front().inject_fault(f).ok());
    int code = -1;
    const std::string out = run(args + (allow ? " --allow-partial" : ""), &code);
    const std::string err = stderr_text();
    ASSERT_EQ(code, allow ? 0 : 3) << err << "\n" << front().server_log();
    EXPECT_EQ(front().count("ec2:DescribeInstances"), 4);
    const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
    ASSERT_TRUE(report.contains("rows")) << out;
    EXPECT_TRUE(report["partial"].get<bool>());
    ASSERT_EQ(report["failed_inputs"].size(), 1u) << report["failed_inputs"].dump();
    EXPECT_EQ(report["failed_inputs"][0]["input"], "account 999900001111");
    ASSERT_EQ(report["failed_calls"].size(), 1u) << report.dump();
    const nlohmann::json& call = report["failed_calls"][0];
    EXPECT_EQ(call["call"], "ec2:DescribeInstances");
    EXPECT_EQ(call["scope"], failed_scope);
    EXPECT_EQ(call["ips"], 1) << call.dump();
    EXPECT_NE(call["error"].get<std::string>().find("UnauthorizedOperation"), std::string::npos)
        << call.dump();
    // Every byte from the records written; names whole except the failed
    // scope's client, shown by its instance id (from its ENI) instead.
    std::set<std::pair<std::string, std::string>> seen;
    int64_t shown = 0, want = 0;
    for (const nlohmann::json& row : report["rows"]) {
      const std::string account = row.value("account", "");
      const std::string region = row.value("region", "");
      seen.insert({account, region});
      const Expected& e = expected_.at({account, region});
      EXPECT_EQ(row["bytes_written"], e.written) << row.dump();
      EXPECT_EQ(row["bytes_read"], e.read) << row.dump();
      shown += row["bytes_total"].get<int64_t>();
      const std::string name = prefix_of(account) + "-" + short_of(region);
      EXPECT_EQ(row["server"].value("name", ""), name + "-data") << row.dump();
      const std::string client = row["client"].value("name", "");
      if ("account " + account + " " + region == failed_scope) {
        EXPECT_EQ(client.rfind("i-", 0), 0u) << row.dump();
      } else {
        EXPECT_EQ(client, name + "-app") << row.dump();
      }
    }
    EXPECT_EQ(seen.size(), 4u) << report["rows"].dump();
    for (const char* account : kMembers) {
      for (const char* region : kRegions) {
        want += expected_.at({account, region}).read + expected_.at({account, region}).written;
      }
    }
    EXPECT_EQ(shown, want);
    // The summary says so first, with the scope, ahead of the rows line.
    const size_t notice = err.find("partial: names in " + failed_scope +
                                   ": ec2:DescribeInstances failed, 1 address left without a name");
    ASSERT_NE(notice, std::string::npos) << err;
    EXPECT_LT(err.find("partial: account 999900001111: assume role"), notice) << err;
    EXPECT_LT(notice, err.find("rows: ")) << err;
  }
}

// The actions of `efstop iam-policy ARGS`.
std::set<std::string> policy_actions(const std::string& args, nlohmann::json* doc = nullptr) {
  int code = -1;
  const std::string out = efstop::testing::run_shell(
      std::string(EFSTOP_BINARY_DIR) + "/efstop iam-policy " + args, &code);
  EXPECT_EQ(code, 0) << out;
  const nlohmann::json policy = nlohmann::json::parse(out, nullptr, false);
  std::set<std::string> a;
  for (const nlohmann::json& st : policy["Statement"]) {
    for (const nlohmann::json& x : st["Action"]) a.insert(x.get<std::string>());
  }
  if (doc != nullptr) *doc = policy;
  return a;
}

// The caller's calls are exactly the policy of its modes (organization,
// regions, and reading the central bucket); the member roles' calls are
// within the single-account policy (`--mode all`).
TEST_F(MultiAccountTest, CallsMatchTheIamPolicyModes) {
  int code = -1;
  run(aws_args() + " --organization --role-name efstop-org-read --regions all --output json",
      &code);
  ASSERT_EQ(code, 3) << stderr_text();
  Result<nlohmann::json> reqs = front().requests();
  ASSERT_TRUE(reqs.ok());
  std::set<std::string> caller, members;
  for (const nlohmann::json& q : *reqs) {
    std::string op = q.value("operation", "");
    if (op == "s3:ListObjectsV2") op = "s3:ListBucket";
    if (op == "s3:HeadObject") op = "s3:GetObject";
    if (op == "monitoring:GetMetricData") op = "cloudwatch:GetMetricData";
    if (q.value("access_key_id", "") == efstop::testing::kTestAccessKeyId) {
      caller.insert(op);
    } else if (!q.value("access_key_id", "").empty()) {
      members.insert(op);
    }
  }
  nlohmann::json policy;
  std::set<std::string> want =
      policy_actions("--mode organization --role-name efstop-org-read", &policy);
  for (const std::string& a : policy_actions("--mode regions")) want.insert(a);
  want.insert({"s3:ListBucket", "s3:GetObject"});
  EXPECT_EQ(caller, want) << nlohmann::json(caller).dump();
  for (const char* a : {"s3:ListBucket", "s3:GetObject"}) {
    EXPECT_EQ(policy_actions("--mode s3").count(a), 1u) << a;
  }
  // With --regions all the member roles list their own regions too.
  std::set<std::string> all = policy_actions("--mode all");
  for (const std::string& a : policy_actions("--mode regions")) all.insert(a);
  for (const std::string& a : members) EXPECT_EQ(all.count(a), 1u) << a;
  EXPECT_EQ(members.count("ec2:DescribeRegions"), 1u) << nlohmann::json(members).dump();
  EXPECT_EQ(members.count("ec2:DescribeInstances"), 1u) << nlohmann::json(members).dump();
  EXPECT_EQ(members.count("elasticfilesystem:DescribeMountTargets"), 1u);
  // The file systems' metrics are read with each member's role, never the
  // caller's (the caller's calls are exactly its modes' above).
  EXPECT_EQ(members.count("cloudwatch:GetMetricData"), 1u) << nlohmann::json(members).dump();
  // --role-name narrows AssumeRole to that role in any account.
  bool narrowed = false;
  for (const nlohmann::json& st : policy["Statement"]) {
    if (st["Action"] == nlohmann::json::array({"sts:AssumeRole"})) {
      EXPECT_EQ(st["Resource"], "arn:aws:iam::*:role/efstop-org-read") << st.dump();
      narrowed = true;
    }
  }
  EXPECT_TRUE(narrowed) << policy.dump();
  EXPECT_EQ(policy_actions("--mode accounts"), std::set<std::string>{"sts:AssumeRole"});
}

// `efstop doctor` across accounts: the caller's side, each call made and
// listed (DescribeRegions, ListAccounts, one AssumeRole line per account)
// with the central bucket; the actions it says are needed are the
// iam-policy modes' for the same run, and the calls it made.
TEST_F(MultiAccountTest, DoctorChecksEveryAccountTheRegionsAndTheBucket) {
  const std::string doctor = "doctor --profile p --region eu-west-1 --endpoint-url " + s3_->url() +
                             " --s3 s3://" + kBucket +
                             " --organization --role-name efstop-org-read --regions all"
                             " --scope-concurrency 1";
  int code = -1;
  const std::string out = run(doctor + " --output json", &code);
  // Not ready: 999900001111's role does not trust the caller.
  ASSERT_EQ(code, 1) << stderr_text() << out;
  const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.contains("scopes")) << out;
  EXPECT_EQ(j["ready"], false);
  EXPECT_EQ(j["modes"], nlohmann::json::array({"s3", "regions", "organization"})) << j["modes"];
  EXPECT_EQ(j["scopes"]["regions"], nlohmann::json::array({"eu-west-1", "us-west-2"}));
  const nlohmann::json& accounts = j["scopes"]["accounts"];
  ASSERT_EQ(accounts.size(), 3u) << accounts.dump();
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(accounts[i]["account"], kMembers[i]);
    EXPECT_EQ(accounts[i]["state"], "ok") << accounts[i].dump();
    EXPECT_EQ(accounts[i]["role_arn"],
              std::string("arn:aws:iam::") + kMembers[i] + ":role/efstop-org-read");
    // --regions all: each member's own list, asked with its role.
    EXPECT_EQ(accounts[i]["describe_regions"]["state"], "ok") << accounts[i].dump();
    EXPECT_EQ(accounts[i]["describe_regions"]["regions"],
              nlohmann::json::array({"eu-west-1", "us-west-2"}));
  }
  EXPECT_FALSE(accounts[2].contains("describe_regions")) << accounts[2].dump();
  EXPECT_EQ(accounts[2]["account"], kDenied);
  EXPECT_EQ(accounts[2]["state"], "denied") << accounts[2].dump();
  EXPECT_NE(accounts[2]["message"].get<std::string>().find("AccessDenied"), std::string::npos);
  bool suspended_said = false;
  for (const nlohmann::json& n : j["scopes"]["notes"]) {
    suspended_said |= n.get<std::string>().find("account 123412341234 left out") == 0;
  }
  EXPECT_TRUE(suspended_said) << j["scopes"].dump();
  std::map<std::string, nlohmann::json> checks;
  std::set<std::string> needed;
  for (const nlohmann::json& c : j["permissions"]) {
    checks[c["action"]] = c;
    if (c["needed"].get<bool>()) needed.insert(c["action"].get<std::string>());
  }
  EXPECT_EQ(checks["organizations:ListAccounts"]["state"], "ok");
  EXPECT_EQ(checks["ec2:DescribeRegions"]["state"], "ok");
  EXPECT_EQ(checks["s3:ListBucket"]["state"], "ok");
  EXPECT_EQ(checks["s3:GetObject"]["state"], "ok");
  EXPECT_EQ(checks["sts:AssumeRole"]["state"], "denied");
  EXPECT_EQ(checks["sts:AssumeRole"]["error_code"], "1 of 3 accounts");
  // One call each, one AssumeRole per ACTIVE account, DescribeRegions by
  // the caller and by each assumed role.
  EXPECT_EQ(front().count("organizations:ListAccounts"), 1);
  EXPECT_EQ(front().count("ec2:DescribeRegions"), 3);
  EXPECT_EQ(front().count("sts:AssumeRole"), 3);
  // What doctor says is needed is what iam-policy gives for these modes
  // (the caller reads the central bucket), and what it called.
  std::set<std::string> want = policy_actions("--mode organization --role-name efstop-org-read");
  for (const std::string& a : policy_actions("--mode regions")) want.insert(a);
  want.insert({"s3:ListBucket", "s3:GetObject"});
  EXPECT_EQ(needed, want) << nlohmann::json(needed).dump();
  Result<nlohmann::json> reqs = front().requests();
  ASSERT_TRUE(reqs.ok());
  std::set<std::string> called;
  for (const nlohmann::json& q : *reqs) {
    std::string op = q.value("operation", "");
    if (op == "s3:ListObjectsV2") op = "s3:ListBucket";
    // Who the caller is (doctor's identity section) needs no permission.
    if (op == "sts:GetCallerIdentity") continue;
    if (q.value("access_key_id", "") == efstop::testing::kTestAccessKeyId) called.insert(op);
  }
  EXPECT_EQ(called, want) << nlohmann::json(called).dump();

  // The table: one line per account, ok or the error.
  const std::string table = run(doctor, &code);
  ASSERT_EQ(code, 1) << stderr_text();
  EXPECT_NE(table.find("Regions (DescribeRegions): eu-west-1, us-west-2\n"), std::string::npos)
      << table;
  EXPECT_NE(table.find("\nok          444455556666  "
                       "arn:aws:iam::444455556666:role/efstop-org-read\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("\nok          777788889999  "), std::string::npos) << table;
  EXPECT_NE(table.find("arn:aws:iam::444455556666:role/efstop-org-read\n              regions "
                       "(DescribeRegions with its role): eu-west-1, us-west-2\n"),
            std::string::npos)
      << table;
  const size_t denied = table.find("\ndenied      999900001111  ");
  ASSERT_NE(denied, std::string::npos) << table;
  EXPECT_NE(table.find("AccessDenied", denied), std::string::npos) << table;
  EXPECT_NE(table.find("NOT READY"), std::string::npos) << table;
}

TEST_F(MultiAccountTest, DoctorAccountsReadyAndListAccountsDenied) {
  const std::string base = "doctor --profile p --region eu-west-1 --endpoint-url " + s3_->url();
  int code = -1;
  // Two trusting accounts, their own flow logs: only AssumeRole is the
  // caller's, and both lines are ok.
  std::string out = run(base +
                            " --accounts 777788889999,444455556666 --role-arn-template"
                            " 'arn:aws:iam::{account}:role/efstop-org-read'"
                            " --regions us-west-2,eu-west-1 --output json",
                        &code);
  ASSERT_EQ(code, 0) << stderr_text() << out;
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_EQ(j["ready"], true);
  EXPECT_EQ(j["modes"], nlohmann::json::array({"accounts"}));
  ASSERT_EQ(j["permissions"].size(), 1u) << j["permissions"].dump();
  EXPECT_EQ(j["permissions"][0]["action"], "sts:AssumeRole");
  EXPECT_EQ(j["permissions"][0]["state"], "ok");
  EXPECT_EQ(policy_actions("--mode accounts"), std::set<std::string>{"sts:AssumeRole"});
  ASSERT_EQ(j["scopes"]["accounts"].size(), 2u);
  EXPECT_EQ(j["scopes"]["accounts"][0]["account"], "444455556666");
  EXPECT_EQ(j["scopes"]["regions"], nlohmann::json::array({"eu-west-1", "us-west-2"}));
  EXPECT_EQ(front().count("sts:AssumeRole"), 2);
  EXPECT_EQ(front().count("ec2:DescribeRegions"), 0);

  // ListAccounts denied: said as itself; no account to assume a role in.
  ASSERT_TRUE(front().deny_actions({"organizations:ListAccounts"}).ok());
  out = run(base + " --organization --role-name efstop-org-read --output json", &code);
  ASSERT_EQ(code, 1) << stderr_text() << out;
  j = nlohmann::json::parse(out, nullptr, false);
  std::map<std::string, nlohmann::json> checks;
  for (const nlohmann::json& c : j["permissions"]) checks[c["action"]] = c;
  EXPECT_EQ(checks["organizations:ListAccounts"]["state"], "denied") << j["permissions"].dump();
  EXPECT_EQ(checks["organizations:ListAccounts"]["error_code"], "AccessDeniedException");
  EXPECT_EQ(checks["sts:AssumeRole"]["state"], "not checked");
  EXPECT_EQ(checks["sts:AssumeRole"]["message"],
            "ListAccounts failed, so no account to assume a role in");

  // Usage: a role without accounts, a log group with accounts.
  run(base + " --role-name efstop-org-read", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("--role-name"), std::string::npos) << stderr_text();
  run(base + " --accounts 444455556666 --role-name efstop-org-read --log-group /flows", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("parse --log-group: a log group is one account's"),
            std::string::npos)
      << stderr_text();
}

TEST_F(MultiAccountTest, RoleArnTemplateCsvColumns) {
  int code = -1;
  const std::string out = run(aws_args() +
                                  " --accounts 777788889999 --role-arn-template"
                                  " 'arn:aws:iam::{account}:role/efstop-org-read'"
                                  " --regions us-west-2,eu-west-1 --scope-concurrency 1"
                                  " --output csv --top 0",
                              &code);
  ASSERT_EQ(code, 0) << stderr_text();
  std::istringstream lines(out);
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("account,region,client,", 0), 0u) << header;
  std::map<std::string, std::string> by_region;
  for (std::string line; std::getline(lines, line);) {
    ASSERT_EQ(line.rfind("777788889999,", 0), 0u) << line;
    const std::string region = line.substr(13, line.find(',', 13) - 13);
    by_region[region] = line;
  }
  ASSERT_EQ(by_region.size(), 2u) << out;
  const Expected& e = expected_.at({"777788889999", "us-west-2"});
  EXPECT_NE(by_region["us-west-2"].find("," + std::to_string(e.read) + "," +
                                        std::to_string(e.written) + ","),
            std::string::npos)
      << by_region["us-west-2"];
  EXPECT_NE(by_region["us-west-2"].find("analytics-usw2-app"), std::string::npos);

  // The table: a REGION column (two regions), no ACCOUNT column (one account).
  const std::string table = run(aws_args() +
                                    " --accounts 777788889999 --role-name efstop-org-read"
                                    " --regions us-west-2,eu-west-1",
                                &code);
  ASSERT_EQ(code, 0) << stderr_text();
  EXPECT_EQ(table.rfind("REGION", 0), 0u) << table;
  EXPECT_EQ(table.find("ACCOUNT"), std::string::npos) << table;
  EXPECT_NE(table.find("us-west-2"), std::string::npos) << table;
  EXPECT_NE(table.find("analytics-euw1-data"), std::string::npos) << table;
}

TEST_F(MultiAccountTest, UsageErrors) {
  int code = -1;
  run(aws_args() + " --accounts 444455556666", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("give the role to assume in each account"), std::string::npos)
      << stderr_text();
  // A role without accounts is refused, not ignored.
  run(aws_args() + " --role-name efstop-org-read", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("parse --role-name: it says which role to assume in --accounts"),
            std::string::npos)
      << stderr_text();
  // Not yet across scopes: refused, each naming its option.
  run(aws_args() + " --regions eu-west-1 --from-store", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("the store's history is not kept per account and region"),
            std::string::npos)
      << stderr_text();
  // Athena across scopes reads a central bucket; without --s3 refused.
  run("--profile p --region eu-west-1 --endpoint-url " + s3_->url() +
          " --regions eu-west-1 --method athena --since 1h",
      &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("parse --method: athena across accounts and regions reads a "
                               "central bucket: give --s3"),
            std::string::npos)
      << stderr_text();
  run(aws_args() + " --regions eu_west_1", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("'eu_west_1' is not a region name"), std::string::npos)
      << stderr_text();
  EXPECT_EQ(front().count("sts:AssumeRole"), 0);
}

}  // namespace
}  // namespace efstop::cloud
