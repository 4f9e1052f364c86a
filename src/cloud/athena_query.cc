#include "cloud/athena_query.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <set>

#include "cloud/s3_source.h"
#include "flowlog/aggregate.h"

namespace efstop::cloud {

namespace {

using flowlog::FieldId;

// The fields the SELECT reads: every field of the default version-2 format
// but version and account-id.
constexpr FieldId kNeeded[] = {FieldId::kInterfaceId, FieldId::kSrcAddr, FieldId::kDstAddr,
                               FieldId::kSrcPort,     FieldId::kDstPort, FieldId::kProtocol,
                               FieldId::kPackets,     FieldId::kBytes,   FieldId::kStart,
                               FieldId::kEnd,         FieldId::kAction,  FieldId::kLogStatus};

// Result column names of the SELECT, in order.
constexpr const char* kSelectColumns[] = {
    "interface_id", "srcaddr",     "dstaddr",   "action",      "log_status",
    "src_not_nfs",  "dst_not_nfs", "in_window", "bytes_known", "packets_known",
    "sum_bytes",    "sum_packets", "records",   "min_start",   "max_end"};
constexpr int kGroupKeys = 10;

std::string column_name(std::string_view field) {
  std::string out(field);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

// The Athena type of a flow-log field (AWS's own flow-log table in the VPC
// user guide, "Query flow logs using Amazon Athena": int for version,
// ports, protocol and tcp-flags, bigint for packets, bytes, start and end,
// string for the rest).
const char* column_type(FieldId id) {
  switch (id) {
    case FieldId::kVersion:
    case FieldId::kSrcPort:
    case FieldId::kDstPort:
    case FieldId::kProtocol:
    case FieldId::kTcpFlags:
      return "int";
    case FieldId::kPackets:
    case FieldId::kBytes:
    case FieldId::kStart:
    case FieldId::kEnd:
      return "bigint";
    default:
      return "string";
  }
}

std::string quote_id(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  out.append(name);
  out.push_back('"');
  return out;
}

// FNV-1a, 64 bits: a stable name for a definition (not a security measure).
uint64_t fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool is_safe_name(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Text (bucket, prefix, region) that goes inside a '...' SQL literal.
bool is_safe_literal(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == '\'' || c == '\\' || c == '`' || static_cast<unsigned char>(c) < 0x20;
  });
}

std::string location_template(const AthenaTable& t) {
  std::string p = "s3://" + t.bucket + "/" + t.prefix + "AWSLogs/";
  const std::string region = t.regions.empty() ? t.region : "${aws_region}";
  if (t.hive) {
    p += "aws-account-id=${aws_account}/aws-service=vpcflowlogs/aws-region=" + region +
         "/year=${year}/month=${month}/day=${day}";
    if (t.per_hour) p += "/hour=${hour}";
  } else {
    p += "${aws_account}/vpcflowlogs/" + region + "/${year}/${month}/${day}";
    if (t.per_hour) p += "/${hour}";
  }
  return p;
}

// The definition without its name: what the hash names.
Result<std::string> definition_body(const AthenaTable& t) {
  for (FieldId id : kNeeded) {
    if (!t.format.has(id)) {
      return invalid_argument_error(
          "athena: the flow log format lacks the " + std::string(flowlog::field_name(id)) +
          " field; the Athena pushdown needs every field of the default format (read the "
          "objects by streaming: leave out --method athena)");
    }
  }
  if (t.accounts.empty()) return invalid_argument_error("athena: no account folder to query");
  for (const std::string& a : t.accounts) {
    if (a.empty() ||
        !std::all_of(a.begin(), a.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return invalid_argument_error("athena: account folder '" + a + "' is not an account id");
    }
  }
  if (!is_safe_literal(t.bucket) || !is_safe_literal(t.prefix) || !is_safe_literal(t.region)) {
    return invalid_argument_error("athena: the bucket, prefix or region holds a quote");
  }
  for (const std::string& r : t.regions) {
    // An enum value: no ',' (the list's separator) and nothing to quote.
    if (r.empty() || !std::all_of(r.begin(), r.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        })) {
      return invalid_argument_error("athena: region folder '" + r + "' is not a region name");
    }
  }
  std::string s = "(\n";
  std::set<std::string> seen;
  for (size_t i = 0; i < t.format.column_count(); ++i) {
    const std::string name = column_name(t.format.column_name(i));
    if (!seen.insert(name).second) {
      return invalid_argument_error("athena: the flow log format names " + name + " twice");
    }
    s += "  `" + name + "` " + column_type(t.format.column_field(i)) +
         (i + 1 < t.format.column_count() ? ",\n" : "\n");
  }
  s += ")\nPARTITIONED BY (`aws_account` string, ";
  if (!t.regions.empty()) s += "`aws_region` string, ";
  s += "`year` int, `month` int, `day` int";
  s += t.per_hour ? ", `hour` int)\n" : ")\n";
  s += t.parquet ? "STORED AS PARQUET\n" : "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '\n";
  s += "LOCATION 's3://" + t.bucket + "/" + t.prefix + "AWSLogs/'\nTBLPROPERTIES (\n";
  if (!t.parquet) s += "  'skip.header.line.count'='1',\n";
  std::string accounts;
  for (const std::string& a : t.accounts) accounts += (accounts.empty() ? "" : ",") + a;
  s += "  'projection.enabled'='true',\n";
  s += "  'projection.aws_account.type'='enum',\n";
  s += "  'projection.aws_account.values'='" + accounts + "',\n";
  if (!t.regions.empty()) {
    std::string regions;
    for (const std::string& r : t.regions) regions += (regions.empty() ? "" : ",") + r;
    s += "  'projection.aws_region.type'='enum',\n";
    s += "  'projection.aws_region.values'='" + regions + "',\n";
  }
  s += "  'projection.year.type'='integer',\n  'projection.year.range'='2000,2100',\n";
  s += "  'projection.year.digits'='4',\n";
  s += "  'projection.month.type'='integer',\n  'projection.month.range'='1,12',\n";
  s += "  'projection.month.digits'='2',\n";
  s += "  'projection.day.type'='integer',\n  'projection.day.range'='1,31',\n";
  s += "  'projection.day.digits'='2',\n";
  if (t.per_hour) {
    s += "  'projection.hour.type'='integer',\n  'projection.hour.range'='0,23',\n";
    s += "  'projection.hour.digits'='2',\n";
  }
  s += "  'storage.location.template'='" + location_template(t) + "'";
  return s;
}

Result<int64_t> parse_int(const std::string& name, const std::string& text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return parse_error("athena row: column " + name + " is not a whole number: '" + text + "'");
  }
  return v;
}

}  // namespace

