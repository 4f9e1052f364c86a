// The table for people and the summary for stderr.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "report/safe_text.h"
#include "report/shape.h"
#include "report/units.h"
#include "report/writer.h"
#include "report/writer_internal.h"

namespace efstop::report {

namespace {

// "$12.35", "$0.0042" (four decimals under a dollar so small costs show),
// "<$0.0001" for a cost that is not zero but would print as one.
std::string format_usd(double usd) {
  if (usd > 0.0 && usd < 0.00005) return "<$0.0001";
  char buf[32];
  std::snprintf(buf, sizeof buf, usd < 1.0 ? "$%.4f" : "$%.2f", usd);
  return buf;
}

struct Column {
  std::string header;
  bool right_aligned = false;
  std::vector<std::string> cells;  // one per line: data rows, then TOTAL
  size_t width = 0;
};

// Every column of an end: its addresses, then each optional field some row
// sets (the --wide layout, and the only one without names).
void add_wide_end_columns(const std::vector<Row>& rows, bool client, std::vector<Column>& columns) {
  const std::string prefix = client ? "CLIENT" : "SERVER";
  Column ip_column{prefix, false, {}, 0};
  for (const Row& row : rows) {
    const End* end = internal::end_of(row, client);
    ip_column.cells.push_back(end ? sanitize_text(internal::join_ips(*end)) : std::string());
  }
  columns.push_back(std::move(ip_column));
  for (const internal::EndField& field : internal::fields_in_use(rows, client)) {
    Column column{prefix + " " + field.table_label, false, {}, 0};
    for (const Row& row : rows) {
      const End* end = internal::end_of(row, client);
      column.cells.push_back(end ? sanitize_text(end->*field.member) : std::string());
    }
    columns.push_back(std::move(column));
  }
}

// What the compact table calls an end: its name, except where the name
// says nothing the address would not (external, unresolved: the reason is
// in the summary and the JSON stats) or is missing.
std::string display_name(const End& end) {
  if (end.name.empty() || end.kind == "external" || end.kind == "unresolved") {
    return internal::join_ips(end);
  }
  return end.name;
}

// `text` sanitised, then " (suffix)" when there is one, cut to `max_width`
// columns; the name gives way, so the suffix always shows whole.
std::string with_suffix(const std::string& text, const std::string& suffix, size_t max_width) {
  if (suffix.empty()) return truncate_to_width(sanitize_text(text), max_width);
  const std::string tail = " (" + sanitize_text(suffix) + ")";
  const size_t room = max_width > display_width(tail) + 1 ? max_width - display_width(tail) : 1;
  return truncate_to_width(sanitize_text(text), room) + tail;
}

// What tells an end apart from another of the same name: its resource id,
// else its addresses.
std::string identity(const End& end) { return end.id.empty() ? internal::join_ips(end) : end.id; }

// The shortest prefix of `id` that keeps it apart from every other id in
// `others` (at least the part up to '-' and 4 more characters: "i-0ab1").
std::string short_id(const std::string& id, const std::vector<std::string>& others) {
  const size_t dash = id.find('-');
  size_t length = std::min(id.size(), (dash == std::string::npos ? 0 : dash + 1) + 4);
  const auto clashes = [&](size_t n) {
    return std::any_of(others.begin(), others.end(), [&](const std::string& other) {
      return other != id && other.compare(0, n, id, 0, n) == 0;
    });
  };
  while (length < id.size() && clashes(length)) ++length;
  return id.substr(0, length);
}

// The compact name cells of one end, one per row: display_name, cut to
// `max_width`, and where two different ends (different ids, or addresses
// when there is no id) would show the same name, the name followed by a
// short id, `web (i-0ab1)`, so no two of them look alike.
std::vector<std::string> compact_names(const std::vector<Row>& rows, bool client,
                                       size_t max_width) {
  std::map<std::string, std::vector<std::string>> identities;  // name -> its ends' identities
  for (const Row& row : rows) {
    const End* end = internal::end_of(row, client);
    if (end == nullptr) continue;
    std::vector<std::string>& ids = identities[display_name(*end)];
    const std::string id = identity(*end);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  std::vector<std::string> cells;
  for (const Row& row : rows) {
    const End* end = internal::end_of(row, client);
    if (end == nullptr) {
      cells.emplace_back();
      continue;
    }
    const std::string name = display_name(*end);
    const std::vector<std::string>& ids = identities[name];
    cells.push_back(
        with_suffix(name, ids.size() > 1 ? short_id(identity(*end), ids) : "", max_width));
  }
  return cells;
}

// The compact layout of one end (see TableOptions): a name column, a kind
// column unless every end is of the one kind the header already says, and
// an AZ column.
void add_compact_end_columns(const std::vector<Row>& rows, bool client, const TableOptions& options,
                             std::vector<Column>& columns) {
  const auto all_ends = [&](auto predicate) {
    return std::all_of(rows.begin(), rows.end(), [&](const Row& row) {
      const End* end = internal::end_of(row, client);
      return end == nullptr || predicate(*end);
    });
  };
  const auto any_end = [&](auto predicate) {
    return !all_ends([&](const End& end) { return !predicate(end); });
  };
  const auto add_column = [&](std::string header, size_t max_width, auto cell_of) {
    Column column{std::move(header), false, {}, 0};
    for (const Row& row : rows) {
      const End* end = internal::end_of(row, client);
      column.cells.push_back(end ? truncate_to_width(sanitize_text(cell_of(*end)), max_width)
                                 : std::string());
    }
    columns.push_back(std::move(column));
  };
  constexpr size_t kNoCap = static_cast<size_t>(-1);

  // --group-by az: the end is its AZ, nothing more to say.
  if (all_ends([](const End& e) { return e.kind == "az"; })) {
    add_column(client ? "CLIENT AZ" : "SERVER AZ", kNoCap, [](const End& e) { return e.name; });
    return;
  }
  const auto add_names = [&](std::string header, size_t max_width) {
    columns.push_back(Column{std::move(header), false, compact_names(rows, client, max_width), 0});
  };
  if (client) {
    add_names("CLIENT", options.max_client_width);
    if (any_end([](const End& e) { return !e.kind.empty(); })) {
      add_column("KIND", options.max_kind_width, [](const End& e) { return e.kind; });
    }
    if (any_end([](const End& e) { return !e.az.empty(); })) {
      add_column("CLIENT AZ", kNoCap, [](const End& e) { return e.az; });
    }
    return;
  }
  const bool all_efs = all_ends([](const End& e) { return e.kind == "efs-mount-target"; });
  add_names(all_efs ? "FILE SYSTEM" : "SERVER", options.max_server_width);
  if (!all_efs && any_end([](const End& e) { return !e.kind.empty(); })) {
    add_column("SERVER KIND", options.max_kind_width, [](const End& e) { return e.kind; });
  }
  if (any_end([](const End& e) { return !e.az.empty(); })) {
    add_column("SERVER AZ", kNoCap, [](const End& e) { return e.az; });
  }
}

// "5m", "1h", "1d", else seconds ("90s").
std::string width_label(int64_t seconds) {
  if (seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

// The --sample factor: "12", or with up to 3 decimals ("8.571").
std::string format_factor(double factor) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", factor);
  std::string out = text;
  out.erase(out.find_last_not_of('0') + 1);
  if (out.back() == '.') out.pop_back();
  return out;
}

// At most this many characters a sparkline: more buckets share a character
// (their bytes summed), so a day of 1m buckets still fits a terminal.
constexpr int64_t kMaxSparkChars = 48;

// The buckets one sparkline character stands for.
int64_t buckets_per_char(int64_t buckets) {
  return (buckets + kMaxSparkChars - 1) / kMaxSparkChars;
}

// One character per group of buckets, height relative to the row's own
// busiest group: a blank for no bytes, else level 1 + (v - 1) * 8 / max
// of 8, so any byte shows and only the busiest reach the top.
std::string sparkline(const Series& series, const Report& report, bool ascii) {
  static const char* const kBlocks[] = {" ",      "\u2581", "\u2582", "\u2583", "\u2584",
                                        "\u2585", "\u2586", "\u2587", "\u2588"};
  static const char* const kAscii[] = {" ", "_", ".", "-", "=", "+", "*", "#", "@"};
  const std::vector<BucketCell> dense =
      series.dense(report.series_start, report.bucket_s, report.series_buckets);
  const int64_t per = std::max<int64_t>(1, buckets_per_char(report.series_buckets));
  std::vector<int64_t> groups;
  for (size_t i = 0; i < dense.size(); ++i) {
    if (i % static_cast<size_t>(per) == 0) groups.push_back(0);
    groups.back() += dense[i].bytes_total();
  }
  int64_t max = 0;
  for (int64_t v : groups) max = std::max(max, v);
  std::string out;
  for (int64_t v : groups) {
    __extension__ typedef unsigned __int128 Wide;
    const int level = v <= 0 ? 0
                             : 1 + static_cast<int>(Wide(static_cast<uint64_t>(v - 1)) * 8 /
                                                    static_cast<uint64_t>(max));
    out += ascii ? kAscii[level] : kBlocks[level];
  }
  return out;
}

// Bytes per second in the busiest bucket: its bytes over the bucket width.
std::string peak_rate(const Series& series, int64_t width) {
  return format_iec_bytes(series.peak_bytes() / width) + "/s";
}

}  // namespace

void write_table(const Report& report, std::ostream& out, const TableOptions& options) {
  const std::vector<Row>& rows = report.rows;
  const bool has_client = report.group_by != GroupBy::kServer;
  const bool has_server = report.group_by != GroupBy::kClient;
  // Compact only when there are names to be compact about; an address-only
  // report has nothing to leave out.
  const bool compact = !options.wide && (!internal::fields_in_use(rows, true).empty() ||
                                         !internal::fields_in_use(rows, false).empty());

  std::vector<Column> columns;
  // Several accounts / regions: their columns first, when the rows hold
  // more than one of them (one value is said once, in the summary).
  for (const bool account : {true, false}) {
    if (!(account ? report.by_account : report.by_region)) continue;
    std::set<std::string> seen;
    for (const Row& row : rows) seen.insert(account ? row.account : row.region);
    if (seen.size() < 2) continue;
    Column column{account ? "ACCOUNT" : "REGION", false, {}, 0};
    for (const Row& row : rows)
      column.cells.push_back(sanitize_text(account ? row.account : row.region));
    columns.push_back(std::move(column));
  }
  std::vector<std::pair<size_t, bool>> name_columns;  // (column, client) of each end's first
  for (const bool client : {true, false}) {
    if (!(client ? has_client : has_server)) continue;
    name_columns.emplace_back(columns.size(), client);
    if (compact) {
      add_compact_end_columns(rows, client, options, columns);
    } else {
      add_wide_end_columns(rows, client, columns);
    }
  }
  const size_t end_columns = columns.size();
  if (compact) {
    // Rows that still look the same (one resource over two addresses: a
    // mount target's IPv4 and IPv6, an instance's two ENIs) show the
    // address of each end where the addresses differ.
    std::map<std::string, std::vector<size_t>> looks;  // the row's end cells -> rows
    for (size_t r = 0; r < rows.size(); ++r) {
      std::string key;
      for (size_t c = 0; c < end_columns; ++c) key += columns[c].cells[r] + '\x1f';
      looks[key].push_back(r);
    }
    for (const auto& [key, same] : looks) {
      if (same.size() < 2) continue;
      for (const auto& [column, client] : name_columns) {
        const End* first = internal::end_of(rows[same.front()], client);
        const bool differ = std::any_of(same.begin(), same.end(), [&](size_t r) {
          const End* end = internal::end_of(rows[r], client);
          return first && end && end->ips != first->ips;
        });
        if (!differ) continue;
        for (const size_t r : same) {
          columns[column].cells[r] +=
              " (" + sanitize_text(internal::join_ips(*internal::end_of(rows[r], client))) + ")";
        }
      }
    }
  }

  struct Number {
    const char* header;
    bool bytes;
    bool in_compact;
    int64_t (*get)(const Counters&);
  };
  static constexpr Number kNumbers[] = {
      {"READ", true, true, [](const Counters& c) { return c.bytes_read; }},
      {"WRITTEN", true, true, [](const Counters& c) { return c.bytes_written; }},
      {"TOTAL", true, true, [](const Counters& c) { return c.bytes_total(); }},
      {"PACKETS", false, false, [](const Counters& c) { return c.packets; }},
      {"FLOWS", false, true, [](const Counters& c) { return c.flows; }},
      {"REJECTED", false, true, [](const Counters& c) { return c.rejected; }},
  };
  // --sample: the bytes are estimates, marked with a leading '~'.
  const std::string estimate_mark = report.sample ? "~" : "";
  const auto format_number = [&estimate_mark](const Number& number, const Counters& counters) {
    const int64_t value = number.get(counters);
    if (std::string_view(number.header) == "PACKETS" && !counters.packets_known()) {
      // "-": no record's packets were known; "N+?": N from the records whose
      // were, the others' unknown (the cross-AZ "+?" convention).
      return counters.packets_unknown >= counters.flows ? std::string("-")
                                                        : std::to_string(value) + "+?";
    }
    return number.bytes ? estimate_mark + format_iec_bytes(value) : std::to_string(value);
  };
  for (const Number& number : kNumbers) {
    if (compact && !number.in_compact) continue;
    Column column{number.header, true, {}, 0};
    for (const Row& row : rows) column.cells.push_back(format_number(number, row.counters));
    column.cells.push_back(format_number(number, report.totals));
    columns.push_back(std::move(column));
  }

  // --bucket: the peak rate and a sparkline of each row's series.
  if (report.bucket_s > 0) {
    Column peak{"PEAK/S", true, {}, 0};
    const int64_t per = buckets_per_char(report.series_buckets);
    std::string header = "PER " + width_label(report.bucket_s);
    if (per > 1) header = "PER " + width_label(report.bucket_s * per);
    Column spark{header, false, {}, 0};
    for (const Row& row : rows) {
      peak.cells.push_back(peak_rate(row.series, report.bucket_s));
      spark.cells.push_back(sparkline(row.series, report, options.ascii));
    }
    peak.cells.push_back(peak_rate(report.totals_series, report.bucket_s));
    spark.cells.push_back(sparkline(report.totals_series, report, options.ascii));
    columns.push_back(std::move(peak));
    columns.push_back(std::move(spark));
  }

  // Cross-AZ rows (names on): a flag and the estimated transfer cost.
  // "+?" marks a cost that is a lower bound: some bytes have an unknown AZ.
  const bool any_cross_az =
      std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.has_cross_az(); });
  if (any_cross_az) {
    // Wide: a flag and the cost. Compact: one column, the cost when bytes
    // crossed, else "no" (known not to) or "?" (an AZ is unknown).
    Column flag{compact ? "CROSS-AZ" : "XAZ", compact, {}, 0};
    Column cost{"XAZ COST", true, {}, 0};
    int64_t cross_total = 0;
    bool any_unknown = false;
    const auto usd_of = [&](int64_t crossed, bool unknown) {
      return format_usd(cross_az_cost_usd(crossed, report.cross_az_usd_per_gib)) +
             (unknown ? "+?" : "");
    };
    for (const Row& row : rows) {
      const int64_t crossed = row.cross_az_bytes.value_or(0);
      const bool unknown = row.cross_az_unknown_bytes > 0;
      const std::string usd = crossed > 0 ? usd_of(crossed, unknown) : std::string();
      const std::string state = unknown || !row.cross_az_bytes ? "?" : "no";
      flag.cells.push_back(compact        ? (crossed > 0 ? usd : state)
                           : crossed == 0 ? state
                           : unknown      ? "yes+?"
                                          : "yes");
      cost.cells.push_back(usd);
      cross_total += crossed;
      any_unknown |= unknown;
    }
    // The TOTAL line covers all rows; the shown ones alone would understate it.
    const bool rows_cut = report.total_rows > static_cast<int64_t>(rows.size());
    const std::string total_usd =
        cross_total > 0 && !rows_cut ? usd_of(cross_total, any_unknown) : std::string();
    flag.cells.push_back(compact ? total_usd : std::string());
    cost.cells.push_back(total_usd);
    columns.push_back(std::move(flag));
    if (!compact) columns.push_back(std::move(cost));
  }

