// Flow logs delivered to S3: which objects to read for a window, and a
// streaming ByteSource per object.
//
// Listing is narrowed to the window (a Firehose destination: its hour
// prefixes, see S3ReadOptions::firehose): under <prefix>AWSLogs/ each account
// folder (plain "123456789012/" or Hive "aws-account-id=123456789012/") is
// listed only at the day prefixes of the window ("vpcflowlogs/<region>/
// YYYY/MM/DD/" or "aws-service=vpcflowlogs/aws-region=<region>/year=YYYY/
// month=MM/day=DD/"), and at hour prefixes when the flow log is known to use
// per-hour partitions. A prefix that already reaches into AWSLogs/ is listed
// as given. A prefix with no AWSLogs/ below it but year folders ("2026/") is
// a Firehose destination and read as one (S3Plan::firehose). Every listing
// is paginated (ListObjectsV2).
//
// Objects are then skipped by the time in their name
// ("..._20261129T1005Z_<hash>.log.gz"): AWS names an object by the end of
// its 5-minute delivery period, and a record's start can precede its end by
// the aggregation interval (<= 10 min) plus delivery lag, so an object is
// read when its time is in [window_start - 15 min, window_end + 30 min);
// the engine's window check does the exact cut. Objects without a time in
// their name are read. With --sample the same margins apply around each
// slice's range instead of the whole window (S3ReadOptions::sample_ranges).
// Parquet objects (AWS names them ".log.parquet") are read like the others;
// the engine tells them by their magic bytes and then reads them through
// ranged GETs (footer, then the needed column chunks).
//
// Each source streams its object: a background thread runs GetObject into a
// bounded buffer (a few MB) that read() drains, so an object is never held
// whole in memory; the engine detects and inflates gzip. A corrupt object
// fails its source alone (kParse from the gzip decoder, naming the key).
// Thread-safety: each source is used by one thread; S3Api is shared.
#ifndef EFSTOP_CLOUD_S3_SOURCE_H_
#define EFSTOP_CLOUD_S3_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/s3_api.h"
#include "core/result.h"
#include "flowlog/engine.h"

