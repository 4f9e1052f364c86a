// The flow-log engine facade: inputs in, per-(client, server) totals out.
// This is the API the CLI (and later the cloud sources) call; everything
// else in flowlog/ is its machinery.
//
//   flowlog::EngineOptions opt;
//   opt.server_ips = ...;                      // or empty: port-2049 rule
//   EFSTOP_ASSIGN_OR_RETURN(flowlog::EngineResult r, flowlog::run_engine({"logs/"}, opt));
//   for (const flowlog::PairTotals& p : r.pairs) ...
//
// Reading: files, directories (recursive, sorted), "-" for stdin; gzip and
// Parquet (docs/parquet.md) are detected by magic bytes, JSON-wrapped records
// (a stream starting with '{') by content (docs/sources.md, "JSON-wrapped
// records"). Inputs are read in parallel on `threads` threads, a big plain
// file is split at newlines, a lone gzip file is inflated on one thread and
// parsed by all of them (the inflating one included when it is ahead).
// Memory stays bounded (blocks, not files). The result is identical whatever
// the thread count.
//
// Errors: kInvalidArgument for bad options (a malformed log_format, a window
// with a forced format without a start field, buckets likewise, a LogFormat lacking srcaddr,
// dstaddr or bytes); kIo
// when no input at all could be read; with `strict`, kParse/kIo when any
// line was skipped or any input failed (message: counts and the first
// diagnostic). Otherwise bad lines and failed inputs are counted in stats
// and described in `files`, and the rest goes on.
// Thread-safe: concurrent calls share nothing.
#ifndef EFSTOP_FLOWLOG_ENGINE_H_
#define EFSTOP_FLOWLOG_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "flowlog/aggregate.h"
#include "flowlog/byte_source.h"
#include "flowlog/format.h"
#include "flowlog/ip_address.h"

namespace efstop::flowlog {

// One scope of a read split by account and region (docs/multi-account.md,
// "Flow logs in a central bucket"): the records attributed to it are counted
// with its own server side of the rule (its mount targets), apart from every
// other scope's.
struct ScopeRoute {
  // The 12-digit account id, or "" for any account (a read across regions
  // only, where every record is the caller's account's).
  std::string account;
  std::string region;
  std::vector<IpAddress> server_ips;  // empty: port 2049 (EngineOptions::server_ips)
  std::vector<std::string> server_enis;
};

struct EngineOptions {
  // With scopes, every record is attributed to one of them, or to none
  // (counted in EngineResult::routing, never dropped silently), and counted
  // in that scope only; server_ips/server_enis above are then unused. A
  // record's account is its `account-id` field (the owner of the ENI it was
  // captured on: where its names are), else its input's key_account when
  // the field is absent, `-` or `unknown`; its region likewise from the
  // `region` field, else key_region. A scope's account "" takes a record of
  // any account. Neither field nor key with a region: the record is the one
  // region's when the scopes of its account have one region, else it is
  // unattributed. Parquet rows likewise, by their account_id and region
  // columns (read only with scopes). Scopes force one thread per input
  // (no shared-stream parsing).
  std::vector<ScopeRoute> scopes;
  // A DescribeFlowLogs LogFormat ("${version} ${srcaddr} ..."). When set it
  // wins over header lines; else each input's header line, else default v2.
  std::optional<std::string> log_format;
  // Known EFS server addresses (parse with parse_ip_list). Empty: port 2049.
  std::vector<IpAddress> server_ips;
  // Known server-side (mount-target) ENI ids; see AggregateConfig.
  std::vector<std::string> server_enis;
  // Window on each record's start: window_start <= start < window_end.
  std::optional<int64_t> window_start;
  std::optional<int64_t> window_end;
  // Time buckets in seconds (AggregateConfig::bucket_s); 0: none.
  int64_t bucket_s = 0;
  // --sample: see AggregateConfig::sample (bucket_s must come from
  // sample_bucket_width(); the caller runs apply_sample() on the pairs).
  std::optional<SampleSpec> sample;
  // Worker threads; 0 = std::thread::hardware_concurrency().
  int threads = 0;
  // Any skipped line or failed input makes run_engine return an error.
  bool strict = false;
  // Diagnostics kept per input (the first N, in line order).
  int max_diagnostics_per_file = 5;
  // Tuning (tests shrink these): a plain regular file of at least
  // split_min_bytes is read as newline-aligned ranges of chunk_bytes by
  // several threads at once.
  uint64_t split_min_bytes = uint64_t{32} << 20;
  uint64_t chunk_bytes = uint64_t{16} << 20;
  // A lone stream that cannot be split (gzip, stdin) is cut into blocks of
  // about block_bytes of whole lines, parsed by every thread.
  uint64_t block_bytes = uint64_t{1} << 20;
  // The largest JSON value (one CloudWatch Logs envelope, one
  // filter-log-events page) held at once; a larger one is skipped whole.
  size_t max_json_value_bytes = size_t{16} << 20;
};

// What happened to one input.
struct InputReport {
  std::string name;
  int64_t lines = 0;    // lines read (records + skipped)
  int64_t skipped = 0;  // malformed lines
  bool failed = false;  // could not be opened, or stopped early (corrupt gzip, I/O error)
  std::string error;    // why it failed: "<name>: <cause>"; empty when !failed
  // The first max_diagnostics_per_file skipped lines: "<name>:<line>: <reason>".
  std::vector<std::string> diagnostics;
};

// Records and the sum of their `bytes` fields (known ones).
struct RouteCount {
  int64_t records = 0;
  int64_t bytes = 0;
  RouteCount& operator+=(const RouteCount& o) {
    records += o.records;
    bytes += o.bytes;
    return *this;
  }
  friend bool operator==(const RouteCount&, const RouteCount&) = default;
};

// How the records of a read with scopes were attributed (EngineOptions::scopes).
struct RouteStats {
  // Records attributed by a field (account-id or region) that differs from
  // their input's key: (key scope, field scope) -> count. A key scope of -1:
  // the input's key named no account or region.
  std::map<std::pair<int, int>, RouteCount> moved;
  // The same for inputs whose key names an (account, region) folder that is
  // no scope (a bucket's other folders, read with --s3-all-folders):
  // ((key account, key region), field scope) -> count.
  std::map<std::pair<std::pair<std::string, std::string>, int>, RouteCount> moved_from_folder;
  // Records attributed to an account and region that is no scope:
  // (account, region) -> count. Counted in no scope's pairs; their records
  // are in FlowStats::records and RouteStats::outside_records().
  std::map<std::pair<std::string, std::string>, RouteCount> outside;
  // Records with no region in their key nor a region field, when the
  // scopes of their account have several regions: counted in none.
  RouteCount unattributed;
  // Records (text lines and Parquet rows alike) whose account (or region)
  // came from their field, and records attributed by their input's key alone.
  int64_t by_field = 0;
  int64_t by_key = 0;
  // Not the engine's: the folders of a central bucket that were not listed,
  // so none of their records were read ("account", "AWSLogs/<folder>/"), set
  // by the S3 reader (cloud/) so that they travel with the attribution.
  std::vector<std::pair<std::string, std::string>> unread_folders;

