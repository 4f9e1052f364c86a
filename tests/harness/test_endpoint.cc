#include "harness/test_endpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "harness/harness_http.h"
#include "harness/harness_process.h"

#ifndef EFSTOP_SOURCE_DIR
#error "EFSTOP_SOURCE_DIR must be defined by the build"
#endif

namespace efstop::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

std::string endpoint_dir() { return std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint"; }

// The spawned server, kept out of the header so it does not pull
// harness_process.h into every test.
struct ProcessTable {
  std::mutex mu;
  std::map<const TestEndpoint*, ChildProcess> children;
};

ProcessTable& processes() {
  static ProcessTable* table = new ProcessTable();  // never destroyed: used from atexit paths
  return *table;
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::kThrottle:
      return "throttle";
    case FaultKind::kInternalError:
      return "500";
    case FaultKind::kServiceUnavailable:
      return "503";
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kSlow:
      return "slow";
    case FaultKind::kSlowAfter:
      return "slow_after";
    case FaultKind::kTruncate:
      return "truncate";
    case FaultKind::kExpired:
      return "expired";
    case FaultKind::kDenied:
      return "denied";
    case FaultKind::kRepeatToken:
      return "repeat_token";
  }
  return "?";
}

Result<std::unique_ptr<TestEndpoint>> TestEndpoint::start(const EndpointOptions& options) {
  EFSTOP_ASSIGN_OR_RETURN(std::string dir, make_temp_dir("efstop-endpoint-"));
  std::unique_ptr<TestEndpoint> ep(new TestEndpoint());
  ep->temp_dir_ = dir;
  const std::string port_file = dir + "/port";
  const std::string log_file = dir + "/server.log";
  const std::string scenario = options.scenario_path.empty()
                                   ? endpoint_dir() + "/scenarios/default.json"
                                   : options.scenario_path;
  std::vector<std::string> argv = {kPython,        endpoint_dir() + "/server.py",
                                   "--scenario",   scenario,
                                   "--port-file",  port_file,
                                   "--parent-pid", std::to_string(getpid())};
  if (options.latency_ms > 0) {
    argv.push_back("--latency-ms");
    argv.push_back(std::to_string(options.latency_ms));
  }
  if (!options.s3_upstream.empty()) {
    argv.push_back("--s3-upstream");
    argv.push_back(options.s3_upstream);
  }
  if (options.page_size > 0) {
    argv.push_back("--page-size");
    argv.push_back(std::to_string(options.page_size));
  }
  EFSTOP_ASSIGN_OR_RETURN(
      ChildProcess child,
      ChildProcess::spawn(argv, {"PYTHONDONTWRITEBYTECODE=1"}, log_file, log_file));
  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  std::string last_error = "no port file yet";
  while (true) {
    if (child.has_exited()) {
      return io_error("test endpoint exited during start-up (" + child.exit_description() +
                      "); its stderr:\n" + read_file_or_empty(log_file));
    }
    if (ep->port_ == 0) {
      std::string text = read_file_or_empty(port_file);
      if (!text.empty()) {
        ep->port_ = std::atoi(text.c_str());
        ep->url_ = "http://127.0.0.1:" + std::to_string(ep->port_);
      }
    }
    if (ep->port_ != 0) {
      Result<HttpReply> reply = http_request("GET", ep->url_ + "/__efstop/counts");
      if (reply.ok() && reply->status == 200) break;
      last_error = reply.ok() ? "HTTP " + std::to_string(reply->status) : reply.status().message();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      child.stop();
      return io_error("test endpoint not ready after " +
                      std::to_string(options.start_timeout.count()) + " ms (" + last_error +
                      "); its stderr:\n" + read_file_or_empty(log_file));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ep->pid_ = child.pid();
  {
    std::lock_guard<std::mutex> lock(processes().mu);
    processes().children.emplace(ep.get(), std::move(child));
  }
  return ep;
}

TestEndpoint::~TestEndpoint() {
  ChildProcess child;
  {
    std::lock_guard<std::mutex> lock(processes().mu);
    auto it = processes().children.find(this);
    if (it != processes().children.end()) {
      child = std::move(it->second);
      processes().children.erase(it);
    }
  }
  child.stop();
  if (!temp_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir_, ignored);
  }
}

std::string TestEndpoint::container_credentials_url() const { return url_ + kTestContainerPath; }

Result<std::string> TestEndpoint::control(std::string_view method, std::string_view path,
                                          std::string_view body) const {
  EFSTOP_ASSIGN_OR_RETURN(HttpReply reply, http_request(method, url_ + std::string(path), body,
                                                        {"Content-Type: application/json"}));
  if (reply.status != 200) {
    return internal_error("test endpoint " + std::string(method) + " " + std::string(path) +
                          ": HTTP " + std::to_string(reply.status) + ": " + reply.body);
  }
  return reply.body;
}

Status TestEndpoint::inject_fault(const Fault& fault) {
  nlohmann::json doc = {
      {"operation", fault.operation}, {"kind", std::string(fault_kind_name(fault.kind))},
      {"count", fault.count},         {"skip", fault.skip},
      {"delay_ms", fault.delay_ms},   {"path_contains", fault.path_contains}};
  return control("POST", "/__efstop/faults", doc.dump()).status();
}

Result<std::map<std::string, int64_t>> TestEndpoint::counts() const {
  EFSTOP_ASSIGN_OR_RETURN(std::string body, control("GET", "/__efstop/counts", ""));
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return parse_error("test endpoint counts: not a JSON object: " + body);
  }
  std::map<std::string, int64_t> out;
  for (const auto& [name, value] : doc.items()) out[name] = value.get<int64_t>();
  return out;
}

