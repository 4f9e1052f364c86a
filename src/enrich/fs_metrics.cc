#include "enrich/fs_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

namespace efstop::enrich {

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Age limits of CloudWatch's aggregated data (GetMetricData API reference).
constexpr int64_t kDay = 86400;
int64_t finest_kept_period(int64_t age_s) {
  if (age_s <= 15 * kDay) return 60;
  if (age_s <= 63 * kDay) return 300;
  if (age_s <= 455 * kDay) return 3600;
  return -1;  // older than CloudWatch keeps anything
}

const Series* series_of(const FsMetricSeries& m, std::string_view name) {
  auto it = m.by_metric.find(name);
  return it == m.by_metric.end() ? nullptr : &it->second;
}

std::optional<double> at(const Series* s, int64_t i) {
  if (s == nullptr || i < 0 || static_cast<size_t>(i) >= s->size()) return std::nullopt;
  return (*s)[static_cast<size_t>(i)];
}

std::optional<double> sum(const Series* s) {
  if (s == nullptr) return std::nullopt;
  double total = 0;
  bool any = false;
  for (const std::optional<double>& v : *s) {
    if (v) {
      total += *v;
      any = true;
    }
  }
  return any ? std::optional<double>(total) : std::optional<double>(0.0);
}

// The sum of the data points; nullopt when there is none (no bytes counted
// is not the same as zero bytes counted).
std::optional<double> sum_of_points(const Series* s) {
  if (s == nullptr) return std::nullopt;
  std::optional<double> total;
  for (const std::optional<double>& v : *s) {
    if (v) total = total.value_or(0) + *v;
  }
  return total;
}

// choose_metric_period() with --sample: a period that lines up with the
// slices (divides gcd(span, period)) and that CloudWatch keeps for data
// that old (a multiple of `finest`).
Result<int64_t> choose_sampled_period(int64_t start, int64_t end, int64_t finest,
                                      std::optional<int64_t> bucket_s,
                                      const flowlog::SampleSpec& sample) {
  const int64_t slice_grain = std::gcd(sample.span_s, sample.period_s);
  const std::string grain = std::to_string(slice_grain);
  if (bucket_s) {
    if (slice_grain % *bucket_s != 0) {
      return invalid_argument_error(
          "the bucket of " + std::to_string(*bucket_s) +
          " s does not divide the sample's slices (SPAN and PERIOD are multiples of " + grain +
          " s), so its metric periods would reach outside them; use a --bucket that divides " +
          grain + " s, or --no-metrics");
    }
    if (*bucket_s % finest != 0) {
      return invalid_argument_error("CloudWatch keeps " + std::to_string(finest) +
                                    "-second EFS metrics for a window that old, not " +
                                    std::to_string(*bucket_s) +
                                    "-second ones; use a --bucket that is a multiple of it, or "
                                    "--no-metrics");
    }
    return *bucket_s;
  }
  if (slice_grain % finest != 0) {
    return invalid_argument_error(
        "CloudWatch keeps " + std::to_string(finest) +
        "-second EFS metrics for a window that old, and no multiple of that lines up with the "
        "sample's slices (SPAN and PERIOD are multiples of " +
        grain + " s); use a SPAN and PERIOD that are multiples of " + std::to_string(finest) +
        " s, or --no-metrics");
  }
  int64_t chosen = slice_grain;
  for (int64_t p = finest; p <= slice_grain; p += finest) {
    if (slice_grain % p != 0) continue;
    const BucketGrid grid = whole_buckets(start, end, p);
    const int64_t in_slices = flowlog::sampled_seconds(grid.start, grid.end(), sample) / p;
    if (in_slices <= kMaxMetricBuckets && grid.count <= kMaxMetricPoints) {
      chosen = p;
      break;
    }
  }
  return chosen;
}

}  // namespace

const std::vector<MetricSpec>& efs_metric_specs() {
  // Statistic per metric: bytes are counted per operation, so their Sum is
  // the bytes of the period; PermittedThroughput's Minimum is the tightest
  // limit of the period, PercentIOLimit's Maximum its closest approach,
  // BurstCreditBalance's Minimum its lowest point; ClientConnections is
  // documented with Sum only (docs/metrics.md).
  static const std::vector<MetricSpec> kSpecs = {
      {"DataReadIOBytes", "Sum"},    {"DataWriteIOBytes", "Sum"},
      {"MetadataIOBytes", "Sum"},    {"TotalIOBytes", "Sum"},
      {"MeteredIOBytes", "Sum"},     {"PermittedThroughput", "Minimum"},
      {"PercentIOLimit", "Maximum"}, {"BurstCreditBalance", "Minimum"},
      {"ClientConnections", "Sum"},
  };
  return kSpecs;
}

