#include "cli/sample_arg.h"

namespace efstop::cli {

void prepare_sample(const flowlog::SampleSpec& spec, int64_t user_bucket_s,
                    flowlog::EngineOptions* engine) {
  engine->sample = spec;
  engine->bucket_s = flowlog::sample_bucket_width(spec, user_bucket_s);
}

void estimate_from_sample(const flowlog::SampleSpec& spec, const report::Window& window,
                          report::Report* rep) {
  report::SampleInfo info;
  info.span_s = spec.span_s;
  info.period_s = spec.period_s;
  info.factor = flowlog::sample_factor(spec);
  const std::optional<int64_t> from = window.start ? window.start : rep->totals.first_seen;
  const std::optional<int64_t> to = window.end ? window.end : rep->totals.last_seen;
  // last_seen is the latest end (exclusive), so [from, to) is the time covered.
  if (from && to) info.slices = flowlog::count_slices(*from, *to, spec);
  const auto scale = [&spec](int64_t v) { return flowlog::scale_sampled(v, spec); };
  for (report::Row& row : rep->rows) {
    report::Counters& c = row.counters;
    row.sampled = report::SampledBytes{c.bytes_read, c.bytes_written};
    c.bytes_read = scale(c.bytes_read);
    c.bytes_written = scale(c.bytes_written);
    if (row.cross_az_bytes) row.cross_az_bytes = scale(*row.cross_az_bytes);
    row.cross_az_unknown_bytes = scale(row.cross_az_unknown_bytes);
  }
  info.sampled_totals = report::SampledBytes{rep->totals.bytes_read, rep->totals.bytes_written};
  rep->totals.bytes_read = scale(rep->totals.bytes_read);
  rep->totals.bytes_written = scale(rep->totals.bytes_written);
  // The file systems' Elastic costs were worked out over the sampled
  // buckets: estimates too, by the same factor. Coverage and saturation
  // compare sampled flows with the same slices' metrics and stay as they are.
  if (rep->file_systems) {
    for (report::FileSystemMetrics& fs : *rep->file_systems) {
      if (!fs.read_usd) continue;
      fs.sampled_read_usd = fs.read_usd;
      fs.sampled_write_usd = fs.write_usd;
      fs.sampled_unattributed_usd = fs.unattributed_usd;
      *fs.read_usd *= info.factor;
      if (fs.write_usd) *fs.write_usd *= info.factor;
      fs.unattributed_usd *= info.factor;
      for (report::ClientCost& c : fs.costs) {
        c.sampled_read_usd = c.read_usd;
        c.sampled_write_usd = c.write_usd;
        c.read_usd *= info.factor;
        c.write_usd *= info.factor;
      }
    }
  }
  rep->sample = info;
}

}  // namespace efstop::cli
