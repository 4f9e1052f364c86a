// The AWS connection flags of every command that talks to AWS (whoami,
// inventory, doctor, top with --names), through the efstop binary against the test
// endpoint: HTTPS with --ca-bundle, an unknown certificate refused,
// --no-verify-ssl, --profile, --debug without secrets, --cli-read-timeout
// against a slow answer, --cli-connect-timeout.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/harness_process.h"
#include "harness/test_endpoint.h"
#include "harness/tls_front.h"

namespace efstop::cli {
namespace {

namespace t = efstop::testing;

class ConnectionFlagsCliTest : public t::EndpointTest,
                               public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    // A flow log for `top --names`: web (10.20.1.11) writes to shared-home.
    std::ofstream(env().home() + "/flows.log")
        << "2 111122223333 eni-x 10.20.1.11 10.20.1.100 40001 2049 6 10 5000 1795701600 "
           "1795701660 ACCEPT OK\n";
  }

  void use_env_keys() {
    setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
    setenv("AWS_SECRET_ACCESS_KEY", t::kTestSecretAccessKey, 1);
  }

  // The command under test with its own arguments, then `extra`.
  t::ProgramRun run(const std::vector<std::string>& extra) {
    std::vector<std::string> args;
    const std::string& command = GetParam();
    if (command == "top") {
      args = {"--names", "--output", "json", "--cache-dir", env().home() + "/cache"};
    } else if (command == "inventory") {
      args = {"inventory", "--output", "json", "--cache-dir", env().home() + "/cache"};
    } else if (command == "doctor") {
      args = {"doctor", "--output", "json"};
    } else {
      args = {"whoami", "--output", "json"};
    }
    args.push_back("--region");
    args.push_back(t::kTestRegion);
    args.insert(args.end(), extra.begin(), extra.end());
    if (command == "top") args.push_back(env().home() + "/flows.log");
    return t::run_efstop(args);
  }

  // The command's own proof of success: whoami's account, inventory's file
  // systems, doctor's identity and permissions (its exit status says whether
  // the account is ready, which is not what these tests are about), top's
  // named client.
  void expect_answered(const t::ProgramRun& r) {
    const std::string& command = GetParam();
    if (command == "doctor") {
      ASSERT_TRUE(r.code == 0 || r.code == 1) << r.err;
      const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << r.out;
      EXPECT_EQ(j["identity"]["Account"], t::kTestAccount);
      EXPECT_FALSE(j["permissions"].empty()) << r.out;
      for (const auto& p : j["permissions"]) EXPECT_NE(p["state"], "failed") << p.dump();
      return;
    }
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    if (command == "whoami") {
      EXPECT_EQ(j["Account"], t::kTestAccount);
    } else if (command == "inventory") {
      EXPECT_FALSE(j["file_systems"].empty()) << r.out;
    } else {
      ASSERT_EQ(j["rows"].size(), 1u) << r.out;
      EXPECT_EQ(j["rows"][0]["client"]["name"], "web");
      EXPECT_EQ(j["rows"][0]["server"]["name"], "shared-home");
    }
  }

  std::unique_ptr<t::TlsFront> https() {
    auto front = t::TlsFront::start(endpoint().port());
    EXPECT_TRUE(front.ok()) << front.status().message();
    return front.ok() ? std::move(front).value() : nullptr;
  }
};

TEST_P(ConnectionFlagsCliTest, HttpsTrustedThroughCaBundle) {
  use_env_keys();
  auto front = https();
  ASSERT_NE(front, nullptr);
  expect_answered(run({"--endpoint-url", front->url(), "--ca-bundle", front->ca_bundle()}));
  EXPECT_GT(endpoint().total_count(), 0);
}

TEST_P(ConnectionFlagsCliTest, UnknownCertificateIsRefused) {
  use_env_keys();
  auto front = https();
  ASSERT_NE(front, nullptr);
  const t::ProgramRun r = run({"--endpoint-url", front->url()});
  // top too: without the mount targets it cannot tell EFS traffic, so the
  // failed call ends the run as itself.
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("--ca-bundle"), std::string::npos) << r.err;
  EXPECT_EQ(endpoint().total_count(), 0) << "a request went through an unverified connection";
}

TEST_P(ConnectionFlagsCliTest, NoVerifySslAcceptsTheCertificate) {
  use_env_keys();
  auto front = https();
  ASSERT_NE(front, nullptr);
  expect_answered(run({"--endpoint-url", front->url(), "--no-verify-ssl"}));
}

TEST_P(ConnectionFlagsCliTest, ProfileFromTheSharedFiles) {
  env().write_aws_file("credentials",
                       std::string("[dev]\naws_access_key_id = ") + t::kTestOtherAccessKeyId +
                           "\naws_secret_access_key = " + t::kTestOtherSecretAccessKey + "\n");
  expect_answered(run({"--endpoint-url", endpoint().url(), "--profile", "dev"}));
  const auto requests = endpoint().requests();
  ASSERT_TRUE(requests.ok());
  ASSERT_FALSE(requests->empty());
  for (const auto& q : *requests) EXPECT_EQ(q["access_key_id"], t::kTestOtherAccessKeyId);

  const t::ProgramRun missing = run({"--endpoint-url", endpoint().url(), "--profile", "nosuch"});
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("nosuch"), std::string::npos) << missing.err;
}

TEST_P(ConnectionFlagsCliTest, DebugLogsEveryCallAndNoSecret) {
  use_env_keys();
  const t::ProgramRun r = run({"--endpoint-url", endpoint().url(), "--debug"});
  expect_answered(r);
  EXPECT_NE(r.err.find("efstop: debug: aws "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(t::kTestSecretAccessKey), std::string::npos);
  EXPECT_EQ(r.out.find(t::kTestSecretAccessKey), std::string::npos);
  EXPECT_EQ(r.err.find("Authorization"), std::string::npos);
}

TEST_P(ConnectionFlagsCliTest, ReadTimeoutGivesUpOnASilentAnswer) {
  use_env_keys();
  ASSERT_TRUE(
      endpoint()
          .inject_fault(
              {.operation = "*", .kind = t::FaultKind::kSlow, .count = 100, .delay_ms = 2500})
          .ok());
  const t::ProgramRun r = run({"--endpoint-url", endpoint().url(), "--cli-read-timeout", "1",
                               "--cli-connect-timeout", "5"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
}

TEST_P(ConnectionFlagsCliTest, TimeoutsAreCheckedAndHonoured) {
  use_env_keys();
  expect_answered(run({"--endpoint-url", endpoint().url(), "--cli-connect-timeout", "5",
                       "--cli-read-timeout", "0"}));
  const t::ProgramRun bad =
      run({"--endpoint-url", endpoint().url(), "--cli-connect-timeout", "-3"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--cli-connect-timeout"), std::string::npos) << bad.err;
}

INSTANTIATE_TEST_SUITE_P(Commands, ConnectionFlagsCliTest,
                         ::testing::Values("whoami", "inventory", "doctor", "top"));

}  // namespace
}  // namespace efstop::cli
