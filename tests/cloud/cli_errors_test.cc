// Issue 17, item 2: a failed call reaches the user as itself. Each command
// that talks to AWS (top discovering the flow logs, top --log-group, top
// --s3, whoami, inventory, --names on files) runs through the efstop binary
// against the test endpoint with no credentials at all (empty environment,
// an empty HOME), a denied DescribeFileSystems / DescribeMountTargets /
// DescribeFlowLogs (the service's own denial: AccessDeniedException for
// EFS, UnauthorizedOperation for EC2), and an expired SSO token. The exit
// status and the message are checked: the failed call's own error (the
// credential chain tried, the IAM action to grant, the SSO login to run),
// never a conclusion drawn without it ("no flow log covers", "no EFS mount
// targets"). A call a command does not make leaves it unharmed (exit 0, and
// the endpoint saw no such call).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/credential_network.h"
#include "cloud/cloud_test_util.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

namespace t = efstop::testing;
using t::Fault;
using t::FaultKind;

enum class Env {
  kNoCredentials,
  kDeniedFileSystems,
  kDeniedMountTargets,
  kDeniedFlowLogs,
  kExpiredSso
};

const char* env_name(Env e) {
  switch (e) {
    case Env::kNoCredentials:
      return "no credentials";
    case Env::kDeniedFileSystems:
      return "denied DescribeFileSystems";
    case Env::kDeniedMountTargets:
      return "denied DescribeMountTargets";
    case Env::kDeniedFlowLogs:
      return "denied DescribeFlowLogs";
    case Env::kExpiredSso:
      return "expired SSO token";
  }
  return "?";
}

// What the user must see: the exit status and pieces of the message.
struct Expect {
  int exit = 1;
  std::vector<std::string> says;
};

// The real cause of each environment, as every command must word it.
Expect failure_of(Env e) {
  switch (e) {
    case Env::kNoCredentials:
      return {1, {"no AWS credentials found", "tried, in order:", "environment"}};
    case Env::kDeniedFileSystems:
      return {1,
              {"describe-file-systems", "AccessDeniedException",
               "grant elasticfilesystem:DescribeFileSystems"}};
    case Env::kDeniedMountTargets:
      return {1,
              {"describe-mount-targets", "AccessDeniedException",
               "grant elasticfilesystem:DescribeMountTargets"}};
    case Env::kDeniedFlowLogs:
      return {1, {"describe-flow-logs", "UnauthorizedOperation", "grant ec2:DescribeFlowLogs"}};
    case Env::kExpiredSso:
      return {1, {"SSO session expired", "aws sso login --profile sso"}};
  }
  return {};
}

// The operation a denial fault hits, "" for the other environments.
std::string denied_operation(Env e) {
  switch (e) {
    case Env::kDeniedFileSystems:
      return "elasticfilesystem:DescribeFileSystems";
    case Env::kDeniedMountTargets:
      return "elasticfilesystem:DescribeMountTargets";
    case Env::kDeniedFlowLogs:
      return "ec2:DescribeFlowLogs";
    default:
      return "";
  }
}

const std::vector<Env> kAllEnvs = {Env::kNoCredentials, Env::kDeniedFileSystems,
                                   Env::kDeniedMountTargets, Env::kDeniedFlowLogs,
                                   Env::kExpiredSso};

// Runs the efstop binary in one of the environments above.
class CliRunner {
 public:
  CliRunner(const std::string& home, std::function<t::TestEndpoint&()> endpoint, std::string key_id,
            std::string secret)
      : home_(home),
        endpoint_(std::move(endpoint)),
        key_id_(std::move(key_id)),
        secret_(std::move(secret)) {}

