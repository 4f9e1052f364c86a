// --labels FILE: names for addresses outside the account (on-premises and
// peered networks), one "CIDR NAME" per line.
//
//   # comment lines and trailing " # comments" are ignored
//   10.20.0.0/16   datacenter-paris
//   10.20.5.0/24   paris build farm      (the name is the rest of the line)
//   192.168.1.7    nas-01                (a bare address is a /32 or /128)
//   2001:db8::/32  lab v6
//
// The longest matching prefix wins. A bad line (bad address, prefix length
// out of range, host bits set, no name, a duplicate prefix) is skipped and
// reported as "FILE:LINE: reason"; the other lines still load.
//
// Thread-safety: const methods may be called concurrently.
#ifndef EFSTOP_ENRICH_LABELS_H_
#define EFSTOP_ENRICH_LABELS_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace efstop::enrich {

struct LabelMatch {
  std::string name;
  std::string cidr;  // the prefix that matched, e.g. "10.20.5.0/24"
};

class LabelTable {
 public:
  // Parses `text`; `source` names the file in messages.
  static LabelTable parse(std::string_view text, std::string_view source);
  // Reads and parses a file. Errors (kNotFound/kIo) only when it cannot be
  // read; bad lines are in errors().
  static Result<LabelTable> load(const std::string& path);

  // The label of the longest prefix containing `ip`; nullopt when none does
  // or `ip` is not an address.
  std::optional<LabelMatch> lookup(std::string_view ip) const;

  size_t size() const { return count_; }
  // One "FILE:LINE: reason" per skipped line.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Entry {
    std::string name;
    std::string cidr;
    int line = 0;
  };
  // Per family (0 = IPv4, 1 = IPv6): prefix length -> masked address bytes -> entry.
  // Lengths are visited longest first at lookup.
  std::array<std::map<int, std::unordered_map<std::string, Entry>, std::greater<>>, 2> by_len_;
  size_t count_ = 0;
  std::vector<std::string> errors_;
};

// Parses an IPv4 or IPv6 address into its 4 or 16 network-order bytes.
std::optional<std::string> parse_ip_bytes(std::string_view ip);

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_LABELS_H_