namespace efstop::cloud {

inline constexpr int64_t kS3MarginBeforeS = 15 * 60;
inline constexpr int64_t kS3MarginAfterS = 30 * 60;
// A record reaches Firehose after its flow log's aggregation interval and
// delivery (as for S3), and Firehose buffers up to 900 s more.
inline constexpr int64_t kFirehoseMarginAfterS = 60 * 60;

struct S3ReadOptions {
  aws::S3Location location;  // the flow log's destination (bucket and optional folder)
  std::string region;        // the flow logs' region (the folder below vpcflowlogs/)
  bool per_hour = false;     // known per-hour partitions: list hour prefixes
  // A Firehose stream's destination: keys are location.prefix (used as
  // given, no '/' added) + "YYYY/MM/DD/HH/" (UTC, the hour Firehose received
  // the record) + object; listed at the hour prefixes of [start_s -
  // kS3MarginBeforeS, end_s + kFirehoseMarginAfterS).
  bool firehose = false;
  int64_t start_s = 0;  // window [start_s, end_s)
  int64_t end_s = 0;
  int page_size = 0;  // ListObjectsV2 max-keys (0: S3's 1000); tests shrink it
  // --sample: ranges of record starts (sorted, disjoint: raw_events.h
  // sample_event_ranges). An object whose name's time T is known is read
  // only when some range [a, b) has a - kS3MarginBeforeS <= T < b +
  // kS3MarginAfterS (the window's own rule, per range); the others are
  // counted in S3Plan::skipped_by_sample. Objects without a time in their
  // name (Firehose's) are read.
  std::optional<std::vector<std::pair<int64_t, int64_t>>> sample_ranges;
  // A read across accounts and regions (docs/multi-account.md): (account,
  // region) pairs to list instead of `region` under every account folder.
  // Under each account folder AWSLogs/ lists (plain or Hive) the regions of
  // the pairs with that account or with account "" are listed; a folder no
  // pair names is not read (but see all_folders). Each object is listed
  // once, whichever pairs name it. Empty: `region`, every account folder.
  std::vector<std::pair<std::string, std::string>> scopes;
  // With scopes: also list the account folders no pair names, in every
  // region of the pairs (--s3-all-folders). Without it they are not listed
  // and S3Plan::unread_folders names them.
  bool all_folders = false;
};

// The account and region a key's folder names: ".../AWSLogs/<account>/
// vpcflowlogs/<region>/..." or ".../AWSLogs/aws-account-id=<account>/
// aws-service=vpcflowlogs/aws-region=<region>/..."; empty strings when the
// key is in neither layout (a Firehose object).
std::pair<std::string, std::string> s3_key_scope(std::string_view key);

struct S3Plan {
  std::string bucket;
  std::vector<aws::S3ObjectInfo> objects;  // to read, in key order
  int64_t parquet = 0;                     // of `objects`, keys ending ".parquet"
  std::vector<std::string> prefixes;       // prefixes listed
  int64_t listed = 0;                      // objects listed
  // The bytes of every object listed below the prefixes, in the window or
  // not: what Athena scans for the same window, whose partitions are the
  // same day (or hour) folders (docs/athena.md, "Cost").
  int64_t listed_bytes = 0;
  // The day (or hour) folders listed for the window (of `prefixes`, which
  // also holds the folders listed to find them).
  size_t time_folders = 0;
  int64_t skipped_by_time = 0;  // objects whose name puts them outside the window
  // --sample: objects in the window whose name puts them outside every
  // slice's range, not read, and their bytes (as listed).
  int64_t skipped_by_sample = 0;
  int64_t skipped_by_sample_bytes = 0;
  // Objects (and account folders) the server listed outside the prefix
  // asked for (it ignored ListObjectsV2's prefix): not read, since each
  // would otherwise be read once per prefix listed.
  int64_t outside_prefix = 0;
  // Read in a Firehose stream's layout: S3ReadOptions::firehose, or a
  // prefix with no AWSLogs/ below it but year folders (`--s3` pointed at a
  // Firehose destination), listed at the window's hour prefixes.
  bool firehose = false;
  // With S3ReadOptions::scopes and not all_folders: the account folders
  // under AWSLogs/ that no scope names, not listed further (account id,
  // folder prefix), in listing order.
  std::vector<std::pair<std::string, std::string>> unread_folders;
};

Result<S3Plan> plan_s3_read(aws::S3Api* api, const S3ReadOptions& options);

// The prefixes to list below `region_prefix` (".../vpcflowlogs/<region>/")
// for [start_s, end_s) widened by the margins: one per day (or hour).
std::vector<std::string> s3_time_prefixes(const std::string& region_prefix, bool hive,
                                          bool per_hour, int64_t start_s, int64_t end_s);

// Firehose's default layout: `prefix` + "YYYY/MM/DD/HH/" for every UTC hour
// of [start_s - kS3MarginBeforeS, end_s + kFirehoseMarginAfterS).
std::vector<std::string> firehose_hour_prefixes(const std::string& prefix, int64_t start_s,
                                                int64_t end_s);

// True when an object named at `t` may hold a record starting in one of
// `ranges` (sorted, disjoint): see S3ReadOptions::sample_ranges.
bool s3_time_in_ranges(int64_t t, const std::vector<std::pair<int64_t, int64_t>>& ranges);

// The delivery time in an object key ("_YYYYMMDDTHHmmZ_"), epoch seconds.
std::optional<int64_t> s3_key_time(std::string_view key);

struct S3Progress {
  std::atomic<int64_t> objects_done{0};
  std::atomic<int64_t> bytes{0};
  int64_t objects_total = 0;
  // Called after each object (from worker threads; must be thread-safe).
  std::function<void(const S3Progress&)> on_update;
};

// One source per object ("s3://bucket/key"). `progress` may be null.
// `interrupted` (may be null): once true, sources not yet opened fail with
// "interrupted" and open ones stop within about a second (see
// S3ObjectSource in s3_source.cc), so Ctrl-C does not wait for the rest.
std::vector<flowlog::InputSource> make_s3_sources(aws::S3Api* api, const S3Plan& plan,
                                                  std::shared_ptr<S3Progress> progress,
                                                  const std::atomic<bool>* interrupted = nullptr,
                                                  size_t buffer_bytes = size_t{4} << 20);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_S3_SOURCE_H_
