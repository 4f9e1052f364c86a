// StreamProcessor: the engine's line loop. It turns the bytes of one work
// item into records for an Aggregator: splits lines, follows header lines
// (the format in force), parses, counts what it skips, and keeps the first
// diagnostics. Internal to flowlog (engine.cc and shared_stream.cc).
//
// Two ways in:
//   run()       reads a ByteSource itself (a file, a byte range of one, or
//               a decoded stream) and splits it into lines (find_newlines);
//   run_block() takes a LineBlock already cut at newlines, in stream order
//               (shared_stream.h), so that several threads can parse one
//               stream.
// Not thread-safe: one processor per thread.
#ifndef EFSTOP_FLOWLOG_STREAM_PROCESSOR_H_
#define EFSTOP_FLOWLOG_STREAM_PROCESSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flowlog/aggregate.h"
#include "flowlog/byte_source.h"
#include "flowlog/engine.h"
#include "flowlog/format.h"
#include "flowlog/parser.h"

namespace efstop::flowlog {

// The longest line accepted (a longer one is skipped as kLineTooLong), and
// the size of run()'s read buffer.
inline constexpr size_t kMaxLineBytes = size_t{1} << 20;

// Writes the offset of every '\n' in data[0, len) to `ends` (room for len
// entries) and returns how many. Reads whole 64-byte blocks: data[len, len +
// 63] must be readable (kParsePadding after a block does it).
size_t find_newlines(const char* data, size_t len, uint32_t* ends);

// What one work item found. Written on every line by the item's worker,
// while the next item's outcome (the next element) may be another worker's:
// a cache line each, or the two threads fight over one.
struct alignas(64) ChunkOutcome {
  int64_t physical_lines = 0;  // every line that starts in the item, for numbering
  int64_t lines = 0;           // records + skipped
  int64_t skipped = 0;
  std::vector<std::pair<int64_t, std::string>> diagnostics;  // (line, reason)
  bool failed = false;
  std::string error;
  bool used_interface_rule = false;
  bool used_overlap_rule = false;
  // `error` is a usage error, not a bad input: a header line without start
  // under a window (the engine then refuses the whole run, as it refuses
  // such a --log-format).
  bool usage_error = false;
};

// Whole lines of one stream, a block of them (shared_stream.cc). `data` is
// followed by kParsePadding readable bytes.
struct LineBlock {
  const char* data = nullptr;
  // Where each line ends (the offset of its '\n', or of the stream's end
  // for a last line without one); line i starts after line i-1's end.
  const uint32_t* ends = nullptr;
  size_t line_count = 0;
  uint64_t offset = 0;     // stream offset of data[0]
  int64_t first_line = 0;  // physical lines of the stream before this block
  // The format set by the last header line before the block (null: none
  // yet, so the default applies). Ignored when a format is forced.
  std::shared_ptr<const LogFormat> start_format;
  // The block stands for one line longer than kMaxLineBytes (no `ends`).
  bool too_long_line = false;
};

// The scopes of a read (EngineOptions::scopes), found by account and
// region. Immutable: shared by every processor of the read.
class ScopeRouter {
 public:
  explicit ScopeRouter(const std::vector<ScopeRoute>& scopes);
  // The scope of exactly (account, region), else of ("", region), else -1.
  int find(std::string_view account, std::string_view region) const;
  // The one region of the scopes that take `account` (its own and the ""
  // ones); "" when they have none or several.
  std::string_view only_region(std::string_view account) const;
  size_t size() const { return scopes_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> scopes_;  // (account, region)
};

// What the records of one input are attributed by (see EngineOptions::scopes).
struct RouteInput {
  const ScopeRouter* router = nullptr;
  std::string key_account;  // "" when its key names none
  std::string key_region;
  int key_scope = -1;  // router->find(key_account, key_region) resolved as for a record
};

// An input's RouteInput: its key's account and region, and key_scope
// resolved as a record's scope is (a key without a region takes the one
// region of its account's scopes).
RouteInput make_route_input(const ScopeRouter* router, std::string key_account,
                            std::string key_region);

// The last (account, region) looked up and its scope (an input's records
// mostly share both).
struct ScopeMemo {
  std::string account;
  std::string region;
  int scope = -2;  // -2: none yet
};

// THE attribution rule of EngineOptions::scopes, for `count` records (one
// parsed line, or a row of an aggregating query standing for many) read
// from `input` whose account-id and region fields are `account` and
// `region` (empty, "-" or "unknown": no value, the key's then): the index
// of their scope, or -1 when they are attributed to none. Every call is
// counted in `stats` (by_field or by_key, and moved / outside /
// unattributed as it applies). The streaming engine and the Athena
// pushdown (cloud/athena_query.h) both route through this one function.
int route_to_scope(const RouteInput& input, std::string_view account, std::string_view region,
                   const RouteCount& count, RouteStats* stats, ScopeMemo* memo);

// Attributes records to scopes for one work item (EngineOptions::scopes)
// through route_to_scope: the text path (StreamProcessor) gives it a line's
// account-id and region tokens, the Parquet path (parquet_input.cc) a row's
// account_id and region values. Not thread-safe: one per work item.
class RecordRouter {
 public:
  // All three must outlive the router.
  RecordRouter(Aggregator* scope_aggs, const RouteInput* input, RouteStats* stats)
      : scope_aggs_(scope_aggs), input_(input), stats_(stats) {}
  // The aggregator of the scope a record with these field values (empty,
  // `-` or `unknown`: no value) belongs to, or null when it belongs to none
  // (then counted in the stats' outside or unattributed with `count`).
  Aggregator* route(std::string_view account, std::string_view region, const RouteCount& count) {
    const int scope = route_to_scope(*input_, account, region, count, stats_, &memo_);
    return scope < 0 ? nullptr : &scope_aggs_[scope];
  }

