// The hot path: one flow-log line -> FlowRecord. Only parsing lives here;
// error text is built in parse_error.cc, away from the loop.
#include "flowlog/parser.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint32_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Bit i set where byte i of the 64 bytes at `p` is a space or a tab.
inline uint64_t separator_bits(const char* p) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  uint64_t bits = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i sep = _mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab));
    bits |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(sep))) << (16 * i);
  }
  return bits;
#else
  uint64_t bits = 0;
  for (int i = 0; i < 64; ++i) {
    bits |= static_cast<uint64_t>(p[i] == ' ' || p[i] == '\t') << i;
  }
  return bits;
#endif
}

// Walks the tokens (runs of non-separators) of a padded line, 64 bytes at a
// time: one vector pass classifies a block, then every token boundary is a
// bit, found with a count-trailing-zeros. Bytes at or past the line's end
// count as separators, so the last token ends there; reading them needs the
// kParsePadding bytes the caller guarantees.
class TokenCursor {
 public:
  TokenCursor(const char* begin, const char* end) : block_(begin), end_(end) { load(); }

  // The next token as [*b, *e); false when the line has no more.
  bool next(const char** b, const char** e) {
    while (starts_ == 0) {
      if (!advance()) return false;
    }
    *b = block_ + std::countr_zero(starts_);
    starts_ &= starts_ - 1;
    while (ends_ == 0) {
      if (!advance()) break;  // cannot happen: the line's end is a separator
    }
    *e = block_ + std::countr_zero(ends_);
    ends_ &= ends_ - 1;
    return true;
  }

 private:
  bool advance() {
    // Past the block holding the line's end, one more (virtual) block of
    // separators is needed only for a token ending exactly at a boundary.
    if (end_ - block_ < 64 || past_end_) return false;
    block_ += 64;
    past_end_ = block_ >= end_;
    load();
    return true;
  }

  void load() {
    const ptrdiff_t left = end_ - block_;
    uint64_t sep = ~uint64_t{0};
    if (left > 0) {
      sep = separator_bits(block_);
      if (left < 64) sep |= ~uint64_t{0} << left;
    }
    const uint64_t before = (sep << 1) | carry_;  // bit i: byte i-1 is a separator
    starts_ = ~sep & before;
    ends_ = sep & ~before;
    carry_ = sep >> 63;
  }

  const char* block_;
  const char* end_;
  uint64_t starts_ = 0;
  uint64_t ends_ = 0;
  uint64_t carry_ = 1;  // the line starts after a separator
  bool past_end_ = false;
};

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

// The SWAR steps below read words little-endian (first byte lowest).
static_assert(std::endian::native == std::endian::little, "flow-log parser assumes little-endian");

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

// The value of a token of 1-8 ASCII digits at `p` (`len` bytes; 8 bytes
// readable). The digits are shifted to the top of the word and the bytes
// below filled with '0', which adds nothing. False if a byte is no digit.
inline bool small_digits(const char* p, size_t len, uint64_t* value) {
  const unsigned shift = static_cast<unsigned>(8 - len) * 8;
  uint64_t w = load64(p) << shift;
  if (shift != 0) w |= 0x3030303030303030ull >> (64 - shift);
  if (!all_digits(w)) return false;
  *value = eight_digits(w);
  return true;
}

// A numeric column: the whole token must be a non-negative decimal that
// fits T. Up to 16 digits by two SWAR steps; longer ones (only byte counts
// and timestamps can be, and only when absurd) through std::from_chars,
// which checks the 64-bit range.
template <typename T>
[[gnu::always_inline]] inline bool parse_number(const char* b, const char* e, T* out) {
  const size_t len = static_cast<size_t>(e - b);
  uint64_t v;
  if (len <= 8) {
    if (!small_digits(b, len, &v)) return false;
  } else if (len <= 16) {
    uint64_t high;
    uint64_t low;
    if (!small_digits(b, len - 8, &high) || !small_digits(e - 8, 8, &low)) return false;
    v = high * 100000000ull + low;
  } else {
    auto [ptr, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || ptr != e) return false;
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
  *out = static_cast<T>(v);
  return true;
}

// One part of a dotted quad: 1-3 digits at `p` (4 bytes readable). The
// digits are shifted to the top bytes, so the last digit is always byte 3.
inline uint32_t quad_part(const char* p, unsigned len) {
  const unsigned shift = (4 - len) * 8;
  const uint32_t w = (load32(p) << shift) - (0x30303030u << shift);
  return ((w >> 8) & 0xFFu) * 100 + ((w >> 16) & 0xFFu) * 10 + (w >> 24);
}

// A dotted quad by masks instead of a branch per byte: the dots and digits
// of the token are found in one 16-byte compare, the parts' lengths from the
// dot positions. The rules are IpAddress::parse's (1-3 digits, <= 255).
[[gnu::always_inline]] inline bool parse_v4(const char* b, const char* e, uint32_t* out) {
  const size_t len = static_cast<size_t>(e - b);
  if (len < 7 || len > 15) return false;
  const uint32_t in_token = (1u << len) - 1;
#if defined(__SSE2__)
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  const __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
  const uint32_t digits = static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)));
  const uint32_t dots =
      static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))));
