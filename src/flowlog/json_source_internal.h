// JSON-wrapped flow-log records, detected by content (docs/sources.md):
//   (a) one JSON object per line with a "message" field (CloudWatch Logs
//       exports; other fields ignored);
//   (b) CloudWatch Logs subscription envelopes ({"messageType":
//       "DATA_MESSAGE", ..., "logEvents":[{"message":...}]}), several
//       concatenated as Firehose writes them, with or without newlines
//       between them; CONTROL_MESSAGE envelopes are ignored;
//   (c) `aws logs filter-log-events --output json` pages ({"events":
//       [{"message":...}], ...}), several pages concatenated.
// make_json_unwrap_source turns such a stream into the text lines of its
// messages, which then go through the normal text parser (no header line in
// these deliveries: --log-format, the discovered LogFormat, or default v2).
// A stream whose first non-blank byte is not '{' passes through unchanged.
//
// Bounded memory: the stream is cut into top-level JSON values by a small
// scanner (strings, escapes, nesting), and only one value at a time is
// held and decoded (JsonMessageExtractor below: a focused scanner, else
// nlohmann::json, as src/aws uses); a value larger than
// `max_value_bytes` is skipped whole, never held. A malformed value (bad
// JSON, a value cut short by a new line starting with '{', an object with no
// flow-log message) is one skipped record with a diagnostic naming its line;
// the rest of the stream goes on. A stream in which no value could be read
// fails (the file failed, as an unreadable gzip stream does).
//
// Line numbers: the output keeps the JSON stream's line numbers where it
// can (each value's messages start at the value's line when the previous
// ones left room, blank lines fill the gaps), so that for one object per
// line a text diagnostic names the JSON line. Where a value yields several
// messages, `remap` turns an output line back into the value's line and the
// event's index. Internal to flowlog (engine.cc).
#ifndef EFSTOP_FLOWLOG_JSON_SOURCE_INTERNAL_H_
#define EFSTOP_FLOWLOG_JSON_SOURCE_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flowlog/byte_source.h"

namespace efstop::flowlog {

// What the unwrapping found; written by the source's reading thread, read
// after the stream ended.
struct JsonUnwrapReport {
  bool json = false;             // the stream was JSON (else passed through)
  int64_t values = 0;            // top-level JSON values seen
  int64_t messages = 0;          // flow-log lines handed to the text parser
  int64_t skipped = 0;           // malformed values and events, each one skipped record
  int64_t control_messages = 0;  // CONTROL_MESSAGE envelopes, ignored
  // The first `max_diagnostics` skipped values: (JSON line, reason).
  std::vector<std::pair<int64_t, std::string>> diagnostics;
  size_t max_diagnostics = 5;

  // Output line -> (JSON line, 1-based event index, or 0 when the output
  // line is the value's only message on its own line).
  std::pair<int64_t, int64_t> remap(int64_t output_line) const;

  struct Span {
    int64_t first_output_line = 0;
    int64_t count = 0;
    int64_t json_line = 0;
  };
  std::vector<Span> spans;  // values whose messages are not on their own line
};

// What one top-level JSON value holds (the decision end_value acts on).
// `extract` decides with a focused scanner when it can: a value of objects,
// arrays, ASCII strings with the short escapes (\" \\ \/ \b \f \n \r \t),
// plain numbers, true/false/null, keys not repeated where efstop reads them,
// nesting at most 64 deep. Anything else (\uXXXX escapes, non-ASCII bytes,
// exponents, long numbers, malformed JSON) goes to nlohmann::json, which
// then decides exactly as it did before the scanner existed; the fuzz target
// json_scan checks that both agree wherever the scanner decides.
class JsonMessageExtractor {
 public:
  enum class Kind {
    kMessages,  // messages (possibly none) and per-event skips
    kControl,   // a CONTROL_MESSAGE envelope: ignored
    kSkip,      // the whole value is one skipped record: `reason`
  };
  // `fast` = false: nlohmann only (the reference, for tests and the fuzzer).
  void extract(std::string_view value, bool fast = true);
  // The scanner alone on an object at the start of `data` followed by
  // anything (the rest of a read block): true when it decided, with the
  // object's length in *consumed; false when the stream's value cutter
  // must take the value (it spans the block, is malformed, holds a
  // '{' right after a line break, or anything extract() leaves to nlohmann).
  bool extract_prefix(std::string_view data, size_t* consumed);

  Kind kind = Kind::kMessages;
  std::string reason;
  // Views into the value, or into storage of this object: valid until the
  // next extract().
  std::vector<std::string_view> messages;
  std::vector<std::string> event_skips;  // reasons, in event order
  bool decided_fast = false;             // the scanner decided (no nlohmann)

 private:
  bool scan(std::string_view value, size_t* consumed);
  void reference(std::string_view value);
  std::string unescaped_;
  nlohmann::json doc_;
};

// `read_block` is how many bytes each read of `inner` asks for (the buffer
// is allocated and zeroed at that size per read); 256 KiB keeps the number
// of reads low on real files. The fuzz target passes a small block, so a
// short input costs little and values cross block boundaries.
inline constexpr size_t kJsonReadBlock = size_t{256} << 10;
std::unique_ptr<ByteSource> make_json_unwrap_source(std::unique_ptr<ByteSource> inner,
                                                    JsonUnwrapReport* report,
                                                    size_t max_value_bytes,
                                                    size_t read_block = kJsonReadBlock);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_JSON_SOURCE_INTERNAL_H_