  // The TOTAL line sums every row, also those --top left out; say so.
  const bool cut = report.total_rows > static_cast<int64_t>(rows.size());
  const std::string total_label =
      cut ? "TOTAL (all " + std::to_string(report.total_rows) + ")" : std::string("TOTAL");
  for (size_t i = 0; i < end_columns; ++i) columns[i].cells.push_back(i == 0 ? total_label : "");

  for (Column& column : columns) {
    column.width = display_width(column.header);
    for (const std::string& cell : column.cells) {
      column.width = std::max(column.width, display_width(cell));
    }
  }

  const auto write_line = [&](auto cell_of) {
    std::string line;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string& cell = cell_of(columns[c]);
      const size_t pad = columns[c].width - display_width(cell);
      if (c > 0) line += "  ";
      if (columns[c].right_aligned) line.append(pad, ' ');
      line += cell;
      // Pad left-aligned cells only when something follows (no trailing
      // blanks at the end of a line).
      if (!columns[c].right_aligned && c + 1 < columns.size()) line.append(pad, ' ');
    }
    // An empty last cell (a cost not shown) leaves no trailing blanks.
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  write_line([](const Column& column) -> const std::string& { return column.header; });
  for (size_t r = 0; r <= rows.size(); ++r) {
    write_line([r](const Column& column) -> const std::string& { return column.cells[r]; });
  }
  write_file_system_summary(report, out);
}

namespace {

// " in account 444455556666 us-west-2" for a file system of a report across
// accounts and regions (" in us-west-2" with --regions alone), "" otherwise.
std::string scope_text(const FileSystemMetrics& fs) {
  if (fs.account.empty() && fs.region.empty()) return "";
  std::string s = " in";
  if (!fs.account.empty()) s += " account " + sanitize_text(fs.account);
  if (!fs.region.empty()) s += " " + sanitize_text(fs.region);
  return s;
}

}  // namespace

void write_partial_notice(const Report& report, std::ostream& out) {
  if (!report.partial) return;
  size_t n = 0, scopes = 0;  // failed files and objects; failed accounts or regions
  for (const FailedInput& f : report.failed_inputs) ++(f.scope ? scopes : n);
  if (scopes > 0) {
    out << "partial: " << scopes << (scopes == 1 ? " account or region" : " accounts or regions")
        << " could not be read; the report leaves out " << (scopes == 1 ? "its" : "their")
        << " records\n";
  }
  if (n > 0) {
    out << "partial: " << n << " of " << report.stats.files << " input"
        << (report.stats.files == 1 ? "" : "s") << " could not be read; the report leaves out "
        << (n == 1 ? "its" : "their") << " records\n";
  }
  for (const FailedInput& f : report.failed_inputs) {
    out << "partial: " << sanitize_text(f.input) << ": " << sanitize_text(f.error) << '\n';
  }
  // The bytes are all there; some names, or the metrics, are not.
  bool metrics_call_failed = false;
  for (const FailedCall& f : report.failed_calls) {
    if (f.metrics) {
      metrics_call_failed = true;
      out << "partial: metrics" << (f.scope.empty() ? "" : " in " + sanitize_text(f.scope)) << ": "
          << sanitize_text(f.call)
          << " failed; no coverage, saturation or cost is drawn without it: "
          << sanitize_text(f.error) << '\n';
      continue;
    }
    out << "partial: names" << (f.scope.empty() ? "" : " in " + sanitize_text(f.scope)) << ": "
        << sanitize_text(f.call) << " failed";
    if (f.ips > 0) {
      out << ", " << f.ips << " address" << (f.ips == 1 ? "" : "es") << " left without a name";
    }
    out << ": " << sanitize_text(f.error) << '\n';
  }
  // A metric that could not be read leaves its conclusions out (never zero).
  if (report.file_systems) {
    for (const FileSystemMetrics& fs : *report.file_systems) {
      for (const MetricFailure& f : fs.failures) {
        // The call that failed has its line above, not one per file system.
        if (f.metric == "*" && metrics_call_failed) continue;
        out << "partial: metrics of " << sanitize_text(fs.id) << scope_text(fs) << ": "
            << sanitize_text(f.metric == "*" ? "GetMetricData" : f.metric) << ": "
            << sanitize_text(f.status)
            << (f.message.empty() ? std::string() : " (" + sanitize_text(f.message) + ")") << '\n';
      }
    }
  }
}

namespace {

std::string percent_text(double fraction) {
  return std::to_string(static_cast<int64_t>(std::floor(fraction * 100.0 + 0.5))) + " %";
}

std::string usd_text(double usd) {
  if (usd > 0 && usd < 0.0001) return "<$0.0001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", usd);
  return buf;
}

// "14:05–14:35 UTC" (the date too when the interval is not within one day).
std::string interval_text(int64_t start, int64_t end) {
  const std::string a = format_iso8601_utc(start), b = format_iso8601_utc(end);
  // "2026-11-26T14:05:00Z"
  if (a.substr(0, 10) == b.substr(0, 10) || (end - start <= 86400 && b.substr(11, 5) == "00:00")) {
    return a.substr(0, 10) + " " + a.substr(11, 5) + "\u2013" + b.substr(11, 5) + " UTC";
  }
  return a.substr(0, 10) + " " + a.substr(11, 5) + " \u2013 " + b.substr(0, 10) + " " +
         b.substr(11, 5) + " UTC";
}

}  // namespace

