#include "flowlog/stream_processor.h"

#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace efstop::flowlog {

namespace {

// Bit i set where byte i of the 64 bytes at `p` is '\n'.
inline uint64_t newline_bits(const char* p) {
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  uint64_t bits = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    bits |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl))))
            << (16 * i);
  }
  return bits;
#else
  uint64_t bits = 0;
  for (int i = 0; i < 64; ++i) bits |= static_cast<uint64_t>(p[i] == '\n') << i;
  return bits;
#endif
}

// run()'s buffers, kept per thread: a worker runs many items (a big file is
// split into 16 MiB ones), and fresh megabytes per item cost page faults
// and zeroing. Uninitialised: only what is written counts as memory, and
// the bytes read past the data (kParsePadding, for whole-vector loads) are
// never part of a result.
struct ReadBuffers {
  std::unique_ptr<char[]> data{new char[kMaxLineBytes + kParsePadding]};
  std::unique_ptr<uint32_t[]> ends{new uint32_t[kMaxLineBytes]};
};

ReadBuffers& thread_read_buffers() {
  thread_local ReadBuffers buffers;
  return buffers;
}

// The `column`-th field of a record line (fields separated by runs of
// spaces or tabs, a trailing '\r' ignored); empty when column < 0 or the
// line is shorter. Slow path: only reads with scopes call it.
std::string_view field_token(std::string_view line, int column) {
  if (column < 0) return {};
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t i = 0;
  for (int c = 0;; ++c) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) return {};
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (c == column) return line.substr(i, j - i);
    i = j;
  }
}

// A field that says nothing about where the record belongs: absent, `-`
// (AWS: not applicable), or `unknown` (AWS writes it in account-id for ENIs
// some services create).
bool no_value(std::string_view v) { return v.empty() || v == "-" || v == "unknown"; }

}  // namespace

ScopeRouter::ScopeRouter(const std::vector<ScopeRoute>& scopes) {
  for (const ScopeRoute& s : scopes) scopes_.emplace_back(s.account, s.region);
}

int ScopeRouter::find(std::string_view account, std::string_view region) const {
  int any_account = -1;
  for (size_t i = 0; i < scopes_.size(); ++i) {
    if (scopes_[i].second != region) continue;
    if (scopes_[i].first == account) return static_cast<int>(i);
    if (scopes_[i].first.empty() && any_account < 0) any_account = static_cast<int>(i);
  }
  return any_account;
}

std::string_view ScopeRouter::only_region(std::string_view account) const {
  std::string_view found;
  for (const auto& [a, r] : scopes_) {
    if (!a.empty() && a != account) continue;
    if (!found.empty() && found != r) return {};
    found = r;
  }
  return found;
}

RouteStats& RouteStats::operator+=(const RouteStats& o) {
  for (const auto& [k, v] : o.moved) moved[k] += v;
  for (const auto& [k, v] : o.outside) outside[k] += v;
  unattributed += o.unattributed;
  by_field += o.by_field;
  by_key += o.by_key;
  for (const auto& [k, v] : o.moved_from_folder) moved_from_folder[k] += v;
  for (const auto& f : o.unread_folders) unread_folders.push_back(f);
  return *this;
}

int64_t RouteStats::outside_records() const {
  int64_t n = unattributed.records;
  for (const auto& [k, v] : outside) n += v.records;
  return n;
}

RouteInput make_route_input(const ScopeRouter* router, std::string key_account,
                            std::string key_region) {
  RouteInput in;
  in.router = router;
  in.key_account = std::move(key_account);
  in.key_region = std::move(key_region);
  std::string_view region = in.key_region;
  if (region.empty()) region = router->only_region(in.key_account);
  in.key_scope = region.empty() ? -1 : router->find(in.key_account, region);
  return in;
}

