// LineParser: turns one flow-log text line into a FlowRecord.
//
// Built once per file (or per format change) from a LogFormat: the
// column -> field mapping is resolved in the constructor, so parse() only
// walks the line once. parse() never allocates; the record's interface_id is
// a view into `line`. A LineParser is immutable after construction and may be
// shared by threads.
#ifndef EFSTOP_FLOWLOG_PARSER_H_
#define EFSTOP_FLOWLOG_PARSER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/format.h"
#include "flowlog/record.h"

namespace efstop::flowlog {

// Why a line was not turned into a record. kOk covers NODATA/SKIPDATA rows
// too (see FlowRecord::log_status).
enum class ParseError : uint8_t {
  kOk = 0,
  kWrongFieldCount,  // the line has more or fewer fields than the format
  kBadNumber,        // a numeric field is not a non-negative integer in range
  kBadAddress,       // srcaddr/dstaddr is not an IPv4/IPv6 address
  kBadAction,        // action is not ACCEPT, REJECT or -
  kBadLogStatus,     // log-status is not OK, NODATA, SKIPDATA
  kMissingField,     // a field the counting rule needs is `-`
  kLineTooLong,      // set by line readers, never by parse()
};

struct ParseOutcome {
  ParseError error = ParseError::kOk;
  int column = -1;  // the offending column (-1 for kWrongFieldCount/kLineTooLong)

  bool ok() const { return error == ParseError::kOk; }
};

// Bytes a parse_padded() caller keeps readable after the line.
inline constexpr size_t kParsePadding = 64;

// The columns of the fields the parser decodes (-1: not in the format).
struct FieldColumns {
  int src_addr = -1;
  int dst_addr = -1;
  int src_port = -1;
  int dst_port = -1;
  int protocol = -1;
  int packets = -1;
  int bytes = -1;
  int start = -1;
  int end = -1;
  int action = -1;
  int log_status = -1;
  int interface_id = -1;

  friend bool operator==(const FieldColumns&, const FieldColumns&) = default;
};

// How parse_padded() takes the common line (one space between fields, valid
// values): the fast lane built for this CPU's vector instructions (kBest:
// kSse41 when the CPU has SSE4.1, SSSE3, POPCNT, BMI and LZCNT, as x86-64
// CPUs have since about 2013; else kBaseline), the one for any CPU, or none
// (the general loop for every line). Each fast lane has a second build for
// the default version-2 format with its columns as constants. Every choice
// gives the same result; tests compare them.
enum class ParseLane : uint8_t { kBest, kSse41, kBaseline, kNone };

class LineParser {
 public:
  // `required` is a PresentBit mask: an OK-status record in which any of
  // these fields is `-` fails with kMissingField (efstop itself requires
  // none; tests and tools may). Bits of fields the format
  // does not have are ignored (a missing column is the engine's concern).
  explicit LineParser(const LogFormat& format, uint32_t required = kDefaultRequired,
                      ParseLane lane = ParseLane::kBest);

  // None: AWS documents `-` as "not applicable or could not be computed" for
  // any field, so a `-` is an unknown value (present bit clear, value 0; an
  // action `-` on an OK record reads as ACCEPT), never a malformed line. The
  // aggregator decides what an unknown value means (docs/flow-counting.md).
  static constexpr uint32_t kDefaultRequired = 0;

  // Parses `line` (no trailing '\n'; a trailing '\r' is tolerated) into
  // `*out`. Fields are separated by runs of spaces/tabs. Blank lines and
  // header lines are the caller's business (they are not records).
  // On error `*out` is unspecified. Copies `line` into a padded buffer and
  // calls parse_padded(); readers that own their buffers call that directly.
  ParseOutcome parse(std::string_view line, FlowRecord* out) const;

  // parse() for a line followed in memory by at least kParsePadding readable
  // bytes (any content: they are never part of the result). The hot path:
  // the tokenizer reads whole 64-byte blocks.
  // Inline: the caller calls the fast lane with no layer in between (the
  // general loop's register saves cost ~40 instructions a line).
  ParseOutcome parse_padded(std::string_view line, FlowRecord* out) const {
    const char* e = line.data() + line.size();
    if (line.data() != e && e[-1] == '\r') --e;
    if (fast_lane_ != nullptr && fast_lane_(columns_, ops_.size(), has_, line.data(), e, out))
        [[likely]] {
      return {};
    }
    return parse_general(line.data(), e, out);
  }

  const LogFormat& format() const { return format_; }
  // The lane in use: kSse41, kBaseline or kNone (kBest resolved; kSse41
  // asked for on a CPU or build without it gives kBaseline).
  ParseLane lane() const { return lane_; }

 private:
  ParseOutcome missing_field(uint32_t present) const;
  // The general loop, for every line the fast lane declines; [b, e) without
  // the trailing '\r', padded like parse_padded()'s line.
  ParseOutcome parse_general(const char* b, const char* e, FlowRecord* out) const;

  using FastLane = bool (*)(const FieldColumns& columns, size_t column_count, uint32_t has,
                            const char* begin, const char* end, FlowRecord* out);

  LogFormat format_;
  std::vector<uint8_t> ops_;  // per column: what to do with the token
  FieldColumns columns_;
  uint32_t has_ = 0;  // PresentBit of every field the format has
  uint32_t required_ = 0;
  FastLane fast_lane_ = nullptr;  // null: every line takes the general loop
  ParseLane lane_ = ParseLane::kNone;
};

// "bad srcaddr '10.0.0.x'", "expected 14 fields, got 13", ... for
// diagnostics. Slow path: re-tokenizes `line`.
std::string describe_parse_error(const ParseOutcome& outcome, std::string_view line,
                                 const LogFormat& format);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_PARSER_H_
