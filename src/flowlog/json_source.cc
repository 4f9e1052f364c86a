// make_json_unwrap_source: JSON-wrapped flow-log records to text lines
// (json_source_internal.h has the contract).
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>

#include "flowlog/json_source_internal.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace efstop::flowlog {

namespace {

// Spans kept for remapping diagnostics; past this a diagnostic names the
// output line (memory stays bounded for any stream length).
constexpr size_t kMaxSpans = size_t{1} << 16;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class JsonUnwrapSource final : public ByteSource {
 public:
  JsonUnwrapSource(std::unique_ptr<ByteSource> inner, JsonUnwrapReport* report, size_t max_value,
                   size_t read_block)
      : inner_(std::move(inner)),
        report_(report),
        max_value_(max_value),
        read_block_(std::max<size_t>(read_block, 1)) {}

  const std::string& name() const override { return inner_->name(); }

  Result<size_t> read(char* buf, size_t capacity) override {
    if (mode_ == Mode::kUnknown) EFSTOP_RETURN_IF_ERROR(sniff());
    if (mode_ == Mode::kPlain) {
      if (out_pos_ < out_.size()) return drain(buf, capacity);
      return inner_->read(buf, capacity);
    }
    while (out_pos_ >= out_.size()) {
      if (eof_) return size_t{0};
      out_.clear();
      out_pos_ = 0;
      EFSTOP_RETURN_IF_ERROR(pump());
    }
    return drain(buf, capacity);
  }

 private:
  enum class Mode { kUnknown, kPlain, kJson };

  size_t drain(char* buf, size_t capacity) {
    const size_t n = std::min(capacity, out_.size() - out_pos_);
    std::memcpy(buf, out_.data() + out_pos_, n);
    out_pos_ += n;
    return n;
  }

  // Reads until the first non-blank byte (or EOF) and decides. The bytes
  // read are kept in `in_` (JSON) or handed out first (plain).
  Status sniff() {
    std::string head;
    while (true) {
      const size_t old = head.size();
      head.resize(old + read_block_);
      Result<size_t> n = inner_->read(head.data() + old, read_block_);
      if (!n.ok()) return n.status();
      head.resize(old + *n);
      const size_t first = head.find_first_not_of(" \t\r\n");
      if (first != std::string::npos || *n == 0) {
        if (first != std::string::npos && head[first] == '{') {
          mode_ = Mode::kJson;
          report_->json = true;
          in_ = std::move(head);
        } else {
          mode_ = Mode::kPlain;
          out_ = std::move(head);
        }
        return Status();
      }
      if (head.size() > (size_t{1} << 20)) {  // blanks only so far: text
        mode_ = Mode::kPlain;
        out_ = std::move(head);
        return Status();
      }
    }
  }

  // Scans one block of input (`in_` first, then reads), appending messages
  // to out_. Sets eof_ at the end of the stream.
  Status pump() {
    if (in_.empty()) {
      in_.resize(read_block_);
      Result<size_t> n = inner_->read(in_.data(), in_.size());
      if (!n.ok()) return n.status();
      in_.resize(*n);
      if (*n == 0) {
        finish_stream();
        eof_ = true;
        if (report_->messages == 0 && report_->skipped > 0 && report_->values > 0) {
          std::string first = report_->diagnostics.empty()
                                  ? std::string()
                                  : "; first: line " +
                                        std::to_string(report_->diagnostics.front().first) + ": " +
                                        report_->diagnostics.front().second;
          return parse_error(inner_->name() + ": none of its " + std::to_string(report_->values) +
                             " JSON value(s) held a flow-log record" + first);
        }
        return Status();
      }
    }
    scan(in_);
    in_.clear();
    return Status();
  }

  void scan(std::string_view data) {
    const char* p = data.data();
    const char* const end = p + data.size();
    while (p < end) {
      if (in_string_ && !escape_ && depth_ > 0) {
        // The bulk of a value: a run of string bytes, taken in one append.
        const char* q = p;
        while (q < end && *q != '"' && *q != '\\' && *q != '\n') ++q;
        if (q != p) {
          append(p, static_cast<size_t>(q - p));
          at_line_start_ = false;
          p = q;
          continue;
        }
      }
      const char c = *p++;
      const bool line_start = at_line_start_;
      at_line_start_ = c == '\n';
      if (depth_ == 0) {
        if (c == '{') {
          end_junk();
          // The whole value in this block, decided by the scanner: taken
          // from here, never copied (else the cutter below takes it).
          const char* at = p - 1;
          size_t used = 0;
          if (extractor_.extract_prefix(std::string_view(at, static_cast<size_t>(end - at)),
                                        &used) &&
              used <= max_value_) {
            ++report_->values;
            value_line_ = line_;
            act();
            line_ += std::count(at, at + used, '\n');
            at_line_start_ = false;
            p = at + used;
            continue;
          }
          begin_value();
          continue;
        }
        if (c == '\n') {
          end_junk();
        } else if (!is_space(c) && !junk_) {
          junk_ = true;
          junk_line_ = line_;
        }
        if (c == '\n') ++line_;
        continue;
      }
      if (in_string_) {
        if (c == '\n') {  // JSON strings hold no raw newline: the value is cut
          bad_value("unterminated string (a raw line break inside a JSON string)");
          ++line_;
          continue;
        }
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
        append(c);
        continue;
      }
      if (c == '{' && line_start) {
        // A new object at the start of a line while one is open: the open
        // one was cut short (pretty-printed output indents nested objects).
        bad_value("incomplete JSON value (a new object starts on line " + std::to_string(line_) +
                  ")");
        begin_value();
        continue;
      }
      append(c);
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        if (--depth_ == 0) end_value();
      } else if (c == '\n') {
        ++line_;
      }
    }
  }

