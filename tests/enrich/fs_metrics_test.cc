// The file-system metric analyses (enrich/fs_metrics.h) against numbers
// worked out by hand in each test's comment, not by the code under test.
#include "enrich/fs_metrics.h"

#include <gtest/gtest.h>

namespace efstop::enrich {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

TEST(WholeBuckets, AlignsToThePeriod) {
  // 10:02:30 .. 10:31:00 in 5-minute buckets: 10:05, 10:10, ..., 10:25 = 5.
  const int64_t t10 = 1795687200;  // 2026-11-26T10:00:00Z
  BucketGrid g = whole_buckets(t10 + 150, t10 + 1860, 300);
  EXPECT_EQ(g.start, t10 + 300);
  EXPECT_EQ(g.count, 5);
  EXPECT_EQ(g.end(), t10 + 1800);
  EXPECT_EQ(g.index_of(t10 + 299), -1);
  EXPECT_EQ(g.index_of(t10 + 600), 1);
  EXPECT_EQ(g.index_of(t10 + 1800), -1);
}

TEST(ChoosePeriod, FollowsRetentionAndBucketCount) {
  const int64_t now = 1795687200;
  EXPECT_EQ(*choose_metric_period(now - 3600, now, now, std::nullopt), 60);
  // 2 days of minutes would be 2880 buckets: five minutes (576).
  EXPECT_EQ(*choose_metric_period(now - 2 * 86400, now, now, std::nullopt), 300);
  // 20 days ago: one-minute data is gone (15 days), five-minute data is kept.
  EXPECT_EQ(*choose_metric_period(now - 20 * 86400, now - 20 * 86400 + 3600, now, std::nullopt),
            300);
  // 100 days ago: hours only.
  EXPECT_EQ(*choose_metric_period(now - 100 * 86400, now - 99 * 86400, now, std::nullopt), 3600);
  EXPECT_FALSE(choose_metric_period(now - 500 * 86400, now, now, std::nullopt).ok());
  EXPECT_EQ(*choose_metric_period(now - 3600, now, now, 300), 300);
  EXPECT_FALSE(choose_metric_period(now - 3600, now, now, 90).ok());
  EXPECT_FALSE(choose_metric_period(now - 20 * 86400, now, now, 60).ok());
}

TEST(ChoosePeriod, WithASampleLinesUpWithTheSlices) {
  const int64_t now = 1795687200;  // 2026-11-26T10:00:00Z
  const flowlog::SampleSpec five_of_hour{300, 3600};
  // A day of 5m/1h: 24 slices of 5 one-minute buckets (120 <= 1440).
  EXPECT_EQ(*choose_metric_period(now - 86400, now, now, std::nullopt, &five_of_hour), 60);
  // 14 days: 336 slices x 5 minutes = 1680 one-minute buckets in slices,
  // too many; 300 s divides the slices' 300 s: 336 buckets.
  EXPECT_EQ(*choose_metric_period(now - 14 * 86400, now, now, std::nullopt, &five_of_hour), 300);
  // 40/60: slices are multiples of gcd(2400, 3600) = 1200 s; a day at 60 s
  // holds 24 x 40 = 960 buckets in slices.
  const flowlog::SampleSpec forty_of_hour{2400, 3600};
  EXPECT_EQ(*choose_metric_period(now - 86400, now, now, std::nullopt, &forty_of_hour), 60);
  // 20 days ago CloudWatch keeps 300-s points at the finest: 5m/1h still
  // fits, 7m/1h (multiples of 60 s only) cannot line up.
  EXPECT_EQ(
      *choose_metric_period(now - 20 * 86400, now - 19 * 86400, now, std::nullopt, &five_of_hour),
      300);
  const flowlog::SampleSpec seven_of_hour{420, 3600};
  EXPECT_FALSE(
      choose_metric_period(now - 20 * 86400, now - 19 * 86400, now, std::nullopt, &seven_of_hour)
          .ok());
  // --bucket: kept when it divides the slices, refused when it would reach
  // outside them (1h over 5-minute slices) or is finer than kept.
  EXPECT_EQ(*choose_metric_period(now - 3600, now, now, 300, &five_of_hour), 300);
  EXPECT_EQ(*choose_metric_period(now - 3600, now, now, 60, &five_of_hour), 60);
  EXPECT_FALSE(choose_metric_period(now - 3600, now, now, 3600, &five_of_hour).ok());
  EXPECT_FALSE(
      choose_metric_period(now - 20 * 86400, now - 19 * 86400, now, 60, &five_of_hour).ok());
}

FsMetricSeries metrics_of(std::map<std::string, Series, std::less<>> m) {
  FsMetricSeries s;
  s.by_metric = std::move(m);
  return s;
}

TEST(Analyse, CoverageComparesFlowsWithTheMetricPerDirection) {
  BucketGrid g{1000 * 60, 60, 2, std::nullopt};
  // Flows: read 100+300, written 50+0; metric read 500, written 1000.
  std::vector<ClientSeries> clients = {{"a", {100, 300}, {50, 0}}};
  auto m = metrics_of({{"DataReadIOBytes", {200.0, 300.0}}, {"DataWriteIOBytes", {1000.0, {}}}});
  auto fs = analyse_file_system("fs-1", "home", "bursting", g, m, clients, {});
  EXPECT_EQ(fs.coverage.flow_read, 400);
  EXPECT_EQ(fs.coverage.flow_written, 50);
  EXPECT_DOUBLE_EQ(*fs.coverage.ratio_read, 400.0 / 500.0);
  EXPECT_DOUBLE_EQ(*fs.coverage.ratio_written, 50.0 / 1000.0);
  EXPECT_FALSE(fs.coverage.low_read);
  EXPECT_TRUE(fs.coverage.low_written);   // 5 % < 50 %
  EXPECT_FALSE(fs.read_usd.has_value());  // not elastic: no cost
}

TEST(Analyse, SaturationMergesBucketsAndSharesClientBytes) {
  // Six 60-s buckets from t0. PercentIOLimit 95 in bucket 1; metered
  // 5400 bytes in bucket 2 against a limit of 100 B/s (90 B/s = 90 %:
  // saturated), 5340 in bucket 4 (89 B/s: not); credits fall in bucket 3
  // (900 -> 800) and rise in 5. So buckets 1, 2, 3 form one interval
  // [t0+60, t0+240).
  const int64_t t0 = 1795687200;
  BucketGrid g{t0, 60, 6, std::nullopt};
  auto m = metrics_of({
      {"PercentIOLimit", {10.0, 95.0, 20.0, 20.0, 20.0, 20.0}},
      {"MeteredIOBytes", {0.0, 0.0, 5400.0, 0.0, 5340.0, 0.0}},
      {"PermittedThroughput", {100.0, 100.0, 100.0, 100.0, 100.0, 100.0}},
      {"BurstCreditBalance", {1000.0, 1000.0, 900.0, 800.0, 800.0, 900.0}},
  });
  // burst: credits fell 1000 -> 900 in bucket 2 as well; bucket 3 800 < 900.
  // Client "job": 700 bytes in buckets 1-3, 300 outside; "web": 300 in 1-3, 700 outside.
  std::vector<ClientSeries> clients = {
      {"job", {0, 200, 200, 100, 100, 100}, {100, 100, 0, 100, 0, 0}},
      {"web", {100, 100, 0, 0, 300, 0}, {100, 0, 100, 100, 0, 100}},
  };
  auto fs = analyse_file_system("fs-1", "home", "bursting", g, m, clients, {});
  ASSERT_EQ(fs.saturation.size(), 1u);
  EXPECT_EQ(fs.saturated_buckets, 3);
  EXPECT_EQ(fs.saturation[0].start, t0 + 60);
  EXPECT_EQ(fs.saturation[0].end, t0 + 240);
  EXPECT_EQ(fs.saturation[0].reasons,
            (std::vector<std::string>{"percent_io_limit", "throughput", "burst_credits_fell"}));
  ASSERT_EQ(fs.saturation_clients.size(), 2u);
  // job in buckets 1..3: (200+100)+(200+0)+(100+100) = 700 of its 1000.
  EXPECT_EQ(fs.saturation_clients[0].client, "job");
  EXPECT_EQ(fs.saturation_clients[0].bytes, 700);
  EXPECT_EQ(fs.saturation_clients[0].window_bytes, 1000);
  // web in buckets 1..3: 100 + 100 + 100 = 300; fs total there 1000.
  EXPECT_EQ(fs.saturation_clients[1].bytes, 300);
  EXPECT_DOUBLE_EQ(fs.saturation_clients[0].share_of_fs, 0.7);
  EXPECT_DOUBLE_EQ(fs.saturation_clients[0].share_of_own, 0.7);
  EXPECT_DOUBLE_EQ(fs.saturation_clients[1].share_of_fs, 0.3);
}

TEST(Analyse, ElasticCostSplitsEachBucketByFlowShare) {
  // Two buckets. Bucket 0: metric read 1 GiB, written 0.5 GiB; flows read
  // a=3, b=1 (a gets 3/4 of the read), written a=0, b=2 (b gets all of it).
  // Bucket 1: metric read 2 GiB, no read flows (unattributed), written 0.
  BucketGrid g{600000, 60, 2, std::nullopt};
  auto m =
      metrics_of({{"DataReadIOBytes", {kGiB, 2 * kGiB}}, {"DataWriteIOBytes", {0.5 * kGiB, 0.0}}});
  std::vector<ClientSeries> clients = {{"a", {3, 0}, {0, 0}}, {"b", {1, 0}, {2, 0}}};
  AnalysisOptions o;
  o.read_usd_per_gib = 0.03;
  o.write_usd_per_gib = 0.06;
  auto fs = analyse_file_system("fs-1", "", "elastic", g, m, clients, o);
  EXPECT_DOUBLE_EQ(*fs.read_usd, 3 * 0.03);
  EXPECT_DOUBLE_EQ(*fs.write_usd, 0.5 * 0.06);
  EXPECT_DOUBLE_EQ(fs.unattributed_usd, 2 * 0.03);
  ASSERT_EQ(fs.costs.size(), 2u);
  // a: 0.75 * 0.03 = 0.0225; b: 0.25 * 0.03 + 0.03 = 0.0375.
  EXPECT_EQ(fs.costs[0].client, "b");
  EXPECT_NEAR(fs.costs[0].total_usd(), 0.0375, 1e-12);
  EXPECT_NEAR(fs.costs[1].read_usd, 0.0225, 1e-12);
  EXPECT_NEAR(fs.costs[0].total_usd() + fs.costs[1].total_usd() + fs.unattributed_usd,
              *fs.read_usd + *fs.write_usd, 1e-12);
}

TEST(Analyse, KeepsEverySeriesAndReadsConnectionsAndMetadata) {
  // Three 5-minute buckets; ClientConnections is a Sum of one-minute points.
  BucketGrid g{600000, 300, 3, std::nullopt};
  auto m = metrics_of({{"ClientConnections", {10.0, {}, 17.0}},
                       {"MetadataIOBytes", {100.0, {}, 300.0}},
                       {"TotalIOBytes", {1000.0, 2000.0, {}}},
                       {"PercentIOLimit", {{}, {}, {}}}});
  auto fs = analyse_file_system("fs-1", "", "bursting", g, m, {}, {});
  // In efs_metric_specs() order, nulls kept as they came.
  ASSERT_EQ(fs.series.size(), 4u);
  EXPECT_EQ(fs.series[0].metric, "MetadataIOBytes");
  EXPECT_EQ(fs.series[1].metric, "TotalIOBytes");
  EXPECT_EQ(fs.series[2].metric, "PercentIOLimit");
  EXPECT_EQ(fs.series[2].stat, "Maximum");
  EXPECT_EQ(fs.series[3].metric, "ClientConnections");
  EXPECT_EQ(fs.series[0].values, (Series{100.0, {}, 300.0}));
  EXPECT_EQ(fs.series[2].values, (Series{{}, {}, {}}));
  EXPECT_DOUBLE_EQ(*fs.peak_connections, 17.0 / 5);  // the busiest bucket's average
  EXPECT_DOUBLE_EQ(*fs.metadata_bytes, 400.0);
  EXPECT_DOUBLE_EQ(*fs.total_io_bytes, 3000.0);
  EXPECT_DOUBLE_EQ(*fs.metadata_share, 400.0 / 3000.0);

  // No data point at all: unknown, not 0.
  auto none = analyse_file_system(
      "fs-1", "", "bursting", g,
      metrics_of({{"ClientConnections", {{}, {}, {}}}, {"MetadataIOBytes", {{}, {}, {}}}}), {}, {});
  EXPECT_FALSE(none.peak_connections.has_value());
  EXPECT_FALSE(none.metadata_bytes.has_value());
  EXPECT_FALSE(none.metadata_share.has_value());
}

TEST(Analyse, WithASampleJudgesOnlyTheBucketsInsideSlices) {
  // 2m/5m from t0 (a multiple of 300): ten 60-s buckets, slices are
  // buckets 0-1 and 5-6. PercentIOLimit 95 in buckets 3 (outside: not
  // judged) and 6 (inside); credits 900 in bucket 4 (outside) and 800 in
  // bucket 5: a bucket before a slice is no "before", so 5 is not judged
  // fallen. Expected: one interval [t0+360, t0+420), 1 of 2 slices.
  const int64_t t0 = 1795687200;
  BucketGrid g{t0, 60, 10, flowlog::SampleSpec{120, 300}};
  EXPECT_TRUE(g.judged(0));
  EXPECT_TRUE(g.judged(1));
  EXPECT_FALSE(g.judged(2));
  EXPECT_FALSE(g.judged(4));
  EXPECT_TRUE(g.judged(5));
  EXPECT_TRUE(g.judged(6));
  EXPECT_FALSE(g.judged(7));
  auto m = metrics_of({
      {"PercentIOLimit", {10.0, 10.0, 10.0, 95.0, 10.0, 10.0, 95.0, 10.0, 10.0, 10.0}},
      {"BurstCreditBalance", {1000.0, 1000.0, {}, {}, 900.0, 800.0, 800.0, {}, {}, {}}},
  });
  std::vector<ClientSeries> clients = {
      {"a", {1, 2, 0, 0, 0, 3, 4, 0, 0, 0}, std::vector<int64_t>(10)}};
  auto fs = analyse_file_system("fs-1", "", "bursting", g, m, clients, {});
  ASSERT_EQ(fs.saturation.size(), 1u);
  EXPECT_EQ(fs.saturation[0].start, t0 + 360);
  EXPECT_EQ(fs.saturation[0].end, t0 + 420);
  EXPECT_EQ(fs.saturation[0].reasons, std::vector<std::string>{"percent_io_limit"});
  EXPECT_EQ(fs.saturated_buckets, 1);
  EXPECT_EQ(fs.sampled_slices, 2);
  EXPECT_EQ(fs.saturated_slices, 1);
  ASSERT_EQ(fs.saturation_clients.size(), 1u);
  EXPECT_EQ(fs.saturation_clients[0].bytes, 4);
  EXPECT_EQ(fs.saturation_clients[0].window_bytes, 10);
}

// Every point CloudWatch returned, all metrics together; none at all is
// what the writers say instead of a verdict.
TEST(Analyse, CountsTheDatapointsReturned) {
  BucketGrid g{600000, 60, 3, std::nullopt};
  FsMetricSeries m;
  m.by_metric["PercentIOLimit"] = {10.0, std::nullopt, 30.0};
  m.by_metric["BurstCreditBalance"] = {std::nullopt, 5.0, std::nullopt};
  m.by_metric["DataReadIOBytes"] = {std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(analyse_file_system("fs-1", "", "bursting", g, m, {}, {}).datapoints, 3);
  FsMetricSeries none;
  none.by_metric["PercentIOLimit"] = {std::nullopt, std::nullopt, std::nullopt};
  const auto fs = analyse_file_system("fs-1", "", "bursting", g, none, {}, {});
  EXPECT_EQ(fs.datapoints, 0);
  EXPECT_EQ(fs.saturated_buckets, 0);
}

// A period is judged when some limit test has its data there: a
// PercentIOLimit point, MeteredIOBytes with PermittedThroughput, or
// BurstCreditBalance in it and the period before. Points of other metrics
// (ClientConnections) judge nothing.
TEST(Analyse, CountsThePeriodsWithLimitData) {
  BucketGrid g{600000, 60, 5, std::nullopt};
  FsMetricSeries only_connections;
  only_connections.by_metric["ClientConnections"] = {3.0, 3.0, 3.0, 3.0, 3.0};
  auto fs = analyse_file_system("fs-1", "", "bursting", g, only_connections, {}, {});
  EXPECT_EQ(fs.datapoints, 5);
  EXPECT_EQ(fs.compared_buckets, 5);
  EXPECT_EQ(fs.judged_buckets, 0);

  FsMetricSeries some;
  some.by_metric["PercentIOLimit"] = {10.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  some.by_metric["MeteredIOBytes"] = {std::nullopt, 60.0, 60.0, std::nullopt, std::nullopt};
  some.by_metric["PermittedThroughput"] = {std::nullopt, 100.0, std::nullopt, std::nullopt,
                                           std::nullopt};
  // Period 3 has a balance but not the one before; period 4 has both.
  some.by_metric["BurstCreditBalance"] = {std::nullopt, std::nullopt, std::nullopt, 7.0, 7.0};
  fs = analyse_file_system("fs-1", "", "bursting", g, some, {}, {});
  EXPECT_EQ(fs.compared_buckets, 5);
  EXPECT_EQ(fs.judged_buckets, 3);  // periods 0, 1 and 4
  EXPECT_EQ(fs.saturated_buckets, 0);

  // With --sample only the periods in the slices are compared.
  BucketGrid sampled{0, 60, 4, flowlog::SampleSpec{120, 240}};
  FsMetricSeries all;
  all.by_metric["PercentIOLimit"] = {10.0, 10.0, 10.0, 10.0};
  fs = analyse_file_system("fs-1", "", "bursting", sampled, all, {}, {});
  EXPECT_EQ(fs.compared_buckets, 2);
  EXPECT_EQ(fs.judged_buckets, 2);
}

TEST(Analyse, MissingMetricsGiveNoConclusion) {
  BucketGrid g{600000, 60, 2, std::nullopt};
  FsMetricSeries m;
  m.failures.push_back({"PercentIOLimit", "InternalError", "x"});
  auto fs = analyse_file_system("fs-1", "", "elastic", g, m, {{"a", {1, 1}, {1, 1}}}, {});
  EXPECT_EQ(fs.failures.size(), 1u);
  EXPECT_TRUE(fs.series.empty());  // a failed metric has no series (JSON: null)
  EXPECT_FALSE(fs.coverage.ratio_read.has_value());
  EXPECT_EQ(fs.saturated_buckets, 0);
  EXPECT_FALSE(fs.read_usd.has_value());
}

}  // namespace
}  // namespace efstop::enrich