  // Arms `e` (faults, the SSO profile) and runs `efstop <args>`; returns
  // stdout and sets *code; stderr() is the run's stderr.
  std::string run(Env e, const std::string& args, int* code) {
    EXPECT_TRUE(endpoint_().reset().ok());
    if (const std::string op = denied_operation(e); !op.empty()) {
      EXPECT_TRUE(endpoint_().inject_fault(Fault{op, FaultKind::kDenied, 1000, 0, 0}).ok());
    }
    // A fresh name store per run: a cached EFS inventory would hide the fault.
    const std::string cache = home_ + "/cache" + std::to_string(++runs_);
    std::string prefix;
    if (e == Env::kNoCredentials) {
      // Nothing at all: no variable, a HOME with no ~/.aws.
      const std::string empty = home_ + "/empty-home";
      std::filesystem::create_directories(empty);
      prefix = "env -i HOME=" + empty + " PATH=/usr/bin:/bin ";
    } else if (e == Env::kExpiredSso) {
      write_expired_sso();
      prefix = "env HOME=" + home_ + " ";
    } else {
      prefix = "env HOME=" + home_ + " AWS_ACCESS_KEY_ID=" + key_id_ +
               " AWS_SECRET_ACCESS_KEY=" + secret_ + " ";
    }
    std::string cmd = prefix + std::string(EFSTOP_BINARY_DIR) + "/efstop " + args;
    if (e == Env::kExpiredSso) cmd += " --profile sso";
    if (args.rfind("whoami", 0) != 0) cmd += " --cache-dir " + cache;
    cmd += " 2>" + home_ + "/stderr.txt";
    return t::run_shell(cmd, code);
  }

