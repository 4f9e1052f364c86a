#include "harness/s3_server.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness/harness_http.h"
#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

#ifndef EFSTOP_SOURCE_DIR
#error "EFSTOP_SOURCE_DIR must be defined by the build"
#endif

namespace efstop::testing {
namespace {

struct S3ProcessTable {
  std::mutex mu;
  std::map<const S3Server*, ChildProcess> children;
};

S3ProcessTable& s3_processes() {
  static S3ProcessTable* table = new S3ProcessTable();
  return *table;
}

// S3 keys keep '/' between segments; everything outside the unreserved set
// is percent-encoded.
std::string encode_key(std::string_view key) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string S3Server::executable() {
  return std::string(EFSTOP_SOURCE_DIR) + "/tests/harness/node_modules/.bin/s3rver";
}

Result<std::unique_ptr<S3Server>> S3Server::start(const S3ServerOptions& options) {
  if (access(executable().c_str(), X_OK) != 0) {
    return not_found_error("s3rver is not installed at " + executable() +
                           ": run scripts/install-deps.sh (npm install in tests/harness)");
  }
  EFSTOP_ASSIGN_OR_RETURN(std::string dir, make_temp_dir("efstop-s3rver-"));
  std::unique_ptr<S3Server> s3(new S3Server());
  s3->temp_dir_ = dir;
  s3->data_dir_ = dir + "/data";
  std::filesystem::create_directories(s3->data_dir_);
  const std::string out_file = dir + "/s3rver.out";
  std::vector<std::string> argv = {executable(), "--directory", s3->data_dir_, "--address",
                                   "127.0.0.1",  "--port",      "0",           "--silent"};
  for (const std::string& bucket : options.buckets) {
    argv.push_back("--configure-bucket");
    argv.push_back(bucket);
  }
  // s3rver encrypts ListObjectsV2 continuation tokens with DES, which
  // OpenSSL 3 only offers through its legacy provider: without this flag
  // every truncated listing is an InternalError. exit_with_parent.js makes
  // it exit when this process dies without stopping it.
  const char* node_options = std::getenv("NODE_OPTIONS");
  std::string options_env = "NODE_OPTIONS=--openssl-legacy-provider --require \"" +
                            std::string(EFSTOP_SOURCE_DIR) + "/tests/harness/exit_with_parent.js\"";
  // s3rver_preload.js corrects s3rver's CommonPrefixes and, behind the
  // front, lets through the key ids the front has checked (see the header).
  options_env +=
      " --require \"" + std::string(EFSTOP_SOURCE_DIR) + "/tests/harness/s3rver_preload.js\"";
  if (node_options != nullptr && *node_options != '\0') {
    options_env.push_back(' ');
    options_env.append(node_options);
  }
  const std::string parent_env = "EFSTOP_PARENT_PID=" + std::to_string(getpid());
  const std::string trust_env =
      std::string("EFSTOP_S3RVER_TRUST_FRONT=") + (options.verify_signatures ? "1" : "0");
  EFSTOP_ASSIGN_OR_RETURN(
      ChildProcess child,
      ChildProcess::spawn(argv, {options_env, parent_env, trust_env}, out_file, out_file));
  // s3rver prints "S3rver listening on 127.0.0.1:<port>" even with --silent.
  // (Parsed by hand: std::regex trips GCC 12's -Wmaybe-uninitialized under
  // the sanitizer preset.)
  constexpr std::string_view kListening = "listening on 127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  while (true) {
    if (child.has_exited()) {
      return io_error("s3rver exited during start-up (" + child.exit_description() +
                      "); its output:\n" + read_file_or_empty(out_file));
    }
    const std::string out = read_file_or_empty(out_file);
    const size_t at = out.find(kListening);
    int port = 0;
    for (size_t i = at == std::string::npos ? out.size() : at + kListening.size();
         i < out.size() && std::isdigit(static_cast<unsigned char>(out[i])); ++i) {
      port = port * 10 + (out[i] - '0');
    }
    if (port > 0 && port < 65536 && out.find('\n', at) != std::string::npos) {
      s3->port_ = port;
      s3->url_ = "http://127.0.0.1:" + std::to_string(s3->port_);
      s3->upstream_url_ = s3->url_;
      Result<HttpReply> reply = http_request("GET", s3->url_ + "/");
      if (reply.ok()) break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      child.stop();
      return io_error("s3rver not ready after " + std::to_string(options.start_timeout.count()) +
                      " ms; its output:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard<std::mutex> lock(s3_processes().mu);
    s3_processes().children.emplace(s3.get(), std::move(child));
  }
  if (options.verify_signatures) {
    // A scenario holding s3rver's one key pair, for the checking front.
    nlohmann::json scenario = {{"account", "123456789012"},
                               {"region", options.region},
                               {"users",
                                {{kS3rverAccessKeyId,
                                  {{"secret", kS3rverSecretAccessKey},
                                   {"arn", "arn:aws:iam::123456789012:user/s3rver"}}}}}};
    std::string scenario_path = options.front_scenario_path;
    if (scenario_path.empty()) {
      scenario_path = dir + "/s3-front-scenario.json";
      std::ofstream(scenario_path) << scenario.dump(1);
    }
    EFSTOP_ASSIGN_OR_RETURN(s3->front_, TestEndpoint::start({.scenario_path = scenario_path,
                                                             .start_timeout = options.start_timeout,
                                                             .s3_upstream = s3->upstream_url_}));
    s3->url_ = s3->front_->url();
    s3->port_ = s3->front_->port();
  }
  return s3;
}

S3Server::~S3Server() {
  front_.reset();
  ChildProcess child;
  {
    std::lock_guard<std::mutex> lock(s3_processes().mu);
    auto it = s3_processes().children.find(this);
    if (it != s3_processes().children.end()) {
      child = std::move(it->second);
      s3_processes().children.erase(it);
    }
  }
  child.stop();
  std::error_code ignored;
  if (!temp_dir_.empty()) std::filesystem::remove_all(temp_dir_, ignored);
}

// Fixtures go straight to s3rver, so the front's counts show only the calls
// of the code under test.
std::string S3Server::object_url(std::string_view bucket, std::string_view key) const {
  return upstream_url_ + "/" + std::string(bucket) + "/" + encode_key(key);
}

Status S3Server::create_bucket(std::string_view bucket) {
  EFSTOP_ASSIGN_OR_RETURN(HttpReply reply,
                          http_request("PUT", upstream_url_ + "/" + std::string(bucket)));
  if (reply.status != 200) {
    return aws_error("s3rver create bucket " + std::string(bucket) + ": HTTP " +
                     std::to_string(reply.status) + ": " + reply.body);
  }
  return Status();
}

Status S3Server::put_object(std::string_view bucket, std::string_view key, std::string_view data) {
  EFSTOP_ASSIGN_OR_RETURN(HttpReply reply,
                          http_request("PUT", object_url(bucket, key), data,
                                       {"Content-Type: application/octet-stream"}));
  if (reply.status != 200) {
    return aws_error("s3rver put " + std::string(bucket) + "/" + std::string(key) + ": HTTP " +
                     std::to_string(reply.status) + ": " + reply.body);
  }
  return Status();
}

Result<std::string> S3Server::get_object(std::string_view bucket, std::string_view key) const {
  EFSTOP_ASSIGN_OR_RETURN(HttpReply reply, http_request("GET", object_url(bucket, key)));
  if (reply.status != 200) {
    return aws_error("s3rver get " + std::string(bucket) + "/" + std::string(key) + ": HTTP " +
                     std::to_string(reply.status));
  }
  return reply.body;
}

}  // namespace efstop::testing
