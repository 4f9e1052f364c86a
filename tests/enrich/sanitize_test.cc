#include "enrich/sanitize.h"

#include "gtest/gtest.h"

namespace efstop::enrich {
namespace {

TEST(SanitizeTest, PlainNamesAreUnchanged) {
  EXPECT_EQ(sanitize_name("web-01 (prod)"), "web-01 (prod)");
  EXPECT_EQ(sanitize_name("café-serveur-東京"), "café-serveur-東京");
  EXPECT_EQ(sanitize_name(""), "");
}

TEST(SanitizeTest, ControlCharactersBecomeVisibleEscapes) {
  EXPECT_EQ(sanitize_name("evil\x1b[31mred"), "evil\\x1b[31mred");
  EXPECT_EQ(sanitize_name("a\nb\tc\rd"), "a\\x0ab\\x09c\\x0dd");
  EXPECT_EQ(sanitize_name(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(sanitize_name("del\x7f"), "del\\x7f");
  EXPECT_EQ(sanitize_name("c1\xc2\x9b"
                          "31m"),
            "c1\\u009b31m");  // U+009B CSI
}

TEST(SanitizeTest, BidiOverridesAreEscaped) {
  EXPECT_EQ(sanitize_name("abc\xe2\x80\xae"
                          "cba"),
            "abc\\u202ecba");
  EXPECT_EQ(sanitize_name("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
}

TEST(SanitizeTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(sanitize_name("a\xff"
                          "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(sanitize_name("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  EXPECT_EQ(sanitize_name("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(sanitize_name("trunc\xe6\x9d"), "trunc\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace efstop::enrich
