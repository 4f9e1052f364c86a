// Address ordering for deterministic reports (contract.md): addresses
// compare numerically, every IPv4 address before every IPv6 address. A
// string that is not an address (never produced by the engine, but a
// model can hold anything) sorts after all addresses, by its bytes.
//
// Pure functions; thread-safe.
#ifndef EFSTOP_REPORT_ADDRESS_ORDER_H_
#define EFSTOP_REPORT_ADDRESS_ORDER_H_

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace efstop::report {

// A parsed address that orders as the contract says. Build once per row,
// compare many times.
struct AddressKey {
  uint8_t family_rank = 2;          // 0 IPv4, 1 IPv6, 2 not an address
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4
  std::string text;                 // kept only for not-an-address, to order those too

  friend std::strong_ordering operator<=>(const AddressKey&, const AddressKey&) = default;
  friend bool operator==(const AddressKey&, const AddressKey&) = default;
};

// Parses `ip` ("10.0.1.5", "2001:db8::1"; no brackets, ports or zones).
// An IPv4-mapped IPv6 address (::ffff:10.0.1.5) is keyed as its IPv4
// address, as flowlog::IpAddress does.
AddressKey make_address_key(std::string_view ip);

// Keys of a list of addresses, compared element by element (a merged end
// with several addresses).
std::vector<AddressKey> make_address_keys(const std::vector<std::string>& ips);

// True when a orders before b under the contract's rule.
bool address_less(std::string_view a, std::string_view b);

}  // namespace efstop::report

#endif  // EFSTOP_REPORT_ADDRESS_ORDER_H_
