#include "flowlog/aggregate.h"

#include <gtest/gtest.h>

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
