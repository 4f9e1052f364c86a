// The hot path: one flow-log line -> FlowRecord. Only parsing lives here;
// error text is built in parse_error.cc, away from the loop.
#include "flowlog/parser.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

namespace efstop::flowlog {

namespace {

enum Op : uint8_t {
  kOpSkip,
  kOpSrcAddr,
  kOpDstAddr,
  kOpSrcPort,
  kOpDstPort,
  kOpProtocol,
  kOpPackets,
  kOpBytes,
  kOpStart,
  kOpEnd,
  kOpAction,
  kOpLogStatus,
  kOpInterfaceId,
};

Op op_for(FieldId id) {
  switch (id) {
    case FieldId::kSrcAddr:
      return kOpSrcAddr;
    case FieldId::kDstAddr:
      return kOpDstAddr;
    case FieldId::kSrcPort:
      return kOpSrcPort;
    case FieldId::kDstPort:
      return kOpDstPort;
    case FieldId::kProtocol:
      return kOpProtocol;
    case FieldId::kPackets:
      return kOpPackets;
    case FieldId::kBytes:
      return kOpBytes;
    case FieldId::kStart:
      return kOpStart;
    case FieldId::kEnd:
      return kOpEnd;
    case FieldId::kAction:
      return kOpAction;
    case FieldId::kLogStatus:
      return kOpLogStatus;
    case FieldId::kInterfaceId:
      return kOpInterfaceId;
    default:
      return kOpSkip;
  }
}

inline bool is_sep(char c) { return c == ' ' || c == '\t'; }

inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Bit 7 of each byte of the result is set where `v` has a space or a tab
// (SWAR: the classic "has zero byte" trick applied to v ^ ' ' and v ^ '\t').
inline uint64_t sep_mask(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t s = v ^ (kOnes * ' ');
  const uint64_t t = v ^ (kOnes * '\t');
  return ((s - kOnes) & ~s & kHigh) | ((t - kOnes) & ~t & kHigh);
}

// The end of the token starting at `p`: the first space/tab or `e`. Eight
// bytes at a time while a whole word fits before `e` (never reads past it).
inline const char* token_end(const char* p, const char* e) {
  while (e - p >= 8) {
    const uint64_t m = sep_mask(load64(p));
    if (m != 0) {
      // The lowest flagged byte is the first separator (little-endian);
      // borrows only propagate upward, so it is exact.
      return p + (__builtin_ctzll(m) >> 3);
    }
    p += 8;
  }
  while (p != e && !is_sep(*p)) ++p;
  return p;
}

}  // namespace

LineParser::LineParser(const LogFormat& format, uint32_t required) : format_(format), required_(0) {
  ops_.reserve(format_.column_count());
  for (size_t c = 0; c < format_.column_count(); ++c) {
    ops_.push_back(op_for(format_.column_field(c)));
  }
  // Only fields the format has can be required.
  struct Pair {
    FieldId id;
    uint32_t bit;
  };
  constexpr Pair kBits[] = {
      {FieldId::kSrcAddr, kHasSrcAddr},
      {FieldId::kDstAddr, kHasDstAddr},
      {FieldId::kSrcPort, kHasSrcPort},
      {FieldId::kDstPort, kHasDstPort},
      {FieldId::kProtocol, kHasProtocol},
      {FieldId::kPackets, kHasPackets},
      {FieldId::kBytes, kHasBytes},
      {FieldId::kStart, kHasStart},
      {FieldId::kEnd, kHasEnd},
      {FieldId::kAction, kHasAction},
      {FieldId::kInterfaceId, kHasInterfaceId},
  };
  for (const Pair& p : kBits) {
    if ((required & p.bit) && format_.has(p.id)) required_ |= p.bit;
  }
}

namespace {

constexpr bool kLittleEndian = std::endian::native == std::endian::little;

// True when all 8 bytes of `w` are ASCII digits.
inline bool all_digits(uint64_t w) {
  return ((w & 0xF0F0F0F0F0F0F0F0ull) |
          (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull;
}

// The value of 8 ASCII digits loaded little-endian (first digit in the low
// byte): pairs, then quads, then the whole, by three multiplies.
inline uint64_t eight_digits(uint64_t w) {
  w -= 0x3030303030303030ull;
  w = (w * 10) + (w >> 8);
  return (((w & 0x000000FF000000FFull) * 0x000F424000000064ull) +
          (((w >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >>
         32;
}

// Reads a non-negative decimal at `p`, stopping at the first non-digit.
// Returns the end of the digits; *value is exact for up to 19 digits (it
// wraps beyond, harmlessly: the caller re-reads 19+ digits with
// std::from_chars, which checks range).
[[gnu::always_inline]] inline const char* read_digits(const char* p, const char* e,
                                                      uint64_t* value) {
  uint64_t v = 0;
  if constexpr (kLittleEndian) {
    if (e - p >= 8) {
      const uint64_t w = load64(p);
      if (all_digits(w)) {
        v = eight_digits(w);
        p += 8;
      }
    }
  }
  while (p != e && static_cast<unsigned>(*p - '0') <= 9) {
    v = v * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  *value = v;
  return p;
}

// One numeric column starting at `p` (not a separator). Returns the end of
// the token; false in *ok when it is not a non-negative integer that fits T.
template <typename T>
[[gnu::always_inline]] inline const char* parse_number(const char* p, const char* e, T* out,
                                                       bool* ok) {
  uint64_t v;
  const char* q = read_digits(p, e, &v);
  const ptrdiff_t digits = q - p;
  if (q != e && !is_sep(*q)) {
    *ok = false;
    return token_end(q, e);
  }
  if (digits == 0) {
    *ok = false;
    return q;
  }
  if (digits > 18) {
    auto [ptr, ec] = std::from_chars(p, q, v);
    if (ec != std::errc() || ptr != q) {
      *ok = false;
      return q;
    }
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
    *ok = false;
    return q;
  }
  *out = static_cast<T>(v);
  *ok = true;
  return q;
}

// One address column starting at `p`: dotted quad inline, anything else
// (IPv6, garbage) through IpAddress::parse on the token.
[[gnu::always_inline]] inline const char* parse_address(const char* p, const char* e,
                                                        IpAddress* out, bool* ok) {
  const char* q = p;
  uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (q == e || *q != '.') goto slow;
      ++q;
    }
    if (q == e || static_cast<unsigned>(*q - '0') > 9) goto slow;
    {
      uint32_t x = static_cast<uint32_t>(*q++ - '0');
      if (q != e && static_cast<unsigned>(*q - '0') <= 9) {
        x = x * 10 + static_cast<uint32_t>(*q++ - '0');
        if (q != e && static_cast<unsigned>(*q - '0') <= 9) {
          x = x * 10 + static_cast<uint32_t>(*q++ - '0');
        }
      }
      if (x > 255) goto slow;
      value = (value << 8) | x;
    }
  }
  if (q == e || is_sep(*q)) {
    *out = IpAddress::from_v4(value);
    *ok = true;
    return q;
  }
slow:
  q = token_end(q, e);
  std::optional<IpAddress> ip = IpAddress::parse(std::string_view(p, static_cast<size_t>(q - p)));
  *ok = ip.has_value();
  if (ip) *out = *ip;
  return q;
}

}  // namespace

// parse(): one pass over the line, no allocation, no copies.
//
// The column -> operation table (ops_) was built from the LogFormat in the
// constructor, so the loop is: skip the separator run (almost always one
// space), then do the column's operation right where the token starts.
// Numbers and IPv4 addresses are decoded in the same pass that finds their
// end (no separate tokenizing pass); a decimal of 8+ digits (timestamps,
// byte counts) takes one 8-byte SWAR step per 8 digits. Columns efstop does
// not count (account, vpc, tcp-flags, ...) cost only the search for the next
// separator, 8 bytes per step. IPv6 goes to inet_pton on the slow path.
//
// Measured (default v2 lines of ~115 bytes): the first version tokenized
// first and converted with std::from_chars: ~1,750 instructions per line in
// callgrind, ~600 of them in std::from_chars (so std::from_chars is kept only
// for 19+ digit numbers, where it does the range check). An SSE2 separator
// bitmap tokenizer was tried and gained nothing measurable in perf over this
// SWAR scan, so it is not here. bench/flowlog_parse_bench.cc:
// BM_ParseLineDefaultV2 is ~210 ns of CPU per line on the (heavily shared)
// 2-core development machine, about 1.8x a bare byte-counting loop over the
// same bytes there.
//
// Errors do not stop the scan: the first one is remembered and the loop goes
// on, because the contract ranks "wrong field count" above everything and
// NODATA/SKIPDATA rows (which carry `-` everywhere) must be recognised even
// when their placeholders would not parse. Presence of each value is a bit
// in record.present, checked once against required_ at the end instead of a
// branch per field.
ParseOutcome LineParser::parse(std::string_view line, FlowRecord* out) const {
  const char* p = line.data();
  const char* e = p + line.size();
  if (p != e && e[-1] == '\r') --e;

  ParseOutcome first_error;
  uint32_t present = 0;
  LogStatus status = LogStatus::kOk;
  Action action = Action::kAccept;
  out->interface_id = {};
  out->flows = 1;

  const size_t n = ops_.size();
  const uint8_t* ops = ops_.data();
  for (size_t c = 0; c < n; ++c) {
    if (p != e && *p == ' ') ++p;
    while (p != e && is_sep(*p)) ++p;
    if (p == e) return {ParseError::kWrongFieldCount, -1};
    const uint8_t op = ops[c];
    if (op == kOpSkip) {
      p = token_end(p, e);
      continue;
    }
    if (*p == '-' && (p + 1 == e || is_sep(p[1]))) {
      if (op == kOpAction) action = Action::kNone;
      ++p;
      continue;
    }
    bool ok = true;
    const char* b = p;
    switch (op) {
      case kOpSrcAddr:
        p = parse_address(p, e, &out->src, &ok);
        present |= kHasSrcAddr;
        break;
      case kOpDstAddr:
        p = parse_address(p, e, &out->dst, &ok);
        present |= kHasDstAddr;
        break;
      case kOpSrcPort:
        p = parse_number(p, e, &out->src_port, &ok);
        present |= kHasSrcPort;
        break;
      case kOpDstPort:
        p = parse_number(p, e, &out->dst_port, &ok);
        present |= kHasDstPort;
        break;
      case kOpProtocol:
        p = parse_number(p, e, &out->protocol, &ok);
        present |= kHasProtocol;
        break;
      case kOpPackets:
        p = parse_number(p, e, &out->packets, &ok);
        present |= kHasPackets;
        break;
      case kOpBytes:
        p = parse_number(p, e, &out->bytes, &ok);
        present |= kHasBytes;
        break;
      case kOpStart:
        p = parse_number(p, e, &out->start, &ok);
        present |= kHasStart;
        break;
      case kOpEnd:
        p = parse_number(p, e, &out->end, &ok);
        present |= kHasEnd;
        break;
      case kOpAction: {
        p = token_end(p, e);
        const size_t len = static_cast<size_t>(p - b);
        if (len == 6 && std::memcmp(b, "ACCEPT", 6) == 0) {
          action = Action::kAccept;
        } else if (len == 6 && std::memcmp(b, "REJECT", 6) == 0) {
          action = Action::kReject;
        } else if (first_error.ok()) {
          first_error = {ParseError::kBadAction, static_cast<int>(c)};
        }
        present |= kHasAction;
        continue;
      }
      case kOpLogStatus: {
        p = token_end(p, e);
        const size_t len = static_cast<size_t>(p - b);
        if (len == 2 && b[0] == 'O' && b[1] == 'K') {
          status = LogStatus::kOk;
        } else if (len == 6 && std::memcmp(b, "NODATA", 6) == 0) {
          status = LogStatus::kNoData;
        } else if (len == 8 && std::memcmp(b, "SKIPDATA", 8) == 0) {
          status = LogStatus::kSkipData;
        } else if (first_error.ok()) {
          first_error = {ParseError::kBadLogStatus, static_cast<int>(c)};
        }
        continue;
      }
      case kOpInterfaceId:
        p = token_end(p, e);
        out->interface_id = std::string_view(b, static_cast<size_t>(p - b));
        present |= kHasInterfaceId;
        continue;
      default:
        p = token_end(p, e);
        break;
    }
    if (!ok && first_error.ok()) {
      first_error = {
          op == kOpSrcAddr || op == kOpDstAddr ? ParseError::kBadAddress : ParseError::kBadNumber,
          static_cast<int>(c)};
    }
  }
  while (p != e && is_sep(*p)) ++p;
  if (p != e) return {ParseError::kWrongFieldCount, -1};

  out->log_status = status;
  out->action = action;
  out->present = present;
  if (status != LogStatus::kOk) {
    // NODATA/SKIPDATA rows carry placeholders: nothing else is checked.
    return {};
  }
  if (!first_error.ok()) return first_error;
  if ((present & required_) != required_) return missing_field(present);
  if (action == Action::kNone) {
    // action `-` on an OK row: like any missing required field.
    return {ParseError::kMissingField, format_.column_of(FieldId::kAction)};
  }
  return {};
}

// Slow path: the leftmost column whose required field is missing.
ParseOutcome LineParser::missing_field(uint32_t present) const {
  const uint32_t missing = required_ & ~present;
  for (size_t c = 0; c < ops_.size(); ++c) {
    uint32_t bit = 0;
    switch (ops_[c]) {
      case kOpSrcAddr:
        bit = kHasSrcAddr;
        break;
      case kOpDstAddr:
        bit = kHasDstAddr;
        break;
      case kOpSrcPort:
        bit = kHasSrcPort;
        break;
      case kOpDstPort:
        bit = kHasDstPort;
        break;
      case kOpProtocol:
        bit = kHasProtocol;
        break;
      case kOpPackets:
        bit = kHasPackets;
        break;
      case kOpBytes:
        bit = kHasBytes;
        break;
      case kOpStart:
        bit = kHasStart;
        break;
      case kOpEnd:
        bit = kHasEnd;
        break;
      case kOpAction:
        bit = kHasAction;
        break;
      case kOpInterfaceId:
        bit = kHasInterfaceId;
        break;
      default:
        break;
    }
    if (bit & missing) return {ParseError::kMissingField, static_cast<int>(c)};
  }
  return {ParseError::kMissingField, -1};
}

}  // namespace efstop::flowlog
