// run_engine: plans the inputs, reads them on worker threads (each with its
// own Aggregator), merges, applies once-per-flow, and reports.
//
// Pipeline per work item:
//   ByteSource (file range | file | stdin | custom)
//     -> decoding (gzip by magic) -> [prefetch thread when cores are spare]
//     -> line splitter (memchr over 1 MiB blocks) -> LineParser -> Aggregator
#include "flowlog/engine.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "flowlog/file_source_internal.h"
#include "flowlog/parser.h"

namespace efstop::flowlog {

namespace {

constexpr size_t kBlockSize = size_t{1} << 20;  // also the longest line accepted
constexpr size_t kProbeBytes = 64 << 10;
constexpr int kOrderShift = 44;  // order = (input << 44) | byte offset

// What one work item found. Written on every line by the item's worker,
// while the next item's outcome (the next element) may be another worker's:
// a cache line each, or the two threads fight over one.
struct alignas(64) ChunkOutcome {
  int64_t physical_lines = 0;  // every line that starts in the item, for numbering
  int64_t lines = 0;           // records + skipped
  int64_t skipped = 0;
  std::vector<std::pair<int64_t, std::string>> diagnostics;  // (local line, reason)
  bool failed = false;
  std::string error;
  bool used_interface_rule = false;
  bool used_overlap_rule = false;
};

struct Input {
  std::string name;
  std::function<Result<std::unique_ptr<ByteSource>>()> open;  // whole-stream items
  std::string path;                                           // local file, for split items
  std::optional<LogFormat> split_format;                      // format probed for split files
  bool pre_failed = false;
  std::string pre_error;
  std::vector<ChunkOutcome> chunks;
};

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

class StreamProcessor {
 public:
  StreamProcessor(const EngineOptions& options, const std::optional<LogFormat>& forced,
                  const std::optional<LogFormat>& initial, Aggregator* agg, ChunkOutcome* out,
                  const std::string& name, uint64_t order_base)
      : options_(options),
        forced_(forced.has_value()),
        agg_(agg),
        out_(out),
        name_(name),
        order_base_(order_base) {
    if (forced) {
      set_parser(*forced);
    } else if (initial) {
      set_parser(*initial);
    }
  }

  // Reads `src` from stream offset `begin`; handles lines starting before
  // `end`. With begin > 0 the first (partial) line belongs to the previous
  // item and is skipped (the source starts at begin - 1).
  void run(ByteSource& src, uint64_t begin, uint64_t end) {
    // kParsePadding bytes past the block stay readable for parse_padded().
    std::vector<char> buf(kBlockSize + kParsePadding);
    size_t have = 0;
    bool eof = false;
    uint64_t buf_offset = begin > 0 ? begin - 1 : 0;
    bool skip_first = begin > 0;
    bool discarding = false;  // inside an over-long line
    while (!stop_) {
      if (!eof) {
        Result<size_t> n = src.read(buf.data() + have, kBlockSize - have);
        if (!n.ok()) {
          fail(n.status().message());
          return;
        }
        if (*n == 0) eof = true;
        have += *n;
      }
      size_t pos = 0;
      while (!stop_) {
        const char* start = buf.data() + pos;
        const char* nl = static_cast<const char*>(std::memchr(start, '\n', have - pos));
        if (nl == nullptr) break;
        const size_t len = static_cast<size_t>(nl - start);
        const uint64_t line_offset = buf_offset + pos;
        pos += len + 1;
        if (skip_first) {
          skip_first = false;
          continue;
        }
        if (line_offset >= end) {
          stop_ = true;
          break;
        }
        if (discarding) {
          discarding = false;  // the tail of an over-long line, already counted
          continue;
        }
        handle_line(std::string_view(start, len), line_offset);
      }
      if (stop_) break;
      if (eof) {
        if (pos < have && !skip_first && !discarding && buf_offset + pos < end) {
          handle_line(std::string_view(buf.data() + pos, have - pos), buf_offset + pos);
        }
        break;
      }
      if (pos == 0 && have == kBlockSize) {
        // No newline in a whole block: not a flow-log line. Count it once
        // and drop bytes up to the next newline.
        if (!skip_first && !discarding) {
          if (buf_offset >= end) break;
          ++out_->physical_lines;
          ++out_->lines;
          skip(ParseOutcome{ParseError::kLineTooLong, -1}, {});
          discarding = true;
        }
        buf_offset += have;
        have = 0;
        continue;
      }
      std::memmove(buf.data(), buf.data() + pos, have - pos);
      buf_offset += pos;
      have -= pos;
    }
  }

  void fail(std::string message) {
    out_->failed = true;
    out_->error = std::move(message);
    stop_ = true;
  }

 private:
  void set_parser(const LogFormat& format) { parser_.emplace(format); }

  void handle_line(std::string_view line, uint64_t offset) {
    ++out_->physical_lines;
    size_t first = 0;
    while (first < line.size() &&
           (line[first] == ' ' || line[first] == '\t' || line[first] == '\r')) {
      ++first;
    }
    if (first == line.size()) return;  // blank: not a line
    const char c = line[first];
    if (c >= 'a' && c <= 'z' && looks_like_header(line)) {
      if (!forced_) {
        std::optional<LogFormat> format = parse_header_line(line);
        if (format) {
          Status st = check_format(*format, options_);
          if (!st.ok()) {
            fail(name_ + ":" + std::to_string(out_->physical_lines) + ": header " + st.message());
            return;
          }
          set_parser(*format);
          return;
        }
        // Not a usable header (a field named twice): parse as a record.
      } else {
        return;
      }
    }
    if (!parser_) {
      Status st = check_format(LogFormat::default_v2(), options_);
      if (!st.ok()) {
        fail(name_ + ": default format " + st.message());
        return;
      }
      set_parser(LogFormat::default_v2());
    }
    ++out_->lines;
    // `line` lies inside run()'s block, which keeps kParsePadding bytes after it.
    ParseOutcome outcome = parser_->parse_padded(line, &record_);
    if (!outcome.ok()) {
      skip(outcome, line);
      return;
    }
    if (record_.interface_id.empty()) {
      out_->used_overlap_rule = true;
    } else {
      out_->used_interface_rule = true;
    }
    agg_->add(record_, order_base_ | offset);
  }

