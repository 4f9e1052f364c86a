// CSV (RFC 4180) and TSV: one header line, then one line per row; exact
// integers and ISO 8601 UTC times so other programs can read them back.
// With names, three more columns carry the cross-AZ figures.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "report/safe_text.h"
#include "report/units.h"
#include "report/writer.h"
#include "report/writer_internal.h"

namespace efstop::report {

namespace {

// RFC 4180: a field holding the separator, a quote, CR or LF is quoted and
// its quotes doubled. Sanitised cells hold no CR/LF, but quoting on them
// costs nothing and keeps this correct on its own.
std::string csv_field(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string optional_time(const std::optional<int64_t>& t) {
  return t ? format_iso8601_utc(*t) : std::string();
}

// The estimated cost as JSON gives it: USD rounded to 4 decimals.
std::string usd_cell(int64_t bytes, double usd_per_gib) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f",
                std::round(cross_az_cost_usd(bytes, usd_per_gib) * 10000.0) / 10000.0);
  return buf;
}

}  // namespace

void write_delimited(const Report& report, char separator, std::ostream& out) {
  const bool csv = separator == ',';
  const char* eol = csv ? "\r\n" : "\n";
  const bool has_client = report.group_by != GroupBy::kServer;
  const bool has_server = report.group_by != GroupBy::kClient;
  const std::vector<internal::EndField> client_fields =
      has_client ? internal::fields_in_use(report.rows, true) : std::vector<internal::EndField>{};
  const std::vector<internal::EndField> server_fields =
      has_server ? internal::fields_in_use(report.rows, false) : std::vector<internal::EndField>{};

  // Cells joined into `text`, quoted for CSV, without the line's end.
  const auto join = [&](const std::vector<std::string>& cells, std::string* text) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) *text += separator;
      *text += csv ? csv_field(cells[i]) : cells[i];
    }
  };
  const auto write_line = [&](const std::vector<std::string>& cells) {
    std::string text;
    join(cells, &text);
    text += eol;
    out << text;
  };

  std::vector<std::string> header;
  if (report.by_account) header.emplace_back("account");
  if (report.by_region) header.emplace_back("region");
  const auto add_end_header = [&](const char* prefix,
                                  const std::vector<internal::EndField>& fields) {
    header.emplace_back(prefix);
    for (const internal::EndField& field : fields) {
      header.push_back(std::string(prefix) + "_" + field.key);
    }
  };
  if (has_client) add_end_header("client", client_fields);
  if (has_server) add_end_header("server", server_fields);
  for (const char* name : {"bytes_read", "bytes_written", "bytes_total", "packets", "flows",
                           "rejected", "first_seen", "last_seen"}) {
    header.emplace_back(name);
  }
  // With names: the cross-AZ figures of docs/json.md (empty cell = absent).
  const bool cross_az = std::any_of(report.rows.begin(), report.rows.end(),
                                    [](const Row& r) { return r.has_cross_az(); });
  if (cross_az) {
    for (const char* name : {"cross_az_bytes", "cross_az_unknown_bytes", "cross_az_cost_usd"}) {
      header.emplace_back(name);
    }
  }
  // --sample: the bytes columns are estimates; what was counted follows.
  const bool sampled = report.sample.has_value();
  if (sampled) {
    for (const char* name : {"estimated", "sampled_bytes_read", "sampled_bytes_written"}) {
      header.emplace_back(name);
    }
  }
  // --bucket: the long form, one line per row and bucket (docs/cli.md).
  const bool buckets = report.bucket_s > 0;
  if (buckets) {
    for (const char* name : {"bucket_start", "bucket_read", "bucket_written"}) {
      header.emplace_back(name);
    }
  }
  write_line(header);

  // The bucket columns' times, the same for every row (dense from
  // series_start).
  std::vector<std::string> bucket_starts;
  if (buckets) {
    for (int64_t k = 0; k < report.series_buckets; ++k) {
      bucket_starts.push_back(format_iso8601_utc(report.series_start + k * report.bucket_s));
    }
  }
  constexpr size_t kBatchBytes = size_t{64} << 10;
  std::string batch;

  for (const Row& row : report.rows) {
    std::vector<std::string> cells;
    if (report.by_account) cells.push_back(sanitize_cell(row.account));
    if (report.by_region) cells.push_back(sanitize_cell(row.region));
    const auto add_end = [&](bool client, const std::vector<internal::EndField>& fields) {
      const End* end = internal::end_of(row, client);
      cells.push_back(end ? sanitize_cell(internal::join_ips(*end)) : std::string());
      for (const internal::EndField& field : fields) {
        cells.push_back(end ? sanitize_cell(end->*field.member) : std::string());
      }
    };
    if (has_client) add_end(true, client_fields);
    if (has_server) add_end(false, server_fields);
    const Counters& c = row.counters;
    cells.push_back(std::to_string(c.bytes_read));
    cells.push_back(std::to_string(c.bytes_written));
    cells.push_back(std::to_string(c.bytes_total()));
    // Empty when some record's packets were unknown (JSON: null).
    cells.push_back(c.packets_known() ? std::to_string(c.packets) : std::string());
    cells.push_back(std::to_string(c.flows));
    cells.push_back(std::to_string(c.rejected));
    cells.push_back(optional_time(c.first_seen));
    cells.push_back(optional_time(c.last_seen));
    if (cross_az) {
      cells.push_back(row.cross_az_bytes ? std::to_string(*row.cross_az_bytes) : std::string());
      cells.push_back(std::to_string(row.cross_az_unknown_bytes));
      cells.push_back(row.cross_az_bytes
                          ? usd_cell(*row.cross_az_bytes, report.cross_az_usd_per_gib)
                          : std::string());
    }
    if (sampled) {
      const SampledBytes counted = row.sampled.value_or(SampledBytes{});
      cells.emplace_back("true");
      cells.push_back(std::to_string(counted.bytes_read));
      cells.push_back(std::to_string(counted.bytes_written));
    }
    if (!buckets) {
      write_line(cells);
      continue;
    }
    if (report.series_buckets <= 0) {
      // No bucket at all in the report: the row once, bucket cells empty.
      cells.insert(cells.end(), 3, std::string());
      write_line(cells);
      continue;
    }
    // A line a bucket, each the row's cells (joined once) and the bucket's
    // three, which need no quoting; written in batches. (Cell by cell
    // through the stream, the 3.6 M lines of `--from-store --since 30d
    // --bucket 1h --top 0` took 4.9 s; docs/PERFORMANCE.md.)
    std::string prefix;
    join(cells, &prefix);
    prefix += separator;
    const std::vector<BucketCell> dense =
        row.series.dense(report.series_start, report.bucket_s, report.series_buckets);
    for (size_t k = 0; k < dense.size(); ++k) {
      const BucketCell& b = dense[k];
      // --sample: buckets no slice overlaps are absent (no line).
      if (sampled && !report.sample->covers_bucket(b.start, report.bucket_s)) continue;
      batch += prefix;
      batch += bucket_starts[k];
      batch += separator;
      char number[20];
      batch.append(number, write_decimal(number, b.bytes_read));
      batch += separator;
      batch.append(number, write_decimal(number, b.bytes_written));
      batch += eol;
      if (batch.size() >= kBatchBytes) {
        out << batch;
        batch.clear();
      }
    }
    out << batch;
    batch.clear();
  }
}

}  // namespace efstop::report
