// The Insights pushdown: query text, row decoding, and the claim the design
// rests on: records grouped the way the query groups them, fed to the
// aggregator as weighted records, give the same pairs and stats as the raw
// records (insights_query.h explains why).
#include "cloud/insights_query.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>

#include "flowlog/aggregate.h"

namespace efstop::cloud {
namespace {

using flowlog::FlowRecord;
using flowlog::IpAddress;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

TEST(InsightsQueryTest, DefaultFormatQueryHasEveryPiece) {
  InsightsQueryOptions o;
  o.window_start = 1795946400;
  o.window_end = 1795950000;
  Result<std::string> q = build_insights_query(o);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  // version and account-id are matched, not captured.
  EXPECT_NE(q->find("parse @message /^\\s*\\S+\\s+\\S+\\s+(?<f_interface_id>"), std::string::npos)
      << *q;
  EXPECT_EQ(q->find("f_account_id"), std::string::npos);
  EXPECT_NE(q->find("(?<f_interface_id>\\S+)"), std::string::npos);
  EXPECT_NE(q->find("| filter f_log_status = \"NODATA\" or f_log_status = \"SKIPDATA\" or "
                    "(f_protocol = 6 and (f_srcport = 2049 or f_dstport = 2049) and f_start >= 0)"),
            std::string::npos)
      << *q;
  EXPECT_NE(q->find("least(greatest(f_start - 1795946399, 0), 1) * least(greatest(1795950000 - "
                    "f_start, 0), 1) as in_window"),
            std::string::npos)
      << *q;
  EXPECT_NE(q->find("least(abs(f_srcport - 2049), 1) as src_not_nfs"), std::string::npos);
  EXPECT_NE(q->find("by f_interface_id, f_srcaddr, f_dstaddr, f_action, f_log_status, "
                    "src_not_nfs, dst_not_nfs, in_window"),
            std::string::npos)
      << *q;
  EXPECT_NE(q->find("| limit 10000"), std::string::npos);
}

TEST(InsightsQueryTest, ServerIpsReplacePortRule) {
  InsightsQueryOptions o;
  o.server_ips = {ip("10.20.1.100"), ip("10.20.2.100")};
  Result<std::string> q = build_insights_query(o);
  ASSERT_TRUE(q.ok());
  EXPECT_NE(q->find("(f_srcaddr in [\"10.20.1.100\", \"10.20.2.100\"] or f_dstaddr in "
                    "[\"10.20.1.100\", \"10.20.2.100\"])"),
            std::string::npos)
      << *q;
  EXPECT_EQ(q->find("f_protocol = 6"), std::string::npos);
}

TEST(InsightsQueryTest, CustomFormatCapturesByPosition) {
  Result<flowlog::LogFormat> f = flowlog::parse_log_format(
      "${vpc-id} ${srcaddr} ${dstaddr} ${interface-id} ${srcport} "
      "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${future-field}");
  ASSERT_TRUE(f.ok());
  InsightsQueryOptions o;
  o.format = *f;
  Result<std::string> q = build_insights_query(o);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_NE(q->find("/^\\s*\\S+\\s+(?<f_srcaddr>\\S+)\\s+(?<f_dstaddr>\\S+)\\s+(?<f_interface_id>"),
            std::string::npos)
      << *q;
  EXPECT_NE(q->find("(?<f_end>\\S+)\\s+\\S+\\s*$/"), std::string::npos) << *q;
  // No action / log-status columns: not grouped, no NODATA clause.
  EXPECT_EQ(q->find("f_action"), std::string::npos);
  EXPECT_EQ(q->find("NODATA"), std::string::npos);
}

TEST(InsightsQueryTest, RefusesFormatWithoutInterfaceId) {
  InsightsQueryOptions o;
  o.format = *flowlog::parse_log_format(
      "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
      "${packets} ${bytes} ${start} ${end}");
  Result<std::string> q = build_insights_query(o);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(q.status().message().find("--method raw"), std::string::npos);
}

TEST(InsightsQueryTest, FormatWithoutPacketsAndEndIsQueriedWithoutThem) {
  InsightsQueryOptions o;
  o.format = *flowlog::parse_log_format(
      "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} "
      "${start} ${action} ${log-status}");
  o.window_start = 100;
  o.window_end = 200;
  Result<std::string> q = build_insights_query(o);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q->find("sum_packets"), std::string::npos) << *q;
  EXPECT_EQ(q->find("max_end"), std::string::npos) << *q;
  EXPECT_NE(q->find("min(f_start) as min_start"), std::string::npos) << *q;
  // Its rows decode with packets and end unknown.
  Result<InsightsRecord> r = parse_insights_row({{"f_interface_id", "eni-1"},
                                                 {"f_srcaddr", "10.0.0.1"},
                                                 {"f_dstaddr", "10.0.0.2"},
                                                 {"f_action", "ACCEPT"},
                                                 {"f_log_status", "OK"},
                                                 {"sum_bytes", "500"},
                                                 {"records", "2"},
                                                 {"min_start", "150"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->record.present & flowlog::kHasPackets, 0u);
  EXPECT_EQ(r->record.present & flowlog::kHasEnd, 0u);
  EXPECT_EQ(r->record.bytes, 500);
  EXPECT_EQ(r->record.flows, 2);
}

TEST(InsightsQueryTest, RefusesAWindowWithoutStartAndFormatsWithoutBytes) {
  InsightsQueryOptions o;
  o.format = *flowlog::parse_log_format(
      "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes}");
  o.window_start = 100;
  o.window_end = 200;
  Result<std::string> q = build_insights_query(o);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(q.status().message().find("lacks start, so the --start/--end/--since window cannot "
                                      "be applied"),
            std::string::npos)
      << q.status().message();
  o.format = *flowlog::parse_log_format(
      "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start}");
  q = build_insights_query(o);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("lacks bytes"), std::string::npos) << q.status().message();
}

TEST(InsightsQueryTest, RefusesQueryLongerThanInsightsAccepts) {
  InsightsQueryOptions o;
  for (uint32_t i = 0; i < 400; ++i) o.server_ips.push_back(IpAddress::from_v4(0x0a000000u + i));
  Result<std::string> q = build_insights_query(o);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("characters"), std::string::npos);
}

TEST(InsightsRowTest, DecodesRow) {
  aws::QueryRow row = {{"f_interface_id", "eni-0e000000000000005"},
                       {"f_srcaddr", "10.20.1.100"},
                       {"f_dstaddr", "10.20.1.11"},
                       {"f_action", "ACCEPT"},
                       {"f_log_status", "OK"},
                       {"src_not_nfs", "0"},
                       {"dst_not_nfs", "1"},
                       {"sum_bytes", "314572800"},
                       {"sum_packets", "35108"},
                       {"records", "2"},
                       {"min_start", "1795946400"},
                       {"max_end", "1795946519"}};
  Result<InsightsRecord> r = parse_insights_row(row);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const FlowRecord rec = r->as_record();
  EXPECT_EQ(rec.interface_id, "eni-0e000000000000005");
  EXPECT_EQ(rec.src, ip("10.20.1.100"));
  EXPECT_EQ(rec.src_port, 2049);
  EXPECT_NE(rec.dst_port, 2049);
  EXPECT_EQ(rec.bytes, 314572800);
  EXPECT_EQ(rec.packets, 35108);
  EXPECT_EQ(rec.flows, 2);
  EXPECT_EQ(rec.start, 1795946400);
  EXPECT_EQ(rec.end, 1795946519);
}

// --bucket: the cumulative sums at the boundaries become parts per bucket
// from bucket0; a row whose records' end is unknown puts all in bucket0;
// sums that do not add up are an error, not a silent split.
TEST(InsightsRowTest, DecodesBucketParts) {
  aws::QueryRow row = {{"f_interface_id", "eni-0e000000000000005"},
                       {"f_srcaddr", "10.20.1.11"},
                       {"f_dstaddr", "10.20.1.100"},
                       {"f_action", "ACCEPT"},
                       {"sum_bytes", "1000"},
                       {"sum_packets", "3"},
                       {"records", "2"},
                       {"min_start", "1795946400"},
                       {"max_end", "1795946519"},
                       {"bucket0", "1795946400"},
                       {"end_known", "1"},
                       {"beyond", "0"},
                       {"upto_1", "400"},
                       {"upto_2", "950"}};
  Result<InsightsRecord> r = parse_insights_row(row);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->bucket_parts, (std::vector<int64_t>{400, 550, 50}));
  EXPECT_FALSE(r->beyond_split);
  const FlowRecord rec = r->as_record();
  EXPECT_EQ(rec.first_bucket, 1795946400);
  ASSERT_EQ(rec.bucket_part_count, 3u);
  EXPECT_EQ(rec.bucket_parts[2], 50);

