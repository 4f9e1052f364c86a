// Writers: a Report (model.h) as text on a std::ostream.
//
//   table   aligned columns for people: IEC byte units, a TOTAL line
//   tsv     tab-separated with a header line, exact integers, ISO 8601 UTC
//   csv     RFC 4180 (CRLF, quoted when needed), same columns as tsv
//   json    the contract object {"window","rows","stats"} (docs/json.md)
//   ndjson  one row object per line, then {"stats":{...}}
//   html    one self-contained page: the json text embedded once, drawn by
//           an inline script (docs/report-html.md)
// Rows are written in the report's order, so output is deterministic.
// Text cells (addresses, names) are sanitised (safe_text.h) in every format
// but JSON, which escapes them instead.
//
// Adding a format: an enumerator, its name in
// parse_output_format/output_format_name, a write_<format> function, and a
// case in write_report.
//
// Functions are thread-safe for distinct streams.
#ifndef EFSTOP_REPORT_WRITER_H_
#define EFSTOP_REPORT_WRITER_H_

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/status.h"
#include "report/model.h"

namespace efstop::report {

enum class OutputFormat { kTable, kTsv, kCsv, kJson, kNdjson, kHtml };

// "table", "tsv", "csv", "json", "ndjson", "html"; nullopt for anything else.
std::optional<OutputFormat> parse_output_format(std::string_view name);
std::string_view output_format_name(OutputFormat format);
// "table|tsv|csv|json|ndjson|html", for usage messages.
std::string_view output_format_choices();

// How the table (and only the table) is laid out.
//
// With names (some end carries a name, kind, id, AZ or account) the default
// table is compact, what an SRE reads at a glance, ~150 columns at most:
//   CLIENT (its name, else its addresses), KIND, CLIENT AZ,
//   FILE SYSTEM (the server's name, else its addresses; headed SERVER when
//   some server is not an EFS mount target, with a SERVER KIND column),
//   SERVER AZ, READ, WRITTEN, TOTAL, FLOWS, REJECTED, CROSS-AZ (the
//   estimated cost of the bytes that crossed AZs, "no", or "?" when an AZ
//   is unknown; a cost ending in "+?" is a lower bound: some of the row's
//   bytes have an unknown AZ).
// Names longer than the caps below end in an ellipsis (U+2026); only the
// table truncates, never TSV, CSV or JSON. An end known only by address,
// or merged by AZ (--group-by az), shows its single column.
// `wide` prints every column instead: each end's addresses, name, kind,
// id, AZ and account, PACKETS, and XAZ (yes, no, ?, or yes+? when some
// bytes crossed and others have an unknown AZ) beside XAZ COST.
// Without names both layouts are the same.
struct TableOptions {
  bool wide = false;
  size_t max_client_width = 22;  // CLIENT cell, in terminal columns
  size_t max_server_width = 20;  // FILE SYSTEM / SERVER cell
  size_t max_kind_width = 16;    // KIND cells ("efs-mount-target" fits)
  bool ascii = false;            // --ascii: the --bucket sparkline in plain ASCII
};

// Writes `report` in `format`. Returns an io error when the stream reports
// a failure (e.g. disk full), OK otherwise. `table` applies to kTable only.
Status write_report(const Report& report, OutputFormat format, std::ostream& out,
                    const TableOptions& table = {});

void write_table(const Report& report, std::ostream& out, const TableOptions& options = {});
// `separator` is ',' (CSV: RFC 4180 quoting, CRLF line ends) or '\t'
// (TSV: no quoting needed once sanitised, LF line ends).
void write_delimited(const Report& report, char separator, std::ostream& out);
void write_json(const Report& report, std::ostream& out);
void write_ndjson(const Report& report, std::ostream& out);
// The page: a strict Content-Security-Policy (below), the JSON of
// write_json escaped for a <script type="application/json"> element, the
// page's script and stylesheet. Nothing in it is fetched when it is opened.
void write_html(const Report& report, std::ostream& out);
// The page's policy: default-src 'none', the script and the stylesheet
// allowed by their SHA-256 only.
std::string html_content_security_policy();

// Under the table's rows, when metrics were read (--metrics): per file
// system its coverage ratios, a warning when flows are far below the metric,
// the metrics not read, the saturation sentence and the Elastic costs.
void write_file_system_summary(const Report& report, std::ostream& out);
// "fs-0a... (home) was at its limit 2026-11-26 14:05–14:35 UTC; job moved
// 71 % of the flow bytes to and from it then (92 % of its own bytes in the
// window)": the client with the most flow bytes in the saturated buckets,
// its share of the file system's flow bytes in them, and the share of its
// own window bytes that fell in them. "" when never saturated. With
// `sampled` (--sample) it says the verdict covers the sample: "was at its
// limit in 1 of 24 sampled slices, 2026-11-26 14:05–14:10 UTC; ... (40 % of
// its own bytes in the sampled slices)".
std::string saturation_sentence(const FileSystemMetrics& fs, bool sampled = false);

// When the report is partial: what the report lacks, first thing, one line
// per failed input. Shape:
//   partial: 1 of 5 inputs could not be read; the report leaves out its records
//   partial: s3://b/k.log.gz: connection reset by peer (3 attempts)
// A whole account or region not read (FailedInput::scope) is counted apart
// ("partial: 1 account or region could not be read; ..."): its files were
// never listed, so they are not among the inputs.
// Writes nothing for a whole report.
void write_partial_notice(const Report& report, std::ostream& out);

// The human summary for stderr: the partial notice (first, when partial),
// window, how many rows are shown, files, lines, where every record went
// (the stats invariant), --min-bytes drops and notes. Shape:
//   window: 2026-11-26T14:00:00Z .. open
//   rows: 3 pairs, all shown (sorted by total)
//   files: 2 read, 0 failed
//   lines: 1234 (1 skipped)
//   records: 1233 = 1200 used + 20 duplicates + 10 not efs + 0 outside window + 2 nodata + 1
//   skipdata
//   rejected: 3 REJECT records (...)     when there are some
//   note: <each note>
void write_summary(const Report& report, std::ostream& out);

}  // namespace efstop::report

#endif  // EFSTOP_REPORT_WRITER_H_
