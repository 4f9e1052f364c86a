// Issue 17, item 5: no secret anywhere. Every command of `efstop help` runs
// through the binary at --debug, with credentials from every provider of the
// chain (environment, shared credentials file, assume role from a profile,
// credential_process, the SSO token cache, web identity, container, IMDS),
// against the test endpoint. Then stdout, stderr and every file efstop wrote
// under HOME (the name store and its -wal/-shm, the cache directory, TMPDIR)
// are scanned for every secret in play: the test user's secret key, each
// secret key and session token the endpoint issued (GET /__efstop/issued),
// IMDS session tokens, the SSO access token, the web identity token and the
// container authorization token. None may appear.
//
// Access key ids: efstop shows one only masked as the AWS CLI's `configure
// list` does ("****************" + its last 4 characters); the full id must
// not appear either, and whoami must show the masked form.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "aws/credential_network.h"
#include "aws/credentials.h"
#include "harness/harness_http.h"
#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::aws {
namespace {

namespace fs = std::filesystem;
namespace t = efstop::testing;

enum class Provider {
  kEnv,
  kCredentialsFile,
  kAssumeRole,
  kProcess,
  kSso,
  kWebIdentity,
  kContainer,
  kImds,
};

std::string provider_name(Provider p) {
  switch (p) {
    case Provider::kEnv:
      return "env";
    case Provider::kCredentialsFile:
      return "credentials_file";
    case Provider::kAssumeRole:
      return "assume_role";
    case Provider::kProcess:
      return "credential_process";
    case Provider::kSso:
      return "sso";
    case Provider::kWebIdentity:
      return "web_identity";
    case Provider::kContainer:
      return "container";
    case Provider::kImds:
      return "imds";
  }
  return "?";
}

// What `whoami` reports as the credential source for each provider.
std::string source_name(Provider p) {
  switch (p) {
    case Provider::kEnv:
      return "env";
    case Provider::kCredentialsFile:
      return "shared-credentials-file";
    case Provider::kAssumeRole:
      return "assume-role";
    case Provider::kProcess:
      return "custom-process";
    case Provider::kSso:
      return "sso";
    case Provider::kWebIdentity:
      return "assume-role-with-web-identity";
    case Provider::kContainer:
      return "container-role";
    case Provider::kImds:
      return "iam-role";
  }
  return "?";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every regular file under `root`, with its content.
std::map<std::string, std::string> files_under(const fs::path& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) out[it->path().string()] = slurp(it->path());
  }
  return out;
}

class SecretScanTest : public t::EndpointTest, public ::testing::WithParamInterface<Provider> {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    home_ = env().home();
    for (const char* v : {"XDG_CACHE_HOME", "TMPDIR"}) {
      const char* old = getenv(v);
      saved_.emplace_back(v, old ? std::optional<std::string>(old) : std::nullopt);
    }
    setenv("AWS_ENDPOINT_URL", endpoint().url().c_str(), 1);
    setenv("AWS_REGION", t::kTestRegion, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    // Everything efstop may write lands under HOME: the cache (XDG) and
    // temporary files (TMPDIR).
    setenv("XDG_CACHE_HOME", (home_ + "/.cache").c_str(), 1);
    fs::create_directories(home_ + "/tmp");
    setenv("TMPDIR", (home_ + "/tmp").c_str(), 1);
    secrets_ = {t::kTestSecretAccessKey, t::kTestSsoAccessToken, t::kTestWebIdentityToken,
                t::kTestContainerToken};
    access_key_ids_ = {t::kTestAccessKeyId};
    configure(GetParam());
    before_ = files_under(home_);
  }

  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

