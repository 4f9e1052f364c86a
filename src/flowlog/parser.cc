// The hot path: one flow-log line -> FlowRecord. Only parsing lives here;
// error text is built in parse_error.cc, away from the loop.
#include "flowlog/parser.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// The second build of the decoding steps (below) uses GCC's
// `#pragma GCC target`; clang builds (the fuzz targets) have one lane.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EFSTOP_PARSER_SSE41_LANE 1
#include <immintrin.h>
#endif

namespace efstop::flowlog {

namespace {

// The SWAR steps read words little-endian (first byte lowest).
static_assert(std::endian::native == std::endian::little, "flow-log parser assumes little-endian");

constexpr size_t kSimpleMaxBlocks = 4;    // the fast lane takes lines of up to 256 bytes
constexpr size_t kSimpleMaxColumns = 64;  // and formats of up to 64 columns (AWS's have ~30)

constexpr uint64_t word_of(std::string_view s) {
  uint64_t w = 0;
  for (size_t i = s.size(); i-- > 0;) w = (w << 8) | static_cast<unsigned char>(s[i]);
  return w;
}

#if defined(EFSTOP_PARSER_SSE41_LANE)
// Shuffle tables of the SSE4.1 lane.
using ShuffleMask = std::array<uint8_t, 16>;
constexpr uint8_t kZeroByte = 0x80;  // a shuffle index that yields 0

// kRightAlign[len]: moves the first `len` bytes of a vector to its end,
// zeros before them.
constexpr std::array<ShuffleMask, 17> make_right_align() {
  std::array<ShuffleMask, 17> t{};
  for (size_t len = 0; len <= 16; ++len) {
    for (size_t j = 0; j < 16; ++j) {
      t[len][j] = j >= 16 - len ? static_cast<uint8_t>(j - (16 - len)) : kZeroByte;
    }
  }
  return t;
}
alignas(16) constexpr std::array<ShuffleMask, 17> kRightAlign = make_right_align();

// kRightAlign8[len]: the same within 8 bytes; bytes 8-15 hold the indexes
// for the vector's upper half (each index + 8).
constexpr std::array<ShuffleMask, 9> make_right_align8() {
  std::array<ShuffleMask, 9> t{};
  for (size_t len = 0; len <= 8; ++len) {
    for (size_t j = 0; j < 8; ++j) {
      const bool digit = j >= 8 - len;
      t[len][j] = digit ? static_cast<uint8_t>(j - (8 - len)) : kZeroByte;
      t[len][8 + j] = digit ? static_cast<uint8_t>(8 + j - (8 - len)) : kZeroByte;
    }
  }
  return t;
}
alignas(16) constexpr std::array<ShuffleMask, 9> kRightAlign8 = make_right_align8();

// kQuadShuffle[l0 | l1 << 2 | l2 << 4 | l3 << 6] for a dotted quad whose
// parts have l0..l3 digits (1-3 each): part i's digits, right-aligned, in
// bytes 4i..4i+3 (zeros before them). Other indexes are never used.
constexpr std::array<ShuffleMask, 256> make_quad_shuffle() {
  std::array<ShuffleMask, 256> t{};
  for (size_t index = 0; index < 256; ++index) {
    size_t start = 0;
    for (size_t part = 0; part < 4; ++part) {
      const size_t len = (index >> (2 * part)) & 3;
      for (size_t j = 0; j < 4; ++j) {
        const size_t from_end = 3 - j;  // 0 for the last digit
        t[index][4 * part + j] =
            from_end < len ? static_cast<uint8_t>(start + len - 1 - from_end) : kZeroByte;
      }
      start += len + 1;  // the digits and the dot
    }
  }
  return t;
}
alignas(16) constexpr std::array<ShuffleMask, 256> kQuadShuffle = make_quad_shuffle();
#endif

// The default version-2 layout's columns, known at compile time.
struct DefaultV2Columns {
  static constexpr int src_addr = 3;
  static constexpr int dst_addr = 4;
  static constexpr int src_port = 5;
  static constexpr int dst_port = 6;
  static constexpr int protocol = 7;
  static constexpr int packets = 8;
  static constexpr int bytes = 9;
  static constexpr int start = 10;
  static constexpr int end = 11;
  static constexpr int action = 12;
  static constexpr int log_status = 13;
  static constexpr int interface_id = 2;
};
constexpr size_t kDefaultV2ColumnCount = 14;
constexpr uint32_t kDefaultV2Has = kHasSrcAddr | kHasDstAddr | kHasSrcPort | kHasDstPort |
                                   kHasProtocol | kHasPackets | kHasBytes | kHasStart | kHasEnd |
                                   kHasAction | kHasInterfaceId;

// A memo's slot (of 2^bits) for an address text from two of its words:
// both are mixed, since the end of an address, which differs most between
// hosts of one subnet, may lie in either.
inline size_t memo_slot(uint64_t first, uint64_t last, int bits) {
  return static_cast<size_t>(((first * 0x9E3779B97F4A7C15ull) ^ last) * 0xC2B2AE3D27D4EB4Full >>
                             (64 - bits));
}

// Addresses that are not dotted quads (IPv6), remembered per thread: an
// IPv6 text costs IpAddress::parse several times what a dotted quad costs,
// and a log names the same few hundred addresses over and over. A pure
// cache of a pure function (text -> address), so sharing a LineParser
// between threads stays safe. Texts of 8-40 bytes; [b, e) must be followed
// by kParsePadding readable bytes.
class AddressMemo {
 public:
  static constexpr size_t kMinText = 8;
  static constexpr size_t kMaxText = 40;

