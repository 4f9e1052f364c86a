// Runs the Logs Insights pushdown query (insights_query.h) over a time
// range: StartQuery, GetQueryResults polled with backoff until the query
// ends, splitting the range when a result reaches the row limit (or the
// query times out) and re-running each half until every slice is complete.
//
// Slices partition the range by @timestamp (the record's start), so no
// record is counted twice; their rows are merged by feeding them all into
// one aggregator (sums, counts, min/max and the own-address intersection
// all merge exactly). Rows come back ordered by slice start, whatever order
// the slices finished in.
//
// Parallelism: up to `parallel` slices run at once (a window longer than an
// hour starts as min(hours, parallel) slices; the halves of a split slice
// run side by side). An account may run only 20 to 100 Insights queries at
// once (all users together; the StartQuery documentation, docs/sources.md):
// the default 4 leaves room for the others, and a StartQuery refused with
// LimitExceededException is retried with a doubling delay.
//
// Interruption: when `*interrupted` becomes true (the SIGINT handler
// installed by install_interrupt_flag sets it) every running query is
// stopped with StopQuery before run_insights returns kIo "interrupted".
// The first error (a failed query, say) also stops the queries of the other
// slices, and a query whose GetQueryResults failed is stopped too: no query
// efstop started is left running when run_insights returns.
//
// Orphan queries: StartQuery is not idempotent. When its answer is lost
// after the request may have reached the service (a read timeout, a reset),
// the query it may have started is looked for with DescribeQueries (the
// first group; status Scheduled, then Running) and stopped before StartQuery
// is sent again (at most kMaxLostStarts times): a listed query is taken for
// ours when its queryString is ours, it was created at most
// kOrphanClockSlackMs before the lost call was sent, and its id is none this
// run knows. StartQuery calls are made one at a time so that no call of this
// run can be in flight while the list is read. DescribeQueries gives no time
// range, so another efstop sending the very same query to the same group at
// the same moment could lose its query to this (it would then fail saying
// the query was cancelled, never count less). When DescribeQueries fails the
// run fails, naming the StartQuery error and the command to check with.
// Errors: a Failed / Cancelled / Timeout query as kAwsError saying what to
// do; StartQuery LimitExceededException (too many concurrent queries) is
// retried with backoff, then kThrottled; a row that cannot be decoded kParse.
// Thread-safety: one call per thread; LogsApi is shared safely.
#ifndef EFSTOP_CLOUD_INSIGHTS_RUNNER_H_
#define EFSTOP_CLOUD_INSIGHTS_RUNNER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/logs_api.h"
#include "cloud/insights_query.h"
#include "core/result.h"

namespace efstop::cloud {

// Logs Insights is billed per GB of data scanned: USD 0.005 per GB in
// us-east-1 and most commercial regions (Standard log class), per
// https://aws.amazon.com/cloudwatch/pricing/ ("Logs Insights queries,
// $0.005 per GB of data scanned"); some regions cost more. docs/sources.md
// repeats this.
inline constexpr double kInsightsUsdPerGb = 0.005;
inline constexpr double kBytesPerGb = 1e9;  // AWS bills decimal GB here

struct InsightsRunOptions {
  std::vector<std::string> log_groups;
  InsightsQueryOptions query;
  // Time range of the events to scan, epoch seconds, [start, end).
  int64_t start_s = 0;
  int64_t end_s = 0;
  // Poll backoff: first wait, multiplied by 1.5 up to poll_max.
  std::chrono::milliseconds poll_initial{500};
  std::chrono::milliseconds poll_max{5000};
  // StartQuery retries on LimitExceededException beyond the client's own.
  int start_retries = 5;
  std::chrono::milliseconds start_retry_delay{2000};
  // A slice this short that still overflows is an error (kAwsError).
  int64_t min_slice_s = 1;
  // Queries running at once (>= 1).
  int parallel = 4;
  const std::atomic<bool>* interrupted = nullptr;
  // One line per event worth telling the user ("query 2/3 ..."); may be null.
  std::function<void(std::string_view)> progress;
};

struct InsightsRun {
  std::vector<InsightsRecord> rows;  // every slice's rows
  // Summed over the queries whose rows were used (a slice that overflowed
  // and was split is not counted twice).
  aws::QueryStatistics statistics;
  // Bytes scanned by every query run, including split ones: what is billed.
  double billed_bytes_scanned = 0;
  int64_t queries = 0;                 // queries that ended (Complete, or split)
  int64_t splits = 0;                  // slices split because of the row limit / timeout
  std::vector<std::string> query_ids;  // in the order they were started
  int max_in_flight = 0;               // most queries running at once
  int64_t orphans_stopped = 0;         // started by a lost StartQuery, found and stopped

  double estimated_cost_usd() const {
    return billed_bytes_scanned / kBytesPerGb * kInsightsUsdPerGb;
  }
};

Result<InsightsRun> run_insights(aws::LogsApi* api, const InsightsRunOptions& options);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_INSIGHTS_RUNNER_H_
