// Time buckets (AggregateConfig::bucket_s) against an independent
// computation: a test-local, second-by-second implementation of the rule in
// docs/flow-counting.md ("Time buckets") over generated records that cross
// midnight and span several buckets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "flowlog/aggregate.h"

namespace efstop::flowlog {
namespace {

IpAddress ip(std::string_view s) { return *IpAddress::parse(s); }

constexpr int64_t kMidnight = 1764892800;  // 2025-12-05T00:00:00Z

FlowRecord rec(std::string_view eni, std::string_view src, std::string_view dst, int sport,
               int dport, int64_t bytes, int64_t start, int64_t end) {
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

// The reference: bytes moved by second t are floor(bytes * (t - start) /
// span); each second's increment goes to the bucket holding that second.
// Span = [start, min(end, window_end)); all in start's bucket when empty.
std::map<int64_t, int64_t> reference_split(int64_t start, int64_t end, int64_t bytes,
                                           int64_t width) {
  std::map<int64_t, int64_t> out;
  auto bucket = [&](int64_t t) {
    int64_t b = t - ((t % width) + width) % width;
    return b;
  };
  if (end <= start) {
    out[bucket(start)] += bytes;
    return out;
  }
  const SplitInt span = end - start;
  int64_t before = 0;
  for (int64_t t = start; t < end; ++t) {
    const int64_t after = static_cast<int64_t>(SplitInt{bytes} * (t + 1 - start) / span);
    out[bucket(t)] += after - before;
    before = after;
  }
  return out;
}

TEST(BucketTest, FloorIsUtcAlignedAlsoBeforeTheEpoch) {
  EXPECT_EQ(bucket_floor(kMidnight + 299, 300), kMidnight);
  EXPECT_EQ(bucket_floor(kMidnight + 300, 300), kMidnight + 300);
  EXPECT_EQ(bucket_floor(kMidnight - 1, 86400), kMidnight - 86400);
  EXPECT_EQ(bucket_floor(-1, 60), -60);
  EXPECT_EQ(bucket_floor(-60, 60), -60);
}

TEST(BucketTest, SplitIsCumulativeFloor) {
  std::vector<std::pair<int64_t, int64_t>> parts;
  auto collect = [&](int64_t b, int64_t p) { parts.emplace_back(b, p); };
  // 10 bytes over 3 seconds in 1 s buckets: C = 0, 3, 6, 10.
  split_span(0, 3, 10, 1, collect);
  EXPECT_EQ(parts, (std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {1, 3}, {2, 4}}));
  // Zero-length and inverted spans: all in start's bucket.
  parts.clear();
  split_span(kMidnight + 10, kMidnight + 10, 7, 60, collect);
  split_span(kMidnight + 10, kMidnight - 100, 5, 60, collect);
  EXPECT_EQ(parts, (std::vector<std::pair<int64_t, int64_t>>{{kMidnight, 7}, {kMidnight, 5}}));
  // No overflow near the 64-bit limit; the parts still add up exactly.
  parts.clear();
  const int64_t big = INT64_MAX / 3;
  split_span(kMidnight - 7, kMidnight + 600, big, 60, collect);
  int64_t sum = 0;
  for (auto& [b, p] : parts) {
    EXPECT_GE(p, 0);
    sum += p;
  }
  EXPECT_EQ(sum, big);
  EXPECT_EQ(parts.size(), 11u);  // 23:59 .. 00:09 (the span ends at 00:10, exclusive)
}

TEST(BucketTest, SplitMatchesSecondBySecondReference) {
  std::mt19937_64 rng(14);
  for (int i = 0; i < 3000; ++i) {
    const int64_t width = std::vector<int64_t>{60, 300, 900, 3600, 86400}[rng() % 5];
    const int64_t start = kMidnight - 900 + static_cast<int64_t>(rng() % 1800);
    const int64_t end = start + static_cast<int64_t>(rng() % 1300) - 20;
    const int64_t bytes = static_cast<int64_t>(rng() % 5'000'000'000ull);
    std::map<int64_t, int64_t> got;
    split_span(start, end, bytes, width, [&](int64_t b, int64_t p) { got[b] += p; });
    std::erase_if(got, [](auto& kv) { return kv.second == 0; });
    std::map<int64_t, int64_t> want = reference_split(start, end, bytes, width);
    std::erase_if(want, [](auto& kv) { return kv.second == 0; });
    ASSERT_EQ(got, want) << "start " << start << " end " << end << " bytes " << bytes << " width "
                         << width;
  }
}

// Generated traffic around midnight: clients write to and read from two
// mount targets; every flow is logged twice (client ENI and mount-target
// ENI) for interface-id pairs, or twice with identical fields in a format
// without interface-id; records last 1 s to 10 min. The aggregator's series
// must equal the reference's per pair and bucket, and sum to the totals.
struct Generated {
  std::vector<FlowRecord> records;
  std::vector<std::string> enis;  // owns the interface ids the records view
  // (client, server) -> bucket -> (read, written), from the kept copies only.
  std::map<std::pair<std::string, std::string>, std::map<int64_t, std::pair<int64_t, int64_t>>>
      want;
};

Generated generate(int64_t width, std::optional<int64_t> window_start,
                   std::optional<int64_t> window_end, uint64_t seed) {
  Generated g;
  std::mt19937_64 rng(seed);
  const std::vector<std::string> servers = {"10.0.2.10", "10.0.2.11"};
  g.enis.reserve(64);
  for (int c = 0; c < 12; ++c) g.enis.push_back("eni-client" + std::to_string(c));
  g.enis.push_back("eni-mt0");
  g.enis.push_back("eni-mt1");
  int64_t unique = 0;
  for (int i = 0; i < 1500; ++i) {
    const int c = static_cast<int>(rng() % 12);
    const int s = static_cast<int>(rng() % 2);
    const std::string client = "10.0.1." + std::to_string(c + 1);
    const std::string& server = servers[static_cast<size_t>(s)];
    const bool v2 = c < 8;  // clients 0-7 logged with interface-id
    const bool write = rng() % 2 == 0;
    const int64_t start = kMidnight - 2 * 3600 + static_cast<int64_t>(rng() % (4 * 3600));
    const int64_t len = std::vector<int64_t>{0, 1, 59, 60, 600, 601}[rng() % 6];
    // Unique per record, so that distinct records never look alike to the
    // overlap rule.
    const int64_t bytes = static_cast<int64_t>(rng() % 100'000'000) * 10'000 + ++unique;
    const std::string src = write ? client : server;
    const std::string dst = write ? server : client;
    const int sport = write ? 40000 + c : 2049;
    const int dport = write ? 2049 : 40000 + c;
    const std::string_view client_eni = v2 ? std::string_view(g.enis[c]) : std::string_view();
    const std::string_view mt_eni = v2 ? std::string_view(g.enis[12 + s]) : std::string_view();
    g.records.push_back(rec(client_eni, src, dst, sport, dport, bytes, start, start + len));
    g.records.push_back(rec(mt_eni, src, dst, sport, dport, bytes, start, start + len));
    const bool in =
        (!window_start || start >= *window_start) && (!window_end || start < *window_end);
    if (!in) continue;
    int64_t end = start + len;
    if (window_end && end > *window_end) end = *window_end;
    for (auto& [b, p] : reference_split(start, end, bytes, width)) {
      auto& cell = g.want[{client, server}][b];
      (write ? cell.second : cell.first) += p;
    }
  }
  std::shuffle(g.records.begin(), g.records.end(), rng);
  return g;
}

// How records are spread over the aggregators that are then merged.
enum class Spread {
  // Record i to aggregator i % 3, merged into the first: every worker sees
  // the whole time range, so their series share nearly every block.
  kRoundRobin,
  // By time: the earliest third to the first aggregator, and so on, all
  // merged into a fresh one (whose series are then taken over whole), and
  // records without interface-id added for a pair that also has
  // interface-id records: the overlap rule adds them to the merged series
  // in finish(). The workers' series then share only the blocks at the
  // edges of their ranges; the others are taken over.
  kTimeChunks,
};

void check_against_reference(int64_t width, std::optional<int64_t> ws, std::optional<int64_t> we,
                             Spread spread = Spread::kRoundRobin) {
  Generated g = generate(width, ws, we, static_cast<uint64_t>(width) * 7 + (ws ? 1 : 0));
  int64_t logged_once = 0;
  if (spread == Spread::kTimeChunks) {
    // Client 10.0.1.1 (interface-id records) also in a format without
    // interface-id: each of these is logged once, so each counts.
    std::mt19937_64 rng(static_cast<uint64_t>(width));
    for (int i = 0; i < 60; ++i) {
      const int64_t start = kMidnight - 2 * 3600 + static_cast<int64_t>(rng() % (4 * 3600));
      const int64_t len = std::vector<int64_t>{0, 59, 601, 1800}[rng() % 4];
      const int64_t bytes = 1'000'000'007 + i;
      g.records.push_back(
          rec("", "10.0.1.1", "10.0.2.10", 41000 + i, 2049, bytes, start, start + len));
      if ((ws && start < *ws) || (we && start >= *we)) continue;
      ++logged_once;
      int64_t end = start + len;
      if (we && end > *we) end = *we;
      for (auto& [b, part] : reference_split(start, end, bytes, width)) {
        g.want[{"10.0.1.1", "10.0.2.10"}][b].second += part;
      }
    }
  }
  AggregateConfig cfg;
  cfg.bucket_s = width;
  cfg.window_start = ws;
  cfg.window_end = we;
  // Three aggregators merged, as the engine's workers are.
  std::vector<Aggregator> aggs;
  for (int i = 0; i < 3; ++i) aggs.emplace_back(&cfg);
  Aggregator total(&cfg);
  if (spread == Spread::kRoundRobin) {
    for (size_t i = 0; i < g.records.size(); ++i) aggs[i % 3].add(g.records[i], i);
    aggs[0].merge(std::move(aggs[1]));
    aggs[0].merge(std::move(aggs[2]));
    total = std::move(aggs[0]);
  } else {
    std::vector<size_t> by_time(g.records.size());
    for (size_t i = 0; i < by_time.size(); ++i) by_time[i] = i;
    std::stable_sort(by_time.begin(), by_time.end(),
                     [&](size_t x, size_t y) { return g.records[x].start < g.records[y].start; });
    for (size_t k = 0; k < by_time.size(); ++k) {
      aggs[k * 3 / by_time.size()].add(g.records[by_time[k]], by_time[k]);
    }
    // The latest range first: the others' blocks then come before the
    // merged ones in the directory, not only after.
    total.merge(std::move(aggs[2]));
    total.merge(std::move(aggs[0]));
    total.merge(std::move(aggs[1]));
  }
  FlowStats stats;
  std::vector<PairTotals> pairs = total.finish(&stats);
  ASSERT_TRUE(total.status().ok());

  // Same totals as without buckets.
  AggregateConfig plain = cfg;
  plain.bucket_s = 0;
  Aggregator unbucketed(&plain);
  for (size_t i = 0; i < g.records.size(); ++i) unbucketed.add(g.records[i], i);
  FlowStats plain_stats;
  std::vector<PairTotals> plain_pairs = unbucketed.finish(&plain_stats);
  EXPECT_EQ(stats, plain_stats);
  ASSERT_EQ(pairs.size(), plain_pairs.size());

  std::map<std::pair<std::string, std::string>, std::map<int64_t, std::pair<int64_t, int64_t>>> got;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const PairTotals& p = pairs[i];
    PairTotals without = p;
    without.series.clear();
    EXPECT_EQ(without, plain_pairs[i]);
    int64_t read = 0;
    int64_t written = 0;
    int64_t prev = INT64_MIN;
    for (const BucketBytes& b : p.series) {
      EXPECT_GT(b.start, prev) << "sorted, one cell per bucket";
      prev = b.start;
      EXPECT_EQ(b.start % width, 0);
      EXPECT_TRUE(b.bytes_read != 0 || b.bytes_written != 0);
      if (ws) {
        EXPECT_GE(b.start, bucket_floor(*ws, width));
      }
      if (we) {
        EXPECT_LT(b.start, *we);
      }
      read += b.bytes_read;
      written += b.bytes_written;
      got[{p.client.to_string(), p.server.to_string()}][b.start] = {b.bytes_read, b.bytes_written};
    }
    EXPECT_EQ(read, p.bytes_read);
    EXPECT_EQ(written, p.bytes_written);
  }
  for (auto& [pair, cells] : g.want) {
    std::erase_if(cells, [](auto& kv) { return kv.second.first == 0 && kv.second.second == 0; });
  }
  std::erase_if(g.want, [](auto& kv) { return kv.second.empty(); });
  EXPECT_EQ(got, g.want);
  // Every flow logged twice, one copy kept (but those logged once).
  EXPECT_EQ(stats.duplicates, stats.used - logged_once);
  EXPECT_GT(stats.used, 400);
}

TEST(BucketTest, AggregatorMatchesReferenceAcrossMidnight) {
  for (int64_t width : {60, 300, 900, 3600, 86400}) {
    SCOPED_TRACE(width);
    check_against_reference(width, std::nullopt, std::nullopt);
  }
}

TEST(BucketTest, AggregatorMatchesReferenceWithAWindowNotOnABucketBoundary) {
  for (int64_t width : {60, 300, 3600}) {
    SCOPED_TRACE(width);
    check_against_reference(width, kMidnight - 3600 + 17, kMidnight + 1800 - 31);
  }
}

// Workers whose time ranges hardly overlap (a file read in chunks): their
// series are merged mostly by taking blocks over, not by adding them.
TEST(BucketTest, AggregatorMatchesReferenceWithWorkersOfDisjointTimeRanges) {
  for (int64_t width : {60, 300, 3600}) {
    SCOPED_TRACE(width);
    check_against_reference(width, std::nullopt, std::nullopt, Spread::kTimeChunks);
    check_against_reference(width, kMidnight - 3600 + 17, kMidnight + 1800 - 31,
                            Spread::kTimeChunks);
  }
}

TEST(BucketTest, UnknownStartIsOutsideUnknownEndIsStartsBucket) {
  AggregateConfig cfg;
  cfg.bucket_s = 60;
  Aggregator agg(&cfg);
  FlowRecord a = rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 100, kMidnight + 30, 0);
  a.present &= ~kHasEnd;
  FlowRecord b = rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 1000, 0, kMidnight + 30);
  b.present &= ~kHasStart;
  agg.add(a, 0);
  agg.add(b, 1);
  FlowStats s;
  std::vector<PairTotals> p = agg.finish(&s);
  EXPECT_EQ(s.outside_window, 1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].series, (std::vector<BucketBytes>{{kMidnight, 0, 100}}));
}

