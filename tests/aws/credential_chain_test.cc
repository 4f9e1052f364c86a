// The chain's order and its configuration errors, with no network: the
// transport refuses every request (so IMDS is "not on EC2" and any STS call
// fails with a network error that the tests can recognise).
#include "aws/credential_chain.h"

#include <gtest/gtest.h>

#include <atomic>

#include "aws/region.h"

namespace efstop::aws {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRETKEY";

class RefusingTransport : public HttpTransport {
 public:
  HttpOutcome perform(const HttpRequest& request) override {
    ++requests;
    last_url = request.url;
    HttpOutcome out;
    out.status = network_error("connection refused (test transport)");
    out.failure = TransportFailure::kConnect;
    return out;
  }
  std::atomic<int> requests{0};
  std::string last_url;
};

struct ChainSetup {
  std::string config;
  std::string credentials;
  EnvVars env;
  std::string cli_profile;
};

Result<DefaultCredentials> build(const ChainSetup& s, std::shared_ptr<RefusingTransport> transport =
                                                          std::make_shared<RefusingTransport>()) {
  Result<SharedConfig> sc = SharedConfig::from_text(
      s.config.empty() ? std::nullopt : std::optional<std::string_view>(s.config), "/h/.aws/config",
      s.credentials.empty() ? std::nullopt : std::optional<std::string_view>(s.credentials),
      "/h/.aws/credentials");
  if (!sc.ok()) return sc.status();
  CredentialChainOptions o;
  o.cli_profile = s.cli_profile;
  o.env = s.env;
  o.config = std::make_shared<const SharedConfig>(*sc);
  o.transport = std::move(transport);
  o.client_config.region = "eu-west-1";
  o.client_config.retry.max_attempts = 1;
  return make_default_credentials(std::move(o));
}

Result<Credentials> creds(const ChainSetup& s) {
  Result<DefaultCredentials> d = build(s);
  if (!d.ok()) return d.status();
  return d->provider->get();
}

const std::string kStatic =
    std::string("aws_access_key_id = AKIDFILE\naws_secret_access_key = ") + kSecret + "\n";

TEST(ChooseProfileTest, CliThenEnvThenDefault) {
  Result<SharedConfig> sc =
      SharedConfig::from_text("[profile a]\n[profile b]\n[profile c]\n", "/c", std::nullopt, "/k");
  ASSERT_TRUE(sc.ok());
  EnvVars env{{"AWS_PROFILE", "b"}, {"AWS_DEFAULT_PROFILE", "c"}};
  EXPECT_EQ(choose_profile("a", env, *sc)->name, "a");
  EXPECT_TRUE(choose_profile("a", env, *sc)->from_cli);
  EXPECT_EQ(choose_profile("", env, *sc)->name, "c");
  EXPECT_EQ(choose_profile("", env, *sc)->origin, "AWS_DEFAULT_PROFILE");
  EXPECT_EQ(choose_profile("", env.without("AWS_DEFAULT_PROFILE"), *sc)->name, "b");
  Result<ProfileChoice> none = choose_profile("", EnvVars(), *sc);
  ASSERT_TRUE(none.ok());  // an absent default profile is fine
  EXPECT_EQ(none->name, "default");
  Result<ProfileChoice> missing = choose_profile("", EnvVars{{"AWS_PROFILE", "zz"}}, *sc);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("from AWS_PROFILE"), std::string::npos);
  EXPECT_NE(missing.status().message().find("/c"), std::string::npos);
  EXPECT_NE(missing.status().message().find("/k (no such file)"), std::string::npos);
}

TEST(CredentialChainTest, EnvironmentWinsOverProfileFromEnv) {
  ChainSetup s;
  s.credentials = "[dev]\n" + kStatic;
  s.env = EnvVars{
      {"AWS_PROFILE", "dev"}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", kSecret}};
  Result<Credentials> c = creds(s);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->source, "env");
}

