// `efstop doctor` through the binary against the test endpoint: a ready
// account (exit 0, every needed permission proven, the scan-cost estimate
// recomputed here from the scenario), an account where one action is denied
// (EC2 UnauthorizedOperation, Logs AccessDeniedException, S3 AccessDenied)
// and mount targets no flow log covers (exit 1, the create-flow-logs
// command), a flow-log format that lacks a field, a retention shorter than
// --since, and each option.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cloud/cloud_test_util.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

using nlohmann::json;

json scenario() {
  std::ifstream in(efstop::testing::default_scenario_path());
  return json::parse(in);
}

const json* permission(const json& report, const std::string& action) {
  for (const json& p : report["permissions"]) {
    if (p["action"] == action) return &p;
  }
  return nullptr;
}

class DoctorCliTest : public efstop::testing::EndpointTest {
 protected:
  std::string run(const std::string& args, int* code) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(efstop::testing::kTestAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + efstop::testing::kTestSecretAccessKey +
                            " " + EFSTOP_BINARY_DIR + "/efstop " + args + " 2>" + err_path();
    return efstop::testing::run_shell(cmd, code);
  }
  json run_json(const std::string& args, int* code) {
    return json::parse(run("doctor " + aws_args() + " --output json " + args, code), nullptr,
                       false);
  }
  std::string err_path() { return env().home() + "/stderr.txt"; }
  std::string stderr_text() {
    std::ifstream in(err_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string aws_args() {
    return "--region " + std::string(efstop::testing::kTestRegion) + " --endpoint-url " +
           endpoint().url();
  }
  void deny(const std::vector<std::string>& actions) {
    ASSERT_TRUE(endpoint().deny_actions(actions).ok());
  }
};

TEST_F(DoctorCliTest, ReadyAccountExitsZeroWithEveryNeededPermissionProven) {
  int code = -1;
  const json r = run_json("", &code);
  ASSERT_EQ(code, 0) << stderr_text() << r.dump(2);
  EXPECT_TRUE(r["ready"].get<bool>());
  EXPECT_EQ(r["identity"]["Account"], efstop::testing::kTestAccount);
  EXPECT_EQ(r["identity"]["Arn"], efstop::testing::kTestUserArn);
  EXPECT_EQ(r["modes"], json::array({"names", "insights"}));
  for (const char* a :
       {"elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets",
        "ec2:DescribeFlowLogs", "ec2:DescribeNetworkInterfaces", "ec2:DescribeInstances",
        "ec2:DescribeVpcEndpoints", "logs:StartQuery", "logs:GetQueryResults", "logs:StopQuery",
        "logs:DescribeLogGroups", "cloudwatch:GetMetricData"}) {
    const json* p = permission(r, a);
    ASSERT_NE(p, nullptr) << a;
    EXPECT_EQ((*p)["state"], "ok") << p->dump();
    EXPECT_TRUE((*p)["needed"].get<bool>()) << a;
  }
  for (const char* a : {"logs:FilterLogEvents", "s3:ListBucket", "s3:GetObject"}) {
    EXPECT_EQ((*permission(r, a))["state"], "not needed") << a;
  }
  // EC2 permissions are proven with DryRun (no real Describe call).
  EXPECT_EQ((*permission(r, "ec2:DescribeInstances"))["error_code"], "DryRunOperation");
  Result<json> reqs = endpoint().requests();
  ASSERT_TRUE(reqs.ok());
  int dry_runs = 0;
  for (const json& q : *reqs) {
    if (q.value("operation", "") == "ec2:DescribeInstances") {
      EXPECT_EQ(q["params"].value("DryRun", false), true) << q.dump();
      ++dry_runs;
    }
  }
  EXPECT_EQ(dry_runs, 1);
  EXPECT_EQ(r["mount_targets"], scenario()["mount_targets"].size());
  EXPECT_TRUE(r["uncovered_mount_targets"].empty());
  EXPECT_TRUE(r["enable_command"].is_null());
  EXPECT_TRUE(r["format_problems"].empty());

  // One hour of the group, recomputed from the scenario: storedBytes (the
  // endpoint sums the message lengths) over the 14 days the group keeps.
  const json sc = scenario();
  const json& group = sc["log_groups"]["/efstop/vpc-flow-logs"];
  int64_t stored = 0;
  for (auto& [stream, events] : group["streams"].items()) {
    for (const json& ev : events) stored += static_cast<int64_t>(ev[1].get<std::string>().size());
  }
  ASSERT_EQ(r["log_groups"].size(), 1u);
  const json& g = r["log_groups"][0];
  EXPECT_EQ(g["name"], "/efstop/vpc-flow-logs");
  EXPECT_EQ(g["stored_bytes"], stored);
  EXPECT_EQ(g["retention_days"], 14);
  EXPECT_EQ(g["retention_short"], false);
  EXPECT_DOUBLE_EQ(g["hours_held"].get<double>(), 14 * 24.0);
  EXPECT_DOUBLE_EQ(g["bytes_per_hour"].get<double>(), stored / 336.0);
  EXPECT_DOUBLE_EQ(r["insights_hour"]["usd"].get<double>(), stored / 336.0 / 1e9 * 0.005);
  EXPECT_EQ(r["insights_hour"]["basis"], "storedBytes");

  // --insights-price changes the price, nothing else.
  const json priced = run_json("--insights-price 0.0076", &code);
  EXPECT_EQ(code, 0);
  EXPECT_DOUBLE_EQ(priced["insights_hour"]["usd"].get<double>(), stored / 336.0 / 1e9 * 0.0076);
  EXPECT_DOUBLE_EQ(priced["insights_hour"]["usd_per_gb"].get<double>(), 0.0076);
}

TEST_F(DoctorCliTest, MetricsPermissionIsProvenOrNotNeeded) {
  int code = -1;
  json r = run_json("", &code);
  ASSERT_EQ(code, 0) << stderr_text();
  const json* p = permission(r, "cloudwatch:GetMetricData");
  ASSERT_NE(p, nullptr);
  // One query of the first mount target's file system.
  const std::string fs = scenario()["mount_targets"].begin()->at("FileSystemId");
  EXPECT_EQ((*p)["call"], "GetMetricData DataReadIOBytes of " + fs + " (5 min)");
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData"), 1);

  deny({"cloudwatch:GetMetricData"});
  r = run_json("", &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ((*permission(r, "cloudwatch:GetMetricData"))["state"], "denied");
  EXPECT_EQ((*permission(r, "cloudwatch:GetMetricData"))["error_code"], "AccessDenied");

  // --no-metrics: not needed, not called, and the account is ready again.
  ASSERT_TRUE(endpoint().reset().ok());
  deny({"cloudwatch:GetMetricData"});
  r = run_json("--no-metrics", &code);
  EXPECT_EQ(code, 0) << r.dump(2);
  EXPECT_EQ((*permission(r, "cloudwatch:GetMetricData"))["state"], "not needed");
  EXPECT_EQ(endpoint().count("monitoring:GetMetricData"), 0);
}

TEST_F(DoctorCliTest, DeniedActionAndUncoveredMountTargetsExitOne) {
  // The VPC flow log now covers subnet a only, and the S3 one is gone:
  // the mount targets of subnets b and c have no flow log.
  ASSERT_TRUE(endpoint()
                  .patch_scenario(R"({"flow_logs":{"fl-0a00000000000001":{"ResourceId":
                      "subnet-0aa0000000000000a"},"fl-0b00000000000002":null}})")
                  .ok());
  deny({"ec2:DescribeInstances"});
  int code = -1;
  const json r = run_json("", &code);
  EXPECT_EQ(code, 1) << stderr_text();
  EXPECT_FALSE(r["ready"].get<bool>());
  const json* p = permission(r, "ec2:DescribeInstances");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ((*p)["state"], "denied");
  EXPECT_EQ((*p)["error_code"], "UnauthorizedOperation");
  EXPECT_EQ((*p)["call"], "DescribeInstances DryRun=true");
  EXPECT_EQ((*permission(r, "ec2:DescribeNetworkInterfaces"))["state"], "ok");