  aws::QueryRow unknown_end = row;
  std::erase_if(unknown_end, [](const auto& kv) {
    return kv.first == "end_known" || kv.first == "max_end" || kv.first.rfind("upto_", 0) == 0;
  });
  r = parse_insights_row(unknown_end);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->bucket_parts, (std::vector<int64_t>{1000}));

  aws::QueryRow bad = row;
  for (auto& [name, value] : bad) {
    if (name == "upto_2") value = "1200";
  }
  EXPECT_FALSE(parse_insights_row(bad).ok());
}

TEST(InsightsQueryTest, BucketQuerySplitsServerSide) {
  InsightsQueryOptions o;
  o.window_start = 1795946400;
  o.window_end = 1795950000;
  o.bucket_s = 300;
  Result<std::string> q = build_insights_query(o);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_NE(q->find("floor(f_start / 300) * 300 as bucket0"), std::string::npos) << *q;
  EXPECT_NE(q->find("greatest(least(f_end, 1795950000) - f_start, 1) as span_s"),
            std::string::npos);
  // (300 + 660 - 1) / 300 = 3 boundaries, summed as upto_1..3, grouped by bucket0.
  EXPECT_NE(q->find("sum(c_3) as upto_3"), std::string::npos);
  EXPECT_EQ(q->find("c_4"), std::string::npos);
  EXPECT_NE(q->find(", bucket0, end_known, beyond"), std::string::npos);
  EXPECT_LE(q->size(), kInsightsMaxQueryChars);
  o.bucket_s = 60;  // 11 boundaries
  q = build_insights_query(o);
  ASSERT_TRUE(q.ok());
  EXPECT_NE(q->find("sum(c_11) as upto_11"), std::string::npos);
}

