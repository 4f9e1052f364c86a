// Where open_aws_session takes the CA bundle from: --ca-bundle, then
// AWS_CA_BUNDLE (or the profile's ca_bundle), then SSL_CERT_FILE, then the
// first of the distributions' usual files that exists.
#include "cli/aws_flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <sstream>

namespace efstop::cli {
namespace {

aws::EnvVars base_env(std::map<std::string, std::string, std::less<>> extra) {
  std::map<std::string, std::string, std::less<>> vars = {
      {"AWS_CONFIG_FILE", "/nonexistent/efstop-test/config"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/efstop-test/credentials"},
      {"AWS_REGION", "eu-west-1"},
      {"AWS_EC2_METADATA_DISABLED", "true"},
      {"AWS_ACCESS_KEY_ID", "AKIAEFSTOPTEST000001"},
      {"AWS_SECRET_ACCESS_KEY", "efstopTestSecretKey/0000000000000000000001"}};
  vars.merge(extra);
  return aws::EnvVars(std::move(vars));
}

AwsSession open(const AwsFlags& flags, const aws::EnvVars& env) {
  std::ostringstream debug;
  Result<AwsSession> s = open_aws_session(flags, env, debug);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(s).value() : AwsSession();
}

TEST(AwsFlagsCaBundle, SslCertFileWhenNothingElseNamesOne) {
  AwsSession s = open({}, base_env({{"SSL_CERT_FILE", "/opt/certs/ca.pem"}}));
  EXPECT_EQ(s.http.ca_bundle, "/opt/certs/ca.pem");
  EXPECT_EQ(s.ca_bundle_source, "SSL_CERT_FILE");
}

TEST(AwsFlagsCaBundle, AwsCaBundleWinsOverSslCertFile) {
  AwsSession s = open({}, base_env({{"SSL_CERT_FILE", "/opt/certs/ca.pem"},
                                    {"AWS_CA_BUNDLE", "/opt/aws/bundle.pem"}}));
  EXPECT_EQ(s.http.ca_bundle, "/opt/aws/bundle.pem");
  EXPECT_EQ(s.ca_bundle_source, "AWS_CA_BUNDLE");
}

TEST(AwsFlagsCaBundle, FlagWinsOverBoth) {
  AwsFlags flags;
  flags.ca_bundle = "/opt/flag.pem";
  AwsSession s = open(flags, base_env({{"SSL_CERT_FILE", "/opt/certs/ca.pem"},
                                       {"AWS_CA_BUNDLE", "/opt/aws/bundle.pem"}}));
  EXPECT_EQ(s.http.ca_bundle, "/opt/flag.pem");
  EXPECT_EQ(s.ca_bundle_source, "--ca-bundle");
}

TEST(AwsFlagsCaBundle, OtherwiseTheFirstUsualFileOnThisMachine) {
  std::string expected;
  for (const char* path :
       {"/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem", "/etc/ssl/ca-bundle.pem"}) {
    if (::access(path, R_OK) == 0) {
      expected = path;
      break;
    }
  }
  ASSERT_FALSE(expected.empty()) << "the test machine has no CA bundle (ca-certificates)";
  AwsSession s = open({}, base_env({}));
  EXPECT_EQ(s.http.ca_bundle, expected);
  EXPECT_EQ(s.ca_bundle_source, "system (" + expected + ")");
}

TEST(SystemCaBundle, SearchOrderIsRhelThenDebianThenAlpineThenSuse) {
  std::set<std::string> present;
  auto readable = [&present](const std::string& p) { return present.count(p) > 0; };
  EXPECT_EQ(aws::find_system_ca_bundle(readable), "");
  present = {"/etc/ssl/ca-bundle.pem"};
  EXPECT_EQ(aws::find_system_ca_bundle(readable), "/etc/ssl/ca-bundle.pem");
  present.insert("/etc/ssl/cert.pem");
  EXPECT_EQ(aws::find_system_ca_bundle(readable), "/etc/ssl/cert.pem");
  present.insert("/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(aws::find_system_ca_bundle(readable), "/etc/ssl/certs/ca-certificates.crt");
  present.insert("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem");
  EXPECT_EQ(aws::find_system_ca_bundle(readable),
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem");
  present.insert("/etc/pki/tls/certs/ca-bundle.crt");
  EXPECT_EQ(aws::find_system_ca_bundle(readable), "/etc/pki/tls/certs/ca-bundle.crt");
}

}  // namespace
}  // namespace efstop::cli