 private:
  Aggregator* scope_aggs_;
  const RouteInput* input_;
  RouteStats* stats_;
  ScopeMemo memo_;
};

class StreamProcessor {
 public:
  // `initial` is the format before any header line (a split file's probed
  // header); `forced` wins over header lines. `order_base` is or-ed with a
  // line's stream offset to give the aggregator its record order.
  StreamProcessor(const EngineOptions& options, const std::optional<LogFormat>& forced,
                  const std::optional<LogFormat>& initial, Aggregator* agg, ChunkOutcome* out,
                  const std::string& name, uint64_t order_base);

  // Reads `src` from stream offset `begin`; handles lines starting before
  // `end`. With begin > 0 the first (partial) line belongs to the previous
  // item and is skipped (the source starts at begin - 1). Line numbers in
  // diagnostics count from the item's start.
  void run(ByteSource& src, uint64_t begin, uint64_t end);

  // Handles the lines of `block`; line numbers count from the stream's start.
  void run_block(const LineBlock& block);

  // Ends the item with an error (read failure, unusable header).
  void fail(std::string message);

  // A read with scopes: each record goes to scope_aggs[its scope] instead
  // of the constructor's aggregator, or, attributed to no scope, is counted
  // in `stats` only. All three must outlive the processor.
  void route_to(Aggregator* scope_aggs, const RouteInput* input, RouteStats* stats) {
    router_.emplace(scope_aggs, input, stats);
  }

 private:
  void set_parser(const LogFormat& format) { parser_.emplace(format); }
  // Inlined into both loops: called once per line.
  [[gnu::always_inline]] inline void handle_line(std::string_view line, uint64_t offset);
  // handle_line's slow path for a line that does not start with a digit or
  // comes before any format: false when it is blank, a header line, or the
  // item failed (nothing to parse).
  bool prepare_odd_line(std::string_view line);
  void skip(const ParseOutcome& outcome, std::string_view line);
  // The aggregator of the parsed record's scope (record_ and `line`), or
  // null when it is attributed to none (counted in route_stats_).
  Aggregator* route_record(std::string_view line);

  const EngineOptions& options_;
  bool forced_;
  Aggregator* agg_;
  ChunkOutcome* out_;
  const std::string& name_;
  uint64_t order_base_;
  std::optional<LineParser> parser_;
  // The LineBlock format parser_ was made from; nullopt when a header line
  // in the stream set it since (the next block then sets it again).
  std::optional<const LogFormat*> block_format_;
  int64_t line_number_ = 0;  // of the line being handled
  FlowRecord record_;
  bool stop_ = false;
  // Routing (route_to); none: every record goes to agg_.
  std::optional<RecordRouter> router_;
};

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_STREAM_PROCESSOR_H_
