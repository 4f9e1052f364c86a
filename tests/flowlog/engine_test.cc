#include "flowlog/engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "flowlog/shared_stream.h"
#include "flowlog/stream_processor.h"
#include "test_util.h"

namespace efstop::flowlog {
namespace {

using testing::gzip;
using testing::TempDir;
using testing::write_file;

IpAddress ip(std::string_view s) { return *IpAddress::parse(s); }

// A default-format (v2) line.
std::string v2(std::string_view eni, std::string_view src, std::string_view dst, int sport,
               int dport, int proto, int64_t packets, int64_t bytes, int64_t start, int64_t end,
               std::string_view action = "ACCEPT", std::string_view status = "OK") {
  return "2 123456789012 " + std::string(eni) + " " + std::string(src) + " " + std::string(dst) +
         " " + std::to_string(sport) + " " + std::to_string(dport) + " " + std::to_string(proto) +
         " " + std::to_string(packets) + " " + std::to_string(bytes) + " " + std::to_string(start) +
         " " + std::to_string(end) + " " + std::string(action) + " " + std::string(status) + "\n";
}

EngineResult run_ok(const std::vector<std::string>& inputs, EngineOptions options = {}) {
  Result<EngineResult> r = run_engine(inputs, options);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return {};
  // The contract's invariants hold for every run.
  const FlowStats& s = r->stats;
  EXPECT_EQ(s.records, s.used + s.duplicates + s.not_efs + s.outside_window + s.nodata +
                           s.skipdata + s.unknown_address);
  EXPECT_EQ(s.lines, s.records + s.skipped);
  return std::move(r).value();
}

TEST(EngineTest, CountsBothDirectionsOfOnePair) {
  TempDir dir;
  write_file(dir.file("a.log"),
             v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 10, 1000, 100, 160) +
                 v2("eni-c", "10.0.2.10", "10.0.1.5", 2049, 40000, 6, 20, 5000, 90, 150));
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 1u);
  const PairTotals& p = r.pairs[0];
  EXPECT_EQ(p.client, ip("10.0.1.5"));
  EXPECT_EQ(p.server, ip("10.0.2.10"));
  EXPECT_EQ(p.bytes_written, 1000);
  EXPECT_EQ(p.bytes_read, 5000);
  EXPECT_EQ(p.bytes_total(), 6000);
  EXPECT_EQ(p.packets, 30);
  EXPECT_EQ(p.flows, 2);
  EXPECT_EQ(p.rejected, 0);
  EXPECT_EQ(p.first_seen, 90);
  EXPECT_EQ(p.last_seen, 160);
  EXPECT_EQ(r.stats.used, 2);
  EXPECT_EQ(r.stats.files, 1);
  EXPECT_TRUE(r.used_interface_rule);
}

// Both the client's ENI and the mount target's ENI log the flow: the server's
// ENI (own address = the server) is the vantage point, the rest duplicates.
TEST(EngineTest, FlowLoggedOnBothSidesCountsOnce) {
  TempDir dir;
  std::string data;
  // Client ENI sees both directions (and talks to nothing else here).
  data += v2("eni-aaaa", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 10, 1000, 100, 160);
  data += v2("eni-aaaa", "10.0.2.10", "10.0.1.5", 2049, 40000, 6, 20, 5000, 100, 160);
  // Mount-target ENI sees the same flow with slightly different counts.
  data += v2("eni-ffff", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 11, 1001, 101, 161);
  data += v2("eni-ffff", "10.0.2.10", "10.0.1.5", 2049, 40000, 6, 21, 5001, 101, 161);
  // A second client seen only by the mount target: own(eni-ffff) = {server}.
  data += v2("eni-ffff", "10.0.1.6", "10.0.2.10", 40001, 2049, 6, 1, 7, 100, 160);
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_EQ(r.pairs[0].client, ip("10.0.1.5"));
  EXPECT_EQ(r.pairs[0].bytes_written, 1001);
  EXPECT_EQ(r.pairs[0].bytes_read, 5001);
  EXPECT_EQ(r.pairs[0].packets, 32);
  EXPECT_EQ(r.pairs[0].first_seen, 101);
  EXPECT_EQ(r.pairs[1].client, ip("10.0.1.6"));
  EXPECT_EQ(r.pairs[1].bytes_written, 7);
  EXPECT_EQ(r.stats.used, 3);
  EXPECT_EQ(r.stats.duplicates, 2);
}

// Two ENIs where only the client's own address is unambiguous: the client ENI
// wins when no ENI is known to be the server's.
TEST(EngineTest, ClientEniChosenWhenServerEniIsAmbiguous) {
  TempDir dir;
  std::string data;
  // eni-bbbb logs this client only: own = {10.0.1.5, 10.0.2.10} (ambiguous).
  data += v2("eni-bbbb", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 100, 0, 10);
  // eni-cccc is the client's and also talks to a second server.
  data += v2("eni-cccc", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 2, 200, 0, 10);
  data += v2("eni-cccc", "10.0.1.5", "10.0.2.11", 40002, 2049, 6, 3, 300, 0, 10);
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_EQ(r.pairs[0].bytes_written, 200);  // eni-cccc, own = {client}
  EXPECT_EQ(r.pairs[1].bytes_written, 300);
  EXPECT_EQ(r.stats.duplicates, 1);
}

