#include "aws/credentials.h"

#include <cstdio>
#include <ctime>

namespace efstop::aws {
namespace {

bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::string format_iso8601(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text) {
  auto bad = [&] {
    return parse_error("timestamp '" + std::string(text.substr(0, 40)) +
                       "' is not ISO 8601 (expected e.g. 2026-11-26T14:00:00Z)");
  };
  std::tm tm{};
  int year, mon, day, hour, min, sec;
  if (!read_digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !read_digits(text, 5, 2, mon) || text[7] != '-' || !read_digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !read_digits(text, 11, 2, hour) ||
      text[13] != ':' || !read_digits(text, 14, 2, min) || text[16] != ':' ||
      !read_digits(text, 17, 2, sec)) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return bad();
  }
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  std::string_view zone = text.substr(pos);
  int offset_seconds = 0;
  if (zone == "Z" || zone == "z" || zone == "UTC" || zone.empty()) {
    offset_seconds = 0;
  } else if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 6 && zone[3] == ':') {
    int oh, om;
    if (!read_digits(zone, 1, 2, oh) || !read_digits(zone, 4, 2, om)) return bad();
    offset_seconds = (oh * 3600 + om * 60) * (zone[0] == '+' ? 1 : -1);
  } else {
    return bad();
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const int64_t t = static_cast<int64_t>(timegm(&tm)) - offset_seconds;
  // system_clock counts nanoseconds in 64 bits: about 1677-09-21 to
  // 2262-04-11. from_time_t past that overflows (undefined behaviour, in
  // practice a time centuries off), so such a timestamp is refused.
  using Clock = std::chrono::system_clock;
  constexpr int64_t kMaxSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count() - 1;
  constexpr int64_t kMinSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::min()).count() + 1;
  if (t > kMaxSeconds || t < kMinSeconds) {
    return parse_error("timestamp '" + std::string(text.substr(0, 40)) +
                       "' is outside the years 1678 to 2261 this efstop can hold");
  }
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(t)));
}

std::string Credentials::describe() const {
  std::string masked;
  if (access_key_id.size() > 4) {
    masked =
        std::string(access_key_id.size() - 4, '*') + access_key_id.substr(access_key_id.size() - 4);
  } else {
    masked = std::string(access_key_id.size(), '*');
  }
  std::string out = masked + " from " + (source.empty() ? "unknown source" : source);
  if (!source_detail.empty()) out += " (" + source_detail + ")";
  if (expiration) out += ", expires " + format_iso8601(*expiration);
  return out;
}

}  // namespace efstop::aws