#else
  uint32_t digits = 0;
  uint32_t dots = 0;
  for (size_t i = 0; i < 16; ++i) {
    digits |= static_cast<uint32_t>(static_cast<unsigned char>(b[i] - '0') <= 9) << i;
    dots |= static_cast<uint32_t>(b[i] == '.') << i;
  }
#endif
  const uint32_t dot_bits = dots & in_token;
  // Exactly three dots: two cleared lowest bits leave one, three leave none
  // (no std::popcount: without -mpopcnt it is a library call).
  const uint32_t after_one = dot_bits & (dot_bits - 1);
  const uint32_t after_two = after_one & (after_one - 1);
  if (((digits | dots) & in_token) != in_token || after_two == 0 ||
      (after_two & (after_two - 1)) != 0) {
    return false;
  }
  const unsigned d1 = static_cast<unsigned>(std::countr_zero(dot_bits));
  const unsigned d2 = static_cast<unsigned>(std::countr_zero(after_one));
  const unsigned d3 = static_cast<unsigned>(std::countr_zero(after_two));
  const unsigned l0 = d1;
  const unsigned l1 = d2 - d1 - 1;
  const unsigned l2 = d3 - d2 - 1;
  const unsigned l3 = static_cast<unsigned>(len) - d3 - 1;
  // Each length is 1..3: (l - 1) < 3 unsigned.
  if ((l0 - 1) >= 3 || (l1 - 1) >= 3 || (l2 - 1) >= 3 || (l3 - 1) >= 3) return false;
  const uint32_t p0 = quad_part(b, l0);
  const uint32_t p1 = quad_part(b + d1 + 1, l1);
  const uint32_t p2 = quad_part(b + d2 + 1, l2);
  const uint32_t p3 = quad_part(b + d3 + 1, l3);
  if ((p0 | p1 | p2 | p3) > 255) return false;
  *out = (p0 << 24) | (p1 << 16) | (p2 << 8) | p3;
  return true;
}

// An address column: dotted quad inline, anything else (IPv6, garbage)
// through IpAddress::parse.
[[gnu::always_inline]] inline bool parse_address(const char* b, const char* e, IpAddress* out) {
  uint32_t v4;
  if (parse_v4(b, e, &v4)) {
    *out = IpAddress::from_v4(v4);
    return true;
  }
  std::optional<IpAddress> ip = IpAddress::parse(std::string_view(b, static_cast<size_t>(e - b)));
  if (!ip) return false;
  *out = *ip;
  return true;
}

// The first `n` (<= 8) bytes at `p` as a little-endian word (8 readable).
inline uint64_t first_bytes(const char* p, size_t n) {
  return load64(p) & (n == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1);
}

constexpr uint64_t word_of(std::string_view s) {
  uint64_t w = 0;
  for (size_t i = s.size(); i-- > 0;) w = (w << 8) | static_cast<unsigned char>(s[i]);
  return w;
}

}  // namespace