  std::string stderr_text() const {
    std::ifstream in(home_ + "/stderr.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Runs `args` in every environment and checks the outcome: `expect(e)`.
  void check_all(const std::string& what, const std::string& args,
                 const std::function<Expect(Env)>& expect) {
    for (Env e : kAllEnvs) {
      SCOPED_TRACE(what + ", " + env_name(e));
      int code = -1;
      run(e, args, &code);
      const std::string err = stderr_text();
      const Expect want = expect(e);
      EXPECT_EQ(code, want.exit) << err;
      for (const std::string& piece : want.says) {
        EXPECT_NE(err.find(piece), std::string::npos) << "missing '" << piece << "' in:\n" << err;
      }
      // Never a conclusion drawn from a call that failed.
      if (want.exit != 0) {
        EXPECT_EQ(err.find("no flow log"), std::string::npos) << err;
        EXPECT_EQ(err.find("no EFS mount targets"), std::string::npos) << err;
      }
      // A denial the command runs into is one the endpoint answered; one it
      // does not run into is a call it never made.
      if (const std::string op = denied_operation(e); !op.empty()) {
        if (want.exit == 0) {
          EXPECT_EQ(endpoint_().count(op), 0) << op;
        } else {
          EXPECT_GE(endpoint_().count(op), 1) << op;
        }
      }
    }
  }

 private:
  void write_expired_sso() {
    std::filesystem::create_directories(home_ + "/.aws/sso/cache");
    std::ofstream(home_ + "/.aws/config")
        << "[profile sso]\nsso_session = corp\nsso_account_id = " << t::kTestAccount
        << "\nsso_role_name = " << t::kTestSsoRoleName
        << "\n[sso-session corp]\nsso_start_url = https://efstop.awsapps.com/start\n"
           "sso_region = "
        << t::kTestRegion << "\n";
    const nlohmann::json token = {{"startUrl", "https://efstop.awsapps.com/start"},
                                  {"region", t::kTestRegion},
                                  {"accessToken", t::kTestSsoAccessToken},
                                  {"expiresAt", "2021-01-01T00:00:00Z"}};
    std::ofstream(aws::sso_token_cache_path(home_ + "/.aws/sso/cache", "corp")) << token.dump();
  }

  std::string home_;
  std::function<t::TestEndpoint&()> endpoint_;
  std::string key_id_;
  std::string secret_;
  int runs_ = 0;
};

// Discovery needs the EFS calls and DescribeFlowLogs; the others need less.
Expect discovery_expect(Env e) { return failure_of(e); }
Expect without_flow_logs(Env e) {
  if (e == Env::kDeniedFlowLogs) return {0, {}};
  return failure_of(e);
}

class CliErrorsTest : public t::EndpointTest {
 protected:
  void SetUp() override {
    t::EndpointTest::SetUp();
    runner_ = std::make_unique<CliRunner>(
        env().home(), [this]() -> t::TestEndpoint& { return endpoint(); }, t::kTestAccessKeyId,
        t::kTestSecretAccessKey);
  }
  std::string aws_args() {
    return "--region " + std::string(t::kTestRegion) + " --endpoint-url " + endpoint().url();
  }
  static std::string window() {
    return " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --output json";
  }
  std::unique_ptr<CliRunner> runner_;
};

TEST_F(CliErrorsTest, TopDiscoveringTheFlowLogs) {
  runner_->check_all("top (discovery)", aws_args() + window(), discovery_expect);
}

TEST_F(CliErrorsTest, TopWithLogGroup) {
  runner_->check_all("top --log-group",
                     aws_args() + window() + " --log-group " + std::string(test::kGroup),
                     without_flow_logs);
}

TEST_F(CliErrorsTest, TopNamesOnFiles) {
  const std::string path = env().home() + "/flows.log";
  {
    std::ofstream out(path);
    for (const std::string& line : test::scenario_messages()) out << line << "\n";
  }
  runner_->check_all("top --names FILE", "--names " + aws_args() + window() + " " + path,
                     without_flow_logs);
}

TEST_F(CliErrorsTest, Inventory) {
  // A denied DescribeMountTargets still leaves the file systems: the
  // inventory is written, marked partial (exit 3), the denial named.
  runner_->check_all("inventory", "inventory --output json " + aws_args(), [](Env e) {
    if (e == Env::kDeniedFlowLogs) return Expect{0, {}};
    if (e == Env::kDeniedMountTargets) {
      Expect x = failure_of(e);
      x.exit = 3;
      x.says.push_back("partial: ");
      return x;
    }
    return failure_of(e);
  });
}

TEST_F(CliErrorsTest, Whoami) {
  // whoami makes one STS call: the EFS and EC2 denials do not touch it.
  runner_->check_all("whoami", "whoami " + aws_args(), [](Env e) {
    if (!denied_operation(e).empty()) return Expect{0, {}};
    return failure_of(e);
  });
}

// The same through the S3 front (EFS, EC2 and S3 on one URL): top --s3.
class CliErrorsS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<t::ScopedAwsEnv>();
    t::S3ServerOptions so;
    so.buckets = {"efstop-flow-logs"};
    so.front_scenario_path = efstop::testing::default_scenario_path();
    Result<std::unique_ptr<t::S3Server>> s = t::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    runner_ = std::make_unique<CliRunner>(
        env_->home(), [this]() -> t::TestEndpoint& { return *s3_->endpoint(); },
        t::kTestAccessKeyId, t::kTestSecretAccessKey);
  }
  std::unique_ptr<t::ScopedAwsEnv> env_;
  std::unique_ptr<t::S3Server> s3_;
  std::unique_ptr<CliRunner> runner_;
};

TEST_F(CliErrorsS3Test, TopWithS3) {
  const std::string key =
      "prod/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/10/"
      "111122223333_vpcflowlogs_eu-west-1_fl-0b00000000000002_20261129T1005Z_a1.log.gz";
  std::string text;
  for (const std::string& line : test::scenario_messages()) text += line + "\n";
  ASSERT_TRUE(s3_->put_object("efstop-flow-logs", key, test::gzip(text)).ok());
  runner_->check_all("top --s3",
                     "--region eu-west-1 --endpoint-url " + s3_->url() +
                         " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --output json"
                         " --s3 s3://efstop-flow-logs/prod",
                     without_flow_logs);
}

}  // namespace
}  // namespace efstop::cloud
