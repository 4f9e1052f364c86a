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
// held and parsed (nlohmann::json, as src/aws does); a value larger than
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
#include <string>
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

std::unique_ptr<ByteSource> make_json_unwrap_source(std::unique_ptr<ByteSource> inner,
                                                    JsonUnwrapReport* report,
                                                    size_t max_value_bytes);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_JSON_SOURCE_INTERNAL_H_
