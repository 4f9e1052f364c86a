// Human units and timestamps for reports.
//
// Pure functions; thread-safe; no locale is consulted.
#ifndef EFSTOP_REPORT_UNITS_H_
#define EFSTOP_REPORT_UNITS_H_

#include <cstdint>
#include <string>

namespace efstop::report {

// IEC units with one decimal, rounded half up: 0 -> "0 B", 512 -> "512 B",
// 1023 -> "1023 B", 1024 -> "1.0 KiB", 3072 -> "3.0 KiB",
// 1503238553 -> "1.4 GiB". A value that would round to 1024.0 of a unit is
// shown in the next one ("1.0 MiB", not "1024.0 KiB"). Negative values
// (never counters) print as "-" followed by the magnitude's form.
std::string format_iec_bytes(int64_t bytes);

// ISO 8601 UTC with seconds: 1795701900 -> "2026-11-26T14:05:00Z". Works
// for any int64 seconds value that fits years 0000..9999; outside that it
// prints the plain number of seconds.
std::string format_iso8601_utc(int64_t unix_seconds);

}  // namespace efstop::report

#endif  // EFSTOP_REPORT_UNITS_H_