BucketGrid whole_buckets(int64_t start, int64_t end, int64_t period_s) {
  BucketGrid g;
  g.period_s = period_s;
  const int64_t rem = ((start % period_s) + period_s) % period_s;
  g.start = rem == 0 ? start : start + (period_s - rem);
  g.count = end > g.start ? (end - g.start) / period_s : 0;
  return g;
}

Result<int64_t> choose_metric_period(int64_t start, int64_t end, int64_t now,
                                     std::optional<int64_t> bucket_s,
                                     const flowlog::SampleSpec* sample) {
  const int64_t finest = finest_kept_period(now - start);
  if (finest < 0) {
    return invalid_argument_error(
        "the window starts more than 455 days ago, older than CloudWatch keeps EFS metrics; "
        "use --no-metrics");
  }
  if (sample) return choose_sampled_period(start, end, finest, bucket_s, *sample);
  if (bucket_s) {
    if (*bucket_s % 60 != 0) {
      return invalid_argument_error("the bucket of " + std::to_string(*bucket_s) +
                                    " s is not a whole number of minutes, which CloudWatch "
                                    "periods must be; use --no-metrics or a coarser bucket");
    }
    if (*bucket_s < finest) {
      return invalid_argument_error("CloudWatch keeps " + std::to_string(finest) +
                                    "-second EFS metrics for a window "
                                    "that old, not " +
                                    std::to_string(*bucket_s) +
                                    "-second ones; use --bucket of at "
                                    "least that, or --no-metrics");
    }
    return *bucket_s;
  }
  for (int64_t p : {int64_t{60}, int64_t{300}, int64_t{3600}, int64_t{86400}}) {
    if (p < finest) continue;
    if ((end - start) / p <= kMaxMetricBuckets) return p;
  }
  return int64_t{86400};
}

Result<std::map<std::string, FsMetricSeries>> fetch_fs_metrics(
    aws::CloudWatchApi& api, const std::vector<std::string>& file_system_ids,
    const BucketGrid& grid, int64_t* calls) {
  std::map<std::string, FsMetricSeries> out;
  if (grid.count == 0 || file_system_ids.empty()) return out;
  const std::vector<MetricSpec>& specs = efs_metric_specs();
  std::vector<aws::MetricQuery> queries;
  for (size_t f = 0; f < file_system_ids.size(); ++f) {
    for (size_t m = 0; m < specs.size(); ++m) {
      aws::MetricQuery q;
      // Built by appending: GCC 12's -Wrestrict misfires on "f" + to_string().
      q.id = "f";
      q.id += std::to_string(f);
      q.id += "_m";
      q.id += std::to_string(m);
      q.metric_name = std::string(specs[m].name);
      q.dimension_value = file_system_ids[f];
      q.stat = std::string(specs[m].stat);
      q.period_s = static_cast<int>(grid.period_s);
      queries.push_back(std::move(q));
    }
  }
  EFSTOP_ASSIGN_OR_RETURN(aws::MetricDataAnswer answer,
                          api.get_metric_data(queries, grid.start, grid.end()));
  if (calls) *calls = answer.calls;
  for (size_t i = 0; i < queries.size(); ++i) {
    const aws::MetricQuery& q = queries[i];
    const aws::MetricSeries& s = answer.series[i];
    FsMetricSeries& fs = out[q.dimension_value];
    if (!s.complete()) {
      std::string message;
      for (const std::string& m : s.messages) message += (message.empty() ? "" : "; ") + m;
      fs.failures.push_back({q.metric_name, s.status_code, message});
      continue;
    }
    Series series(static_cast<size_t>(grid.count));
    for (size_t k = 0; k < s.timestamps.size(); ++k) {
      const int64_t b = grid.index_of(s.timestamps[k]);
      // Outside the slices nothing is judged: the point is dropped.
      if (b >= 0 && grid.judged(b)) series[static_cast<size_t>(b)] = s.values[k];
    }
    fs.by_metric[q.metric_name] = std::move(series);
  }
  return out;
}

