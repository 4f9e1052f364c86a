#include "cli/args.h"

#include <gtest/gtest.h>

#include <sstream>

namespace efstop::cli {
namespace {

struct Fixture {
  int64_t top = 50;
  bool strict = false;
  std::string format;
  std::string profile;
  OptionGroup report{"Report"};
  OptionGroup aws{"AWS connection"};

  Fixture() {
    report.add_value("--top", "N", "rows to show", [this](std::string_view v) -> Status {
      EFSTOP_ASSIGN_OR_RETURN(top, parse_count(v, 1000));
      return Status();
    });
    report.add_value("--output", "FORMAT", "table or json\nsecond line",
                     [this](std::string_view v) {
                       format = std::string(v);
                       return Status();
                     });
    report.add_flag("--strict", "fail on bad input", [this] { strict = true; });
    // A second group, as aws_flags would register.
    aws.add_value("--profile", "NAME", "profile", [this](std::string_view v) {
      profile = std::string(v);
      return Status();
    });
  }

  Status parse(std::vector<std::string> args, std::vector<std::string>* positionals) {
    return parse_args(args, {&report, &aws}, positionals);
  }
};

TEST(ArgsTest, OptionsFromAnyGroupInAnyOrder) {
  Fixture f;
  std::vector<std::string> pos;
  ASSERT_TRUE(f.parse({"a.log", "--top", "5", "--profile=prod", "-", "--strict", "b/"}, &pos).ok());
  EXPECT_EQ(f.top, 5);
  EXPECT_EQ(f.profile, "prod");
  EXPECT_TRUE(f.strict);
  EXPECT_EQ(pos, (std::vector<std::string>{"a.log", "-", "b/"}));
}

TEST(ArgsTest, EqualsFormAndLastValueWins) {
  Fixture f;
  std::vector<std::string> pos;
  ASSERT_TRUE(f.parse({"--output=csv", "--output", "json"}, &pos).ok());
  EXPECT_EQ(f.format, "json");
  ASSERT_TRUE(f.parse({"--output="}, &pos).ok());
  EXPECT_EQ(f.format, "");
}

TEST(ArgsTest, DoubleDashEndsOptions) {
  Fixture f;
  std::vector<std::string> pos;
  ASSERT_TRUE(f.parse({"--", "--strict", "-x"}, &pos).ok());
  EXPECT_FALSE(f.strict);
  EXPECT_EQ(pos, (std::vector<std::string>{"--strict", "-x"}));
}

TEST(ArgsTest, UnknownOptionSuggestsACloseOne) {
  Fixture f;
  std::vector<std::string> pos;
  Status s = f.parse({"--stirct"}, &pos);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "parse option --stirct: unknown option (did you mean --strict?)");
  s = f.parse({"--bogus-thing"}, &pos);
  EXPECT_EQ(s.message(), "parse option --bogus-thing: unknown option");
  s = f.parse({"-x"}, &pos);
  EXPECT_EQ(s.message(), "parse option -x: unknown option");
}

TEST(ArgsTest, MissingValueAndValueOnFlagAreErrors) {
  Fixture f;
  std::vector<std::string> pos;
  EXPECT_EQ(f.parse({"a", "--top"}, &pos).message(), "parse option --top: needs a value (--top N)");
  EXPECT_EQ(f.parse({"--strict=yes"}, &pos).message(),
            "parse option --strict: takes no value (remove '=yes')");
}

TEST(ArgsTest, RejectedValueNamesOptionAndValue) {
  Fixture f;
  std::vector<std::string> pos;
  Status s = f.parse({"--top", "many"}, &pos);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "parse --top 'many': want a whole number from 0 to 1000");
}

TEST(ArgsTest, HelpListsGroupsAndAlignsContinuationLines) {
  Fixture f;
  std::ostringstream out;
  print_options({&f.report, &f.aws}, out);
  EXPECT_EQ(out.str(),
            "\nReport:\n"
            "  --top N          rows to show\n"
            "  --output FORMAT  table or json\n"
            "                   second line\n"
            "  --strict         fail on bad input\n"
            "\nAWS connection:\n"
            "  --profile NAME   profile\n");
}

TEST(ArgsTest, ParseCountBounds) {
  EXPECT_EQ(*parse_count("0", 10), 0);
  EXPECT_EQ(*parse_count("10", 10), 10);
  for (const char* bad : {"", "11", "-1", "1.5", "1e3", " 1", "0x10"}) {
    EXPECT_FALSE(parse_count(bad, 10).ok()) << bad;
  }
}

TEST(ArgsTest, ParseByteSizeUnits) {
  EXPECT_EQ(*parse_byte_size("0"), 0);
  EXPECT_EQ(*parse_byte_size("1000000"), 1000000);
  EXPECT_EQ(*parse_byte_size("512B"), 512);
  EXPECT_EQ(*parse_byte_size("3KiB"), 3072);
  EXPECT_EQ(*parse_byte_size("500MiB"), 524288000);
  EXPECT_EQ(*parse_byte_size("2GiB"), 2147483648);
  EXPECT_EQ(*parse_byte_size("2g"), 2147483648);
  EXPECT_EQ(*parse_byte_size("1T"), 1099511627776);
  for (const char* bad : {"", "GiB", "1.5GiB", "-1", "5XB", "9000000PiB", "1 GiB"}) {
    EXPECT_FALSE(parse_byte_size(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace efstop::cli