  std::set<std::string> expected, got;
  const json sc = scenario();
  for (auto& [id, mt] : sc["mount_targets"].items()) {
    if (mt["SubnetId"] != "subnet-0aa0000000000000a") expected.insert(id);
  }
  for (const json& mt : r["uncovered_mount_targets"]) got.insert(mt["id"].get<std::string>());
  EXPECT_EQ(got, expected);
  const std::string enable = r["enable_command"].get<std::string>();
  EXPECT_NE(enable.find("aws ec2 create-flow-logs --region eu-west-1 --resource-type "
                        "NetworkInterface --resource-ids"),
            std::string::npos)
      << enable;
  for (const json& mt : r["uncovered_mount_targets"]) {
    EXPECT_NE(enable.find(mt["eni_id"].get<std::string>()), std::string::npos) << enable;
  }

  // The table says the same.
  const std::string table = run("doctor " + aws_args(), &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(table.find("denied      ec2:DescribeInstances"), std::string::npos) << table;
  EXPECT_NE(table.find("UnauthorizedOperation (DescribeInstances DryRun=true)"), std::string::npos)
      << table;
  EXPECT_NE(table.find("8 mount targets, 5 not covered by a readable flow log"), std::string::npos)
      << table;
  EXPECT_NE(table.find("to enable one: aws ec2 create-flow-logs"), std::string::npos) << table;
  EXPECT_NE(table.find("\nNOT READY\n"), std::string::npos) << table;
}

TEST_F(DoctorCliTest, RawMethodNeedsFilterLogEventsAndReportsItsDenial) {
  deny({"logs:FilterLogEvents"});
  int code = -1;
  const json r = run_json("--method raw --no-names", &code);
  EXPECT_EQ(code, 1) << stderr_text();
  EXPECT_EQ(r["modes"], json::array({"raw"}));
  const json* p = permission(r, "logs:FilterLogEvents");
  EXPECT_EQ((*p)["state"], "denied");
  EXPECT_EQ((*p)["error_code"], "AccessDeniedException");
  EXPECT_NE((*p)["message"].get<std::string>().find("grant logs:FilterLogEvents"),
            std::string::npos);
  // --no-names: naming is not needed, and not tried.
  for (const char* a : {"logs:StartQuery", "ec2:DescribeInstances", "ec2:DescribeVpcEndpoints"}) {
    EXPECT_EQ((*permission(r, a))["state"], "not needed") << a;
  }
  EXPECT_EQ(endpoint().count("ec2:DescribeInstances"), 0);
  EXPECT_EQ(endpoint().count("logs:StartQuery"), 0);
}

TEST_F(DoctorCliTest, GivenLogGroupSkipsDiscoveryAndChecksRetentionAgainstSince) {
  int code = -1;
  const json r = run_json("--log-group /efstop/vpc-flow-logs --no-names --since 15d", &code);
  EXPECT_EQ(code, 1) << stderr_text();
  EXPECT_FALSE(r["discovery"].get<bool>());
  EXPECT_EQ((*permission(r, "ec2:DescribeFlowLogs"))["state"], "not needed");
  EXPECT_EQ(endpoint().count("ec2:DescribeFlowLogs"), 0);
  EXPECT_EQ(r["window_seconds"], 15 * 86400);
  EXPECT_EQ(r["log_groups"][0]["retention_short"], true);
  // 14 days cover --since 14d.
  const json ok = run_json("--log-group /efstop/vpc-flow-logs --no-names --since 14d", &code);
  EXPECT_EQ(code, 0) << stderr_text() << ok.dump(2);
  // A group that does not exist is a problem too.
  const json missing = run_json("--log-group /no/such/group --no-names", &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(missing["log_groups"][0]["found"], false);
}

TEST_F(DoctorCliTest, FormatLackingAFieldIsAProblem) {
  ASSERT_TRUE(endpoint()
                  .patch_scenario(R"({"flow_logs":{"fl-0a00000000000001":{"LogFormat":
                      "${version} ${interface-id} ${srcaddr} ${dstaddr} ${packets} ${start} ${end}"}}})")
                  .ok());
  int code = -1;
  const json r = run_json("--no-names", &code);
  EXPECT_EQ(code, 1) << stderr_text();
  ASSERT_EQ(r["format_problems"].size(), 1u) << r.dump(2);
  EXPECT_EQ(r["format_problems"][0]["flow_log_id"], "fl-0a00000000000001");
  EXPECT_NE(r["format_problems"][0]["problem"].get<std::string>().find("lacks the bytes field"),
            std::string::npos);
}