report::FileSystemMetrics analyse_file_system(std::string id, std::string name,
                                              std::string throughput_mode, const BucketGrid& grid,
                                              const FsMetricSeries& metrics,
                                              const std::vector<ClientSeries>& clients,
                                              const AnalysisOptions& options) {
  report::FileSystemMetrics fs;
  fs.id = std::move(id);
  fs.name = std::move(name);
  fs.throughput_mode = std::move(throughput_mode);
  fs.period_s = grid.period_s;
  fs.start = grid.start;
  fs.end = grid.end();
  fs.failures = metrics.failures;
  const auto n = static_cast<size_t>(grid.count);
  for (const MetricSpec& spec : efs_metric_specs()) {
    if (const Series* s = series_of(metrics, spec.name)) {
      fs.series.push_back({std::string(spec.name), std::string(spec.stat), *s});
      // Points outside the judged buckets were dropped when read.
      for (const std::optional<double>& v : *s) fs.datapoints += v ? 1 : 0;
    }
  }

  // Connections and metadata: CloudWatch has one ClientConnections point a
  // minute, so a bucket's Sum over its minutes is the bucket's average.
  if (const Series* conn = series_of(metrics, "ClientConnections")) {
    const double minutes = static_cast<double>(grid.period_s) / 60.0;
    for (const std::optional<double>& v : *conn) {
      if (v) fs.peak_connections = std::max(fs.peak_connections.value_or(0), *v / minutes);
    }
  }
  const Series* meta = series_of(metrics, "MetadataIOBytes");
  const Series* total = series_of(metrics, "TotalIOBytes");
  fs.metadata_bytes = sum_of_points(meta);
  fs.total_io_bytes = sum_of_points(total);
  if (fs.metadata_bytes && fs.total_io_bytes && *fs.total_io_bytes > 0) {
    fs.metadata_share = *fs.metadata_bytes / *fs.total_io_bytes;
  }

  // Flow bytes per bucket, all clients.
  std::vector<int64_t> flow_read(n, 0), flow_written(n, 0);
  for (const ClientSeries& c : clients) {
    for (size_t i = 0; i < n && i < c.read.size(); ++i) flow_read[i] += c.read[i];
    for (size_t i = 0; i < n && i < c.written.size(); ++i) flow_written[i] += c.written[i];
  }

  // Coverage.
  const Series* data_read = series_of(metrics, "DataReadIOBytes");
  const Series* data_write = series_of(metrics, "DataWriteIOBytes");
  report::Coverage& cov = fs.coverage;
  for (size_t i = 0; i < n; ++i) {
    cov.flow_read += flow_read[i];
    cov.flow_written += flow_written[i];
  }
  cov.metric_read = sum(data_read);
  cov.metric_written = sum(data_write);
  if (cov.metric_read && *cov.metric_read > 0) {
    cov.ratio_read = static_cast<double>(cov.flow_read) / *cov.metric_read;
    cov.low_read = *cov.ratio_read < options.low_coverage;
  }
  if (cov.metric_written && *cov.metric_written > 0) {
    cov.ratio_written = static_cast<double>(cov.flow_written) / *cov.metric_written;
    cov.low_written = *cov.ratio_written < options.low_coverage;
  }

  // Saturation, bucket by bucket.
  const Series* percent = series_of(metrics, "PercentIOLimit");
  const Series* metered = series_of(metrics, "MeteredIOBytes");
  const Series* permitted = series_of(metrics, "PermittedThroughput");
  const Series* credits = series_of(metrics, "BurstCreditBalance");
  std::vector<std::vector<std::string>> reasons(n);
  for (size_t i = 0; i < n; ++i) {
    const auto k = static_cast<int64_t>(i);
    // Outside the slices the metric points were dropped when read; the
    // check says so here too (and keeps a bucket before a slice from
    // serving as the credits' "before").
    if (!grid.judged(k)) continue;
    ++fs.compared_buckets;
    const auto p = at(percent, k);
    if (p && *p >= options.limit * 100.0) reasons[i].push_back("percent_io_limit");
    auto m = at(metered, k);
    auto limit = at(permitted, k);
    const bool throughput_known = m && limit && *limit > 0;
    if (throughput_known && *m / static_cast<double>(grid.period_s) >= options.limit * *limit) {
      reasons[i].push_back("throughput");
    }
    auto now = at(credits, k);
    auto before = k > 0 && grid.judged(k - 1) ? at(credits, k - 1) : std::nullopt;
    if (now && before && *now < *before) reasons[i].push_back("burst_credits_fell");
    if (p || throughput_known || (now && before)) ++fs.judged_buckets;
  }
  for (size_t i = 0; i < n; ++i) {
    if (reasons[i].empty()) continue;
    ++fs.saturated_buckets;
    const int64_t start = grid.start + static_cast<int64_t>(i) * grid.period_s;
    if (!fs.saturation.empty() && fs.saturation.back().end == start) {
      fs.saturation.back().end = start + grid.period_s;
    } else {
      fs.saturation.push_back({start, start + grid.period_s, {}});
    }
    std::vector<std::string>& r = fs.saturation.back().reasons;
    for (const std::string& why : reasons[i]) {
      if (std::find(r.begin(), r.end(), why) == r.end()) r.push_back(why);
    }
  }
  if (grid.sample) {
    // The verdict covers the sample: which slices were judged, and which
    // had a saturated bucket.
    std::set<int64_t> judged, saturated;
    for (size_t i = 0; i < n; ++i) {
      const auto k = static_cast<int64_t>(i);
      if (!grid.judged(k)) continue;
      const int64_t slice = flowlog::period_floor(grid.start + k * grid.period_s, *grid.sample);
      judged.insert(slice);
      if (!reasons[i].empty()) saturated.insert(slice);
    }
    fs.sampled_slices = static_cast<int64_t>(judged.size());
    fs.saturated_slices = static_cast<int64_t>(saturated.size());
  }
  if (fs.saturated_buckets > 0) {
    int64_t fs_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!reasons[i].empty()) fs_bytes += flow_read[i] + flow_written[i];
    }
    for (const ClientSeries& c : clients) {
      report::SaturationClient sc;
      sc.client = c.client;
      for (size_t i = 0; i < n; ++i) {
        const int64_t b =
            (i < c.read.size() ? c.read[i] : 0) + (i < c.written.size() ? c.written[i] : 0);
        sc.window_bytes += b;
        if (!reasons[i].empty()) sc.bytes += b;
      }
      if (sc.bytes == 0) continue;
      sc.share_of_fs = fs_bytes > 0 ? static_cast<double>(sc.bytes) / fs_bytes : 0;
      sc.share_of_own = sc.window_bytes > 0 ? static_cast<double>(sc.bytes) / sc.window_bytes : 0;
      fs.saturation_clients.push_back(std::move(sc));
    }
    std::stable_sort(fs.saturation_clients.begin(), fs.saturation_clients.end(),
                     [](const report::SaturationClient& a, const report::SaturationClient& b) {
                       if (a.bytes != b.bytes) return a.bytes > b.bytes;
                       return a.client < b.client;
                     });
  }

  // Cost: Elastic only, and only with both byte metrics answered.
  if (fs.throughput_mode == "elastic" && data_read && data_write) {
    std::vector<report::ClientCost> costs(clients.size());
    double read_usd = 0, write_usd = 0;
    for (size_t j = 0; j < clients.size(); ++j) costs[j].client = clients[j].client;
    for (size_t i = 0; i < n; ++i) {
      const double r =
          at(data_read, static_cast<int64_t>(i)).value_or(0) / kGiB * options.read_usd_per_gib;
      const double w =
          at(data_write, static_cast<int64_t>(i)).value_or(0) / kGiB * options.write_usd_per_gib;
      read_usd += r;
      write_usd += w;
      if (flow_read[i] > 0) {
        for (size_t j = 0; j < clients.size(); ++j) {
          if (i < clients[j].read.size()) {
            costs[j].read_usd += r * static_cast<double>(clients[j].read[i]) / flow_read[i];
          }
        }
      } else {
        fs.unattributed_usd += r;
      }
      if (flow_written[i] > 0) {
        for (size_t j = 0; j < clients.size(); ++j) {
          if (i < clients[j].written.size()) {
            costs[j].write_usd += w * static_cast<double>(clients[j].written[i]) / flow_written[i];
          }
        }
      } else {
        fs.unattributed_usd += w;
      }
    }
    fs.read_usd = read_usd;
    fs.write_usd = write_usd;
    for (report::ClientCost& c : costs) {
      if (c.total_usd() > 0) fs.costs.push_back(std::move(c));
    }
    std::stable_sort(fs.costs.begin(), fs.costs.end(),
                     [](const report::ClientCost& a, const report::ClientCost& b) {
                       if (a.total_usd() != b.total_usd()) return a.total_usd() > b.total_usd();
                       return a.client < b.client;
                     });
  }
  return fs;
}

}  // namespace efstop::enrich