namespace {

// "clients: 2 in the flows, at most 3 connected (ClientConnections);
// metadata 4 % of IO (MetadataIOBytes / TotalIOBytes)": more connected than
// seen suggests clients without flow logs (or idle ones); a high metadata
// share, small-file or listing-heavy work. Empty when neither metric was
// read.
std::string connections_line(const FileSystemMetrics& fs) {
  std::string s;
  if (fs.peak_connections) {
    char buf[32];
    const double p = *fs.peak_connections;
    std::snprintf(buf, sizeof buf, p == std::floor(p) ? "%.0f" : "%.1f", p);
    s = "clients: " + std::to_string(fs.flow_clients) + " in the flows, at most " + buf +
        " connected (ClientConnections, busiest bucket)";
  }
  if (fs.metadata_share) {
    s += (s.empty() ? "" : "; ") + std::string("metadata ") + percent_text(*fs.metadata_share) +
         " of IO (MetadataIOBytes / TotalIOBytes)";
  }
  return s;
}

}  // namespace

std::string saturation_sentence(const FileSystemMetrics& fs, bool sampled) {
  if (fs.saturation.empty()) return "";
  std::string who = fs.id;
  if (!fs.name.empty()) who += " (" + fs.name + ")";
  std::string s = who + " was at its limit ";
  if (sampled) {
    s += "in " + std::to_string(fs.saturated_slices) + " of " + std::to_string(fs.sampled_slices) +
         " sampled slice" + (fs.sampled_slices == 1 ? "" : "s") + ", ";
  }
  for (size_t i = 0; i < fs.saturation.size(); ++i) {
    if (i > 0) s += i + 1 == fs.saturation.size() ? " and " : ", ";
    s += interval_text(fs.saturation[i].start, fs.saturation[i].end);
  }
  if (!fs.saturation_clients.empty()) {
    const SaturationClient& top = fs.saturation_clients.front();
    const char* own =
        sampled ? " of its own bytes in the sampled slices)" : " of its own bytes in the window)";
    s += "; " + top.client + " moved " + percent_text(top.share_of_fs) +
         " of the flow bytes to and from it then (" + percent_text(top.share_of_own) + own;
  } else {
    s += "; no flow bytes of any client fell then";
  }
  return s;
}

