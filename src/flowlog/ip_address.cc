#include "flowlog/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace efstop::flowlog {

namespace {

// Dotted quad, each part 0..255 with 1-3 digits. Leading zeros are accepted
// ("010" is ten, not octal) as AWS never writes them.
bool parse_v4(std::string_view s, uint32_t* out) {
  if (s.size() < 7 || s.size() > 15) return false;
  uint32_t value = 0;
  int parts = 0;
  size_t i = 0;
  while (true) {
    uint32_t part = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      part = part * 10 + static_cast<uint32_t>(s[i] - '0');
      ++i;
      if (++digits > 3) return false;
    }
    if (digits == 0 || part > 255) return false;
    value = (value << 8) | part;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  if (parts != 4) return false;
  *out = value;
  return true;
}

// The value of a hex digit, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = static_cast<char>(c | 0x20);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

// IPv6 in the form flow logs write it: groups of 1-4 hex digits between
// colons, at most one "::" standing for one or more zero groups. True only
// for text that inet_pton accepts, with its value; false hands the text to
// inet_pton, which decides everything else (an embedded dotted quad,
// errors). A tenth of a dual-stack log's addresses come here, and inet_pton
// costs several times this loop.
bool parse_v6_groups(std::string_view s, uint64_t* hi, uint64_t* lo) {
  uint16_t groups[8];
  int count = 0;
  int gap = -1;  // where "::" stands: the number of groups before it
  size_t i = 0;
  const size_t len = s.size();
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  }
  while (i < len) {
    uint32_t value = 0;
    size_t digits = 0;
    for (int h; i < len && (h = hex_value(s[i])) >= 0; ++i) {
      if (++digits > 4) return false;
      value = value * 16 + static_cast<uint32_t>(h);
    }
    if (digits == 0 || count == 8) return false;
    groups[count++] = static_cast<uint16_t>(value);
    if (i == len) break;
    if (s[i] != ':' || ++i == len) return false;  // not a colon, or a trailing single one
    if (s[i] == ':') {
      if (gap >= 0) return false;
      gap = count;
      ++i;
    }
  }
  // Without "::" all eight groups are written; with it, at least one is not.
  if (gap < 0 ? count != 8 : count > 7) return false;
  uint16_t full[8] = {};
  const int head = gap < 0 ? count : gap;
  for (int g = 0; g < head; ++g) full[g] = groups[g];
  for (int g = head; g < count; ++g) full[8 - count + g] = groups[g];
  *hi = 0;
  *lo = 0;
  for (int g = 0; g < 4; ++g) *hi = (*hi << 16) | full[g];
  for (int g = 4; g < 8; ++g) *lo = (*lo << 16) | full[g];
  return true;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  uint32_t v4 = 0;
  if (parse_v4(text, &v4)) return IpAddress::from_v4(v4);
  uint64_t hi = 0;
  uint64_t lo = 0;
  if (parse_v6_groups(text, &hi, &lo)) return IpAddress::from_words(hi, lo);
  // The other IPv6 forms; inet_pton needs a NUL-terminated copy.
  if (text.size() < 2 || text.size() > 45) return std::nullopt;
  if (text.find(':') == std::string_view::npos) return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char bytes[16];
  if (inet_pton(AF_INET6, buf, bytes) != 1) return std::nullopt;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | bytes[i];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | bytes[i];
  return IpAddress::from_words(hi, lo);
}

std::string IpAddress::to_string() const {
  char buf[48];
  if (is_v4()) {
    const uint32_t v = v4();
    int n = std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255u,
                          (v >> 8) & 255u, v & 255u);
    return std::string(buf, static_cast<size_t>(n));
  }
  uint16_t groups[8];
  for (int i = 0; i < 4; ++i) groups[i] = static_cast<uint16_t>(hi_ >> (48 - 16 * i));
  for (int i = 0; i < 4; ++i) groups[4 + i] = static_cast<uint16_t>(lo_ >> (48 - 16 * i));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first if tied.
  int best_at = -1;
  int best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_len = j - i;
      best_at = i;
    }
    i = j;
  }
  if (best_len < 2) best_at = -1;
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_at) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    int n = std::snprintf(buf, sizeof buf, "%x", groups[i]);
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::vector<IpAddress>> parse_ip_list(std::string_view text) {
  std::vector<IpAddress> out;
  size_t i = 0;
  while (i < text.size()) {
    // One line at a time so '#' comments run to the end of the line.
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(i, eol - i);
    i = eol + 1;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    size_t j = 0;
    while (j < line.size()) {
      while (j < line.size() &&
             (line[j] == ',' || line[j] == ' ' || line[j] == '\t' || line[j] == '\r')) {
        ++j;
      }
      size_t k = j;
      while (k < line.size() && line[k] != ',' && line[k] != ' ' && line[k] != '\t' &&
             line[k] != '\r') {
        ++k;
      }
      if (k == j) break;
      std::string_view token = line.substr(j, k - j);
      std::optional<IpAddress> ip = IpAddress::parse(token);
      if (!ip) {
        return invalid_argument_error(
            std::string("'").append(token).append("' is not an IPv4 or IPv6 address"));
      }
      out.push_back(*ip);
      j = k;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace efstop::flowlog
