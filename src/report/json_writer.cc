// JSON and NDJSON: the contract of docs/json.md. Members keep the
// contract's order (ordered_json), output is ASCII (every non-ASCII
// character escaped as \uXXXX, invalid UTF-8 replaced by U+FFFD), so
// hostile tag values cannot reach a terminal through `efstop ... | less`.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/decimal.h"
#include "report/shape.h"
#include "report/units.h"
#include "report/writer.h"
#include "report/writer_internal.h"

namespace efstop::report {

namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/true, Json::error_handler_t::replace);
}

Json time_or_null(const std::optional<int64_t>& t) {
  return t ? Json(format_iso8601_utc(*t)) : Json(nullptr);
}

// Writes JSON text for one row exactly as nlohmann's dump(indent, ' ',
// ensure_ascii, replace) would write the same value nested `base` spaces
// deep, but straight into a string: a report can have tens of thousands of
// rows, and a JSON tree per row cost ten times the rest of the output
// (18,000 rows: 0.13 s, as much as a fifth of reading 10 M records on two
// threads). Strings of printable ASCII without quote or backslash (IPs,
// ids, nearly every name) are written as they are; any other string, and
// every floating-point number, goes through nlohmann itself, so escaping
// and number formatting cannot differ. tests/report compares the two on
// hostile names.
class RowText {
 public:
  // indent < 0: compact (NDJSON).
  RowText(std::string* out, int indent, int base) : out_(*out), indent_(indent), base_(base) {}

  void open(char bracket) {
    out_ += bracket;
    first_.push_back(true);
  }
  void close(char bracket) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += bracket;
  }
  void key(std::string_view k) {
    element();
    string(k);
    out_ += indent_ >= 0 ? ": " : ":";
  }
  // Before an array element (object members call key()).
  void element() {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
  void number(int64_t v) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;  // 24 bytes always hold an int64
    out_.append(buf, end);
  }
  void number(double v) { out_ += dump(Json(v), -1); }
  // An array of `count` integers (or nulls), as open('['), then element()
  // and number() or null() for each, then close(']') write it: the
  // separator (comma, newline, indent) is built once per array, not per
  // element. value(i, &v) sets element i and returns true, or returns
  // false for null. A series is such an array, one element per bucket:
  // with --bucket 5m and --top 0 on bench/whole's file, 1.46 M of them,
  // which element by element took about 300 instructions each
  // (docs/PERFORMANCE.md).
  template <typename Value>
  void number_array(size_t count, Value&& value) {
    out_ += '[';
    if (count == 0) {
      out_ += ']';
      return;
    }
    std::string sep = ",";
    if (indent_ >= 0) {
      sep += '\n';
      sep.append(static_cast<size_t>(base_ + indent_ * static_cast<int>(first_.size() + 1)), ' ');
    }
    // Written through a pointer into room made for the longest elements
    // (20 characters: INT64_MIN), then cut to what was written.
    const size_t at = out_.size();
    out_.resize(at + count * (sep.size() + 20));
    char* p = out_.data() + at;
    // A separator of up to 16 characters (a series nested as deep as a
    // row's) is copied as 16 bytes, one store instead of a call to memcpy:
    // the bytes past it land in the element's own room and are overwritten.
    char sep16[16] = {};
    const bool short_sep = sep.size() <= sizeof sep16;
    if (short_sep) std::memcpy(sep16, sep.data(), sep.size());
    for (size_t i = 0; i < count; ++i) {
      if (i == 0) {
        // The first element has no comma before it.
        std::memcpy(p, sep.data() + 1, sep.size() - 1);
        p += sep.size() - 1;
      } else if (short_sep) {
        std::memcpy(p, sep16, sizeof sep16);
        p += sep.size();
      } else {
        std::memcpy(p, sep.data(), sep.size());
        p += sep.size();
      }
      int64_t v;
      if (value(i, &v)) {
        p = write_decimal(p, v);
      } else {
        std::memcpy(p, "null", 4);
        p += 4;
      }
    }
    out_.resize(static_cast<size_t>(p - out_.data()));
    newline();
    out_ += ']';
  }
  void boolean(bool v) { out_ += v ? "true" : "false"; }
  void null() { out_ += "null"; }
  void string(std::string_view s) {
    const bool plain = std::all_of(
        s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; });
    if (!plain) {
      out_ += dump(Json(std::string(s)), -1);
      return;
    }
    out_ += '"';
    out_ += s;
    out_ += '"';
  }

 private:
  void newline() {
    if (indent_ < 0) return;
    out_ += '\n';
    out_.append(static_cast<size_t>(base_ + indent_ * static_cast<int>(first_.size())), ' ');
  }

  std::string& out_;
  int indent_;
  int base_;
  std::vector<bool> first_;  // per open container: no member written yet
};

