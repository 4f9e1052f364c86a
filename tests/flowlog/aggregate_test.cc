#include "flowlog/aggregate.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace efstop::flowlog {
namespace {

IpAddress ip(std::string_view s) { return *IpAddress::parse(s); }

FlowRecord rec(std::string_view eni, std::string_view src, std::string_view dst, int sport,
               int dport, int64_t bytes, int64_t start = 0, int64_t end = 60) {
  FlowRecord r;
  r.interface_id = eni;
  r.src = ip(src);
  r.dst = ip(dst);
  r.src_port = static_cast<uint16_t>(sport);
  r.dst_port = static_cast<uint16_t>(dport);
  r.protocol = 6;
  r.packets = 1;
  r.bytes = bytes;
  r.start = start;
  r.end = end;
  r.present = kHasAll & ~(eni.empty() ? kHasInterfaceId : 0u);
  return r;
}

// Merging per-thread aggregators gives what one aggregator would, including
// own-address learning spread over both.
TEST(AggregatorTest, MergeEqualsSingle) {
  AggregateConfig cfg;
  std::vector<FlowRecord> records = {
      rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 10),
      rec("eni-mt", "10.0.1.5", "10.0.2.10", 1, 2049, 11),
      rec("eni-mt", "10.0.2.10", "10.0.1.6", 2049, 1, 12),
      rec("", "10.0.1.7", "10.0.2.10", 1, 2049, 13, 0, 10),
      rec("", "10.0.1.7", "10.0.2.10", 1, 2049, 13, 5, 15),
  };
  Aggregator single(&cfg);
  for (size_t i = 0; i < records.size(); ++i) single.add(records[i], i);
  FlowStats s1;
  std::vector<PairTotals> p1 = single.finish(&s1);

  Aggregator a(&cfg);
  Aggregator b(&cfg);
  for (size_t i = 0; i < records.size(); ++i) (i % 2 ? a : b).add(records[i], i);
  a.merge(std::move(b));
  FlowStats s2;
  std::vector<PairTotals> p2 = a.finish(&s2);
  EXPECT_EQ(p1, p2);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(s1.records, 5);
  EXPECT_EQ(s1.duplicates, 2);  // eni-c's record, the overlapping 13-byte one
  ASSERT_EQ(p1.size(), 3u);
  EXPECT_EQ(p1[0].bytes_written, 11);  // eni-mt chosen: own = {10.0.2.10}
}

// A dual-stack mount target serves IPv4 and IPv6 clients from one ENI: no
// address is common to all its records, but each family has its own. The
// mount target's copy must win for both families even where the client's
// ENI logged less (here it missed a record) and sorts first.
TEST(AggregatorTest, DualStackMountTargetIsLearnedPerFamily) {
  AggregateConfig cfg;
  std::vector<FlowRecord> records = {
      // IPv4 client 10.0.1.5 (ENI eni-a4) and IPv6 client fd00::5 (eni-a6).
      rec("eni-a4", "10.0.1.5", "10.0.2.10", 700, 2049, 40),
      rec("eni-mt", "10.0.1.5", "10.0.2.10", 700, 2049, 40),
      rec("eni-mt", "10.0.1.5", "10.0.2.10", 701, 2049, 60),  // eni-a4 missed this one
      rec("eni-a6", "fd00::5", "fd00::10", 700, 2049, 30),
      rec("eni-mt", "fd00::5", "fd00::10", 700, 2049, 30),
      rec("eni-mt", "fd00::10", "fd00::5", 2049, 700, 70),  // eni-a6 missed this one
      // A second client of each family, logged at the mount target only:
      // what lets its own address be learned.
      rec("eni-mt", "10.0.1.9", "10.0.2.10", 700, 2049, 1),
      rec("eni-mt", "fd00::9", "fd00::10", 700, 2049, 1),
  };
  Aggregator agg(&cfg);
  for (size_t i = 0; i < records.size(); ++i) agg.add(records[i], i);
  FlowStats s;
  std::vector<PairTotals> p = agg.finish(&s);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].client, ip("10.0.1.5"));
  EXPECT_EQ(p[0].bytes_written, 100);  // eni-mt's two records, not eni-a4's one
  EXPECT_EQ(p[2].client, ip("fd00::5"));
  EXPECT_EQ(p[2].bytes_written, 30);
  EXPECT_EQ(p[2].bytes_read, 70);
  EXPECT_EQ(s.used, 6);
  EXPECT_EQ(s.duplicates, 2);
}

// Interface ids of every length (inline up to 24 bytes, numbered beyond)
// stay distinct and merge across aggregators by name.
TEST(AggregatorTest, InterfaceIdsOfAnyLengthStayDistinct) {
  AggregateConfig cfg;
  const std::string long_a(40, 'a');
  const std::string long_b = long_a + "b";
  const std::vector<std::string> ids = {"e",
                                        "eni-1",
                                        "eni-1234",
                                        "eni-12345678",
                                        "eni-0123456789abcdef0",
                                        "eni-0123456789abcdef0123",
                                        long_a,
                                        long_b};
  Aggregator a(&cfg);
  Aggregator b(&cfg);
  for (size_t i = 0; i < ids.size(); ++i) {
    // Each id logs its own client once in `a` and once in `b`.
    const std::string client = "10.0.1." + std::to_string(i + 1);
    a.add(rec(ids[i], client, "10.0.2.10", 700, 2049, 10), 2 * i);
    b.add(rec(ids[i], client, "10.0.2.10", 700, 2049, 5), 2 * i + 1);
  }
  a.merge(std::move(b));
  FlowStats s;
  std::vector<PairTotals> p = a.finish(&s);
  ASSERT_EQ(p.size(), ids.size());
  for (const PairTotals& t : p) EXPECT_EQ(t.bytes_written, 15);
  EXPECT_EQ(s.used, 16);
  EXPECT_EQ(s.duplicates, 0);
}