int route_to_scope(const RouteInput& input, std::string_view account, std::string_view region,
                   const RouteCount& count, RouteStats* stats, ScopeMemo* memo) {
  const bool account_field = !no_value(account);
  const bool region_field = !no_value(region);
  if (!account_field) account = input.key_account;
  if (!region_field) region = input.key_region;
  if (account_field || region_field) {
    stats->by_field += count.records;
  } else {
    stats->by_key += count.records;
  }
  if (region.empty()) region = input.router->only_region(account);
  if (region.empty()) {
    stats->unattributed += count;
    return -1;
  }
  if (memo->scope == -2 || account != memo->account || region != memo->region) {
    memo->account.assign(account);
    memo->region.assign(region);
    memo->scope = input.router->find(account, region);
  }
  const int scope = memo->scope;
  if (scope < 0) {
    stats->outside[{std::string(account), std::string(region)}] += count;
    return -1;
  }
  if (scope != input.key_scope) {
    if (input.key_scope < 0 && !input.key_account.empty()) {
      // A folder no scope reads (--s3-all-folders): its (account, region)
      // is kept, since no scope index names it.
      stats->moved_from_folder[{{input.key_account, input.key_region}, scope}] += count;
    } else {
      stats->moved[{input.key_scope, scope}] += count;
    }
  }
  return scope;
}

Aggregator* StreamProcessor::route_record(std::string_view line) {
  const LogFormat& format = parser_->format();
  const RouteCount count{record_.flows, (record_.present & kHasBytes) != 0 ? record_.bytes : 0};
  return router_->route(field_token(line, format.column_of(FieldId::kAccountId)),
                        field_token(line, format.column_of(FieldId::kRegion)), count);
}

size_t find_newlines(const char* data, size_t len, uint32_t* ends) {
  size_t n = 0;
  for (size_t off = 0; off < len; off += 64) {
    uint64_t bits = newline_bits(data + off);
    if (len - off < 64) bits &= (uint64_t{1} << (len - off)) - 1;
    while (bits != 0) {
      ends[n++] = static_cast<uint32_t>(off + static_cast<size_t>(std::countr_zero(bits)));
      bits &= bits - 1;
    }
  }
  return n;
}

StreamProcessor::StreamProcessor(const EngineOptions& options,
                                 const std::optional<LogFormat>& forced,
                                 const std::optional<LogFormat>& initial, Aggregator* agg,
                                 ChunkOutcome* out, const std::string& name, uint64_t order_base)
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

void StreamProcessor::handle_line(std::string_view line, uint64_t offset) {
  ++out_->physical_lines;
  ++line_number_;
  // A record of the formats AWS writes starts with a digit (the version or
  // another number); anything else may be blank or a header line.
  if (line.empty() || static_cast<unsigned char>(line[0] - '0') > 9 || !parser_) [[unlikely]] {
    if (!prepare_odd_line(line)) return;
  }
  ++out_->lines;
  // `line` lies inside a buffer that keeps kParsePadding bytes after it.
  ParseOutcome outcome = parser_->parse_padded(line, &record_);
  if (!outcome.ok()) [[unlikely]] {
    skip(outcome, line);
    return;
  }
  Aggregator* agg = agg_;
  if (router_) [[unlikely]] {
    agg = route_record(line);
    if (agg == nullptr) return;
  }
  if (record_.interface_id.empty()) {
    out_->used_overlap_rule = true;
  } else {
    out_->used_interface_rule = true;
  }
  agg->add(record_, order_base_ | offset);
}

