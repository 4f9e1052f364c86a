#include "flowlog/parser.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

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
  };
  for (const Case& c : cases) {
    ParseOutcome o = parse(c.line);
    EXPECT_EQ(o.error, c.error) << c.line;
    EXPECT_EQ(o.column, c.column) << c.line;
    EXPECT_FALSE(describe_parse_error(o, c.line, parser_.format()).empty());
  }
}

// AWS: `-` means "not applicable or could not be computed", for any field.
// Each one is an unknown value (present bit clear, value 0), never an error.
TEST_F(ParserTest, DashInAnyFieldIsUnknownNeverMalformed) {
  const std::vector<std::string> good = {"2", "1",    "eni-1",  "10.0.0.1", "10.0.0.2",
                                         "1", "2049", "6",      "7",        "8",
                                         "9", "10",   "REJECT", "OK"};
  struct Field {
    size_t column;
    uint32_t bit;  // 0: no present bit (version, account-id, log-status)
  };
  const Field fields[] = {
      {0, 0},           {1, 0},           {2, kHasInterfaceId}, {3, kHasSrcAddr}, {4, kHasDstAddr},
      {5, kHasSrcPort}, {6, kHasDstPort}, {7, kHasProtocol},    {8, kHasPackets}, {9, kHasBytes},
      {10, kHasStart},  {11, kHasEnd},    {12, kHasAction},     {13, 0}};
  for (const Field& f : fields) {
    // A full record first, so that stale values would show.
    std::string full;
    for (const std::string& v : good) full += (full.empty() ? "" : " ") + v;
    ASSERT_TRUE(parse(full).ok());
    std::vector<std::string> tokens = good;
    tokens[f.column] = "-";
    std::string line;
    for (const std::string& v : tokens) line += (line.empty() ? "" : " ") + v;
    const ParseOutcome o = parse(line);
    ASSERT_TRUE(o.ok()) << line << ": " << describe_parse_error(o, line, parser_.format());
    EXPECT_EQ(r_.present, kHasAll & ~f.bit) << line;
    EXPECT_EQ(r_.log_status, LogStatus::kOk) << line;
    EXPECT_EQ(r_.action, f.bit == kHasAction ? Action::kAccept : Action::kReject) << line;
    EXPECT_EQ(r_.interface_id, f.bit == kHasInterfaceId ? "" : "eni-1") << line;
    EXPECT_EQ(r_.src, f.bit == kHasSrcAddr ? IpAddress() : *IpAddress::parse("10.0.0.1")) << line;
    EXPECT_EQ(r_.dst, f.bit == kHasDstAddr ? IpAddress() : *IpAddress::parse("10.0.0.2")) << line;
    EXPECT_EQ(r_.src_port, f.bit == kHasSrcPort ? 0 : 1) << line;
    EXPECT_EQ(r_.dst_port, f.bit == kHasDstPort ? 0 : 2049) << line;
    EXPECT_EQ(r_.protocol, f.bit == kHasProtocol ? 0 : 6) << line;
    EXPECT_EQ(r_.packets, f.bit == kHasPackets ? 0 : 7) << line;
    EXPECT_EQ(r_.bytes, f.bit == kHasBytes ? 0 : 8) << line;
    EXPECT_EQ(r_.start, f.bit == kHasStart ? 0 : 9) << line;
    EXPECT_EQ(r_.end, f.bit == kHasEnd ? 0 : 10) << line;
  }
  // Asked for (a caller's `required` mask), a `-` is still an error.
  const LineParser strict(LogFormat::default_v2(), kHasBytes | kHasAction);
  FlowRecord r;
  EXPECT_EQ(strict.parse("2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 - 3 4 ACCEPT OK", &r).error,
            ParseError::kMissingField);
  EXPECT_EQ(strict.parse("2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 1 2 3 4 - OK", &r).column, 12);
}

