#include "report/shape.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "report/address_order.h"

namespace efstop::report {

void Counters::merge(const Counters& other) {
  bytes_read += other.bytes_read;
  bytes_written += other.bytes_written;
  packets += other.packets;
  flows += other.flows;
  rejected += other.rejected;
  packets_unknown += other.packets_unknown;
  bytes_unknown += other.bytes_unknown;
  if (other.first_seen && (!first_seen || *other.first_seen < *first_seen)) {
    first_seen = other.first_seen;
  }
  if (other.last_seen && (!last_seen || *other.last_seen > *last_seen)) {
    last_seen = other.last_seen;
  }
}

namespace {

// The identity of a row after grouping and its tie-break order at once:
// client addresses, then server addresses. An absent end has an empty key,
// so it never separates rows.
struct GroupKey {
  std::string account;  // scope first: rows of two accounts/regions never merge
  std::string region;
  std::vector<AddressKey> client;
  std::vector<AddressKey> server;

  friend auto operator<=>(const GroupKey&, const GroupKey&) = default;
  friend bool operator==(const GroupKey&, const GroupKey&) = default;
};

GroupKey make_group_key(const Row& row) {
  GroupKey key;
  key.account = row.account;
  key.region = row.region;
  if (row.client) key.client = make_address_keys(row.client->ips);
  if (row.server) key.server = make_address_keys(row.server->ips);
  return key;
}

}  // namespace

int64_t sort_value(const Counters& counters, SortKey sort_by) {
  switch (sort_by) {
    case SortKey::kTotal:
      return counters.bytes_total();
    case SortKey::kRead:
      return counters.bytes_read;
    case SortKey::kWritten:
      return counters.bytes_written;
    case SortKey::kPackets:
      return counters.packets;
    case SortKey::kFlows:
      return counters.flows;
    case SortKey::kRejected:
      return counters.rejected;
  }
  return 0;
}

namespace {

int64_t floor_to(int64_t t, int64_t width) {
  const int64_t q = t / width;
  return (q * width > t ? q - 1 : q) * width;
}

// The bucket-by-bucket sum of the rows' series (as merging them one by one,
// which copied the growing sum for every row: 5,000 rows of 720 buckets
// each from the store were 3.6 M cell copies and 5,000 allocations). Into
// one dense array over the buckets between the earliest and the latest
// cell when that is not much larger than the cells; merged otherwise.
Series sum_series(const std::vector<Row>& rows, int64_t width) {
  int64_t first = INT64_MAX;
  int64_t last = INT64_MIN;
  size_t cells = 0;
  for (const Row& row : rows) {
    if (row.series.cells.empty()) continue;
    first = std::min(first, row.series.cells.front().start);
    last = std::max(last, row.series.cells.back().start);
    cells += row.series.cells.size();
  }
  Series sum;
  if (cells == 0) return sum;
  const uint64_t span =
      (static_cast<uint64_t>(last) - static_cast<uint64_t>(first)) / static_cast<uint64_t>(width);
  if (span >= 4 * cells + 1024) {
    for (const Row& row : rows) sum.merge(row.series);
    return sum;
  }
  std::vector<BucketCell> dense(span + 1);
  std::vector<bool> used(span + 1);
  for (const Row& row : rows) {
    for (const BucketCell& c : row.series.cells) {
      const uint64_t offset = static_cast<uint64_t>(c.start) - static_cast<uint64_t>(first);
      const auto k = static_cast<size_t>(offset / static_cast<uint64_t>(width));
      if (offset % static_cast<uint64_t>(width) != 0) {
        // Not on the width's grid (model.h says every start is): merged,
        // so no two starts share a cell.
        sum.cells.clear();
        for (const Row& r : rows) sum.merge(r.series);
        return sum;
      }
      dense[k].bytes_read += c.bytes_read;
      dense[k].bytes_written += c.bytes_written;
      used[k] = true;
    }
  }
  for (size_t k = 0; k < dense.size(); ++k) {
    if (!used[k]) continue;
    dense[k].start = first + static_cast<int64_t>(k) * width;
    sum.cells.push_back(dense[k]);
  }
  return sum;
}

// Report::series_start / series_buckets, and totals_series when `totals`
// (see model.h).
void set_series_range(const std::vector<Row>& rows, const Window& window, int64_t width,
                      bool totals, Report* report) {
  report->bucket_s = width;
  if (totals) report->totals_series = sum_series(rows, width);
  // From the window's bounds, widened to any bucket a row has bytes in (the
  // counting keeps bytes inside the window, but a series from elsewhere
  // must not lose any).
  std::optional<int64_t> first;
  std::optional<int64_t> last;
  if (window.start) first = floor_to(*window.start, width);
  if (window.end) last = floor_to(*window.end - 1, width);
  for (const Row& row : rows) {
    const std::vector<BucketCell>& cells = row.series.cells;  // sorted by start
    if (cells.empty()) continue;
    first = std::min(first.value_or(INT64_MAX), cells.front().start);
    last = std::max(last.value_or(INT64_MIN), cells.back().start);
  }
  if (!first || !last || *last < *first) return;
  report->series_start = *first;
  report->series_buckets = (*last - *first) / width + 1;
}

}  // namespace

void Series::merge(const Series& other) {
  if (other.cells.empty()) return;
  if (cells.empty()) {
    cells = other.cells;
    return;
  }
  std::vector<BucketCell> out;
  out.reserve(cells.size() + other.cells.size());
  size_t i = 0;
  size_t j = 0;
  while (i < cells.size() || j < other.cells.size()) {
    if (j == other.cells.size() || (i < cells.size() && cells[i].start < other.cells[j].start)) {
      out.push_back(cells[i++]);
    } else if (i == cells.size() || other.cells[j].start < cells[i].start) {
      out.push_back(other.cells[j++]);
    } else {
      BucketCell c = cells[i++];
      c.bytes_read += other.cells[j].bytes_read;
      c.bytes_written += other.cells[j++].bytes_written;
      out.push_back(c);
    }
  }
  cells = std::move(out);
}

std::vector<BucketCell> Series::dense(int64_t start, int64_t width, int64_t count) const {
  std::vector<BucketCell> out(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) out[static_cast<size_t>(k)].start = start + k * width;
  for (const BucketCell& c : cells) {
    if (c.start < start || (c.start - start) / width >= count) continue;
    BucketCell& d = out[static_cast<size_t>((c.start - start) / width)];
    d.bytes_read += c.bytes_read;
    d.bytes_written += c.bytes_written;
  }
  return out;
}

int64_t Series::peak_bytes() const {
  int64_t peak = 0;
  for (const BucketCell& c : cells) peak = std::max(peak, c.bytes_total());
  return peak;
}

Report build_report(std::vector<Row> pairs, const Stats& stats, const Window& window,
                    const ShapeOptions& options) {
  assert(options.top >= 0 && options.min_bytes >= 0);
  Report report;
  report.window = window;
  report.group_by = options.group_by;
  report.sort_by = options.sort_by;
  report.stats = stats;
  report.stats.below_min_bytes = 0;

  // 1 and 2: filter pairs, then group them in an ordered map so equal
  // groups meet whatever order the engine produced them in.
  std::map<GroupKey, Row> groups;
  for (Row& pair : pairs) {
    if (pair.counters.bytes_total() < options.min_bytes) {
      ++report.stats.below_min_bytes;
      continue;
    }
    if (options.group_by == GroupBy::kClient) pair.server.reset();
    if (options.group_by == GroupBy::kServer) pair.client.reset();
    GroupKey key = make_group_key(pair);
    auto it = groups.find(key);
    if (it == groups.end()) {
      groups.emplace(std::move(key), std::move(pair));
    } else {
      it->second.counters.merge(pair.counters);
      it->second.series.merge(pair.series);
      it->second.merge_cross_az(pair);
    }
  }

  // Memory: a row with names is a few hundred bytes and a run can have
  // tens of thousands, so each stage gives its storage back before the next
  // takes it (the moved-from input rows, then the map node by node), and the
  // sort moves indices, not rows.
  std::vector<Row>().swap(pairs);
  std::vector<Row> rows;
  rows.reserve(groups.size());
  for (auto it = groups.begin(); it != groups.end(); it = groups.erase(it)) {
    rows.push_back(std::move(it->second));
  }

  // 3: the map was in tie-break order, so sorting on (value descending,
  // position ascending) gives "value descending, then addresses ascending".
  std::vector<uint32_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const int64_t va = sort_value(rows[a].counters, options.sort_by);
    const int64_t vb = sort_value(rows[b].counters, options.sort_by);
    return va != vb ? va > vb : a < b;
  });
  // Apply the permutation in place, cycle by cycle: rows[i] takes the row
  // that was at order[i].
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    Row held = std::move(rows[i]);
    size_t at = i;
    while (order[at] != i) {
      const size_t from = order[at];
      rows[at] = std::move(rows[from]);
      order[at] = static_cast<uint32_t>(at);
      at = from;
    }
    rows[at] = std::move(held);
    order[at] = static_cast<uint32_t>(at);
  }

  // 4: totals over everything, then the cut.
  report.total_rows = static_cast<int64_t>(rows.size());
  for (const Row& row : rows) report.totals.merge(row.counters);
  if (options.bucket_s > 0) {
    set_series_range(rows, window, options.bucket_s, options.totals_series, &report);
  }
  if (options.top > 0 && static_cast<int64_t>(rows.size()) > options.top) {
    rows.resize(static_cast<size_t>(options.top));
  }
  report.rows = std::move(rows);
  return report;
}