std::string athena_table_name(const AthenaTable& table) {
  Result<std::string> body = definition_body(table);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a(body.ok() ? *body : std::string())));
  return std::string("efstop_flowlogs_") + hex;
}

Result<std::string> athena_create_table_sql(const AthenaTable& table, const std::string& database) {
  EFSTOP_ASSIGN_OR_RETURN(std::string body, definition_body(table));
  if (!is_safe_name(database)) {
    return invalid_argument_error("athena: database name '" + database +
                                  "': use lowercase letters, digits and '_'");
  }
  const std::string name = athena_table_name(table);
  return "CREATE EXTERNAL TABLE IF NOT EXISTS `" + database + "`.`" + name + "` " + body +
         ",\n  'efstop.definition'='" + name.substr(name.size() - 16) + "'\n)";
}

std::string athena_drop_table_sql(const std::string& database, const std::string& name) {
  return "DROP TABLE IF EXISTS `" + database + "`.`" + name + "`";
}

namespace {

std::string sql_list(const std::vector<std::string>& values) {
  std::string list;
  for (const std::string& v : values) list += (list.empty() ? "'" : ", '") + v + "'";
  return list;
}

// The partition pruning terms.
std::string day_terms(const AthenaTable& table, const std::vector<std::string>& partitions) {
  std::string days;
  for (const std::string& p : partitions) {
    // "YYYY/MM/DD/" or "YYYY/MM/DD/HH/"
    std::string term = "(\"year\" = " + std::to_string(std::stoi(p.substr(0, 4))) +
                       " AND \"month\" = " + std::to_string(std::stoi(p.substr(5, 2))) +
                       " AND \"day\" = " + std::to_string(std::stoi(p.substr(8, 2)));
    if (table.per_hour) term += " AND \"hour\" = " + std::to_string(std::stoi(p.substr(11, 2)));
    days += (days.empty() ? "" : " OR ") + term + ")";
  }
  return days;
}

// The EFS filter: the mount-target addresses, or (none, or some scope
// without any) the port-2049 rule.
std::string efs_filter(const AthenaSelectOptions& o) {
  const std::string port = "(\"protocol\" = 6 AND (\"srcport\" = 2049 OR \"dstport\" = 2049))";
  if (o.server_ips.empty()) return port;
  std::vector<std::string> ips;
  for (const flowlog::IpAddress& ip : o.server_ips) ips.push_back(ip.to_string());
  const std::string list = sql_list(ips);
  std::string f = "\"srcaddr\" IN (" + list + ") OR \"dstaddr\" IN (" + list + ")";
  if (o.port_rule_too) f += " OR " + port;
  return f;
}

std::string ordinals(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += (i > 1 ? ", " : "") + std::to_string(i);
  return out;
}

}  // namespace