void StreamProcessor::run(ByteSource& src, uint64_t begin, uint64_t end) {
  ReadBuffers& buffers = thread_read_buffers();
  char* const buf = buffers.data.get();
  uint32_t* const ends = buffers.ends.get();
  size_t have = 0;
  bool eof = false;
  uint64_t buf_offset = begin > 0 ? begin - 1 : 0;
  bool skip_first = begin > 0;
  bool discarding = false;  // inside an over-long line
  while (!stop_) {
    if (!eof) {
      Result<size_t> n = src.read(buf + have, kMaxLineBytes - have);
      if (!n.ok()) {
        fail(n.status().message());
        return;
      }
      if (*n == 0) eof = true;
      have += *n;
    }
    size_t pos = 0;
    const size_t line_count = find_newlines(buf, have, ends);
    for (size_t i = 0; i < line_count && !stop_; ++i) {
      const char* start = buf + pos;
      const size_t len = ends[i] - pos;
      const uint64_t line_offset = buf_offset + pos;
      pos = ends[i] + 1;
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
        handle_line(std::string_view(buf + pos, have - pos), buf_offset + pos);
      }
      break;
    }
    if (pos == 0 && have == kMaxLineBytes) {
      // No newline in a whole block: not a flow-log line. Count it once
      // and drop bytes up to the next newline.
      if (!skip_first && !discarding) {
        if (buf_offset >= end) break;
        ++out_->physical_lines;
        ++line_number_;
        ++out_->lines;
        skip(ParseOutcome{ParseError::kLineTooLong, -1}, {});
        discarding = true;
      }
      buf_offset += have;
      have = 0;
      continue;
    }
    std::memmove(buf, buf + pos, have - pos);
    buf_offset += pos;
    have -= pos;
  }
}

void StreamProcessor::run_block(const LineBlock& block) {
  if (stop_) return;
  line_number_ = block.first_line;
  if (block.too_long_line) {
    ++out_->physical_lines;
    ++line_number_;
    ++out_->lines;
    skip(ParseOutcome{ParseError::kLineTooLong, -1}, {});
    return;
  }
  if (!forced_ && block_format_ != block.start_format.get()) {
    if (block.start_format) {
      set_parser(*block.start_format);
    } else {
      parser_.reset();  // the default, at the first record
    }
    block_format_ = block.start_format.get();
  }
  uint32_t begin = 0;
  for (size_t i = 0; i < block.line_count && !stop_; ++i) {
    const uint32_t end = block.ends[i];
    handle_line(std::string_view(block.data + begin, end - begin), block.offset + begin);
    begin = end + 1;
  }
}

void StreamProcessor::fail(std::string message) {
  out_->failed = true;
  out_->error = std::move(message);
  stop_ = true;
}

bool StreamProcessor::prepare_odd_line(std::string_view line) {
  size_t first = 0;
  while (first < line.size() &&
         (line[first] == ' ' || line[first] == '\t' || line[first] == '\r')) {
    ++first;
  }
  if (first == line.size()) return false;  // blank: not a line
  const char c = line[first];
  if (c >= 'a' && c <= 'z' && looks_like_header(line)) {
    if (forced_) return false;
    std::optional<LogFormat> format = parse_header_line(line);
    if (format) {
      Status st = check_format(*format, options_);
      if (!st.ok()) {
        fail(name_ + ":" + std::to_string(line_number_) + ": header " + st.message());
        out_->usage_error = format->has(FieldId::kSrcAddr) && format->has(FieldId::kDstAddr) &&
                            format->has(FieldId::kBytes);  // so the window is why
        return false;
      }
      set_parser(*format);
      block_format_.reset();
      return false;
    }
    // Not a usable header (a field named twice): parse as a record.
  }
  if (!parser_) {
    Status st = check_format(LogFormat::default_v2(), options_);
    if (!st.ok()) {
      fail(name_ + ": default format " + st.message());
      return false;
    }
    set_parser(LogFormat::default_v2());
  }
  return true;
}

void StreamProcessor::skip(const ParseOutcome& outcome, std::string_view line) {
  ++out_->skipped;
  if (static_cast<int>(out_->diagnostics.size()) < options_.max_diagnostics_per_file) {
    const LogFormat& format = parser_ ? parser_->format() : LogFormat::default_v2();
    out_->diagnostics.emplace_back(line_number_, describe_parse_error(outcome, line, format));
  }
}

}  // namespace efstop::flowlog
