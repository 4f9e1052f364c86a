// run_engine: plans the inputs, reads them on worker threads (each with its
// own Aggregator), merges, applies once-per-flow, and reports.
//
// Pipeline per work item:
//   ByteSource (file range | file | stdin | custom)
//     -> decoding (gzip by magic, twice) -> JSON unwrapping (by content:
//        json_source_internal.h) -> [prefetch thread when cores are spare]
//     -> line splitter (newlines of 1 MiB blocks) -> LineParser -> Aggregator
// (stream_processor.h). A lone stream that cannot be split goes through
// shared_stream.h instead: read and cut into blocks of lines on one thread,
// parsed on all.
#include "flowlog/engine.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "flowlog/file_source_internal.h"
#include "flowlog/parquet_input.h"
#include "flowlog/json_source_internal.h"
#include "flowlog/parser.h"
#include "flowlog/shared_stream.h"
#include "flowlog/stream_processor.h"

namespace efstop::flowlog {

namespace {

constexpr size_t kProbeBytes = 64 << 10;

// The work items of a read, handed out in runs: worker w starts at item
// w * n / workers and goes forward; a worker whose run is done takes the
// next item of the run with the most left. Neighbouring items (the chunks
// of one file, or files listed in time order) mostly hold neighbouring
// times, so a worker's series cover its part of the window, not all of it:
// with the items dealt out one by one, both workers of a `--bucket 5m` run
// on bench/whole's file had cells for every bucket of every entry, twice
// the memory, and the merge added them all up (docs/PERFORMANCE.md).
class WorkQueue {
 public:
  WorkQueue(size_t items, int workers) : runs_(static_cast<size_t>(std::max(workers, 1))) {
    const size_t n = runs_.size();
    for (size_t w = 0; w < n; ++w) {
      runs_[w].next = items * w / n;
      runs_[w].end = items * (w + 1) / n;
    }
  }

  // The next item for worker `w`, or nullopt when none is left.
  std::optional<size_t> take(int w) {
    if (std::optional<size_t> i = take_from(runs_[static_cast<size_t>(w)])) return i;
    while (true) {
      Run* most = nullptr;
      size_t most_left = 0;
      for (Run& run : runs_) {
        const size_t next = run.next.load(std::memory_order_relaxed);
        const size_t left = next < run.end ? run.end - next : 0;
        if (left > most_left) {
          most = &run;
          most_left = left;
        }
      }
      if (most == nullptr) return std::nullopt;
      if (std::optional<size_t> i = take_from(*most)) return i;
    }
  }

 private:
  // A cache line each: every worker bumps its own.
  struct alignas(64) Run {
    std::atomic<size_t> next{0};
    size_t end = 0;
  };

  static std::optional<size_t> take_from(Run& run) {
    const size_t i = run.next.fetch_add(1);
    if (i < run.end) return i;
    return std::nullopt;
  }