void end_text(RowText& t, const End& end) {
  t.open('{');
  // One address is "ip"; a merged end with several is "ips" (docs/json.md).
  if (end.ips.size() == 1) {
    t.key("ip");
    t.string(end.ips.front());
  } else {
    t.key("ips");
    t.open('[');
    for (const std::string& ip : end.ips) {
      t.element();
      t.string(ip);
    }
    t.close(']');
  }
  for (const internal::EndField& field : internal::end_fields()) {
    const std::string& value = end.*field.member;
    if (value.empty()) continue;
    t.key(field.key);
    t.string(value);
  }
  t.close('}');
}

void time_text(RowText& t, const std::optional<int64_t>& time) {
  if (time) {
    t.string(format_iso8601_utc(*time));
  } else {
    t.null();
  }
}

// With --bucket (docs/json.md): the row's dense series, or, for one line of
// NDJSON's long form, one bucket of it (`bucket`; null cells when the
// report has no buckets at all).
void series_text(RowText& t, const Report& report, const Row& row, const std::string* start_text) {
  t.key("series");
  t.open('{');
  t.key("bucket_s");
  t.number(report.bucket_s);
  t.key("start");
  if (report.series_buckets > 0) {
    t.string(start_text != nullptr ? *start_text : format_iso8601_utc(report.series_start));
  } else {
    t.null();
  }
  // The sparse cells walked bucket by bucket, once per array: what
  // Series::dense lays out, without a dense copy of every row (24 bytes a
  // bucket; 1,117 rows of 654 buckets on bench/whole's file).
  const std::vector<BucketCell>& cells = row.series.cells;
  const size_t first = static_cast<size_t>(
      std::partition_point(cells.begin(), cells.end(),
                           [&](const BucketCell& c) { return c.start < report.series_start; }) -
      cells.begin());
  for (const bool read : {true, false}) {
    t.key(read ? "read" : "written");
    size_t j = first;
    t.number_array(static_cast<size_t>(report.series_buckets), [&](size_t i, int64_t* v) {
      const int64_t start = report.series_start + static_cast<int64_t>(i) * report.bucket_s;
      int64_t sum = 0;
      for (; j < cells.size() && cells[j].start < start + report.bucket_s; ++j) {
        sum += read ? cells[j].bytes_read : cells[j].bytes_written;
      }
      // --sample: a bucket no slice overlaps was not looked at: null.
      if (report.sample && !report.sample->covers_bucket(start, report.bucket_s)) return false;
      *v = sum;
      return true;
    });
  }
  t.close('}');
}

void bucket_text(RowText& t, const Report& report, const BucketCell* bucket) {
  t.key("bucket_s");
  t.number(report.bucket_s);
  t.key("bucket_start");
  if (bucket) {
    t.string(format_iso8601_utc(bucket->start));
  } else {
    t.null();
  }
  t.key("bucket_read");
  if (bucket) {
    t.number(bucket->bytes_read);
  } else {
    t.null();
  }
  t.key("bucket_written");
  if (bucket) {
    t.number(bucket->bytes_written);
  } else {
    t.null();
  }
}

// How a row's buckets are written: not at all (no --bucket), as a series
// (`series_start`: the series' start as text, the same for every row, when
// the caller formatted it once), or one bucket (NDJSON long form); or, with
// `open`, not at all and the row's object left open for them.
struct BucketPart {
  bool long_form = false;
  const BucketCell* bucket = nullptr;
  const std::string* series_start = nullptr;
  bool open = false;
};

