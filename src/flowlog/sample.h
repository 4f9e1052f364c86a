// Sampling (`--sample SPAN/PERIOD`, docs/flow-counting.md, "Sampling"): only
// the slices [k * period, k * period + span) of the time axis (UTC-aligned,
// like buckets) are counted, and the report scales the sampled bytes by
// period / span into estimates.
//
// This file holds the slice arithmetic and the step that turns an engine
// result bucketed at sample_bucket_width() into sampled totals; the engine
// itself only asks record_touches_sample() (the window step) so that a
// record that lies wholly outside every slice is counted as outside_window.
#ifndef EFSTOP_FLOWLOG_SAMPLE_H_
#define EFSTOP_FLOWLOG_SAMPLE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace efstop::flowlog {

struct PairTotals;

inline constexpr int64_t kSecondsPerDay = 86400;

// A validated sample: 0 < span_s < period_s, both multiples of 60, and
// period_s divides a day or is a whole number of days (so slices fall at the
// same UTC times every day, or on the same days; a period of days counts
// from 1970-01-01, as UTC day buckets do).
struct SampleSpec {
  int64_t span_s = 0;
  int64_t period_s = 0;
  friend bool operator==(const SampleSpec&, const SampleSpec&) = default;
};

// Parses "SPAN/PERIOD" ("5m/1h", "30m/1d", "1h/1w"; each a duration as
// core/duration.h reads it for --since and --keep: "1h30m" too).
// kInvalidArgument, lowercase, saying what to change, for anything else
// (the cause only: the CLI prefixes the option).
Result<SampleSpec> parse_sample(std::string_view text);

// The same checks on two durations already parsed.
Status check_sample(const SampleSpec& spec);

// The start of the slice period holding `t` (floor, also for t < 0).
int64_t period_floor(int64_t t, const SampleSpec& spec);

// True when second `t` lies in a slice.
bool in_slice(int64_t t, const SampleSpec& spec);

// True when [start, end) overlaps a slice; a span with end <= start stands
// for the instant `start` (the bucket rule: all bytes at the start).
bool span_touches_sample(int64_t start, int64_t end, const SampleSpec& spec);

// The number of slices that overlap [from, to) (0 when to <= from).
int64_t count_slices(int64_t from, int64_t to, const SampleSpec& spec);

// Seconds of [from, to) that lie inside slices.
int64_t sampled_seconds(int64_t from, int64_t to, const SampleSpec& spec);

// period / span, the factor that turns sampled bytes into estimates.
double sample_factor(const SampleSpec& spec);

// `sampled` * period / span rounded half up, in 128 bits (exact for any
// int64 input whose result fits).
int64_t scale_sampled(int64_t sampled, const SampleSpec& spec);

// The bucket width the engine must count at so that every bucket lies
// wholly inside or wholly outside a slice, and `bucket_s` (the --bucket
// width, 0 for none) is a multiple of it: gcd(span, period[, bucket_s]).
int64_t sample_bucket_width(const SampleSpec& spec, int64_t bucket_s);

// Turns pairs counted at sample_bucket_width(spec, bucket_s) into sampled
// pairs: each pair's bytes become the sum of its buckets inside slices (the
// proportional split of docs/flow-counting.md restricted to the slices, as
// the parts of one record over consecutive buckets add up to C(slice end) -
// C(slice start)); its series keeps only those buckets, folded to `bucket_s`
// (cleared when bucket_s is 0). Packets, flows and rejected are left as the
// counts of the records that touched a slice. Pairs keep their order.
void apply_sample(std::vector<PairTotals>* pairs, const SampleSpec& spec, int64_t bucket_s);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_SAMPLE_H_
