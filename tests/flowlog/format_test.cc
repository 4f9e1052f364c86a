#include "flowlog/format.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "flowlog/parser.h"

namespace efstop::flowlog {
namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FormatTest, DefaultV2HasFourteenFieldsInOrder) {
  const LogFormat& f = LogFormat::default_v2();
  ASSERT_EQ(f.column_count(), 14u);
  EXPECT_EQ(f.column_field(0), FieldId::kVersion);
  EXPECT_EQ(f.column_field(3), FieldId::kSrcAddr);
  EXPECT_EQ(f.column_field(13), FieldId::kLogStatus);
  EXPECT_TRUE(f.has_interface_id());
  EXPECT_TRUE(f.has_start());
  EXPECT_EQ(f.to_header_string(),
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
            "bytes start end action log-status");
}

TEST(FormatTest, EveryKnownFieldRoundTripsByName) {
  for (size_t i = 1; i < kFieldCount; ++i) {
    const FieldId id = static_cast<FieldId>(i);
    const std::string_view name = field_name(id);
    ASSERT_FALSE(name.empty());
    EXPECT_EQ(field_from_name(name), id) << name;
    EXPECT_GE(field_version(id), 2) << name;
  }
  EXPECT_FALSE(field_from_name("no-such-field").has_value());
  EXPECT_EQ(field_version(FieldId::kTrafficPath), 5);
  EXPECT_EQ(field_version(FieldId::kEcsTaskId), 7);
  EXPECT_EQ(field_version(FieldId::kRejectReason), 8);
}

TEST(FormatTest, ParsesLogFormatString) {
  Result<LogFormat> f = parse_log_format("${version} ${srcaddr}  ${dstaddr}\t${future-field}");
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  ASSERT_EQ(f->column_count(), 4u);
  EXPECT_EQ(f->column_of(FieldId::kDstAddr), 2);
  EXPECT_EQ(f->column_field(3), FieldId::kIgnored);
  EXPECT_EQ(f->column_name(3), "future-field");
  EXPECT_FALSE(f->has_interface_id());
  EXPECT_EQ(f->to_log_format_string(), "${version} ${srcaddr} ${dstaddr} ${future-field}");
}

TEST(FormatTest, AcceptsHeaderStyleListAsLogFormat) {
  Result<LogFormat> f = parse_log_format("version srcaddr dstaddr");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->column_of(FieldId::kSrcAddr), 1);
}

TEST(FormatTest, RejectsMalformedLogFormats) {
  EXPECT_EQ(parse_log_format("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_log_format("   ").status().code(), StatusCode::kInvalidArgument);
  Result<LogFormat> tf = parse_log_format("$${version} $${srcaddr}");
  ASSERT_FALSE(tf.ok());
  EXPECT_NE(tf.status().message().find("Terraform"), std::string::npos);
  EXPECT_FALSE(parse_log_format("${version").ok());
  EXPECT_FALSE(parse_log_format("${}").ok());
  EXPECT_FALSE(parse_log_format("${Version}").ok());
  Result<LogFormat> dup = parse_log_format("${srcaddr} ${srcaddr}");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
}

TEST(FormatTest, DetectsHeaderLines) {
  std::optional<LogFormat> h = parse_header_line("version account-id interface-id srcaddr\r");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->column_count(), 4u);
  EXPECT_FALSE(parse_header_line("2 123456789010 eni-1 10.0.0.1").has_value());
  EXPECT_FALSE(parse_header_line("eni-1235b8ca123456789 10.0.1.5").has_value());
  EXPECT_FALSE(parse_header_line("").has_value());
  EXPECT_TRUE(looks_like_header("  interface-id srcaddr"));
  EXPECT_FALSE(looks_like_header("unknown srcaddr"));
  // Unknown names after a known first one are kept as ignored columns.
  std::optional<LogFormat> u = parse_header_line("srcaddr brand-new-field dstaddr");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->column_field(1), FieldId::kIgnored);
}

// Every documented example line parses with its documented field order.
TEST(FormatTest, EveryAwsFixtureParsesWithItsFormat) {
  const std::filesystem::path dir = EFSTOP_SOURCE_DIR "/tests/flowlog/data/aws";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no fixtures at " << dir;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".log") continue;
    std::filesystem::path format_path = entry.path();
    format_path.replace_extension(".format");
    LogFormat format = LogFormat::default_v2();
    if (std::filesystem::exists(format_path)) {
      std::optional<LogFormat> h = parse_header_line(read_text(format_path));
      ASSERT_TRUE(h.has_value()) << format_path;
      format = *h;
    }
    // No required fields: the fixtures include formats without bytes etc.
    LineParser parser(format, 0);
    std::istringstream lines(read_text(entry.path()));
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      FlowRecord r;
      ParseOutcome o = parser.parse(line, &r);
      EXPECT_TRUE(o.ok()) << entry.path() << ": " << line << ": "
                          << describe_parse_error(o, line, format);
      ++n;
    }
    EXPECT_GT(n, 0) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 5);
}

}  // namespace
}  // namespace efstop::flowlog
