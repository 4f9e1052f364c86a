#include "report/address_order.h"

#include <arpa/inet.h>

#include <cstring>

namespace efstop::report {

AddressKey make_address_key(std::string_view ip) {
  AddressKey key;
  // inet_pton needs a NUL-terminated string; addresses are short.
  char buf[INET6_ADDRSTRLEN + 1];
  if (ip.size() < sizeof(buf)) {
    std::memcpy(buf, ip.data(), ip.size());
    buf[ip.size()] = '\0';
    if (inet_pton(AF_INET, buf, key.bytes.data()) == 1) {
      key.family_rank = 0;
      return key;
    }
    if (inet_pton(AF_INET6, buf, key.bytes.data()) == 1) {
      // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address, as
      // the engine treats it.
      static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      if (std::memcmp(key.bytes.data(), kMapped, sizeof(kMapped)) == 0) {
        std::memmove(key.bytes.data(), key.bytes.data() + 12, 4);
        std::memset(key.bytes.data() + 4, 0, 12);
        key.family_rank = 0;
        return key;
      }
      key.family_rank = 1;
      return key;
    }
  }
  key.bytes.fill(0);
  key.family_rank = 2;
  key.text = std::string(ip);
  return key;
}

std::vector<AddressKey> make_address_keys(const std::vector<std::string>& ips) {
  std::vector<AddressKey> keys;
  keys.reserve(ips.size());
  for (const std::string& ip : ips) keys.push_back(make_address_key(ip));
  return keys;
}

bool address_less(std::string_view a, std::string_view b) {
  return make_address_key(a) < make_address_key(b);
}

}  // namespace efstop::report
