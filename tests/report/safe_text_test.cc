#include "report/safe_text.h"

#include <gtest/gtest.h>

namespace efstop::report {
namespace {

TEST(SafeTextTest, PlainAndUtf8TextIsKept) {
  EXPECT_EQ(sanitize_text("web-01 (prod)"), "web-01 (prod)");
  EXPECT_EQ(sanitize_text("Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(sanitize_text(""), "");
}

TEST(SafeTextTest, C0ControlsAndDelAreEscaped) {
  EXPECT_EQ(sanitize_text("a\x1b[31mred"), "a\\x1B[31mred");
  EXPECT_EQ(sanitize_text("line1\nline2\r\n"), "line1\\x0Aline2\\x0D\\x0A");
  EXPECT_EQ(sanitize_text("a\tb"), "a\\x09b");
  EXPECT_EQ(sanitize_text("x\x7Fy"), "x\\x7Fy");
  EXPECT_EQ(sanitize_text(std::string_view("a\0b", 3)), "a\\x00b");
}

TEST(SafeTextTest, C1AndBidiControlsAreEscaped) {
  // U+009B is the one-byte CSI of 8-bit terminals.
  EXPECT_EQ(sanitize_text("a\xC2\x9B"
                          "31m"),
            "a\\u{009B}31m");
  // U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE.
  EXPECT_EQ(sanitize_text("abc\xE2\x80\xAE"
                          "fed"),
            "abc\\u{202E}fed");
  EXPECT_EQ(sanitize_text("\xE2\x81\xA6x"), "\\u{2066}x");
  // U+2028 LINE SEPARATOR.
  EXPECT_EQ(sanitize_text("a\xE2\x80\xA8"
                          "b"),
            "a\\u{2028}b");
}

TEST(SafeTextTest, InvalidUtf8BytesAreEscaped) {
  EXPECT_EQ(sanitize_text("a\xFF"
                          "b"),
            "a\\xFFb");
  // Overlong "/" and a truncated 3-byte sequence.
  EXPECT_EQ(sanitize_text("\xC0\xAF"), "\\xC0\\xAF");
  EXPECT_EQ(sanitize_text("x\xE2\x80"), "x\\xE2\\x80");
  // Encoded surrogate U+D800.
  EXPECT_EQ(sanitize_text("\xED\xA0\x80"), "\\xED\\xA0\\x80");
}

TEST(SafeTextTest, CellsStartingWithFormulaCharactersArePrefixed) {
  EXPECT_EQ(sanitize_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
  EXPECT_EQ(sanitize_cell("+1"), "'+1");
  EXPECT_EQ(sanitize_cell("-2+3"), "'-2+3");
  EXPECT_EQ(sanitize_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(sanitize_cell("a=b"), "a=b");
  EXPECT_EQ(sanitize_cell("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(sanitize_cell(""), "");
}

TEST(SafeTextTest, CellsStartingWithTabOrCrAreEscapedNotLive) {
  EXPECT_EQ(sanitize_cell("\t=1"), "\\x09=1");
  EXPECT_EQ(sanitize_cell("\r=1"), "\\x0D=1");
}

TEST(SafeTextTest, DisplayWidthCountsCodePoints) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("Caf\xC3\xA9"), 4u);
  EXPECT_EQ(display_width("\xF0\x9F\x98\x80"), 1u);
}

TEST(SafeTextTest, TruncateToWidthEndsInAnEllipsisAndKeepsUtf8Whole) {
  EXPECT_EQ(truncate_to_width("abcdef", 6), "abcdef");
  EXPECT_EQ(truncate_to_width("abcdefg", 6), "abcde\xE2\x80\xA6");
  EXPECT_EQ(display_width(truncate_to_width("abcdefg", 6)), 6u);
  // "Caf\u00e9s" cut to 4 columns: 3 code points (the 2-byte one whole), then the ellipsis.
  EXPECT_EQ(truncate_to_width("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 4),
            "\xC3\xA9\xC3\xA9\xC3\xA9\xE2\x80\xA6");
  EXPECT_EQ(truncate_to_width("ab", 1), "\xE2\x80\xA6");
  EXPECT_EQ(truncate_to_width("ab", 0), "");
  EXPECT_EQ(truncate_to_width("", 0), "");
}

}  // namespace
}  // namespace efstop::report