TEST(EngineTest, SmallestInterfaceIdWhenNothingElseDecides) {
  TempDir dir;
  std::string data;
  data += v2("eni-0002", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 100, 0, 10);
  data += v2("eni-0001", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 2, 200, 0, 10);
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].bytes_written, 200);
  EXPECT_EQ(r.stats.duplicates, 1);
}

TEST(EngineTest, KnownServerEniWinsOverLearning) {
  TempDir dir;
  std::string data;
  data += v2("eni-0001", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 100, 0, 10);
  data += v2("eni-0002", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 2, 200, 0, 10);
  write_file(dir.file("a.log"), data);
  EngineOptions opt;
  opt.server_enis = {"eni-0002"};
  EngineResult r = run_ok({dir.file("a.log")}, opt);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].bytes_written, 200);
}

TEST(EngineTest, OnlyServerSideLogged) {
  TempDir dir;
  std::string data;
  for (int c = 1; c <= 3; ++c) {
    const std::string client = "10.0.1." + std::to_string(c);
    data += v2("eni-mt", client, "10.0.2.10", 40000 + c, 2049, 6, c, 1000 * c, 0, 60);
    data += v2("eni-mt", "10.0.2.10", client, 2049, 40000 + c, 6, c, 100 * c, 0, 60);
  }
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 3u);
  for (int c = 1; c <= 3; ++c) {
    EXPECT_EQ(r.pairs[c - 1].bytes_written, 1000 * c);
    EXPECT_EQ(r.pairs[c - 1].bytes_read, 100 * c);
  }
  EXPECT_EQ(r.stats.used, 6);
  EXPECT_EQ(r.stats.duplicates, 0);
}

TEST(EngineTest, OnlyClientSideLogged) {
  TempDir dir;
  std::string data;
  data += v2("eni-c1", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 10, 0, 60);
  data += v2("eni-c1", "10.0.2.10", "10.0.1.5", 2049, 40000, 6, 1, 20, 0, 60);
  data += v2("eni-c2", "10.0.1.6", "10.0.2.10", 40000, 2049, 6, 1, 30, 0, 60);
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_EQ(r.pairs[0].bytes_total(), 30);
  EXPECT_EQ(r.pairs[1].bytes_total(), 30);
  EXPECT_EQ(r.stats.duplicates, 0);
}

// Without interface-id: same 5-tuple + packets + bytes with overlapping time
// ranges is one observation seen twice.
TEST(EngineTest, OverlapRuleWithoutInterfaceId) {
  TempDir dir;
  const std::string header =
      "srcaddr dstaddr srcport dstport protocol packets bytes start end action\n";
  std::string data = header;
  data += "10.0.1.5 10.0.2.10 40000 2049 6 10 1000 100 160 ACCEPT\n";  // kept
  data += "10.0.1.5 10.0.2.10 40000 2049 6 10 1000 150 210 ACCEPT\n";  // overlaps: dup
  data += "10.0.1.5 10.0.2.10 40000 2049 6 10 1000 161 220 ACCEPT\n";  // overlaps kept #1? no: 161
                                                                       // > 160 -> kept
  data += "10.0.1.5 10.0.2.10 40000 2049 6 10 1000 300 360 ACCEPT\n";  // kept
  data += "10.0.1.5 10.0.2.10 40000 2049 6 10 999 100 160 ACCEPT\n";   // other key: kept
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.stats.used, 4);
  EXPECT_EQ(r.stats.duplicates, 1);
  EXPECT_EQ(r.pairs[0].bytes_written, 3000 + 999);
  EXPECT_EQ(r.pairs[0].first_seen, 100);
  EXPECT_EQ(r.pairs[0].last_seen, 360);
  EXPECT_TRUE(r.used_overlap_rule);
  EXPECT_FALSE(r.used_interface_rule);
}

// The sweep compares with records already kept, not with dropped ones.
TEST(EngineTest, OverlapRuleComparesWithKeptRecordsOnly) {
  TempDir dir;
  std::string data = "srcaddr dstaddr srcport dstport protocol packets bytes start end\n";
  data += "10.0.1.5 10.0.2.10 1 2049 6 1 5 0 10\n";   // kept
  data += "10.0.1.5 10.0.2.10 1 2049 6 1 5 5 20\n";   // overlaps kept: dup
  data += "10.0.1.5 10.0.2.10 1 2049 6 1 5 15 30\n";  // overlaps only the dup: kept
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  EXPECT_EQ(r.stats.used, 2);
  EXPECT_EQ(r.stats.duplicates, 1);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].bytes_written, 10);
  EXPECT_EQ(r.pairs[0].flows, 2);  // no action column: ACCEPT
}

