#include "flowlog/sample.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/duration.h"
#include "flowlog/aggregate.h"

namespace efstop::flowlog {
namespace {

int64_t floor_mod(int64_t t, int64_t m) {
  const int64_t r = t % m;
  return r < 0 ? r + m : r;
}

}  // namespace

Result<SampleSpec> parse_sample(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return invalid_argument_error("want SPAN/PERIOD, e.g. 5m/1h: five minutes of every hour");
  }
  // The same durations as --since and --keep (core/duration.h).
  const Result<int64_t> span = parse_duration(text.substr(0, slash));
  const Result<int64_t> period = parse_duration(text.substr(slash + 1));
  if (!span.ok() || !period.ok()) {
    return invalid_argument_error(
        "SPAN and PERIOD are durations such as 5m, 1h, 1d, 1w (e.g. 5m/1h)");
  }
  SampleSpec spec{*span, *period};
  EFSTOP_RETURN_IF_ERROR(check_sample(spec));
  return spec;
}

Status check_sample(const SampleSpec& spec) {
  if (spec.span_s <= 0 || spec.span_s % 60 != 0 || spec.period_s <= 0 || spec.period_s % 60 != 0) {
    return invalid_argument_error(
        "SPAN and PERIOD must be whole minutes (flow-log capture windows are "
        "1 or 10 minutes); e.g. 5m/1h");
  }
  if (spec.span_s >= spec.period_s) {
    return invalid_argument_error(
        "SPAN must be shorter than PERIOD (a span of the whole period is no "
        "sample; leave --sample out to count everything)");
  }
  if (kSecondsPerDay % spec.period_s != 0 && spec.period_s % kSecondsPerDay != 0) {
    return invalid_argument_error(
        "PERIOD must divide a day (e.g. 10m, 1h, 2h, 6h, 8h, 12h, 1d) or be a "
        "whole number of days (2d, 1w), so the slices fall at the same UTC times");
  }
  return Status();
}

int64_t period_floor(int64_t t, const SampleSpec& spec) { return t - floor_mod(t, spec.period_s); }

bool in_slice(int64_t t, const SampleSpec& spec) {
  return floor_mod(t, spec.period_s) < spec.span_s;
}

bool span_touches_sample(int64_t start, int64_t end, const SampleSpec& spec) {
  if (end <= start) return in_slice(start, spec);
  // The first slice that ends after `start`: the one of start's period, or
  // the next period's when start is past its span.
  int64_t slice = period_floor(start, spec);
  if (start >= slice + spec.span_s) slice += spec.period_s;
  return slice < end;
}

int64_t count_slices(int64_t from, int64_t to, const SampleSpec& spec) {
  if (to <= from) return 0;
  // Slices whose [s, s + span) meets [from, to): s < to and s + span > from.
  const int64_t first =
      period_floor(from, spec) + (floor_mod(from, spec.period_s) < spec.span_s ? 0 : spec.period_s);
  if (first >= to) return 0;
  const int64_t last = period_floor(to - 1, spec);
  return (last - first) / spec.period_s + 1;
}

int64_t sampled_seconds(int64_t from, int64_t to, const SampleSpec& spec) {
  if (to <= from) return 0;
  // Seconds in slices before t, counted from period_floor(from).
  const int64_t base = period_floor(from, spec);
  const auto upto = [&](int64_t t) {
    const int64_t whole = (t - base) / spec.period_s;
    return whole * spec.span_s + std::min(floor_mod(t - base, spec.period_s), spec.span_s);
  };
  return upto(to) - upto(from);
}

double sample_factor(const SampleSpec& spec) {
  return static_cast<double>(spec.period_s) / static_cast<double>(spec.span_s);
}

int64_t scale_sampled(int64_t sampled, const SampleSpec& spec) {
  const SplitInt num = static_cast<SplitInt>(sampled) * spec.period_s + spec.span_s / 2;
  return static_cast<int64_t>(num / spec.span_s);
}

int64_t sample_bucket_width(const SampleSpec& spec, int64_t bucket_s) {
  int64_t g = std::gcd(spec.span_s, spec.period_s);
  if (bucket_s > 0) g = std::gcd(g, bucket_s);
  return g;
}

void apply_sample(std::vector<PairTotals>* pairs, const SampleSpec& spec, int64_t bucket_s) {
  for (PairTotals& p : *pairs) {
    std::vector<BucketBytes> kept;
    int64_t read = 0;
    int64_t written = 0;
    for (const BucketBytes& b : p.series) {
      // The counting width divides span and period, so a bucket is wholly
      // in or out of a slice: its start says which.
      if (!in_slice(b.start, spec)) continue;
      read += b.bytes_read;
      written += b.bytes_written;
      kept.push_back(b);
    }
    p.bytes_read = read;
    p.bytes_written = written;
    if (bucket_s > 0) {
      p.series = fold_series(kept, bucket_s);
    } else {
      p.series.clear();
    }
  }
}

}  // namespace efstop::flowlog
