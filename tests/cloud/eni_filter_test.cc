// EniFilter over flow-log text: lines of other ENIs left out and counted,
// header lines (and their layout), lines it cannot place passed through,
// lines split across reads, gzip input.
#include "cloud/eni_filter.h"

#include <gtest/gtest.h>

#include "cloud/cloud_test_util.h"

namespace efstop::cloud {
namespace {

// Reads `source` to the end in small pieces.
std::string drain(flowlog::ByteSource* source) {
  std::string out;
  char buf[7];
  for (;;) {
    Result<size_t> n = source->read(buf, sizeof buf);
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    if (!n.ok() || *n == 0) return out;
    out.append(buf, *n);
  }
}

std::string filtered(const std::string& text, std::optional<flowlog::LogFormat> format,
                     int64_t* left_out) {
  auto counter = std::make_shared<std::atomic<int64_t>>(0);
  auto filter = std::make_shared<const EniFilter>(
      std::vector<std::string>{"eni-keep1", "eni-keep2"}, std::move(format));
  std::unique_ptr<flowlog::ByteSource> s =
      make_eni_filter_source(flowlog::make_memory_source("t", text), filter, counter);
  std::string out = drain(s.get());
  *left_out = counter->load();
  return out;
}

TEST(EniFilterTest, DefaultLayoutKeepsTheFiltersEnis) {
  const std::string text =
      "2 1 eni-keep1 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n"
      "2 1 eni-other 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n"
      "2 1 eni-keep2 - - - - - - - 100 160 - NODATA\n"
      "garbage line\n"
      "2 1 - 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n"
      "2 1 eni-other2 10.0.0.3 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK";  // no final newline
  int64_t left_out = 0;
  EXPECT_EQ(filtered(text, std::nullopt, &left_out),
            "2 1 eni-keep1 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n"
            "2 1 eni-keep2 - - - - - - - 100 160 - NODATA\n"
            "garbage line\n"
            "2 1 - 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n");
  EXPECT_EQ(left_out, 2);
}

TEST(EniFilterTest, HeaderLineSetsTheColumnUnlessAFormatIsGiven) {
  const std::string text =
      "srcaddr interface-id dstaddr\n"
      "10.0.0.1 eni-keep1 10.0.0.2\n"
      "10.0.0.1 eni-other 10.0.0.2\n";
  int64_t left_out = 0;
  EXPECT_EQ(filtered(text, std::nullopt, &left_out),
            "srcaddr interface-id dstaddr\n10.0.0.1 eni-keep1 10.0.0.2\n");
  EXPECT_EQ(left_out, 1);
  // With the flow log's LogFormat the engine ignores the header's layout,
  // and so does the filter: interface-id is the first column here.
  Result<flowlog::LogFormat> f = flowlog::parse_log_format("${interface-id} ${srcaddr} ${dstaddr}");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(filtered("eni-other 10.0.0.1 10.0.0.2\neni-keep2 10.0.0.1 10.0.0.2\n", *f, &left_out),
            "eni-keep2 10.0.0.1 10.0.0.2\n");
  EXPECT_EQ(left_out, 1);
}

TEST(EniFilterTest, DecodesGzipFirst) {
  const std::string plain =
      "2 1 eni-other 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n"
      "2 1 eni-keep2 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n";
  int64_t left_out = 0;
  EXPECT_EQ(filtered(test::gzip(plain), std::nullopt, &left_out),
            "2 1 eni-keep2 10.0.0.1 10.0.0.2 1 2049 6 1 10 100 160 ACCEPT OK\n");
  EXPECT_EQ(left_out, 1);
}

}  // namespace
}  // namespace efstop::cloud