TEST(EngineTest, RejectAddsNoBytesButIsARow) {
  TempDir dir;
  std::string data;
  data += v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 3, 180, 10, 70, "REJECT");
  data += v2("eni-c", "10.0.1.7", "10.0.2.10", 40000, 2049, 6, 3, 180, 10, 70, "REJECT");
  data += v2("eni-c", "10.0.1.7", "10.0.2.10", 40001, 2049, 6, 4, 400, 20, 80, "ACCEPT");
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 2u);
  EXPECT_EQ(r.pairs[0].client, ip("10.0.1.5"));
  EXPECT_EQ(r.pairs[0].bytes_total(), 0);
  EXPECT_EQ(r.pairs[0].packets, 0);
  EXPECT_EQ(r.pairs[0].flows, 0);
  EXPECT_EQ(r.pairs[0].rejected, 1);
  EXPECT_EQ(r.pairs[0].first_seen, 10);
  EXPECT_EQ(r.pairs[0].last_seen, 70);
  EXPECT_EQ(r.pairs[1].bytes_written, 400);
  EXPECT_EQ(r.pairs[1].flows, 1);
  EXPECT_EQ(r.pairs[1].rejected, 1);
  EXPECT_EQ(r.pairs[1].first_seen, 10);
  EXPECT_EQ(r.pairs[1].last_seen, 80);
}

TEST(EngineTest, StatsBucketsAndWindow) {
  TempDir dir;
  std::string data;
  data += v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 10, 100, 160);   // used
  data += v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 10, 99, 160);    // before
  data += v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 10, 200, 260);   // at end: out
  data += v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 17, 1, 10, 150, 160);  // UDP: not efs
  data += v2("eni-c", "10.0.1.5", "10.0.2.11", 40000, 22, 6, 1, 10, 150, 160);     // not efs
  data += "2 123456789012 eni-c - - - - - - - 100 160 - NODATA\n";
  data += "2 123456789012 eni-c - - - - - - - 10 16 - SKIPDATA\n";  // outside, still skipdata
  data += "2 123456789012 eni-c 10.0.1.5 10.0.2.10 x 2049 6 1 10 150 160 ACCEPT OK\n";  // skipped
  data += "\n   \r\n";  // blank lines are not lines
  write_file(dir.file("a.log"), data);
  EngineOptions opt;
  opt.window_start = 100;
  opt.window_end = 200;
  EngineResult r = run_ok({dir.file("a.log")}, opt);
  EXPECT_EQ(r.stats.lines, 8);
  EXPECT_EQ(r.stats.records, 7);
  EXPECT_EQ(r.stats.skipped, 1);
  EXPECT_EQ(r.stats.used, 1);
  EXPECT_EQ(r.stats.outside_window, 2);
  EXPECT_EQ(r.stats.not_efs, 2);
  EXPECT_EQ(r.stats.nodata, 1);
  EXPECT_EQ(r.stats.skipdata, 1);
  ASSERT_EQ(r.inputs.size(), 1u);
  ASSERT_EQ(r.inputs[0].diagnostics.size(), 1u);
  EXPECT_EQ(r.inputs[0].diagnostics[0], dir.file("a.log") +
                                            ":8: bad srcport 'x': not a non-negative integer "
                                            "in range");
}

TEST(EngineTest, ServerIpFilterAnyProtocolAndBothEnds) {
  TempDir dir;
  std::string data;
  // UDP to a server IP still counts (the filter is by address).
  data += v2("eni-c", "10.0.1.5", "10.0.2.10", 5000, 111, 17, 1, 10, 0, 60);
  // Port 2049 traffic to an address that is not a listed server: not EFS.
  data += v2("eni-c", "10.0.1.5", "10.0.9.9", 40000, 2049, 6, 1, 10, 0, 60);
  // Both ends are servers: the end on port 2049 is the server.
  data += v2("eni-c", "10.0.2.10", "10.0.2.11", 2049, 40000, 6, 1, 20, 0, 60);
  // Both ends servers, no 2049: dstaddr is the server.
  data += v2("eni-c", "10.0.2.10", "10.0.2.11", 1000, 1001, 6, 1, 40, 0, 60);
  // The server is the source: bytes read.
  data += v2("eni-c", "10.0.2.10", "10.0.1.5", 2049, 40000, 6, 1, 80, 0, 60);
  write_file(dir.file("a.log"), data);
  EngineOptions opt;
  opt.server_ips = {ip("10.0.2.10"), ip("10.0.2.11")};
  EngineResult r = run_ok({dir.file("a.log")}, opt);
  EXPECT_EQ(r.stats.not_efs, 1);
  ASSERT_EQ(r.pairs.size(), 3u);
  // (10.0.1.5 -> 10.0.2.10): written 10, read 80
  EXPECT_EQ(r.pairs[0].client, ip("10.0.1.5"));
  EXPECT_EQ(r.pairs[0].server, ip("10.0.2.10"));
  EXPECT_EQ(r.pairs[0].bytes_written, 10);
  EXPECT_EQ(r.pairs[0].bytes_read, 80);
  // (10.0.2.10 client, 10.0.2.11 server): written 40
  EXPECT_EQ(r.pairs[1].client, ip("10.0.2.10"));
  EXPECT_EQ(r.pairs[1].server, ip("10.0.2.11"));
  EXPECT_EQ(r.pairs[1].bytes_written, 40);
  // (10.0.2.11 client, 10.0.2.10 server on 2049): read 20
  EXPECT_EQ(r.pairs[2].client, ip("10.0.2.11"));
  EXPECT_EQ(r.pairs[2].server, ip("10.0.2.10"));
  EXPECT_EQ(r.pairs[2].bytes_read, 20);
}