  std::string write_file(const std::string& name, const std::string& content) {
    const std::string path = home_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  static std::string user_keys() {
    return std::string("aws_access_key_id = ") + t::kTestAccessKeyId +
           "\naws_secret_access_key = " + t::kTestSecretAccessKey + "\n";
  }

  // Sets up one credential provider (as whoami_e2e_test does).
  void configure(Provider p) {
    switch (p) {
      case Provider::kEnv:
        setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
        setenv("AWS_SECRET_ACCESS_KEY", t::kTestSecretAccessKey, 1);
        break;
      case Provider::kCredentialsFile:
        env().write_aws_file("credentials", "[default]\n" + user_keys());
        break;
      case Provider::kAssumeRole:
        env().write_aws_file("credentials", "[base]\n" + user_keys());
        env().write_aws_file("config", std::string("[default]\nrole_arn = ") + t::kTestRoleArn +
                                           "\nsource_profile = base\n"
                                           "role_session_name = secret-scan\n");
        break;
      case Provider::kProcess: {
        const std::string script = write_file(
            "creds.sh", std::string("#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                                    "\"SecretAccessKey\": \"%s\"}' ") +
                            t::kTestAccessKeyId + " " + t::kTestSecretAccessKey + "\n");
        fs::permissions(script, fs::perms::owner_all);
        env().write_aws_file("config", "[default]\ncredential_process = " + script + "\n");
        break;
      }
      case Provider::kSso: {
        const std::string cache = home_ + "/.aws/sso/cache";
        fs::create_directories(cache);
        nlohmann::json token = {{"startUrl", "https://efstop.awsapps.com/start"},
                                {"region", t::kTestRegion},
                                {"accessToken", t::kTestSsoAccessToken},
                                {"expiresAt", format_iso8601(std::chrono::system_clock::now() +
                                                             std::chrono::hours(4))}};
        std::ofstream(sso_token_cache_path(cache, "corp")) << token.dump();
        env().write_aws_file(
            "config", std::string("[default]\nsso_session = corp\nsso_account_id = ") +
                          t::kTestAccount + "\nsso_role_name = " + t::kTestSsoRoleName +
                          "\n[sso-session corp]\nsso_start_url = https://efstop.awsapps.com/start\n"
                          "sso_region = " +
                          t::kTestRegion + "\n");
        break;
      }
      case Provider::kWebIdentity: {
        const std::string token = write_file("token", t::kTestWebIdentityToken);
        setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token.c_str(), 1);
        setenv("AWS_ROLE_ARN", t::kTestWebIdentityRoleArn, 1);
        setenv("AWS_ROLE_SESSION_NAME", "secret-scan", 1);
        break;
      }
      case Provider::kContainer:
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint().container_credentials_url().c_str(),
               1);
        setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", t::kTestContainerToken, 1);
        break;
      case Provider::kImds:
        unsetenv("AWS_EC2_METADATA_DISABLED");
        setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint().url().c_str(), 1);
        break;
    }
  }

  // Adds what the endpoint issued so far to the secrets and key ids.
  void add_issued() {
    Result<t::HttpReply> r = t::http_request("GET", endpoint().url() + "/__efstop/issued");
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    const nlohmann::json doc = nlohmann::json::parse(r->body, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << r->body;
    for (const auto& c : doc["credentials"]) {
      access_key_ids_.insert(c["access_key_id"].get<std::string>());
      secrets_.insert(c["secret"].get<std::string>());
      if (c["session_token"].is_string()) secrets_.insert(c["session_token"].get<std::string>());
    }
    for (const auto& token : doc["imds_tokens"]) secrets_.insert(token.get<std::string>());
  }

  // Runs one command; keeps its output for the scan.
  t::ProgramRun run(const std::string& what, std::vector<std::string> args) {
    args.push_back("--debug");
    t::ProgramRun r = t::run_efstop(args);
    outputs_.push_back({what + " stdout", r.out});
    outputs_.push_back({what + " stderr", r.err});
    return r;
  }

  void scan(const std::string& where, const std::string& text) {
    for (const std::string& s : secrets_) {
      EXPECT_EQ(text.find(s), std::string::npos)
          << provider_name(GetParam()) << ": a secret (" << s.substr(0, 6) << "...) in " << where;
    }
    for (const std::string& id : access_key_ids_) {
      EXPECT_EQ(text.find(id), std::string::npos)
          << provider_name(GetParam()) << ": the full access key id " << id << " in " << where;
    }
  }

  std::string home_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
  std::set<std::string> secrets_;
  std::set<std::string> access_key_ids_;
  std::map<std::string, std::string> before_;
  std::vector<std::pair<std::string, std::string>> outputs_;
};

