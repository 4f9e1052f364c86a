// The naming options of `efstop top`, through the binary against the test
// endpoint: the store answers a second run without AWS calls; --cache-ttl 0
// and --refresh ask again; --offline asks nothing; --name-tag picks another
// tag; --no-names keeps addresses when the flow logs come from AWS; and
// --cross-az-rate prices the cross-AZ bytes, recomputed here from the rows.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness/harness_process.h"
#include "harness/test_endpoint.h"

namespace efstop::enrich {
namespace {

namespace t = efstop::testing;

class NameOptionsCliTest : public t::EndpointTest {
 protected:
  void SetUp() override {
    EndpointTest::SetUp();
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ACCESS_KEY_ID", t::kTestAccessKeyId, 1);
    setenv("AWS_SECRET_ACCESS_KEY", t::kTestSecretAccessKey, 1);
    // web (10.20.1.11, eu-west-1a) and batch-worker (10.20.3.13, eu-west-1c)
    // write to shared-home's mount target in eu-west-1a (10.20.1.100).
    std::ofstream(flows())
        << "2 111122223333 eni-x 10.20.1.11 10.20.1.100 40001 2049 6 10 5000 1795701600 "
           "1795701660 ACCEPT OK\n"
           "2 111122223333 eni-x 10.20.3.13 10.20.1.100 40002 2049 6 10 7000 1795701600 "
           "1795701660 ACCEPT OK\n";
  }
  std::string flows() { return env().home() + "/flows.log"; }
  std::string cache() { return env().home() + "/cache"; }

  nlohmann::json top(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--region",       t::kTestRegion, "--endpoint-url",
                                     endpoint().url(), "--cache-dir",  cache(),
                                     "--output",       "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(flows());
    const t::ProgramRun r = t::run_efstop(args);
    EXPECT_EQ(r.code, 0) << r.err;
    last_err_ = r.err;
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  std::string client_name(const nlohmann::json& report, const std::string& ip) {
    for (const auto& row : report["rows"]) {
      if (row["client"]["ip"] == ip) return row["client"].value("name", "");
    }
    return "(no row)";
  }
  int64_t eni_calls() { return endpoint().count("ec2:DescribeNetworkInterfaces"); }

  std::string last_err_;
};

TEST_F(NameOptionsCliTest, StoreCacheTtlRefreshAndOffline) {
  nlohmann::json first = top({"--names"});
  EXPECT_EQ(client_name(first, "10.20.1.11"), "web");
  const int64_t after_first = eni_calls();
  ASSERT_GT(after_first, 0);

  nlohmann::json cached = top({"--names"});
  EXPECT_EQ(eni_calls(), after_first) << "a fresh store must answer without AWS";
  EXPECT_EQ(cached["rows"], first["rows"]);

  // A cached answer is fresh while its age in whole seconds is at most the
  // TTL (docs/names.md), so with --cache-ttl 0 one fetched a second ago is
  // stale.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  top({"--names", "--cache-ttl", "0"});
  const int64_t after_ttl = eni_calls();
  EXPECT_GT(after_ttl, after_first) << "--cache-ttl 0: a name cached a second ago is stale";

  top({"--names", "--refresh"});
  EXPECT_GT(eni_calls(), after_ttl) << "--refresh asks AWS again";

  ASSERT_TRUE(endpoint().reset().ok());
  nlohmann::json offline = top({"--offline"});
  EXPECT_EQ(endpoint().total_count(), 0) << "--offline makes no AWS call";
  EXPECT_EQ(client_name(offline, "10.20.1.11"), "web");
  EXPECT_EQ(offline["rows"], first["rows"]);
}

TEST_F(NameOptionsCliTest, NameTagPicksTheInstanceTag) {
  ASSERT_TRUE(endpoint()
                  .patch_scenario(R"({"instances": {"i-0a1b00000000000a1": {"Tags": [
                      {"Key": "Name", "Value": "web"},
                      {"Key": "Service", "Value": "storefront"}]}}})")
                  .ok());
  EXPECT_EQ(client_name(top({"--names", "--name-tag", "Service"}), "10.20.1.11"), "storefront");
  // An instance without that tag falls back to its id.
  EXPECT_EQ(client_name(top({"--names", "--name-tag", "Service", "--refresh"}), "10.20.3.13"),
            "i-0a1b00000000000b3");
}

TEST_F(NameOptionsCliTest, NoNamesKeepsAddressesWhenReadingFromAws) {
  const t::ProgramRun r =
      t::run_efstop({"--region", t::kTestRegion, "--endpoint-url", endpoint().url(), "--cache-dir",
                     cache(), "--start", "2026-11-29T10:00:00Z", "--end", "2026-11-29T11:00:00Z",
                     "--output", "json", "--no-names"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["rows"].empty());
  for (const auto& row : j["rows"]) {
    EXPECT_FALSE(row["client"].contains("name")) << row.dump();
    EXPECT_FALSE(row["server"].contains("name")) << row.dump();
  }
  EXPECT_EQ(endpoint().count("ec2:DescribeNetworkInterfaces"), 0);
}

// Offline on the sample: the cost is cross_az_bytes / 2^30 * rate, rounded to
// 4 decimals (docs/json.md), whatever the rate; the default rate is 0.02.
TEST(CrossAzRateCliTest, CostIsBytesTimesTheRate) {
  const std::string sample = std::string(EFSTOP_SOURCE_DIR) + "/sample";
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--inventory",  sample + "/inventory.json",
                                     "--server-ips", sample + "/mount-targets.txt",
                                     "--output",     "json",
                                     "--top",        "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(sample + "/flowlogs");
    const t::ProgramRun r = t::run_efstop(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  };
  for (const auto& [rate, extra] : std::vector<std::pair<double, std::vector<std::string>>>{
           {0.02, {}},
           {250.0, {"--cross-az-rate", "250"}},
           {1000.0, {"--cross-az-rate", "1000"}},
           {0.0, {"--cross-az-rate", "0"}}}) {
    const nlohmann::json j = run(extra);
    int priced_rows = 0;
    for (const auto& row : j["rows"]) {
      const int64_t bytes = row.value("cross_az_bytes", int64_t{0});
      if (bytes == 0) continue;
      const double want =
          std::round(static_cast<double>(bytes) / (1024.0 * 1024 * 1024) * rate * 10000.0) /
          10000.0;
      EXPECT_DOUBLE_EQ(row["cross_az_cost_usd"].get<double>(), want)
          << "rate " << rate << ": " << row.dump();
      if (want > 0) ++priced_rows;
    }
    // The sample's cross-AZ rows are small (hundreds of bytes): only a high
    // rate gives them a cost above the rounding.
    if (rate >= 250) {
      EXPECT_GT(priced_rows, 0) << "rate " << rate;
    }
  }
}

}  // namespace
}  // namespace efstop::enrich