TEST(InsightsRowTest, AcceptsWholeNumbersInFloatNotation) {
  aws::QueryRow row = {{"f_interface_id", "eni-1"}, {"f_srcaddr", "10.0.0.1"},
                       {"f_dstaddr", "10.0.0.2"},   {"sum_bytes", "1.5E10"},
                       {"sum_packets", "3"},        {"records", "1"},
                       {"min_start", "1"},          {"max_end", "2"}};
  Result<InsightsRecord> r = parse_insights_row(row);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->record.bytes, 15000000000);
}

TEST(InsightsRowTest, RejectsBadValues) {
  aws::QueryRow row = {{"f_interface_id", "eni-1"}, {"f_srcaddr", "not-an-ip"},
                       {"f_dstaddr", "10.0.0.2"},   {"sum_bytes", "1"},
                       {"sum_packets", "3"},        {"records", "1"},
                       {"min_start", "1"},          {"max_end", "2"}};
  EXPECT_EQ(parse_insights_row(row).status().code(), StatusCode::kParse);
  row[1].second = "10.0.0.1";
  row[3].second = "1.5";
  EXPECT_EQ(parse_insights_row(row).status().code(), StatusCode::kParse);
  row[3].second = "1";
  row.erase(row.begin() + 5);  // no records count
  EXPECT_EQ(parse_insights_row(row).status().code(), StatusCode::kParse);
}

