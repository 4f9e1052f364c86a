#include "report/shape.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace efstop::report {
namespace {

Row pair(const std::string& client, const std::string& server, int64_t read, int64_t written,
         int64_t packets = 0, int64_t flows = 0, int64_t first = 100, int64_t last = 200) {
  Row row;
  row.client = end_from_ip(client);
  row.server = end_from_ip(server);
  row.counters.bytes_read = read;
  row.counters.bytes_written = written;
  row.counters.packets = packets;
  row.counters.flows = flows;
  row.counters.first_seen = first;
  row.counters.last_seen = last;
  return row;
}

std::vector<std::string> order(const Report& report) {
  std::vector<std::string> out;
  for (const Row& row : report.rows) {
    std::string s = row.client ? row.client->ips.front() : "*";
    s += ">";
    s += row.server ? row.server->ips.front() : "*";
    out.push_back(s);
  }
  return out;
}

TEST(ShapeTest, SortsByTotalDescending) {
  Report r = build_report({pair("10.0.0.1", "10.9.0.1", 10, 0), pair("10.0.0.2", "10.9.0.1", 5, 30),
                           pair("10.0.0.3", "10.9.0.1", 0, 20)},
                          {}, {}, {});
  EXPECT_EQ(order(r), (std::vector<std::string>{"10.0.0.2>10.9.0.1", "10.0.0.3>10.9.0.1",
                                                "10.0.0.1>10.9.0.1"}));
}

TEST(ShapeTest, EachSortKeyUsesItsCounter) {
  std::vector<Row> rows = {pair("10.0.0.1", "10.9.0.1", 100, 1, 5, 1),
                           pair("10.0.0.2", "10.9.0.1", 1, 50, 9, 2),
                           pair("10.0.0.3", "10.9.0.1", 2, 2, 1, 7)};
  ShapeOptions o;
  o.sort_by = SortKey::kRead;
  EXPECT_EQ(order(build_report(rows, {}, {}, o)).front(), "10.0.0.1>10.9.0.1");
  o.sort_by = SortKey::kWritten;
  EXPECT_EQ(order(build_report(rows, {}, {}, o)).front(), "10.0.0.2>10.9.0.1");
  o.sort_by = SortKey::kPackets;
  EXPECT_EQ(order(build_report(rows, {}, {}, o)).front(), "10.0.0.2>10.9.0.1");
  o.sort_by = SortKey::kFlows;
  EXPECT_EQ(
      order(build_report(rows, {}, {}, o)),
      (std::vector<std::string>{"10.0.0.3>10.9.0.1", "10.0.0.2>10.9.0.1", "10.0.0.1>10.9.0.1"}));
  // REJECTs move no bytes: --sort rejected brings a reject-only pair first.
  rows.push_back(pair("10.0.0.4", "10.9.0.1", 0, 0));
  rows.back().counters.rejected = 3;
  rows[0].counters.rejected = 1;
  o.sort_by = SortKey::kRejected;
  EXPECT_EQ(order(build_report(rows, {}, {}, o)),
            (std::vector<std::string>{"10.0.0.4>10.9.0.1", "10.0.0.1>10.9.0.1", "10.0.0.2>10.9.0.1",
                                      "10.0.0.3>10.9.0.1"}));
}

TEST(ShapeTest, TiesBreakByClientThenServerAddressNumerically) {
  Report r = build_report({pair("10.0.0.10", "10.9.0.1", 5, 5), pair("::1", "10.9.0.1", 5, 5),
                           pair("10.0.0.9", "10.9.0.10", 5, 5), pair("10.0.0.9", "10.9.0.9", 5, 5),
                           pair("10.0.0.9", "2001:db8::1", 5, 5)},
                          {}, {}, {});
  EXPECT_EQ(order(r), (std::vector<std::string>{"10.0.0.9>10.9.0.9", "10.0.0.9>10.9.0.10",
                                                "10.0.0.9>2001:db8::1", "10.0.0.10>10.9.0.1",
                                                "::1>10.9.0.1"}));
}

TEST(ShapeTest, TopKeepsFirstRowsButTotalsCountAll) {
  ShapeOptions o;
  o.top = 2;
  Report r = build_report({pair("10.0.0.1", "10.9.0.1", 1, 0), pair("10.0.0.2", "10.9.0.1", 2, 0),
                           pair("10.0.0.3", "10.9.0.1", 3, 0)},
                          {}, {}, o);
  EXPECT_EQ(order(r), (std::vector<std::string>{"10.0.0.3>10.9.0.1", "10.0.0.2>10.9.0.1"}));
  EXPECT_EQ(r.total_rows, 3);
  EXPECT_EQ(r.totals.bytes_read, 6);
}

TEST(ShapeTest, TopZeroMeansAll) {
  ShapeOptions o;
  o.top = 0;
  std::vector<Row> rows;
  for (int i = 0; i < 60; ++i)
    rows.push_back(pair("10.0.0." + std::to_string(i), "10.9.0.1", i, 0));
  Report r = build_report(rows, {}, {}, o);
  EXPECT_EQ(r.rows.size(), 60u);
  EXPECT_EQ(build_report(rows, {}, {}, ShapeOptions{}).rows.size(), 50u);
}

TEST(ShapeTest, MinBytesDropsPairsBelowAndCountsThem) {
  ShapeOptions o;
  o.min_bytes = 100;
  Stats in;
  in.used = 7;
  in.below_min_bytes = 99;  // overwritten, not added to
  Report r =
      build_report({pair("10.0.0.1", "10.9.0.1", 60, 40), pair("10.0.0.2", "10.9.0.1", 60, 39),
                    pair("10.0.0.3", "10.9.0.1", 0, 0)},
                   in, {}, o);
  EXPECT_EQ(order(r), (std::vector<std::string>{"10.0.0.1>10.9.0.1"}));
  EXPECT_EQ(r.stats.below_min_bytes, 2);
  EXPECT_EQ(r.stats.used, 7);
  EXPECT_EQ(r.total_rows, 1);
}

TEST(ShapeTest, MinBytesAppliesToPairsBeforeGrouping) {
  // Two small pairs of one client sum above the minimum, but each pair is
  // below it: both are dropped (the contract filters pairs).
  ShapeOptions o;
  o.min_bytes = 50;
  o.group_by = GroupBy::kClient;
  Report r = build_report(
      {pair("10.0.0.1", "10.9.0.1", 30, 0), pair("10.0.0.1", "10.9.0.2", 30, 0)}, {}, {}, o);
  EXPECT_TRUE(r.rows.empty());
  EXPECT_EQ(r.stats.below_min_bytes, 2);
}

TEST(ShapeTest, GroupByClientSumsAndDropsServer) {
  ShapeOptions o;
  o.group_by = GroupBy::kClient;
  Report r = build_report({pair("10.0.0.1", "10.9.0.1", 10, 1, 3, 1, 500, 600),
                           pair("10.0.0.1", "10.9.0.2", 20, 2, 4, 2, 400, 550),
                           pair("10.0.0.2", "10.9.0.1", 1, 1, 1, 1, 100, 700)},
                          {}, {}, o);
  ASSERT_EQ(r.rows.size(), 2u);
  const Row& first = r.rows[0];
  EXPECT_FALSE(first.server.has_value());
  EXPECT_EQ(first.client->ips, std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(first.counters.bytes_read, 30);
  EXPECT_EQ(first.counters.bytes_written, 3);
  EXPECT_EQ(first.counters.packets, 7);
  EXPECT_EQ(first.counters.flows, 3);
  EXPECT_EQ(*first.counters.first_seen, 400);
  EXPECT_EQ(*first.counters.last_seen, 600);
  EXPECT_EQ(r.total_rows, 2);
}

// Grouping by client sums each pair's cross-AZ figures: a client with one
// same-AZ pair and one pair of unknown AZ is not "no" but "unknown".
TEST(ShapeTest, GroupByClientKeepsCrossAzBytesOfUnknownAzApart) {
  ShapeOptions o;
  o.group_by = GroupBy::kClient;
  std::vector<Row> pairs = {pair("10.0.0.1", "10.9.0.1", 10, 1),
                            pair("10.0.0.1", "10.9.0.2", 20, 2),
                            pair("10.0.0.1", "10.9.0.3", 40, 4), pair("10.0.0.2", "10.9.0.1", 5, 0),
                            pair("10.0.0.3", "10.9.0.1", 7, 0)};
  pairs[0].cross_az_bytes = 0;           // same AZ
  pairs[1].cross_az_unknown_bytes = 22;  // an AZ unknown
  pairs[2].cross_az_bytes = 44;          // crossed
  pairs[3].cross_az_bytes = 0;
  pairs[4].cross_az_unknown_bytes = 7;
  Report r = build_report(pairs, {}, {}, o);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].cross_az_bytes, 44);
  EXPECT_EQ(r.rows[0].cross_az_unknown_bytes, 22);
  EXPECT_EQ(r.rows[1].client->ips.front(), "10.0.0.3");
  EXPECT_FALSE(r.rows[1].cross_az_bytes.has_value());
  EXPECT_EQ(r.rows[1].cross_az_unknown_bytes, 7);
  EXPECT_EQ(r.rows[2].cross_az_bytes, 0);
  EXPECT_EQ(r.rows[2].cross_az_unknown_bytes, 0);
}

