#include "cloud/cloud_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/http.h"

namespace efstop::cloud::test {

namespace {

class FixedCredentials : public aws::CredentialsProvider {
 public:
  FixedCredentials(std::string id, std::string secret) {
    c_.access_key_id = std::move(id);
    c_.secret_access_key = std::move(secret);
    c_.source = "test";
  }
  Result<aws::Credentials> get() override { return c_; }

 private:
  aws::Credentials c_;
};

nlohmann::json default_scenario() {
  std::ifstream in(std::string(EFSTOP_SOURCE_DIR) + "/tests/endpoint/scenarios/default.json");
  return nlohmann::json::parse(in);
}

}  // namespace

std::unique_ptr<aws::AwsClient> make_client(const std::string& url, const std::string& region,
                                            const std::string& key, const std::string& secret,
                                            std::chrono::milliseconds read_timeout) {
  aws::ClientConfig cfg;
  cfg.region = region;
  cfg.endpoints.cli_url = url;
  cfg.retry.max_attempts = 4;
  aws::HttpOptions http;
  http.read_timeout = read_timeout;
  return std::make_unique<aws::AwsClient>(cfg, std::make_shared<FixedCredentials>(key, secret),
                                          aws::make_curl_transport(http));
}

namespace {

// The directories test_dir() made, removed when the test program exits
// (each ctest case is one process; the servers that used them are stopped
// by then).
class MadeDirs {
 public:
  ~MadeDirs() {
    for (const std::filesystem::path& dir : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
  void add(std::filesystem::path dir) {
    std::lock_guard<std::mutex> lock(mu_);
    dirs_.push_back(std::move(dir));
  }

 private:
  std::mutex mu_;
  std::vector<std::filesystem::path> dirs_;
};

MadeDirs& made_dirs() {
  static MadeDirs dirs;
  return dirs;
}

}  // namespace

std::string test_dir() {
  static std::atomic<int> serial{0};
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             ("efstop_cloud_" + std::string(info != nullptr ? info->name() : "none") + "_" +
              std::to_string(::getpid()) + "_" + std::to_string(serial++));
  std::filesystem::create_directories(dir);
  made_dirs().add(dir);
  return dir.string();
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::vector<std::string> scenario_messages() {
  const nlohmann::json doc = default_scenario();
  std::vector<std::string> out;
  for (auto& [stream, events] : doc["log_groups"][kGroup]["streams"].items()) {
    for (auto& ev : events) out.push_back(ev[1].get<std::string>());
  }
  return out;
}

std::vector<flowlog::IpAddress> scenario_server_ips() {
  std::vector<flowlog::IpAddress> out;
  // Held in a variable: a range-for over items() of a temporary's member
  // would outlive the temporary.
  const nlohmann::json doc = default_scenario();
  for (auto& [id, mt] : doc["mount_targets"].items()) {
    out.push_back(*flowlog::IpAddress::parse(mt["IpAddress"].get<std::string>()));
  }
  return out;
}

std::vector<std::string> scenario_server_enis() {
  std::vector<std::string> out;
  const nlohmann::json doc = default_scenario();
  for (auto& [id, mt] : doc["mount_targets"].items()) {
    out.push_back(mt["NetworkInterfaceId"].get<std::string>());
  }
  return out;
}

flowlog::EngineResult run_local(const std::vector<std::string>& lines, flowlog::EngineOptions opt,
                                int64_t start, int64_t end) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  const std::string path = test_dir() + "/local.log";
  std::ofstream(path) << text;
  opt.window_start = start;
  opt.window_end = end;
  Result<flowlog::EngineResult> r = flowlog::run_engine({path}, opt);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r).value() : flowlog::EngineResult{};
}

std::vector<std::string> split_fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out;
  for (const std::string& f : fields) out += (out.empty() ? "" : " ") + f;
  return out;
}

}  // namespace efstop::cloud::test
