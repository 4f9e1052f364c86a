#include "report/units.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

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

TEST(UnitsTest, TimesOutsideFourDigitYearsPrintSeconds) {
  EXPECT_EQ(format_iso8601_utc(253402300800), "253402300800");
  EXPECT_EQ(format_iso8601_utc(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
}

}  // namespace
}  // namespace efstop::report
