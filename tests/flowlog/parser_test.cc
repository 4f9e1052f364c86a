#include "flowlog/parser.h"

#include <gtest/gtest.h>

namespace efstop::flowlog {
namespace {

IpAddress ip(std::string_view s) { return *IpAddress::parse(s); }

class ParserTest : public ::testing::Test {
 protected:
  ParseOutcome parse(std::string_view line) { return parser_.parse(line, &r_); }
  LineParser parser_{LogFormat::default_v2()};
  FlowRecord r_;
};

TEST_F(ParserTest, ParsesDefaultLine) {
  ASSERT_TRUE(parse("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 "
                    "6 20 4249 1418530010 1418530070 ACCEPT OK")
                  .ok());
  EXPECT_EQ(r_.interface_id, "eni-1235b8ca123456789");
  EXPECT_EQ(r_.src, ip("172.31.16.139"));
  EXPECT_EQ(r_.dst, ip("172.31.16.21"));
  EXPECT_EQ(r_.src_port, 20641);
  EXPECT_EQ(r_.dst_port, 22);
  EXPECT_EQ(r_.protocol, 6);
  EXPECT_EQ(r_.packets, 20);
  EXPECT_EQ(r_.bytes, 4249);
  EXPECT_EQ(r_.start, 1418530010);
  EXPECT_EQ(r_.end, 1418530070);
  EXPECT_EQ(r_.action, Action::kAccept);
  EXPECT_EQ(r_.log_status, LogStatus::kOk);
  EXPECT_EQ(r_.flows, 1);
}

TEST_F(ParserTest, ToleratesRunsOfSpacesTabsAndCrlf) {
  ASSERT_TRUE(parse("  2 1\teni-1  10.0.0.1 \t 10.0.0.2 1 2049 6 1 2 3 4 REJECT OK \r").ok());
  EXPECT_EQ(r_.action, Action::kReject);
  EXPECT_EQ(r_.end, 4);
}

TEST_F(ParserTest, NoDataAndSkipDataRowsWithPlaceholders) {
  ASSERT_TRUE(parse("2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA").ok());
  EXPECT_EQ(r_.log_status, LogStatus::kNoData);
  ASSERT_TRUE(parse("2 123456789010 eni-1 - - - - - - - - - - SKIPDATA").ok());
  EXPECT_EQ(r_.log_status, LogStatus::kSkipData);
  // Field count still matters for them.
  EXPECT_EQ(parse("2 123456789010 eni-1 - - NODATA").error, ParseError::kWrongFieldCount);
}

TEST_F(ParserTest, ReportsTheFirstBadField) {
  const std::string good = "2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT OK";
  EXPECT_TRUE(parse(good).ok());
  struct Case {
    std::string line;
    ParseError error;
    int column;
  };
  const Case cases[] = {
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT", ParseError::kWrongFieldCount, -1},
      {good + " extra", ParseError::kWrongFieldCount, -1},
      {"2 1 eni-1 10.0.0.256 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT OK", ParseError::kBadAddress, 3},
      {"2 1 eni-1 10.0.0 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT OK", ParseError::kBadAddress, 3},
      {"2 1 eni-1 10.0.0.1 10.0.0.2. 1 2049 6 1 2 3 4 ACCEPT OK", ParseError::kBadAddress, 4},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 65536 2049 6 1 2 3 4 ACCEPT OK", ParseError::kBadNumber, 5},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 256 1 2 3 4 ACCEPT OK", ParseError::kBadNumber, 7},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 -1 2 3 4 ACCEPT OK", ParseError::kBadNumber, 8},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 2x 3 4 ACCEPT OK", ParseError::kBadNumber, 9},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 99999999999999999999 3 4 ACCEPT OK",
       ParseError::kBadNumber, 9},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 2 3 4 accept OK", ParseError::kBadAction, 12},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT FINE", ParseError::kBadLogStatus, 13},
      {"2 1 eni-1 - 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT OK", ParseError::kMissingField, 3},
      {"2 1 - 10.0.0.1 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT OK", ParseError::kMissingField, 2},
      {"2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 2 3 4 - OK", ParseError::kMissingField, 12},
  };
  for (const Case& c : cases) {
    ParseOutcome o = parse(c.line);
    EXPECT_EQ(o.error, c.error) << c.line;
    EXPECT_EQ(o.column, c.column) << c.line;
    EXPECT_FALSE(describe_parse_error(o, c.line, parser_.format()).empty());
  }
}

TEST_F(ParserTest, LargestValues) {
  ASSERT_TRUE(parse("2 1 eni-1 10.0.0.1 10.0.0.2 65535 2049 255 9223372036854775807 "
                    "9223372036854775807 0 4102444800 ACCEPT OK")
                  .ok());
  EXPECT_EQ(r_.bytes, INT64_MAX);
  EXPECT_EQ(r_.src_port, 65535);
  EXPECT_EQ(parse("2 1 eni-1 10.0.0.1 10.0.0.2 1 1 1 1 9223372036854775808 0 0 ACCEPT OK").error,
            ParseError::kBadNumber);
}