TEST_F(DoctorCliTest, UsageErrorsExitTwo) {
  int code = -1;
  run("doctor --insights-price cheap", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(stderr_text().find("want a price in USD per GB"), std::string::npos);
  run("doctor --output xml", &code);
  EXPECT_EQ(code, 2);
  run("doctor --since soon", &code);
  EXPECT_EQ(code, 2);
  const std::string help = run("doctor --help", &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(help.find("usage: efstop doctor"), std::string::npos);
}

// ---- S3 ----

class DoctorS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<efstop::testing::ScopedAwsEnv>();
    efstop::testing::S3ServerOptions so;
    so.buckets = {"efstop-flow-logs"};
    so.front_scenario_path = efstop::testing::default_scenario_path();
    auto s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    ASSERT_TRUE(s3_->put_object("efstop-flow-logs", "prod/AWSLogs/111122223333/x.log.gz",
                                test::gzip("version\n"))
                    .ok());
  }
  std::string run(const std::string& args, int* code) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(efstop::testing::kTestAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + efstop::testing::kTestSecretAccessKey +
                            " " + EFSTOP_BINARY_DIR + "/efstop doctor --region eu-west-1 " +
                            "--endpoint-url " + s3_->url() + " --output json " + args + " 2>" +
                            env_->home() + "/stderr.txt";
    return efstop::testing::run_shell(cmd, code);
  }
  std::unique_ptr<efstop::testing::ScopedAwsEnv> env_;
  std::unique_ptr<efstop::testing::S3Server> s3_;
};

