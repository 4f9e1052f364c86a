// The EFS file systems' own CloudWatch metrics beside the flows (issue 14,
// docs/metrics.md): which period to ask for, one batched GetMetricData for
// every file system of the report, and three pure analyses per file system
// on a grid of whole buckets:
//
//   coverage    flow-log bytes at its mount targets against DataReadIOBytes /
//               DataWriteIOBytes (Sum), per direction;
//   saturation  buckets where PercentIOLimit (Maximum) >= 90, or
//               MeteredIOBytes (Sum) / period >= 90 % of PermittedThroughput
//               (Minimum), or BurstCreditBalance (Minimum) fell from the
//               bucket before; merged into intervals; each client's flow bytes
//               in exactly those buckets;
//   cost        Elastic throughput only: each bucket's DataReadIOBytes and
//               DataWriteIOBytes at the read / write rates, shared among the
//               clients in proportion to their flow bytes read / written in
//               that bucket.
//
// With --sample (docs/metrics.md, "With --sample") the grid still spans the
// window, but only its buckets inside the sample's slices are judged: the
// metric points of the others are dropped when read, so every analysis,
// and the series the report carries, see gaps there.
//
// The analyses are pure functions of their arguments (tested against
// independent computations); only fetch_fs_metrics() calls AWS.
#ifndef EFSTOP_ENRICH_FS_METRICS_H_
#define EFSTOP_ENRICH_FS_METRICS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/cloudwatch_api.h"
#include "core/result.h"
#include "flowlog/sample.h"
#include "report/model.h"

namespace efstop::enrich {

// The AWS/EFS metrics asked for, each with the statistic that answers what
// efstop needs of it (docs/metrics.md cites the metric page for each).
struct MetricSpec {
  std::string_view name;
  std::string_view stat;
};
const std::vector<MetricSpec>& efs_metric_specs();

// Whole buckets of `period_s` inside [start, end): the first starts at the
// first multiple of period_s >= start (CloudWatch aligns periods so).
// With `sample` set, period_s divides the sample's span and period, so each
// bucket lies wholly inside or wholly outside a slice.
struct BucketGrid {
  int64_t start = 0;
  int64_t period_s = 60;
  int64_t count = 0;
  std::optional<flowlog::SampleSpec> sample;
  int64_t end() const { return start + period_s * count; }
  // True when bucket i is judged: always without a sample, else when it
  // lies in a slice.
  bool judged(int64_t i) const {
    return !sample || flowlog::in_slice(start + i * period_s, *sample);
  }
  // The bucket of Unix second t, or -1 outside the grid.
  int64_t index_of(int64_t t) const {
    if (t < start || t >= end()) return -1;
    return (t - start) / period_s;
  }
};
BucketGrid whole_buckets(int64_t start, int64_t end, int64_t period_s);

// The metric period for a window starting at `start` (Unix seconds) when it
// is `now`: `bucket_s` when given (kInvalidArgument when it is not a
// multiple of 60, or finer than CloudWatch still keeps for that age), else
// the finest of 60, 300, 3600 and 86400 s that CloudWatch keeps for data that
// old (1-minute points 15 days, 5-minute 63 days, 1-hour 455 days) and that
// gives at most kMaxMetricBuckets buckets.
//
// With `sample` (--sample) the period must also divide gcd(span, period) of
// the sample, so that buckets and slices line up, and be a multiple of the
// finest period CloudWatch keeps for that age (kInvalidArgument otherwise,
// saying what to change); without `bucket_s` it is the finest such period
// that gives at most kMaxMetricBuckets buckets inside the slices of
// [start, end) and at most kMaxMetricPoints buckets in all (one query's
// share of a call), else the coarsest such period.
inline constexpr int64_t kMaxMetricBuckets = 1440;
inline constexpr int64_t kMaxMetricPoints = 100800;
Result<int64_t> choose_metric_period(int64_t start, int64_t end, int64_t now,
                                     std::optional<int64_t> bucket_s,
                                     const flowlog::SampleSpec* sample = nullptr);

// One metric of one file system on the grid: nullopt where no data point.
using Series = std::vector<std::optional<double>>;

struct FsMetricSeries {
  std::map<std::string, Series, std::less<>> by_metric;  // metric name -> series
  std::vector<report::MetricFailure> failures;           // metrics not answered whole
};

// Every metric of every file system over the grid: one batched,
// paginated GetMetricData run. Fails only when a call fails (the caller
// reports it, e.g. denied cloudwatch:GetMetricData); a metric answered
// InternalError/Forbidden/PartialData is in its file system's failures and
// has no series. With grid.sample, the points of buckets outside the slices
// are dropped (nullopt), as if CloudWatch had none there.
Result<std::map<std::string, FsMetricSeries>> fetch_fs_metrics(
    aws::CloudWatchApi& api, const std::vector<std::string>& file_system_ids,
    const BucketGrid& grid, int64_t* calls = nullptr);

// One client's flow bytes to and from the file system per bucket of the grid.
struct ClientSeries {
  std::string client;
  std::vector<int64_t> read;     // server -> client
  std::vector<int64_t> written;  // client -> server
};

struct AnalysisOptions {
  double read_usd_per_gib = 0.03;   // Elastic data-access read price
  double write_usd_per_gib = 0.06;  // Elastic data-access write price
  double limit = 0.90;              // saturation: 90 % of the limit
  double low_coverage = 0.5;        // warn when flows are below half the metric
};

// Coverage, saturation and cost over the judged buckets of `grid` (every
// bucket without a sample). With grid.sample it also counts the slices
// judged and those with a saturated bucket; the costs stay the sampled
// buckets' (the CLI scales them into estimates with the flows).
report::FileSystemMetrics analyse_file_system(std::string id, std::string name,
                                              std::string throughput_mode, const BucketGrid& grid,
                                              const FsMetricSeries& metrics,
                                              const std::vector<ClientSeries>& clients,
                                              const AnalysisOptions& options);

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_FS_METRICS_H_