TEST(EngineTest, BothPortsNfsMeansDstIsServer) {
  TempDir dir;
  write_file(dir.file("a.log"), v2("eni-c", "10.0.1.5", "10.0.2.10", 2049, 2049, 6, 1, 10, 0, 60));
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].server, ip("10.0.2.10"));
  EXPECT_EQ(r.pairs[0].bytes_written, 10);
}

TEST(EngineTest, ByteCountsBeyondFourGiB) {
  TempDir dir;
  const int64_t big = int64_t{5} << 32;  // 20 GiB in one record
  std::string data = v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 3000000000LL, big, 0, 60);
  data += v2("eni-c", "10.0.2.10", "10.0.1.5", 2049, 40000, 6, 1, big + 1, 0, 60);
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].bytes_written, big);
  EXPECT_EQ(r.pairs[0].bytes_total(), 2 * big + 1);
  EXPECT_EQ(r.pairs[0].packets, 3000000001LL);
}

TEST(EngineTest, HeaderLinesCrlfTabsAndDoubleSpaces) {
  TempDir dir;
  std::string data =
      "interface-id dstaddr srcaddr dstport srcport protocol bytes packets start end\r\n";
  data += "eni-c\t10.0.2.10  10.0.1.5 2049 40000 6 1234 5 0 60\r\n";
  data += "\r\n";
  // A second header (e.g. concatenated files) switches the order again.
  data +=
      "version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
      "action log-status\n";
  data += "5 eni-c 10.0.1.5 10.0.2.10 40000 2049 6 1 100 0 60 ACCEPT OK";  // no final newline
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  EXPECT_EQ(r.stats.lines, 2);
  EXPECT_EQ(r.stats.skipped, 0);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].bytes_written, 1334);
  EXPECT_EQ(r.pairs[0].packets, 6);
}

TEST(EngineTest, LogFormatOptionWinsAndHeaderIsSkipped) {
  TempDir dir;
  std::string data = "srcaddr dstaddr srcport dstport protocol packets bytes start end\n";
  data += "10.0.1.5 10.0.2.10 40000 2049 6 1 100 0 60\n";
  write_file(dir.file("a.log"), data);
  EngineOptions opt;
  opt.log_format =
      "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end}";
  EngineResult r = run_ok({dir.file("a.log")}, opt);
  EXPECT_EQ(r.stats.lines, 1);
  ASSERT_EQ(r.pairs.size(), 1u);
}

TEST(EngineTest, BadOptionsAreInvalidArgument) {
  TempDir dir;
  write_file(dir.file("a.log"), "");
  EngineOptions opt;
  opt.log_format = "${srcaddr} ${dstaddr}";
  Result<EngineResult> r = run_engine({dir.file("a.log")}, opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("lacks the bytes field"), std::string::npos)
      << r.status().message();
  // Only srcaddr, dstaddr and bytes are needed...
  opt.log_format = "${srcaddr} ${dstaddr} ${bytes}";
  EXPECT_TRUE(run_engine({dir.file("a.log")}, opt).ok());
  // ...and start for a window.
  opt.log_format =
      "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${end}";
  opt.window_start = 5;
  r = run_engine({dir.file("a.log")}, opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("lacks the start field, so the --start/--end/--since window "
                                      "cannot be applied"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(run_engine({}, EngineOptions{}).status().code(), StatusCode::kInvalidArgument);
}

// A header without start under a window: the whole run is refused (a usage
// error, as for --log-format), not one file failed.
TEST(EngineTest, HeaderWithoutStartRefusesAWindow) {
  TempDir dir;
  write_file(dir.file("a.log"), "srcaddr dstaddr bytes\n10.0.0.1 10.0.0.2 5\n");
  write_file(dir.file("b.log"), v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 10, 0, 60));
  EngineOptions opt;
  opt.window_end = 100;
  Result<EngineResult> r = run_engine({dir.file("b.log"), dir.file("a.log")}, opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("a.log:1: header lacks the start field"), std::string::npos)
      << r.status().message();
  // Without a window the same files are counted.
  EngineResult ok = run_ok({dir.file("b.log"), dir.file("a.log")});
  EXPECT_EQ(ok.stats.records, 2);
}

TEST(EngineTest, HeaderLackingFieldsFailsThatFileOnly) {
  TempDir dir;
  write_file(dir.file("a.log"),
             "instance-id interface-id srcaddr dstaddr\n- eni-1 10.0.0.1 10.0.0.2\n");
  write_file(dir.file("b.log"), v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 10, 0, 60));
  EngineResult r = run_ok({dir.file("a.log"), dir.file("b.log")});
  EXPECT_EQ(r.stats.files, 2);
  EXPECT_EQ(r.stats.files_failed, 1);
  ASSERT_EQ(r.inputs.size(), 2u);
  EXPECT_TRUE(r.inputs[0].failed);
  EXPECT_NE(r.inputs[0].error.find("a.log:1: header lacks the bytes field"), std::string::npos)
      << r.inputs[0].error;
  ASSERT_EQ(r.pairs.size(), 1u);
}