std::string s3_key_partition(std::string_view key, bool per_hour) {
  const auto digits = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::string y, m, d, h;
  if (size_t at = key.find("/year="); at != std::string_view::npos) {
    // year=YYYY/month=MM/day=DD/[hour=HH/]
    std::string_view rest = key.substr(at + 1);
    std::string* out[] = {&y, &m, &d, &h};
    const char* names[] = {"year=", "month=", "day=", "hour="};
    for (int i = 0; i < (per_hour ? 4 : 3); ++i) {
      if (rest.rfind(names[i], 0) != 0) return "";
      rest.remove_prefix(std::string_view(names[i]).size());
      const size_t slash = rest.find('/');
      if (slash == std::string_view::npos || !digits(rest.substr(0, slash))) return "";
      *out[i] = std::string(rest.substr(0, slash));
      rest.remove_prefix(slash + 1);
    }
  } else if (size_t v = key.find("/vpcflowlogs/"); v != std::string_view::npos) {
    // vpcflowlogs/<region>/YYYY/MM/DD/[HH/]
    std::string_view rest = key.substr(v + std::string_view("/vpcflowlogs/").size());
    const size_t region_end = rest.find('/');
    if (region_end == std::string_view::npos) return "";
    rest.remove_prefix(region_end + 1);
    const size_t len = per_hour ? 14 : 11;
    if (rest.size() < len) return "";
    y = rest.substr(0, 4);
    m = rest.substr(5, 2);
    d = rest.substr(8, 2);
    if (per_hour) h = rest.substr(11, 2);
    if (rest[4] != '/' || rest[7] != '/' || rest[10] != '/' || (per_hour && rest[13] != '/')) {
      return "";
    }
  } else {
    return "";
  }
  if (!digits(y) || !digits(m) || !digits(d) || (per_hour && !digits(h))) return "";
  std::string out = y + "/" + m + "/" + d + "/";
  if (per_hour) out += h + "/";
  return out;
}

std::vector<std::string> athena_partitions(const AthenaTable& table, const AthenaSelectOptions& o) {
  if (!o.start_ranges) {
    return s3_time_prefixes("", false, table.per_hour, o.window_start, o.window_end);
  }
  std::set<std::string> all;  // "YYYY/MM/DD[/HH]/" sorts as time
  for (const auto& [from, to] : *o.start_ranges) {
    for (std::string& p : s3_time_prefixes("", false, table.per_hour, from, to)) {
      all.insert(std::move(p));
    }
  }
  return std::vector<std::string>(all.begin(), all.end());
}