  // The address `text` names, if it was remembered.
  const IpAddress* find(const char* b, size_t len) const {
    const Entry& entry = entries_[slot(b, len)];
    if (entry.len != len) return nullptr;
#if defined(__SSE2__)
    uint64_t equal = 0;
    for (int i = 0; i < 3; ++i) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 16 * i));
      const __m128i y = _mm_load_si128(reinterpret_cast<const __m128i*>(entry.text + 16 * i));
      equal |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y))))
               << (16 * i);
    }
    const uint64_t in_text = (uint64_t{1} << len) - 1;
    if ((equal & in_text) != in_text) return nullptr;
#else
    if (std::memcmp(b, entry.text, len) != 0) return nullptr;
#endif
    return &entry.value;
  }

  void remember(const char* b, size_t len, const IpAddress& value) {
    Entry& entry = entries_[slot(b, len)];
    std::memset(entry.text, 0, sizeof entry.text);
    std::memcpy(entry.text, b, len);
    entry.len = static_cast<uint32_t>(len);
    entry.value = value;
  }

 private:
  static constexpr int kSlotBits = 7;
  struct alignas(16) Entry {
    char text[48];  // the text, then zeros
    IpAddress value;
    uint32_t len = 0;  // 0: empty
  };

  // From the text's first and last eight bytes.
  static size_t slot(const char* b, size_t len) {
    uint64_t first;
    uint64_t last;
    std::memcpy(&first, b, sizeof first);
    std::memcpy(&last, b + len - 8, sizeof last);
    return memo_slot(first, last, kSlotBits);
  }

  Entry entries_[size_t{1} << kSlotBits];
};

// An address column that is not a dotted quad: IPv6 (remembered), or
// garbage. Out of line: rare in most logs.
[[gnu::noinline]] bool parse_other_address(const char* b, const char* e, IpAddress* out) {
  thread_local AddressMemo memo;
  const size_t len = static_cast<size_t>(e - b);
  const bool memo_fits = len >= AddressMemo::kMinText && len <= AddressMemo::kMaxText;
  if (memo_fits) {
    if (const IpAddress* known = memo.find(b, len)) {
      *out = *known;
      return true;
    }
  }
  std::optional<IpAddress> ip = IpAddress::parse(std::string_view(b, len));
  if (!ip) return false;
  if (memo_fits) memo.remember(b, len, *ip);
  *out = *ip;
  return true;
}

