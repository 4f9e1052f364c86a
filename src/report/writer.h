// Writers: a Report (model.h) as text on a std::ostream.
//
//   table   aligned columns for people: IEC byte units, a TOTAL line
//   tsv     tab-separated with a header line, exact integers, ISO 8601 UTC
//   csv     RFC 4180 (CRLF, quoted when needed), same columns as tsv
//   json    the contract object {"window","rows","stats"} (docs/json.md)
//   ndjson  one row object per line, then {"stats":{...}}
// Rows are written in the report's order, so output is deterministic.
// Text cells (addresses, names) are sanitised (safe_text.h) in every format
// but JSON, which escapes them instead.
//
// Adding a format (html later): an enumerator, its name in
// parse_output_format/output_format_name, a write_<format> function, and a
// case in write_report.
//
// Functions are thread-safe for distinct streams.
#ifndef EFSTOP_REPORT_WRITER_H_
#define EFSTOP_REPORT_WRITER_H_

#include <optional>
#include <ostream>
#include <string_view>

#include "core/status.h"
#include "report/model.h"

namespace efstop::report {

enum class OutputFormat { kTable, kTsv, kCsv, kJson, kNdjson };

// "table", "tsv", "csv", "json", "ndjson"; nullopt for anything else.
std::optional<OutputFormat> parse_output_format(std::string_view name);
std::string_view output_format_name(OutputFormat format);
// "table|tsv|csv|json|ndjson", for usage messages.
std::string_view output_format_choices();

// Writes `report` in `format`. Returns an io error when the stream reports
// a failure (e.g. disk full), OK otherwise.
Status write_report(const Report& report, OutputFormat format, std::ostream& out);

void write_table(const Report& report, std::ostream& out);
// `separator` is ',' (CSV: RFC 4180 quoting, CRLF line ends) or '\t'
// (TSV: no quoting needed once sanitised, LF line ends).
void write_delimited(const Report& report, char separator, std::ostream& out);
void write_json(const Report& report, std::ostream& out);
void write_ndjson(const Report& report, std::ostream& out);

// The human summary for stderr: window, how many rows are shown, files,
// lines, where every record went (the stats invariant), --min-bytes drops
// and notes. Shape:
//   window: 2026-11-26T14:00:00Z .. open
//   rows: 3 pairs, all shown (sorted by total)
//   files: 2 read, 0 failed
//   lines: 1234 (1 skipped)
//   records: 1233 = 1200 used + 20 duplicates + 10 not efs + 0 outside window + 2 nodata + 1
//   skipdata note: <each note>
void write_summary(const Report& report, std::ostream& out);

}  // namespace efstop::report

#endif  // EFSTOP_REPORT_WRITER_H_
