// The set-up the end-to-end tests across accounts share (issue 18,
// docs/multi-account.md): the test endpoint playing the organization of
// tests/endpoint/scenarios/org_members.json (plus any other scenario files
// patched over it) in front of an s3rver log-archive bucket, profile "p"
// holding the endpoint's keys in region eu-west-1, and the efstop binary
// run against them with its stderr kept.
//
// Used by multi_account_test.cc, cross_scope_test.cc and
// scope_metrics_test.cc; each derives its fixture from OrgBucketTest and
// calls start_org() first in its SetUp (under ASSERT_NO_FATAL_FAILURE).
#ifndef EFSTOP_TESTS_CLOUD_ORG_BUCKET_FIXTURE_H_
#define EFSTOP_TESTS_CLOUD_ORG_BUCKET_FIXTURE_H_

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud::test {

inline constexpr char kOrgBucket[] = "efstop-log-archive";

class OrgBucketTest : public ::testing::Test {
 protected:
  // Starts s3rver with kOrgBucket behind the endpoint, patches the
  // endpoint's scenario with org_members.json and then `more` (file names
  // under tests/endpoint/scenarios/), and writes profile "p".
  void start_org(const std::vector<std::string>& more = {}) {
    env_ = std::make_unique<efstop::testing::ScopedAwsEnv>();
    efstop::testing::S3ServerOptions so;
    so.buckets = {kOrgBucket};
    so.front_scenario_path =
        std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint/scenarios/default.json";
    Result<std::unique_ptr<efstop::testing::S3Server>> s = efstop::testing::S3Server::start(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    s3_ = std::move(s).value();
    std::vector<std::string> files = {"org_members.json"};
    files.insert(files.end(), more.begin(), more.end());
    for (const std::string& file : files) {
      std::ifstream patch(std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint/scenarios/" + file);
      std::stringstream text;
      text << patch.rdbuf();
      ASSERT_TRUE(front().patch_scenario(text.str()).ok()) << file;
    }
    env_->write_aws_file(
        "credentials",
        std::string("[p]\naws_access_key_id = ") + efstop::testing::kTestAccessKeyId +
            "\naws_secret_access_key = " + efstop::testing::kTestSecretAccessKey + "\n");
    env_->write_aws_file("config", "[profile p]\nregion = eu-west-1\n");
  }
  void TearDown() override {
    s3_.reset();
    env_.reset();
  }

  // Runs `efstop args`; its stdout, and stderr in stderr_text().
  std::string run(const std::string& args, int* code) {
    const std::string cmd =
        std::string(EFSTOP_BINARY_DIR) + "/efstop " + args + " 2>" + env_->home() + "/err.txt";
    return efstop::testing::run_shell(cmd, code);
  }
  std::string stderr_text() const {
    std::ifstream in(env_->home() + "/err.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  efstop::testing::TestEndpoint& front() { return *s3_->endpoint(); }

  // The keys of the GetObject requests in the endpoint's log, in order and
  // '=' decoded (the path sends it as %3D), from the `from`-th request on.
  std::multiset<std::string> fetched_keys(size_t from = 0) {
    std::multiset<std::string> keys;
    Result<nlohmann::json> reqs = front().requests();
    EXPECT_TRUE(reqs.ok());
    if (!reqs.ok()) return keys;
    const std::string bucket_path = std::string("/") + kOrgBucket + "/";
    for (size_t n = from; n < reqs->size(); ++n) {
      const nlohmann::json& q = (*reqs)[n];
      if (q.value("operation", "") != "s3:GetObject") continue;
      std::string path = q.value("path", "");
      for (size_t at = path.find("%3D"); at != std::string::npos; at = path.find("%3D", at)) {
        path.replace(at, 3, "=");
      }
      EXPECT_EQ(path.rfind(bucket_path, 0), 0u) << path;
      keys.insert(path.substr(bucket_path.size()));
    }
    return keys;
  }

  // records = used + every reason a record was not used (docs/json.md).
  static void expect_records_add_up(const nlohmann::json& stats) {
    EXPECT_EQ(stats["records"].get<int64_t>(),
              stats["used"].get<int64_t>() + stats["duplicates"].get<int64_t>() +
                  stats["not_efs"].get<int64_t>() + stats["outside_window"].get<int64_t>() +
                  stats["nodata"].get<int64_t>() + stats["skipdata"].get<int64_t>() +
                  stats["unknown_address"].get<int64_t>() +
                  stats.value("outside_scopes", int64_t{0}))
        << stats.dump();
  }

  std::unique_ptr<efstop::testing::ScopedAwsEnv> env_;
  std::unique_ptr<efstop::testing::S3Server> s3_;
};

}  // namespace efstop::cloud::test

#endif  // EFSTOP_TESTS_CLOUD_ORG_BUCKET_FIXTURE_H_
