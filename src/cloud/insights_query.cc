#include "cloud/insights_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace efstop::cloud {

namespace {

using flowlog::FieldId;

constexpr char kSrcNotNfs[] = "src_not_nfs";
constexpr char kDstNotNfs[] = "dst_not_nfs";
constexpr char kInWindow[] = "in_window";
constexpr char kSumBytes[] = "sum_bytes";
constexpr char kSumPackets[] = "sum_packets";
constexpr char kRecords[] = "records";
constexpr char kMinStart[] = "min_start";
constexpr char kMaxEnd[] = "max_end";
// The bucket pushdown's fields (see insights_query.h).
constexpr char kBucket0[] = "bucket0";
constexpr char kSpan[] = "span_s";
constexpr char kEndKnown[] = "end_known";
constexpr char kBeyond[] = "beyond";
constexpr char kUptoPrefix[] = "upto_";
constexpr char kInSample[] = "in_sample";

std::string field(FieldId id) { return insights_field_name(flowlog::field_name(id)); }

std::string quoted_list(const std::vector<flowlog::IpAddress>& ips) {
  std::string out = "[";
  for (size_t i = 0; i < ips.size(); ++i) {
    if (i > 0) out += ", ";
    out += '"' + ips[i].to_string() + '"';
  }
  return out + "]";
}

// Insights prints sums as integers, but large values may come back in
// floating notation ("1.5E10"); accept those when they are whole numbers.
Result<int64_t> parse_number(std::string_view name, std::string_view text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && p == text.data() + text.size()) return v;
  double d = 0;
  auto [p2, ec2] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec2 == std::errc() && p2 == text.data() + text.size() && std::isfinite(d) &&
      d == std::floor(d) && std::fabs(d) < 9.0e15) {
    return static_cast<int64_t>(d);
  }
  return parse_error("insights row: field " + std::string(name) + " is not a whole number: '" +
                     std::string(text) + "'");
}

}  // namespace

std::string insights_field_name(std::string_view flow_log_field) {
  std::string out = "f_";
  for (char c : flow_log_field) out += (c == '-') ? '_' : c;
  return out;
}

