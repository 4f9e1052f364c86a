#include "core/decimal.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace efstop {
namespace {

std::string ours(int64_t v) {
  char buf[20];
  return std::string(buf, write_decimal(buf, v));
}

std::string standard(int64_t v) {
  char buf[20];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// Every length and every boundary between lengths, both signs, the ends of
// int64: what std::to_chars writes.
TEST(DecimalTest, EveryLengthAndBoundaryIsWhatToCharsWrites) {
  std::vector<int64_t> values = {0,
                                 1,
                                 9,
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::min() + 1};
  // 10^0 to 10^18, the last power of ten an int64 holds.
  int64_t p = 1;
  for (int exponent = 0; exponent <= 18; ++exponent) {
    for (const int64_t d : {-1, 0, 1}) values.push_back(p + d);
    values.push_back(2 * p - 1);
    // All nines, where the length has room for them (19 nines do not fit).
    if (exponent < 18) {
      p *= 10;
      values.push_back(p - 1);
    }
  }
  const size_t n = values.size();
  for (size_t i = 0; i < n; ++i) {
    if (values[i] != std::numeric_limits<int64_t>::min()) values.push_back(-values[i]);
  }
  for (const int64_t v : values) EXPECT_EQ(ours(v), standard(v)) << v;
}

// Random values of every magnitude (the group boundaries at 10^8 and 10^16
// inside them).
TEST(DecimalTest, RandomValuesOfEveryMagnitudeAreWhatToCharsWrites) {
  std::mt19937_64 random(20261206);
  for (int i = 0; i < 200000; ++i) {
    const int shift = static_cast<int>(random() % 63) + 1;  // v >= 0, so -v is an int64
    const auto v = static_cast<int64_t>(random() >> shift);
    ASSERT_EQ(ours(v), standard(v)) << v;
    ASSERT_EQ(ours(-v), standard(-v)) << -v;
  }
}

// The longest text fills exactly the 20 characters the caller makes room for.
TEST(DecimalTest, TheLongestTextIsTwentyCharacters) {
  char buf[21];
  buf[20] = 'x';
  char* end = write_decimal(buf, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(end - buf, 20);
  EXPECT_EQ(buf[20], 'x');
  EXPECT_EQ(std::string(buf, end), "-9223372036854775808");
}

}  // namespace
}  // namespace efstop
