// `efstop top` with names, on the repo's sample data and its inventory:
// names in JSON, --group-by name merging same-name instances, and the
// cross-AZ figures recomputed independently from the rows.
#include <map>
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
  // The same counts in JSON stats: every address of the rows, unresolved for
  // the one reason, which is no denial (no IAM action).
  std::set<std::string> ips;
  for (const auto& row : j["rows"]) {
    for (const char* end : {"client", "server"}) ips.insert(row[end]["ip"].get<std::string>());
  }
  const auto& names = j["stats"]["names"];
  EXPECT_EQ(names["ips"], ips.size());
  EXPECT_EQ(names["unresolved"], ips.size());
  ASSERT_EQ(names["unresolved_reasons"].size(), 1u);
  EXPECT_EQ(names["unresolved_reasons"][0]["reason"], "not in the store (--offline)");
  EXPECT_EQ(names["unresolved_reasons"][0]["ips"], ips.size());
  EXPECT_FALSE(names["unresolved_reasons"][0].contains("iam_action"));
}

TEST(NamesCliTest, JsonStatsCountHowEveryAddressWasNamed) {
  TopRun r = run_top_with({"--inventory", kSource + "/sample/inventory.json", "--output", "json",
                           "--top", "0", "--quiet", kSource + "/sample/flowlogs"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  std::map<std::string, int64_t> kinds;  // address -> counted once
  std::map<std::string, std::string> kind_of;
  for (const auto& row : j["rows"]) {
    for (const char* end : {"client", "server"}) {
      kind_of[row[end]["ip"].get<std::string>()] = row[end]["kind"].get<std::string>();
    }
  }
  for (const auto& [ip, kind] : kind_of) ++kinds[kind];
  const auto& names = j["stats"]["names"];
  EXPECT_EQ(names["ips"], kind_of.size());
  EXPECT_EQ(names["mount_targets"], kinds["efs-mount-target"]);
  EXPECT_EQ(names["external"], kinds["external"]);
  EXPECT_EQ(names["unresolved"], 0);
  EXPECT_TRUE(names["unresolved_reasons"].empty());
  EXPECT_EQ(names["ips"].get<int64_t>(),
            names["mount_targets"].get<int64_t>() + names["looked_up"].get<int64_t>() +
                names["cached"].get<int64_t>() + names["from_history"].get<int64_t>() +
                names["labelled"].get<int64_t>() + names["external"].get<int64_t>());
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
