// Logs Insights pushdown: the query efstop sends, and the decoding of its
// result rows into weighted FlowRecords for the engine's aggregator.
//
// The query aggregates server-side but keeps every distinction the counting
// contract (docs/flow-counting.md) needs, so the
// rows give the same report as the raw records would:
//
//   parse @message /^\s*(?<f_version>\S+)\s+.../     one group per LogFormat column
//   | filter <NODATA/SKIPDATA> or (<EFS filter> and f_start >= 0)
//   | fields least(abs(f_srcport - 2049), 1) as src_not_nfs,   (0: port 2049, 1: any other)
//            least(abs(f_dstport - 2049), 1) as dst_not_nfs,
//            least(greatest(f_start - (S - 1), 0), 1) * least(greatest(E - f_start, 0), 1)
//              as in_window                                     (1: S <= start < E)
//   | stats sum(f_bytes), sum(f_packets), count(*), min(f_start), max(f_end)
//       by f_interface_id, f_srcaddr, f_dstaddr, f_action, f_log_status, src_not_nfs,
//          dst_not_nfs, in_window
//   | limit 10000
//
// Why this grouping is enough:
// - Step 4 (EFS filter) needs the addresses, and of the ports only "is it
//   2049" (which end is the server); the exact ephemeral port would make one
//   row per connection. The two 0/1 flags carry exactly that.
// - Step 5 learns own(e) = the addresses present in EVERY record of ENI e.
//   All records of one row share (interface, srcaddr, dstaddr), so the
//   intersection over rows equals the intersection over records; the ENI
//   choice per pair, and so `duplicates`, come out the same.
// - Sums, counts, min(start) and max(end) merge exactly; ACCEPT and REJECT
//   stay apart (REJECT adds no bytes); `count(*)` becomes FlowRecord::flows.
// - The window is a 0/1 group key on the record's start field: rows are
//   wholly inside or wholly outside it, and an outside row's min(start) is
//   outside too, so the engine counts its records as outside_window, as it
//   would the records themselves. The query's time range (@timestamp) only
//   prunes what Insights scans.
// - With time buckets (bucket_s), each record's bytes are split server-side,
//   per record, by the rule of docs/flow-counting.md ("Time buckets"): a
//   first `fields` computes the record's first bucket (floor(start / w) * w,
//   the UTC alignment bin() gives @timestamp, applied to the record's own
//   start) and its span (end cut at the window's end, at least 1 s), a
//   second the cumulative floor C at each of the next K bucket boundaries,
//   and stats sums them by the first bucket too. A row's parts are then
//   C1, C2 - C1, ..., bytes - CK: sums of the records' own parts, so exact
//   (Insights computes in doubles: exact while bytes * span < 2^53, that is
//   for records under about 2^43 bytes). K covers kInsightsMaxSpanS; a
//   record reaching past it is flagged (`beyond`) so the caller can say its
//   split is approximate; a record whose end is unknown (`end_known` null)
//   puts everything in its first bucket, as the local path does.
// - With --sample (SPAN S, PERIOD P), a 0/1 group key `in_sample` says
//   whether the record's span (as above: end cut at the window's end, at
//   least 1 s) meets a slice: its first bucket lies in one (bucket0 mod P
//   < S), or it reaches past the start of the next (start + span >
//   floor(bucket0 / P) * P + P). All records of a row share bucket0, so a
//   row's min(start)..max(end) meets a slice exactly when each of its
//   records does, and the engine's sample step (flowlog/sample.h) counts
//   the same records as it would one by one: packets and flows of the
//   records that touched a slice, outside_window for the others. The
//   bytes need no key: the parts per bucket are exact, and the buckets
//   outside the slices are dropped afterwards (apply_sample).
// Formats without interface-id cannot be grouped (the 5-tuple overlap rule
// needs every record): build_insights_query refuses them and the caller
// reads raw events instead. Without packets or end the query leaves out
// sum(packets) / max(end) (unknown, as in a local file); without start no
// window can be applied, which is refused as for files.
//
// All functions are pure and thread-safe.
#ifndef EFSTOP_CLOUD_INSIGHTS_QUERY_H_
#define EFSTOP_CLOUD_INSIGHTS_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/logs_api.h"
#include "core/result.h"
#include "flowlog/aggregate.h"
#include "flowlog/format.h"
#include "flowlog/ip_address.h"
#include "flowlog/record.h"
#include "flowlog/sample.h"

namespace efstop::cloud {

// Insights refuses longer query strings (StartQuery queryString <= 10000).
inline constexpr size_t kInsightsMaxQueryChars = 10000;

struct InsightsQueryOptions {
  flowlog::LogFormat format = flowlog::LogFormat::default_v2();
  // Mount-target addresses; empty: the port-2049 rule (protocol 6).
  std::vector<flowlog::IpAddress> server_ips;
  // Window on each record's start: window_start <= start < window_end.
  std::optional<int64_t> window_start;
  std::optional<int64_t> window_end;
  int limit = aws::kInsightsMaxRows;
  // Time buckets in seconds (AggregateConfig::bucket_s); 0: none.
  int64_t bucket_s = 0;
  // --sample (needs bucket_s from flowlog::sample_bucket_width, so each
  // bucket is wholly inside or outside a slice): groups by `in_sample`
  // too, see below.
  std::optional<flowlog::SampleSpec> sample;
};

// The longest record span the bucket pushdown splits exactly: 10 minutes
// (the longest flow-log aggregation interval) and one of slack.
inline constexpr int64_t kInsightsMaxSpanS = 660;

// The query text. Errors (kInvalidArgument): a format without interface-id
// (message says to use --method raw), a format lacking a field the counting
// rule needs, or a query longer than Insights accepts (too many server IPs).
Result<std::string> build_insights_query(const InsightsQueryOptions& options);

// Insights field name for a flow-log field: "f_" + name with '-' -> '_'.
std::string insights_field_name(std::string_view flow_log_field);

// One decoded row: a FlowRecord standing for `record.flows` records.
struct InsightsRecord {
  flowlog::FlowRecord record;  // interface_id left empty (see as_record)
  std::string interface_id;
  // With buckets: the row's bytes per bucket from record.first_bucket (see
  // the query), and whether some record reached past what the query splits.
  std::vector<int64_t> bucket_parts;
  bool beyond_split = false;

  // The record with interface_id viewing this->interface_id: valid while
  // this struct is alive and unmoved.
  flowlog::FlowRecord as_record() const {
    flowlog::FlowRecord r = record;
    r.interface_id = interface_id;
    if (!bucket_parts.empty()) {
      r.bucket_parts = bucket_parts.data();
      r.bucket_part_count = static_cast<uint32_t>(bucket_parts.size());
    }
    return r;
  }
};

// Decodes a row of the query above. kParse names the bad field and value.
Result<InsightsRecord> parse_insights_row(const aws::QueryRow& row);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_INSIGHTS_QUERY_H_