TEST(InsightsRowTest, NodataRowNeedsNoAddresses) {
  aws::QueryRow row = {{"f_interface_id", "eni-1"}, {"f_log_status", "NODATA"}, {"records", "7"}};
  Result<InsightsRecord> r = parse_insights_row(row);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->record.log_status, flowlog::LogStatus::kNoData);
  EXPECT_EQ(r->record.flows, 7);
}

// ---- grouped rows == raw records ----

struct Generated {
  std::vector<FlowRecord> records;
  std::vector<std::string> enis;  // storage for interface_id views
};

// Clients on their own ENIs, mount targets on theirs; each NFS flow logged
// on both ENIs (or only one), both directions, plus REJECTs, NODATA rows,
// HTTPS traffic, records outside the window, and an ENI that sees a pair
// from both ends (own set of two addresses).
Generated generate(uint32_t seed) {
  std::mt19937 rng(seed);
  Generated g;
  g.enis = {"eni-c1", "eni-c2", "eni-c3", "eni-m1", "eni-m2", "eni-x"};
  g.records.reserve(4000);
  const IpAddress clients[] = {ip("10.0.1.11"), ip("10.0.1.12"), ip("10.0.2.13")};
  const IpAddress servers[] = {ip("10.0.1.100"), ip("10.0.2.100")};
  auto add = [&](int eni, IpAddress s, IpAddress d, uint16_t sp, uint16_t dp, int64_t bytes,
                 int64_t start, flowlog::Action a) {
    FlowRecord r;
    r.src = s;
    r.dst = d;
    r.src_port = sp;
    r.dst_port = dp;
    r.protocol = 6;
    r.packets = 1 + bytes / 1000;
    r.bytes = bytes;
    r.start = start;
    r.end = start + 1 + static_cast<int64_t>(rng() % 59);
    r.action = a;
    r.interface_id = g.enis[static_cast<size_t>(eni)];
    r.present = 0x7ff;
    g.records.push_back(r);
  };
  for (int i = 0; i < 1500; ++i) {
    const int c = static_cast<int>(rng() % 3);
    const int s = static_cast<int>(rng() % 2);
    const uint16_t port = static_cast<uint16_t>(40000 + rng() % 2000);
    const int64_t start = 1000 + static_cast<int64_t>(rng() % 4000);
    const flowlog::Action a = rng() % 10 == 0 ? flowlog::Action::kReject : flowlog::Action::kAccept;
    const int64_t w = static_cast<int64_t>(rng() % 100000);
    const int64_t rd = static_cast<int64_t>(rng() % 1000000);
    const int where = static_cast<int>(
        rng() % 4);  // 0: both ENIs, 1: client only, 2: server only, 3: both + eni-x
    if (where != 2) {
      add(c, clients[c], servers[s], port, 2049, w, start, a);
      add(c, servers[s], clients[c], 2049, port, rd, start, a);
    }
    if (where != 1) {
      add(3 + s, clients[c], servers[s], port, 2049, w, start, a);
      add(3 + s, servers[s], clients[c], 2049, port, rd, start, a);
    }
    if (where == 3) add(5, clients[c], servers[s], port, 2049, w, start, a);
  }
  for (int i = 0; i < 200; ++i) {  // not EFS
    add(static_cast<int>(rng() % 3), clients[rng() % 3], ip("52.95.1.1"), 50000, 443, 5000, 2000,
        flowlog::Action::kAccept);
  }
  for (int i = 0; i < 50; ++i) {  // NODATA / SKIPDATA
    FlowRecord r;
    r.interface_id = g.enis[rng() % 6];
    r.log_status = i % 5 == 0 ? flowlog::LogStatus::kSkipData : flowlog::LogStatus::kNoData;
    r.action = flowlog::Action::kNone;
    r.start = 1500;
    r.end = 1560;
    g.records.push_back(r);
  }
  return g;
}

struct Outcome {
  std::vector<flowlog::PairTotals> pairs;
  flowlog::FlowStats stats;
};

Outcome aggregate_raw(const Generated& g, const flowlog::AggregateConfig& cfg) {
  flowlog::Aggregator agg(&cfg);
  uint64_t order = 0;
  for (const FlowRecord& r : g.records) agg.add(r, order++);
  Outcome o;
  o.pairs = agg.finish(&o.stats);
  return o;
}

