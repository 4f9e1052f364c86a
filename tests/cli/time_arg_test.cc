#include "cli/time_arg.h"

#include <gtest/gtest.h>

namespace efstop::cli {
namespace {

// Expected seconds computed with Python's datetime (1970-01-01 + delta).
constexpr int64_t k20261126T1400 = 1795701600;

TEST(TimeArgTest, AcceptsEpochSeconds) {
  EXPECT_EQ(*parse_time_arg("1795701600"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("0"), 0);
}

TEST(TimeArgTest, AcceptsIso8601Forms) {
  EXPECT_EQ(*parse_time_arg("2026-11-26T14:00:00Z"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26T14:00Z"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26 14:00"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26 14:00:00"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26t14:00:00z"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26"), 1795651200);
  EXPECT_EQ(*parse_time_arg("2024-02-29T23:59:59Z"), 1709251199);
}

TEST(TimeArgTest, ZoneOffsetsMoveToUtc) {
  EXPECT_EQ(*parse_time_arg("2026-11-26T15:00:00+01:00"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26T15:00:00+0100"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26T09:30:00-04:30"), k20261126T1400);
}

TEST(TimeArgTest, FractionsRoundUp) {
  EXPECT_EQ(*parse_time_arg("2026-11-26T14:00:00.000Z"), k20261126T1400);
  EXPECT_EQ(*parse_time_arg("2026-11-26T14:00:00.25Z"), k20261126T1400 + 1);
}

TEST(TimeArgTest, RejectsMalformedOrImpossibleTimes) {
  for (const char* bad :
       {"", "yesterday", "2026-11-26T", "2026-11-26T14", "2026-13-01", "2026-02-29", "2026-11-31",
        "2026-11-26T24:00", "2026-11-26T14:60", "2026-11-26T14:00:00Q", "26-11-2026", "2026/11/26",
        "-5", "2026-11-26T14:00:00+25:00", "99999999999999999999"}) {
    Result<int64_t> r = parse_time_arg(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_NE(parse_time_arg("x").status().message().find("2026-11-26T14:00:00Z"), std::string::npos);
}

}  // namespace
}  // namespace efstop::cli