TEST_F(DoctorS3Test, ListAndOneByteGetProveTheS3Permissions) {
  int code = -1;
  json r = json::parse(run("--s3 s3://efstop-flow-logs/prod --no-names", &code), nullptr, false);
  EXPECT_EQ(code, 0) << r.dump(2);
  EXPECT_EQ(r["modes"], json::array({"s3"}));
  EXPECT_EQ((*permission(r, "s3:ListBucket"))["state"], "ok");
  EXPECT_EQ((*permission(r, "s3:GetObject"))["state"], "ok");
  EXPECT_EQ((*permission(r, "s3:GetObject"))["call"],
            "GetObject s3://efstop-flow-logs/prod/AWSLogs/111122223333/x.log.gz bytes 0-0");

  ASSERT_TRUE(s3_->endpoint()->deny_actions({"s3:GetObject"}).ok());
  r = json::parse(run("--s3 s3://efstop-flow-logs/prod --no-names", &code), nullptr, false);
  EXPECT_EQ(code, 1);
  EXPECT_EQ((*permission(r, "s3:ListBucket"))["state"], "ok");
  EXPECT_EQ((*permission(r, "s3:GetObject"))["state"], "denied");
  EXPECT_EQ((*permission(r, "s3:GetObject"))["error_code"], "AccessDenied");
}

}  // namespace
}  // namespace efstop::cloud