Result<std::string> build_insights_query(const InsightsQueryOptions& o) {
  const flowlog::LogFormat& f = o.format;
  if (!f.has_interface_id()) {
    return invalid_argument_error(
        "logs insights: the flow log format has no interface-id field, so records cannot be "
        "grouped without breaking the once-per-flow rule; use --method raw");
  }
  for (FieldId need : {FieldId::kSrcAddr, FieldId::kDstAddr, FieldId::kBytes}) {
    if (!f.has(need)) {
      // What every source needs (flowlog::check_format): no method can count it.
      return invalid_argument_error("logs insights: the flow log format lacks " +
                                    std::string(flowlog::field_name(need)) +
                                    " (needed to count bytes per client and server)");
    }
  }
  const bool windowed = o.window_start || o.window_end;
  if (windowed && !f.has(FieldId::kStart)) {
    // As for files (flowlog::check_format): the window is cut on start, and
    // a read from CloudWatch Logs always has a window.
    return invalid_argument_error(
        "logs insights: the flow log format lacks start, so the --start/--end/--since window "
        "cannot be applied to its records (raw events neither); count an export of the events "
        "as a local file without a window");
  }
  if (o.bucket_s > 0 && (!f.has(FieldId::kStart) || !f.has(FieldId::kEnd))) {
    // The pushdown splits a record over its start..end; without both fields
    // it cannot place the bytes server-side.
    return invalid_argument_error(
        "logs insights: the flow log format lacks start or end, so --bucket (or --sample) cannot "
        "split its records in the query; use --method raw (each record then goes to its start's "
        "bucket, or is outside the window without a start)");
  }
  if (o.sample && (o.bucket_s <= 0 || o.sample->span_s % o.bucket_s != 0 ||
                   o.sample->period_s % o.bucket_s != 0)) {
    // The caller's contract (flowlog::sample_bucket_width); not the user's.
    return invalid_argument_error(
        "logs insights: --sample needs buckets that divide its span and period");
  }
  // packets and end are optional: without them the query sums no packets
  // (shown as unknown) and keeps no last time, as a local file would.
  const bool has_packets = f.has(FieldId::kPackets);
  const bool has_end = f.has(FieldId::kEnd);
  const bool has_ports = f.has(FieldId::kSrcPort) && f.has(FieldId::kDstPort);
  if (o.server_ips.empty() && (!has_ports || !f.has(FieldId::kProtocol))) {
    return invalid_argument_error(
        "logs insights: the flow log format lacks srcport, dstport or protocol; pass the "
        "mount-target addresses (--server-ips) so efstop can find EFS traffic without them");
  }

  // 1. parse: one capture per column efstop reads, \S+ for the rest.
  std::string q = "parse @message /^\\s*";
  for (size_t c = 0; c < f.column_count(); ++c) {
    if (c > 0) q += "\\s+";
    const FieldId id = f.column_field(c);
    switch (id) {
      case FieldId::kInterfaceId:
      case FieldId::kSrcAddr:
      case FieldId::kDstAddr:
      case FieldId::kSrcPort:
      case FieldId::kDstPort:
      case FieldId::kProtocol:
      case FieldId::kPackets:
      case FieldId::kBytes:
      case FieldId::kStart:
      case FieldId::kEnd:
      case FieldId::kAction:
      case FieldId::kLogStatus:
        q += "(?<" + field(id) + ">\\S+)";
        break;
      default:
        q += "\\S+";
    }
  }
  q += "\\s*$/";

  // 2. filter: NODATA/SKIPDATA rows (counted, not subject to the window),
  // or EFS traffic inside the window.
  std::string efs;
  if (!o.server_ips.empty()) {
    const std::string list = quoted_list(o.server_ips);
    // Appended piece by piece: GCC 12 flags a long operator+ chain here
    // with a false -Wrestrict.
    efs = "(";
    efs += field(FieldId::kSrcAddr);
    efs += " in ";
    efs += list;
    efs += " or ";
    efs += field(FieldId::kDstAddr);
    efs += " in ";
    efs += list;
    efs += ")";
  } else {
    efs = field(FieldId::kProtocol) + " = 6 and (" + field(FieldId::kSrcPort) + " = 2049 or " +
          field(FieldId::kDstPort) + " = 2049)";
  }
  // The window is a grouping flag, not a filter, so records outside it
  // reach the engine (as outside_window) instead of vanishing into the
  // scanned-but-not-matched count. A start that is not a number fails this
  // comparison: such a line is filtered out, as before.
  // A record without a start cannot be bucketed either (it is outside).
  if (windowed || o.bucket_s > 0) efs += " and " + field(FieldId::kStart) + " >= 0";
  q += "\n| filter ";
  if (f.has(FieldId::kLogStatus)) {
    const std::string ls = field(FieldId::kLogStatus);
    q += ls + " = \"NODATA\" or " + ls + " = \"SKIPDATA\" or (" + efs + ")";
  } else {
    q += efs;
  }

  // 3. the port flags (0 when the port is 2049).
  std::vector<std::string> by = {field(FieldId::kInterfaceId), field(FieldId::kSrcAddr),
                                 field(FieldId::kDstAddr)};
  if (f.has(FieldId::kAction)) by.push_back(field(FieldId::kAction));
  if (f.has(FieldId::kLogStatus)) by.push_back(field(FieldId::kLogStatus));
  std::vector<std::string> flags;
  if (has_ports) {
    flags.push_back("least(abs(" + field(FieldId::kSrcPort) + " - 2049), 1) as " + kSrcNotNfs);
    flags.push_back("least(abs(" + field(FieldId::kDstPort) + " - 2049), 1) as " + kDstNotNfs);
    by.push_back(kSrcNotNfs);
    by.push_back(kDstNotNfs);
  }
  if (windowed) {
    // 1 when window_start <= start < window_end, else 0: a row's records
    // are then all inside or all outside, and an outside row's min(start)
    // falls outside too, which is how the engine counts it.
    const std::string start = field(FieldId::kStart);
    std::string in = "1";
    if (o.window_start) {
      in = "least(greatest(" + start + " - " + std::to_string(*o.window_start - 1) + ", 0), 1)";
    }
    if (o.window_end) {
      in += " * least(greatest(" + std::to_string(*o.window_end) + " - " + start + ", 0), 1)";
    }
    flags.push_back(in + " as " + kInWindow);
    by.push_back(kInWindow);
  }
  if (!flags.empty()) {
    q += "\n| fields ";
    for (size_t i = 0; i < flags.size(); ++i) q += (i ? ", " : "") + flags[i];
  }
  std::vector<std::string> upto_sums;
  if (o.bucket_s > 0) {
    const std::string w = std::to_string(o.bucket_s);
    const std::string start = field(FieldId::kStart);
    const std::string end =
        o.window_end ? "least(" + field(FieldId::kEnd) + ", " + std::to_string(*o.window_end) + ")"
                     : field(FieldId::kEnd);
    q += "\n| fields floor(" + start + " / " + w + ") * " + w + " as " + kBucket0 + ", greatest(" +
         end + " - " + start + ", 1) as " + kSpan + ", " + field(FieldId::kEnd) + " * 0 + 1 as " +
         kEndKnown;
    const int64_t k_max = (o.bucket_s + kInsightsMaxSpanS - 1) / o.bucket_s;
    q += "\n| fields least(greatest(" + start + " + " + kSpan + " - " + kBucket0 + " - " +
         std::to_string((k_max + 1) * o.bucket_s) + ", 0), 1) as " + kBeyond;
    if (o.sample) {
      // 1 when the record meets a slice (see insights_query.h): its first
      // bucket is in one, or it reaches past the start of the next.
      const std::string p = std::to_string(o.sample->period_s);
      const std::string period_start = "floor(" + std::string(kBucket0) + " / " + p + ") * " + p;
      q += ", least(least(greatest(" + std::to_string(o.sample->span_s) + " - " + kBucket0 + " + " +
           period_start + ", 0), 1) + least(greatest(" + start + " + " + kSpan + " - " +
           period_start + " - " + p + ", 0), 1), 1) as " + kInSample;
    }
    for (int64_t k = 1; k <= k_max; ++k) {
      const std::string c = "c_" + std::to_string(k);
      q += ", floor(" + field(FieldId::kBytes) + " * least(" + kBucket0 + " + " +
           std::to_string(k * o.bucket_s) + " - " + start + ", " + kSpan + ") / " + kSpan +
           ") as " + c;
      upto_sums.push_back(", sum(" + c + ") as " + kUptoPrefix + std::to_string(k));
    }
    by.push_back(kBucket0);
    by.push_back(kEndKnown);
    by.push_back(kBeyond);
    if (o.sample) by.push_back(kInSample);
  }

  // 4. stats by everything the counting rule distinguishes.
  q += "\n| stats sum(" + field(FieldId::kBytes) + ") as " + kSumBytes;
  if (has_packets) q += ", sum(" + field(FieldId::kPackets) + ") as " + kSumPackets;
  q += ", count(*) as " + std::string(kRecords);
  if (f.has(FieldId::kStart)) q += ", min(" + field(FieldId::kStart) + ") as " + kMinStart;
  if (has_end) q += ", max(" + field(FieldId::kEnd) + ") as " + kMaxEnd;
  for (const std::string& s : upto_sums) q += s;
  q += " by ";
  for (size_t i = 0; i < by.size(); ++i) q += (i ? ", " : "") + by[i];
  q += "\n| limit " + std::to_string(o.limit);

  if (q.size() > kInsightsMaxQueryChars) {
    return invalid_argument_error("logs insights: the query is " + std::to_string(q.size()) +
                                  " characters, more than Insights accepts (" +
                                  std::to_string(kInsightsMaxQueryChars) +
                                  "), because of the number of mount-target addresses; use "
                                  "--method raw");
  }
  return q;
}

