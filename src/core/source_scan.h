// What reading one flow-log destination cost, in figures: cloud/ fills it
// for each destination it reads (CloudReadResult::scans), report/ writes it
// as the JSON "sources" (docs/json.md). One definition for both, here,
// because report/ may depend on nothing but core/ (docs/design.md).
//
// A figure the source does not have is nullopt. Plain value type;
// thread-compatible.
#ifndef EFSTOP_CORE_SOURCE_SCAN_H_
#define EFSTOP_CORE_SOURCE_SCAN_H_

#include <cstdint>
#include <optional>
#include <string>

namespace efstop {

struct SourceScan {
  // With --regions/--accounts: the scope that read it ("account
  // 444455556666 us-west-2"), "" for a central bucket read once for all.
  // cloud/ leaves it empty; the CLI, which knows the scope, sets it.
  std::string scope;
  std::string kind;    // "logs_insights", "logs_raw", "s3" or "athena"
  std::string source;  // the log group(s), or the s3:// location
  // Insights and Athena: queries that ended; raw: FilterLogEvents pages;
  // s3: ListObjectsV2 calls.
  int64_t calls = 0;
  std::optional<double> bytes_scanned;  // Insights, Athena: the bytes billed as scanned
  std::optional<double> cost_usd;       // Insights, Athena: at the list price used in the summary
  std::optional<int64_t> events;        // raw: events received
  // s3: objects listed under the window's prefixes, read, and skipped by
  // the time in their name (outside the window) or by --sample; bytes:
  // the listed sizes of those read and of those skipped by --sample.
  // athena: the window's objects the query read.
  std::optional<int64_t> objects_listed;
  std::optional<int64_t> objects_read;
  std::optional<int64_t> bytes_read;
  std::optional<int64_t> objects_skipped_by_time;
  std::optional<int64_t> objects_skipped_by_sample;
  std::optional<int64_t> bytes_skipped_by_sample;
  // --sample (Insights, raw): the seconds of events asked for, of the
  // window's; the whole window's estimate, pro rata (bytes scanned and cost,
  // or events). s3: the window's objects and their listed bytes.
  std::optional<int64_t> sample_seconds;
  int64_t window_seconds = 0;
  std::optional<double> window_bytes_scanned;
  std::optional<double> window_cost_usd;
  std::optional<int64_t> window_events;
  std::optional<int64_t> window_objects;
  std::optional<int64_t> window_bytes;

  friend bool operator==(const SourceScan&, const SourceScan&) = default;
};

}  // namespace efstop

#endif  // EFSTOP_CORE_SOURCE_SCAN_H_