Result<std::string> athena_select_sql(const AthenaTable& table, const std::string& database,
                                      const AthenaSelectOptions& o) {
  EFSTOP_RETURN_IF_ERROR(definition_body(table).status());
  if (!is_safe_name(database)) {
    return invalid_argument_error("athena: database name '" + database +
                                  "': use lowercase letters, digits and '_'");
  }
  if (o.scoped && table.regions.empty()) {
    return invalid_argument_error("athena: a read across scopes needs a table across regions");
  }
  const int64_t w = o.bucket_s;
  if (o.sample && (w <= 0 || o.sample->span_s % w != 0 || o.sample->period_s % w != 0)) {
    // The caller's contract (flowlog::sample_bucket_width); not the user's.
    return invalid_argument_error("athena: --sample needs buckets that divide its span and period");
  }
  if (o.start_ranges && o.start_ranges->empty()) {
    return invalid_argument_error("athena: no time range to read");
  }
  const std::string S = std::to_string(o.window_start);
  const std::string E = std::to_string(o.window_end);
  const std::string from = quote_id(database) + "." + quote_id(athena_table_name(table));

  // Per-record columns computed once in an inner SELECT, and what it reads.
  std::vector<std::string> inner;
  std::vector<std::string> where;
  if (o.scoped) {
    inner.push_back("CASE WHEN \"log_status\" IN ('NODATA', 'SKIPDATA') OR " + efs_filter(o) +
                    "\n    OR \"srcaddr\" IS NULL OR \"dstaddr\" IS NULL OR \"srcaddr\" = '-' OR "
                    "\"dstaddr\" = '-'\n    THEN 1 ELSE 0 END AS \"efs\"");
    where.push_back("\"aws_account\" IN (" + sql_list(table.accounts) + ")");
    where.push_back("\"aws_region\" IN (" + sql_list(table.regions) + ")");
  }
  if (w > 0) {
    // The record's span, its end cut at the window's end, at least 1 s (an
    // unknown end, or one not after the start: an instant); its first
    // bucket. CASE rather than least/greatest: DuckDB's skip NULLs, Trino's
    // return NULL.
    inner.push_back("CASE WHEN \"end\" IS NULL OR \"end\" <= \"start\" OR \"start\" >= " + E +
                    " THEN 1 WHEN \"end\" > " + E + " THEN " + E +
                    " - \"start\" ELSE \"end\" - \"start\" END AS \"span_s\"");
    inner.push_back("\"start\" - \"start\" % " + std::to_string(w) + " AS \"bucket0\"");
  }
  where.push_back("(" + day_terms(table, athena_partitions(table, o)) + ")");
  if (o.start_ranges) {
    std::string ranges;
    for (const auto& [a, b] : *o.start_ranges) {
      ranges += std::string(ranges.empty() ? "" : " OR ") + "(\"start\" >= " + std::to_string(a) +
                " AND \"start\" < " + std::to_string(b) + ")";
    }
    where.push_back("(" + ranges + ")");
  }
  if (!o.scoped) {
    where.push_back("(\"log_status\" IN ('NODATA', 'SKIPDATA') OR " + efs_filter(o) + ")");
  }

  std::string q;
  int keys = kGroupKeys;
  if (o.scoped) {
    const auto efs_only = [](const char* column) {
      return std::string("  CASE WHEN \"efs\" = 1 THEN \"") + column + "\" END AS " + column +
             ",\n";
    };
    q = "SELECT\n" + efs_only("interface_id") + efs_only("srcaddr") + efs_only("dstaddr") +
        efs_only("action") + efs_only("log_status");
    q += "  CASE WHEN \"efs\" = 1 AND \"srcport\" = 2049 THEN 0 ELSE 1 END AS src_not_nfs,\n";
    q += "  CASE WHEN \"efs\" = 1 AND \"dstport\" = 2049 THEN 0 ELSE 1 END AS dst_not_nfs,\n";
  } else {
    q = "SELECT \"interface_id\", \"srcaddr\", \"dstaddr\", \"action\", \"log_status\",\n";
    q += "  CASE WHEN \"srcport\" = 2049 THEN 0 ELSE 1 END AS src_not_nfs,\n";
    q += "  CASE WHEN \"dstport\" = 2049 THEN 0 ELSE 1 END AS dst_not_nfs,\n";
  }
  q += "  CASE WHEN \"start\" >= " + S + " AND \"start\" < " + E +
       " THEN 1 ELSE 0 END AS in_window,\n";
  q += "  CASE WHEN \"bytes\" IS NULL THEN 0 ELSE 1 END AS bytes_known,\n";
  q += "  CASE WHEN \"packets\" IS NULL THEN 0 ELSE 1 END AS packets_known,\n";
  if (o.scoped) {
    q += "  \"efs\",\n";
    q += table.format.has(FieldId::kAccountId) ? "  \"account_id\" AS record_account,\n"
                                               : "  CAST(NULL AS varchar) AS record_account,\n";
    q += table.format.has(FieldId::kRegion) ? "  \"region\" AS record_region,\n"
                                            : "  CAST(NULL AS varchar) AS record_region,\n";
    q += "  \"aws_account\", \"aws_region\",\n";
    keys += 5;
  }
  std::string upto;
  if (w > 0) {
    const int64_t k_max = (w + kInsightsMaxSpanS - 1) / w;
    q += "  \"bucket0\", CASE WHEN \"end\" IS NULL THEN 0 ELSE 1 END AS end_known,\n";
    q += "  CASE WHEN \"start\" + \"span_s\" - \"bucket0\" > " + std::to_string((k_max + 1) * w) +
         " THEN 1 ELSE 0 END AS beyond,\n";
    keys += 3;
    if (o.sample) {
      // 1 when the record meets a slice: its first bucket lies in one, or
      // it reaches past the start of the next period (insights_query.h).
      const std::string P = std::to_string(o.sample->period_s);
      q += "  CASE WHEN \"bucket0\" % " + P + " < " + std::to_string(o.sample->span_s) +
           " OR \"start\" + \"span_s\" > \"bucket0\" - \"bucket0\" % " + P + " + " + P +
           " THEN 1 ELSE 0 END AS in_sample,\n";
      ++keys;
    }
    // C(t) = floor(bytes * (t - start) / span) at the next K boundaries,
    // exactly in integers: (x - x % s) / s is an exact quotient in Trino
    // and DuckDB alike (DuckDB's '/' gives a double, exact below 2^53),
    // cast back to bigint.
    for (int64_t k = 1; k <= k_max; ++k) {
      const std::string t = "\"bucket0\" + " + std::to_string(k * w) + " - \"start\"";
      const std::string x = "\"bytes\" * (" + t + ")";
      upto += ",\n  sum(CASE WHEN " + t + " < \"span_s\" THEN CAST((" + x + " - " + x +
              " % \"span_s\") / \"span_s\" AS bigint) ELSE \"bytes\" END) AS upto_" +
              std::to_string(k);
    }
  }
  q += "  sum(\"bytes\") AS sum_bytes, sum(\"packets\") AS sum_packets, count(*) AS records,\n";
  q += "  min(\"start\") AS min_start, max(\"end\") AS max_end" + upto + "\n";
  if (inner.empty()) {
    q += "FROM " + from + "\nWHERE ";
    for (size_t i = 0; i < where.size(); ++i) q += (i ? "\n  AND " : "") + where[i];
    q += "\n";
  } else {
    q += "FROM (SELECT *,\n";
    for (size_t i = 0; i < inner.size(); ++i) q += (i ? ",\n  " : "  ") + inner[i];
    q += "\n  FROM " + from + "\n  WHERE ";
    for (size_t i = 0; i < where.size(); ++i) q += (i ? "\n    AND " : "") + where[i];
    q += ") AS r\n";
  }
  q += "GROUP BY " + ordinals(keys) + "\nORDER BY " + ordinals(keys);
  return q;
}