Result<InsightsRecord> parse_insights_row(const aws::QueryRow& row) {
  InsightsRecord out;
  flowlog::FlowRecord& r = out.record;
  bool have_bucket0 = false;
  bool end_known = false;
  std::vector<int64_t> upto_sums;  // C at the 1st, 2nd... boundary, summed
  r.protocol = 6;  // the query only lets EFS traffic through; protocol is not grouped
  r.present |= flowlog::kHasProtocol;
  bool have_records = false;
  for (const auto& [name, value] : row) {
    if (name == field(FieldId::kInterfaceId)) {
      if (value != "-") {
        out.interface_id = value;
        r.present |= flowlog::kHasInterfaceId;
      }
    } else if (name == field(FieldId::kSrcAddr) || name == field(FieldId::kDstAddr)) {
      if (value == "-") continue;
      std::optional<flowlog::IpAddress> ip = flowlog::IpAddress::parse(value);
      if (!ip) return parse_error("insights row: " + name + " is not an address: '" + value + "'");
      if (name == field(FieldId::kSrcAddr)) {
        r.src = *ip;
        r.present |= flowlog::kHasSrcAddr;
      } else {
        r.dst = *ip;
        r.present |= flowlog::kHasDstAddr;
      }
    } else if (name == field(FieldId::kAction)) {
      r.present |= flowlog::kHasAction;
      if (value == "ACCEPT") {
        r.action = flowlog::Action::kAccept;
      } else if (value == "REJECT") {
        r.action = flowlog::Action::kReject;
      } else if (value == "-") {
        r.action = flowlog::Action::kNone;
      } else {
        return parse_error("insights row: unknown action '" + value + "'");
      }
    } else if (name == field(FieldId::kLogStatus)) {
      if (value == "NODATA") {
        r.log_status = flowlog::LogStatus::kNoData;
      } else if (value == "SKIPDATA") {
        r.log_status = flowlog::LogStatus::kSkipData;
      } else {
        r.log_status = flowlog::LogStatus::kOk;
      }
    } else if (name == kSrcNotNfs || name == kDstNotNfs) {
      EFSTOP_ASSIGN_OR_RETURN(int64_t flag, parse_number(name, value));
      const uint16_t port = flag == 0 ? flowlog::kNfsPort : 0;
      if (name == kSrcNotNfs) {
        r.src_port = port;
        r.present |= flowlog::kHasSrcPort;
      } else {
        r.dst_port = port;
        r.present |= flowlog::kHasDstPort;
      }
    } else if (name == kSumBytes) {
      EFSTOP_ASSIGN_OR_RETURN(r.bytes, parse_number(name, value));
      r.present |= flowlog::kHasBytes;
    } else if (name == kSumPackets) {
      EFSTOP_ASSIGN_OR_RETURN(r.packets, parse_number(name, value));
      r.present |= flowlog::kHasPackets;
    } else if (name == kRecords) {
      EFSTOP_ASSIGN_OR_RETURN(r.flows, parse_number(name, value));
      have_records = true;
    } else if (name == kMinStart) {
      EFSTOP_ASSIGN_OR_RETURN(r.start, parse_number(name, value));
      r.present |= flowlog::kHasStart;
    } else if (name == kMaxEnd) {
      EFSTOP_ASSIGN_OR_RETURN(r.end, parse_number(name, value));
      r.present |= flowlog::kHasEnd;
    } else if (name == kBucket0) {
      EFSTOP_ASSIGN_OR_RETURN(r.first_bucket, parse_number(name, value));
      have_bucket0 = true;
    } else if (name == kEndKnown) {
      end_known = true;
    } else if (name == kBeyond) {
      EFSTOP_ASSIGN_OR_RETURN(int64_t beyond, parse_number(name, value));
      out.beyond_split = beyond != 0;
    } else if (name.rfind(kUptoPrefix, 0) == 0) {
      const std::string index = name.substr(sizeof(kUptoPrefix) - 1);
      EFSTOP_ASSIGN_OR_RETURN(int64_t k, parse_number(name, index));
      EFSTOP_ASSIGN_OR_RETURN(int64_t upto, parse_number(name, value));
      if (k < 1 || k > 1000) return parse_error("insights row: bad field name '" + name + "'");
      if (static_cast<size_t>(k) > upto_sums.size()) upto_sums.resize(static_cast<size_t>(k));
      upto_sums[static_cast<size_t>(k - 1)] = upto;
    }
    // Other fields (@ptr...) are ignored.
  }
  if (!have_records || r.flows <= 0) {
    return parse_error("insights row: no positive '" + std::string(kRecords) + "' count");
  }
  if (r.log_status == flowlog::LogStatus::kOk) {
    // packets, start and end may be absent from the format (the query then
    // does not ask for them): they stay unknown. A bucketed row of records
    // whose end is unknown has no max_end either.
    const uint32_t need = flowlog::kHasSrcAddr | flowlog::kHasDstAddr | flowlog::kHasBytes;
    if ((r.present & need) != need) {
      return parse_error("insights row: a row of OK records lacks an address or the bytes sum");
    }
  }
  // With buckets: the parts from the cumulative sums (see the query). A
  // row whose records' end is unknown puts all its bytes in its first
  // bucket; a sum absent (no record had bytes) counts as 0.
  if (have_bucket0) {
    if (!end_known || upto_sums.empty()) {
      out.bucket_parts = {r.bytes};
    } else {
      int64_t before = 0;
      for (int64_t upto : upto_sums) {
        out.bucket_parts.push_back(upto - before);
        before = upto;
      }
      out.bucket_parts.push_back(r.bytes - before);
      if (std::any_of(out.bucket_parts.begin(), out.bucket_parts.end(),
                      [](int64_t p) { return p < 0; })) {
        return parse_error("insights row: bucket sums that do not add up to the bytes");
      }
    }
  }
  return out;
}

}  // namespace efstop::cloud
