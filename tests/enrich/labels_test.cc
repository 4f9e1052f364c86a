#include "enrich/labels.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace efstop::enrich {
namespace {

TEST(LabelsTest, LongestPrefixWins) {
  const LabelTable t = LabelTable::parse(
      "10.20.0.0/16 paris\n"
      "10.20.5.0/24 paris build farm\n"
      "10.20.5.7 build-07\n"
      "0.0.0.0/0 internet\n",
      "labels.txt");
  EXPECT_TRUE(t.errors().empty());
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.lookup("10.20.5.7")->name, "build-07");
  EXPECT_EQ(t.lookup("10.20.5.7")->cidr, "10.20.5.7/32");
  EXPECT_EQ(t.lookup("10.20.5.8")->name, "paris build farm");
  EXPECT_EQ(t.lookup("10.20.9.1")->name, "paris");
  EXPECT_EQ(t.lookup("10.20.9.1")->cidr, "10.20.0.0/16");
  EXPECT_EQ(t.lookup("8.8.8.8")->name, "internet");
}

TEST(LabelsTest, Ipv6PrefixesAreSeparateFromIpv4) {
  const LabelTable t =
      LabelTable::parse("2001:db8::/32 lab\n2001:db8:1::/48 lab-one\n10.0.0.0/8 ten\n", "l");
  EXPECT_EQ(t.lookup("2001:db8:1::5")->name, "lab-one");
  EXPECT_EQ(t.lookup("2001:db8:2::5")->name, "lab");
  EXPECT_EQ(t.lookup("2001:db9::1"), std::nullopt);
  EXPECT_EQ(t.lookup("10.1.1.1")->name, "ten");
  EXPECT_EQ(t.lookup("not-an-ip"), std::nullopt);
}

TEST(LabelsTest, CommentsAndBlankLinesAreIgnored) {
  const LabelTable t = LabelTable::parse(
      "# on-premises\n\n   \n192.168.0.0/16 office # the office LAN\r\nfd00::/8 "
      "ula#not-a-comment\n",
      "l");
  EXPECT_TRUE(t.errors().empty());
  EXPECT_EQ(t.lookup("192.168.3.4")->name, "office");
  EXPECT_EQ(t.lookup("fd12::1")->name, "ula#not-a-comment");
}

TEST(LabelsTest, BadLinesAreNamedWithFileAndLineAndTheRestLoads) {
  const LabelTable t = LabelTable::parse(
      "10.0.0.0/8 ten\n"
      "10.0.0.0/33 too-long\n"
      "300.1.1.1/32 bad\n"
      "10.1.2.3/16 host-bits\n"
      "172.16.0.0/12\n"
      "10.0.0.0/8 again\n"
      "2001:db8::/129 v6-too-long\n"
      "10.0.0.0/x bad-len\n"
      "172.16.0.0/12 private\n",
      "labels.txt");
  ASSERT_EQ(t.errors().size(), 7u);
  EXPECT_EQ(t.errors()[0], "labels.txt:2: bad prefix length '33' in '10.0.0.0/33' (0..32)");
  EXPECT_EQ(t.errors()[1], "labels.txt:3: bad address '300.1.1.1'");
  EXPECT_EQ(t.errors()[2],
            "labels.txt:4: host bits set in '10.1.2.3/16' (did you mean 10.1.0.0/16?)");
  EXPECT_EQ(t.errors()[3], "labels.txt:5: no name after '172.16.0.0/12' (expected: CIDR NAME)");
  EXPECT_EQ(t.errors()[4], "labels.txt:6: duplicate prefix 10.0.0.0/8 (first on line 1)");
  EXPECT_EQ(t.errors()[5].rfind("labels.txt:7: bad prefix length '129'", 0), 0u);
  EXPECT_EQ(t.errors()[6].rfind("labels.txt:8: bad prefix length 'x'", 0), 0u);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.lookup("172.20.0.1")->name, "private");
  EXPECT_EQ(t.lookup("10.9.9.9")->name, "ten");
}

TEST(LabelsTest, LoadReadsFileAndReportsMissingFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "efstop_labels_test.txt").string();
  {
    std::ofstream out(path);
    out << "10.0.0.0/8 ten\nbad line\n";
  }
  Result<LabelTable> t = LabelTable::load(path);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->lookup("10.1.1.1")->name, "ten");
  ASSERT_EQ(t->errors().size(), 1u);
  EXPECT_EQ(t->errors()[0], path + ":2: bad address 'bad'");
  std::filesystem::remove(path);
  Result<LabelTable> missing = LabelTable::load(path);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(path), std::string::npos);
}

// An independent check of longest-prefix matching: compare with a brute force
// over every prefix length for a grid of addresses.
TEST(LabelsTest, MatchesBruteForceOnAGrid) {
  const LabelTable t = LabelTable::parse(
      "10.0.0.0/8 a\n10.128.0.0/9 b\n10.128.0.0/10 c\n10.192.0.0/10 d\n10.200.0.0/13 e\n", "l");
  auto brute = [](uint32_t ip) -> std::string {
    struct P {
      uint32_t net;
      int len;
      const char* name;
    };
    const P ps[] = {{0x0a000000, 8, "a"},
                    {0x0a800000, 9, "b"},
                    {0x0a800000, 10, "c"},
                    {0x0ac00000, 10, "d"},
                    {0x0ac80000, 13, "e"}};
    std::string best;
    int best_len = -1;
    for (const P& p : ps) {
      const uint32_t mask = p.len == 0 ? 0 : ~uint32_t{0} << (32 - p.len);
      if ((ip & mask) == p.net && p.len > best_len) {
        best = p.name;
        best_len = p.len;
      }
    }
    return best;
  };
  for (uint32_t second = 0; second < 256; second += 3) {
    const uint32_t ip = 0x0a000000 | (second << 16) | 0x0102;
    const std::string text = "10." + std::to_string(second) + ".1.2";
    auto m = t.lookup(text);
    ASSERT_TRUE(m.has_value()) << text;
    EXPECT_EQ(m->name, brute(ip)) << text;
  }
}

}  // namespace
}  // namespace efstop::enrich