void write_file_system_summary(const Report& report, std::ostream& out) {
  if (!report.file_systems || report.file_systems->empty()) return;
  out << '\n';
  for (const FileSystemMetrics& fs : *report.file_systems) {
    std::string who = fs.id;
    if (!fs.name.empty()) who += " (" + fs.name + ")";
    out << "file system " << sanitize_text(who) << scope_text(fs);
    if (!fs.throughput_mode.empty()) out << ", " << sanitize_text(fs.throughput_mode);
    const bool sampled = report.sample.has_value();
    out << ", " << fs.period_s << " s buckets";
    // --sample: every figure below is of the buckets inside the slices.
    if (sampled) {
      out << " in " << fs.sampled_slices << " sampled slice" << (fs.sampled_slices == 1 ? "" : "s");
    }
    const Coverage& c = fs.coverage;
    const auto ratio = [](const std::optional<double>& r) {
      if (!r) return std::string("-");
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2f", *r);
      return std::string(buf);
    };
    out << ": flows/metric read " << ratio(c.ratio_read) << ", written " << ratio(c.ratio_written)
        << '\n';
    if (c.low_read || c.low_written) {
      out << "  warning: the flow logs saw far fewer bytes than EFS counted ("
          << (c.low_read ? "read" : "") << (c.low_read && c.low_written ? ", " : "")
          << (c.low_written ? "written" : "")
          << "): mount targets without flow logs, or records lost or not yet delivered\n";
    }
    for (const MetricFailure& f : fs.failures) {
      out << "  not read: " << sanitize_text(f.metric == "*" ? "GetMetricData" : f.metric) << " ("
          << sanitize_text(f.status) << ")\n";
    }
    if (const std::string s = connections_line(fs); !s.empty()) out << "  " << s << '\n';
    if (const std::string s = saturation_sentence(fs, sampled); !s.empty()) {
      out << "  " << sanitize_text(s) << '\n';
    } else if (fs.failures.empty() && fs.datapoints == 0) {
      // Nothing was measured: "never at its limit" would be a conclusion
      // drawn without data.
      out << "  no datapoints: CloudWatch returned none for its metrics in the ";
      if (sampled) {
        out << fs.sampled_slices << " sampled slice" << (fs.sampled_slices == 1 ? "" : "s");
      } else {
        out << "window";
      }
      out << ", so nothing is judged (no I/O then, metrics not yet published, or not the file "
             "system's region)\n";
    } else if (fs.failures.empty() && fs.judged_buckets == 0) {
      // Points came, but none a limit test reads (e.g. only
      // ClientConnections): no verdict either.
      out << "  limit not judged: CloudWatch returned no PercentIOLimit, no MeteredIOBytes with "
             "PermittedThroughput and no two BurstCreditBalance points in a row in the "
          << (sampled ? "sampled slices" : "window") << '\n';
    } else if (fs.failures.empty()) {
      if (sampled) {
        out << "  never at its limit in the " << fs.sampled_slices << " sampled slice"
            << (fs.sampled_slices == 1 ? "" : "s");
      } else {
        out << "  never at its limit in the window";
      }
      if (fs.judged_buckets < fs.compared_buckets) {
        out << " (judged in " << fs.judged_buckets << " of " << fs.compared_buckets
            << " periods; the others had no limit data)";
      }
      out << '\n';
    }
    if (fs.read_usd) {
      // --sample: the costs are estimates, marked ~ as the rows' bytes are.
      const std::string est = fs.sampled_read_usd ? "~" : "";
      out << "  data access " << est << usd_text(*fs.read_usd + fs.write_usd.value_or(0));
      const size_t shown = std::min<size_t>(fs.costs.size(), 3);
      for (size_t i = 0; i < shown; ++i) {
        out << (i == 0 ? ": " : ", ") << sanitize_text(fs.costs[i].client) << ' ' << est
            << usd_text(fs.costs[i].total_usd());
      }
      if (fs.costs.size() > shown) out << ", " << fs.costs.size() - shown << " more";
      if (fs.unattributed_usd > 0) {
        out << "; no flows for " << est << usd_text(fs.unattributed_usd);
      }
      if (fs.sampled_read_usd && report.sample) {
        out << " (the sampled slices' "
            << usd_text(*fs.sampled_read_usd + fs.sampled_write_usd.value_or(0)) << " x "
            << format_factor(report.sample->factor) << ')';
      }
      out << '\n';
    }
  }
}

