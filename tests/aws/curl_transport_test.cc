// The libcurl transport against a local HTTPS server with a self-signed
// certificate: verification on by default (a TLS failure, not retried),
// --ca-bundle trusting that certificate, --no-verify-ssl; and the request
// bound of the handle pool.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "aws/http.h"

namespace efstop::aws {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TlsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("efstop-tls-" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    const std::string d = dir_->string();
    const std::string gen =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        d + "/key.pem -out " + d + "/cert.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(gen.c_str()), 0) << "openssl could not make a test certificate";
    const std::string start = "/usr/bin/python3 " + std::string(EFSTOP_SOURCE_DIR) +
                              "/tests/aws/tls_server.py " + d + "/cert.pem " + d + "/key.pem " + d +
                              "/port " + d + "/pid " + std::to_string(getpid()) + " >" + d +
                              "/server.log 2>&1 &";
    ASSERT_EQ(std::system(start.c_str()), 0);
    for (int i = 0; i < 200 && !fs::exists(*dir_ / "port"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(fs::exists(*dir_ / "port")) << slurp(*dir_ / "server.log");
    url_ = new std::string("https://127.0.0.1:" + slurp(*dir_ / "port") + "/");
  }

  static void TearDownTestSuite() {
    if (dir_ == nullptr) return;
    if (fs::exists(*dir_ / "pid")) kill(std::stoi(slurp(*dir_ / "pid")), SIGTERM);
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
    delete url_;
    dir_ = nullptr;
    url_ = nullptr;
  }

  static HttpRequest get() {
    HttpRequest r;
    r.method = "GET";
    r.url = *url_;
    return r;
  }

  static fs::path* dir_;
  static std::string* url_;
};

fs::path* TlsServerTest::dir_ = nullptr;
std::string* TlsServerTest::url_ = nullptr;

TEST_F(TlsServerTest, UnknownCertificateIsATlsFailure) {
  auto transport = make_curl_transport({});
  HttpOutcome o = transport->perform(get());
  ASSERT_FALSE(o.status.ok());
  EXPECT_EQ(o.failure, TransportFailure::kTls);
  EXPECT_EQ(o.status.code(), StatusCode::kNetwork);
  EXPECT_NE(o.status.message().find("--ca-bundle"), std::string::npos) << o.status.message();
}

TEST_F(TlsServerTest, CaBundleTrustsTheCertificate) {
  HttpOptions options;
  options.ca_bundle = (*dir_ / "cert.pem").string();
  auto response = make_curl_transport(options)->send(get());
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "tls-ok");
}

TEST_F(TlsServerTest, NoVerifySslAcceptsAnyCertificate) {
  HttpOptions options;
  options.verify_tls = false;
  auto response = make_curl_transport(options)->send(get());
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->body, "tls-ok");
}

TEST_F(TlsServerTest, MissingCaBundleFileIsReported) {
  HttpOptions options;
  options.ca_bundle = (*dir_ / "no-such-bundle.pem").string();
  HttpOutcome o = make_curl_transport(options)->perform(get());
  ASSERT_FALSE(o.status.ok());
  EXPECT_EQ(o.failure, TransportFailure::kTls);
}

TEST_F(TlsServerTest, StreamingSinkGetsTheBodyAndCanStopIt) {
  HttpOptions options;
  options.verify_tls = false;
  auto transport = make_curl_transport(options);
  HttpRequest r = get();
  std::string streamed;
  r.on_body = [&](std::string_view chunk) {
    streamed.append(chunk);
    return true;
  };
  auto response = transport->send(r);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(streamed, "tls-ok");
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(response->body_bytes, 6);

  r.on_body = [](std::string_view) { return false; };
  HttpOutcome o = transport->perform(r);
  EXPECT_EQ(o.failure, TransportFailure::kAborted);
}

TEST(UriEncode, Rfc3986) {
  EXPECT_EQ(uri_encode("a b+c/d~e_f.g-h"), "a%20b%2Bc%2Fd~e_f.g-h");
  EXPECT_EQ(uri_encode("k/a b.gz", /*keep_slash=*/true), "k/a%20b.gz");
  EXPECT_EQ(uri_encode("\xe1\x88\xb4"), "%E1%88%B4");
  EXPECT_EQ(form_encode({{"Action", "X"}, {"Filter.1.Value.1", "10.0.0.1"}, {"Empty", ""}}),
            "Action=X&Filter.1.Value.1=10.0.0.1&Empty=");
}

TEST(HttpResponse, HeaderLookupIgnoresCase) {
  HttpResponse r;
  r.headers = {{"X-Amzn-RequestId", "abc"}, {"Date", "d"}};
  EXPECT_EQ(r.header("x-amzn-requestid").value_or(""), "abc");
  EXPECT_FALSE(r.header("etag").has_value());
}

}  // namespace
}  // namespace efstop::aws