std::optional<GroupBy> parse_group_by(std::string_view name) {
  if (name == "pair") return GroupBy::kPair;
  if (name == "client") return GroupBy::kClient;
  if (name == "server") return GroupBy::kServer;
  return std::nullopt;
}

std::optional<SortKey> parse_sort_key(std::string_view name) {
  if (name == "total") return SortKey::kTotal;
  if (name == "read") return SortKey::kRead;
  if (name == "written") return SortKey::kWritten;
  if (name == "packets") return SortKey::kPackets;
  if (name == "flows") return SortKey::kFlows;
  if (name == "rejected") return SortKey::kRejected;
  return std::nullopt;
}

std::string_view group_by_name(GroupBy group_by) {
  switch (group_by) {
    case GroupBy::kPair:
      return "pair";
    case GroupBy::kClient:
      return "client";
    case GroupBy::kServer:
      return "server";
  }
  return "pair";
}

std::string_view sort_key_name(SortKey sort_by) {
  switch (sort_by) {
    case SortKey::kTotal:
      return "total";
    case SortKey::kRead:
      return "read";
    case SortKey::kWritten:
      return "written";
    case SortKey::kPackets:
      return "packets";
    case SortKey::kFlows:
      return "flows";
    case SortKey::kRejected:
      return "rejected";
  }
  return "total";
}

}  // namespace efstop::report