// One row's object, appended to `out`, `base` spaces deep (see RowText).
void row_text(std::string* out, const Row& row, const Report& report, int indent, int base,
              BucketPart part = {}) {
  const double usd_per_gib = report.cross_az_usd_per_gib;
  RowText t(out, indent, base);
  t.open('{');
  if (report.by_account) {
    t.key("account");
    t.string(row.account);
  }
  if (report.by_region) {
    t.key("region");
    t.string(row.region);
  }
  if (row.client) {
    t.key("client");
    end_text(t, *row.client);
  }
  if (row.server) {
    t.key("server");
    end_text(t, *row.server);
  }
  const Counters& c = row.counters;
  const std::pair<const char*, int64_t> counters[] = {{"bytes_read", c.bytes_read},
                                                      {"bytes_written", c.bytes_written},
                                                      {"bytes_total", c.bytes_total()},
                                                      {"packets", c.packets},
                                                      {"flows", c.flows},
                                                      {"rejected", c.rejected}};
  for (const auto& [name, value] : counters) {
    t.key(name);
    // A packet sum over only some of the records is no packet count: null,
    // with what is known beside it (docs/json.md).
    if (std::string_view(name) == "packets" && !c.packets_known()) {
      t.null();
    } else {
      t.number(value);
    }
  }
  if (!c.packets_known()) {
    t.key("packets_known");
    t.number(c.packets);
    t.key("packets_unknown");
    t.number(c.packets_unknown);
  }
  if (c.bytes_unknown > 0) {
    t.key("bytes_unknown");
    t.number(c.bytes_unknown);
  }
  t.key("first_seen");
  time_text(t, c.first_seen);
  t.key("last_seen");
  time_text(t, c.last_seen);
  if (row.cross_az_bytes) {
    // true: some bytes crossed; false: none did and none is unknown; absent:
    // none is known to have crossed but some AZ is unknown.
    if (*row.cross_az_bytes > 0 || row.cross_az_unknown_bytes == 0) {
      t.key("cross_az");
      t.boolean(*row.cross_az_bytes > 0);
    }
    t.key("cross_az_bytes");
    t.number(*row.cross_az_bytes);
    // Cents with two more digits: enough for small rows, stable in diffs.
    t.key("cross_az_cost_usd");
    t.number(std::round(cross_az_cost_usd(*row.cross_az_bytes, usd_per_gib) * 10000.0) / 10000.0);
  }
  if (row.cross_az_unknown_bytes > 0) {
    t.key("cross_az_unknown_bytes");
    t.number(row.cross_az_unknown_bytes);
  }
  if (row.sampled) {
    // --sample: the bytes above are estimates; these were counted.
    t.key("estimated");
    t.boolean(true);
    t.key("sampled");
    t.open('{');
    t.key("bytes_read");
    t.number(row.sampled->bytes_read);
    t.key("bytes_written");
    t.number(row.sampled->bytes_written);
    t.key("bytes_total");
    t.number(row.sampled->bytes_total());
    t.close('}');
  }
  if (part.open) return;
  if (report.bucket_s > 0) {
    if (part.long_form) {
      bucket_text(t, report, part.bucket);
    } else {
      series_text(t, report, row, part.series_start);
    }
  }
  t.close('}');
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

Json attribution_json(const Attribution& a) {
  Json j = Json::object();
  j["by_field"] = a.by_field;
  j["by_key"] = a.by_key;
  Json moved = Json::array();
  for (const AttributionMove& m : a.moved) {
    Json item = Json::object();
    item["from_account"] = m.from_account;
    item["from_region"] = m.from_region;
    item["account"] = m.account;
    item["region"] = m.region;
    item["records"] = m.records;
    item["bytes"] = m.bytes;
    moved.push_back(std::move(item));
  }
  j["moved"] = std::move(moved);
  Json outside = Json::array();
  for (const AttributionOutside& o : a.outside) {
    Json item = Json::object();
    item["account"] = o.account;
    item["region"] = o.region;
    item["records"] = o.records;
    item["bytes"] = o.bytes;
    item["reason"] = o.reason;
    outside.push_back(std::move(item));
  }
  j["outside"] = std::move(outside);
  Json unread = Json::array();
  for (const UnreadFolder& f : a.unread_folders) {
    Json item = Json::object();
    item["account"] = f.account;
    item["prefix"] = f.prefix;
    item["reason"] = f.reason;
    unread.push_back(std::move(item));
  }
  j["unread_folders"] = std::move(unread);
  Json unattributed = Json::object();
  unattributed["records"] = a.unattributed_records;
  unattributed["bytes"] = a.unattributed_bytes;
  j["unattributed"] = std::move(unattributed);
  return j;
}

Json cross_scope_json(const CrossScope& c) {
  Json j = Json::object();
  j["duplicates"] = c.duplicates;
  j["moved"] = c.moved;
  Json moves = Json::array();
  for (const CrossScopeMove& m : c.moves) {
    Json item = Json::object();
    item["from_account"] = m.from_account;
    item["from_region"] = m.from_region;
    item["account"] = m.account;
    item["region"] = m.region;
    item["action"] = m.action;
    item["pairs"] = m.pairs;
    item["records"] = m.records;
    item["bytes"] = m.bytes;
    moves.push_back(std::move(item));
  }
  j["moves"] = std::move(moves);
  Json ambiguous = Json::array();
  for (const CrossScopeAmbiguous& a : c.ambiguous) {
    Json item = Json::object();
    item["account"] = a.account;
    item["region"] = a.region;
    item["server"] = a.server;
    Json owners = Json::array();
    for (const std::string& o : a.owners) owners.push_back(o);
    item["owners"] = std::move(owners);
    item["pairs"] = a.pairs;
    item["records"] = a.records;
    item["bytes"] = a.bytes;
    ambiguous.push_back(std::move(item));
  }
  j["ambiguous"] = std::move(ambiguous);
  j["names_from_other_scopes"] = c.names_from_other_scopes;
  return j;
}

Json stats_json(const Stats& s, const std::optional<NameStats>& names,
                const std::optional<Attribution>& attribution,
                const std::optional<CrossScope>& cross_scope) {
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
  j["unknown_address"] = s.unknown_address;
  j["unknown_bytes"] = s.unknown_bytes;
  if (attribution) j["outside_scopes"] = s.outside_scopes;
  j["below_min_bytes"] = s.below_min_bytes;
  j["files"] = s.files;
  j["files_failed"] = s.files_failed;
  if (names) j["names"] = names_json(*names);
  if (attribution) j["attribution"] = attribution_json(*attribution);
  if (cross_scope) j["cross_scope"] = cross_scope_json(*cross_scope);
  return j;
}

Json failed_inputs_json(const std::vector<FailedInput>& failed) {
  Json list = Json::array();
  for (const FailedInput& f : failed) {
    Json item = Json::object();
    item["input"] = f.input;
    item["error"] = f.error;
    list.push_back(std::move(item));
  }
  return list;
}

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

// The JSON member of each metric's series (docs/json.md "metrics"), in the
// order written. PermittedThroughput is in bytes/s already (its unit is
// Bytes/Second), hence the member the HTML page draws as the limit.
struct MetricKey {
  std::string_view metric;
  std::string_view key;
};
constexpr MetricKey kMetricKeys[] = {
    {"PermittedThroughput", "throughput_limit_bytes_per_s"},
    {"PercentIOLimit", "percent_io_limit"},
    {"DataReadIOBytes", "data_read_io_bytes"},
    {"DataWriteIOBytes", "data_write_io_bytes"},
    {"MetadataIOBytes", "metadata_io_bytes"},
    {"TotalIOBytes", "total_io_bytes"},
    {"MeteredIOBytes", "metered_io_bytes"},
    {"BurstCreditBalance", "burst_credit_balance"},
    {"ClientConnections", "client_connections"},
};

// Per bucket: the value, or null for a bucket without a data point; the
// whole member null when the metric was not answered (it is in failures).
Json metrics_json(const FileSystemMetrics& fs) {
  Json j = Json::object();
  j["bucket_s"] = fs.period_s;
  j["start"] = format_iso8601_utc(fs.start);
  Json stats = Json::object();
  for (const MetricKey& k : kMetricKeys) {
    const auto it = std::find_if(fs.series.begin(), fs.series.end(),
                                 [&](const MetricValues& m) { return m.metric == k.metric; });
    if (it == fs.series.end()) {
      j[std::string(k.key)] = nullptr;
      continue;
    }
    Json values = Json::array();
    for (const std::optional<double>& v : it->values) values.push_back(optional_number(v));
    j[std::string(k.key)] = std::move(values);
    stats[std::string(k.key)] = Json{{"metric", it->metric}, {"stat", it->stat}};
  }
  j["sources"] = std::move(stats);
  return j;
}

// docs/json.md "file_systems": the file systems' own metrics beside the flows.
// With --sample (`sampled`): the saturation says how many slices it judged,
// and the costs are estimates with the sampled figures beside them.
Json file_systems_json(const std::vector<FileSystemMetrics>& list, bool sampled) {
  Json out = Json::array();
  for (const FileSystemMetrics& fs : list) {
    Json j = Json::object();
    // Across accounts and regions: the scope the file system is in, as the
    // rows carry it (docs/multi-account.md).
    if (!fs.account.empty()) j["account"] = fs.account;
    if (!fs.region.empty()) j["region"] = fs.region;
    j["id"] = fs.id;
    j["name"] = fs.name.empty() ? Json(nullptr) : Json(fs.name);
    j["throughput_mode"] = fs.throughput_mode.empty() ? Json(nullptr) : Json(fs.throughput_mode);
    j["period_s"] = fs.period_s;
    j["start"] = format_iso8601_utc(fs.start);
    j["end"] = format_iso8601_utc(fs.end);
    Json failures = Json::array();
    for (const MetricFailure& f : fs.failures) {
      failures.push_back(Json{{"metric", f.metric}, {"status", f.status}, {"message", f.message}});
    }
    j["failures"] = std::move(failures);
    j["datapoints"] = fs.datapoints;
    j["metrics"] = metrics_json(fs);
    j["connections"] =
        Json{{"peak", optional_number(fs.peak_connections)}, {"flow_clients", fs.flow_clients}};
    j["metadata"] = Json{{"metadata_io_bytes", optional_number(fs.metadata_bytes)},
                         {"total_io_bytes", optional_number(fs.total_io_bytes)},
                         {"share", optional_number(fs.metadata_share)}};
    const Coverage& c = fs.coverage;
    j["coverage"] = Json{{"flow_read", c.flow_read},
                         {"flow_written", c.flow_written},
                         {"metric_read", optional_number(c.metric_read)},
                         {"metric_written", optional_number(c.metric_written)},
                         {"ratio_read", optional_number(c.ratio_read)},
                         {"ratio_written", optional_number(c.ratio_written)},
                         {"low_read", c.low_read},
                         {"low_written", c.low_written}};
    Json intervals = Json::array();
    for (const SaturationInterval& i : fs.saturation) {
      intervals.push_back(Json{{"start", format_iso8601_utc(i.start)},
                               {"end", format_iso8601_utc(i.end)},
                               {"reasons", i.reasons}});
    }
    Json clients = Json::array();
    for (const SaturationClient& sc : fs.saturation_clients) {
      clients.push_back(Json{{"client", sc.client},
                             {"bytes", sc.bytes},
                             {"window_bytes", sc.window_bytes},
                             {"share_of_file_system", sc.share_of_fs},
                             {"share_of_own_bytes", sc.share_of_own}});
    }
    j["saturation"] = Json{{"buckets", fs.saturated_buckets},
                           {"judged_buckets", fs.judged_buckets},
                           {"compared_buckets", fs.compared_buckets},
                           {"intervals", std::move(intervals)},
                           {"clients", std::move(clients)}};
    if (sampled) {
      j["saturation"]["sampled_slices"] = fs.sampled_slices;
      j["saturation"]["saturated_slices"] = fs.saturated_slices;
    }
    if (fs.read_usd) {
      Json costs = Json::array();
      for (const ClientCost& cc : fs.costs) {
        Json item = Json{{"client", cc.client},
                         {"read_usd", cc.read_usd},
                         {"write_usd", cc.write_usd},
                         {"total_usd", cc.total_usd()}};
        if (cc.sampled_read_usd) {
          const double r = *cc.sampled_read_usd, w = cc.sampled_write_usd.value_or(0);
          item["estimated"] = true;
          item["sampled"] = Json{{"read_usd", r}, {"write_usd", w}, {"total_usd", r + w}};
        }
        costs.push_back(std::move(item));
      }
      j["cost"] = Json{{"read_usd", *fs.read_usd},
                       {"write_usd", fs.write_usd.value_or(0)},
                       {"unattributed_usd", fs.unattributed_usd},
                       {"clients", std::move(costs)}};
      if (fs.sampled_read_usd) {
        j["cost"]["estimated"] = true;
        j["cost"]["sampled"] = Json{{"read_usd", *fs.sampled_read_usd},
                                    {"write_usd", fs.sampled_write_usd.value_or(0)},
                                    {"unattributed_usd", fs.sampled_unattributed_usd.value_or(0)}};
      }
    } else {
      j["cost"] = nullptr;
    }
    out.push_back(std::move(j));
  }
  return out;
}

// docs/json.md "sources": what each read of the flow logs cost, with only
// the figures its kind has; with --sample also what the whole window would
// have cost.
Json sources_json(const std::vector<SourceScan>& list) {
  Json out = Json::array();
  const auto put = [](Json& j, const char* key, const auto& value) {
    if (value) j[key] = *value;
  };
  for (const SourceScan& s : list) {
    Json j = Json::object();
    if (!s.scope.empty()) j["scope"] = s.scope;
    j["kind"] = s.kind;
    j["source"] = s.source;
    j["calls"] = s.calls;
    put(j, "bytes_scanned", s.bytes_scanned);
    put(j, "cost_usd", s.cost_usd);
    put(j, "events", s.events);
    put(j, "objects_listed", s.objects_listed);
    put(j, "objects_read", s.objects_read);
    put(j, "bytes_read", s.bytes_read);
    put(j, "objects_skipped_by_time", s.objects_skipped_by_time);
    if (s.sample_seconds || s.objects_skipped_by_sample) {
      Json sample = Json::object();
      put(sample, "seconds_asked", s.sample_seconds);
      sample["window_seconds"] = s.window_seconds;
      put(sample, "objects_skipped", s.objects_skipped_by_sample);
      put(sample, "bytes_skipped", s.bytes_skipped_by_sample);
      Json whole = Json::object();
      put(whole, "bytes_scanned", s.window_bytes_scanned);
      put(whole, "cost_usd", s.window_cost_usd);
      put(whole, "events", s.window_events);
      put(whole, "objects", s.window_objects);
      put(whole, "bytes", s.window_bytes);
      sample["whole_window"] = std::move(whole);
      j["sample"] = std::move(sample);
    }
    out.push_back(std::move(j));
  }
  return out;
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
  // first_seen/last_seen: the time the counted records cover (all rows, also
  // those --top cut), so a report without --start/--end still says when.
  write_nested(out,
               Json{{"start", time_or_null(report.window.start)},
                    {"end", time_or_null(report.window.end)},
                    {"first_seen", time_or_null(report.totals.first_seen)},
                    {"last_seen", time_or_null(report.totals.last_seen)}},
               1);
  out << ",\n  \"rows\": ";
  if (report.rows.empty()) {
    out << "[]";
  } else {
    out << "[";
    std::string text;
    const std::string series_start =
        report.bucket_s > 0 ? format_iso8601_utc(report.series_start) : std::string();
    BucketPart part;
    part.series_start = &series_start;
    for (size_t i = 0; i < report.rows.size(); ++i) {
      text = i == 0 ? "\n    " : ",\n    ";
      row_text(&text, report.rows[i], report, 2, 4, part);
      out << text;
    }
    out << "\n  ]";
  }
  out << ",\n  \"stats\": ";
  write_nested(out, stats_json(report.stats, report.names, report.attribution, report.cross_scope),
               1);
  if (report.sample) {
    const SampleInfo& x = *report.sample;
    out << ",\n  \"estimated\": true,\n  \"sample\": ";
    write_nested(out,
                 Json{{"span_s", x.span_s},
                      {"period_s", x.period_s},
                      {"slices", x.slices},
                      {"factor", x.factor},
                      {"sampled_bytes_read", x.sampled_totals.bytes_read},
                      {"sampled_bytes_written", x.sampled_totals.bytes_written},
                      {"sampled_bytes_total", x.sampled_totals.bytes_total()},
                      {"bytes_read", report.totals.bytes_read},
                      {"bytes_written", report.totals.bytes_written},
                      {"bytes_total", report.totals.bytes_total()}},
                 1);
  }
  out << ",\n  \"partial\": " << (report.partial ? "true" : "false");
  out << ",\n  \"failed_inputs\": ";
  write_nested(out, failed_inputs_json(report.failed_inputs), 1);
  if (!report.failed_calls.empty()) {
    Json calls = Json::array();
    for (const FailedCall& f : report.failed_calls) {
      Json item = Json::object();
      item["call"] = f.call;
      item["error"] = f.error;
      item["ips"] = f.ips;
      if (!f.scope.empty()) item["scope"] = f.scope;
      calls.push_back(std::move(item));
    }
    out << ",\n  \"failed_calls\": ";
    write_nested(out, calls, 1);
  }
  if (!report.notes.empty()) {
    out << ",\n  \"notes\": ";
    write_nested(out, Json(report.notes), 1);
  }
  if (report.file_systems) {
    out << ",\n  \"file_systems\": ";
    write_nested(out, file_systems_json(*report.file_systems, report.sample.has_value()), 1);
    out << ",\n  \"efs_rates\": ";
    write_nested(out,
                 Json{{"read_usd_per_gib", report.efs_read_usd_per_gib},
                      {"write_usd_per_gib", report.efs_write_usd_per_gib}},
                 1);
  }
  if (report.sources) {
    out << ",\n  \"sources\": ";
    write_nested(out, sources_json(*report.sources), 1);
  }
  // How the report was asked and by whom: the HTML page shows them, and a
  // reader of the JSON can tell a cut report (total_rows > rows) from a whole.
  Json query = Json::object();
  query["group_by"] = report.run && !report.run->group_by.empty()
                          ? report.run->group_by
                          : std::string(group_by_name(report.group_by));
  query["sort"] = std::string(sort_key_name(report.sort_by));
  query["total_rows"] = report.total_rows;
  out << ",\n  \"query\": ";
  write_nested(out, query, 1);
  if (report.run) {
    Json run = Json::object();
    run["version"] = report.run->version;
    run["command"] = report.run->command;
    out << ",\n  \"efstop\": ";
    write_nested(out, run, 1);
  }
  out << "\n}\n";
}

namespace {

// NDJSON's long form (docs/json.md): a line per row and bucket, the row's
// object with the bucket's four members at its end. The row's part is
// written once and the bucket times formatted once per report, the lines
// batched: row by row through RowText, the 1.47 M lines of `--bucket 5m
// --top 0` on bench/whole's file took 0.6 s to write (docs/PERFORMANCE.md).
void write_ndjson_long_form(const Report& report, std::ostream& out) {
  std::vector<std::string> starts;
  starts.reserve(static_cast<size_t>(report.series_buckets));
  for (int64_t k = 0; k < report.series_buckets; ++k) {
    starts.push_back(format_iso8601_utc(report.series_start + k * report.bucket_s));
  }
  char number[24];
  const std::string bucket_s(number,
                             std::to_chars(number, number + sizeof number, report.bucket_s).ptr);
  constexpr size_t kBatchBytes = size_t{64} << 10;
  std::string batch;
  std::string prefix;
  for (const Row& row : report.rows) {
    prefix.clear();
    BucketPart open;
    open.open = true;
    row_text(&prefix, row, report, -1, 0, open);
    prefix += ",\"bucket_s\":";
    prefix += bucket_s;
    prefix += ",\"bucket_start\":\"";
    // The row's cells walked bucket by bucket (as series_text does).
    const std::vector<BucketCell>& cells = row.series.cells;
    size_t j = static_cast<size_t>(
        std::partition_point(cells.begin(), cells.end(),
                             [&](const BucketCell& c) { return c.start < report.series_start; }) -
        cells.begin());
    for (int64_t k = 0; k < report.series_buckets; ++k) {
      const int64_t start = report.series_start + k * report.bucket_s;
      int64_t read = 0;
      int64_t written = 0;
      for (; j < cells.size() && cells[j].start < start + report.bucket_s; ++j) {
        read += cells[j].bytes_read;
        written += cells[j].bytes_written;
      }
      // --sample: buckets no slice overlaps are absent (no line).
      if (report.sample && !report.sample->covers_bucket(start, report.bucket_s)) continue;
      batch += prefix;
      batch += starts[static_cast<size_t>(k)];
      batch += "\",\"bucket_read\":";
      batch.append(number, write_decimal(number, read));
      batch += ",\"bucket_written\":";
      batch.append(number, write_decimal(number, written));
      batch += "}\n";
      if (batch.size() >= kBatchBytes) {
        out << batch;
        batch.clear();
      }
    }
  }
  out << batch;
}

}  // namespace

void write_ndjson(const Report& report, std::ostream& out) {
  std::string text;
  if (report.bucket_s > 0 && report.series_buckets > 0) {
    write_ndjson_long_form(report, out);
  } else {
    for (const Row& row : report.rows) {
      text.clear();
      // With --bucket but no bucket in the report: each row alone, its bucket
      // members null.
      row_text(&text, row, report, -1, 0, BucketPart{report.bucket_s > 0, nullptr});
      text += '\n';
      out << text;
    }
  }
  Json last = Json::object();
  // The last line stays {"stats":{...}} alone (readers take it as such):
  // a partial report says so on stderr and in the exit status instead.
  last["stats"] = stats_json(report.stats, report.names, report.attribution, report.cross_scope);
  out << dump(last, -1) << '\n';
}

}  // namespace efstop::report