// kPrefix[len]: 0xFF in the first `len` bytes of 16, 0 after.
constexpr std::array<std::array<uint8_t, 16>, 17> make_prefix() {
  std::array<std::array<uint8_t, 16>, 17> t{};
  for (size_t len = 0; len <= 16; ++len) {
    for (size_t j = 0; j < len; ++j) t[len][j] = 0xFF;
  }
  return t;
}
alignas(16) constexpr std::array<std::array<uint8_t, 16>, 17> kPrefix = make_prefix();

// Dotted quads, remembered per thread like AddressMemo's IPv6 texts. Every
// record has its ENI's own address at one end, and the other end is mostly
// one of a few hundred peers, so an address column usually repeats a text
// seen shortly before, and finding it takes about a third of the
// instructions of decoding it (docs/PERFORMANCE.md: one thread over the
// bench file, 600 addresses, 1.53 -> 1.37 s). Where most texts are new
// (61,000 addresses in E1's noise) the lookups are wasted: about 3 % more
// time. A pure cache of a pure
// function, like AddressMemo. Texts of up to 16 bytes, with 16 readable
// bytes at `b`; only texts parse_v4 accepted are stored.
class QuadMemo {
 public:
  static constexpr size_t kMaxText = 16;  // a dotted quad has 7-15 bytes

  // A text, its bytes past `len` zeroed, and its slot in the table.
  struct Key {
    alignas(16) char text[16];
    uint32_t len;
    uint32_t slot;
  };

  static Key key_of(const char* b, size_t len) {
    Key key;
    key.len = static_cast<uint32_t>(len);
    uint64_t first;
    uint64_t last;
#if defined(__SSE2__)
    const __m128i text =
        _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b)),
                      _mm_load_si128(reinterpret_cast<const __m128i*>(kPrefix[len].data())));
    _mm_store_si128(reinterpret_cast<__m128i*>(key.text), text);
    first = static_cast<uint64_t>(_mm_cvtsi128_si64(text));
    last = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(text, text)));
#else
    std::memset(key.text, 0, sizeof key.text);
    std::memcpy(key.text, b, len);
    std::memcpy(&first, key.text, sizeof first);
    std::memcpy(&last, key.text + 8, sizeof last);
#endif
    key.slot = static_cast<uint32_t>(memo_slot(first, last, kSlotBits));
    return key;
  }

  // The address (host order) `key` names, if it was remembered.
  const uint32_t* find(const Key& key) const {
    const Entry& entry = entries_[key.slot];
#if defined(__SSE2__)
    const int equal = _mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(key.text)),
                       _mm_load_si128(reinterpret_cast<const __m128i*>(entry.text))));
    if (equal != 0xFFFF || entry.len != key.len) return nullptr;
#else
    if (entry.len != key.len || std::memcmp(entry.text, key.text, sizeof key.text) != 0) {
      return nullptr;
    }
#endif
    return &entry.value;
  }

  void remember(const Key& key, uint32_t value) {
    Entry& entry = entries_[key.slot];
    std::memcpy(entry.text, key.text, sizeof entry.text);
    entry.len = key.len;
    entry.value = value;
  }

 private:
  static constexpr int kSlotBits = 12;  // 4,096 entries, 128 KiB a thread
  struct alignas(32) Entry {
    char text[16] = {};  // the text, then zeros
    uint32_t value = 0;
    uint32_t len = 0;  // 0: empty (no key is empty)
  };

  Entry entries_[size_t{1} << kSlotBits];
};

QuadMemo& quad_memo() {
  constinit thread_local QuadMemo memo;
  return memo;
}

// The baseline build of the decoding steps: any CPU.
namespace baseline {
#include "flowlog/parser_lane.inc"
}  // namespace baseline