  std::vector<Run> runs_;
};
constexpr int kOrderShift = 44;  // order = (input << 44) | byte offset

struct Input {
  std::string name;
  std::function<Result<std::unique_ptr<ByteSource>>()> open;  // whole-stream items
  // Random access to the same bytes (local files, S3), for Parquet.
  std::function<Result<std::unique_ptr<RandomAccessSource>>()> open_random;
  ParquetRowFilter row_filter;
  std::string path;                                           // local file, for split items
  std::optional<LogFormat> split_format;                      // format probed for split files
  bool pre_failed = false;
  std::string pre_error;
  std::vector<ChunkOutcome> chunks;
  // What unwrapping JSON-wrapped records found (whole-stream items only).
  std::shared_ptr<JsonUnwrapReport> json = std::make_shared<JsonUnwrapReport>();
  // With scopes: what its records are attributed by.
  RouteInput route;
};

// Decoding for a whole-stream item: gzip (twice: Firehose may gzip objects
// whose records CloudWatch Logs had gzipped already; a plain stream passes
// the second layer untouched), then JSON-wrapped records to text lines.
std::unique_ptr<ByteSource> decode_stream(std::unique_ptr<ByteSource> raw, Input& in,
                                          const EngineOptions& options) {
  std::unique_ptr<ByteSource> src = make_decoding_source(make_decoding_source(std::move(raw)));
  in.json->max_diagnostics = static_cast<size_t>(std::max(0, options.max_diagnostics_per_file));
  return make_json_unwrap_source(std::move(src), in.json.get(), options.max_json_value_bytes);
}

// Folds what the JSON unwrapping found into the item's outcome: its skipped
// values are skipped lines, and the text parser's diagnostics name the JSON
// line (and event) rather than the unwrapped stream's line.
void merge_json_report(const JsonUnwrapReport& json, ChunkOutcome* out) {
  if (!json.json) return;
  for (auto& [line, reason] : out->diagnostics) {
    const auto [json_line, event] = json.remap(line);
    if (event > 0) reason = "event " + std::to_string(event) + ": " + reason;
    if (event < 0) reason = "message " + std::to_string(line) + " of the JSON stream: " + reason;
    line = json_line;
  }
  out->lines += json.skipped;
  out->skipped += json.skipped;
  for (const auto& d : json.diagnostics) out->diagnostics.push_back(d);
  std::stable_sort(out->diagnostics.begin(), out->diagnostics.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

struct WorkItem {
  size_t input = 0;
  size_t chunk = 0;
  bool split = false;
  uint64_t begin = 0;
  uint64_t end = UINT64_MAX;
};

// The first non-blank line of `head` if it is a header line.
std::optional<LogFormat> header_in(std::string_view head) {
  size_t i = 0;
  while (i < head.size()) {
    size_t eol = head.find('\n', i);
    if (eol == std::string_view::npos) return std::nullopt;  // line longer than probe
    std::string_view line = head.substr(i, eol - i);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) return parse_header_line(line);
    i = eol + 1;
  }
  return std::nullopt;
}

// A JSON-wrapped stream is read whole (json_source_internal.h), never split.
bool looks_like_json(std::string_view head) {
  const size_t first = head.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && head[first] == '{';
}

// Replays the bytes already read from `inner` (to look at its magic), then
// the rest of it.
class ReplaySource final : public ByteSource {
 public:
  ReplaySource(std::string head, std::unique_ptr<ByteSource> inner)
      : head_(std::move(head)), inner_(std::move(inner)) {}
  const std::string& name() const override { return inner_->name(); }
  Result<size_t> read(char* buf, size_t capacity) override {
    if (pos_ < head_.size()) {
      const size_t n = std::min(capacity, head_.size() - pos_);
      std::memcpy(buf, head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return inner_->read(buf, capacity);
  }

 private:
  std::string head_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> inner_;
};

// Opens `in` and looks at its first bytes. A Parquet file is read here,
// into `agg` (with scopes: into the aggregators `router` picks row by row),
// and null is returned; anything else comes back as a byte source for the
// text path (gzip decoding added). Failures go to `out`.
std::unique_ptr<ByteSource> open_input(Input& in, const EngineOptions& options, Aggregator* agg,
                                       ChunkOutcome* out, uint64_t order_base,
                                       RecordRouter* router = nullptr) {
  auto fail = [&](const Status& st) {
    out->failed = true;
    out->error = st.message();
    return nullptr;
  };
  Result<std::unique_ptr<ByteSource>> raw = in.open();
  if (!raw.ok()) return fail(raw.status());
  std::string head(4, '\0');
  size_t have = 0;
  while (have < head.size()) {
    Result<size_t> n = (*raw)->read(head.data() + have, head.size() - have);
    if (!n.ok()) return fail(n.status());
    if (*n == 0) break;
    have += *n;
  }
  head.resize(have);
  if (!has_parquet_magic(head)) {
    return decode_stream(std::make_unique<ReplaySource>(std::move(head), std::move(*raw)), in, options);
  }
  std::unique_ptr<RandomAccessSource> random;
  if (in.open_random) {
    raw->reset();  // a streamed download is dropped: only the needed ranges are read
    Result<std::unique_ptr<RandomAccessSource>> r = in.open_random();
    if (!r.ok()) return fail(r.status());
    random = std::move(r).value();
  } else {
    Result<std::unique_ptr<RandomAccessSource>> r = slurp_parquet(std::move(head), **raw);
    if (!r.ok()) return fail(Status(r.status().code(), in.name + ": " + r.status().message()));
    random = std::move(r).value();
  }
  run_parquet(*random, options, in.row_filter, agg, out, order_base, router);
  return nullptr;
}

Result<EngineResult> run_inputs(std::vector<Input> inputs, const EngineOptions& options,
                                std::vector<WorkItem> items, std::optional<LogFormat> forced,
                                int threads) {
  AggregateConfig config;
  config.server_ips = options.server_ips;
  config.server_enis = options.server_enis;
  config.window_start = options.window_start;
  config.window_end = options.window_end;
  config.bucket_s = options.bucket_s;
  config.sample = options.sample;
  // With scopes, one rule per scope (its own server side), and an
  // aggregator per scope and worker: aggs[worker * n + scope].
  const bool routed = !options.scopes.empty();
  const size_t n = routed ? options.scopes.size() : 1;
  std::vector<AggregateConfig> configs(n, config);
  for (size_t s = 0; routed && s < n; ++s) {
    configs[s].server_ips = options.scopes[s].server_ips;
    configs[s].server_enis = options.scopes[s].server_enis;
  }
  std::optional<ScopeRouter> router;
  if (routed) {
    router.emplace(options.scopes);
    for (Input& in : inputs) {
      in.route = make_route_input(&*router, std::move(in.route.key_account),
                                  std::move(in.route.key_region));
    }
  }

  // Spare cores: a lone stream is read on one thread and parsed on all of
  // them; a few streams are each read ahead on a thread of their own.
  // Not with scopes: a processor routes the records of one input.
  const bool shared = !routed && items.size() == 1 && !items[0].split && threads > 1;
  const bool prefetch = !shared && static_cast<int>(items.size()) < threads;
  const int workers =
      shared ? threads : std::max(1, std::min<int>(threads, static_cast<int>(items.size())));

  std::vector<Aggregator> aggs;
  aggs.reserve(static_cast<size_t>(workers) * n);
  for (int i = 0; i < workers; ++i) {
    for (size_t s = 0; s < n; ++s) aggs.emplace_back(&configs[s]);
  }
  std::vector<RouteStats> route_stats(static_cast<size_t>(workers));

  WorkQueue queue(items.size(), workers);
  auto work = [&](int w) {
    while (true) {
      const std::optional<size_t> taken = queue.take(w);
      if (!taken) return;
      const WorkItem& item = items[*taken];
      Input& in = inputs[item.input];
      ChunkOutcome& out = in.chunks[item.chunk];
      const uint64_t order_base = static_cast<uint64_t>(item.input) << kOrderShift;
      Aggregator* const worker_aggs = &aggs[static_cast<size_t>(w) * n];
      // Without scopes the worker's one aggregator; with them, the key
      // scope's (or none), each record then routed by its fields.
      Aggregator* key_agg = worker_aggs;
      if (routed) key_agg = in.route.key_scope >= 0 ? &worker_aggs[in.route.key_scope] : nullptr;
      if (item.split) {
        StreamProcessor proc(options, forced, in.split_format, key_agg, &out, in.name, order_base);
        if (routed) proc.route_to(worker_aggs, &in.route, &route_stats[static_cast<size_t>(w)]);
        Result<std::unique_ptr<ByteSource>> src =
            open_file_range_source(in.path, item.begin > 0 ? item.begin - 1 : 0);
        if (!src.ok()) {
          proc.fail(src.status().message());
          continue;
        }
        proc.run(**src, item.begin, item.end);
        continue;
      }
      // Parquet rows are routed as text lines are, by their columns.
      std::optional<RecordRouter> parquet_router;
      if (routed) {
        parquet_router.emplace(worker_aggs, &in.route, &route_stats[static_cast<size_t>(w)]);
      }
      std::unique_ptr<ByteSource> src =
          open_input(in, options, key_agg, &out, order_base, routed ? &*parquet_router : nullptr);
      if (src == nullptr) continue;  // failed, or read as Parquet
      StreamProcessor proc(options, forced, std::nullopt, key_agg, &out, in.name, order_base);
      if (routed) proc.route_to(worker_aggs, &in.route, &route_stats[static_cast<size_t>(w)]);
      if (prefetch) src = make_prefetch_source(std::move(src));
      proc.run(*src, 0, UINT64_MAX);
    }
  };
  if (shared) {
    Input& in = inputs[items[0].input];
    ChunkOutcome& out = in.chunks[0];
    const uint64_t order_base = static_cast<uint64_t>(items[0].input) << kOrderShift;
    std::unique_ptr<ByteSource> src = open_input(in, options, &aggs[0], &out, order_base);
    if (src != nullptr) run_shared_stream(*src, options, forced, aggs, &out, in.name, order_base);
  } else if (workers == 1) {
    work(0);
  } else {
    std::vector<std::jthread> pool;
    for (int w = 0; w < workers; ++w) pool.emplace_back(work, w);
  }

  EngineResult result;
  if (!routed) {
    Aggregator& total = aggs[0];
    for (size_t i = 1; i < aggs.size(); ++i) total.merge(std::move(aggs[i]));
    result.pairs = total.finish(&result.stats);
    EFSTOP_RETURN_IF_ERROR(total.status());
    result.warnings = total.warnings();
  } else {
    for (size_t s = 0; s < n; ++s) {
      Aggregator& total = aggs[s];
      for (size_t w = 1; w < static_cast<size_t>(workers); ++w) {
        total.merge(std::move(aggs[w * n + s]));
      }
      ScopeResult scope;
      scope.pairs = total.finish(&scope.stats);
      EFSTOP_RETURN_IF_ERROR(total.status());
      for (const std::string& warning : total.warnings()) result.warnings.push_back(warning);
      result.stats += scope.stats;
      result.scoped.push_back(std::move(scope));
    }
    for (const RouteStats& r : route_stats) result.routing += r;
    // Records attributed to no scope were read: they are records, in
    // a bucket of their own.
    result.stats.records += result.routing.outside_records();
    result.stats.outside_scopes += result.routing.outside_records();
  }
  for (Input& in : inputs) {
    InputReport report;
    report.name = in.name;
    ++result.stats.files;
    if (in.pre_failed) {
      report.failed = true;
      report.error = in.pre_error;
    }
    if (in.chunks.size() == 1) merge_json_report(*in.json, &in.chunks[0]);
    int64_t line_base = 0;
    for (ChunkOutcome& c : in.chunks) {
      report.lines += c.lines;
      report.skipped += c.skipped;
      result.used_interface_rule |= c.used_interface_rule;
      result.used_overlap_rule |= c.used_overlap_rule;
      for (auto& [line, reason] : c.diagnostics) {
        if (static_cast<int>(report.diagnostics.size()) >= options.max_diagnostics_per_file) {
          break;
        }
        report.diagnostics.push_back(in.name + ":" + std::to_string(line_base + line) + ": " +
                                     reason);
      }
      if (c.failed && !report.failed) {
        report.failed = true;
        report.error = c.error;
      }
      if (c.failed && c.usage_error) return invalid_argument_error(c.error);
      line_base += c.physical_lines;
    }
    if (report.failed) ++result.stats.files_failed;
    result.stats.lines += report.lines;
    result.stats.skipped += report.skipped;
    result.inputs.push_back(std::move(report));
  }

  if (result.stats.files > 0 && result.stats.files_failed == result.stats.files) {
    return io_error("no input could be read: " + result.inputs.front().error);
  }
  if (options.strict && (result.stats.skipped > 0 || result.stats.files_failed > 0)) {
    std::string first;
    for (const InputReport& r : result.inputs) {
      if (r.failed) {
        first = r.error;
        break;
      }
      if (!r.diagnostics.empty()) {
        first = r.diagnostics.front();
        break;
      }
    }
    std::string msg = "strict: " + std::to_string(result.stats.skipped) + " line(s) skipped, " +
                      std::to_string(result.stats.files_failed) + " input(s) failed";
    if (!first.empty()) msg += "; first: " + first;
    return Status(result.stats.files_failed > 0 ? StatusCode::kIo : StatusCode::kParse, msg);
  }
  return result;
}

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

Result<std::optional<LogFormat>> forced_format(const EngineOptions& options) {
  if (!options.log_format) return std::optional<LogFormat>();
  EFSTOP_ASSIGN_OR_RETURN(LogFormat format, parse_log_format(*options.log_format));
  Status st = check_format(format, options);
  if (!st.ok()) return invalid_argument_error("--log-format " + st.message());
  return std::optional<LogFormat>(std::move(format));
}

}  // namespace

Status check_format(const LogFormat& format, const EngineOptions& options) {
  for (FieldId id : {FieldId::kSrcAddr, FieldId::kDstAddr, FieldId::kBytes}) {
    if (format.has(id)) continue;
    return invalid_argument_error(std::string("lacks the ")
                                      .append(field_name(id))
                                      .append(" field (needed to count bytes per client and "
                                              "server)"));
  }
  if (!format.has(FieldId::kStart) && (options.window_start || options.window_end)) {
    return invalid_argument_error(
        "lacks the start field, so the --start/--end/--since window cannot be applied to its "
        "records; leave the window out to count every record");
  }
  if (!format.has(FieldId::kStart) && options.sample) {
    return invalid_argument_error(
        "lacks the start field, so its records cannot be placed in --sample slices; leave "
        "--sample out");
  }
  if (!format.has(FieldId::kStart) && options.bucket_s > 0) {
    return invalid_argument_error(
        "lacks the start field, so its records cannot be put into --bucket time buckets; leave "
        "--bucket out");
  }
  return Status();
}

Result<EngineResult> run_engine(const std::vector<std::string>& paths,
                                const EngineOptions& options) {
  if (paths.empty()) return invalid_argument_error("no input given");
  EFSTOP_ASSIGN_OR_RETURN(std::optional<LogFormat> forced, forced_format(options));
  const int threads = resolve_threads(options.threads);

  ExpandedInputs expanded = expand_inputs(paths);
  std::vector<Input> inputs;
  std::vector<WorkItem> items;
  for (const std::string& failure : expanded.failures) {
    Input in;
    in.name = failure.substr(0, failure.find(": "));
    in.pre_failed = true;
    in.pre_error = failure;
    inputs.push_back(std::move(in));
  }
  for (const std::string& path : expanded.files) {
    Input in;
    in.name = path == "-" ? "<stdin>" : path;
    in.path = path;
    in.open = [path] { return open_file_source(path); };
    if (path != "-") in.open_random = [path] { return open_file_random(path); };
    const size_t index = inputs.size();
    bool split = false;
    if (path != "-" && threads > 1) {
      Result<FileProbe> probe = probe_file(path, kProbeBytes);
      if (!probe.ok()) {
        in.pre_failed = true;
        in.pre_error = probe.status().message();
        inputs.push_back(std::move(in));
        continue;
      }
      if (probe->regular && probe->size >= options.split_min_bytes &&
          !has_gzip_magic(probe->head) && !has_parquet_magic(probe->head) &&
          !looks_like_json(probe->head)) {
        split = true;
        if (!forced) in.split_format = header_in(probe->head);
        const uint64_t chunk_size = std::max<uint64_t>(options.chunk_bytes, 1);
        const uint64_t chunks = (probe->size + chunk_size - 1) / chunk_size;
        for (uint64_t c = 0; c < chunks; ++c) {
          WorkItem item;
          item.input = index;
          item.chunk = static_cast<size_t>(c);
          item.split = true;
          item.begin = c * chunk_size;
          item.end = std::min(probe->size, (c + 1) * chunk_size);
          if (c + 1 == chunks) item.end = UINT64_MAX;  // file may have grown
          items.push_back(item);
        }
        in.chunks.resize(static_cast<size_t>(chunks));
      }
    }
    if (!split) {
      items.push_back(WorkItem{index, 0, false, 0, UINT64_MAX});
      in.chunks.resize(1);
    }
    inputs.push_back(std::move(in));
  }
  // Inputs that do not exist are listed first in the report; counting does
  // not depend on input order except for the overlap rule's tie-break.
  return run_inputs(std::move(inputs), options, std::move(items), std::move(forced), threads);
}

Result<EngineResult> run_engine_sources(std::vector<InputSource> sources,
                                        const EngineOptions& options) {
  if (sources.empty()) return invalid_argument_error("no input given");
  EFSTOP_ASSIGN_OR_RETURN(std::optional<LogFormat> forced, forced_format(options));
  const int threads = resolve_threads(options.threads);
  std::vector<Input> inputs;
  std::vector<WorkItem> items;
  for (InputSource& s : sources) {
    Input in;
    in.name = s.name;
    in.open = std::move(s.open);
    in.open_random = std::move(s.open_random);
    in.row_filter.keep_eni = std::move(s.keep_eni);
    in.row_filter.left_out = std::move(s.left_out);
    in.route.key_account = std::move(s.key_account);
    in.route.key_region = std::move(s.key_region);
    in.chunks.resize(1);
    items.push_back(WorkItem{inputs.size(), 0, false, 0, UINT64_MAX});
    inputs.push_back(std::move(in));
  }
  return run_inputs(std::move(inputs), options, std::move(items), std::move(forced), threads);
}

}  // namespace efstop::flowlog