  void append(char c) { append(&c, 1); }

  void append(const char* s, size_t n) {
    if (oversize_) return;
    if (value_.size() + n > max_value_) {
      oversize_ = true;
      value_.clear();
      value_.shrink_to_fit();
      return;
    }
    value_.append(s, n);
  }

  void begin_value() {
    depth_ = 1;
    in_string_ = false;
    escape_ = false;
    oversize_ = false;
    value_.assign(1, '{');
    value_line_ = line_;
    ++report_->values;
  }

  void end_junk() {
    if (!junk_) return;
    junk_ = false;
    skip(junk_line_, "not a JSON object");
  }

  void finish_stream() {
    end_junk();
    if (depth_ > 0) bad_value("incomplete JSON value (the stream ends inside it)");
  }

  void bad_value(const std::string& why) {
    depth_ = 0;
    in_string_ = false;
    escape_ = false;
    value_.clear();
    skip(value_line_, why);
  }

  void skip(int64_t line, std::string reason) {
    ++report_->skipped;
    if (report_->diagnostics.size() < report_->max_diagnostics) {
      report_->diagnostics.emplace_back(line, std::move(reason));
    }
  }

  void end_value() {
    if (oversize_) {
      skip(value_line_, "JSON value larger than " + std::to_string(max_value_ >> 20) +
                            " MiB (the bound per envelope), skipped whole");
      value_.clear();
      return;
    }
    // The messages may be views into value_: it is cleared after emit().
    extractor_.extract(value_);
    act();
    value_.clear();
  }

  // What extractor_ decided for the value at value_line_.
  void act() {
    for (std::string& why : extractor_.event_skips) skip(value_line_, std::move(why));
    switch (extractor_.kind) {
      case JsonMessageExtractor::Kind::kControl:
        ++report_->control_messages;
        break;
      case JsonMessageExtractor::Kind::kSkip:
        skip(value_line_, std::move(extractor_.reason));
        break;
      case JsonMessageExtractor::Kind::kMessages:
        emit();
        break;
    }
  }

  void emit() {
    const std::vector<std::string_view>& messages_ = extractor_.messages;
    if (messages_.empty()) return;
    // Blank lines (ignored by the text parser) up to the value's line.
    while (emitted_lines_ + 1 < value_line_) {
      out_.push_back('\n');
      ++emitted_lines_;
    }
    const bool own_line = messages_.size() == 1 && emitted_lines_ + 1 == value_line_;
    if (!own_line && report_->spans.size() < kMaxSpans) {
      report_->spans.push_back(JsonUnwrapReport::Span{
          emitted_lines_ + 1, static_cast<int64_t>(messages_.size()), value_line_});
    }
    for (const std::string_view m : messages_) {
      const size_t at = out_.size();
      out_.append(m);
      // A message is one record: a line break inside it must not make two.
      for (size_t i = at; i < out_.size(); ++i) {
        if (out_[i] == '\n' || out_[i] == '\r') out_[i] = ' ';
      }
      out_.push_back('\n');
      ++emitted_lines_;
    }
    report_->messages += static_cast<int64_t>(messages_.size());
  }