void write_summary(const Report& report, std::ostream& out) {
  const Stats& s = report.stats;
  write_partial_notice(report, out);
  if (report.window.start || report.window.end) {
    out << "window: "
        << (report.window.start ? format_iso8601_utc(*report.window.start) : std::string("open"))
        << " .. "
        << (report.window.end ? format_iso8601_utc(*report.window.end) : std::string("open"))
        << '\n';
  } else if (report.totals.first_seen && report.totals.last_seen) {
    // No window asked for: say which time the records counted cover.
    out << "window: none given; records counted from "
        << format_iso8601_utc(*report.totals.first_seen) << " to "
        << format_iso8601_utc(*report.totals.last_seen) << '\n';
  }
  if (report.sample) {
    const SampleInfo& x = *report.sample;
    out << "sample: " << width_label(x.span_s) << " of every " << width_label(x.period_s) << ", "
        << x.slices << " slice" << (x.slices == 1 ? "" : "s")
        << "; bytes marked ~ are estimates: the sampled " << x.sampled_totals.bytes_total()
        << " bytes (" << format_iec_bytes(x.sampled_totals.bytes_total()) << ") x "
        << format_factor(x.factor) << "; packets, flows and rejected count the sampled records\n";
  }
  std::string unit = report.group_by == GroupBy::kPair     ? "pair"
                     : report.group_by == GroupBy::kClient ? "client"
                                                           : "server";
  // Rows merged by names before grouping (cli's --group-by fs|name|az) are
  // pairs of something else than addresses: say of what.
  const std::string asked = report.run ? report.run->group_by : std::string();
  if (asked == "fs") unit = "client/file-system pair";
  if (asked == "name") unit = "client-name/file-system pair";
  if (asked == "az") unit = "AZ pair";
  if (report.total_rows != 1) unit += 's';
  out << "rows: " << report.total_rows << ' ' << unit;
  if (report.total_rows > static_cast<int64_t>(report.rows.size())) {
    out << ", top " << report.rows.size() << " shown";
  } else {
    out << ", all shown";
  }
  out << " (sorted by " << sort_key_name(report.sort_by) << ")\n";
  out << "files: " << s.files << " read, " << s.files_failed << " failed\n";
  out << "lines: " << s.lines << " (" << s.skipped << " skipped)\n";
  out << "records: " << s.records << " = " << s.used << " used + " << s.duplicates
      << " duplicates + " << s.not_efs << " not efs + " << s.outside_window << " outside window + "
      << s.nodata << " nodata + " << s.skipdata << " skipdata";
  if (s.unknown_address > 0) out << " + " << s.unknown_address << " unknown address";
  if (s.outside_scopes > 0) out << " + " << s.outside_scopes << " outside the scopes read";
  out << '\n';
  if (s.unknown_bytes > 0) {
    out << "unknown bytes: " << s.unknown_bytes << " used record"
        << (s.unknown_bytes == 1 ? "" : "s") << " without a byte count ('-'), counted as "
        << (s.unknown_bytes == 1 ? "a flow" : "flows") << " with no bytes\n";
  }
  if (report.totals.packets_unknown > 0) {
    out << "unknown packets: " << report.totals.packets_unknown << " used record"
        << (report.totals.packets_unknown == 1 ? "" : "s")
        << " without a packet count (no packets field, or '-'): PACKETS shows - or N+?\n";
  }
  // REJECTs move no bytes, so their rows sort last; say they are there.
  if (report.totals.rejected > 0) {
    out << "rejected: " << report.totals.rejected << " REJECT record"
        << (report.totals.rejected == 1 ? "" : "s")
        << " (REJECTED column; --sort rejected lists those rows first)\n";
  }
  if (s.below_min_bytes > 0) {
    out << "min-bytes: " << s.below_min_bytes << " pairs below the minimum left out\n";
  }
  for (const std::string& note : report.notes) out << "note: " << sanitize_text(note) << '\n';
}

}  // namespace efstop::report
