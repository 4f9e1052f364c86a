// read_store_pairs' series (`top --from-store --bucket`, docs/history.md):
// each pair's bytes per series bucket, against sums computed here from the
// rows that were stored, whatever memory the dense slots may take (rows in
// the window's first stored bucket get a slot while the budget lasts; the
// others, and rows that first come later, keep a vector).
#include "cli/history_report.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace efstop::cli {
namespace {

constexpr int64_t kHour = 3600;

struct Want {
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t packets = 0;
  int64_t flows = 0;
  int64_t rejected = 0;
  int64_t first_seen = INT64_MAX;
  int64_t last_seen = INT64_MIN;
  std::map<int64_t, std::pair<int64_t, int64_t>> cells;  // series bucket -> (read, written)
};

int64_t floor_to(int64_t t, int64_t w) { return (t / w - (t % w < 0 ? 1 : 0)) * w; }

class StoreSeriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions o;
    o.path = ":memory:";
    auto opened = store::HistoryStore::open(o);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    history_ = std::move(opened).value();
    // 30 pairs over 40 hours from an odd hour (so 2 h series buckets start
    // before the first stored bucket). Pairs 0-19 are in the first hour;
    // 20-29 first come later. Some hours miss some pairs, and some stored
    // buckets have no bytes (only rejected records): they make no cell.
    std::mt19937_64 rng(14);
    for (int64_t h = 0; h < 40; ++h) {
      const int64_t start = kT0 + h * kHour;
      std::vector<store::BucketTotals> rows;
      for (int p = 0; p < 30; ++p) {
        if (p >= 20 && h < 3 + (p - 20)) continue;  // comes later
        if (h > 0 && (h + p) % 7 == 0) continue;    // a gap
        store::BucketTotals r;
        r.bucket_start = start;
        r.client = "10.0." + std::to_string(p / 8) + "." + std::to_string(p % 8 + 1);
        r.server = p % 3 == 0 ? "10.1.0.5" : "10.1.0.6";
        const bool empty = (h * 31 + p) % 11 == 0;
        r.bytes_read = empty ? 0 : static_cast<int64_t>(rng() % 5'000'000'000);
        r.bytes_written = empty ? 0 : static_cast<int64_t>(rng() % 1'000'000);
        r.packets = static_cast<int64_t>(rng() % 1000);
        r.flows = 1 + static_cast<int64_t>(rng() % 9);
        r.rejected = empty ? 2 : 0;
        rows.push_back(r);
        stored_.push_back(r);
      }
      store::Collection c{0, start, start + kHour, kHour, start + kHour, "test", "ok", ""};
      auto id = history_->store_collection(c, rows);
      ASSERT_TRUE(id.ok()) << id.status().to_string();
    }
  }

  // The independent sums of the rows stored with bucket_start in [from, to).
  std::map<std::pair<std::string, std::string>, Want> want(int64_t from, int64_t to,
                                                           int64_t series_s) const {
    std::map<std::pair<std::string, std::string>, Want> out;
    for (const store::BucketTotals& r : stored_) {
      if (r.bucket_start < from || r.bucket_start >= to) continue;
      Want& w = out[{r.client, r.server}];
      w.bytes_read += r.bytes_read;
      w.bytes_written += r.bytes_written;
      w.packets += r.packets;
      w.flows += r.flows;
      w.rejected += r.rejected;
      w.first_seen = std::min(w.first_seen, r.bucket_start);
      w.last_seen = std::max(w.last_seen, r.bucket_start + kHour);
      if (r.bytes_read + r.bytes_written == 0) continue;  // a series has buckets with bytes
      auto& cell = w.cells[floor_to(r.bucket_start, series_s)];
      cell.first += r.bytes_read;
      cell.second += r.bytes_written;
    }
    return out;
  }

  void check(int64_t from, int64_t to, int64_t series_s, size_t budget) {
    SCOPED_TRACE("from " + std::to_string(from - kT0) + " to " + std::to_string(to - kT0) +
                 " series " + std::to_string(series_s) + " budget " + std::to_string(budget));
    Result<StorePairs> got =
        read_store_pairs(*history_, from, to, kHour, std::nullopt, series_s, budget);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    const auto expected = want(from, to, series_s);
    ASSERT_EQ(got->rows.size(), expected.size());
    for (const report::Row& row : got->rows) {
      const auto it = expected.find({row.client->ips.front(), row.server->ips.front()});
      ASSERT_NE(it, expected.end()) << row.client->ips.front();
      const Want& w = it->second;
      EXPECT_EQ(row.counters.bytes_read, w.bytes_read);
      EXPECT_EQ(row.counters.bytes_written, w.bytes_written);
      EXPECT_EQ(row.counters.packets, w.packets);
      EXPECT_EQ(row.counters.flows, w.flows);
      EXPECT_EQ(row.counters.rejected, w.rejected);
      EXPECT_EQ(row.counters.first_seen, w.first_seen);
      EXPECT_EQ(row.counters.last_seen, w.last_seen);
      std::map<int64_t, std::pair<int64_t, int64_t>> cells;
      int64_t previous = INT64_MIN;
      for (const report::BucketCell& c : row.series.cells) {
        EXPECT_GT(c.start, previous) << "sorted, one cell a bucket";
        previous = c.start;
        cells[c.start] = {c.bytes_read, c.bytes_written};
      }
      EXPECT_EQ(cells, w.cells) << row.client->ips.front() << " -> " << row.server->ips.front();
    }
  }

  static constexpr int64_t kT0 = 1'796'000'000 / kHour * kHour + kHour;  // an odd hour
  std::unique_ptr<store::HistoryStore> history_;
  std::vector<store::BucketTotals> stored_;
};

TEST_F(StoreSeriesTest, SeriesEqualTheStoredSumsWhateverTheSlotBudget) {
  ASSERT_EQ(kT0 % (2 * kHour), kHour);
  // 40 hourly cells (16 bytes each) a slot: no slot, 5 slots, 19, every row.
  for (const size_t budget :
       {size_t{0}, size_t{5 * 40 * 16}, size_t{19 * 41 * 16}, kDenseSeriesBudget}) {
    check(kT0, kT0 + 40 * kHour, kHour, budget);
    check(kT0 - 5 * kHour, kT0 + 50 * kHour, 2 * kHour, budget);  // wider than the store
    check(kT0 + 7 * kHour, kT0 + 30 * kHour, kHour, budget);      // a window inside it
    check(kT0 + 7 * kHour, kT0 + 30 * kHour, 24 * kHour, budget);
  }
}

TEST_F(StoreSeriesTest, NoSeriesWithoutAWidth) {
  Result<StorePairs> got =
      read_store_pairs(*history_, kT0, kT0 + 40 * kHour, kHour, std::nullopt, 0);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->rows.size(), 30u);
  for (const report::Row& row : got->rows) EXPECT_TRUE(row.series.cells.empty());
}

}  // namespace
}  // namespace efstop::cli