  std::unique_ptr<ByteSource> inner_;
  JsonUnwrapReport* report_;
  size_t max_value_;
  size_t read_block_;
  Mode mode_ = Mode::kUnknown;
  std::string in_;
  std::string out_;
  size_t out_pos_ = 0;
  bool eof_ = false;
  // Scanner state.
  int64_t line_ = 1;
  bool at_line_start_ = true;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool oversize_ = false;
  bool junk_ = false;
  int64_t junk_line_ = 0;
  std::string value_;
  int64_t value_line_ = 0;
  int64_t emitted_lines_ = 0;
  JsonMessageExtractor extractor_;
};

}  // namespace

// ---- JsonMessageExtractor ----

namespace {

// A strict recursive-descent pass over one JSON value that records only
// what end_value needs. It returns false ("cannot decide") on anything it
// does not handle exactly as nlohmann::json would, including malformed
// input: the reference then decides, so the scanner can only be faster,
// never different.
class FastScan {
 public:
  FastScan(std::string_view v, std::string* unescaped)
      : p_(v.data()), end_(v.data() + v.size()), unescaped_(unescaped) {}

  struct Str {
    bool set = false;
    bool is_string = false;
    std::string_view text;
  };
  // Per element: (is an object with a string message, that message).
  using Items = std::vector<std::pair<bool, std::string_view>>;
  struct Events {
    bool set = false;
    bool is_array = false;
    Items items;
  };

  Str message_type, message;
  Events events, log_events;

  // The whole input is one object (and blanks).
  bool top() {
    ws();
    if (p_ >= end_ || *p_ != '{' || !object(1, nullptr, true)) return false;
    ws();
    return p_ == end_ && !cut_;
  }

  // An object at the start of the input, followed by anything; *consumed
  // is its length.
  bool top_prefix(size_t* consumed) {
    const char* begin = p_;
    if (p_ >= end_ || *p_ != '{' || !object(1, nullptr, true) || cut_) return false;
    *consumed = static_cast<size_t>(p_ - begin);
    return true;
  }

 private:
  static constexpr int kMaxDepth = 64;

  // Blanks. A '{' right after a line break inside a value is where the
  // stream's value cutter declares the open value cut short: not decided.
  void ws() {
    char last = 0;
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) last = *p_++;
    if (last == '\n' && p_ < end_ && *p_ == '{') cut_ = true;
  }

