// The cross-scope rule alone (cli/scope_pairs.h): a pair counted in the
// client's account is the mount target's account's, as a duplicate when that
// account counted it too, moved when it did not; ambiguous servers stay.
// The expected counters are worked out here from the pairs given.
#include "cli/scope_pairs.h"

#include <gtest/gtest.h>

namespace efstop::cli {
namespace {

flowlog::IpAddress ip(const char* text) { return *flowlog::IpAddress::parse(text); }

flowlog::PairTotals pair(const char* client, const char* server, int64_t read, int64_t written,
                         int64_t flows, int64_t rejected = 0) {
  flowlog::PairTotals p;
  p.client = ip(client);
  p.server = ip(server);
  p.bytes_read = read;
  p.bytes_written = written;
  p.packets = 10 * flows;
  p.flows = flows;
  p.rejected = rejected;
  p.first_seen = 1000;
  p.last_seen = 2000;
  return p;
}

// A scope whose counters hold exactly `pairs` (used = their records) plus
// `not_efs` other records.
ScopeCounts scope(const char* account, const char* region, std::vector<const char*> mts,
                  std::vector<flowlog::PairTotals> pairs, int64_t not_efs = 0) {
  ScopeCounts s;
  s.account = account;
  s.region = region;
  for (const char* m : mts) s.mount_target_ips.push_back(ip(m));
  for (const flowlog::PairTotals& p : pairs) s.stats.used += p.flows + p.rejected;
  s.stats.not_efs = not_efs;
  s.stats.records = s.stats.used + not_efs;
  s.pairs = std::move(pairs);
  return s;
}

void expect_identity(const ScopeCounts& s) {
  const flowlog::FlowStats& f = s.stats;
  EXPECT_EQ(f.records, f.used + f.duplicates + f.not_efs + f.outside_window + f.nodata +
                           f.skipdata + f.unknown_address + f.outside_scopes)
      << s.account;
  int64_t used = 0;
  for (const flowlog::PairTotals& p : s.pairs) used += p.flows + p.rejected;
  EXPECT_EQ(used, f.used) << s.account;
}

constexpr char kA[] = "111111111111";  // the client's account, no mount target
constexpr char kB[] = "222222222222";  // the file system's owner
constexpr char kR[] = "eu-central-1";

TEST(ScopePairsTest, BothEnisLoggedAreDuplicatesInTheClientsAccount) {
  std::vector<ScopeCounts> s;
  s.push_back(scope(kA, kR, {}, {pair("10.3.1.10", "10.3.2.100", 500, 70, 3, 1)}, 2));
  s.push_back(scope(kB, kR, {"10.3.2.100"}, {pair("10.3.1.10", "10.3.2.100", 500, 70, 3, 1)}));
  const CrossScopeResult r = assign_pairs_to_server_scopes(&s);
  EXPECT_TRUE(s[0].pairs.empty());
  ASSERT_EQ(s[1].pairs.size(), 1u);
  EXPECT_EQ(s[1].pairs[0].bytes_total(), 570);  // B's own, not doubled
  EXPECT_EQ(s[0].stats.used, 0);
  EXPECT_EQ(s[0].stats.duplicates, 4);
  EXPECT_EQ(s[0].stats.records, 6);
  EXPECT_EQ(s[1].stats.used, 4);
  expect_identity(s[0]);
  expect_identity(s[1]);
  ASSERT_EQ(r.moves.size(), 1u);
  EXPECT_EQ(r.moves[0].from, 0u);
  EXPECT_EQ(r.moves[0].to, 1u);
  EXPECT_TRUE(r.moves[0].duplicate);
  EXPECT_EQ(r.moves[0].records, 4);
  EXPECT_EQ(r.moves[0].bytes, 570);
  EXPECT_EQ(r.client_from[1].at("10.3.1.10"), 0u);
  const report::CrossScope c = to_cross_scope(r, s);
  EXPECT_EQ(c.duplicates, 4);
  EXPECT_EQ(c.moved, 0);
  ASSERT_EQ(c.moves.size(), 1u);
  EXPECT_EQ(c.moves[0].action, "duplicate");
  EXPECT_EQ(c.moves[0].from_account, kA);
  EXPECT_EQ(c.moves[0].account, kB);
  const std::vector<std::string> lines = cross_scope_lines(c);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "4 records (1 pair, 570 bytes) counted in account 111111111111 eu-central-1 are of "
            "a mount target of account 222222222222: its mount-target ENI logged them too, so "
            "they are duplicates (counted there once)");
}

TEST(ScopePairsTest, OnlyTheClientsEniLoggedMovesTheTotalsAndSeries) {
  std::vector<ScopeCounts> s;
  flowlog::PairTotals p = pair("10.3.1.10", "10.3.2.100", 300, 40, 2);
  p.bytes_unknown = 1;
  p.series = {{60, 100, 10}, {120, 200, 30}};
  s.push_back(scope(kA, kR, {}, {p, pair("10.3.1.10", "10.3.9.9", 5, 5, 1)}));
  s[0].stats.unknown_bytes = 1;
  s.push_back(scope(kB, kR, {"10.3.2.100"}, {pair("10.3.1.99", "10.3.2.100", 1, 1, 1)}));
  const CrossScopeResult r = assign_pairs_to_server_scopes(&s);
  // The pair to an address no scope has as a mount target stays in A.
  ASSERT_EQ(s[0].pairs.size(), 1u);
  EXPECT_EQ(s[0].pairs[0].server, ip("10.3.9.9"));
  ASSERT_EQ(s[1].pairs.size(), 2u);
  // Sorted by client: 10.3.1.10 before 10.3.1.99.
  EXPECT_EQ(s[1].pairs[0], p);
  EXPECT_EQ(s[0].stats.records, 1);
  EXPECT_EQ(s[0].stats.used, 1);
  EXPECT_EQ(s[0].stats.unknown_bytes, 0);
  EXPECT_EQ(s[1].stats.records, 3);
  EXPECT_EQ(s[1].stats.used, 3);
  EXPECT_EQ(s[1].stats.unknown_bytes, 1);
  EXPECT_EQ(s[0].stats.duplicates + s[1].stats.duplicates, 0);
  expect_identity(s[0]);
  expect_identity(s[1]);
  ASSERT_EQ(r.moves.size(), 1u);
  EXPECT_FALSE(r.moves[0].duplicate);
  EXPECT_EQ(r.moves[0].records, 2);
  EXPECT_EQ(r.moves[0].bytes, 340);
  const report::CrossScope c = to_cross_scope(r, s);
  EXPECT_EQ(c.moved, 2);
  EXPECT_EQ(c.moves[0].action, "moved");
}

TEST(ScopePairsTest, OwnMountTargetOtherRegionAndNoOwnerStay) {
  std::vector<ScopeCounts> s;
  // A has the address as its own mount target too (the same private range
  // in both accounts): A's pair stays A's.
  s.push_back(scope(kA, kR, {"10.3.2.100"}, {pair("10.3.1.10", "10.3.2.100", 1, 2, 1)}));
  s.push_back(scope(kB, kR, {"10.3.2.100"}, {pair("10.3.1.10", "10.3.2.100", 3, 4, 1)}));
  // Another region's scope with the address: not the same network.
  s.push_back(scope(kA, "us-west-2", {}, {pair("10.3.1.10", "10.3.2.100", 5, 6, 1)}));
  const std::vector<ScopeCounts> before = s;
  const CrossScopeResult r = assign_pairs_to_server_scopes(&s);
  EXPECT_TRUE(r.moves.empty());
  EXPECT_TRUE(r.ambiguous.empty());
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].pairs, before[i].pairs);
    EXPECT_EQ(s[i].stats, before[i].stats);
  }
}

