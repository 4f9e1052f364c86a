// `efstop top` with names, on the repo's sample data and its inventory:
// names in JSON, --group-by name merging same-name instances, and the
// cross-AZ figures recomputed independently from the rows.
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/command.h"
#include "gtest/gtest.h"

namespace efstop::cli {
namespace {

struct TopRun {
  int code;
  std::string out;
  std::string err;
};

TopRun run_top_with(std::vector<std::string> args) {
  std::ostringstream out, err;
  CommandContext ctx{out, err, [] { return int64_t{1795701900}; }};
  const int code = run_top(args, ctx);
  return {code, out.str(), err.str()};
}

const std::string kSource = EFSTOP_SOURCE_DIR;

TEST(NamesCliTest, SampleReportNamesEveryAccountEnd) {
  TopRun r = run_top_with({"--inventory", kSource + "/sample/inventory.json", "--output", "json",
                           "--top", "0", "--quiet", kSource + "/sample/flowlogs"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["rows"].empty());
  for (const auto& row : j["rows"]) {
    for (const char* end : {"client", "server"}) {
      const auto& e = row[end];
      ASSERT_TRUE(e.contains("name")) << e.dump();
      ASSERT_TRUE(e.contains("kind")) << e.dump();
      EXPECT_FALSE(e["name"].get<std::string>().empty());
      if (std::string(end) == "server") {
        EXPECT_EQ(e["kind"], "efs-mount-target");
      }
    }
  }
}

TEST(NamesCliTest, GroupByNameMergesInstancesSharingAName) {
  TopRun r =
      run_top_with({"--inventory", kSource + "/sample/inventory.json", "--group-by", "name",
                    "--output", "json", "--top", "0", "--quiet", kSource + "/sample/flowlogs"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  std::set<std::string> keys;
  bool merged_web = false;
  for (const auto& row : j["rows"]) {
    const auto& c = row["client"];
    const std::string key = c["kind"].get<std::string>() + "|" + c["name"].get<std::string>() +
                            "|" + row["server"]["id"].get<std::string>();
    EXPECT_TRUE(keys.insert(key).second) << "two rows for " << key;
    if (c["name"] == "web") {
      ASSERT_TRUE(c.contains("ips"));
      EXPECT_EQ(c["ips"].size(), 2u);
      merged_web = true;
    }
  }
  EXPECT_TRUE(merged_web);
}

// Independent check: a pair row is cross-AZ exactly when its ends' AZs
// differ, its cross-AZ bytes are its total, the cost is bytes / 2^30 * rate.
TEST(NamesCliTest, CrossAzFiguresFollowFromTheRows) {
  TopRun r =
      run_top_with({"--inventory", kSource + "/sample/inventory.json", "--cross-az-rate", "0.5",
                    "--output", "json", "--top", "0", "--quiet", kSource + "/sample/flowlogs"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  int crossed = 0;
  for (const auto& row : j["rows"]) {
    const auto& c = row["client"];
    const auto& s = row["server"];
    if (!c.contains("az") || !s.contains("az")) {
      EXPECT_FALSE(row.contains("cross_az"));
      continue;
    }
    const bool expect = c["az"] != s["az"];
    EXPECT_EQ(row["cross_az"].get<bool>(), expect);
    const int64_t bytes = expect ? row["bytes_total"].get<int64_t>() : 0;
    EXPECT_EQ(row["cross_az_bytes"].get<int64_t>(), bytes);
    const double cost = static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0) * 0.5;
    EXPECT_NEAR(row["cross_az_cost_usd"].get<double>(), cost, 0.00005 + 1e-9 * cost);
    crossed += expect;
  }
  EXPECT_GT(crossed, 0);
}

TEST(NamesCliTest, OfflineWithAnEmptyStoreSaysWhyEachEndIsUnnamed) {
  const std::string dir = ::testing::TempDir() + "efstop-names-cli-offline";
  TopRun r = run_top_with({"--offline", "--cache-dir", dir, "--output", "json", "--top", "0",
                           kSource + "/sample/flowlogs"});
  ASSERT_EQ(r.code, 0) << r.err;  // the report still comes out
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["rows"].empty());
  for (const auto& row : j["rows"]) {
    EXPECT_EQ(row["client"]["kind"], "unresolved");
    EXPECT_EQ(row["client"]["name"], "unresolved: not in the store (--offline)");
  }
  EXPECT_NE(r.err.find("names: unresolved"), std::string::npos) << r.err;
}

TEST(NamesCliTest, GroupByNameWithoutNamesIsAUsageError) {
  TopRun r = run_top_with({"--group-by", "name", kSource + "/sample/flowlogs"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--names"), std::string::npos);
}

TEST(NamesCliTest, BadInventoryFileIsNamed) {
  TopRun r = run_top_with(
      {"--inventory", kSource + "/sample/mount-targets.txt", kSource + "/sample/flowlogs"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("mount-targets.txt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace efstop::cli