Result<AthenaRowScope> parse_athena_row_scope(
    const std::vector<std::string>& header, const std::vector<std::optional<std::string>>& cells) {
  if (header.size() != cells.size()) {
    return parse_error("athena row: " + std::to_string(cells.size()) + " values for " +
                       std::to_string(header.size()) + " columns");
  }
  AthenaRowScope out;
  int seen = 0;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    const std::string v = cells[i].value_or("");
    if (name == "in_sample") {  // only with --sample
      EFSTOP_ASSIGN_OR_RETURN(int64_t flag, parse_int(name, v));
      out.in_sample = flag != 0;
      continue;
    }
    if (name == "efs" || name == "in_window") {
      EFSTOP_ASSIGN_OR_RETURN(int64_t flag, parse_int(name, v));
      (name == "efs" ? out.efs : out.in_window) = flag != 0;
    } else if (name == "record_account") {
      out.account_field = v;
    } else if (name == "record_region") {
      out.region_field = v;
    } else if (name == "aws_account") {
      out.key_account = v;
    } else if (name == "aws_region") {
      out.key_region = v;
    } else {
      continue;
    }
    ++seen;
  }
  if (seen != 6) return parse_error("athena row: not a row of the query across scopes");
  return out;
}

Result<InsightsRecord> parse_athena_row(const std::vector<std::string>& header,
                                        const std::vector<std::optional<std::string>>& cells) {
  if (header.size() != cells.size()) {
    return parse_error("athena row: " + std::to_string(cells.size()) + " values for " +
                       std::to_string(header.size()) + " columns");
  }
  InsightsRecord out;
  flowlog::FlowRecord& r = out.record;
  r.protocol = 6;  // not grouped: the query's EFS filter decided on it
  r.present |= flowlog::kHasProtocol;
  bool bytes_known = false, packets_known = false, have_records = false;
  std::optional<int64_t> sum_bytes, sum_packets;
  std::set<std::string> seen;
  // With buckets (AthenaSelectOptions::bucket_s): the first bucket, whether
  // the records' end is known, and the cumulative sums upto_1..upto_K.
  std::optional<int64_t> bucket0;
  bool end_known = false;
  std::vector<std::optional<int64_t>> upto_sums;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i];
    seen.insert(name);
    const std::optional<std::string>& v = cells[i];
    const bool unknown = !v || *v == "-" || v->empty();
    if (name == "interface_id") {
      if (!unknown) {
        out.interface_id = *v;
        r.present |= flowlog::kHasInterfaceId;
      }
    } else if (name == "srcaddr" || name == "dstaddr") {
      if (unknown) continue;
      std::optional<flowlog::IpAddress> ip = flowlog::IpAddress::parse(*v);
      if (!ip) return parse_error("athena row: " + name + " is not an address: '" + *v + "'");
      if (name == "srcaddr") {
        r.src = *ip;
        r.present |= flowlog::kHasSrcAddr;
      } else {
        r.dst = *ip;
        r.present |= flowlog::kHasDstAddr;
      }
    } else if (name == "action") {
      if (!v) continue;  // NULL (Parquet): unknown, ACCEPT
      r.present |= flowlog::kHasAction;
      if (*v == "ACCEPT") {
        r.action = flowlog::Action::kAccept;
      } else if (*v == "REJECT") {
        r.action = flowlog::Action::kReject;
      } else if (*v == "-") {
        r.action = flowlog::Action::kNone;
      } else {
        return parse_error("athena row: unknown action '" + *v + "'");
      }
    } else if (name == "log_status") {
      if (v && *v == "NODATA") {
        r.log_status = flowlog::LogStatus::kNoData;
      } else if (v && *v == "SKIPDATA") {
        r.log_status = flowlog::LogStatus::kSkipData;
      }
    } else if (name == "src_not_nfs" || name == "dst_not_nfs") {
      if (!v) return parse_error("athena row: " + name + " is NULL");
      EFSTOP_ASSIGN_OR_RETURN(int64_t flag, parse_int(name, *v));
      const uint16_t port = flag == 0 ? flowlog::kNfsPort : 0;
      (name == "src_not_nfs" ? r.src_port : r.dst_port) = port;
      r.present |= name == "src_not_nfs" ? flowlog::kHasSrcPort : flowlog::kHasDstPort;
    } else if (name == "in_window" || name == "efs" || name == "record_account" ||
               name == "record_region" || name == "aws_account" || name == "aws_region") {
      // The window is applied again by the engine on min_start (see the
      // header); the scope columns are parse_athena_row_scope's.
    } else if (name == "bytes_known" || name == "packets_known") {
      if (!v) return parse_error("athena row: " + name + " is NULL");
      EFSTOP_ASSIGN_OR_RETURN(int64_t flag, parse_int(name, *v));
      (name == "bytes_known" ? bytes_known : packets_known) = flag != 0;
    } else if (name == "sum_bytes" || name == "sum_packets") {
      if (!v) continue;
      EFSTOP_ASSIGN_OR_RETURN(int64_t n, parse_int(name, *v));
      (name == "sum_bytes" ? sum_bytes : sum_packets) = n;
    } else if (name == "records") {
      if (!v) return parse_error("athena row: records is NULL");
      EFSTOP_ASSIGN_OR_RETURN(r.flows, parse_int(name, *v));
      have_records = true;
    } else if (name == "min_start") {
      if (!v) continue;
      EFSTOP_ASSIGN_OR_RETURN(r.start, parse_int(name, *v));
      r.present |= flowlog::kHasStart;
    } else if (name == "max_end") {
      if (!v) continue;
      EFSTOP_ASSIGN_OR_RETURN(r.end, parse_int(name, *v));
      r.present |= flowlog::kHasEnd;
    } else if (name == "bucket0") {
      if (!v) continue;  // an unknown start: outside the window, never bucketed
      EFSTOP_ASSIGN_OR_RETURN(int64_t b, parse_int(name, *v));
      bucket0 = b;
    } else if (name == "end_known") {
      if (!v) return parse_error("athena row: end_known is NULL");
      EFSTOP_ASSIGN_OR_RETURN(int64_t flag, parse_int(name, *v));
      end_known = flag != 0;
    } else if (name == "beyond") {
      if (!v) return parse_error("athena row: beyond is NULL");
      EFSTOP_ASSIGN_OR_RETURN(int64_t flag, parse_int(name, *v));
      out.beyond_split = flag != 0;
    } else if (name == "in_sample") {
      // The engine's sample step decides again on the row's span (its
      // records all meet a slice or none does: athena_query.h).
    } else if (name.rfind("upto_", 0) == 0) {
      EFSTOP_ASSIGN_OR_RETURN(int64_t k, parse_int(name, name.substr(5)));
      if (k < 1 || k > 1000) return parse_error("athena row: unexpected column '" + name + "'");
      if (static_cast<size_t>(k) > upto_sums.size()) upto_sums.resize(static_cast<size_t>(k));
      if (v) {
        EFSTOP_ASSIGN_OR_RETURN(int64_t upto, parse_int(name, *v));
        upto_sums[static_cast<size_t>(k - 1)] = upto;
      }
    } else {
      return parse_error("athena row: unexpected column '" + name + "'");
    }
  }
  for (const char* c : kSelectColumns) {
    if (!seen.count(c)) return parse_error("athena row: no column '" + std::string(c) + "'");
  }
  if (!have_records || r.flows <= 0) return parse_error("athena row: no positive records count");
  if (bytes_known) {
    if (!sum_bytes) return parse_error("athena row: bytes known but sum_bytes is NULL");
    r.bytes = *sum_bytes;
    r.present |= flowlog::kHasBytes;
  }
  if (packets_known) {
    if (!sum_packets) return parse_error("athena row: packets known but sum_packets is NULL");
    r.packets = *sum_packets;
    r.present |= flowlog::kHasPackets;
  }
  // The bytes per bucket from the cumulative sums, as for Logs Insights
  // (insights_query.h): C1, C2 - C1, ..., bytes - CK; all in the first
  // bucket when the records' end is unknown. Only known bytes are split.
  if (bucket0 && bytes_known) {
    r.first_bucket = *bucket0;
    if (!end_known || upto_sums.empty()) {
      out.bucket_parts = {r.bytes};
    } else {
      int64_t before = 0;
      for (const std::optional<int64_t>& upto : upto_sums) {
        if (!upto) return parse_error("athena row: bytes known but a bucket sum is NULL");
        out.bucket_parts.push_back(*upto - before);
        before = *upto;
      }
      out.bucket_parts.push_back(r.bytes - before);
      if (std::any_of(out.bucket_parts.begin(), out.bucket_parts.end(),
                      [](int64_t p) { return p < 0; })) {
        return parse_error("athena row: bucket sums that do not add up to the bytes");
      }
    }
  }
  return out;
}

}  // namespace efstop::cloud