#if defined(EFSTOP_PARSER_SSE41_LANE)
#pragma GCC push_options
#pragma GCC target("sse4.1,ssse3,popcnt,bmi,lzcnt")
#define EFSTOP_LANE_SSE41 1
namespace sse41 {
#include "flowlog/parser_lane.inc"
}  // namespace sse41
#undef EFSTOP_LANE_SSE41
#pragma GCC pop_options

bool cpu_has_sse41_lane() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("ssse3") &&
         __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("abm");
}
#endif

using baseline::first_bytes;
using baseline::parse_number;
using baseline::parse_v4;
using baseline::separator_bits;

// The general loop's address column: without the lanes' memo, so that the
// tests comparing the lanes with this loop check the memo too.
bool parse_address(const char* b, const char* e, IpAddress* out) {
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

LineParser::LineParser(const LogFormat& format, uint32_t required, ParseLane lane)
    : format_(format), required_(0) {
  ops_.reserve(format_.column_count());
  for (size_t c = 0; c < format_.column_count(); ++c) {
    ops_.push_back(op_for(format_.column_field(c)));
  }
  // Each decoded field: its presence bit (only fields the format has can be
  // required) and where its column goes in columns_.
  struct Field {
    FieldId id;
    uint32_t bit;  // 0: log-status has no presence bit
    int FieldColumns::*column;
  };
  constexpr Field kFields[] = {
      {FieldId::kSrcAddr, kHasSrcAddr, &FieldColumns::src_addr},
      {FieldId::kDstAddr, kHasDstAddr, &FieldColumns::dst_addr},
      {FieldId::kSrcPort, kHasSrcPort, &FieldColumns::src_port},
      {FieldId::kDstPort, kHasDstPort, &FieldColumns::dst_port},
      {FieldId::kProtocol, kHasProtocol, &FieldColumns::protocol},
      {FieldId::kPackets, kHasPackets, &FieldColumns::packets},
      {FieldId::kBytes, kHasBytes, &FieldColumns::bytes},
      {FieldId::kStart, kHasStart, &FieldColumns::start},
      {FieldId::kEnd, kHasEnd, &FieldColumns::end},
      {FieldId::kAction, kHasAction, &FieldColumns::action},
      {FieldId::kLogStatus, 0, &FieldColumns::log_status},
      {FieldId::kInterfaceId, kHasInterfaceId, &FieldColumns::interface_id},
  };
  for (const Field& f : kFields) {
    columns_.*f.column = format_.column_of(f.id);
    if (!format_.has(f.id)) continue;
    has_ |= f.bit;
    required_ |= required & f.bit;
  }
  // The constant-column builds serve any format whose decoded fields sit
  // where the default format has them (the columns they ignore may differ).
  using D = DefaultV2Columns;
  constexpr FieldColumns kDefaultColumns{D::src_addr, D::dst_addr, D::src_port, D::dst_port,
                                         D::protocol, D::packets,  D::bytes,    D::start,
                                         D::end,      D::action,   D::log_status,
                                         D::interface_id};
  const bool default_layout =
      ops_.size() == kDefaultV2ColumnCount && has_ == kDefaultV2Has && columns_ == kDefaultColumns;

#if defined(EFSTOP_PARSER_SSE41_LANE)
  static const bool sse41_cpu = cpu_has_sse41_lane();
  if (lane == ParseLane::kBest) lane = sse41_cpu ? ParseLane::kSse41 : ParseLane::kBaseline;
  if (lane == ParseLane::kSse41 && !sse41_cpu) lane = ParseLane::kBaseline;
#else
  if (lane == ParseLane::kBest || lane == ParseLane::kSse41) lane = ParseLane::kBaseline;
#endif
  lane_ = lane;
  switch (lane) {
#if defined(EFSTOP_PARSER_SSE41_LANE)
    case ParseLane::kSse41:
      fast_lane_ = default_layout ? &sse41::parse_simple_default_v2 : &sse41::parse_simple;
      break;
#endif
    case ParseLane::kBaseline:
      fast_lane_ = default_layout ? &baseline::parse_simple_default_v2 : &baseline::parse_simple;
      break;
    default:
      fast_lane_ = nullptr;
      break;
  }
}

// parse_padded() (parser.h): no allocation, no copies. Most lines take the
// fast lane (parser_lane.inc: all separators first, then each field from its
// known column, one validity flag); a line it declines comes here, to the
// general loop, which handles every layout, `-` placeholders, NODATA/
// SKIPDATA and errors with their column.
//
// The general loop: the column -> operation table (ops_) was built from the
// LogFormat in the constructor. TokenCursor finds the tokens 64 bytes at a
// time (a vector compare per 16 bytes, then a bit per token boundary), so
// each column's operation starts with both ends of its token known, and
// columns efstop does not count (account, vpc, tcp-flags, ...) cost nothing
// beyond their boundary bits. IPv6 goes to inet_pton.
//
// History (default v2 lines of ~119 bytes, parse only, this 2-core Zen 1
// machine): a tokenize-then-std::from_chars version used ~1,750
// instructions per line; a byte-wise scan with fused SWAR digit decoding
// ~210 ns per line; this general loop alone ~1,400 instructions and
// ~215 ns; with the fast lane ~1,100 and ~165 ns (baseline build), ~920 and
// ~140 ns (SSE4.1 build), and its default-format builds ~1,020 and ~155 ns,
// ~820 and ~110 ns. docs/PERFORMANCE.md has the details.
//
// Errors do not stop the scan: the first one is remembered and the loop goes
// on, because the contract ranks "wrong field count" above everything and
// NODATA/SKIPDATA rows (which carry `-` everywhere) must be recognised even
// when their placeholders would not parse. Presence of each value is a bit
// in record.present, checked once against required_ at the end instead of a
// branch per field.
ParseOutcome LineParser::parse_general(const char* line_begin, const char* line_end,
                                       FlowRecord* out) const {
  TokenCursor tokens(line_begin, line_end);

  ParseOutcome first_error;
  uint32_t present = 0;
  LogStatus status = LogStatus::kOk;
  Action action = Action::kAccept;
  out->interface_id = {};
  out->flows = 1;
  // A field that is `-` or not in the format reads as 0 (its present bit
  // says it is unknown): the aggregator's sums and port tests then need no
  // branch for it.
  out->src = IpAddress();
  out->dst = IpAddress();
  out->packets = 0;
  out->bytes = 0;
  out->start = 0;
  out->end = 0;
  out->src_port = 0;
  out->dst_port = 0;
  out->protocol = 0;

  const size_t n = ops_.size();
  const uint8_t* ops = ops_.data();
  for (size_t c = 0; c < n; ++c) {
    const char* b;
    const char* t;  // the token is [b, t)
    if (!tokens.next(&b, &t)) return {ParseError::kWrongFieldCount, -1};
    const uint8_t op = ops[c];
    if (op == kOpSkip) continue;
    if (t - b == 1 && *b == '-') {
      // Unknown (AWS: "not applicable or could not be computed"). An action
      // or log-status `-` is told apart below: NODATA/SKIPDATA rows have one.
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
    // action `-` on an OK row: unknown, counted as ACCEPT like a format
    // without the column (its present bit stays clear).
    if ((required_ & kHasAction) != 0) {
      return {ParseError::kMissingField, format_.column_of(FieldId::kAction)};
    }
    out->action = Action::kAccept;
  }
  return {};
}

// Lines from callers that cannot promise padding are copied into a padded
// buffer first (on the stack up to 1 KiB); the interface id is re-pointed
// into the caller's line.
ParseOutcome LineParser::parse(std::string_view line, FlowRecord* out) const {
  constexpr size_t kStackLine = 1024;
  alignas(64) char stack[kStackLine + kParsePadding];
  std::unique_ptr<char[]> heap;
  char* copy = stack;
  if (line.size() > kStackLine) {
    heap = std::make_unique_for_overwrite<char[]>(line.size() + kParsePadding);
    copy = heap.get();
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
