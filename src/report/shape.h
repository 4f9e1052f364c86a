// From the engine's pair rows to the rows a report shows: --min-bytes,
// --group-by, --sort and --top exactly as contract.md says.
//
// Pure functions; thread-safe.
#ifndef EFSTOP_REPORT_SHAPE_H_
#define EFSTOP_REPORT_SHAPE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "report/model.h"

namespace efstop::report {

inline constexpr int64_t kDefaultTop = 50;

struct ShapeOptions {
  GroupBy group_by = GroupBy::kPair;
  SortKey sort_by = SortKey::kTotal;
  int64_t top = kDefaultTop;  // 0 = all rows
  int64_t min_bytes = 0;      // pairs with bytes_total < min_bytes are dropped
  int64_t bucket_s = 0;       // --bucket width in seconds, 0: none (Report::bucket_s)
  // With bucket_s: whether to sum every row's series into
  // Report::totals_series (a pass over all cells; only the table draws it).
  bool totals_series = true;
};

// Builds a report from per-pair rows (each with both ends set) in this
// order:
//   1. drop pairs whose bytes_total < min_bytes, counted in
//      stats.below_min_bytes (the incoming value is overwritten);
//   2. group: rows whose grouping end(s) are equal are summed (first_seen
//      min, last_seen max, series bucket by bucket); the end not grouped on
//      is removed;
//   3. sort by the key, descending; ties by client addresses, then server
//      addresses, ascending (IPv4 before IPv6, numerically);
//   4. keep the first `top` rows (all when top is 0); total_rows, totals
//      and totals_series (left empty without options.totals_series)
//      describe all rows before the cut; with bucket_s, the series' buckets
//      (series_start, series_buckets) are set from the window and all rows.
// Pairs are normally unique already; equal pairs are summed all the same.
// Requires top >= 0 and min_bytes >= 0 (asserted; the CLI checks them).
Report build_report(std::vector<Row> pairs, const Stats& stats, const Window& window,
                    const ShapeOptions& options);

// Names as the command line spells them: "pair", "client", "server";
// "total", "read", "written", "packets", "flows", "rejected". nullopt when
// unknown.
std::optional<GroupBy> parse_group_by(std::string_view name);
std::optional<SortKey> parse_sort_key(std::string_view name);
std::string_view group_by_name(GroupBy group_by);
std::string_view sort_key_name(SortKey sort_by);

// The value a row sorts by.
int64_t sort_value(const Counters& counters, SortKey sort_by);

}  // namespace efstop::report

#endif  // EFSTOP_REPORT_SHAPE_H_
