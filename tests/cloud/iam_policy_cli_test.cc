// `efstop iam-policy --mode M` holds every IAM action efstop calls in mode
// M, and nothing more: each mode runs through the binary against the test
// endpoint, which records the IAM action of every signed call
// (GET /__efstop/actions), and the recorded set must equal the policy's.
// Also: --doctor adds exactly what doctor calls beyond the modes, and the
// options narrow resources (account, region, groups, bucket and prefix).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cloud/cloud_test_util.h"
#include "cloud/permissions.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

using nlohmann::json;
using Actions = std::set<std::string>;

const std::string kEfstop = std::string(EFSTOP_BINARY_DIR) + "/efstop";
const std::string kKeys = "AWS_ACCESS_KEY_ID=" + std::string(efstop::testing::kTestAccessKeyId) +
                          " AWS_SECRET_ACCESS_KEY=" + efstop::testing::kTestSecretAccessKey + " ";
const std::string kWindow = " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z";

// The actions of `efstop iam-policy ARGS`, read back from its JSON.
Actions policy_actions(const std::string& args, json* policy = nullptr) {
  int code = -1;
  const std::string out = efstop::testing::run_shell(kEfstop + " iam-policy " + args, &code);
  EXPECT_EQ(code, 0) << out;
  const json doc = json::parse(out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << out;
  if (policy != nullptr) *policy = doc;
  Actions a;
  for (const json& s : doc["Statement"]) {
    EXPECT_EQ(s["Effect"], "Allow");
    for (const json& x : s["Action"]) a.insert(x.get<std::string>());
  }
  return a;
}

Actions called(const efstop::testing::TestEndpoint& ep) {
  Result<std::vector<std::string>> a = ep.called_actions();
  EXPECT_TRUE(a.ok()) << a.status().to_string();
  return a.ok() ? Actions(a->begin(), a->end()) : Actions();
}

class IamPolicyCliTest : public efstop::testing::EndpointTest {
 protected:
  int run(const std::string& args) {
    int code = -1;
    efstop::testing::run_shell(kKeys + kEfstop + " " + args + " >/dev/null 2>" + err_path(), &code);
    return code;
  }
  std::string err_path() { return env().home() + "/stderr.txt"; }
  std::string stderr_text() {
    std::ifstream in(err_path());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string aws_args() {
    return "--region eu-west-1 --endpoint-url " + endpoint().url() + " --cache-dir " +
           env().home() + "/cache";
  }
};

TEST_F(IamPolicyCliTest, InsightsModeCallsExactlyItsPolicy) {
  ASSERT_EQ(run("--no-names " + aws_args() + kWindow), 0) << stderr_text();
  Actions got = called(endpoint());
  // StopQuery is called only to stop a running query: interrupt one.
  ASSERT_TRUE(
      endpoint()
          .patch_scenario(
              R"({"log_groups": {"/efstop/vpc-flow-logs": {"insights": {"running_polls": 100000}}}})")
          .ok());
  const std::string cmd = kKeys + "exec " + kEfstop + " --no-names " + aws_args() + kWindow +
                          " >/dev/null 2>" + err_path();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const int64_t before = endpoint().count("logs:GetQueryResults");
  for (int i = 0; i < 400 && endpoint().count("logs:GetQueryResults") < before + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_GE(endpoint().count("logs:StopQuery"), 1) << stderr_text();
  for (const std::string& a : called(endpoint())) got.insert(a);
  // DescribeQueries is called only when a StartQuery's answer was lost:
  // the query starts, the answer comes after the read timeout.
  ASSERT_TRUE(endpoint().reset().ok());
  efstop::testing::Fault lost;
  lost.operation = "logs:StartQuery";
  lost.kind = efstop::testing::FaultKind::kSlowAfter;
  lost.delay_ms = 2500;
  ASSERT_TRUE(endpoint().inject_fault(lost).ok());
  ASSERT_EQ(run("--no-names --cli-read-timeout 1 " + aws_args() + kWindow), 0) << stderr_text();
  EXPECT_GE(endpoint().count("logs:DescribeQueries"), 1) << stderr_text();
  for (const std::string& a : called(endpoint())) got.insert(a);
  EXPECT_EQ(got, policy_actions("--mode insights"));
}

TEST_F(IamPolicyCliTest, RawModeCallsExactlyItsPolicy) {
  ASSERT_EQ(run("--no-names --method raw " + aws_args() + kWindow), 0) << stderr_text();
  EXPECT_EQ(called(endpoint()), policy_actions("--mode raw"));
}

TEST_F(IamPolicyCliTest, NamesModeCallsExactlyItsPolicy) {
  // The scenario's records, plus a client behind an interface VPC endpoint
  // (named through DescribeVpcEndpoints), as a local file.
  const std::string path = env().home() + "/flows.log";
  {
    std::ofstream out(path);
    for (const std::string& line : test::scenario_messages()) out << line << "\n";
    out << "2 111122223333 eni-0e000000000000011 10.20.1.40 10.20.1.100 40000 2049 6 10 4000 "
           "1795946400 1795946460 ACCEPT OK\n";
  }
  ASSERT_EQ(run("--names " + aws_args() + " " + path), 0) << stderr_text();
  EXPECT_EQ(called(endpoint()), policy_actions("--mode names"));
}

TEST_F(IamPolicyCliTest, DoctorCallsOnlyWhatItsPolicyAllows) {
  int code = -1;
  efstop::testing::run_shell(kKeys + kEfstop + " doctor --region eu-west-1 --endpoint-url " +
                                 endpoint().url() + " >/dev/null",
                             &code);
  EXPECT_EQ(code, 0);
  const Actions got = called(endpoint());
  Actions want = policy_actions("--mode names");
  for (const std::string& a : policy_actions("--mode insights")) want.insert(a);
  want.insert("logs:DescribeLogGroups");
  EXPECT_EQ(got, want);
  // --doctor adds exactly DescribeLogGroups.
  Actions all = policy_actions("--mode all");
  all.insert("logs:DescribeLogGroups");
  EXPECT_EQ(policy_actions("--mode all --doctor"), all);
}

TEST_F(IamPolicyCliTest, AllIsTheUnionOfTheModes) {
  Actions u;
  for (const char* m : {"names", "insights", "raw", "s3", "athena"}) {
    for (const std::string& a : policy_actions(std::string("--mode ") + m)) u.insert(a);
  }
  EXPECT_EQ(policy_actions("--mode all"), u);
  EXPECT_EQ(policy_actions(""), u);
}

TEST_F(IamPolicyCliTest, ResourcesNarrowToWhatTheOptionsName) {
  json p;
  policy_actions("--mode all", &p);
  for (const json& s : p["Statement"]) EXPECT_EQ(s["Resource"], "*") << s.dump();

  policy_actions(
      "--mode all --doctor --account 111122223333 --region eu-west-1 --log-group /vpc/a "
      "--log-group /vpc/b --s3 s3://flow-bucket/prod",
      &p);
  std::map<std::string, json> by_sid;
  for (const json& s : p["Statement"]) by_sid[s["Sid"].get<std::string>()] = s;
  EXPECT_EQ(by_sid["EfstopEc2Describe"]["Resource"], "*");
  EXPECT_EQ(by_sid["EfstopEfsDescribe"]["Resource"],
            "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/*");
  EXPECT_EQ(by_sid["EfstopLogsRead"]["Action"],
            json::array({"logs:StartQuery", "logs:FilterLogEvents"}));
  EXPECT_EQ(by_sid["EfstopLogsRead"]["Resource"],
            json::array({"arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/a",
                         "arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/a:*",
                         "arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/b",
                         "arn:aws:logs:eu-west-1:111122223333:log-group:/vpc/b:*"}));
  EXPECT_EQ(by_sid["EfstopLogsQueryResults"]["Resource"], "*");
  EXPECT_EQ(by_sid["EfstopDoctorLogGroups"]["Resource"],
            "arn:aws:logs:eu-west-1:111122223333:log-group:*");
  EXPECT_EQ(by_sid["EfstopS3List"]["Resource"], "arn:aws:s3:::flow-bucket");
  EXPECT_EQ(by_sid["EfstopS3List"]["Condition"],
            json::parse(R"({"StringLike": {"s3:prefix": ["prod*"]}})"));
  EXPECT_EQ(by_sid["EfstopS3Read"]["Resource"], "arn:aws:s3:::flow-bucket/prod*");
  EXPECT_EQ(by_sid["EfstopFirehoseDescribe"]["Action"],
            json::array({"firehose:DescribeDeliveryStream"}));
  EXPECT_EQ(by_sid["EfstopFirehoseDescribe"]["Resource"],
            "arn:aws:firehose:eu-west-1:111122223333:deliverystream/*");
  EXPECT_EQ(p["Version"], "2012-10-17");
}

TEST_F(IamPolicyCliTest, UsageErrorsExitTwo) {
  for (const char* args : {"--mode everything", "--account 1234", "--region Mars",
                           "--s3 bucket/prefix", "--log-group=", "extra"}) {
    int code = -1;
    efstop::testing::run_shell(kEfstop + " iam-policy " + args + " 2>/dev/null", &code);
    EXPECT_EQ(code, 2) << args;
  }
  int code = -1;
  const std::string help = efstop::testing::run_shell(kEfstop + " iam-policy --help", &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(help.find("usage: efstop iam-policy"), std::string::npos);
}

// ---- S3 ----

TEST(IamPolicyS3Test, S3ModeCallsExactlyItsPolicy) {
  efstop::testing::ScopedAwsEnv env;
  efstop::testing::S3ServerOptions so;
  so.buckets = {"efstop-flow-logs"};
  so.front_scenario_path =
      std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint/scenarios/default.json";
  auto s = efstop::testing::S3Server::start(so);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  efstop::testing::TestEndpoint& front = *(*s)->endpoint();
  // The VPC's readable flow logs deliver to the bucket, one directly, one
  // through a Firehose stream (the s3 mode covers both: discovery follows
  // the stream with DescribeDeliveryStream).
  ASSERT_TRUE(front
                  .patch_scenario(R"({"flow_logs": {"fl-0a00000000000001": null,
                      "fl-0b00000000000002": {"ResourceId": "vpc-0a1b2c3d4e5f60001",
                        "LogFormat": "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"},
                      "fl-0c00000000000003": {"ResourceId": "subnet-0aa0000000000000a",
                                              "TrafficType": "ALL"}},
                    "delivery_streams": {"efstop-rejects": {"Destinations": [
                      {"DestinationId": "destinationId-000000000001",
                       "ExtendedS3DestinationDescription": {
                         "RoleARN": "arn:aws:iam::111122223333:role/firehose",
                         "BucketARN": "arn:aws:s3:::efstop-flow-logs", "Prefix": "hose/",
                         "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
                         "CompressionFormat": "GZIP",
                         "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"}}}]}}})")
                  .ok());
  // As AWS writes an S3 object: a header line naming the fields of the
  // flow log's LogFormat (patched above to the default field set).
  std::string text =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status\n";
  for (const std::string& line : test::scenario_messages()) text += line + "\n";
  ASSERT_TRUE((*s)->put_object("efstop-flow-logs",
                               "prod/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/10/"
                               "111122223333_vpcflowlogs_eu-west-1_fl-0b00000000000002_"
                               "20261129T1005Z_b2.log.gz",
                               test::gzip(text))
                  .ok());
  int code = -1;
  efstop::testing::run_shell(kKeys + kEfstop + " --no-names --region eu-west-1 --endpoint-url " +
                                 (*s)->url() + kWindow + " >/dev/null 2>" + env.home() + "/err",
                             &code);
  EXPECT_EQ(code, 0) << efstop::testing::read_file_or_empty(env.home() + "/err");
  EXPECT_GE(front.count("s3:GetObject"), 1);
  EXPECT_EQ(front.count("firehose:DescribeDeliveryStream"), 1);
  // The report has rows, so the file systems' metrics are read too
  // (cloudwatch:GetMetricData is in the s3 policy, and called).
  EXPECT_EQ(called(front), policy_actions("--mode s3"));
}

TEST_F(IamPolicyCliTest, AthenaModeCallsItsPolicyAndAthenaDoesTheRest) {
  efstop::testing::ScopedAwsEnv env;
  efstop::testing::S3ServerOptions so;
  so.buckets = {"efstop-flow-logs"};
  so.front_scenario_path =
      std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint/scenarios/default.json";
  auto s = efstop::testing::S3Server::start(so);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  efstop::testing::TestEndpoint& front = *(*s)->endpoint();
  // One readable flow log, delivered to the bucket per hour (default.json).
  ASSERT_TRUE(front
                  .patch_scenario(R"({"flow_logs": {"fl-0a00000000000001": null,
                      "fl-0b00000000000002": {"ResourceId": "vpc-0a1b2c3d4e5f60001",
                        "LogFormat": "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"},
                      "fl-0c00000000000003": null}})")
                  .ok());
  std::string text =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status\n";
  for (const std::string& line : test::scenario_messages()) text += line + "\n";
  ASSERT_TRUE((*s)->put_object("efstop-flow-logs",
                               "prod/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/10/"
                               "111122223333_vpcflowlogs_eu-west-1_fl-0b00000000000002_"
                               "20261129T1005Z_b2.log.gz",
                               test::gzip(text))
                  .ok());
  const std::string cmd = kKeys + kEfstop + " --no-names --method athena --region eu-west-1 " +
                          "--endpoint-url " + (*s)->url() + kWindow + " >" + env.home() +
                          "/out 2>" + env.home() + "/err";
  int code = -1;
  efstop::testing::run_shell(cmd, &code);
  EXPECT_EQ(code, 0) << efstop::testing::read_file_or_empty(env.home() + "/err");
  EXPECT_EQ(front.count("athena:StartQueryExecution"), 2);
  // The per-hour layout became an hour partition column.
  EXPECT_NE(efstop::testing::read_file_or_empty(env.home() + "/out").find("10.20.1.100"),
            std::string::npos);
  Actions got = called(front);
  // StopQueryExecution is called when a query must not be left running:
  // here, when polling it is denied.
  ASSERT_TRUE(front.deny_actions({"athena:GetQueryExecution"}).ok());
  efstop::testing::run_shell(cmd, &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(front.count("athena:StopQueryExecution"), 1);
  for (const std::string& a : called(front)) got.insert(a);
  // The policy: what efstop called, what Athena does with the caller's
  // permissions (never called by efstop), and Firehose (discovery calls it
  // only for a flow log delivered through a stream, none here).
  Actions want = policy_actions("--mode athena");
  for (const std::string& a : athena_service_actions()) {
    if (a != "s3:GetObject") want.erase(a);  // GetObject: discovery reads no object here either
  }
  want.erase("s3:GetObject");
  want.erase(std::string(kFirehoseAction));
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace efstop::cloud