int64_t TestEndpoint::count(std::string_view operation) const {
  Result<std::map<std::string, int64_t>> all = counts();
  if (!all.ok()) return -1;
  auto it = all->find(std::string(operation));
  return it == all->end() ? 0 : it->second;
}

int64_t TestEndpoint::total_count() const {
  Result<std::map<std::string, int64_t>> all = counts();
  if (!all.ok()) return -1;
  int64_t total = 0;
  for (const auto& [name, n] : *all) total += n;
  return total;
}

Result<nlohmann::json> TestEndpoint::requests() const {
  EFSTOP_ASSIGN_OR_RETURN(std::string body, control("GET", "/__efstop/requests", ""));
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return parse_error("test endpoint requests: not JSON");
  return doc;
}

Result<std::vector<std::string>> TestEndpoint::athena_tables() const {
  EFSTOP_ASSIGN_OR_RETURN(std::string body, control("GET", "/__efstop/athena_tables", ""));
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("tables") || !doc["tables"].is_array()) {
    return parse_error("test endpoint athena_tables: not {\"tables\": [...]}");
  }
  return doc["tables"].get<std::vector<std::string>>();
}

Status TestEndpoint::deny_actions(const std::vector<std::string>& actions,
                                  const std::vector<std::string>& accounts) {
  nlohmann::json doc{{"actions", actions}};
  if (!accounts.empty()) doc["accounts"] = accounts;
  return control("POST", "/__efstop/deny", doc.dump()).status();
}

Result<std::vector<std::string>> TestEndpoint::called_actions() const {
  EFSTOP_ASSIGN_OR_RETURN(std::string body, control("GET", "/__efstop/actions", ""));
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("actions") || !doc["actions"].is_array()) {
    return parse_error("test endpoint actions: not {\"actions\": [...]}");
  }
  std::vector<std::string> out;
  for (const nlohmann::json& a : doc["actions"]) out.push_back(a.get<std::string>());
  return out;
}

Status TestEndpoint::reset() { return control("POST", "/__efstop/reset", "").status(); }

Status TestEndpoint::patch_scenario(std::string_view json_merge_patch) {
  return control("POST", "/__efstop/scenario?mode=patch", json_merge_patch).status();
}

Status TestEndpoint::replace_scenario(std::string_view json) {
  return control("POST", "/__efstop/scenario?mode=replace", json).status();
}

Result<int> TestEndpoint::expire_issued_credentials() {
  EFSTOP_ASSIGN_OR_RETURN(std::string body, control("POST", "/__efstop/expire_credentials", ""));
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("expired")) {
    return parse_error("test endpoint expire_credentials: unexpected answer " + body);
  }
  return doc["expired"].get<int>();
}