// A format without a field: the field is unknown in every record, 0 whatever
// the previous line held, in every lane.
TEST(ParserFormatTest, FieldsTheFormatLacksAreUnknown) {
  Result<LogFormat> f = parse_log_format("${srcaddr} ${dstaddr} ${bytes}");
  ASSERT_TRUE(f.ok());
  const LineParser full(LogFormat::default_v2());
  for (ParseLane lane : {ParseLane::kNone, ParseLane::kBaseline, ParseLane::kSse41}) {
    const LineParser p(*f, LineParser::kDefaultRequired, lane);
    FlowRecord r;
    ASSERT_TRUE(full.parse("2 1 eni-1 10.0.0.1 10.0.0.2 1 2049 6 7 8 9 10 REJECT OK", &r).ok());
    ASSERT_TRUE(p.parse("10.0.1.5 10.0.2.10 500", &r).ok());
    EXPECT_EQ(r.present, kHasSrcAddr | kHasDstAddr | kHasBytes);
    EXPECT_EQ(r.bytes, 500);
    EXPECT_EQ(r.packets, 0);
    EXPECT_EQ(r.src_port, 0);
    EXPECT_EQ(r.dst_port, 0);
    EXPECT_EQ(r.protocol, 0);
    EXPECT_EQ(r.start, 0);
    EXPECT_EQ(r.end, 0);
    EXPECT_EQ(r.action, Action::kAccept);
    EXPECT_EQ(r.log_status, LogStatus::kOk);
    EXPECT_TRUE(r.interface_id.empty());
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

// IpAddress::parse decides the hex-group forms of IPv6 itself and leaves
// the rest to inet_pton: on every text, valid or not, both must agree.
TEST(IpAddressTest, Ipv6AgreesWithInetPton) {
  auto agree = [](const std::string& text) {
    unsigned char bytes[16];
    const bool valid = inet_pton(AF_INET6, text.c_str(), bytes) == 1;
    std::optional<IpAddress> got = IpAddress::parse(text);
    if (!valid) {
      // Dotted quads are IPv4; nothing else may parse.
      unsigned char v4[4];
      EXPECT_EQ(got.has_value(), inet_pton(AF_INET, text.c_str(), v4) == 1) << text;
      return;
    }
    ASSERT_TRUE(got.has_value()) << text;
    uint64_t hi = 0;
    uint64_t lo = 0;
    for (int i = 0; i < 8; ++i) hi = (hi << 8) | bytes[i];
    for (int i = 8; i < 16; ++i) lo = (lo << 8) | bytes[i];
    EXPECT_EQ(got->hi(), hi) << text;
    EXPECT_EQ(got->lo(), lo) << text;
  };
  for (const char* text : {"::",
                           "::1",
                           "1::",
                           "1::2",
                           ":",
                           ":::",
                           "::1::",
                           "1:::2",
                           ":1::2",
                           "1::2:",
                           "1:2",
                           "1:2:3:4:5:6:7:8",
                           "1:2:3:4:5:6:7::",
                           "::2:3:4:5:6:7:8",
                           "1:2:3:4:5:6:7:8::",
                           "::1:2:3:4:5:6:7:8",
                           "1:2:3:4::5:6:7:8",
                           "1:2:3:4:5:6:7",
                           "12345::1",
                           "0000:0::ffff",
                           "FFFF:abcd::EF01",
                           "2001:db8::g",
                           "::ffff:10.0.0.1",
                           "1:2:3:4:5:6:1.2.3.4",
                           "::1.2.3.4",
                           "1::2:3.4.5.6",
                           "1:2:3:4:5:6:7:1.2.3.4",
                           "1.2.3.4",
                           "1:2:3:4:5:6:7:8:9"}) {
    agree(text);
  }
  // Random texts near the grammar: hex digits, colons, dots, a stray byte.
  std::mt19937_64 rng(2049);
  const std::string alphabet = "0123456789abcdefABCDEF::::::..xg ";
  for (int n = 0; n < 200000; ++n) {
    std::string text;
    const size_t len = 1 + rng() % 40;
    for (size_t i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    agree(text);
  }
  // Valid addresses, printed in full and compressed, then one byte changed.
  for (int n = 0; n < 50000; ++n) {
    uint16_t g[8];
    for (uint16_t& v : g) v = (rng() % 3 == 0) ? 0 : static_cast<uint16_t>(rng() >> (rng() % 64));
    std::string text;
    for (int i = 0; i < 8; ++i) {
      char part[8];
      std::snprintf(part, sizeof part, rng() % 2 ? "%x" : "%04X", g[i]);
      if (i > 0) text += ':';
      text += part;
    }
    agree(text);
    std::optional<IpAddress> full = IpAddress::parse(text);
    ASSERT_TRUE(full.has_value()) << text;
    const std::string compressed = full->to_string();  // RFC 5952: "::" where it fits
    agree(compressed);
    std::string changed = compressed;
    changed[rng() % changed.size()] = alphabet[rng() % alphabet.size()];
    agree(changed);
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

// The fast lanes (parser_lane.inc, built for any CPU and for SSE4.1) must
// give exactly what the general loop gives, for every line: the same error
// and column, or the same record. Lines are generated from valid and broken
// values of each field, with odd separators now and then.
class LineMaker {
 public:
  explicit LineMaker(uint64_t seed) : state_(seed) {}

  std::string line(const LogFormat& format) {
    std::string out;
    odd_ = chance(4);  // a line with odd separators or values in places
    if (odd_ && chance(8)) out += ' ';
    size_t columns = format.column_count();
    if (odd_ && chance(8)) columns += chance(2) ? 1 : static_cast<size_t>(-1);  // one too many/few
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) out += separator();
      out += c < format.column_count() ? value(format.column_field(c)) : "7";
    }
    if (odd_ && chance(8)) out += ' ';
    if (chance(10)) out += '\r';
    return out;
  }

 private:
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  bool chance(uint64_t one_in) { return next() % one_in == 0; }
  std::string digits(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('0' + next() % 10);
    return s;
  }
  std::string separator() {
    if (!odd_ || !chance(8)) return " ";
    const char* const odd[] = {"  ", "\t", " \t", "\t\t"};
    return odd[next() % 4];
  }
  // IPv6 texts of 2-45 bytes from a pool small enough to repeat, in the
  // forms logs and people write (the lanes remember the last ones seen).
  std::string ipv6() {
    const uint64_t pick = next() % 400;
    char text[64];
    switch (pick % 5) {
      case 0:
        std::snprintf(text, sizeof text, "2600:1f18:4e2a:1400:%x:%x:%x:%x",
                      static_cast<unsigned>(pick * 7919 % 65536), static_cast<unsigned>(pick % 13),
                      static_cast<unsigned>(pick * 31 % 65536), static_cast<unsigned>(pick));
        break;
      case 1:
        std::snprintf(text, sizeof text, "2600:1f18:4e2a:14::%x", static_cast<unsigned>(pick));
        break;
      case 2:
        std::snprintf(text, sizeof text, "::ffff:10.0.%u.%u", static_cast<unsigned>(pick % 7),
                      static_cast<unsigned>(pick % 256));
        break;
      case 3:
        std::snprintf(text, sizeof text, "FE80::%X", static_cast<unsigned>(pick));
        break;
      default:
        std::snprintf(text, sizeof text, "%x::", static_cast<unsigned>(pick + 1));
        break;
    }
    return text;
  }
  // Dotted quads of 7-15 bytes from a pool small enough to repeat (the
  // lanes remember them too), many differing only in their last bytes or
  // length, and some not valid (a part over 255, a NUL) that repeat too.
  std::string pooled_ipv4() {
    const unsigned pick = static_cast<unsigned>(next() % 300);
    char text[32];
    switch (pick % 4) {
      case 0:
        std::snprintf(text, sizeof text, "10.0.%u.%u", pick / 4 % 4, pick % 256);
        break;
      case 1:
        // With a NUL byte after it, a text that is a remembered one's bytes
        // followed by a zero (the memo pads texts with zeros).
        if (pick / 4 % 10 == 9) return std::string("1.2.3.4\0", 8);
        std::snprintf(text, sizeof text, "1.2.3.%u", pick / 4 % 10);
        break;
      case 2:
        std::snprintf(text, sizeof text, "100.100.100.%u", pick % 256);
        break;
      default:
        std::snprintf(text, sizeof text, "10.0.0.%u", pick);  // 256-299: not valid
        break;
    }
    return text;
  }
  std::string address() {
    if (!odd_ && chance(2)) return pooled_ipv4();
    switch (odd_ ? next() % 12 : chance(4) ? 6 : 11) {
      case 0:
        return "-";
      case 1:
        return "2001:db8::" + std::to_string(next() % 65536);
      case 6:
      case 7:
        return ipv6();
      case 2:
        return "10.0.0";  // two dots
      case 3:
        return "10.0.0.1.5";
      case 4:
        return std::to_string(next() % 400) + ".0." + digits(1 + next() % 4) + ".9";
      case 5:
        return "10.0.0." + digits(1 + next() % 3) + "x";
      default: {
        std::string s;
        for (int i = 0; i < 4; ++i) {
          if (i > 0) s += '.';
          s += chance(8) ? digits(1 + next() % 3) : std::to_string(next() % 256);
        }
        return s;
      }
    }
  }
  std::string number(uint64_t limit) {
    if (!odd_) return std::to_string(limit == 0 ? next() >> (next() % 64) : next() % limit);
    switch (next() % 10) {
      case 0:
        return "-";
      case 1:
        return digits(1 + next() % 22);  // up to past 2^64
      case 2:
        return digits(1 + next() % 8) + "x" + digits(next() % 8);
      case 3:
        return std::to_string(next() % 70000);  // around the port limit
      case 4:
        return std::to_string(next() % 300);  // around the protocol limit
      default:
        return std::to_string(next() >> (next() % 64));
    }
  }
  std::string value(FieldId id) {
    switch (id) {
      case FieldId::kSrcAddr:
      case FieldId::kDstAddr:
        return address();
      case FieldId::kSrcPort:
      case FieldId::kDstPort:
        return number(65536);
      case FieldId::kProtocol:
        return number(256);
      case FieldId::kPackets:
      case FieldId::kBytes:
      case FieldId::kStart:
      case FieldId::kEnd:
        return number(0);
      case FieldId::kAction: {
        const char* const v[] = {"ACCEPT", "REJECT", "-", "ACCEPTED", "accept"};
        return v[next() % (odd_ ? 5 : 2)];
      }
      case FieldId::kLogStatus: {
        const char* const v[] = {"OK", "NODATA", "SKIPDATA", "-", "OKAY"};
        return v[next() % (odd_ ? 5 : 1)];
      }
      case FieldId::kInterfaceId:
        if (odd_ && chance(4)) return "-";
        if (chance(10)) return "eni-" + digits(40);  // longer than AWS's
        return "eni-0" + digits(16);
      default:
        return odd_ && chance(4) ? "-" : digits(1 + next() % 12);
    }
  }

  uint64_t state_;
  bool odd_ = false;
};

void expect_same(const FlowRecord& a, const FlowRecord& b, const std::string& line) {
  EXPECT_EQ(a.src, b.src) << line;
  EXPECT_EQ(a.dst, b.dst) << line;
  EXPECT_EQ(a.src_port, b.src_port) << line;
  EXPECT_EQ(a.dst_port, b.dst_port) << line;
  EXPECT_EQ(a.protocol, b.protocol) << line;
  EXPECT_EQ(a.packets, b.packets) << line;
  EXPECT_EQ(a.bytes, b.bytes) << line;
  EXPECT_EQ(a.start, b.start) << line;
  EXPECT_EQ(a.end, b.end) << line;
  EXPECT_EQ(a.flows, b.flows) << line;
  EXPECT_EQ(a.interface_id, b.interface_id) << line;
  EXPECT_EQ(a.present, b.present) << line;
  EXPECT_EQ(a.action, b.action) << line;
  EXPECT_EQ(a.log_status, b.log_status) << line;
}

TEST(ParserLaneTest, EveryLaneGivesTheGeneralLoopsResult) {
  std::vector<LogFormat> formats = {LogFormat::default_v2()};
  for (const char* text :
       {"${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} "
        "${end}",
        "${bytes} ${packets} ${end} ${start} ${dstaddr} ${srcaddr} ${action} ${vpc-id} "
        "${interface-id} ${log-status} ${srcport} ${dstport} ${protocol} ${tcp-flags}",
        // The default layout with other ignored columns: the constant-column build.
        "${vpc-id} ${subnet-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
        "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
        // Formats without optional fields (issue 16): no packets, no ports or protocol, no
        // start/end/action, the three required fields only.
        "${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
        "${bytes} ${start} ${end} ${action} ${log-status}",
        "${interface-id} ${srcaddr} ${dstaddr} ${packets} ${bytes} ${start} ${end} ${action} "
        "${log-status}",
        "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes}",
        "${srcaddr} ${dstaddr} ${bytes}"}) {
    Result<LogFormat> f = parse_log_format(text);
    ASSERT_TRUE(f.ok()) << text;
    formats.push_back(*f);
  }
  // Lines of three and four 64-byte blocks, and past 256 bytes (declined).
  std::string long_lines = "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                           "${protocol} ${packets} ${bytes} ${start} ${end}";
  for (int i = 0; i < 15; ++i) long_lines += " ${extra-" + std::to_string(i) + "}";
  Result<LogFormat> long_format = parse_log_format(long_lines);
  ASSERT_TRUE(long_format.ok());
  formats.push_back(*long_format);
  // Past the fast lane's limits (64 columns): declined, the general loop decides.
  std::string wide = "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes}";
  for (int i = 0; i < 60; ++i) wide += " ${extra-" + std::to_string(i) + "}";
  Result<LogFormat> wide_format = parse_log_format(wide);
  ASSERT_TRUE(wide_format.ok());
  formats.push_back(*wide_format);

  LineMaker maker(0x5eed);
  for (const LogFormat& format : formats) {
    const LineParser general(format, LineParser::kDefaultRequired, ParseLane::kNone);
    ASSERT_EQ(general.lane(), ParseLane::kNone);
    std::vector<LineParser> lanes;
    lanes.emplace_back(format, LineParser::kDefaultRequired, ParseLane::kBaseline);
    lanes.emplace_back(format, LineParser::kDefaultRequired, ParseLane::kSse41);
    lanes.emplace_back(format);
    ASSERT_EQ(lanes[0].lane(), ParseLane::kBaseline);
    int ok_lines = 0;
    // Records reused from line to line, as the engine does: a value a lane
    // failed to reset would show.
    FlowRecord expected;
    std::vector<FlowRecord> records(lanes.size());
    for (int i = 0; i < 20000; ++i) {
      const std::string line = maker.line(format);
      const ParseOutcome want = general.parse(line, &expected);
      ok_lines += want.ok();
      for (size_t l = 0; l < lanes.size(); ++l) {
        const LineParser& p = lanes[l];
        FlowRecord& got = records[l];
        const ParseOutcome have = p.parse(line, &got);
        ASSERT_EQ(have.error, want.error) << line;
        ASSERT_EQ(have.column, want.column) << line;
        if (want.ok()) expect_same(got, expected, line);
      }
    }
    // Not a test of broken lines only: most parse (odd lines are 1 in 4).
    EXPECT_GT(ok_lines, 10000) << format.to_log_format_string();
  }
}

}  // namespace
}  // namespace efstop::flowlog