TEST(ScopePairsTest, ServerOfSeveralOtherScopesIsAmbiguousAndStays) {
  std::vector<ScopeCounts> s;
  s.push_back(scope(kA, kR, {}, {pair("10.3.1.10", "10.3.2.100", 7, 8, 2)}));
  s.push_back(scope(kB, kR, {"10.3.2.100"}, {}));
  s.push_back(scope("333333333333", kR, {"10.3.2.100"}, {}));
  const CrossScopeResult r = assign_pairs_to_server_scopes(&s);
  ASSERT_EQ(s[0].pairs.size(), 1u);
  EXPECT_EQ(s[0].stats.used, 2);
  EXPECT_TRUE(r.moves.empty());
  ASSERT_EQ(r.ambiguous.size(), 1u);
  EXPECT_EQ(r.ambiguous[0].scope, 0u);
  EXPECT_EQ(r.ambiguous[0].owners, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(r.ambiguous[0].records, 2);
  EXPECT_EQ(r.ambiguous[0].bytes, 15);
  const report::CrossScope c = to_cross_scope(r, s);
  ASSERT_EQ(c.ambiguous.size(), 1u);
  EXPECT_EQ(c.ambiguous[0].server, "10.3.2.100");
  EXPECT_EQ(c.ambiguous[0].owners, (std::vector<std::string>{kB, "333333333333"}));
  const std::vector<std::string> lines = cross_scope_lines(c);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("a mount-target address of several accounts (222222222222, "
                          "333333333333): kept in account 111111111111"),
            std::string::npos)
      << lines[0];
}

TEST(ScopePairsTest, TwoScopesMovingTheSamePairMergeIntoOneRow) {
  std::vector<ScopeCounts> s;
  flowlog::PairTotals a = pair("10.3.1.10", "10.3.2.100", 10, 1, 1);
  a.series = {{60, 10, 1}};
  flowlog::PairTotals c = pair("10.3.1.10", "10.3.2.100", 20, 2, 1);
  c.series = {{60, 20, 2}, {120, 0, 0}};
  s.push_back(scope(kA, kR, {}, {a}));
  s.push_back(scope(kB, kR, {"10.3.2.100"}, {}));
  s.push_back(scope("333333333333", kR, {}, {c}));
  assign_pairs_to_server_scopes(&s);
  ASSERT_EQ(s[1].pairs.size(), 1u);
  EXPECT_EQ(s[1].pairs[0].bytes_read, 30);
  EXPECT_EQ(s[1].pairs[0].bytes_written, 3);
  EXPECT_EQ(s[1].pairs[0].flows, 2);
  ASSERT_EQ(s[1].pairs[0].series.size(), 2u);
  EXPECT_EQ(s[1].pairs[0].series[0].bytes_read, 30);
  EXPECT_EQ(s[1].stats.used, 2);
  for (const ScopeCounts& x : s) expect_identity(x);
}

}  // namespace
}  // namespace efstop::cli