  RouteStats& operator+=(const RouteStats& o);
  // Records counted in no scope (outside + unattributed).
  int64_t outside_records() const;
};

// What one scope counted (EngineOptions::scopes, same index).
struct ScopeResult {
  std::vector<PairTotals> pairs;  // sorted as EngineResult::pairs
  FlowStats stats;                // its records' counters (not lines, skipped, files)
};

struct EngineResult {
  // Sorted by (client, server), address_less. Empty with scopes: see `scoped`.
  std::vector<PairTotals> pairs;
  // With EngineOptions::scopes: each scope's pairs and counters. `stats`
  // is then their sum plus lines, skipped, files and the records counted
  // in no scope (in `records` and `outside_scopes`).
  std::vector<ScopeResult> scoped;
  RouteStats routing;
  FlowStats stats;
  std::vector<InputReport> inputs;  // in input order (directories expanded)
  // True when at least one record went through the interface-id rule /
  // through the 5-tuple overlap rule (both can be true with mixed formats).
  bool used_interface_rule = false;
  bool used_overlap_rule = false;
  // What the user should know although the totals are right (for stderr).
  std::vector<std::string> warnings;
};

// Reads `inputs` (files, directories, "-") and aggregates them.
Result<EngineResult> run_engine(const std::vector<std::string>& inputs,
                                const EngineOptions& options);

// An input that is opened only when a worker gets to it (so a thousand S3
// objects do not hold a thousand connections). `open` is called at most once,
// on a worker thread (on the calling thread when the input is the only one:
// it then reads while all threads parse); its source is decoded (gzip) by
// the engine.
// A source that can also be read at offsets (S3 objects: ranged GETs) sets
// `open_random`: when `open`'s first bytes are the Parquet magic, the engine
// drops that stream and reads the file through `open_random` (footer, then
// only the column chunks it needs). Without it, a Parquet stream is read
// into memory (bounded: parquet_input.h).
// (A constructor rather than an aggregate: `InputSource{name, open}` keeps
// working as fields are added.)
struct InputSource {
  InputSource() = default;
  InputSource(std::string n, std::function<Result<std::unique_ptr<ByteSource>>()> o,
              std::function<Result<std::unique_ptr<RandomAccessSource>>()> r = nullptr)
      : name(std::move(n)), open(std::move(o)), open_random(std::move(r)) {}

  std::string name;
  std::function<Result<std::unique_ptr<ByteSource>>()> open;
  std::function<Result<std::unique_ptr<RandomAccessSource>>()> open_random;
  // When set, Parquet rows whose interface-id is an ENI id ("eni-...") this
  // returns false for are left out (neither lines nor records), each adding
  // 1 to `*left_out`: what cloud/eni_filter.h does to text lines.
  std::function<bool(std::string_view)> keep_eni;
  std::shared_ptr<std::atomic<int64_t>> left_out;
  // With EngineOptions::scopes: the account and region the input's key
  // (its S3 folder) names; "" when it names none.
  std::string key_account;
  std::string key_region;
};

// The same over arbitrary byte sources (CloudWatch events, S3 objects...).
Result<EngineResult> run_engine_sources(std::vector<InputSource> sources,
                                        const EngineOptions& options);

// Checks that `format` can be counted with `options`: it needs srcaddr,
// dstaddr and bytes, and start when a window is set (every other field is
// optional: docs/flow-counting.md says what its absence means).
// kInvalidArgument names the missing field and why it is needed.
Status check_format(const LogFormat& format, const EngineOptions& options);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_ENGINE_H_