TEST(ShapeTest, GroupByServerSumsAndDropsClient) {
  ShapeOptions o;
  o.group_by = GroupBy::kServer;
  Report r = build_report({pair("10.0.0.1", "10.9.0.1", 10, 0), pair("10.0.0.2", "10.9.0.1", 5, 0),
                           pair("10.0.0.1", "10.9.0.2", 12, 0)},
                          {}, {}, o);
  EXPECT_EQ(order(r), (std::vector<std::string>{"*>10.9.0.1", "*>10.9.0.2"}));
  EXPECT_EQ(r.rows[0].counters.bytes_total(), 15);
}

TEST(ShapeTest, EqualPairsAreMergedNotDuplicated) {
  Report r = build_report({pair("10.0.0.1", "10.9.0.1", 10, 0), pair("10.0.0.1", "10.9.0.1", 5, 0)},
                          {}, {}, {});
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].counters.bytes_read, 15);
}

TEST(ShapeTest, RejectOnlyPairIsStillARow) {
  Row row = pair("10.0.0.1", "10.9.0.1", 0, 0);
  row.counters.rejected = 3;
  Report r = build_report({row}, {}, {}, {});
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].counters.rejected, 3);
}

TEST(ShapeTest, NamesParseAndPrint) {
  for (const char* n : {"pair", "client", "server"})
    EXPECT_EQ(group_by_name(*parse_group_by(n)), n);
  for (const char* n : {"total", "read", "written", "packets", "flows", "rejected"}) {
    EXPECT_EQ(sort_key_name(*parse_sort_key(n)), n);
  }
  EXPECT_FALSE(parse_group_by("Pair").has_value());
  EXPECT_FALSE(parse_sort_key("bytes").has_value());
}