// parse_padded(): one pass over the line, no allocation, no copies.
//
// The column -> operation table (ops_) was built from the LogFormat in the
// constructor. TokenCursor finds the tokens 64 bytes at a time (a vector
// compare per 16 bytes, then a bit per token boundary), so each column's
// operation starts with both ends of its token known: numbers are decoded by
// SWAR steps of 8 digits with their length known, dotted quads by the dot
// positions, and columns efstop does not count (account, vpc, tcp-flags,
// ...) cost nothing beyond their boundary bits. IPv6 goes to inet_pton.
//
// History (bench/flowlog_parse_bench.cc, BM_ParseLineDefaultV2, default v2
// lines of ~115 bytes, on the shared 2-core machine): a tokenize-then-
// std::from_chars version used ~1,750 instructions per line; a byte-wise
// scan with fused SWAR digit decoding took ~210 ns of CPU per line, its
// branches on every digit and dot being the cost; this one is in
// docs/PERFORMANCE.md.
//
// Errors do not stop the scan: the first one is remembered and the loop goes
// on, because the contract ranks "wrong field count" above everything and
// NODATA/SKIPDATA rows (which carry `-` everywhere) must be recognised even
// when their placeholders would not parse. Presence of each value is a bit
// in record.present, checked once against required_ at the end instead of a
// branch per field.
// Built twice on x86-64 with GCC: for x86-64-v3 (AVX2, BMI1/2, LZCNT,
// POPCNT: one-instruction bit scans and shifts, which the token masks use
// all the time) and for the baseline; the loader picks one per CPU (ifunc).
// ~6% fewer instructions and ~15% less time per line than the baseline build.
// Not under sanitizers: the ifunc resolver runs before their runtimes start
// (ThreadSanitizer binaries crashed at load), and those builds check
// correctness, not speed.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
ParseOutcome
LineParser::parse_padded(std::string_view line, FlowRecord* out) const {
  const char* e = line.data() + line.size();
  if (line.data() != e && e[-1] == '\r') --e;
  TokenCursor tokens(line.data(), e);

  ParseOutcome first_error;
  uint32_t present = 0;
  LogStatus status = LogStatus::kOk;
  Action action = Action::kAccept;
  out->interface_id = {};
  out->flows = 1;

  const size_t n = ops_.size();
  const uint8_t* ops = ops_.data();
  for (size_t c = 0; c < n; ++c) {
    const char* b;
    const char* t;  // the token is [b, t)
    if (!tokens.next(&b, &t)) return {ParseError::kWrongFieldCount, -1};
    const uint8_t op = ops[c];
    if (op == kOpSkip) continue;
    if (t - b == 1 && *b == '-') {
      if (op == kOpAction) action = Action::kNone;
      continue;
    }
    bool ok = true;
    switch (op) {
      case kOpSrcAddr:
        ok = parse_address(b, t, &out->src);
        present |= kHasSrcAddr;
        break;
      case kOpDstAddr:
        ok = parse_address(b, t, &out->dst);
        present |= kHasDstAddr;
        break;
      case kOpSrcPort:
        ok = parse_number(b, t, &out->src_port);
        present |= kHasSrcPort;
        break;
      case kOpDstPort:
        ok = parse_number(b, t, &out->dst_port);
        present |= kHasDstPort;
        break;
      case kOpProtocol:
        ok = parse_number(b, t, &out->protocol);
        present |= kHasProtocol;
        break;
      case kOpPackets:
        ok = parse_number(b, t, &out->packets);
        present |= kHasPackets;
        break;
      case kOpBytes:
        ok = parse_number(b, t, &out->bytes);
        present |= kHasBytes;
        break;
      case kOpStart:
        ok = parse_number(b, t, &out->start);
        present |= kHasStart;
        break;
      case kOpEnd:
        ok = parse_number(b, t, &out->end);
        present |= kHasEnd;
        break;
      case kOpAction: {
        const uint64_t w = t - b == 6 ? first_bytes(b, 6) : 0;
        if (w == word_of("ACCEPT")) {
          action = Action::kAccept;
        } else if (w == word_of("REJECT")) {
          action = Action::kReject;
        } else if (first_error.ok()) {
          first_error = {ParseError::kBadAction, static_cast<int>(c)};
        }
        present |= kHasAction;
        continue;
      }
      case kOpLogStatus: {
        const size_t len = static_cast<size_t>(t - b);
        const uint64_t w = len <= 8 ? first_bytes(b, len) : 0;
        if (len == 2 && w == word_of("OK")) {
          status = LogStatus::kOk;
        } else if (len == 6 && w == word_of("NODATA")) {
          status = LogStatus::kNoData;
        } else if (len == 8 && w == word_of("SKIPDATA")) {
          status = LogStatus::kSkipData;
        } else if (first_error.ok()) {
          first_error = {ParseError::kBadLogStatus, static_cast<int>(c)};
        }
        continue;
      }
      case kOpInterfaceId:
        out->interface_id = std::string_view(b, static_cast<size_t>(t - b));
        present |= kHasInterfaceId;
        continue;
      default:
        break;
    }
    if (!ok && first_error.ok()) {
      first_error = {
          op == kOpSrcAddr || op == kOpDstAddr ? ParseError::kBadAddress : ParseError::kBadNumber,
          static_cast<int>(c)};
    }
  }
  {
    const char* b;
    const char* t;
    if (tokens.next(&b, &t)) return {ParseError::kWrongFieldCount, -1};
  }

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

// Lines from callers that cannot promise padding are copied into a padded
// buffer first (on the stack up to 1 KiB); the interface id is re-pointed
// into the caller's line.
ParseOutcome LineParser::parse(std::string_view line, FlowRecord* out) const {
  constexpr size_t kStackLine = 1024;
  alignas(64) char stack[kStackLine + kParsePadding];
  std::string heap;
  char* copy = stack;
  if (line.size() > kStackLine) {
    heap.resize(line.size() + kParsePadding);
    copy = heap.data();
  }
  std::memcpy(copy, line.data(), line.size());
  std::memset(copy + line.size(), 0, kParsePadding);
  const ParseOutcome outcome = parse_padded(std::string_view(copy, line.size()), out);
  if (!out->interface_id.empty()) {
    out->interface_id =
        line.substr(static_cast<size_t>(out->interface_id.data() - copy), out->interface_id.size());
  }
  return outcome;
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
