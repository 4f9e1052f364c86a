// Lengths of time as users type them: `--since 2h`, `--keep 90d`,
// `--sample 5m/1h`. One parser for every option that takes a duration, so
// they all accept (and refuse) the same forms.
//
// Pure function; thread-safe.
#ifndef EFSTOP_CORE_DURATION_H_
#define EFSTOP_CORE_DURATION_H_

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace efstop {

// A whole number and a unit s, m, h, d or w, possibly several ("90s", "5m",
// "2h", "7d", "1h30m"). Returns seconds (> 0, at most about 100 years, so
// "now - duration" stays far from overflow). kInvalidArgument, lowercase,
// saying which forms are accepted (the cause only: callers name the option).
Result<int64_t> parse_duration(std::string_view text);

}  // namespace efstop

#endif  // EFSTOP_CORE_DURATION_H_