  bool lit(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // A string at p_ ('"'); `out` gets its decoded text (a view into the
  // value when it has no escape, else into unescaped_).
  bool string(std::string_view* out) {
    ++p_;  // the quote
    const char* start = p_;
#ifdef __SSE2__
    // 16 bytes at a time to the first '"', '\\', control or non-ASCII byte.
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end_ - p_ >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
      const __m128i stop =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                       _mm_cmplt_epi8(v, space));  // signed: also >= 0x80
      const int mask = _mm_movemask_epi8(stop);
      if (mask != 0) {
        p_ += __builtin_ctz(static_cast<unsigned>(mask));
        break;
      }
      p_ += 16;
    }
#endif
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *out = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') break;
      if (c < 0x20 || c >= 0x80) return false;  // invalid, or UTF-8 nlohmann checks
      ++p_;
    }
    if (p_ >= end_) return false;
    // Escapes: decoded into unescaped_, reserved to the value's size (a
    // decoded string is never longer), so earlier views into it stay valid.
    const size_t at = unescaped_->size();
    unescaped_->append(start, static_cast<size_t>(p_ - start));
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *out = std::string_view(unescaped_->data() + at, unescaped_->size() - at);
        ++p_;
        return true;
      }
      if (c < 0x20 || c >= 0x80) return false;
      if (c != '\\') {
        unescaped_->push_back(static_cast<char>(c));
        ++p_;
        continue;
      }
      if (end_ - p_ < 2) return false;
      char e = 0;
      switch (p_[1]) {
        case '"':
        case '\\':
        case '/':
          e = p_[1];
          break;
        case 'b':
          e = '\b';
          break;
        case 'f':
          e = '\f';
          break;
        case 'n':
          e = '\n';
          break;
        case 'r':
          e = '\r';
          break;
        case 't':
          e = '\t';
          break;
        default:
          return false;  // \uXXXX (surrogates, UTF-8) and bad escapes
      }
      unescaped_->push_back(e);
      p_ += 2;
    }
    return false;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?, 16 characters at most: nlohmann reads
  // these as integers or doubles with no edge case (no exponent, no
  // overflow).
  bool number() {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ >= end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      const char* digits = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == digits) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) return false;
    return p_ - start <= 16;
  }

  // Any value at `depth`, nothing recorded.
  bool value(int depth) {
    if (p_ >= end_) return false;
    switch (*p_) {
      case '{':
        return object(depth + 1, nullptr, false);
      case '[':
        return array(depth + 1, nullptr);
      case '"': {
        std::string_view ignored;
        return string(&ignored);
      }
      case 't':
        return lit("true");
      case 'f':
        return lit("false");
      case 'n':
        return lit("null");
      default:
        return number();
    }
  }

  // A string value into `s`, or any other value (s->is_string false).
  // Repeated keys cannot be decided (nlohmann keeps one of them).
  bool field(Str* s, int depth) {
    if (s->set) return false;
    s->set = true;
    if (*p_ != '"') return value(depth);
    s->is_string = true;
    return string(&s->text);
  }

  // An object at p_ ('{'). `top`: the value itself (messageType, message,
  // events, logEvents recorded); `item`: an element of events/logEvents
  // (its message recorded).
  bool object(int depth, std::pair<bool, std::string_view>* item, bool top) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    Str item_message;
    while (true) {
      if (p_ >= end_ || *p_ != '"') return false;
      std::string_view key;
      if (!string(&key)) return false;
      ws();
      if (p_ >= end_ || *p_ != ':') return false;
      ++p_;
      ws();
      if (p_ >= end_) return false;
      bool ok = false;
      if (top && key == "messageType") {
        ok = field(&message_type, depth);
      } else if (top && key == "message") {
        ok = field(&message, depth);
      } else if (top && (key == "events" || key == "logEvents")) {
        Events* ev = key == "events" ? &events : &log_events;
        if (ev->set) return false;
        ev->set = true;
        ev->is_array = *p_ == '[';
        ok = ev->is_array ? array(depth + 1, &ev->items) : value(depth);
      } else if (item != nullptr && key == "message") {
        ok = field(&item_message, depth);
        if (ok && item_message.is_string) *item = {true, item_message.text};
      } else {
        ok = value(depth);
      }
      if (!ok) return false;
      ws();
      if (p_ >= end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      ws();
    }
  }

  // An array at p_ ('['); with `items`, each element's message.
  bool array(int depth, Items* items) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '['
    ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      bool ok = false;
      if (items != nullptr) {
        items->emplace_back(false, std::string_view());
        ok = p_ < end_ && *p_ == '{' ? object(depth + 1, &items->back(), false) : value(depth);
      } else {
        ok = value(depth);
      }
      if (!ok) return false;
      ws();
      if (p_ >= end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      ws();
    }
  }

  const char* p_;
  const char* end_;
  std::string* unescaped_;
  bool cut_ = false;
};

constexpr const char* kNoRecord =
    "JSON object without a flow-log record (no message field, DATA_MESSAGE envelope or "
    "filter-log-events events)";

}  // namespace

void JsonMessageExtractor::extract(std::string_view value, bool fast) {
  kind = Kind::kMessages;
  reason.clear();
  messages.clear();
  event_skips.clear();
  decided_fast = fast && scan(value, nullptr);
  if (!decided_fast) {
    kind = Kind::kMessages;
    reason.clear();
    messages.clear();
    event_skips.clear();
    reference(value);
  }
}

// The decision of reference() below, on what FastScan recorded.
bool JsonMessageExtractor::extract_prefix(std::string_view data, size_t* consumed) {
  kind = Kind::kMessages;
  reason.clear();
  messages.clear();
  event_skips.clear();
  decided_fast = scan(data, consumed);
  return decided_fast;
}

