// The table for people and the summary for stderr.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "report/safe_text.h"
#include "report/shape.h"
#include "report/units.h"
#include "report/writer.h"
#include "report/writer_internal.h"

namespace efstop::report {

namespace {

// "$12.35", "$0.0042" (four decimals under a dollar so small costs show).
std::string format_usd(double usd) {
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

void add_end_columns(const std::vector<Row>& rows, bool client, std::vector<Column>& columns) {
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

}  // namespace

void write_table(const Report& report, std::ostream& out) {
  const std::vector<Row>& rows = report.rows;
  const bool has_client = report.group_by != GroupBy::kServer;
  const bool has_server = report.group_by != GroupBy::kClient;

  std::vector<Column> columns;
  if (has_client) add_end_columns(rows, true, columns);
  if (has_server) add_end_columns(rows, false, columns);
  const size_t end_columns = columns.size();

  struct Number {
    const char* header;
    bool bytes;
    int64_t (*get)(const Counters&);
  };
  static constexpr Number kNumbers[] = {
      {"READ", true, [](const Counters& c) { return c.bytes_read; }},
      {"WRITTEN", true, [](const Counters& c) { return c.bytes_written; }},
      {"TOTAL", true, [](const Counters& c) { return c.bytes_total(); }},
      {"PACKETS", false, [](const Counters& c) { return c.packets; }},
      {"FLOWS", false, [](const Counters& c) { return c.flows; }},
      {"REJECTED", false, [](const Counters& c) { return c.rejected; }},
  };
  const auto format_number = [](const Number& number, const Counters& counters) {
    const int64_t value = number.get(counters);
    return number.bytes ? format_iec_bytes(value) : std::to_string(value);
  };
  for (const Number& number : kNumbers) {
    Column column{number.header, true, {}, 0};
    for (const Row& row : rows) column.cells.push_back(format_number(number, row.counters));
    column.cells.push_back(format_number(number, report.totals));
    columns.push_back(std::move(column));
  }

  // Cross-AZ rows (names on): a flag and the estimated transfer cost.
  const bool any_cross_az = std::any_of(rows.begin(), rows.end(),
                                        [](const Row& r) { return r.cross_az_bytes.has_value(); });
  if (any_cross_az) {
    Column flag{"XAZ", false, {}, 0};
    Column cost{"XAZ COST", true, {}, 0};
    int64_t cross_total = 0;
    for (const Row& row : rows) {
      const bool crossed = row.cross_az_bytes && *row.cross_az_bytes > 0;
      flag.cells.push_back(crossed ? "yes" : (row.cross_az_bytes ? "no" : "?"));
      cost.cells.push_back(
          crossed ? format_usd(cross_az_cost_usd(*row.cross_az_bytes, report.cross_az_usd_per_gib))
                  : std::string());
      cross_total += row.cross_az_bytes.value_or(0);
    }
    flag.cells.push_back("");
    // The TOTAL line covers all rows; the shown ones alone would understate it.
    const bool rows_cut = report.total_rows > static_cast<int64_t>(rows.size());
    cost.cells.push_back(
        cross_total > 0 && !rows_cut
            ? format_usd(cross_az_cost_usd(cross_total, report.cross_az_usd_per_gib))
            : std::string());
    columns.push_back(std::move(flag));
    columns.push_back(std::move(cost));
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
    out << line << '\n';
  };
  write_line([](const Column& column) -> const std::string& { return column.header; });
  for (size_t r = 0; r <= rows.size(); ++r) {
    write_line([r](const Column& column) -> const std::string& { return column.cells[r]; });
  }
}

void write_summary(const Report& report, std::ostream& out) {
  const Stats& s = report.stats;
  if (report.window.start || report.window.end) {
    out << "window: "
        << (report.window.start ? format_iso8601_utc(*report.window.start) : std::string("open"))
        << " .. "
        << (report.window.end ? format_iso8601_utc(*report.window.end) : std::string("open"))
        << '\n';
  }
  std::string unit = report.group_by == GroupBy::kPair     ? "pair"
                     : report.group_by == GroupBy::kClient ? "client"
                                                           : "server";
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
      << s.nodata << " nodata + " << s.skipdata << " skipdata\n";
  if (s.below_min_bytes > 0) {
    out << "min-bytes: " << s.below_min_bytes << " pairs below the minimum left out\n";
  }
  for (const std::string& note : report.notes) out << "note: " << sanitize_text(note) << '\n';
}

}  // namespace efstop::report