Status TestEndpoint::set_clock_offset(std::chrono::seconds offset) {
  nlohmann::json doc = {{"offset_seconds", offset.count()}};
  return control("POST", "/__efstop/clock", doc.dump()).status();
}

std::string TestEndpoint::server_log() const {
  return read_file_or_empty(temp_dir_ + "/server.log");
}

// ------------------------------------------------------------ ScopedAwsEnv

namespace {

bool is_isolated_variable(std::string_view name) {
  static const char* const kExact[] = {
      "HOME",        "NO_PROXY",  "no_proxy",  "HTTP_PROXY",     "http_proxy",     "HTTPS_PROXY",
      "https_proxy", "ALL_PROXY", "all_proxy", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"};
  for (const char* exact : kExact) {
    if (name == exact) return true;
  }
  return name.rfind("AWS_", 0) == 0;
}

}  // namespace

ScopedAwsEnv::ScopedAwsEnv() {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string_view name = kv.substr(0, kv.find('='));
    if (is_isolated_variable(name)) names.emplace_back(name);
  }
  for (const char* always : {"HOME", "NO_PROXY", "no_proxy", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"}) {
    if (std::find(names.begin(), names.end(), always) == names.end()) names.emplace_back(always);
  }
  for (const std::string& name : names) {
    const char* value = std::getenv(name.c_str());
    saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
    unsetenv(name.c_str());
  }
  Result<std::string> dir = make_temp_dir("efstop-home-");
  if (!dir.ok()) throw std::runtime_error(dir.status().to_string());
  home_ = *dir;
  std::filesystem::create_directories(home_ + "/.aws");
  std::filesystem::create_directories(home_ + "/.cache");
  std::filesystem::create_directories(home_ + "/.config");
  setenv("HOME", home_.c_str(), 1);
  setenv("XDG_CACHE_HOME", (home_ + "/.cache").c_str(), 1);
  setenv("XDG_CONFIG_HOME", (home_ + "/.config").c_str(), 1);
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  setenv("no_proxy", "127.0.0.1,localhost", 1);
}

ScopedAwsEnv::~ScopedAwsEnv() {
  // Drop whatever the test set, then put the saved values back.
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string_view name = kv.substr(0, kv.find('='));
    if (is_isolated_variable(name)) names.emplace_back(name);
  }
  for (const std::string& name : names) unsetenv(name.c_str());
  for (const auto& [name, value] : saved_) {
    if (value) setenv(name.c_str(), value->c_str(), 1);
  }
  std::error_code ignored;
  std::filesystem::remove_all(home_, ignored);
}

void ScopedAwsEnv::write_aws_file(std::string_view name, std::string_view content) const {
  const std::string path = home_ + "/.aws/" + std::string(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void ScopedAwsEnv::write_test_profile(std::string_view profile, std::string_view region) const {
  const std::string name(profile);
  write_aws_file("credentials", "[" + name + "]\naws_access_key_id = " + kTestAccessKeyId +
                                    "\naws_secret_access_key = " + kTestSecretAccessKey + "\n");
  write_aws_file("config", "[profile " + name + "]\nregion = " + std::string(region) + "\n");
}

std::string default_scenario_path() {
  return std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint/scenarios/default.json";
}

// ------------------------------------------------------------ shared endpoint

TestEndpoint& shared_endpoint() {
  static std::mutex mu;
  static std::unique_ptr<TestEndpoint> endpoint;
  std::lock_guard<std::mutex> lock(mu);
  if (!endpoint) {
    Result<std::unique_ptr<TestEndpoint>> started = TestEndpoint::start();
    if (!started.ok()) {
      // GoogleTest turns the exception into a failure of the calling test.
      throw std::runtime_error("cannot start the test endpoint: " + started.status().message());
    }
    endpoint = std::move(*started);
  }
  return *endpoint;
}

void EndpointTest::SetUp() {
  env_ = std::make_unique<ScopedAwsEnv>();
  Status reset = endpoint().reset();
  ASSERT_TRUE(reset.ok()) << reset.to_string();
}

}  // namespace efstop::testing
