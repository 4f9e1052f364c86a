#include "report/units.h"

#include <cstdio>

#include "core/decimal.h"

namespace efstop::report {

std::string format_iec_bytes(int64_t bytes) {
  if (bytes < 0) {
    // Magnitude of INT64_MIN does not fit in int64; go through uint64.
    uint64_t magnitude = uint64_t{0} - static_cast<uint64_t>(bytes);
    if (magnitude > static_cast<uint64_t>(INT64_MAX)) magnitude = INT64_MAX;
    std::string negative = "-";
    negative += format_iec_bytes(static_cast<int64_t>(magnitude));
    return negative;
  }
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  const uint64_t value = static_cast<uint64_t>(bytes);
  if (value < 1024) return std::to_string(value) + " B";
  // Pick the largest unit not above the value, then round to tenths with
  // integers only (doubles would make 1.05 round either way).
  int unit_index = 1;
  uint64_t unit = 1024;
  while (unit_index < 6 && value / unit >= 1024) {
    unit *= 1024;
    ++unit_index;
  }
  // (value % unit) * 10 < 10 * 2^60 fits in uint64.
  uint64_t tenths = value / unit * 10 + ((value % unit) * 10 + unit / 2) / unit;
  if (tenths >= 10240 && unit_index < 6) {
    // Rounded up into the next unit: recompute there.
    unit *= 1024;
    ++unit_index;
    tenths = value / unit * 10 + ((value % unit) * 10 + unit / 2) / unit;
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%llu.%llu %s", static_cast<unsigned long long>(tenths / 10),
                static_cast<unsigned long long>(tenths % 10), kUnits[unit_index]);
  return buf;
}

std::string format_iso8601_utc(int64_t unix_seconds) {
  // Days from civil (H. Hinnant's algorithm, reversed): exact for the
  // proleptic Gregorian calendar, independent of the C library's gmtime.
  constexpr int64_t kMin = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (unix_seconds < kMin || unix_seconds > kMax) return std::to_string(unix_seconds);
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // Written digit pair by digit pair: through snprintf a time took about
  // 3,500 instructions, and a report writes two a row (18,000 rows: 36,000).
  std::string out(20, ' ');
  char* p = out.data();
  const auto two = [&p](int64_t v, char after) {  // 0 <= v < 100
    p = decimal_internal::pair(p, static_cast<uint32_t>(v));
    *p++ = after;
  };
  p = decimal_internal::pair(p, static_cast<uint32_t>(year / 100));  // 0 <= year <= 9999
  two(year % 100, '-');
  two(month, '-');
  two(day, 'T');
  two(secs / 3600, ':');
  two(secs % 3600 / 60, ':');
  two(secs % 60, 'Z');
  return out;
}

}  // namespace efstop::report