TEST(CredentialChainTest, ExplicitProfileWinsOverEnvironment) {
  ChainSetup s;
  s.credentials = "[dev]\n" + kStatic;
  s.cli_profile = "dev";
  s.env = EnvVars{{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", kSecret}};
  Result<Credentials> c = creds(s);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->access_key_id, "AKIDFILE");
  EXPECT_EQ(c->source, "shared-credentials-file");
}

TEST(CredentialChainTest, CredentialsFileThenProcessThenConfigFile) {
  const std::string process =
      "credential_process = /bin/echo "
      "'{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"s\"}'\n";
  ChainSetup s;
  s.config = "[default]\n" + process + "aws_access_key_id = AKIDCFG\naws_secret_access_key = x\n";
  s.credentials = "[default]\n" + kStatic;
  EXPECT_EQ(creds(s)->access_key_id, "AKIDFILE");
  s.credentials.clear();
  EXPECT_EQ(creds(s)->access_key_id, "AKIDPROC");
  s.config = "[default]\naws_access_key_id = AKIDCFG\naws_secret_access_key = x\n";
  Result<Credentials> c = creds(s);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDCFG");
  EXPECT_EQ(c->source, "config-file");
}

TEST(CredentialChainTest, NothingConfiguredListsEverySourceInOrder) {
  ChainSetup s;
  s.env = EnvVars{{"AWS_EC2_METADATA_DISABLED", "true"}, {"HOME", "/nonexistent"}};
  Result<Credentials> c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  const std::string& m = c.status().message();
  size_t pos = 0;
  for (const char* name :
       {"environment: AWS_ACCESS_KEY_ID not set", "assume role:", "web identity:",
        "IAM Identity Center (SSO):", "shared credentials file: /h/.aws/credentials: no such file",
        "credential_process:", "config file: /h/.aws/config: no such file",
        "container credentials:",
        "EC2 instance metadata: instance metadata disabled by "
        "AWS_EC2_METADATA_DISABLED=true"}) {
    size_t at = m.find(name, pos);
    ASSERT_NE(at, std::string::npos) << "missing or out of order: " << name << "\n" << m;
    pos = at;
  }
  EXPECT_NE(m.find("aws configure"), std::string::npos);
  EXPECT_NE(m.find("--profile"), std::string::npos);
  EXPECT_NE(m.find("aws sso login"), std::string::npos);
}

TEST(CredentialChainTest, ImdsSilenceIsReportedNotFatal) {
  ChainSetup s;
  s.env = EnvVars{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"}};
  auto transport = std::make_shared<RefusingTransport>();
  Result<DefaultCredentials> d = build(s, transport);
  ASSERT_TRUE(d.ok());
  Result<Credentials> c = d->provider->get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  EXPECT_NE(c.status().message().find("EC2 instance metadata: instance metadata "
                                      "http://127.0.0.1:9: no answer"),
            std::string::npos)
      << c.status().message();
  EXPECT_EQ(transport->requests.load(), 1);  // one token PUT, 1 attempt, 1 s timeout
  EXPECT_EQ(transport->last_url, "http://127.0.0.1:9/latest/api/token");
}

TEST(CredentialChainTest, ProfileNamedOnTheCommandLineMustExist) {
  ChainSetup s;
  s.config = "[profile a]\n";
  s.cli_profile = "b";
  Result<DefaultCredentials> d = build(s);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
  EXPECT_NE(d.status().message().find("profile 'b' (from --profile) not found"), std::string::npos)
      << d.status().message();
}

// Assume-role configuration mistakes are reported with file and line, and
// only when the chain reaches them.
struct RoleCase {
  std::string config;
  std::string expect;
};

class AssumeRoleConfigTest : public ::testing::TestWithParam<RoleCase> {};

TEST_P(AssumeRoleConfigTest, ReportsTheMistake) {
  ChainSetup s;
  s.config = GetParam().config;
  s.credentials = "[base]\n" + kStatic;
  s.cli_profile = "r";
  Result<Credentials> c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(GetParam().expect), std::string::npos)
      << c.status().message();
  EXPECT_EQ(c.status().message().find(kSecret), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AssumeRoleConfigTest,
    ::testing::Values(
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n"
                 "credential_source = Environment\n",
                 "sets both source_profile and credential_source"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\n",
                 "profile 'r' (/h/.aws/config line 2) has role_arn but neither source_profile "
                 "nor credential_source"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Lambda\n",
                 "credential_source 'Lambda' is not one of Environment, Ec2InstanceMetadata, "
                 "EcsContainer"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n"
                 "mfa_serial = arn:aws:iam::1:mfa/u\n",
                 "(/h/.aws/config line 4): roles that need an MFA code (mfa_serial) are not "
                 "supported non-interactively"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n"
                 "duration_seconds = 1h\n",
                 "duration_seconds must be a whole number of seconds from 900 to 43200"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n"
                 "duration_seconds = 60\n",
                 "(/h/.aws/config line 4): duration_seconds"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n"
                 "role_session_name = has spaces\n",
                 "role_session_name must be 2-64 characters"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = nosuch\n",
                 "(/h/.aws/config line 3): source_profile 'nosuch' does not exist"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = s\n"
                 "[profile s]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = r\n",
                 "source_profile cycle: r -> s -> r"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = r\n",
                 "source_profile cycle: r -> r"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = empty\n"
                 "[profile empty]\nregion = eu-west-1\n",
                 "source_profile 'empty' of profile 'r' (/h/.aws/config line 3) has no "
                 "credentials"},
        RoleCase{"[profile r]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = "
                 "Environment\n",
                 "credential_source Environment of profile 'r' (/h/.aws/config line 3) has no "
                 "credentials: AWS_ACCESS_KEY_ID not set"}));

TEST(CredentialChainTest, RoleWithStaticSourceGoesToStsWithSourceKeys) {
  // A valid role configuration gets as far as the STS call (refused here).
  for (const std::string& config :
       {std::string("[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n"),
        // A profile may name itself as source when it has its own keys.
        "[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = r\n" + kStatic,
        // Chained roles.
        std::string("[profile r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = mid\n"
                    "[profile mid]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = base\n")}) {
    ChainSetup s;
    s.config = config;
    s.credentials = "[base]\n" + kStatic;
    s.cli_profile = "r";
    auto transport = std::make_shared<RefusingTransport>();
    Result<DefaultCredentials> d = build(s, transport);
    ASSERT_TRUE(d.ok()) << d.status().to_string();
    Result<Credentials> c = d->provider->get();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kNetwork) << c.status().to_string();
    EXPECT_NE(c.status().message().find("assume role arn:aws:iam::1:role/"), std::string::npos)
        << c.status().message();
    EXPECT_EQ(transport->requests.load(), 1);
    EXPECT_NE(transport->last_url.find("sts.eu-west-1.amazonaws.com"), std::string::npos)
        << transport->last_url;
  }
}