  void skip(const ParseOutcome& outcome, std::string_view line) {
    ++out_->skipped;
    if (static_cast<int>(out_->diagnostics.size()) < options_.max_diagnostics_per_file) {
      const LogFormat& format = parser_ ? parser_->format() : LogFormat::default_v2();
      out_->diagnostics.emplace_back(out_->physical_lines,
                                     describe_parse_error(outcome, line, format));
    }
  }

  const EngineOptions& options_;
  bool forced_;
  Aggregator* agg_;
  ChunkOutcome* out_;
  const std::string& name_;
  uint64_t order_base_;
  std::optional<LineParser> parser_;
  FlowRecord record_;
  bool stop_ = false;
};

Result<EngineResult> run_inputs(std::vector<Input> inputs, const EngineOptions& options,
                                std::vector<WorkItem> items, std::optional<LogFormat> forced,
                                int threads) {
  AggregateConfig config;
  config.server_ips = options.server_ips;
  config.server_enis = options.server_enis;
  config.window_start = options.window_start;
  config.window_end = options.window_end;

  // Spare cores: let a lone stream inflate on one thread and parse on another.
  const bool prefetch = static_cast<int>(items.size()) < threads;
  const int workers = std::max(1, std::min<int>(threads, static_cast<int>(items.size())));

  std::vector<Aggregator> aggs;
  aggs.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i) aggs.emplace_back(&config);

  std::atomic<size_t> next{0};
  auto work = [&](int w) {
    while (true) {
      const size_t idx = next.fetch_add(1);
      if (idx >= items.size()) return;
      const WorkItem& item = items[idx];
      Input& in = inputs[item.input];
      ChunkOutcome& out = in.chunks[item.chunk];
      const uint64_t order_base = static_cast<uint64_t>(item.input) << kOrderShift;
      if (item.split) {
        StreamProcessor proc(options, forced, in.split_format, &aggs[static_cast<size_t>(w)], &out,
                             in.name, order_base);
        Result<std::unique_ptr<ByteSource>> src =
            open_file_range_source(in.path, item.begin > 0 ? item.begin - 1 : 0);
        if (!src.ok()) {
          proc.fail(src.status().message());
          continue;
        }
        proc.run(**src, item.begin, item.end);
        continue;
      }
      StreamProcessor proc(options, forced, std::nullopt, &aggs[static_cast<size_t>(w)], &out,
                           in.name, order_base);
      Result<std::unique_ptr<ByteSource>> raw = in.open();
      if (!raw.ok()) {
        proc.fail(raw.status().message());
        continue;
      }
      std::unique_ptr<ByteSource> src = make_decoding_source(std::move(raw).value());
      if (prefetch) src = make_prefetch_source(std::move(src));
      proc.run(*src, 0, UINT64_MAX);
    }
  };
  if (workers == 1) {
    work(0);
  } else {
    std::vector<std::jthread> pool;
    for (int w = 0; w < workers; ++w) pool.emplace_back(work, w);
  }

  Aggregator& total = aggs[0];
  for (size_t i = 1; i < aggs.size(); ++i) total.merge(std::move(aggs[i]));

  EngineResult result;
  result.pairs = total.finish(&result.stats);
  EFSTOP_RETURN_IF_ERROR(total.status());
  result.warnings = total.warnings();
  for (Input& in : inputs) {
    InputReport report;
    report.name = in.name;
    ++result.stats.files;
    if (in.pre_failed) {
      report.failed = true;
      report.error = in.pre_error;
    }
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
  std::vector<FieldId> needed = {FieldId::kSrcAddr, FieldId::kDstAddr, FieldId::kPackets,
                                 FieldId::kBytes,   FieldId::kStart,   FieldId::kEnd};
  if (options.server_ips.empty()) {
    needed.insert(needed.end(), {FieldId::kSrcPort, FieldId::kDstPort, FieldId::kProtocol});
  }
  for (FieldId id : needed) {
    if (format.has(id)) continue;
    std::string msg = std::string("lacks the ").append(field_name(id)).append(" field");
    if (id == FieldId::kStart && (options.window_start || options.window_end)) {
      msg += " (needed for the time window)";
    } else if (id == FieldId::kSrcPort || id == FieldId::kDstPort || id == FieldId::kProtocol) {
      msg +=
          " (needed to find NFS traffic on port 2049; or pass the EFS addresses with "
          "--server-ips)";
    } else {
      msg += " (needed to count bytes per client and server)";
    }
    return invalid_argument_error(msg);
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
          !has_gzip_magic(probe->head)) {
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
    in.chunks.resize(1);
    items.push_back(WorkItem{inputs.size(), 0, false, 0, UINT64_MAX});
    inputs.push_back(std::move(in));
  }
  return run_inputs(std::move(inputs), options, std::move(items), std::move(forced), threads);
}

}  // namespace efstop::flowlog
