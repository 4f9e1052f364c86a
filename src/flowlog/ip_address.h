// IpAddress: an IPv4 or IPv6 address in 16 bytes (IPv4 stored IPv4-mapped,
// ::ffff:a.b.c.d), cheap to copy, hash and compare. Flow-log records hold
// millions of these, so there is no heap and no string.
//
// Ordering (operator<=> and address_less) is the report order the contract
// asks for: every IPv4 address before every IPv6 address, each numerically.
// Thread-compatible value type.
#ifndef EFSTOP_FLOWLOG_IP_ADDRESS_H_
#define EFSTOP_FLOWLOG_IP_ADDRESS_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace efstop::flowlog {

class IpAddress {
 public:
  // The unspecified IPv6 address "::".
  constexpr IpAddress() = default;

  static constexpr IpAddress from_v4(uint32_t host_order) {
    IpAddress a;
    a.lo_ = kV4Prefix | host_order;
    return a;
  }
  // hi/lo are the address's first and last 8 bytes read as big-endian integers.
  static constexpr IpAddress from_words(uint64_t hi, uint64_t lo) {
    IpAddress a;
    a.hi_ = hi;
    a.lo_ = lo;
    return a;
  }

  // Parses dotted-quad IPv4 ("10.0.0.1") or any textual IPv6 form
  // ("2001:db8::1", "::ffff:10.0.0.1"). Returns nullopt for anything else,
  // including surrounding spaces and IPv6 zone ids. No allocation.
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_v4() const { return hi_ == 0 && (lo_ >> 32) == 0xffffu; }
  // The IPv4 address in host order; only meaningful when is_v4().
  uint32_t v4() const { return static_cast<uint32_t>(lo_); }
  uint64_t hi() const { return hi_; }
  uint64_t lo() const { return lo_; }

  // "10.0.0.1" for IPv4 (also for IPv4-mapped input), RFC 5952 text for
  // IPv6 ("2001:db8::1": lowercase, longest zero run compressed).
  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  // IPv4 before IPv6, then numeric.
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    const bool a4 = a.is_v4();
    const bool b4 = b.is_v4();
    if (a4 != b4) return a4 ? std::strong_ordering::less : std::strong_ordering::greater;
    if (a.hi_ != b.hi_) return a.hi_ <=> b.hi_;
    return a.lo_ <=> b.lo_;
  }

  // A fast 64-bit mix of the 16 bytes, for hash tables.
  uint64_t hash() const {
    uint64_t h = (hi_ ^ (lo_ * 0x9E3779B97F4A7C15ull));
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
  }

 private:
  static constexpr uint64_t kV4Prefix = 0x0000ffff00000000ull;
  uint64_t hi_ = 0;
  uint64_t lo_ = 0;
};

// The ordering helper for reports: IPv4 before IPv6, numeric within each.
inline bool address_less(const IpAddress& a, const IpAddress& b) { return a < b; }

struct IpAddressHash {
  size_t operator()(const IpAddress& a) const { return static_cast<size_t>(a.hash()); }
};

// Parses a list of addresses separated by commas, spaces, tabs or newlines
// (blank entries and lines starting with '#' are ignored), e.g. the value of
// --server-ips or the content of a file of one IP per line. Fails with
// kInvalidArgument naming the first bad entry. Duplicates are removed; the
// result is sorted with address_less.
Result<std::vector<IpAddress>> parse_ip_list(std::string_view text);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_IP_ADDRESS_H_