TEST(CredentialChainTest, WebIdentityNeedsARoleArn) {
  ChainSetup s;
  s.env = EnvVars{{"AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token"}};
  Result<Credentials> c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no role ARN is set; set AWS_ROLE_ARN"), std::string::npos)
      << c.status().message();
}

TEST(CredentialChainTest, WebIdentityFromEnvIgnoredWithExplicitProfile) {
  ChainSetup s;
  s.config = "[profile p]\nregion = eu-west-1\n";
  s.credentials = "[p]\n" + kStatic;
  s.cli_profile = "p";
  s.env = EnvVars{{"AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token"}, {"AWS_ROLE_ARN", "arn:x"}};
  Result<Credentials> c = creds(s);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->access_key_id, "AKIDFILE");
}

TEST(CredentialChainTest, SsoConfigurationMistakes) {
  ChainSetup s;
  s.cli_profile = "sso";
  s.config = "[profile sso]\nsso_account_id = 1\nsso_role_name = R\nsso_region = eu-west-1\n";
  Result<Credentials> c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("lacks sso_start_url"), std::string::npos)
      << c.status().message();

  s.config = "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n";
  c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no [sso-session corp] section"), std::string::npos)
      << c.status().message();

  s.config =
      "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\nsso_region = "
      "us-east-1\n[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://x\n";
  c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("sso_region differs from [sso-session corp]"),
            std::string::npos)
      << c.status().message();
}

TEST(CredentialChainTest, SsoWithoutCachedTokenSaysToLogIn) {
  ChainSetup s;
  s.cli_profile = "sso";
  s.env = EnvVars{{"HOME", "/nonexistent-home"}};
  s.config =
      "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n"
      "[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://x\n";
  Result<Credentials> c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kAuth);
  EXPECT_NE(c.status().message().find("run 'aws sso login --profile sso'"), std::string::npos)
      << c.status().message();
  // sha1("corp")
  EXPECT_NE(c.status().message().find(
                "/nonexistent-home/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
            std::string::npos)
      << c.status().message();
}

