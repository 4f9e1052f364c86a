#include "core/duration.h"

#include <gtest/gtest.h>

namespace efstop {
namespace {

// --since, --keep, --window and --sample all read durations here.
TEST(DurationTest, DurationsInEveryUnit) {
  EXPECT_EQ(*parse_duration("90s"), 90);
  EXPECT_EQ(*parse_duration("5m"), 300);
  EXPECT_EQ(*parse_duration("2h"), 7200);
  EXPECT_EQ(*parse_duration("7d"), 604800);
  EXPECT_EQ(*parse_duration("1w"), 604800);
  EXPECT_EQ(*parse_duration("1h30m"), 5400);
  EXPECT_EQ(*parse_duration("1w1d1h1m1s"), 604800 + 86400 + 3600 + 60 + 1);
}

TEST(DurationTest, RejectsBadDurations) {
  for (const char* bad : {"", "5", "m", "5x", "0m", "-5m", "5m3", "1.5h", "99999999999d", "5m/1h",
                          " 5m", "5 m", "0s0m"}) {
    Result<int64_t> r = parse_duration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_NE(parse_duration("5x").status().message().find("s, m, h, d or w"), std::string::npos);
  EXPECT_NE(parse_duration("0m").status().message().find("longer than zero"), std::string::npos);
}

// About 100 years is the most: "now - duration" cannot overflow.
TEST(DurationTest, CapsAtAboutACentury) {
  EXPECT_EQ(*parse_duration("36600d"), int64_t{36600} * 86400);
  EXPECT_FALSE(parse_duration("36601d").ok());
  EXPECT_FALSE(parse_duration("36600d1s").ok());
}

}  // namespace
}  // namespace efstop
