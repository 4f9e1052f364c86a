#include "core/duration.h"

#include <cctype>
#include <charconv>

namespace efstop {

Result<int64_t> parse_duration(std::string_view text) {
  const Status bad = invalid_argument_error(
      "want a duration: a number and a unit s, m, h, d or w, e.g. 30m, 2h, 7d, 1h30m");
  if (text.empty()) return bad;
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos == start || pos == text.size()) return bad;
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data() + start, text.data() + pos, value);
    if (ec != std::errc() || end != text.data() + pos) return bad;
    int64_t unit;
    switch (text[pos]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 7 * 86400;
        break;
      default:
        return bad;
    }
    ++pos;
    // 100 years is plenty and keeps "now - duration" far from overflow.
    constexpr int64_t kMax = int64_t{100} * 366 * 86400;
    if (value > kMax / unit || total + value * unit > kMax) return bad;
    total += value * unit;
  }
  if (total <= 0) return invalid_argument_error("want a duration longer than zero");
  return total;
}

}  // namespace efstop