bool JsonMessageExtractor::scan(std::string_view value, size_t* consumed) {
  unescaped_.clear();
  unescaped_.reserve(value.size());
  FastScan f(value, &unescaped_);
  if (consumed != nullptr ? !f.top_prefix(consumed) : !f.top()) return false;
  const auto take = [&](const FastScan::Events& ev, const char* key) {
    if (!ev.set || !ev.is_array) {
      kind = Kind::kSkip;
      reason = std::string(key) + " is not an array";
      return;
    }
    for (size_t i = 0; i < ev.items.size(); ++i) {
      if (ev.items[i].first) {
        messages.push_back(ev.items[i].second);
      } else {
        event_skips.push_back(std::string(key) + "[" + std::to_string(i) +
                              "] has no string message");
      }
    }
  };
  if (f.message_type.set) {
    if (!f.message_type.is_string) {
      kind = Kind::kSkip;
      reason = "messageType is not a string";
    } else if (f.message_type.text == "CONTROL_MESSAGE") {
      kind = Kind::kControl;
    } else if (f.message_type.text != "DATA_MESSAGE") {
      kind = Kind::kSkip;
      reason = "unknown CloudWatch Logs messageType \"" + std::string(f.message_type.text) + "\"";
    } else {
      take(f.log_events, "logEvents");
    }
  } else if (f.events.set) {
    take(f.events, "events");
  } else if (f.message.set && f.message.is_string) {
    messages.push_back(f.message.text);
  } else {
    kind = Kind::kSkip;
    reason = kNoRecord;
  }
  return true;
}

void JsonMessageExtractor::reference(std::string_view value) {
  doc_ = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json& v = doc_;
  if (v.is_discarded()) {
    kind = Kind::kSkip;
    reason = "malformed JSON";
    return;
  }
  const auto take = [&](const char* key) {
    auto events = v.find(key);
    if (events == v.end() || !events->is_array()) {
      kind = Kind::kSkip;
      reason = std::string(key) + " is not an array";
      return;
    }
    int64_t index = 0;
    for (const nlohmann::json& e : *events) {
      ++index;
      auto m = e.is_object() ? e.find("message") : e.end();
      if (!e.is_object() || m == e.end() || !m->is_string()) {
        event_skips.push_back(std::string(key) + "[" + std::to_string(index - 1) +
                              "] has no string message");
        continue;
      }
      messages.push_back(m->get_ref<const std::string&>());
    }
  };
  auto message_type = v.find("messageType");
  if (message_type != v.end()) {
    if (!message_type->is_string()) {
      kind = Kind::kSkip;
      reason = "messageType is not a string";
      return;
    }
    const std::string& type = message_type->get_ref<const std::string&>();
    if (type == "CONTROL_MESSAGE") {
      kind = Kind::kControl;
      return;
    }
    if (type != "DATA_MESSAGE") {
      kind = Kind::kSkip;
      reason = "unknown CloudWatch Logs messageType \"" + type + "\"";
      return;
    }
    take("logEvents");
  } else if (v.contains("events")) {
    take("events");
  } else {
    auto m = v.find("message");
    if (m == v.end() || !m->is_string()) {
      kind = Kind::kSkip;
      reason = kNoRecord;
      return;
    }
    messages.push_back(m->get_ref<const std::string&>());
  }
}

std::pair<int64_t, int64_t> JsonUnwrapReport::remap(int64_t output_line) const {
  auto it =
      std::upper_bound(spans.begin(), spans.end(), output_line,
                       [](int64_t line, const Span& s) { return line < s.first_output_line; });
  if (it != spans.begin()) {
    const Span& s = *std::prev(it);
    if (output_line < s.first_output_line + s.count) {
      return {s.json_line, output_line - s.first_output_line + 1};
    }
  }
  if (spans.size() >= kMaxSpans) return {output_line, -1};
  return {output_line, 0};
}

std::unique_ptr<ByteSource> make_json_unwrap_source(std::unique_ptr<ByteSource> inner,
                                                    JsonUnwrapReport* report,
                                                    size_t max_value_bytes, size_t read_block) {
  return std::make_unique<JsonUnwrapSource>(std::move(inner), report, max_value_bytes, read_block);
}

}  // namespace efstop::flowlog
