// Times as users type them for --start and --end (durations, as for
// --since: core/duration.h).
//
// Pure functions; thread-safe.
#ifndef EFSTOP_CLI_TIME_ARG_H_
#define EFSTOP_CLI_TIME_ARG_H_

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace efstop::cli {

// A point in time, as Unix seconds:
//   1795701600                      epoch seconds
//   2026-11-26T14:00:00Z            ISO 8601 ("T" or one space between
//   2026-11-26 14:00                date and time; seconds optional;
//   2026-11-26T14:00:00+01:00       a zone "Z", "+hh:mm", "+hhmm", "-hh:mm";
//   2026-11-26                      no zone means UTC, as the AWS CLI does)
// Fractions of a second round up to the next whole second, so that
// "start >= t" over whole-second flow-log times means the same as over
// real times. Errors say which forms are accepted.
Result<int64_t> parse_time_arg(std::string_view text);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_TIME_ARG_H_