TEST(ShapeTest, CountersMergeHandlesMissingTimes) {
  Counters a;
  Counters b;
  b.first_seen = 5;
  b.last_seen = 9;
  a.merge(b);
  EXPECT_EQ(a.first_seen, 5);
  EXPECT_EQ(a.last_seen, 9);
  a.merge(Counters{});
  EXPECT_EQ(a.first_seen, 5);
}

// --bucket: grouping merges series bucket by bucket (sums stay equal to
// the totals), totals_series covers rows --top cut, and the buckets span
// the window (its last bucket is the one holding end - 1).
TEST(ShapeTest, GroupingMergesSeriesAndTheWindowSetsTheirBuckets) {
  Row a = pair("10.0.0.1", "10.9.0.1", 3, 30);
  a.series.cells = {{600, 1, 10}, {1200, 2, 20}};
  Row b = pair("10.0.0.1", "10.9.0.2", 4, 40);
  b.series.cells = {{300, 4, 0}, {1200, 0, 40}};
  Row c = pair("10.0.0.2", "10.9.0.1", 5, 0);
  c.series.cells = {{900, 5, 0}};
  ShapeOptions options;
  options.group_by = GroupBy::kClient;
  options.bucket_s = 300;
  options.top = 1;
  Report r = build_report({a, b, c}, {}, Window{299, 1501}, options);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].series.cells,
            (std::vector<BucketCell>{{300, 4, 0}, {600, 1, 10}, {1200, 2, 60}}));
  EXPECT_EQ(r.totals_series.cells,
            (std::vector<BucketCell>{{300, 4, 0}, {600, 1, 10}, {900, 5, 0}, {1200, 2, 60}}));
  EXPECT_EQ(r.bucket_s, 300);
  EXPECT_EQ(r.series_start, 0);    // the bucket of 299
  EXPECT_EQ(r.series_buckets, 6);  // 0 .. 1500 (the bucket of 1500)
  const std::vector<BucketCell> dense = r.rows[0].series.dense(0, 300, 6);
  ASSERT_EQ(dense.size(), 6u);
  EXPECT_EQ(dense[0], (BucketCell{0, 0, 0}));
  EXPECT_EQ(dense[4], (BucketCell{1200, 2, 60}));
  EXPECT_EQ(r.rows[0].series.peak_bytes(), 62);

  // No window: from the first to the last bucket with bytes.
  Report open = build_report({a, b, c}, {}, {}, options);
  EXPECT_EQ(open.series_start, 300);
  EXPECT_EQ(open.series_buckets, 4);
  // No bucket with bytes and no window: no buckets.
  options.bucket_s = 300;
  Report none = build_report({pair("10.0.0.1", "10.9.0.1", 0, 0)}, {}, {}, options);
  EXPECT_EQ(none.series_buckets, 0);
}