TEST(EngineTest, DiagnosticsKeepFirstFivePerFileAndCountAll) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 8; ++i) data += "garbage line " + std::to_string(i) + "\n";
  data += v2("eni-c", "10.0.1.5", "10.0.2.10", 40000, 2049, 6, 1, 10, 0, 60);
  data += "2 1 eni-c 10.0.1.5 10.0.2.300 1 2049 6 1 10 0 60 ACCEPT OK\n";
  write_file(dir.file("a.log"), data);
  EngineResult r = run_ok({dir.file("a.log")});
  EXPECT_EQ(r.stats.skipped, 9);
  ASSERT_EQ(r.inputs[0].diagnostics.size(), 5u);
  EXPECT_EQ(r.inputs[0].diagnostics[0],
            dir.file("a.log") +
                ":1: expected 14 fields, got 3 (wrong --log-format, or a "
                "truncated line?)");
  EXPECT_EQ(r.inputs[0].skipped, 9);
  EXPECT_EQ(r.inputs[0].lines, 10);
}

TEST(EngineTest, StrictTurnsSkippedLinesIntoAnError) {
  TempDir dir;
  write_file(dir.file("a.log"),
             "bad\n" + v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 1, 0, 1));
  EngineOptions opt;
  opt.strict = true;
  Result<EngineResult> r = run_engine({dir.file("a.log")}, opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kParse);
  EXPECT_NE(r.status().message().find("1 line(s) skipped"), std::string::npos);
  EXPECT_NE(r.status().message().find("a.log:1:"), std::string::npos);
  opt.strict = false;
  EXPECT_TRUE(run_engine({dir.file("a.log")}, opt).ok());
}

TEST(EngineTest, MissingInputIsReportedAndOthersGoOn) {
  TempDir dir;
  write_file(dir.file("b.log"), v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 1, 0, 1));
  EngineResult r = run_ok({dir.file("nope.log"), dir.file("b.log")});
  EXPECT_EQ(r.stats.files, 2);
  EXPECT_EQ(r.stats.files_failed, 1);
  EXPECT_EQ(r.pairs.size(), 1u);
  Result<EngineResult> all_bad = run_engine({dir.file("nope.log")}, EngineOptions{});
  ASSERT_FALSE(all_bad.ok());
  EXPECT_EQ(all_bad.status().code(), StatusCode::kIo);
  EXPECT_NE(all_bad.status().message().find("nope.log"), std::string::npos);
  EngineOptions strict;
  strict.strict = true;
  EXPECT_FALSE(run_engine({dir.file("nope.log"), dir.file("b.log")}, strict).ok());
}

TEST(EngineTest, DirectoriesAreWalkedRecursivelyAndSorted) {
  TempDir dir;
  write_file(dir.file("logs/2026/11/b.log"),
             v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 1, 0, 1));
  write_file(dir.file("logs/2026/11/a.log.gz"),
             gzip(v2("eni-c", "10.0.1.6", "10.0.2.10", 1, 2049, 6, 1, 2, 0, 1)));
  write_file(dir.file("logs/c.log"), v2("eni-c", "10.0.1.7", "10.0.2.10", 1, 2049, 6, 1, 4, 0, 1));
  EngineResult r = run_ok({dir.file("logs")});
  ASSERT_EQ(r.inputs.size(), 3u);
  EXPECT_EQ(r.inputs[0].name, dir.file("logs/2026/11/a.log.gz"));
  EXPECT_EQ(r.inputs[1].name, dir.file("logs/2026/11/b.log"));
  EXPECT_EQ(r.inputs[2].name, dir.file("logs/c.log"));
  EXPECT_EQ(r.pairs.size(), 3u);
  EXPECT_EQ(r.stats.files, 3);
}

TEST(EngineTest, ReadsStdin) {
  TempDir dir;
  const std::string data = gzip(v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 77, 0, 1));
  write_file(dir.file("in.gz"), data);
  const int saved = ::dup(0);
  const int fd = ::open(dir.file("in.gz").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, 0), 0);
  ::close(fd);
  Result<EngineResult> r = run_engine({"-"}, EngineOptions{});
  ::dup2(saved, 0);
  ::close(saved);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->inputs.size(), 1u);
  EXPECT_EQ(r->inputs[0].name, "<stdin>");
  ASSERT_EQ(r->pairs.size(), 1u);
  EXPECT_EQ(r->pairs[0].bytes_written, 77);
}