TEST(CredentialChainTest, ContainerFullUriHostIsChecked) {
  ChainSetup s;
  s.env = EnvVars{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}};
  Result<Credentials> c = creds(s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("host 'example.com' is not allowed over http"),
            std::string::npos)
      << c.status().message();
}

// ---- region -----------------------------------------------------------------

TEST(RegionTest, OrderAndOrigins) {
  auto sc = std::make_shared<const SharedConfig>(*SharedConfig::from_text(
      "[profile p]\nregion = ap-south-1\n[profile q]\noutput = json\n", "/c", std::nullopt, "/k"));
  RegionOptions o;
  o.config = sc;
  o.profile = "p";
  o.cli_region = "us-west-2";
  o.env = EnvVars{{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "eu-north-1"}};
  EXPECT_EQ(resolve_region(o)->source, "--region");
  o.cli_region.clear();
  EXPECT_EQ(resolve_region(o)->region, "eu-west-1");
  EXPECT_EQ(resolve_region(o)->source, "AWS_REGION");
  o.env = o.env.without("AWS_REGION");
  EXPECT_EQ(resolve_region(o)->region, "eu-north-1");
  o.env = EnvVars();
  Result<ResolvedRegion> r = resolve_region(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region, "ap-south-1");
  EXPECT_EQ(r->source, "profile p (/c line 2)");
  o.profile = "q";
  Result<ResolvedRegion> none = resolve_region(o);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("pass --region"), std::string::npos);
  EXPECT_NE(none.status().message().find("aws configure set region REGION --profile q"),
            std::string::npos)
      << none.status().message();
}

TEST(RegionTest, BadNamesAreRejectedWithTheirOrigin) {
  RegionOptions o;
  o.env = EnvVars{{"AWS_REGION", "EU West"}};
  Result<ResolvedRegion> r = resolve_region(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("from AWS_REGION"), std::string::npos);
  EXPECT_TRUE(is_valid_region_name("us-gov-west-1"));
  EXPECT_FALSE(is_valid_region_name("1us"));
  EXPECT_FALSE(is_valid_region_name(""));
}

TEST(RegionTest, ImdsIsAskedLastAndItsFailureExplained) {
  RegionOptions o;
  o.profile = "default";
  auto transport = std::make_shared<RefusingTransport>();
  ImdsOptions io;
  io.endpoint = "http://127.0.0.1:9";
  o.imds = std::make_shared<ImdsClient>(transport, io);
  Result<ResolvedRegion> r = resolve_region(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("instance metadata http://127.0.0.1:9: no answer"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("aws configure set region REGION'"), std::string::npos);
}

TEST(ImdsOptionsTest, EnvironmentThenProfile) {
  auto sc = std::make_shared<const SharedConfig>(*SharedConfig::from_text(
      "[default]\nec2_metadata_service_endpoint = http://10.0.0.1/\nmetadata_service_timeout = "
      "2.5\n[profile six]\nec2_metadata_service_endpoint_mode = IPv6\n[profile bad]\n"
      "metadata_service_num_attempts = many\n",
      "/c", std::nullopt, "/k"));
  Result<ImdsOptions> d = imds_options_from(EnvVars(), sc->profile("default"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->endpoint, "http://10.0.0.1");
  EXPECT_EQ(d->timeout.count(), 2500);
  EXPECT_EQ(d->attempts, 1);
  EXPECT_FALSE(d->disabled);
  Result<ImdsOptions> e =
      imds_options_from(EnvVars{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1"},
                                {"AWS_EC2_METADATA_DISABLED", "TRUE"}},
                        sc->profile("default"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->endpoint, "http://127.0.0.1:1");
  EXPECT_TRUE(e->disabled);
  EXPECT_EQ(imds_options_from(EnvVars(), sc->profile("six"))->endpoint, "http://[fd00:ec2::254]");
  Result<ImdsOptions> bad = imds_options_from(EnvVars(), sc->profile("bad"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("metadata_service_num_attempts (/c line 7)"),
            std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace efstop::aws
