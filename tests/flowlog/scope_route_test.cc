// A read split into scopes (EngineOptions::scopes, docs/multi-account.md):
// each record counted in the scope of its account-id / region field, else
// of its input's key, or in none (counted, never dropped). The expected
// numbers are written out from the records below.
#include <gtest/gtest.h>

#include "flowlog/engine.h"
#include "flowlog/stream_processor.h"

namespace efstop::flowlog {
namespace {

constexpr char kA[] = "111111111111";
constexpr char kB[] = "222222222222";
constexpr char kC[] = "333333333333";  // no scope

IpAddress ip(std::string_view s) { return *IpAddress::parse(s); }

// A default-format (v2) line of account `account` (its account-id field).
std::string line(std::string_view account, std::string_view eni, std::string_view src,
                 std::string_view dst, int sport, int dport, int64_t bytes) {
  return "2 " + std::string(account) + " " + std::string(eni) + " " + std::string(src) + " " +
         std::string(dst) + " " + std::to_string(sport) + " " + std::to_string(dport) + " 6 3 " +
         std::to_string(bytes) + " 100 160 ACCEPT OK\n";
}

InputSource source(std::string name, std::string text, std::string account, std::string region) {
  InputSource s(name, [name, text] {
    return Result<std::unique_ptr<ByteSource>>(make_memory_source(name, text));
  });
  s.key_account = std::move(account);
  s.key_region = std::move(region);
  return s;
}

EngineOptions two_accounts() {
  EngineOptions o;
  // A's mount target 10.0.2.10, B's 10.0.3.10.
  o.scopes.push_back(ScopeRoute{kA, "eu-west-1", {ip("10.0.2.10")}, {"eni-amt"}});
  o.scopes.push_back(ScopeRoute{kB, "eu-west-1", {ip("10.0.3.10")}, {"eni-bmt"}});
  o.threads = 2;
  return o;
}

void expect_invariants(const EngineResult& r) {
  const FlowStats& s = r.stats;
  EXPECT_EQ(s.records, s.used + s.duplicates + s.not_efs + s.outside_window + s.nodata +
                           s.skipdata + s.unknown_address + s.outside_scopes);
  EXPECT_EQ(s.lines, s.records + s.skipped);
}

TEST(ScopeRouteTest, SharedVpcRecordsCountInTheFieldsAccount) {
  // A's folder: A's client to A's mount target, and B's client (an ENI of
  // B in A's shared subnet) to B's mount target, logged on B's ENIs. B's
  // folder: one record of B's own.
  const std::string a_folder =
      line(kA, "eni-a1", "10.0.1.5", "10.0.2.10", 40000, 2049, 100) +
      line(kA, "eni-a1", "10.0.2.10", "10.0.1.5", 2049, 40000, 1000) +
      line(kB, "eni-b1", "10.0.1.7", "10.0.3.10", 40001, 2049, 20) +
      line(kB, "eni-bmt", "10.0.1.7", "10.0.3.10", 40001, 2049, 20) +  // same flow, B's MT ENI
      line("-", "eni-a2", "10.0.1.6", "10.0.2.10", 40002, 2049, 7) +   // no field: the folder's
      line("unknown", "eni-a3", "10.0.1.8", "10.0.2.10", 40003, 2049, 9);
  const std::string b_folder = line(kB, "eni-b2", "10.0.1.9", "10.0.3.10", 40004, 2049, 300);
  std::vector<InputSource> sources;
  sources.push_back(source("a.log",
                           "version account-id interface-id srcaddr dstaddr srcport "
                           "dstport protocol packets bytes start end action log-status\n" +
                               a_folder,
                           kA, "eu-west-1"));
  sources.push_back(source("b.log", b_folder, kB, "eu-west-1"));
  Result<EngineResult> r = run_engine_sources(std::move(sources), two_accounts());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_invariants(*r);
  EXPECT_TRUE(r->pairs.empty());
  ASSERT_EQ(r->scoped.size(), 2u);
  // A: 10.0.1.5 (100 + 1000), 10.0.1.6 (7), 10.0.1.8 (9).
  const ScopeResult& a = r->scoped[0];
  ASSERT_EQ(a.pairs.size(), 3u);
  EXPECT_EQ(a.pairs[0].client, ip("10.0.1.5"));
  EXPECT_EQ(a.pairs[0].bytes_written, 100);
  EXPECT_EQ(a.pairs[0].bytes_read, 1000);
  EXPECT_EQ(a.pairs[1].bytes_written, 7);
  EXPECT_EQ(a.pairs[2].bytes_written, 9);
  EXPECT_EQ(a.stats.records, 4);
  // B: 10.0.1.7 once (its two ENIs' records of one flow: one duplicate),
  // and 10.0.1.9 from its own folder.
  const ScopeResult& b = r->scoped[1];
  ASSERT_EQ(b.pairs.size(), 2u);
  EXPECT_EQ(b.pairs[0].client, ip("10.0.1.7"));
  EXPECT_EQ(b.pairs[0].bytes_written, 20);
  EXPECT_EQ(b.pairs[1].bytes_written, 300);
  EXPECT_EQ(b.stats.records, 3);
  EXPECT_EQ(b.stats.duplicates, 1);
  // Two of A's folder's records moved to B; the `-` and `unknown` ones
  // went by the key.
  ASSERT_EQ(r->routing.moved.size(), 1u);
  const RouteCount moved = r->routing.moved.at({0, 1});
  EXPECT_EQ(moved.records, 2);
  EXPECT_EQ(moved.bytes, 40);
  EXPECT_EQ(r->routing.by_key, 2);
  EXPECT_EQ(r->routing.by_field, 5);
  EXPECT_EQ(r->stats.outside_scopes, 0);
  EXPECT_EQ(r->stats.records, 7);
}

TEST(ScopeRouteTest, AnAccountNoScopeReadsIsCountedNotDropped) {
  const std::string text = line(kA, "eni-a1", "10.0.1.5", "10.0.2.10", 40000, 2049, 100) +
                           line(kC, "eni-c1", "10.0.1.6", "10.0.2.10", 40001, 2049, 55) +
                           line(kC, "eni-c1", "10.0.2.10", "10.0.1.6", 2049, 40001, 45);
  std::vector<InputSource> sources;
  sources.push_back(source("a.log", text, kA, "eu-west-1"));
  Result<EngineResult> r = run_engine_sources(std::move(sources), two_accounts());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_invariants(*r);
  ASSERT_EQ(r->routing.outside.size(), 1u);
  const RouteCount c = r->routing.outside.at({kC, "eu-west-1"});
  EXPECT_EQ(c.records, 2);
  EXPECT_EQ(c.bytes, 100);
  EXPECT_EQ(r->stats.outside_scopes, 2);
  EXPECT_EQ(r->stats.records, 3);
  EXPECT_EQ(r->scoped[0].stats.used, 1);
}

TEST(ScopeRouteTest, RegionFromTheFieldElseTheKeyElseTheOnlyRegion) {
  // Scopes of any account ("": --regions alone) in two regions.
  EngineOptions o;
  o.scopes.push_back(ScopeRoute{"", "eu-west-1", {}, {}});
  o.scopes.push_back(ScopeRoute{"", "us-west-2", {}, {}});
  const std::string header =
      "version account-id interface-id srcaddr dstaddr srcport dstport "
      "protocol packets bytes start end action log-status region\n";
  auto with_region = [](std::string l, std::string_view region) {
    l.pop_back();
    return l + " " + std::string(region) + "\n";
  };
  // In a eu-west-1 folder: one record naming us-west-2, one '-'.
  const std::string keyed =
      header +
      with_region(line(kA, "eni-1", "10.0.1.5", "10.0.2.10", 40000, 2049, 10), "us-west-2") +
      with_region(line(kA, "eni-1", "10.0.1.5", "10.0.2.10", 40001, 2049, 20), "-");
  // No region in the key (a Firehose object): by the field, else nowhere.
  const std::string unkeyed =
      header +
      with_region(line(kA, "eni-2", "10.0.1.6", "10.0.2.10", 40002, 2049, 30), "eu-west-1") +
      with_region(line(kA, "eni-2", "10.0.1.6", "10.0.2.10", 40003, 2049, 40), "-");
  std::vector<InputSource> sources;
  sources.push_back(source("keyed.log", keyed, kA, "eu-west-1"));
  sources.push_back(source("unkeyed.log", unkeyed, "", ""));
  Result<EngineResult> r = run_engine_sources(std::move(sources), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_invariants(*r);
  ASSERT_EQ(r->scoped.size(), 2u);
  ASSERT_EQ(r->scoped[0].pairs.size(), 2u);  // 20 (key) + 30 (field, unkeyed)
  EXPECT_EQ(r->scoped[0].pairs[0].bytes_written, 20);
  EXPECT_EQ(r->scoped[0].pairs[1].bytes_written, 30);
  ASSERT_EQ(r->scoped[1].pairs.size(), 1u);  // 10 (field over key)
  EXPECT_EQ(r->scoped[1].pairs[0].bytes_written, 10);
  // Neither key nor field, two regions: counted in none.
  EXPECT_EQ(r->routing.unattributed.records, 1);
  EXPECT_EQ(r->routing.unattributed.bytes, 40);
  EXPECT_EQ(r->stats.outside_scopes, 1);
  EXPECT_EQ(r->routing.moved.at({0, 1}).records, 1);
  EXPECT_EQ(r->routing.moved.at({-1, 0}).records, 1);

  // With one region, a record with neither belongs to it.
  EngineOptions one;
  one.scopes.push_back(ScopeRoute{"", "eu-west-1", {}, {}});
  std::vector<InputSource> again;
  again.push_back(source("unkeyed.log", unkeyed, "", ""));
  Result<EngineResult> r1 = run_engine_sources(std::move(again), one);
  ASSERT_TRUE(r1.ok()) << r1.status().to_string();
  expect_invariants(*r1);
  EXPECT_EQ(r1->routing.unattributed.records, 0);
  ASSERT_EQ(r1->scoped[0].pairs.size(), 1u);
  EXPECT_EQ(r1->scoped[0].pairs[0].bytes_written, 70);
}

// The rule itself, as the Athena pushdown calls it for a grouped row
// standing for several records (cloud/cloud_reader.cc): the same answers
// and counters as for lines, weighted by the row's records.
TEST(ScopeRouteTest, RouteToScopeCountsARowAsItsRecords) {
  const EngineOptions o = two_accounts();
  const ScopeRouter router(o.scopes);
  const RouteInput a_folder = make_route_input(&router, kA, "eu-west-1");
  EXPECT_EQ(a_folder.key_scope, 0);
  RouteStats stats;
  ScopeMemo memo;
  // B's ENI in A's folder: B's scope, moved.
  EXPECT_EQ(route_to_scope(a_folder, kB, "", RouteCount{5, 500}, &stats, &memo), 1);
  // '-' and 'unknown': the folder's account.
  EXPECT_EQ(route_to_scope(a_folder, "-", "", RouteCount{2, 20}, &stats, &memo), 0);
  EXPECT_EQ(route_to_scope(a_folder, "unknown", "-", RouteCount{1, 10}, &stats, &memo), 0);
  // An account no scope reads: none, counted.
  EXPECT_EQ(route_to_scope(a_folder, kC, "", RouteCount{3, 30}, &stats, &memo), -1);
  // A region field no scope reads: none, counted under that region.
  EXPECT_EQ(route_to_scope(a_folder, "", "us-west-2", RouteCount{4, 40}, &stats, &memo), -1);
  EXPECT_EQ(stats.by_field, 5 + 3 + 4);
  EXPECT_EQ(stats.by_key, 2 + 1);
  ASSERT_EQ(stats.moved.size(), 1u);
  EXPECT_EQ((stats.moved[{0, 1}]), (RouteCount{5, 500}));
  EXPECT_EQ((stats.outside[{kC, "eu-west-1"}]), (RouteCount{3, 30}));
  EXPECT_EQ((stats.outside[{kA, "us-west-2"}]), (RouteCount{4, 40}));
  EXPECT_EQ(stats.outside_records(), 7);
  // A folder without a region: the one region of its account's scopes.
  const RouteInput no_region = make_route_input(&router, kB, "");
  EXPECT_EQ(no_region.key_scope, 1);
}

}  // namespace
}  // namespace efstop::flowlog