TEST_P(SecretScanTest, NoSecretInAnyOutputOrFile) {
  const std::string sample = std::string(EFSTOP_SOURCE_DIR) + "/sample";
  const std::string flowlogs = sample + "/flowlogs/cloudwatch-export-eni-all.log";
  const std::vector<std::string> window = {"--start", "2026-11-29T10:00:00Z", "--end",
                                           "2026-11-29T11:00:00Z"};

  // whoami: the identity, and the access key masked.
  t::ProgramRun who = run("whoami", {"whoami", "--output", "json"});
  ASSERT_EQ(who.code, 0) << who.err;
  const nlohmann::json id = nlohmann::json::parse(who.out, nullptr, false);
  ASSERT_TRUE(id.is_object()) << who.out;
  EXPECT_EQ(id["Credentials"]["Source"], source_name(GetParam())) << who.out;
  const std::string shown = id["Credentials"]["AccessKey"].get<std::string>();
  EXPECT_EQ(shown.rfind("****************", 0), 0u) << shown;
  EXPECT_EQ(shown.size(), 20u) << shown;
  run("whoami table", {"whoami"});

  // top against the endpoint: discovery, names, the flow logs in AWS.
  std::vector<std::string> top_aws = {"--output", "json"};
  top_aws.insert(top_aws.end(), window.begin(), window.end());
  t::ProgramRun top = run("top (aws)", top_aws);
  EXPECT_EQ(top.code, 0) << top.err;
  EXPECT_NE(top.err.find("efstop: debug: aws "), std::string::npos) << top.err;

  // top on files, with and without --names.
  EXPECT_EQ(run("top (files)", {"--server-ips", sample + "/mount-targets.txt", flowlogs}).code, 0);
  t::ProgramRun named = run("top --names (files)", {"--names", "--output", "json", flowlogs});
  EXPECT_EQ(named.code, 0) << named.err;

  // The other commands `efstop help` lists.
  t::ProgramRun inv = run("inventory", {"inventory", "--output", "json"});
  EXPECT_EQ(inv.code, 0) << inv.err;
  run("doctor", {"doctor"});
  run("iam-policy", {"iam-policy"});
  run("help", {"help"});

  add_issued();
  if (GetParam() == Provider::kAssumeRole || GetParam() == Provider::kSso ||
      GetParam() == Provider::kWebIdentity || GetParam() == Provider::kContainer ||
      GetParam() == Provider::kImds) {
    // Temporary credentials were issued and used: the scan includes them.
    EXPECT_GT(access_key_ids_.size(), 1u);
  }
  for (const auto& [where, text] : outputs_) scan(where, text);

  // Every file efstop wrote or changed under HOME (store, -wal, -shm,
  // temporary files): the name store must exist, and hold no secret.
  const std::map<std::string, std::string> after = files_under(home_);
  bool saw_store = false;
  for (const auto& [path, content] : after) {
    auto was = before_.find(path);
    if (was != before_.end() && was->second == content) continue;
    if (path.find("/efstop/efstop.sqlite3") != std::string::npos) saw_store = true;
    scan(path, content);
  }
  EXPECT_TRUE(saw_store) << "the name store was not written under " << home_;
}

// Through the binary: a --cache-dir that is a symbolic link is refused with
// a message naming it and what to do; the report is made without the store
// and nothing is written through the link.
TEST(CacheDirCliTest, SymlinkedCacheDirIsRefusedWithAMessage) {
  t::ScopedAwsEnv env;
  const std::string target = env.home() + "/elsewhere";
  fs::create_directory(target);
  const std::string link = env.home() + "/cache-link";
  fs::create_directory_symlink(target, link);
  const std::string sample = std::string(EFSTOP_SOURCE_DIR) + "/sample";
  const t::ProgramRun names = t::run_efstop({"--cache-dir", link, "--offline", "--output", "json",
                                             "--server-ips", sample + "/mount-targets.txt",
                                             sample + "/flowlogs/cloudwatch-export-eni-all.log"});
  EXPECT_EQ(names.code, 0) << names.err;
  EXPECT_NE(names.err.find("efstop: warning: names without the store: cache directory " + link +
                           ": it is a symbolic link"),
            std::string::npos)
      << names.err;
  EXPECT_NE(names.err.find("pass --cache-dir DIR"), std::string::npos) << names.err;
  EXPECT_TRUE(fs::is_empty(target));
}

INSTANTIATE_TEST_SUITE_P(EveryProvider, SecretScanTest,
                         ::testing::Values(Provider::kEnv, Provider::kCredentialsFile,
                                           Provider::kAssumeRole, Provider::kProcess,
                                           Provider::kSso, Provider::kWebIdentity,
                                           Provider::kContainer, Provider::kImds),
                         [](const ::testing::TestParamInfo<Provider>& p) {
                           return provider_name(p.param);
                         });

}  // namespace
}  // namespace efstop::aws