TEST(EngineTest, MultiMemberGzipAndCorruptGzip) {
  TempDir dir;
  const std::string header =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status\n";
  const std::string a = v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 1, 0, 1);
  const std::string b = v2("eni-c", "10.0.1.5", "10.0.2.10", 2, 2049, 6, 1, 2, 0, 1);
  // Three members, like `cat x.gz y.gz z.gz` (an empty member in between).
  write_file(dir.file("multi.gz"), gzip(header + a) + gzip("") + gzip(b));
  std::string c;
  for (int i = 0; i < 2000; ++i) {
    c += v2("eni-c", "10.0.1.6", "10.0.2.10", i, 2049, 6, 1, i, 0, 1);
  }
  std::string broken = gzip(c);
  for (size_t i = broken.size() / 2; i < broken.size() / 2 + 16; ++i) broken[i] ^= 0x55;
  write_file(dir.file("corrupt.gz"), broken);
  std::string whole = gzip(v2("eni-c", "10.0.1.7", "10.0.2.10", 2, 2049, 6, 1, 2, 0, 1));
  write_file(dir.file("truncated.gz"), whole.substr(0, whole.size() - 6));
  std::string garbage = gzip(a) + "not gzip";
  write_file(dir.file("trailing.gz"), garbage);
  EngineResult r = run_ok({dir.file("multi.gz"), dir.file("corrupt.gz"), dir.file("truncated.gz"),
                           dir.file("trailing.gz")});
  ASSERT_EQ(r.inputs.size(), 4u);
  EXPECT_FALSE(r.inputs[0].failed) << r.inputs[0].error;
  EXPECT_EQ(r.inputs[0].lines, 2);
  EXPECT_TRUE(r.inputs[1].failed);
  EXPECT_NE(r.inputs[1].error.find("corrupt.gz: "), std::string::npos) << r.inputs[1].error;
  EXPECT_NE(r.inputs[1].error.find("compressed bytes"), std::string::npos) << r.inputs[1].error;
  EXPECT_TRUE(r.inputs[2].failed);
  EXPECT_NE(r.inputs[2].error.find("truncated.gz: truncated gzip data"), std::string::npos)
      << r.inputs[2].error;
  EXPECT_TRUE(r.inputs[3].failed);
  EXPECT_NE(r.inputs[3].error.find("trailing data that is not a gzip member"), std::string::npos)
      << r.inputs[3].error;
  EXPECT_EQ(r.stats.files_failed, 3);
  ASSERT_GE(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].client, ip("10.0.1.5"));
  // multi.gz: 1 + 2; trailing.gz's member before the garbage: 1.
  EXPECT_EQ(r.pairs[0].bytes_written, 4);
}

// The result must not depend on the thread count or on how a big file is
// split (tiny chunks force many splits, lines straddle chunk borders).
TEST(EngineTest, ParallelResultEqualsSingleThreaded) {
  TempDir dir;
  std::string plain =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol "
      "packets bytes start end action log-status\n";
  std::string gz_text;
  uint64_t x = 12345;
  auto next = [&] {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x >> 33;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string client = "10.0.1." + std::to_string(next() % 20);
    const std::string server = "10.0.2." + std::to_string(next() % 3);
    const std::string eni =
        (next() % 2) ? "eni-mt" + std::to_string(server.back() - '0') : "eni-c" + client.substr(7);
    const int64_t start = static_cast<int64_t>(next() % 1000);
    const bool to_server = next() % 2;
    std::string line = v2(eni, to_server ? client : server, to_server ? server : client,
                          to_server ? 40000 : 2049, to_server ? 2049 : 40000, 6,
                          static_cast<int64_t>(next() % 100), static_cast<int64_t>(next() % 100000),
                          start, start + 60, next() % 10 == 0 ? "REJECT" : "ACCEPT");
    if (i % 997 == 0) line = "broken line " + std::to_string(i) + "\n";
    (i % 3 == 0 ? gz_text : plain) += line;
  }
  write_file(dir.file("big.log"), plain);
  write_file(dir.file("part.log.gz"), gzip(gz_text));
  EngineOptions one;
  one.threads = 1;
  EngineOptions many;
  many.threads = 4;
  many.split_min_bytes = 1;
  many.chunk_bytes = 4099;  // hundreds of chunks, borders mid-line
  EngineResult a = run_ok({dir.file("big.log"), dir.file("part.log.gz")}, one);
  EngineResult b = run_ok({dir.file("big.log"), dir.file("part.log.gz")}, many);
  EXPECT_GT(a.pairs.size(), 20u);
  EXPECT_GT(a.stats.duplicates, 0);
  EXPECT_EQ(a.stats.lines, 20000);
  EXPECT_EQ(a.pairs, b.pairs);
  EXPECT_EQ(a.stats, b.stats);
  ASSERT_EQ(a.inputs.size(), b.inputs.size());
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    EXPECT_EQ(a.inputs[i].diagnostics, b.inputs[i].diagnostics);
    EXPECT_EQ(a.inputs[i].lines, b.inputs[i].lines);
  }
  // The same without interface-id (overlap rule; input order breaks ties).
  std::string no_eni = "srcaddr dstaddr srcport dstport protocol packets bytes start end\n";
  for (int i = 0; i < 5000; ++i) {
    const int64_t start = static_cast<int64_t>(next() % 50);
    no_eni += "10.0.1." + std::to_string(next() % 4) + " 10.0.2.1 " + std::to_string(next() % 3) +
              " 2049 6 1 " + std::to_string(next() % 5) + " " + std::to_string(start) + " " +
              std::to_string(start + 10) + "\n";
  }
  write_file(dir.file("noeni.log"), no_eni);
  EngineResult c = run_ok({dir.file("noeni.log")}, one);
  EngineResult d = run_ok({dir.file("noeni.log")}, many);
  EXPECT_GT(c.stats.duplicates, 0);
  EXPECT_EQ(c.pairs, d.pairs);
  EXPECT_EQ(c.stats, d.stats);
}

