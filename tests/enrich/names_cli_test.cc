// `efstop top` with names, on the repo's sample data and its inventory:
// names in JSON, --group-by name merging same-name instances, and the
// cross-AZ figures recomputed independently from the rows.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/command.h"
#include "enrich/inventory.h"
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

// Independent check: a pair row (one mount target; the default merges a
// file system's, tests/reference/compare.py checks that sum) is cross-AZ
// exactly when its ends' AZs differ, its cross-AZ bytes are its total, the
// cost is bytes / 2^30 * rate.
TEST(NamesCliTest, CrossAzFiguresFollowFromTheRows) {
  TopRun r = run_top_with({"--inventory", kSource + "/sample/inventory.json", "--cross-az-rate",
                           "0.5", "--group-by", "pair", "--output", "json", "--top", "0", "--quiet",
                           kSource + "/sample/flowlogs"});
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

// An account where merged rows mix known and unknown AZs: "web" has one
// instance in each AZ and an address whose ENI is gone (history without an
// AZ); "db" has one instance in the mount target's AZ and one such address.
// The file system's one mount target is in us-east-1b.
struct MixedAzAccount {
  std::string inventory;
  std::string flows;
};

MixedAzAccount write_mixed_az_account() {
  const std::string dir = ::testing::TempDir();
  enrich::Inventory inv;
  inv.account = "123456789012";
  inv.region = "us-east-1";
  inv.file_systems.push_back(
      {"fs-0aa", "shared", "", "123456789012", "available", "", "", "", std::nullopt});
  inv.mount_targets.push_back({"fsmt-b", "fs-0aa", "10.0.2.100", "", "eni-mtb", "subnet-b",
                               "us-east-1b", "use1-az2", "vpc-1", "123456789012", "available"});
  const auto add_instance = [&](std::string id, std::string ip, std::string name, std::string az) {
    enrich::EniDescription e;
    e.id = "eni-" + id;
    e.interface_type = "interface";
    e.instance_id = id;
    e.instance_owner_id = inv.account;
    e.owner_id = inv.account;
    e.vpc_id = "vpc-1";
    e.availability_zone = az;
    e.private_ips = {ip};
    inv.network_interfaces.push_back(e);
    inv.instances.push_back({id, az, inv.account, "running", ip, {{"Name", name}}});
  };
  add_instance("i-1", "10.0.1.10", "web", "us-east-1a");
  add_instance("i-2", "10.0.2.10", "web", "us-east-1b");
  add_instance("i-4", "10.0.2.20", "db", "us-east-1b");
  for (const auto& [ip, name] : {std::pair{"10.0.3.10", "web"}, std::pair{"10.0.3.20", "db"}}) {
    store::Assignment a;
    a.ip = ip;
    a.eni_id = std::string("eni-gone-") + name;
    a.kind = "ec2-instance";
    a.name = name;
    a.resource_id = std::string("i-gone-") + name;
    a.account = inv.account;  // no AZ: the history never learnt it
    a.first_seen = 1795700000;
    a.last_seen = 1795709000;
    inv.history.push_back(a);
  }
  MixedAzAccount files{dir + "mixed-az-inventory.json", dir + "mixed-az-flows.log"};
  std::ofstream(files.inventory) << enrich::inventory_to_json(inv);
  // Version-2 records: client -> mount target (written) and back (read).
  std::ofstream flows(files.flows);
  int64_t k = 0;
  for (const auto& [client, written, read] :
       {std::tuple{"10.0.1.10", 1000, 5000}, std::tuple{"10.0.2.10", 700, 1300},
        std::tuple{"10.0.3.10", 1000, 2000}, std::tuple{"10.0.2.20", 400, 600},
        std::tuple{"10.0.3.20", 30000, 70000}}) {
    const std::string port = std::to_string(40000 + k++);
    flows << "2 123456789012 eni-mtb " << client << " 10.0.2.100 " << port << " 2049 6 10 "
          << written << " 1795701600 1795701660 ACCEPT OK\n"
          << "2 123456789012 eni-mtb 10.0.2.100 " << client << " 2049 " << port << " 6 10 " << read
          << " 1795701600 1795701660 ACCEPT OK\n";
  }
  return files;
}

// Merged rows (--group-by name, and --group-by client on the pairs) carry
// the cross-AZ bytes summed per pair and the bytes of unknown AZ apart; both
// checked against a computation from the unmerged pair rows.
TEST(NamesCliTest, MergedRowsKeepUnknownAzBytesApartFromSameAz) {
  const MixedAzAccount files = write_mixed_az_account();
  TopRun pairs = run_top_with(
      {"--inventory", files.inventory, "--output", "json", "--top", "0", "--quiet", files.flows});
  ASSERT_EQ(pairs.code, 0) << pairs.err;
  struct Expect {
    int64_t crossed = 0;
    int64_t unknown = 0;
    bool known = false;
  };
  std::map<std::string, Expect> by_name;  // independent: from the pair rows
  const nlohmann::json pair_json = nlohmann::json::parse(pairs.out);
  for (const auto& row : pair_json["rows"]) {
    const auto& c = row["client"];
    const auto& srv = row["server"];
    Expect& e = by_name[c["name"].get<std::string>() + "|" + srv["id"].get<std::string>()];
    const int64_t bytes = row["bytes_total"].get<int64_t>();
    if (c.contains("az") && srv.contains("az")) {
      e.known = true;
      if (c["az"] != srv["az"]) e.crossed += bytes;
    } else {
      e.unknown += bytes;
    }
  }
  ASSERT_EQ(by_name.size(), 2u);
  // The figures themselves, worked out by hand from the flows above.
  EXPECT_EQ(by_name["web|fs-0aa"].crossed, 6000);
  EXPECT_EQ(by_name["web|fs-0aa"].unknown, 3000);
  EXPECT_EQ(by_name["db|fs-0aa"].crossed, 0);
  EXPECT_EQ(by_name["db|fs-0aa"].unknown, 100000);

  TopRun grouped = run_top_with({"--inventory", files.inventory, "--group-by", "name", "--output",
                                 "json", "--top", "0", "--quiet", files.flows});
  ASSERT_EQ(grouped.code, 0) << grouped.err;
  const nlohmann::json rows = nlohmann::json::parse(grouped.out)["rows"];
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    const std::string key =
        row["client"]["name"].get<std::string>() + "|" + row["server"]["id"].get<std::string>();
    SCOPED_TRACE(key);
    const Expect& e = by_name.at(key);
    EXPECT_EQ(row.contains("cross_az_bytes"), e.known);
    if (e.known) {
      EXPECT_EQ(row["cross_az_bytes"], e.crossed);
    }
    EXPECT_EQ(row.value("cross_az_unknown_bytes", int64_t{0}), e.unknown);
    // Crossed: true; none crossed and none unknown: false; else not claimed.
    if (e.crossed > 0) {
      EXPECT_EQ(row["cross_az"], true);
    } else if (e.unknown == 0) {
      EXPECT_EQ(row["cross_az"], false);
    } else {
      EXPECT_FALSE(row.contains("cross_az"));
    }
  }

  // The table says the same: "db" is unknown ("?"), not same-AZ ("no");
  // web's cost (6000 B at $0.02/GiB) is a lower bound.
  TopRun table =
      run_top_with({"--inventory", files.inventory, "--group-by", "name", "--quiet", files.flows});
  EXPECT_NE(table.out.find("$0.0001+?\n"), std::string::npos) << table.out;
  std::istringstream lines(table.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("db ", 0) == 0) {
      EXPECT_EQ(line.substr(line.size() - 2), " ?") << line;
    }
  }

  // --group-by client merges a client's pairs the same way (one client
  // here per pair, so each row keeps its pair's figures).
  TopRun by_client = run_top_with({"--inventory", files.inventory, "--group-by", "client",
                                   "--output", "json", "--top", "0", "--quiet", files.flows});
  ASSERT_EQ(by_client.code, 0) << by_client.err;
  int64_t unknown_total = 0;
  const nlohmann::json client_json = nlohmann::json::parse(by_client.out);
  for (const auto& row : client_json["rows"]) {
    unknown_total += row.value("cross_az_unknown_bytes", int64_t{0});
  }
  EXPECT_EQ(unknown_total, 103000);
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
      // A file system's merged end (the default with names) lists its addresses.
      const auto& e = row[end];
      for (const auto& ip : e.contains("ips") ? e["ips"] : nlohmann::json::array({e["ip"]})) {
        kind_of[ip.get<std::string>()] = e["kind"].get<std::string>();
      }
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

