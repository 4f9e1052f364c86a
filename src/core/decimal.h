// Integers as decimal text, for writers that print millions of them (a JSON
// report's series: 1.46 M numbers with `--bucket 5m --top 0` on bench/whole's
// file, docs/PERFORMANCE.md).
//
// The same characters as std::to_chars(p, p + 20, v), faster for the
// numbers a byte count is: libstdc++ takes two digits at a time from the
// low end, each step a division of what the step before left (a chain of
// dependent multiplications, five for an 11-digit count). Here the number is
// cut into groups of eight digits and each group into four pairs, so the
// steps of different groups do not wait for each other.
#ifndef EFSTOP_CORE_DECIMAL_H_
#define EFSTOP_CORE_DECIMAL_H_

#include <cstdint>
#include <cstring>

namespace efstop {

namespace decimal_internal {

// "00" to "99", two characters each.
inline constexpr char kPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline char* pair(char* p, uint32_t v) {  // v < 100: two digits
  std::memcpy(p, kPairs + 2 * v, 2);
  return p + 2;
}

inline char* eight(char* p, uint32_t v) {  // v < 10^8: exactly eight digits
  const uint32_t hi = v / 10000;
  const uint32_t lo = v % 10000;
  p = pair(p, hi / 100);
  p = pair(p, hi % 100);
  p = pair(p, lo / 100);
  return pair(p, lo % 100);
}

inline char* up_to_four(char* p, uint32_t v) {  // v < 10^4: no leading zeros
  if (v < 100) {
    if (v < 10) {
      *p = static_cast<char>('0' + v);
      return p + 1;
    }
    return pair(p, v);
  }
  if (v < 1000) {
    *p = static_cast<char>('0' + v / 100);
    return pair(p + 1, v % 100);
  }
  return pair(pair(p, v / 100), v % 100);
}

inline char* up_to_eight(char* p, uint32_t v) {  // v < 10^8: no leading zeros
  if (v < 10000) return up_to_four(p, v);
  const uint32_t lo = v % 10000;
  p = up_to_four(p, v / 10000);
  return pair(pair(p, lo / 100), lo % 100);
}

}  // namespace decimal_internal

// Writes `v` in decimal at `p` (room for 20 characters: "-9223372036854775808")
// and returns the end, as std::to_chars does.
inline char* write_decimal(char* p, int64_t v) {
  using namespace decimal_internal;
  uint64_t u = static_cast<uint64_t>(v);
  if (v < 0) {
    *p++ = '-';
    u = 0 - u;  // also for INT64_MIN
  }
  if (u < 100000000) return up_to_eight(p, static_cast<uint32_t>(u));
  const uint64_t high = u / 100000000;
  const auto low = static_cast<uint32_t>(u % 100000000);
  if (high < 100000000) {
    p = up_to_eight(p, static_cast<uint32_t>(high));
  } else {  // 17 to 20 digits
    p = up_to_eight(p, static_cast<uint32_t>(high / 100000000));
    p = eight(p, static_cast<uint32_t>(high % 100000000));
  }
  return eight(p, low);
}

}  // namespace efstop

#endif  // EFSTOP_CORE_DECIMAL_H_