// A lone stream (gzip, stdin, an S3 object) is cut into blocks of lines by
// the thread that reads it and parsed by all threads: the totals, the
// counts, the diagnostics' line numbers and the failures must be those of
// one thread reading it line by line, however small the blocks.
class SharedStreamTest : public ::testing::Test {
 protected:
  struct Outcome {
    std::vector<PairTotals> pairs;
    FlowStats stats;
    ChunkOutcome out;
  };

  // The stream read line by line on this thread (StreamProcessor::run).
  Outcome one_thread(const std::string& gz) {
    Outcome o;
    Aggregator agg(&config_);
    StreamProcessor proc(options_, std::nullopt, std::nullopt, &agg, &o.out, name_, 0);
    std::unique_ptr<ByteSource> src = make_decoding_source(make_memory_source("s", gz));
    proc.run(*src, 0, UINT64_MAX);
    o.pairs = agg.finish(&o.stats);
    return o;
  }

  Outcome shared(const std::string& gz, int threads, uint64_t block_bytes) {
    Outcome o;
    std::vector<Aggregator> aggs;
    for (int i = 0; i < threads; ++i) aggs.emplace_back(&config_);
    EngineOptions options = options_;
    options.block_bytes = block_bytes;
    std::unique_ptr<ByteSource> src = make_decoding_source(make_memory_source("s", gz));
    run_shared_stream(*src, options, std::nullopt, aggs, &o.out, name_, 0);
    for (size_t i = 1; i < aggs.size(); ++i) aggs[0].merge(std::move(aggs[i]));
    o.pairs = aggs[0].finish(&o.stats);
    return o;
  }

  // The same gzip stream through one thread and through 2-4 threads with
  // blocks of one line to a few hundred.
  void expect_same_as_one_thread(const std::string& text) {
    const std::string gz = gzip(text);
    const Outcome want = one_thread(gz);
    EXPECT_GT(want.stats.records, 0);
    for (int threads : {2, 3, 4}) {
      for (uint64_t block : {1u, 97u, 4099u, 1u << 20}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + ", blocks of " + std::to_string(block) +
                     " bytes");
        const Outcome got = shared(gz, threads, block);
        EXPECT_EQ(got.pairs, want.pairs);
        EXPECT_EQ(got.stats, want.stats);
        EXPECT_EQ(got.out.physical_lines, want.out.physical_lines);
        EXPECT_EQ(got.out.lines, want.out.lines);
        EXPECT_EQ(got.out.skipped, want.out.skipped);
        EXPECT_EQ(got.out.diagnostics, want.out.diagnostics);
        EXPECT_EQ(got.out.failed, want.out.failed);
        EXPECT_EQ(got.out.error, want.out.error);
        EXPECT_EQ(got.out.used_interface_rule, want.out.used_interface_rule);
      }
    }
  }

  // Pseudo-random default-format lines: both ENIs of a pair, REJECTs.
  static std::string records(int n, uint64_t seed) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      const uint64_t r = seed >> 20;
      const std::string client = "10.0.1." + std::to_string(r % 30);
      const std::string server = "10.0.2." + std::to_string((r >> 8) % 3);
      const bool to_server = (r >> 12) % 2;
      const std::string eni =
          (r >> 13) % 2 ? "eni-mt" + server.substr(7) : "eni-c" + client.substr(7);
      const int64_t start = static_cast<int64_t>((r >> 16) % 5000);
      out += v2(eni, to_server ? client : server, to_server ? server : client,
                to_server ? 40000 : 2049, to_server ? 2049 : 40000, 6,
                static_cast<int64_t>((r >> 20) % 90), static_cast<int64_t>((r >> 24) % 100000),
                start, start + 60, (r >> 40) % 11 == 0 ? "REJECT" : "ACCEPT");
    }
    return out;
  }

  const std::string name_ = "s";  // the processors keep a reference
  AggregateConfig config_;
  EngineOptions options_ = [] {
    EngineOptions o;
    o.max_diagnostics_per_file = 7;
    return o;
  }();
};

TEST_F(SharedStreamTest, HeadersBadLinesAndOddLinesAnywhere) {
  const std::string v2_header =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
      "start end action log-status\n";
  // The same fields in another order: read with the v2 layout every line
  // would be skipped, so a block parsed with the wrong format shows.
  const std::string custom_header =
      "  interface-id bytes srcaddr dstaddr srcport dstport protocol packets start end\r\n";
  std::string custom;
  for (int i = 0; i < 300; ++i) {
    custom += "eni-c" + std::to_string(i % 7) + " " + std::to_string(i * 11) + " 10.0.1." +
              std::to_string(i % 7) + " 10.0.2.1 900 2049 6 3 " + std::to_string(i) + " " +
              std::to_string(i + 60) + "\n";
  }
  std::string text = v2_header + records(2000, 1);
  // A bad line, blank lines, a header naming a field twice (a bad record).
  text += "this is not a record\n\n   \r\nsrcaddr srcaddr\n";
  text += records(1500, 2) + "2 123 eni-c 10.0.1.1 10.0.2.1 x 2049 6 1 1 1 1 ACCEPT OK\r\n";
  text += custom_header + custom + "eni-c1 12 10.0.1.1\n";
  text += std::string(3u << 20, 'y') + "\n";  // longer than any block, and than 1 MiB
  text += v2_header + records(1000, 3);
  text += "2 123456789012 - - - - - - - - 1 60 - NODATA\n";
  text += "2 123456789012 eni-c 10.0.1.9 10.0.2.2 41 2049 6 2 77 5 65 ACCEPT OK";  // no '\n'
  expect_same_as_one_thread(text);
}

