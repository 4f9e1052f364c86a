// JSON and NDJSON: the contract of docs/json.md. Members keep the
// contract's order (ordered_json), output is ASCII (every non-ASCII
// character escaped as \uXXXX, invalid UTF-8 replaced by U+FFFD), so
// hostile tag values cannot reach a terminal through `efstop ... | less`.
#include <cmath>
#include <nlohmann/json.hpp>

#include "report/units.h"
#include "report/writer.h"
#include "report/writer_internal.h"

namespace efstop::report {

namespace {

using Json = nlohmann::ordered_json;

Json time_or_null(const std::optional<int64_t>& t) {
  return t ? Json(format_iso8601_utc(*t)) : Json(nullptr);
}

Json end_json(const End& end) {
  Json j = Json::object();
  // One address is "ip"; a merged end with several is "ips" (docs/json.md).
  if (end.ips.size() == 1) {
    j["ip"] = end.ips.front();
  } else {
    j["ips"] = end.ips;
  }
  for (const internal::EndField& field : internal::end_fields()) {
    const std::string& value = end.*field.member;
    if (!value.empty()) j[field.key] = value;
  }
  return j;
}

Json row_json(const Row& row, double usd_per_gib) {
  Json j = Json::object();
  if (row.client) j["client"] = end_json(*row.client);
  if (row.server) j["server"] = end_json(*row.server);
  const Counters& c = row.counters;
  j["bytes_read"] = c.bytes_read;
  j["bytes_written"] = c.bytes_written;
  j["bytes_total"] = c.bytes_total();
  j["packets"] = c.packets;
  j["flows"] = c.flows;
  j["rejected"] = c.rejected;
  j["first_seen"] = time_or_null(c.first_seen);
  j["last_seen"] = time_or_null(c.last_seen);
  if (row.cross_az_bytes) {
    // true: some bytes crossed; false: none did and none is unknown; absent:
    // none is known to have crossed but some AZ is unknown.
    if (*row.cross_az_bytes > 0 || row.cross_az_unknown_bytes == 0) {
      j["cross_az"] = *row.cross_az_bytes > 0;
    }
    j["cross_az_bytes"] = *row.cross_az_bytes;
    // Cents with two more digits: enough for small rows, stable in diffs.
    j["cross_az_cost_usd"] =
        std::round(cross_az_cost_usd(*row.cross_az_bytes, usd_per_gib) * 10000.0) / 10000.0;
  }
  if (row.cross_az_unknown_bytes > 0) j["cross_az_unknown_bytes"] = row.cross_az_unknown_bytes;
  return j;
}

Json names_json(const NameStats& n) {
  Json j = Json::object();
  j["ips"] = n.ips;
  j["mount_targets"] = n.mount_targets;
  j["looked_up"] = n.looked_up;
  j["cached"] = n.cached;
  j["from_history"] = n.from_history;
  j["labelled"] = n.labelled;
  j["external"] = n.external;
  j["unresolved"] = n.unresolved;
  Json reasons = Json::array();
  for (const UnresolvedReason& r : n.unresolved_reasons) {
    Json reason = Json::object();
    reason["reason"] = r.reason;
    reason["ips"] = r.ips;
    if (!r.iam_action.empty()) reason["iam_action"] = r.iam_action;
    reasons.push_back(std::move(reason));
  }
  j["unresolved_reasons"] = std::move(reasons);
  return j;
}

Json stats_json(const Stats& s, const std::optional<NameStats>& names) {
  Json j = Json::object();
  j["lines"] = s.lines;
  j["records"] = s.records;
  j["used"] = s.used;
  j["skipped"] = s.skipped;
  j["nodata"] = s.nodata;
  j["skipdata"] = s.skipdata;
  j["not_efs"] = s.not_efs;
  j["outside_window"] = s.outside_window;
  j["duplicates"] = s.duplicates;
  j["below_min_bytes"] = s.below_min_bytes;
  j["files"] = s.files;
  j["files_failed"] = s.files_failed;
  if (names) j["names"] = names_json(*names);
  return j;
}

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/true, Json::error_handler_t::replace);
}

// Writes `value` as dump(value, 2) would inside an object at nesting
// `depth`: every line after the first indented by 2 * depth more spaces.
void write_nested(std::ostream& out, const Json& value, int depth) {
  const std::string text = dump(value, 2);
  const std::string pad(static_cast<size_t>(2 * depth), ' ');
  size_t from = 0;
  while (true) {
    const size_t nl = text.find('\n', from);
    out.write(text.data() + from,
              static_cast<std::streamsize>((nl == std::string::npos ? text.size() : nl) - from));
    if (nl == std::string::npos) break;
    out << '\n' << pad;
    from = nl + 1;
  }
}

}  // namespace

// The same text as dump(whole_document, 2), written row by row: a report can
// have tens of thousands of rows, and a JSON tree of all of them took more
// memory than the whole aggregation (30 MB for 18,000 rows).
void write_json(const Report& report, std::ostream& out) {
  out << "{\n  \"window\": ";
  write_nested(
      out,
      Json{{"start", time_or_null(report.window.start)}, {"end", time_or_null(report.window.end)}},
      1);
  out << ",\n  \"rows\": ";
  if (report.rows.empty()) {
    out << "[]";
  } else {
    out << "[";
    for (size_t i = 0; i < report.rows.size(); ++i) {
      out << (i == 0 ? "\n    " : ",\n    ");
      write_nested(out, row_json(report.rows[i], report.cross_az_usd_per_gib), 2);
    }
    out << "\n  ]";
  }
  out << ",\n  \"stats\": ";
  write_nested(out, stats_json(report.stats, report.names), 1);
  if (!report.notes.empty()) {
    out << ",\n  \"notes\": ";
    write_nested(out, Json(report.notes), 1);
  }
  out << "\n}\n";
}

void write_ndjson(const Report& report, std::ostream& out) {
  for (const Row& row : report.rows)
    out << dump(row_json(row, report.cross_az_usd_per_gib), -1) << '\n';
  Json last = Json::object();
  last["stats"] = stats_json(report.stats, report.names);
  out << dump(last, -1) << '\n';
}

}  // namespace efstop::report