TEST_F(ParserTest, Ipv6Addresses) {
  ASSERT_TRUE(parse("2 1 eni-1 2001:db8::1 2001:DB8:0:0:0:0:0:2 1 2049 6 1 2 3 4 ACCEPT OK").ok());
  EXPECT_FALSE(r_.src.is_v4());
  EXPECT_EQ(r_.src.to_string(), "2001:db8::1");
  EXPECT_EQ(r_.dst.to_string(), "2001:db8::2");
  EXPECT_EQ(parse("2 1 eni-1 2001:db8:::1 10.0.0.1 1 2049 6 1 2 3 4 ACCEPT OK").error,
            ParseError::kBadAddress);
}

TEST_F(ParserTest, DescribesErrors) {
  const std::string line = "2 1 eni-1 10.0.0.x 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT OK";
  EXPECT_EQ(describe_parse_error(parse(line), line, parser_.format()),
            "bad srcaddr '10.0.0.x': not an IPv4 or IPv6 address");
  EXPECT_EQ(describe_parse_error(parse("a b"), "a b", parser_.format()),
            "expected 14 fields, got 2 (wrong --log-format, or a truncated line?)");
  // Control characters never reach a terminal.
  const std::string evil = "2 1 eni-1 \x1b[31m 10.0.0.2 1 2049 6 1 2 3 4 ACCEPT OK";
  EXPECT_EQ(describe_parse_error(parse(evil), evil, parser_.format()).find('\x1b'),
            std::string::npos);
}

TEST(ParserFormatTest, CustomOrderAndIgnoredColumns) {
  Result<LogFormat> f = parse_log_format(
      "${vpc-id} ${dstaddr} ${tcp-flags} ${srcaddr} ${bytes} ${new-thing} ${packets} ${start} "
      "${end} ${protocol} ${srcport} ${dstport}");
  ASSERT_TRUE(f.ok());
  LineParser p(*f);
  FlowRecord r;
  ASSERT_TRUE(p.parse("vpc-1 10.0.2.10 19 10.0.1.5 500 whatever 3 10 20 6 40000 2049", &r).ok());
  EXPECT_EQ(r.src, ip("10.0.1.5"));
  EXPECT_EQ(r.dst, ip("10.0.2.10"));
  EXPECT_EQ(r.bytes, 500);
  EXPECT_EQ(r.action, Action::kAccept);  // no action column
  EXPECT_TRUE(r.interface_id.empty());   // no interface-id column
  EXPECT_EQ(r.present & kHasInterfaceId, 0u);
}

TEST(IpAddressTest, ParsesAndPrints) {
  EXPECT_EQ(ip("10.0.0.1").to_string(), "10.0.0.1");
  EXPECT_EQ(ip("255.255.255.255").v4(), 0xffffffffu);
  EXPECT_EQ(ip("::ffff:10.0.0.1"), ip("10.0.0.1"));
  EXPECT_EQ(ip("::").to_string(), "::");
  EXPECT_EQ(ip("::1").to_string(), "::1");
  EXPECT_EQ(ip("2001:db8:0:1:0:0:0:1").to_string(), "2001:db8:0:1::1");
  EXPECT_EQ(ip("2001:0:0:1:0:0:0:1").to_string(), "2001:0:0:1::1");    // longest run
  EXPECT_EQ(ip("2001:0:0:1:0:0:1:1").to_string(), "2001::1:0:0:1:1");  // first of equals
  EXPECT_EQ(ip("fe80:0:1:0:1:0:1:0").to_string(), "fe80:0:1:0:1:0:1:0");
  for (std::string_view bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", " 1.2.3.4",
                               "1.2.3.4 ", "a.b.c.d", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9"}) {
    EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
  }
}

TEST(IpAddressTest, OrdersIpv4BeforeIpv6Numerically) {
  std::vector<IpAddress> v = {ip("::1"),      ip("10.0.0.10"),     ip("2001:db8::1"),
                              ip("10.0.0.9"), ip("9.255.255.255"), ip("::")};
  std::sort(v.begin(), v.end(), address_less);
  std::vector<std::string> s;
  for (const IpAddress& a : v) s.push_back(a.to_string());
  EXPECT_EQ(s, (std::vector<std::string>{"9.255.255.255", "10.0.0.9", "10.0.0.10", "::", "::1",
                                         "2001:db8::1"}));
}

TEST(IpAddressTest, ParsesLists) {
  Result<std::vector<IpAddress>> l =
      parse_ip_list("10.0.2.11, 10.0.2.10\n# mount targets\n\n2001:db8::5 10.0.2.10 # dup\n");
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0], ip("10.0.2.10"));
  EXPECT_EQ((*l)[2], ip("2001:db8::5"));
  Result<std::vector<IpAddress>> bad = parse_ip_list("10.0.2.10,fs-123");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'fs-123'"), std::string::npos);
  EXPECT_TRUE(parse_ip_list("").ok());
}

}  // namespace
}  // namespace efstop::flowlog