TEST_F(SharedStreamTest, HeaderLackingFieldsStopsTheStreamWhereOneThreadStops) {
  std::string text = records(3000, 4);
  text += "version srcaddr dstaddr\n";  // no bytes: the stream fails here
  text += records(3000, 5);
  expect_same_as_one_thread(text);
  const Outcome o = one_thread(gzip(text));
  EXPECT_TRUE(o.out.failed);
  EXPECT_EQ(o.out.error.rfind("s:3001: header lacks the bytes field", 0), 0u) << o.out.error;
  EXPECT_EQ(o.stats.records, 3000);
}

TEST_F(SharedStreamTest, CorruptGzipKeepsTheLinesBeforeIt) {
  std::string gz = gzip(records(20000, 6));
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 32; ++i) gz[i] ^= 0x5A;
  const Outcome want = one_thread(gz);
  ASSERT_TRUE(want.out.failed);
  EXPECT_NE(want.out.error.find("corrupt gzip"), std::string::npos) << want.out.error;
  for (uint64_t block : {4099u, 1u << 20}) {
    const Outcome got = shared(gz, 2, block);
    EXPECT_EQ(got.out.error, want.out.error);
    EXPECT_EQ(got.out.lines, want.out.lines);
    EXPECT_EQ(got.stats, want.stats);
    EXPECT_EQ(got.pairs, want.pairs);
  }
}

// Through run_engine: one gzip file on two threads, as on one.
TEST(EngineTest, LoneGzipFileOnTwoThreads) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 30000; ++i) {
    text +=
        v2(i % 2 ? "eni-mt" : "eni-c" + std::to_string(i % 50), "10.0.1." + std::to_string(i % 50),
           "10.0.2.10", 700 + i % 50, 2049, 6, 1, i, i, i + 60);
    if (i % 5000 == 0) text += "bad line " + std::to_string(i) + "\n";
  }
  write_file(dir.file("a.log.gz"), gzip(text));
  EngineOptions one;
  one.threads = 1;
  EngineOptions two;
  two.threads = 2;
  two.block_bytes = 10000;
  EngineResult a = run_ok({dir.file("a.log.gz")}, one);
  EngineResult b = run_ok({dir.file("a.log.gz")}, two);
  EXPECT_EQ(a.pairs.size(), 50u);
  EXPECT_EQ(a.pairs, b.pairs);
  EXPECT_EQ(a.stats, b.stats);
  EXPECT_EQ(a.stats.skipped, 6);
  EXPECT_EQ(a.inputs[0].diagnostics, b.inputs[0].diagnostics);
}

// Starts with 0x1f but not the gzip magic: read as text (and skipped).
TEST(EngineTest, PlainFileThatLooksOdd) {
  TempDir dir;
  write_file(dir.file("odd.log"), std::string("\x1f\x8a odd\n") +
                                      v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 5, 0, 1));
  write_file(dir.file("one.log"), std::string("\x1f"));
  EngineResult r = run_ok({dir.file("odd.log"), dir.file("one.log")});
  EXPECT_EQ(r.stats.files_failed, 0);
  EXPECT_EQ(r.stats.skipped, 2);
  ASSERT_EQ(r.pairs.size(), 1u);
  EXPECT_EQ(r.pairs[0].bytes_written, 5);
}

TEST(EngineTest, OverLongLineIsSkippedOnce) {
  TempDir dir;
  std::string data(3u << 20, 'x');
  data += "\n" + v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 5, 0, 1);
  write_file(dir.file("long.log"), data);
  EngineResult r = run_ok({dir.file("long.log")});
  EXPECT_EQ(r.stats.skipped, 1);
  EXPECT_EQ(r.stats.lines, 2);
  ASSERT_EQ(r.inputs[0].diagnostics.size(), 1u);
  EXPECT_NE(r.inputs[0].diagnostics[0].find(":1: line longer than 1 MiB"), std::string::npos);
  EXPECT_EQ(r.pairs.size(), 1u);
}

TEST(EngineTest, CustomSourcesApi) {
  std::vector<InputSource> sources;
  sources.push_back(
      {"mem://a", [] {
         return Result<std::unique_ptr<ByteSource>>(make_memory_source(
             "mem://a", v2("eni-c", "10.0.1.5", "10.0.2.10", 1, 2049, 6, 1, 5, 0, 1)));
       }});
  sources.push_back({"mem://b", [] {
                       return Result<std::unique_ptr<ByteSource>>(
                           network_error("get mem://b: connection refused"));
                     }});
  Result<EngineResult> r = run_engine_sources(std::move(sources), EngineOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.files, 2);
  EXPECT_EQ(r->stats.files_failed, 1);
  EXPECT_EQ(r->inputs[1].error, "get mem://b: connection refused");
  ASSERT_EQ(r->pairs.size(), 1u);
}

}  // namespace
}  // namespace efstop::flowlog
