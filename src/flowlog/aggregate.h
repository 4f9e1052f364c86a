// Aggregation: the counting contract (docs/flow-counting.md), steps 2-5,
// applied to parsed records.
//
//   nodata/skipdata -> window -> EFS filter (server IPs or port 2049)
//   -> once per flow (interface-id vantage point, or the 5-tuple overlap
//   rule when the format has no interface-id) -> per-(client, server) sums,
//   and with a bucket width, per-(client, server) bytes per time bucket.
//
// An Aggregator is owned by one thread (not thread-safe). Run one per
// worker, merge() them at the end, then finish() once. The result does not
// depend on how records were spread over aggregators or on merge order.
#ifndef EFSTOP_FLOWLOG_AGGREGATE_H_
#define EFSTOP_FLOWLOG_AGGREGATE_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bucket_bytes.h"
#include "core/status.h"
#include "flowlog/ip_address.h"
#include "flowlog/record.h"
#include "flowlog/sample.h"

namespace efstop::flowlog {

inline constexpr uint16_t kNfsPort = 2049;

// The counting rule's knobs (immutable while aggregators use it).
struct AggregateConfig {
  // Known EFS server addresses (mount-target IPs). Empty: the port-2049 rule.
  std::vector<IpAddress> server_ips;
  // Known server-side ENI ids (mount-target ENIs from the AWS inventory).
  // A pair logged on one of these uses it, whatever was learned.
  std::vector<std::string> server_enis;
  // Window on the record's start: window_start <= start < window_end.
  std::optional<int64_t> window_start;
  std::optional<int64_t> window_end;
  // Time buckets (seconds, > 0): each pair also gets its bytes per
  // UTC-aligned bucket [k * bucket_s, (k + 1) * bucket_s), each record's
  // bytes split over its time span by split_span(). 0: no buckets. Any
  // width is accepted (the CLI offers 1m..1d; other callers, e.g. the file
  // systems' metric period, may bucket without the user asking). With a
  // width, a record whose start is unknown counts as outside_window (it
  // cannot be placed in time), as with a window.
  int64_t bucket_s = 0;
  // --sample (flowlog/sample.h): a record whose span (cut at window_end, as
  // for buckets) touches no slice counts as outside_window. Needs bucket_s
  // from sample_bucket_width(), and apply_sample() on the result.
  std::optional<SampleSpec> sample;
};

// The bytes of one pair in one bucket [start, start + width) (the type a
// report row keeps, report::BucketCell).
using BucketBytes = efstop::BucketBytes;

// The number of the bucket of width `width` (> 0) that holds `t`: floor(t /
// width), also for t < 0. The bucket is [index * width, (index + 1) * width).
inline int64_t bucket_index(int64_t t, int64_t width) {
  const int64_t q = t / width;
  return q * width > t ? q - 1 : q;
}

// The start of the bucket of width `width` (> 0) that holds `t`: floor, also
// for t < 0.
inline int64_t bucket_floor(int64_t t, int64_t width) { return bucket_index(t, width) * width; }

// 128-bit products for split_span (bytes * seconds can pass 2^63).
__extension__ typedef __int128 SplitInt;

// split_span() by bucket number: `first` must be bucket_index(start, width)
// (a caller that knows it saves the division), and f(index, part) gets the
// number of each bucket instead of its start.
template <typename F>
void split_span_indexed(int64_t start, int64_t end, int64_t bytes, int64_t width, int64_t first,
                        F&& f) {
  int64_t b = first * width;
  if (end <= start || end <= b + width) {
    f(first, bytes);
    return;
  }
  const int64_t span = end - start;
  // bytes * (upto - start) fits 64 bits when both are below 2^31 (nearly
  // always): a 64-bit division then, not a 128-bit one. The last bucket
  // needs none: C(end) is all the bytes.
  const bool narrow = bytes <= INT32_MAX && span <= INT32_MAX;
  int64_t done = 0;  // C(b clipped to the span)
  for (int64_t k = first; b < end; b += width, ++k) {
    const int64_t upto = std::min(b + width, end);
    const int64_t c = upto == end ? bytes
                      : narrow    ? bytes * (upto - start) / span
                                  : static_cast<int64_t>(SplitInt{bytes} * (upto - start) / span);
    f(k, c - done);
    done = c;
  }
}

// The proportional split of `bytes` (>= 0) moved over [start, end) into
// buckets of `width` (> 0): calls f(bucket_start, part) for each bucket the
// span touches, in time order. Rule (docs/flow-counting.md, "Time
// buckets"): the bytes moved by time t are C(t) = floor(bytes * (t - start)
// / (end - start)) (cumulative floor), and a bucket gets C(its end clipped to
// the span) - C(its start clipped to the span); so the parts are >= 0, sum
// to `bytes` exactly, and each is within 1 of the exact proportion. A span
// with end <= start (a zero-length record, or one whose end is unknown:
// pass end = start) puts all bytes into start's bucket.
template <typename F>
void split_span(int64_t start, int64_t end, int64_t bytes, int64_t width, F&& f) {
  split_span_indexed(start, end, bytes, width, bucket_index(start, width),
                     [&](int64_t k, int64_t part) { f(k * width, part); });
}

// `series` (sorted by start, buckets of `width`) folded into buckets of
// `to_width`, a multiple of `width`: sums per coarser bucket, sorted, totals
// unchanged. For callers that bucketed at a fine width (e.g. a metric
// period) and also need a coarser one.
std::vector<BucketBytes> fold_series(const std::vector<BucketBytes>& series, int64_t to_width);

// The bucket-by-bucket sum of two series (each sorted by start, one cell a
// bucket); sorted, one cell a bucket.
std::vector<BucketBytes> merge_series(const std::vector<BucketBytes>& a,
                                      const std::vector<BucketBytes>& b);

// Totals of one (client, server) pair over the used records.
struct PairTotals {
  IpAddress client;
  IpAddress server;
  int64_t bytes_read = 0;     // server -> client
  int64_t bytes_written = 0;  // client -> server
  int64_t packets = 0;        // both directions
  int64_t flows = 0;          // used ACCEPT records (weighted by FlowRecord::flows)
  int64_t rejected = 0;       // used REJECT records (weighted); add no bytes/packets/flows
  // Used ACCEPT records (weighted) whose packets / bytes were unknown (`-`,
  // or a format without the field): they add nothing to `packets` /
  // `bytes_*`, which are then sums over the other records only.
  int64_t packets_unknown = 0;
  int64_t bytes_unknown = 0;
  // min start (Unix seconds), ACCEPT and REJECT, over the records whose start
  // is known; INT64_MAX when none was. last_seen: max end, INT64_MIN when no
  // end was known.
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  // With AggregateConfig::bucket_s: the pair's bytes per bucket, sorted by
  // start, only buckets with bytes (sparse: a pair is often active in few
  // buckets of a long window). Sums over the series equal bytes_read and
  // bytes_written exactly. Empty without buckets.
  std::vector<BucketBytes> series;