// Without interface-id every record is kept until finish(); past a bound
// they go to temporary files in sorted runs and are merged back. 300,000
// records (several runs, spread over two aggregators) in scrambled order:
// each flow logged twice (client and server side, overlapping windows) must
// count once, and every byte must be there.
TEST(AggregatorTest, OverlapRuleSpillsAndMergesRunsExactly) {
  AggregateConfig cfg;
  Aggregator a(&cfg);
  Aggregator b(&cfg);
  constexpr int kFlows = 150000;
  int64_t want_written = 0;
  uint64_t order = 0;
  for (int k = 0; k < 2 * kFlows; ++k) {
    const int i = static_cast<int>((static_cast<int64_t>(k) * 7919) % (2 * kFlows));  // scrambled
    const int flow = i / 2;
    const std::string client =
        "10.1." + std::to_string(flow % 250) + "." + std::to_string(1 + flow / 250 % 250);
    FlowRecord r = rec("", client, "10.0.2.10", 1000 + flow % 60000, 2049, 100 + flow,
                       60 * (flow % 7), 60 * (flow % 7) + 59 + (i % 2));
    (k % 3 == 0 ? a : b).add(r, order++);
    if (i % 2 == 0) want_written += 100 + flow;
  }
  a.merge(std::move(b));
  FlowStats s;
  std::vector<PairTotals> p = a.finish(&s);
  EXPECT_TRUE(a.status().ok()) << a.status().to_string();
  EXPECT_TRUE(a.warnings().empty());
  int64_t got_written = 0;
  int64_t got_flows = 0;
  for (const PairTotals& t : p) {
    got_written += t.bytes_written;
    got_flows += t.flows;
  }
  EXPECT_EQ(got_written, want_written);
  EXPECT_EQ(got_flows, kFlows);
  EXPECT_EQ(s.used, kFlows);
  EXPECT_EQ(s.duplicates, kFlows);
}

// Temporary files that cannot be written: the same totals, from memory,
// and a warning that says where and what to do.
TEST(AggregatorTest, OverlapRuleWithoutTemporaryFilesWarnsAndStaysExact) {
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("TMPDIR", "/nonexistent/efstop-test", 1);
  AggregateConfig cfg;
  Aggregator a(&cfg);
  constexpr int kFlows = 70000;  // more than one run
  int64_t want_written = 0;
  for (int flow = 0; flow < kFlows; ++flow) {
    const std::string client = "10.1." + std::to_string(flow % 250) + "." +
                               std::to_string(1 + flow / 250 % 250);
    for (int side = 0; side < 2; ++side) {  // logged at both ends: once counted
      a.add(rec("", client, "10.0.2.10", 1000 + flow % 60000, 2049, 100 + flow, 60, 119 + side),
            static_cast<uint64_t>(2 * flow + side));
    }
    want_written += 100 + flow;
  }
  FlowStats s;
  std::vector<PairTotals> p = a.finish(&s);
  if (old != nullptr) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  EXPECT_TRUE(a.status().ok()) << a.status().to_string();
  int64_t got_written = 0;
  for (const PairTotals& t : p) got_written += t.bytes_written;
  EXPECT_EQ(got_written, want_written);
  EXPECT_EQ(s.used, kFlows);
  EXPECT_EQ(s.duplicates, kFlows);
  ASSERT_EQ(a.warnings().size(), 1u);
  EXPECT_NE(a.warnings()[0].find("/nonexistent/efstop-test"), std::string::npos) << a.warnings()[0];
  EXPECT_NE(a.warnings()[0].find("No such file or directory"), std::string::npos)
      << a.warnings()[0];
  EXPECT_NE(a.warnings()[0].find("set TMPDIR"), std::string::npos) << a.warnings()[0];
}

TEST(AggregatorTest, WeightedRecordsCountAsManyFlows) {
  AggregateConfig cfg;
  Aggregator agg(&cfg);
  FlowRecord r = rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 100);
  r.flows = 7;  // e.g. a pre-aggregated CloudWatch Logs Insights row
  agg.add(r, 0);
  r.action = Action::kReject;
  r.flows = 3;
  agg.add(r, 1);
  FlowStats s;
  std::vector<PairTotals> p = agg.finish(&s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].flows, 7);
  EXPECT_EQ(p[0].rejected, 3);
  EXPECT_EQ(p[0].bytes_written, 100);
  // Stats are weighted too: the two rows stand for 10 records.
  EXPECT_EQ(s.used, 10);
  EXPECT_EQ(s.records, 10);
}

TEST(AggregatorTest, WindowBoundsAreHalfOpen) {
  AggregateConfig cfg;
  cfg.window_start = 100;
  cfg.window_end = 200;
  Aggregator agg(&cfg);
  agg.add(rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 1, 100, 300), 0);  // in
  agg.add(rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 2, 199, 300), 1);  // in
  agg.add(rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 4, 200, 300), 2);  // out
  agg.add(rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 8, 99, 100), 3);   // out
  FlowStats s;
  std::vector<PairTotals> p = agg.finish(&s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].bytes_written, 3);
  EXPECT_EQ(s.outside_window, 2);
}

}  // namespace
}  // namespace efstop::flowlog