// What the query does: filter (NODATA/SKIPDATA, or EFS), group by the
// query's keys (with the in-window flag), sum; then the cloud reader adds
// the records Insights filtered out as not_efs.
Outcome aggregate_grouped(const Generated& g, const flowlog::AggregateConfig& cfg) {
  using Key = std::tuple<std::string_view, IpAddress, IpAddress, int, int, bool, bool, bool>;
  struct Acc {
    int64_t bytes = 0, packets = 0, n = 0, start = INT64_MAX, end = INT64_MIN;
  };
  std::map<Key, Acc> groups;
  int64_t matched = 0;
  auto is_server = [&](const IpAddress& a) {
    return std::find(cfg.server_ips.begin(), cfg.server_ips.end(), a) != cfg.server_ips.end();
  };
  for (const FlowRecord& r : g.records) {
    bool keep;
    if (r.log_status != flowlog::LogStatus::kOk) {
      keep = true;
    } else {
      const bool efs = cfg.server_ips.empty()
                           ? (r.protocol == 6 && (r.src_port == 2049 || r.dst_port == 2049))
                           : (is_server(r.src) || is_server(r.dst));
      keep = efs;
    }
    if (!keep) continue;
    ++matched;
    Key k{r.interface_id,
          r.src,
          r.dst,
          static_cast<int>(r.action),
          static_cast<int>(r.log_status),
          r.src_port == 2049,
          r.dst_port == 2049,
          (!cfg.window_start || r.start >= *cfg.window_start) &&
              (!cfg.window_end || r.start < *cfg.window_end)};
    Acc& a = groups[k];
    a.bytes += r.bytes;
    a.packets += r.packets;
    a.n += 1;
    a.start = std::min(a.start, r.start);
    a.end = std::max(a.end, r.end);
  }
  flowlog::Aggregator agg(&cfg);
  uint64_t order = 0;
  for (const auto& [k, a] : groups) {
    FlowRecord r;
    r.interface_id = std::get<0>(k);
    r.src = std::get<1>(k);
    r.dst = std::get<2>(k);
    r.action = static_cast<flowlog::Action>(std::get<3>(k));
    r.log_status = static_cast<flowlog::LogStatus>(std::get<4>(k));
    r.src_port = std::get<5>(k) ? 2049 : 0;
    r.dst_port = std::get<6>(k) ? 2049 : 0;
    r.protocol = 6;
    r.bytes = a.bytes;
    r.packets = a.packets;
    r.flows = a.n;
    r.start = a.start;
    r.end = a.end;
    r.present = flowlog::kHasAll;  // a grouped row knows every value
    agg.add(r, order++);
  }
  Outcome o;
  o.pairs = agg.finish(&o.stats);
  o.stats.not_efs += static_cast<int64_t>(g.records.size()) - matched;
  o.stats.records += static_cast<int64_t>(g.records.size()) - matched;
  return o;
}

TEST(InsightsGroupingTest, GroupedRowsGiveTheSameReportAsRawRecords) {
  for (uint32_t seed : {1u, 2u, 3u, 42u}) {
    const Generated g = generate(seed);
    for (int variant = 0; variant < 3; ++variant) {
      flowlog::AggregateConfig cfg;
      if (variant >= 1) {
        cfg.window_start = 1500;
        cfg.window_end = 4000;
      }
      if (variant == 2) cfg.server_ips = {ip("10.0.1.100"), ip("10.0.2.100")};
      const Outcome raw = aggregate_raw(g, cfg);
      const Outcome grouped = aggregate_grouped(g, cfg);
      ASSERT_GT(raw.pairs.size(), 0u);
      EXPECT_EQ(raw.pairs, grouped.pairs) << "seed " << seed << " variant " << variant;
      // Every counter, outside_window included.
      EXPECT_EQ(raw.stats, grouped.stats) << "seed " << seed << " variant " << variant;
      EXPECT_GT(raw.stats.duplicates, 0);
    }
  }
}

}  // namespace
}  // namespace efstop::cloud