  int64_t bytes_total() const { return bytes_read + bytes_written; }
  friend bool operator==(const PairTotals&, const PairTotals&) = default;
};

// Record counters, each record weighted by FlowRecord::flows (a
// pre-aggregated Insights row standing for N records counts N). Invariants
// (checked in tests):
//   records = used + duplicates + not_efs + outside_window + nodata + skipdata
//             + unknown_address + outside_scopes
//   lines = records + skipped        (header and blank lines are not lines)
// unknown_bytes is not a bucket: it counts the used ACCEPT records whose
// bytes were unknown (their flows count, their bytes do not).
struct FlowStats {
  int64_t lines = 0;
  int64_t records = 0;
  int64_t used = 0;
  int64_t skipped = 0;
  int64_t nodata = 0;
  int64_t skipdata = 0;
  int64_t not_efs = 0;
  int64_t outside_window = 0;
  int64_t duplicates = 0;
  int64_t files = 0;            // inputs attempted (files, stdin, other sources)
  int64_t files_failed = 0;     // inputs that could not be opened or read to the end
  int64_t unknown_address = 0;  // OK records whose srcaddr or dstaddr is `-`
  int64_t unknown_bytes = 0;    // used ACCEPT records whose bytes were `-`
  // A read split into scopes (EngineOptions::scopes): records attributed
  // to no scope (RouteStats). Always 0 otherwise.
  int64_t outside_scopes = 0;

  FlowStats& operator+=(const FlowStats& o);
  friend bool operator==(const FlowStats&, const FlowStats&) = default;
};

class Aggregator {
 public:
  // `config` must outlive the aggregator.
  explicit Aggregator(const AggregateConfig* config);
  ~Aggregator();
  Aggregator(Aggregator&&) noexcept;
  Aggregator& operator=(Aggregator&&) noexcept;
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // Counts one well-formed record (steps 2-5 of the contract). `order` is the
  // record's position in the whole input (any strictly increasing key, e.g.
  // (input index << 40) + byte offset); it breaks ties in the overlap rule.
  // Records without interface_id (empty) use the 5-tuple overlap rule.
  void add(const FlowRecord& record, uint64_t order);

  // Moves `other`'s state into this one.
  void merge(Aggregator&& other);

  // Applies once-per-flow and returns the pairs sorted by (client, server)
  // with address_less. Adds records/used/duplicates/not_efs/outside_window/
  // nodata/skipdata to `*stats`. Call once; the aggregator is empty after.
  std::vector<PairTotals> finish(FlowStats* stats);

  // After finish(): an I/O error when records of the overlap rule that were
  // set aside in temporary files (to bound memory) could not be read back;
  // the totals are then incomplete and must not be shown.
  Status status() const;

  // After finish(): what went wrong without making the totals wrong (for
  // stderr), e.g. temporary files that could not be written, so that memory
  // grew with the input.
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Status status_;
  std::vector<std::string> warnings_;
};

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_AGGREGATE_H_
