// make_json_unwrap_source: JSON-wrapped flow-log records to text lines
// (json_source_internal.h has the contract).
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "flowlog/json_source_internal.h"

namespace efstop::flowlog {

namespace {

constexpr size_t kReadBlock = size_t{256} << 10;
// Spans kept for remapping diagnostics; past this a diagnostic names the
// output line (memory stays bounded for any stream length).
constexpr size_t kMaxSpans = size_t{1} << 16;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class JsonUnwrapSource final : public ByteSource {
 public:
  JsonUnwrapSource(std::unique_ptr<ByteSource> inner, JsonUnwrapReport* report, size_t max_value)
      : inner_(std::move(inner)), report_(report), max_value_(max_value) {}

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
      head.resize(old + kReadBlock);
      Result<size_t> n = inner_->read(head.data() + old, kReadBlock);
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
      in_.resize(kReadBlock);
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
    for (const char c : data) {
      const bool line_start = at_line_start_;
      at_line_start_ = c == '\n';
      if (depth_ == 0) {
        if (c == '{') {
          end_junk();
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

  void append(char c) {
    if (oversize_) return;
    if (value_.size() >= max_value_) {
      oversize_ = true;
      value_.clear();
      value_.shrink_to_fit();
      return;
    }
    value_.push_back(c);
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
    nlohmann::json v = nlohmann::json::parse(value_, nullptr, /*allow_exceptions=*/false);
    value_.clear();
    if (v.is_discarded()) {
      skip(value_line_, "malformed JSON");
      return;
    }
    messages_.clear();
    auto message_type = v.find("messageType");
    if (message_type != v.end()) {
      if (!message_type->is_string()) {
        skip(value_line_, "messageType is not a string");
        return;
      }
      const std::string& type = message_type->get_ref<const std::string&>();
      if (type == "CONTROL_MESSAGE") {
        ++report_->control_messages;
        return;
      }
      if (type != "DATA_MESSAGE") {
        skip(value_line_, "unknown CloudWatch Logs messageType \"" + type + "\"");
        return;
      }
      take_events(v, "logEvents");
    } else if (v.contains("events")) {
      take_events(v, "events");
    } else {
      auto m = v.find("message");
      if (m == v.end() || !m->is_string()) {
        skip(value_line_,
             "JSON object without a flow-log record (no message field, DATA_MESSAGE envelope or "
             "filter-log-events events)");
        return;
      }
      messages_.push_back(&m->get_ref<const std::string&>());
    }
    emit();
  }

  void take_events(const nlohmann::json& v, const char* key) {
    auto events = v.find(key);
    if (events == v.end() || !events->is_array()) {
      skip(value_line_, std::string(key) + " is not an array");
      return;
    }
    int64_t index = 0;
    for (const nlohmann::json& e : *events) {
      ++index;
      auto m = e.is_object() ? e.find("message") : e.end();
      if (!e.is_object() || m == e.end() || !m->is_string()) {
        skip(value_line_,
             std::string(key) + "[" + std::to_string(index - 1) + "] has no string message");
        continue;
      }
      messages_.push_back(&m->get_ref<const std::string&>());
    }
  }

  void emit() {
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
    for (const std::string* m : messages_) {
      const size_t at = out_.size();
      out_.append(*m);
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
  std::vector<const std::string*> messages_;
};

}  // namespace

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
                                                    size_t max_value_bytes) {
  return std::make_unique<JsonUnwrapSource>(std::move(inner), report, max_value_bytes);
}

}  // namespace efstop::flowlog
