// Raw CloudWatch Logs events as flow-log text: FilterLogEvents pages turned
// into a ByteSource of lines ("<message>\n"), one source per (log stream
// prefix, time slice) so the engine reads the slices in parallel.
//
// Each source pages until the answer has no nextToken (pages may be EMPTY
// while more data remains), asking for the next page only when the engine
// has consumed the previous one (memory: one page, <= 1 MB). The messages
// carry no header line: the engine must be given the flow log's LogFormat
// (EngineOptions::log_format) unless it is the default format.
//
// Thread-safety: each source is used by one thread; LogsApi is shared.
#ifndef EFSTOP_CLOUD_RAW_EVENTS_H_
#define EFSTOP_CLOUD_RAW_EVENTS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/logs_api.h"
#include "flowlog/engine.h"
#include "flowlog/ip_address.h"
#include "flowlog/sample.h"

namespace efstop::cloud {

// CloudWatch Logs accepts filter patterns up to 1024 characters.
inline constexpr size_t kMaxFilterPatternChars = 1024;

struct RawEventsOptions {
  std::string log_group;
  // One source per prefix (e.g. the mount-target ENI ids, since flow-log
  // streams are named "<eni-id>-all"); empty: the whole group.
  std::vector<std::string> stream_prefixes;
  std::string filter_pattern;  // see raw_filter_pattern
  int64_t start_s = 0;         // [start_s, end_s), epoch seconds
  int64_t end_s = 0;
  int64_t slice_s = 3600;  // length of one time slice
  // --sample: when set, only these [from, to) ranges (sorted, disjoint,
  // inside [start_s, end_s); see sample_event_ranges) are asked for, each
  // cut into slice_s pieces (none at all when it is empty).
  std::optional<std::vector<std::pair<int64_t, int64_t>>> ranges;
  const std::atomic<bool>* interrupted = nullptr;
  std::shared_ptr<std::atomic<int64_t>> pages;   // FilterLogEvents calls made (optional)
  std::shared_ptr<std::atomic<int64_t>> events;  // events received (optional)
  // Events the service returned although efstop did not ask for them, left
  // out (optional): of a log stream outside the prefix / names asked for
  // (a server that ignores logStreamNamePrefix would otherwise give every
  // event once per prefix), or timestamped outside the slice's time range
  // (likewise once per slice).
  std::shared_ptr<std::atomic<int64_t>> other_streams;
  std::shared_ptr<std::atomic<int64_t>> outside_time;
};

// A CloudWatch filter pattern that keeps every event the counting rule could
// use: any of the server addresses, or the term 2049 (port rule), plus
// NODATA and SKIPDATA rows so they are counted. It is a superset: the engine
// applies the exact rule. Empty (no filtering) when the addresses would make
// the pattern longer than CloudWatch accepts.
std::string raw_filter_pattern(const std::vector<flowlog::IpAddress>& server_ips);

// How far before a --sample slice a record may start and still reach into
// it: the longest flow-log aggregation interval (10 minutes) and one of
// slack, as for the Insights bucket split (kInsightsMaxSpanS).
inline constexpr int64_t kSampleLeadS = 660;

// The event time ranges that hold every record a --sample slice can count
// (docs/flow-counting.md, "Sampling"): per slice [s, s + span) of `spec`,
// [s - lead_s, s + span) (a record that starts up to lead_s before the slice
// reaches into it; events are asked for by their timestamps, which the
// window already takes for the records' start), cut to [start, end), for
// the slices that start before `end` (spans are cut at the window's end),
// merged where they meet so that no event is read twice.
std::vector<std::pair<int64_t, int64_t>> sample_event_ranges(int64_t start, int64_t end,
                                                             const flowlog::SampleSpec& spec,
                                                             int64_t lead_s);

// At most `max_ranges` (>= 1) ranges covering `ranges` (sorted, disjoint):
// the two neighbours with the shortest gap between them are joined, again
// and again (the earliest such pair on a tie), so the time added, read for
// nothing, is as short as it can be for one join. Used to bound the number
// of Logs Insights queries a sample starts.
std::vector<std::pair<int64_t, int64_t>> merge_closest_ranges(
    std::vector<std::pair<int64_t, int64_t>> ranges, size_t max_ranges);

// The sources, in (prefix, time) order. Nothing is fetched until the engine
// opens a source.
std::vector<flowlog::InputSource> make_raw_event_sources(aws::LogsApi* api,
                                                         const RawEventsOptions& options);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_RAW_EVENTS_H_
