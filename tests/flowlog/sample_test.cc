// --sample (flowlog/sample.h): parsing and validation, the slice arithmetic
// against brute force, and an aggregation over generated records that cross
// midnight against a second-by-second reference of the rule in
// docs/flow-counting.md ("Sampling").
#include "flowlog/sample.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "flowlog/aggregate.h"

namespace efstop::flowlog {
namespace {

constexpr int64_t kMidnight = 1764892800;  // 2025-12-05T00:00:00Z

TEST(SampleTest, ParsesSpanAndPeriod) {
  EXPECT_EQ(*parse_sample("5m/1h"), (SampleSpec{300, 3600}));
  EXPECT_EQ(*parse_sample("1h30m/1d"), (SampleSpec{5400, 86400}));
  EXPECT_EQ(*parse_sample("1d/1w"), (SampleSpec{86400, 604800}));
  EXPECT_EQ(*parse_sample("10m/2h"), (SampleSpec{600, 7200}));
  // Durations as --since reads them (core/duration.h): seconds and mixed units.
  EXPECT_EQ(*parse_sample("300s/1h"), (SampleSpec{300, 3600}));
  EXPECT_EQ(*parse_sample("60m/1h60m"), (SampleSpec{3600, 7200}));
}

TEST(SampleTest, RefusesWhatCannotBeSliced) {
  for (const char* bad : {"", "5m", "5m/", "/1h", "5x/1h", "m/1h", "5m/1h/2h", "0m/1h", "5/1h"}) {
    Result<SampleSpec> r = parse_sample(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_FALSE(r.status().message().empty()) << bad;
  }
  EXPECT_NE(parse_sample("30s/1h").status().message().find("whole minutes"), std::string::npos);
  EXPECT_NE(parse_sample("1h/1h").status().message().find("shorter"), std::string::npos);
  EXPECT_NE(parse_sample("2h/1h").status().message().find("shorter"), std::string::npos);
  EXPECT_NE(parse_sample("5m/7h").status().message().find("divide a day"), std::string::npos);
  EXPECT_NE(parse_sample("1h/36h").status().message().find("divide a day"), std::string::npos);
  EXPECT_TRUE(parse_sample("5m/7m").status().message().find("divide a day") != std::string::npos);
  EXPECT_TRUE(parse_sample("1h/3d").ok());
}

TEST(SampleTest, SlicesAgainstBruteForce) {
  const std::vector<SampleSpec> specs = {{300, 3600}, {60, 600}, {3600, 86400}, {7200, 172800}};
  std::mt19937_64 rng(9);
  for (const SampleSpec& spec : specs) {
    for (int i = 0; i < 400; ++i) {
      const int64_t from =
          kMidnight - 2 * spec.period_s + static_cast<int64_t>(rng() % (4 * spec.period_s));
      const int64_t to = from + static_cast<int64_t>(rng() % (3 * spec.period_s)) - 30;
      int64_t seconds = 0;
      std::map<int64_t, bool> slices;
      for (int64_t t = from; t < to; ++t) {
        const int64_t pf = t - (((t % spec.period_s) + spec.period_s) % spec.period_s);
        const bool in = t - pf < spec.span_s;
        EXPECT_EQ(in_slice(t, spec), in);
        if (in) {
          ++seconds;
          slices[pf] = true;
        }
      }
      EXPECT_EQ(sampled_seconds(from, to, spec), seconds) << from << " " << to;
      EXPECT_EQ(count_slices(from, to, spec), static_cast<int64_t>(slices.size()))
          << from << " " << to;
      EXPECT_EQ(span_touches_sample(from, to, spec), to > from ? seconds > 0 : in_slice(from, spec))
          << from << " " << to;
    }
  }
}

TEST(SampleTest, ScalesRoundingHalfUp) {
  EXPECT_EQ(scale_sampled(10, SampleSpec{300, 3600}), 120);
  EXPECT_EQ(scale_sampled(1, SampleSpec{420, 3600}), 9);   // 8.57 -> 9
  EXPECT_EQ(scale_sampled(3, SampleSpec{2400, 3600}), 5);  // 4.5 -> 5
  EXPECT_EQ(scale_sampled(0, SampleSpec{300, 3600}), 0);
  EXPECT_EQ(scale_sampled(INT64_MAX / 24, SampleSpec{300, 3600}), INT64_MAX / 24 * 12);
  EXPECT_DOUBLE_EQ(sample_factor(SampleSpec{300, 3600}), 12.0);
  EXPECT_EQ(sample_bucket_width(SampleSpec{300, 3600}, 0), 300);
  EXPECT_EQ(sample_bucket_width(SampleSpec{420, 3600}, 0), 60);
  EXPECT_EQ(sample_bucket_width(SampleSpec{600, 3600}, 900), 300);
}

// Records of two pairs around midnight, each logged once, 1 s to 20 min
// long, with a window; the aggregator (with the sample step) must give per
// pair the bytes a second-by-second reference puts inside slices, count
// records that touch no slice as outside the window, and keep only the
// buckets inside slices.
TEST(SampleTest, AggregationMatchesSecondBySecondReference) {
  for (const char* text : {"5m/1h", "7m/30m", "2h/1d"}) {
    for (const int64_t user_bucket : {int64_t{0}, int64_t{300}, int64_t{3600}}) {
      const SampleSpec spec = *parse_sample(text);
      AggregateConfig cfg;
      cfg.window_start = kMidnight - 5 * 3600;
      cfg.window_end = kMidnight + 5 * 3600;
      cfg.sample = spec;
      cfg.bucket_s = sample_bucket_width(spec, user_bucket);
      Aggregator agg(&cfg);
      std::mt19937_64 rng(42);
      std::map<std::string, std::pair<int64_t, int64_t>> want;        // client -> (written, read)
      std::map<std::string, std::map<int64_t, int64_t>> want_series;  // client -> bucket -> bytes
      int64_t outside = 0;
      for (int i = 0; i < 2000; ++i) {
        FlowRecord r;
        const bool write = rng() % 2 == 0;
        const std::string client = "10.0.1." + std::to_string(1 + rng() % 3);
        const IpAddress c = *IpAddress::parse(client);
        const IpAddress s = *IpAddress::parse("10.0.2.10");
        r.src = write ? c : s;
        r.dst = write ? s : c;
        r.src_port = write ? 900 : 2049;
        r.dst_port = write ? 2049 : 900;
        r.protocol = 6;
        r.packets = 3;
        r.bytes = static_cast<int64_t>(rng() % 10'000'000);
        r.start = kMidnight - 6 * 3600 + static_cast<int64_t>(rng() % (12 * 3600));
        r.end = r.start + 1 + static_cast<int64_t>(rng() % 1200);
        r.present = kHasAll & ~kHasInterfaceId;
        r.interface_id = "";
        // Distinct bytes per record so that the overlap rule keeps each.
        r.bytes = r.bytes * 2000 + i;
        agg.add(r, static_cast<uint64_t>(i));
        // The reference.
        if (r.start < *cfg.window_start || r.start >= *cfg.window_end) {
          ++outside;
          continue;
        }
        const int64_t end = std::min(r.end, *cfg.window_end);
        int64_t before = 0;
        int64_t inside = 0;
        bool touches = false;
        for (int64_t t = r.start; t < end; ++t) {
          const int64_t after =
              static_cast<int64_t>(SplitInt{r.bytes} * (t + 1 - r.start) / (end - r.start));
          const int64_t pf = t - (((t % spec.period_s) + spec.period_s) % spec.period_s);
          if (t - pf < spec.span_s) {
            touches = true;
            inside += after - before;
            if (user_bucket > 0) {
              want_series[client][t - (((t % user_bucket) + user_bucket) % user_bucket)] +=
                  after - before;
            }
          }
          before = after;
        }
        if (!touches) {
          ++outside;
          continue;
        }
        (write ? want[client].first : want[client].second) += inside;
      }
      FlowStats stats;
      std::vector<PairTotals> pairs = agg.finish(&stats);
      apply_sample(&pairs, spec, user_bucket);
      EXPECT_EQ(stats.outside_window, outside) << text;
      ASSERT_EQ(pairs.size(), want.size());
      for (const PairTotals& p : pairs) {
        const std::string client = p.client.to_string();
        EXPECT_EQ(p.bytes_written, want[client].first) << text << " " << client;
        EXPECT_EQ(p.bytes_read, want[client].second) << text << " " << client;
        if (user_bucket == 0) {
          EXPECT_TRUE(p.series.empty());
          continue;
        }
        std::map<int64_t, int64_t> got;
        for (const BucketBytes& b : p.series) {
          EXPECT_TRUE(span_touches_sample(b.start, b.start + user_bucket, spec));
          got[b.start] += b.bytes_read + b.bytes_written;
        }
        std::erase_if(got, [](auto& kv) { return kv.second == 0; });
        std::erase_if(want_series[client], [](auto& kv) { return kv.second == 0; });
        EXPECT_EQ(got, want_series[client]) << text << " " << client << " " << user_bucket;
      }
    }
  }
}

}  // namespace
}  // namespace efstop::flowlog