// Consecutive records of one key whose parts do not fit the pipeline's
// inline room (a 20-minute record in 1-minute buckets; several records
// moving through time) still land exactly.
TEST(BucketTest, ManyBucketsPerRecordAndPerKey) {
  AggregateConfig cfg;
  cfg.bucket_s = 60;
  Aggregator agg(&cfg);
  std::map<int64_t, int64_t> want;
  int64_t order = 0;
  for (int i = 0; i < 30; ++i) {
    const int64_t start = kMidnight - 600 + i * 37;
    const int64_t len = i % 3 == 0 ? 1200 : 70;
    const int64_t bytes = 1'000'003 + i;
    agg.add(rec("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, bytes, start, start + len), order++);
    for (auto& [b, p] : reference_split(start, start + len, bytes, 60)) want[b] += p;
  }
  FlowStats s;
  std::vector<PairTotals> p = agg.finish(&s);
  ASSERT_EQ(p.size(), 1u);
  std::map<int64_t, int64_t> got;
  for (const BucketBytes& b : p[0].series) got[b.start] = b.bytes_written;
  EXPECT_EQ(got, want);
}

// The aggregator keeps the last few buckets of every (client, server, ENI)
// as rows and gives a row back when time moves past it (SeriesTable in
// aggregate.cc). More entries than a row first holds (rows grow while they
// have bytes), records older than the rows (stragglers by hours), jumps far
// ahead, a merge in the middle (which gives every row back) and records
// after it for buckets already given back: every pair's series must still
// equal the reference, in time order and shuffled.
TEST(BucketTest, RecentBucketsAsRowsMatchTheReferenceInAnyOrder) {
  constexpr int kClients = 2500;
  constexpr int64_t kWidth = 60;
  std::mt19937_64 rng(2026);
  std::vector<std::string> enis;
  std::vector<std::string> clients;
  enis.reserve(kClients);
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    enis.push_back("eni-c" + std::to_string(c));
    clients.push_back("10." + std::to_string(1 + c / 250) + "." + std::to_string(c % 250) + ".7");
  }
  std::vector<FlowRecord> records;
  std::map<std::string, std::map<int64_t, int64_t>> want;  // client -> bucket -> written
  int64_t now = kMidnight - 3600;
  for (int i = 0; i < 40000; ++i) {
    // Time moves forward by a few seconds a record, some records lag by up
    // to three hours, and now and then time jumps a day ahead.
    now += static_cast<int64_t>(rng() % 4);
    if (rng() % 5000 == 0) now += 86400;
    int64_t start = now - static_cast<int64_t>(rng() % 90);
    if (rng() % 10 == 0) start -= static_cast<int64_t>(rng() % (3 * 3600));
    const int64_t len = std::vector<int64_t>{0, 30, 59, 61, 600}[rng() % 5];
    // Clients come in bursts (the first ones early), so entries are added
    // while the rows already hold bytes.
    const int c = static_cast<int>(rng() % std::min<uint64_t>(kClients, 50 + i / 10));
    const int64_t bytes = 1 + static_cast<int64_t>(rng() % 10'000'000);
    records.push_back(rec(enis[static_cast<size_t>(c)], clients[static_cast<size_t>(c)],
                          "10.9.0.10", 40000, 2049, bytes, start, start + len));
    for (auto& [b, part] : reference_split(start, start + len, bytes, kWidth)) {
      want[clients[static_cast<size_t>(c)]][b] += part;
    }
  }
  for (auto& [client, cells] : want) std::erase_if(cells, [](auto& kv) { return kv.second == 0; });

  auto series_of = [&](Aggregator& agg) {
    FlowStats stats;
    std::vector<PairTotals> pairs = agg.finish(&stats);
    EXPECT_EQ(stats.used, static_cast<int64_t>(records.size()));
    std::map<std::string, std::map<int64_t, int64_t>> got;
    for (const PairTotals& p : pairs) {
      int64_t sum = 0;
      for (const BucketBytes& b : p.series) {
        got[p.client.to_string()][b.start] = b.bytes_written;
        sum += b.bytes_written;
        EXPECT_EQ(b.bytes_read, 0);
      }
      EXPECT_EQ(sum, p.bytes_written);
    }
    return got;
  };
  AggregateConfig cfg;
  cfg.bucket_s = kWidth;
  {
    SCOPED_TRACE("in time order, merged in the middle, then more records");
    Aggregator first(&cfg);
    Aggregator second(&cfg);
    const size_t third = records.size() / 3;
    for (size_t i = 0; i < third; ++i) first.add(records[i], i);
    for (size_t i = third; i < 2 * third; ++i) second.add(records[i], i);
    first.merge(std::move(second));
    // After the merge: buckets the merge gave back come again.
    for (size_t i = 2 * third; i < records.size(); ++i) first.add(records[i], i);
    EXPECT_EQ(series_of(first), want);
  }
  {
    SCOPED_TRACE("shuffled");
    std::vector<size_t> order(records.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    Aggregator agg(&cfg);
    for (size_t i : order) agg.add(records[i], i);
    EXPECT_EQ(series_of(agg), want);
  }
}

TEST(BucketTest, FoldSeriesSumsIntoCoarserBuckets) {
  std::vector<BucketBytes> fine = {
      {kMidnight - 120, 1, 2}, {kMidnight - 60, 3, 4}, {kMidnight, 5, 6}, {kMidnight + 300, 7, 8}};
  EXPECT_EQ(fold_series(fine, 300),
            (std::vector<BucketBytes>{
                {kMidnight - 300, 4, 6}, {kMidnight, 5, 6}, {kMidnight + 300, 7, 8}}));
  EXPECT_EQ(fold_series(fine, 86400),
            (std::vector<BucketBytes>{{kMidnight - 86400, 4, 6}, {kMidnight, 12, 14}}));
}

TEST(BucketTest, MergeSeriesSumsBucketByBucket) {
  EXPECT_EQ(merge_series({{0, 1, 2}, {120, 3, 4}}, {{60, 5, 6}, {120, 7, 8}, {180, 9, 10}}),
            (std::vector<BucketBytes>{{0, 1, 2}, {60, 5, 6}, {120, 10, 12}, {180, 9, 10}}));
  EXPECT_EQ(merge_series({}, {{60, 5, 6}}), (std::vector<BucketBytes>{{60, 5, 6}}));
}

}  // namespace
}  // namespace efstop::flowlog
