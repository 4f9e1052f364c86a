#include "report/writer.h"

#include "report/writer_internal.h"

namespace efstop::report {

namespace internal {

const std::vector<EndField>& end_fields() {
  static const std::vector<EndField> kFields = {
      {&End::name, "NAME", "name"}, {&End::kind, "KIND", "kind"},          {&End::id, "ID", "id"},
      {&End::az, "AZ", "az"},       {&End::account, "ACCOUNT", "account"},
  };
  return kFields;
}

std::vector<EndField> fields_in_use(const std::vector<Row>& rows, bool client) {
  std::vector<EndField> used;
  for (const EndField& field : end_fields()) {
    for (const Row& row : rows) {
      const std::optional<End>& end = client ? row.client : row.server;
      if (end && !((*end).*field.member).empty()) {
        used.push_back(field);
        break;
      }
    }
  }
  return used;
}

std::string join_ips(const End& end) {
  std::string joined;
  for (const std::string& ip : end.ips) {
    if (!joined.empty()) joined += ',';
    joined += ip;
  }
  return joined;
}

}  // namespace internal

std::optional<OutputFormat> parse_output_format(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "tsv") return OutputFormat::kTsv;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  if (name == "ndjson") return OutputFormat::kNdjson;
  if (name == "html") return OutputFormat::kHtml;
  return std::nullopt;
}

std::string_view output_format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      return "table";
    case OutputFormat::kTsv:
      return "tsv";
    case OutputFormat::kCsv:
      return "csv";
    case OutputFormat::kJson:
      return "json";
    case OutputFormat::kNdjson:
      return "ndjson";
    case OutputFormat::kHtml:
      return "html";
  }
  return "table";
}

std::string_view output_format_choices() { return "table|tsv|csv|json|ndjson|html"; }

Status write_report(const Report& report, OutputFormat format, std::ostream& out,
                    const TableOptions& table) {
  switch (format) {
    case OutputFormat::kTable:
      write_table(report, out, table);
      break;
    case OutputFormat::kTsv:
      write_delimited(report, '\t', out);
      break;
    case OutputFormat::kCsv:
      write_delimited(report, ',', out);
      break;
    case OutputFormat::kJson:
      write_json(report, out);
      break;
    case OutputFormat::kNdjson:
      write_ndjson(report, out);
      break;
    case OutputFormat::kHtml:
      write_html(report, out);
      break;
  }
  out.flush();
  if (!out) return io_error("write report: output stream failed");
  return Status();
}

}  // namespace efstop::report
