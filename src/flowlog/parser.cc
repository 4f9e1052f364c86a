// The hot path: one flow-log line -> FlowRecord. Only parsing lives here;
// error text is built in parse_error.cc, away from the loop.
#include "flowlog/parser.h"

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

inline bool is_dash(const char* b, const char* e) { return e - b == 1 && *b == '-'; }

// Non-negative decimal that fits `T` (from_chars: no locale, no allocation).
template <typename T>
inline bool parse_uint(const char* b, const char* e, T* out) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || ptr != e || v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
    return false;
  }
  *out = static_cast<T>(v);
  return true;
}

// Dotted-quad fast path inline (almost every address); IPv6 and odd forms
// go to IpAddress::parse.
inline bool parse_addr(const char* b, const char* e, IpAddress* out) {
  const char* p = b;
  uint32_t value = 0;
  int part_count = 0;
  while (true) {
    if (p == e || *p < '0' || *p > '9') break;
    uint32_t part = static_cast<uint32_t>(*p++ - '0');
    if (p != e && *p >= '0' && *p <= '9') part = part * 10 + static_cast<uint32_t>(*p++ - '0');
    if (p != e && *p >= '0' && *p <= '9') part = part * 10 + static_cast<uint32_t>(*p++ - '0');
    if (part > 255) break;
    value = (value << 8) | part;
    if (++part_count == 4) {
      if (p == e) {
        *out = IpAddress::from_v4(value);
        return true;
      }
      break;
    }
    if (p == e || *p != '.') break;
    ++p;
  }
  std::optional<IpAddress> ip = IpAddress::parse(std::string_view(b, static_cast<size_t>(e - b)));
  if (!ip) return false;
  *out = *ip;
  return true;
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

// parse(): one pass over the line, no allocation, no copies.
//
// The column -> operation table (ops_) was built from the LogFormat in the
// constructor, so the loop is: skip a run of separators, find the end of the
// token, switch on the column's op. Columns efstop does not count (account,
// vpc, tcp-flags, ...) cost only the scan for the next separator. Numbers go
// through std::from_chars (no locale, no errno); IPv4 addresses through an
// inline dotted-quad decoder, IPv6 through inet_pton on the rare slow path.
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
    while (p != e && is_sep(*p)) ++p;
    if (p == e) return {ParseError::kWrongFieldCount, -1};
    const char* b = p;
    while (p != e && !is_sep(*p)) ++p;
    if (ops[c] == kOpSkip) continue;
    if (is_dash(b, p)) {
      if (ops[c] == kOpAction) action = Action::kNone;
      continue;
    }
    bool ok = true;
    switch (ops[c]) {
      case kOpSrcAddr:
        ok = parse_addr(b, p, &out->src);
        present |= kHasSrcAddr;
        break;
      case kOpDstAddr:
        ok = parse_addr(b, p, &out->dst);
        present |= kHasDstAddr;
        break;
      case kOpSrcPort:
        ok = parse_uint(b, p, &out->src_port);
        present |= kHasSrcPort;
        break;
      case kOpDstPort:
        ok = parse_uint(b, p, &out->dst_port);
        present |= kHasDstPort;
        break;
      case kOpProtocol:
        ok = parse_uint(b, p, &out->protocol);
        present |= kHasProtocol;
        break;
      case kOpPackets:
        ok = parse_uint(b, p, &out->packets);
        present |= kHasPackets;
        break;
      case kOpBytes:
        ok = parse_uint(b, p, &out->bytes);
        present |= kHasBytes;
        break;
      case kOpStart:
        ok = parse_uint(b, p, &out->start);
        present |= kHasStart;
        break;
      case kOpEnd:
        ok = parse_uint(b, p, &out->end);
        present |= kHasEnd;
        break;
      case kOpAction: {
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
        out->interface_id = std::string_view(b, static_cast<size_t>(p - b));
        present |= kHasInterfaceId;
        continue;
      default:
        break;
    }
    if (!ok && first_error.ok()) {
      first_error = {ops[c] == kOpSrcAddr || ops[c] == kOpDstAddr ? ParseError::kBadAddress
                                                                  : ParseError::kBadNumber,
                     static_cast<int>(c)};
    }
  }
  while (p != e && is_sep(*p)) ++p;
  if (p != e) return {ParseError::kWrongFieldCount, -1};

  out->log_status = status;
  out->action = action;
  out->present = present;
  if (status != LogStatus::kOk) {
    // NODATA/SKIPDATA rows carry placeholders; only a bad log-status itself
    // (impossible here) would be an error.
    return {};
  }
  if (!first_error.ok()) return first_error;
  if ((present & required_) != required_) {
    const uint32_t missing = required_ & ~present;
    // Report the leftmost column whose field is missing.
    for (size_t c = 0; c < n; ++c) {
      const uint8_t op = ops[c];
      uint32_t bit = 0;
      switch (op) {
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
  if (action == Action::kNone) {
    // action `-` on an OK row: treat like any missing required field.
    return {ParseError::kMissingField, format_.column_of(FieldId::kAction)};
  }
  return {};
}

}  // namespace efstop::flowlog