TEST(NamesCliTest, GroupByNameWithNoNamesIsAUsageError) {
  for (const char* grouping : {"fs", "name", "az"}) {
    TopRun r = run_top_with({"--group-by", grouping, "--no-names", kSource + "/sample/flowlogs"});
    EXPECT_EQ(r.code, kExitUsage) << grouping;
    EXPECT_NE(r.err.find("--no-names"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

// Without names the default stays one row per address pair, and --group-by
// pair with names is that same set of pairs (the same counters), named.
TEST(NamesCliTest, DefaultGroupingIsPairWithoutNamesAndFsWithThem) {
  const std::vector<std::string> base = {
      "--server-ips", kSource + "/sample/mount-targets.txt", "--output", "json", "--top", "0",
      "--quiet"};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(kSource + "/sample/flowlogs");
    TopRun r = run_top_with(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  };
  const nlohmann::json plain = run({});
  const nlohmann::json pair =
      run({"--inventory", kSource + "/sample/inventory.json", "--group-by", "pair"});
  const nlohmann::json fs = run({"--inventory", kSource + "/sample/inventory.json"});
  EXPECT_EQ(plain["query"]["group_by"], "pair");
  EXPECT_EQ(pair["query"]["group_by"], "pair");
  EXPECT_EQ(fs["query"]["group_by"], "fs");
  // The same pairs (their counts may differ a little: the inventory's
  // mount-target ENIs pick which ENI's records count, docs/flow-counting.md).
  const auto pairs_of = [](const nlohmann::json& j) {
    std::set<std::string> out;
    for (const auto& row : j["rows"]) {
      out.insert(row["client"]["ip"].get<std::string>() + " " +
                 row["server"]["ip"].get<std::string>());
    }
    return out;
  };
  EXPECT_EQ(pairs_of(plain), pairs_of(pair));
  EXPECT_EQ(pairs_of(plain).size(), plain["rows"].size());
  // Some client used two mount targets of one file system: fewer rows, and
  // one of them lists both addresses under the file system's id.
  EXPECT_LT(fs["rows"].size(), pair["rows"].size());
  bool merged = false;
  for (const auto& row : fs["rows"]) {
    if (!row["server"].contains("ips")) continue;
    merged = true;
    EXPECT_EQ(row["server"]["kind"], "efs-mount-target");
    EXPECT_EQ(row["server"]["id"].get<std::string>().rfind("fs-", 0), 0u) << row.dump();
  }
  EXPECT_TRUE(merged);
}

// --group-by fs|name|az with no other source of names asks AWS (--names): here
// the AWS endpoint is a closed port, so the first call (the EFS inventory,
// which decides what counts as EFS traffic) fails, named as itself, the run
// ends with exit 1, and nothing says --names is missing.
TEST(NamesCliTest, GroupByNameAloneImpliesNames) {
  const std::string home = testing::TempDir() + "/implies-names-home";
  std::filesystem::create_directories(home);
  setenv("HOME", home.c_str(), 1);
  setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
  setenv("AWS_REGION", "us-east-1", 1);
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
  setenv("AWS_MAX_ATTEMPTS", "1", 1);
  for (const char* grouping : {"fs", "name", "az"}) {
    TopRun r = run_top_with({"--group-by", grouping, "--cache-dir", home + "/cache",
                             "--cli-connect-timeout", "1", kSource + "/sample/flowlogs"});
    // Not a usage error: the names were asked of AWS, whose failure is
    // reported as itself.
    EXPECT_EQ(r.code, kExitFailure) << grouping << ": " << r.err;
    EXPECT_EQ(r.err.find("--group-by"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("describe-file-systems us-east-1: GET http://127.0.0.1:1/"),
              std::string::npos)
        << r.err;
  }
}

TEST(NamesCliTest, BadInventoryFileIsNamed) {
  TopRun r = run_top_with(
      {"--inventory", kSource + "/sample/mount-targets.txt", kSource + "/sample/flowlogs"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("mount-targets.txt"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace efstop::cli
