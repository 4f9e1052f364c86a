// The cloud source facade: one call that finds (or is told) where the flow
// logs are, reads them the cheapest way, and returns the same EngineResult
// the local-file engine returns, so the CLI reports every source alike.
//
//   --log-group NAME  -> Logs Insights pushdown (default) or raw events
//   --s3 s3://b/p     -> the S3 objects of the window, streamed (or, with
//                        --method athena, one Athena query: athena_query.h)
//   neither           -> EFS inventory -> DescribeFlowLogs -> one destination
//
// Counting: with mount targets known (discovery), their addresses and ENIs
// are the server IPs and server ENIs of the counting rule, unless the caller
// set some. Stats follow the contract; what a source filtered server-side is
// counted, not dropped:
//   - Insights: records = events scanned in the query's time range; those
//     the query filtered out are `not_efs` (they are non-EFS traffic, or
//     lines that did not parse); records outside the window are
//     `outside_window`, as in local files.
//   - raw: records = events the filter pattern let through (the pattern
//     only drops events no EFS record can match).
//   - S3: every line of every object read.
//   - several destinations: records of ENIs read from another destination
//     are left out of the one that also holds them (SourceCounts::left_out).
// Every summary line ends with the SourceCounts of its source, in the same
// words for every source; docs/sources.md says what each API can tell.
//
// Thread-safety: one call at a time per options object; the AwsClient is
// shared safely.
#ifndef EFSTOP_CLOUD_CLOUD_READER_H_
#define EFSTOP_CLOUD_CLOUD_READER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "aws/efs_api.h"
#include "core/result.h"
#include "core/source_scan.h"
#include "flowlog/engine.h"

namespace efstop::cloud {

enum class Method { kInsights, kRaw, kAthena };

// --method athena (docs/athena.md).
struct AthenaOptions {
  std::string database = "default";  // --athena-database
  std::string workgroup;             // --athena-workgroup ("": primary)
  std::string output;                // --athena-output s3://... ("": the workgroup's)
  double usd_per_tb = 5.0;           // --athena-price-per-tb
  bool cleanup = false;              // --athena-cleanup: drop the table afterwards
};

// Streaming more than this many bytes of S3 objects makes efstop propose
// --method athena with both costs (docs/athena.md).
inline constexpr int64_t kAthenaProposeBytes = 50'000'000'000;
// Streaming speed the proposal's time estimate assumes: about 1 GB/s of
// text on two cores (docs/PERFORMANCE.md).
inline constexpr double kStreamBytesPerSecond = 1e9;

struct CloudReadOptions {
  std::vector<std::string> log_groups;  // --log-group (repeatable)
  std::string s3_uri;                   // --s3
  // With engine.scopes: list every account folder under AWSLogs/, not only
  // the scopes' (S3ReadOptions::all_folders).
  bool s3_all_folders = false;
  Method method = Method::kInsights;
  bool method_given = false;  // --method was given (no automatic fallback then)
  // The window [start, end), epoch seconds: required for cloud sources.
  int64_t window_start = 0;
  int64_t window_end = 0;
  // Engine options (log_format, server_ips, server_enis, threads, strict...).
  // The window fields are overwritten from window_start/window_end.
  flowlog::EngineOptions engine;
  // Mount targets, when the caller already has them; otherwise discovery
  // calls EFS (only when it needs them: no --log-group/--s3, or to learn
  // the server addresses).
  std::optional<std::vector<aws::MountTarget>> mount_targets;
  int parallelism = 8;  // S3 objects / raw slices read at once
  // Logs Insights queries run at once (the account allows 20 to 100 in all).
  int insights_parallel = 4;
  AthenaOptions athena;
  // Above this many listed bytes streaming proposes Athena (see above).
  int64_t athena_propose_bytes = kAthenaProposeBytes;
  const std::atomic<bool>* interrupted = nullptr;
  // Progress and notes for stderr, one line each (no newline).
  std::function<void(std::string_view)> note;
  // Progress redrawn in place ("\r...") when stderr is a terminal.
  std::function<void(std::string_view)> progress;
  // Tuning for tests.
  int insights_row_limit = 10000;
  int64_t raw_slice_s = 3600;
  int s3_page_size = 0;  // ListObjectsV2 max-keys; 0: S3's default (1000)
  std::chrono::milliseconds insights_poll{500};
  std::chrono::milliseconds athena_poll{500};
  // First wait before retrying a StartQuery refused for the account's
  // concurrent-query limit (doubles each time).
  std::chrono::milliseconds insights_retry_delay{2000};
};

// How many records a source saw, told the same way for every source (each
// summary line ends with it; docs/sources.md, "What each source can count").
// The FlowStats in `engine` follow the counting contract over what efstop
// received; these say what happened before.
struct SourceCounts {
  // Records the service examined in the window's time range; -1 when the API
  // does not say (FilterLogEvents). Insights: statistics.recordsScanned.
  // S3: every line of the objects read (header lines excepted).
  int64_t scanned = -1;
  // Of those, records the service left out before efstop saw them; -1 when
  // unknown (raw: the filter pattern's rejections are not reported).
  // Insights: scanned - matched, which efstop ALSO adds to stats as not_efs
  // (they are non-EFS traffic, or lines the parse pattern did not match).
  int64_t filtered_by_service = -1;
  // Records the service delivered to efstop (Insights: the rows' summed
  // counts; raw: events; S3: lines).
  int64_t received = 0;
  // Several destinations: of the received records, those of ENIs read from
  // another destination, left out here and not in stats.
  int64_t left_out = 0;
  // Of the received records, those efstop had not asked for and left out,
  // not in stats: raw events of another log stream or outside the time
  // range asked for; S3 objects' lines never count here, since an object
  // listed outside the prefix asked for is not read at all (see
  // CloudReadResult::engine.warnings for both).
  int64_t not_asked = 0;

  SourceCounts& operator+=(const SourceCounts& o);
  // "74 records scanned, 38 filtered out by the service, 36 received, 0 left out".
  std::string to_string() const;
};

struct CloudReadResult {
  flowlog::EngineResult engine;
  std::vector<SourceScan> scans;     // one per destination read, in reading order (scope empty)
  std::string source;                // "logs insights on /efstop/vpc-flow-logs", "s3://b/p", ...
  std::vector<std::string> summary;  // lines for stderr (scan statistics, cost, skipped objects)
  SourceCounts counts;               // summed over the destinations read
};

Result<CloudReadResult> read_cloud(aws::AwsClient* client, const CloudReadOptions& options);

// Installs a SIGINT and a SIGTERM handler that set the returned flag (and
// restore the signal's default action, so a second Ctrl-C ends the process
// at once). The loops of the cloud reads check the flag: running Insights
// queries are stopped with StopQuery, the reads end with "interrupted".
const std::atomic<bool>* install_interrupt_flag();
// The first signal the handler received (SIGINT, SIGTERM), 0 for none: the
// CLI exits 128 + that number, as a shell reports a process it killed.
int interrupt_signal();

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_CLOUD_READER_H_
