// Synthetic flow-log text shared by the micro-benchmarks: default-format
// lines shaped like real ones (21-character ENI ids, private addresses,
// ephemeral ports, byte counts up to 10^8, 10-digit timestamps).
#ifndef EFSTOP_BENCH_BENCH_LINES_H_
#define EFSTOP_BENCH_BENCH_LINES_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace efstop::bench {

// `count` lines with `clients` client addresses and 6 servers; 85% NFS.
inline std::vector<std::string> make_lines(size_t count, uint32_t clients) {
  std::vector<std::string> lines;
  lines.reserve(count);
  uint64_t x = 88172645463325252ull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  char buf[256];
  for (size_t i = 0; i < count; ++i) {
    const uint32_t c = static_cast<uint32_t>(next() % clients);
    const uint32_t s = static_cast<uint32_t>(next() % 6);
    const bool to_server = next() % 2;
    const bool nfs = next() % 100 < 85;
    const unsigned long long eni =
        (next() % 2) ? 0x0a1b2c3d4e5f60000ull + c : 0x0fff00000000000ull + s;
    const unsigned port = 32768 + static_cast<unsigned>(next() % 28000);
    const unsigned long long start = 1764100000 + next() % 86400;
    char client[32];
    char server[32];
    std::snprintf(client, sizeof client, "10.%u.%u.%u", 1 + c % 3, (c / 3) % 256, 5 + c % 200);
    std::snprintf(server, sizeof server, "10.0.%u.%u", 200 + s / 3, 10 + s);
    std::snprintf(buf, sizeof buf,
                  "2 123456789012 eni-%017llx %s %s %u %u 6 %llu %llu %llu %llu ACCEPT OK", eni,
                  to_server ? client : server, to_server ? server : client,
                  to_server ? port : (nfs ? 2049u : 443u), to_server ? (nfs ? 2049u : 443u) : port,
                  static_cast<unsigned long long>(1 + next() % 5000),
                  static_cast<unsigned long long>(40 + next() % 100000000), start, start + 60);
    lines.emplace_back(buf);
  }
  return lines;
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace efstop::bench

#endif  // EFSTOP_BENCH_BENCH_LINES_H_
