#include "flowlog/engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

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
  EXPECT_EQ(s.records,
            s.used + s.duplicates + s.not_efs + s.outside_window + s.nodata + s.skipdata);
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

}  // namespace
}  // namespace efstop::flowlog
