#include "cli/time_arg.h"

#include <cctype>
#include <charconv>
#include <string>

namespace efstop::cli {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t days_in_month(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at text[*pos].
bool read_digits(std::string_view text, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > text.size()) return false;
  int64_t value = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = text[*pos + k];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += n;
  *out = value;
  return true;
}

bool consume(std::string_view text, size_t* pos, char c) {
  if (*pos < text.size() && text[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

Status bad_time() {
  return invalid_argument_error(
      "want a time like 2026-11-26T14:00:00Z, 2026-11-26 14:00 (UTC unless a zone such as +01:00 "
      "is given), 2026-11-26, or Unix seconds");
}

}  // namespace

Result<int64_t> parse_time_arg(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size()) return bad_time();
    return seconds;
  }
  size_t pos = 0;
  int64_t year, month, day, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, &pos, 4, &year) || !consume(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &month) || !consume(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &day)) {
    return bad_time();
  }
  bool round_up = false;
  if (consume(text, &pos, 'T') || consume(text, &pos, 't') || consume(text, &pos, ' ')) {
    if (!read_digits(text, &pos, 2, &hour) || !consume(text, &pos, ':') ||
        !read_digits(text, &pos, 2, &minute)) {
      return bad_time();
    }
    if (consume(text, &pos, ':')) {
      if (!read_digits(text, &pos, 2, &second)) return bad_time();
      if (consume(text, &pos, '.') || consume(text, &pos, ',')) {
        const size_t start = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          if (text[pos] != '0') round_up = true;
          ++pos;
        }
        if (pos == start) return bad_time();
      }
    }
  }
  int64_t offset = 0;  // seconds east of UTC
  if (consume(text, &pos, 'Z') || consume(text, &pos, 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh, om;
    if (!read_digits(text, &pos, 2, &oh)) return bad_time();
    consume(text, &pos, ':');
    if (!read_digits(text, &pos, 2, &om) || oh > 23 || om > 59) return bad_time();
    offset = sign * (oh * 3600 + om * 60);
  }
  if (pos != text.size()) return bad_time();
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return invalid_argument_error("no such date or time of day");
  }
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset +
         (round_up ? 1 : 0);
}

}  // namespace efstop::cli