// Without options.totals_series (every output but the table) the report is
// the same but for an empty totals_series: the buckets still span every
// row's cells, also those of rows --top cut.
TEST(ShapeTest, WithoutTotalsSeriesOnlyTheTotalsSeriesIsLeftOut) {
  Row a = pair("10.0.0.1", "10.9.0.1", 3, 30);
  a.series.cells = {{600, 1, 10}, {1200, 2, 20}};
  Row b = pair("10.0.0.2", "10.9.0.1", 1, 0);
  b.series.cells = {{-300, 1, 0}};  // the earliest bucket, in a row the cut drops
  Row c = pair("10.0.0.3", "10.9.0.1", 2, 0);
  c.series.cells = {{2400, 2, 0}};  // the latest, also cut
  // No window, and one inside the cells' span (the cells widen it).
  for (const Window& window : {Window{}, Window{0, 900}}) {
    ShapeOptions options;
    options.bucket_s = 300;
    options.top = 1;
    const Report with = build_report({a, b, c}, {}, window, options);
    options.totals_series = false;
    Report without = build_report({a, b, c}, {}, window, options);
    EXPECT_TRUE(without.totals_series.cells.empty());
    EXPECT_EQ(with.totals_series.cells.size(), 4u);
    EXPECT_EQ(without.series_start, -300);
    EXPECT_EQ(without.series_buckets, 10);  // -300 .. 2400
    EXPECT_EQ(without.series_start, with.series_start);
    EXPECT_EQ(without.series_buckets, with.series_buckets);
    EXPECT_EQ(without.bucket_s, with.bucket_s);
    ASSERT_EQ(without.rows.size(), 1u);
    EXPECT_EQ(without.rows[0].counters, with.rows[0].counters);
    EXPECT_EQ(without.rows[0].series, with.rows[0].series);
    EXPECT_EQ(without.total_rows, with.total_rows);
    EXPECT_EQ(without.totals, with.totals);
  }
}

// totals_series is the bucket-by-bucket sum of every row's series: dense
// rows (summed in one array), cells far apart (merged instead), and cells
// off the width's grid (merged: no two starts may share a cell).
TEST(ShapeTest, TotalsSeriesIsTheSumOfEveryRowsSeries) {
  auto check = [](const std::vector<Row>& rows, int64_t width) {
    std::map<int64_t, std::pair<int64_t, int64_t>> want;
    for (const Row& row : rows) {
      for (const BucketCell& c : row.series.cells) {
        want[c.start].first += c.bytes_read;
        want[c.start].second += c.bytes_written;
      }
    }
    ShapeOptions options;
    options.bucket_s = width;
    options.top = 2;
    const Report r = build_report(rows, {}, {}, options);
    std::map<int64_t, std::pair<int64_t, int64_t>> got;
    int64_t previous = INT64_MIN;
    for (const BucketCell& c : r.totals_series.cells) {
      EXPECT_GT(c.start, previous);
      previous = c.start;
      got[c.start] = {c.bytes_read, c.bytes_written};
    }
    EXPECT_EQ(got, want);
  };
  std::vector<Row> rows;
  for (int i = 0; i < 40; ++i) {
    Row row = pair("10.0.0." + std::to_string(i + 1), "10.9.0.1", 0, 0);
    for (int64_t k = i % 3; k < 50; k += 1 + i % 4) {
      row.series.cells.push_back({-3600 + k * 3600, k * 7 + i, (k + i) % 5});
    }
    rows.push_back(row);
  }
  check(rows, 3600);
  rows[7].series.cells.push_back({3600 * 100000, 1, 2});  // far from the others
  check(rows, 3600);
  rows[7].series.cells.back() = {3600 * 60 + 1800, 3, 4};  // off the grid
  check(rows, 3600);
}

}  // namespace
}  // namespace efstop::report
