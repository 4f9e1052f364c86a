#include "report/units.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace efstop::report {
namespace {

TEST(UnitsTest, BytesBelowOneKibAreExact) {
  EXPECT_EQ(format_iec_bytes(0), "0 B");
  EXPECT_EQ(format_iec_bytes(1), "1 B");
  EXPECT_EQ(format_iec_bytes(512), "512 B");
  EXPECT_EQ(format_iec_bytes(1023), "1023 B");
}

TEST(UnitsTest, BytesUseIecUnitsWithOneDecimal) {
  EXPECT_EQ(format_iec_bytes(1024), "1.0 KiB");
  EXPECT_EQ(format_iec_bytes(3072), "3.0 KiB");
  EXPECT_EQ(format_iec_bytes(2560), "2.5 KiB");
  // 1503238553 / 2^30 = 1.39999999; rounds to 1.4.
  EXPECT_EQ(format_iec_bytes(1503238553), "1.4 GiB");
  EXPECT_EQ(format_iec_bytes(int64_t{5} << 40), "5.0 TiB");
  EXPECT_EQ(format_iec_bytes(int64_t{3} << 50), "3.0 PiB");
}

TEST(UnitsTest, BytesRoundHalfUpOnTenths) {
  // 1075 / 1024 = 1.0498 -> 1.0; 1076 / 1024 = 1.0508 -> 1.1.
  EXPECT_EQ(format_iec_bytes(1075), "1.0 KiB");
  EXPECT_EQ(format_iec_bytes(1076), "1.1 KiB");
  // 1996 / 1024 = 1.949 -> 1.9; 1997 / 1024 = 1.9502 -> 2.0.
  EXPECT_EQ(format_iec_bytes(1996), "1.9 KiB");
  EXPECT_EQ(format_iec_bytes(1997), "2.0 KiB");
}

TEST(UnitsTest, BytesRoundingUpToNextUnitMovesUnit) {
  // 1048575 B = 1023.999 KiB: would print "1024.0 KiB".
  EXPECT_EQ(format_iec_bytes(1048575), "1.0 MiB");
  // 1023.94 KiB stays in KiB: 1048514 / 1024 = 1023.94 -> 1023.9.
  EXPECT_EQ(format_iec_bytes(1048514), "1023.9 KiB");
}

TEST(UnitsTest, BytesLargestCounterFits) {
  // 2^63 - 1 = 7.99999 EiB.
  EXPECT_EQ(format_iec_bytes(std::numeric_limits<int64_t>::max()), "8.0 EiB");
  // A single record over 4 GiB: 4 GiB + 1 byte.
  EXPECT_EQ(format_iec_bytes((int64_t{4} << 30) + 1), "4.0 GiB");
}

TEST(UnitsTest, NegativeBytesKeepSign) {
  EXPECT_EQ(format_iec_bytes(-2048), "-2.0 KiB");
  EXPECT_EQ(format_iec_bytes(std::numeric_limits<int64_t>::min()), "-8.0 EiB");
}

TEST(UnitsTest, TimesAreIso8601Utc) {
  // Expected values computed with Python's datetime (1970-01-01 + seconds).
  EXPECT_EQ(format_iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601_utc(1795701900), "2026-11-26T14:05:00Z");
  EXPECT_EQ(format_iso8601_utc(1709211661), "2024-02-29T13:01:01Z");
  EXPECT_EQ(format_iso8601_utc(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_iso8601_utc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_iso8601_utc(253402300799), "9999-12-31T23:59:59Z");
}

// Against the C library's calendar (gmtime_r, the fields printed with
// snprintf): every second around the turns of days, months, years and
// centuries that matter, and random times over the whole four-digit range.
TEST(UnitsTest, TimesMatchTheCLibrarysCalendar) {
  const auto reference = [](int64_t t) {
    const time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    EXPECT_NE(gmtime_r(&tt, &tm), nullptr) << t;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return std::string(buf);
  };
  std::vector<int64_t> times = {-62167219200, 253402300799, 0, -1, 951782400, 4107542400};
  for (const int64_t day :
       {int64_t{-62167219200}, int64_t{-2208988800}, int64_t{-86400}, int64_t{951782400},
        int64_t{946684800}, int64_t{1709164800}, int64_t{4102444800}, int64_t{253402214400}}) {
    for (int64_t d = -1; d <= 1; ++d) {
      times.push_back(day + d * 86400 - 1);
      times.push_back(day + d * 86400);
      times.push_back(day + d * 86400 + 59);
      times.push_back(day + d * 86400 + 3599);
    }
  }
  std::mt19937_64 rng(20261207);
  std::uniform_int_distribution<int64_t> any(-62167219200, 253402300799);
  for (int i = 0; i < 200000; ++i) times.push_back(any(rng));
  for (const int64_t t : times) {
    if (t < -62167219200 || t > 253402300799) continue;
    ASSERT_EQ(format_iso8601_utc(t), reference(t)) << t;
  }
}

TEST(UnitsTest, TimesOutsideFourDigitYearsPrintSeconds) {
  EXPECT_EQ(format_iso8601_utc(253402300800), "253402300800");
  EXPECT_EQ(format_iso8601_utc(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
}

}  // namespace
}  // namespace efstop::report
