// `efstop top`: bytes per client/file-system pair from flow-log files.
//
// Steps: parse the options; run the flow-log engine over the sources;
// report what could not be read; stop on --strict findings; shape the
// pairs (--min-bytes, --group-by, --sort, --top); write the report to
// stdout and the summary to stderr.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/args.h"
#include "cli/aws_flags.h"
#include "cli/cloud_flags.h"
#include "cli/command.h"
#include "cli/history_report.h"
#include "cli/input_flags.h"
#include "cli/metrics_flags.h"
#include "cli/name_flags.h"
#include "cli/sample_arg.h"
#include "cli/scope_flags.h"
#include "cli/scope_metrics.h"
#include "cli/scope_pairs.h"
#include "cli/server_ips_arg.h"
#include "cli/time_arg.h"
#include "core/duration.h"
#include "flowlog/engine.h"
#include "flowlog/ip_address.h"
#include "report/model.h"
#include "report/shape.h"
#include "report/units.h"
#include "report/writer.h"
#include "store/history_store.h"
#include "store/name_store.h"

namespace efstop::cli {

namespace {

struct TopSettings {
  report::OutputFormat output = report::OutputFormat::kTable;
  std::string html_file;       // --html FILE: the page, beside any --output
  bool top_given = false;      // --top given: the page shows that many rows too
  report::TableOptions table;  // --wide
  report::ShapeOptions shape;
  flowlog::EngineOptions engine;
  std::optional<int64_t> start;
  std::optional<int64_t> end;
  std::optional<std::string> since;  // resolved against ctx.now() after parsing
  bool strict = false;
  bool allow_partial = false;
  bool quiet = false;
  CloudFlags cloud;      // issue 5: flow logs read from AWS (cli/cloud_flags.h)
  NameFlags names;       // issue 4: names (cli/name_flags.h)
  MetricsFlags metrics;  // issue 14: the file systems' own metrics (cli/metrics_flags.h)
  ScopeFlags scopes;     // issue 18: many regions and accounts (cli/scope_flags.h)
  NameGrouping name_grouping = NameGrouping::kNone;  // --group-by fs|name|az
  bool group_by_given = false;                       // no --group-by: fs with names, pair without
  bool help = false;
  bool version = false;
  // issue 14: collected history (docs/history.md).
  bool from_store = false;      // --from-store: the store's buckets, no flow logs read
  std::optional<ProfileBy> by;  // --by hour-of-day|day-of-week
  bool openmetrics = false;     // --output openmetrics (with --from-store)
  std::optional<flowlog::SampleSpec> sample;  // --sample SPAN/PERIOD (cli/sample_arg.h)
  // Set by run_top before reading (not options): the width of the pairs'
  // series after --sample, and the metric grid when the file systems'
  // metrics are read; each scope of a multi-account read needs both.
  int64_t series_s = 0;
  std::optional<enrich::BucketGrid> metric_grid;
};

std::string lowercase_errno(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::vector<OptionGroup> make_groups(TopSettings* s) {
  std::vector<OptionGroup> groups;

  OptionGroup input("Input");
  add_input_flags(&input, &s->engine);
  groups.push_back(std::move(input));

  OptionGroup window("Time window (on each record's start; UTC unless a zone is given)");
  window.add_value("--start", "TIME",
                   "first second counted: 2026-11-26T14:00:00Z, '2026-11-26 14:00',\n"
                   "or Unix seconds",
                   [s](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(s->start, parse_time_arg(v));
                     return Status();
                   });
  window.add_value("--end", "TIME", "first second no longer counted (exclusive)",
                   [s](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(s->end, parse_time_arg(v));
                     return Status();
                   });
  window.add_value("--since", "DURATION", "start that long before now: 30m, 2h, 7d, 1h30m",
                   [s](std::string_view v) -> Status {
                     EFSTOP_RETURN_IF_ERROR(parse_duration(v).status());
                     s->since = std::string(v);
                     return Status();
                   });
  groups.push_back(std::move(window));

  OptionGroup shape("Report");
  shape.add_value("--output", "FORMAT",
                  std::string("table (default), tsv, csv, json, ndjson or html\n"
                              "(one self-contained page with charts: docs/report-html.md);\n"
                              "with --from-store also openmetrics (the latest collection)"),
                  [s](std::string_view v) -> Status {
                    s->openmetrics = v == "openmetrics";
                    if (s->openmetrics) return Status();
                    auto format = report::parse_output_format(v);
                    if (!format) {
                      return invalid_argument_error(
                          std::string("want one of ").append(report::output_format_choices()));
                    }
                    s->output = *format;
                    return Status();
                  });
  shape.add_value("--html", "FILE",
                  "also write the report as an HTML page to FILE (every row\n"
                  "unless --top is given), beside the --output on stdout",
                  [s](std::string_view v) -> Status {
                    if (v.empty()) return invalid_argument_error("want a file name");
                    s->html_file = std::string(v);
                    return Status();
                  });
  shape.add_flag("--wide",
                 "table with names: every column (addresses, ids, accounts,\n"
                 "packets) instead of the compact default",
                 [s] { s->table.wide = true; });
  shape.add_value("--group-by", "KEY",
                  "pair (client and server address), client or server; with\n"
                  "names also fs (client by file system, its mount targets\n"
                  "merged), name (client name by file system) or az (client AZ\n"
                  "by mount-target AZ). Default: fs with names, else pair.\n"
                  "fs, name and az imply --names unless --inventory, --offline\n"
                  "or --labels is given",
                  [s](std::string_view v) -> Status {
                    s->group_by_given = true;
                    s->name_grouping = v == "fs"     ? NameGrouping::kFileSystem
                                       : v == "name" ? NameGrouping::kName
                                       : v == "az"   ? NameGrouping::kAz
                                                     : NameGrouping::kNone;
                    if (s->name_grouping != NameGrouping::kNone) {
                      s->shape.group_by = report::GroupBy::kPair;
                      return Status();
                    }
                    auto g = report::parse_group_by(v);
                    if (!g)
                      return invalid_argument_error("want pair, client, server, fs, name or az");
                    s->shape.group_by = *g;
                    return Status();
                  });
  shape.add_value(
      "--sort", "KEY",
      "total (default), read, written, packets, flows or rejected;\n"
      "biggest first, ties by client then server address",
      [s](std::string_view v) -> Status {
        auto k = report::parse_sort_key(v);
        if (!k)
          return invalid_argument_error("want total, read, written, packets, flows or rejected");
        s->shape.sort_by = *k;
        return Status();
      });
  shape.add_value("--top", "N", "show the N first rows (default 50; 0 = all)",
                  [s](std::string_view v) -> Status {
                    EFSTOP_ASSIGN_OR_RETURN(s->shape.top, parse_count(v, 1000000000));
                    s->top_given = true;
                    return Status();
                  });
  shape.add_value("--bucket", "WIDTH",
                  "also bytes per UTC-aligned time bucket of 1m, 5m, 15m, 1h or\n"
                  "1d: a series per row in JSON, one line per row and bucket in\n"
                  "CSV/TSV/NDJSON, a sparkline and the peak rate in the table",
                  [s](std::string_view v) -> Status {
                    static constexpr std::pair<std::string_view, int64_t> kWidths[] = {
                        {"1m", 60}, {"5m", 300}, {"15m", 900}, {"1h", 3600}, {"1d", 86400}};
                    for (const auto& [name, seconds] : kWidths) {
                      if (v == name) {
                        s->engine.bucket_s = seconds;
                        s->shape.bucket_s = seconds;
                        return Status();
                      }
                    }
                    return invalid_argument_error("want 1m, 5m, 15m, 1h or 1d");
                  });
  shape.add_value("--sample", "SPAN/PERIOD",
                  "count only SPAN of every PERIOD (UTC-aligned slices, e.g. 5m/1h)\n"
                  "and show the bytes scaled by PERIOD/SPAN as estimates (~)",
                  [s](std::string_view v) -> Status {
                    EFSTOP_ASSIGN_OR_RETURN(s->sample, flowlog::parse_sample(v));
                    return Status();
                  });
  shape.add_flag("--ascii", "the --bucket sparkline in plain ASCII, not Unicode blocks",
                 [s] { s->table.ascii = true; });
  shape.add_value("--min-bytes", "SIZE",
                  "leave out client/server pairs that moved fewer bytes\n"
                  "(read + written) than SIZE: 1000000, 500MiB, 2GiB",
                  [s](std::string_view v) -> Status {
                    EFSTOP_ASSIGN_OR_RETURN(s->shape.min_bytes, parse_byte_size(v));
                    return Status();
                  });
  groups.push_back(std::move(shape));

  OptionGroup history("Collected history (efstop collect; docs/history.md)");
  history.add_flag("--from-store",
                   "report from the buckets 'efstop collect' stored, for the\n"
                   "--since/--start/--end window (a bucket counts when it starts\n"
                   "in it; default: the last hour); reads no flow logs and calls\n"
                   "no AWS API. Names: as collected (--no-names: addresses), or\n"
                   "--offline, --inventory or --labels. --bucket: the store's\n"
                   "bucket width or coarser",
                   [s] { s->from_store = true; });
  history.add_value("--by", "PROFILE",
                    "with --from-store: fold the buckets into a profile per row,\n"
                    "hour-of-day (24 UTC hours) or day-of-week (7 UTC days), and\n"
                    "name each row's peak (\"writes 83 % of its written bytes\n"
                    "between 01:00 and 03:00 UTC\")",
                    [s](std::string_view v) -> Status {
                      if (v == "hour-of-day") {
                        s->by = ProfileBy::kHourOfDay;
                      } else if (v == "day-of-week") {
                        s->by = ProfileBy::kDayOfWeek;
                      } else {
                        return invalid_argument_error("want hour-of-day or day-of-week");
                      }
                      return Status();
                    });
  groups.push_back(std::move(history));

  OptionGroup names("Names (docs/names.md)");
  add_name_flags(&names, &s->names);
  groups.push_back(std::move(names));
  OptionGroup aws_group("AWS connection (with --names, or when no SOURCE is named)");
  add_aws_flags(&aws_group, &s->names.aws);
  groups.push_back(std::move(aws_group));

  OptionGroup cloud_group("Flow logs in AWS (read when no SOURCE is named; docs/sources.md)");
  add_cloud_flags(&cloud_group, &s->cloud);
  groups.push_back(std::move(cloud_group));

  OptionGroup scope_group("Many regions and accounts (reading from AWS; docs/multi-account.md)");
  add_scope_flags(&scope_group, &s->scopes);
  scope_group.add_flag("--s3-all-folders",
                       "--s3 with --accounts/--organization: also read the bucket's other\n"
                       "account folders (a shared VPC's records of asked accounts' ENIs)",
                       [s] { s->cloud.s3_all_folders = true; });
  groups.push_back(std::move(scope_group));

  OptionGroup metrics_group(
      "File systems' own CloudWatch metrics (reading from AWS; docs/metrics.md)");
  add_metrics_flags(&metrics_group, &s->metrics);
  groups.push_back(std::move(metrics_group));

  OptionGroup general("General");
  general.add_flag("--strict",
                   "fail (exit 1, no report) when any line is skipped or any\n"
                   "input cannot be read",
                   [s] { s->strict = true; });
  general.add_flag("--allow-partial",
                   "exit 0, not 3, when some input could not be read (the report\n"
                   "still says it is partial)",
                   [s] { s->allow_partial = true; });
  general.add_flag("--quiet", "print no summary and no skipped-line details on stderr",
                   [s] { s->quiet = true; });
  general.add_flag("--help", "show this help", [s] { s->help = true; });
  general.add_flag("--version", "show the version", [s] { s->version = true; });
  groups.push_back(std::move(general));
  return groups;
}

std::vector<OptionGroup*> pointers(std::vector<OptionGroup>& groups) {
  std::vector<OptionGroup*> out;
  for (OptionGroup& g : groups) out.push_back(&g);
  return out;
}

// Tells stderr the engine's warnings (even with --quiet), what could not be
// read, and which lines were skipped (the first few per input, as the engine
// kept them).
void print_input_problems(const flowlog::EngineResult& result, bool quiet, std::ostream& err) {
  for (const std::string& warning : result.warnings) err << "efstop: warning: " << warning << '\n';
  for (const flowlog::InputReport& input : result.inputs) {
    if (input.failed) err << "efstop: read " << input.error << '\n';
    if (quiet) continue;
    for (const std::string& diagnostic : input.diagnostics) {
      err << "efstop: skip " << diagnostic << '\n';
    }
    const int64_t hidden = input.skipped - static_cast<int64_t>(input.diagnostics.size());
    if (hidden > 0) {
      err << "efstop: skip " << input.name << ": " << hidden << " more malformed line"
          << (hidden == 1 ? "" : "s") << " not shown\n";
    }
  }
}

report::Stats to_report_stats(const flowlog::FlowStats& f) {
  report::Stats s;
  s.lines = f.lines;
  s.records = f.records;
  s.used = f.used;
  s.skipped = f.skipped;
  s.nodata = f.nodata;
  s.skipdata = f.skipdata;
  s.not_efs = f.not_efs;
  s.outside_window = f.outside_window;
  s.duplicates = f.duplicates;
  s.unknown_address = f.unknown_address;
  s.unknown_bytes = f.unknown_bytes;
  s.outside_scopes = f.outside_scopes;
  s.files = f.files;
  s.files_failed = f.files_failed;
  return s;
}

// Unless `keep_series`, each pair's series moves into its row (one type,
// core/bucket_bytes.h): with --bucket 5m on bench/whole's file the series
// are 17 MB, and copying them cell by cell was a second pass over them
// (docs/PERFORMANCE.md). With `keep_series` (the file systems' metrics
// still need the pairs) they are copied.
std::vector<report::Row> to_rows(std::vector<flowlog::PairTotals>* pairs, bool keep_series) {
  std::vector<report::Row> rows;
  rows.reserve(pairs->size());
  for (flowlog::PairTotals& p : *pairs) {
    report::Row row;
    row.client = report::end_from_ip(p.client.to_string());
    row.server = report::end_from_ip(p.server.to_string());
    row.counters.bytes_read = p.bytes_read;
    row.counters.bytes_written = p.bytes_written;
    row.counters.packets = p.packets;
    row.counters.flows = p.flows;
    row.counters.rejected = p.rejected;
    // INT64_MAX / INT64_MIN: no record's start / end was known.
    if (p.first_seen != INT64_MAX) row.counters.first_seen = p.first_seen;
    if (p.last_seen != INT64_MIN) row.counters.last_seen = p.last_seen;
    row.counters.packets_unknown = p.packets_unknown;
    row.counters.bytes_unknown = p.bytes_unknown;
    if (keep_series) {
      row.series.cells = p.series;
    } else {
      row.series.cells = std::move(p.series);
      p.series = {};
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// An input's error without its leading "<name>: " (the JSON and the summary
// give the name beside it).
std::string cause_of(const flowlog::InputReport& input) {
  const std::string prefix = input.name + ": ";
  return input.error.rfind(prefix, 0) == 0 ? input.error.substr(prefix.size()) : input.error;
}

// Hints for the reader when the answer is empty for a reason they can fix.
std::vector<std::string> make_notes(const flowlog::FlowStats& s, const TopSettings& settings) {
  std::vector<std::string> notes;
  if (s.records == 0 && s.skipped == 0) {
    notes.push_back("no flow-log records in the input");
  } else if (s.records == 0) {
    notes.push_back(
        "no line could be read as a flow-log record; check --log-format (or the files' header "
        "line) against the flow log's format");
  } else if (s.used == 0 && s.not_efs > 0 && settings.engine.server_ips.empty()) {
    notes.push_back(
        "no EFS traffic found (TCP port 2049); if the mount targets' addresses are known, "
        "pass them with --server-ips");
  } else if (s.used == 0 && s.not_efs > 0) {
    notes.push_back("no record involves a --server-ips address");
  }
  if (s.used == 0 && s.outside_window > 0) {
    notes.push_back("every counted record started outside the --start/--end/--since window");
  }
  return notes;
}

// Reads the flow logs from AWS for the window (cli/cloud_flags.h), with
// the names' AWS session and mount targets when names are on.
Result<flowlog::EngineResult> read_from_aws(const TopSettings& settings,
                                            const std::optional<Naming>& naming,
                                            CommandContext& ctx, std::vector<SourceScan>* scans) {
  std::optional<AwsSession> own;
  aws::AwsClient* client = nullptr;
  if (naming && naming->aws) {
    client = naming->aws->client.get();
  } else {
    EFSTOP_ASSIGN_OR_RETURN(
        own, open_aws_session(settings.names.aws, aws::EnvVars::from_process(), ctx.err));
    client = own->client.get();
  }
  std::optional<std::vector<aws::MountTarget>> mount_targets;
  if (naming) mount_targets = naming->resolver->efs().mount_targets;
  return read_cloud_sources(settings.cloud, client, settings.engine, *settings.start, *settings.end,
                            mount_targets, ctx.err, settings.quiet, ::isatty(STDERR_FILENO) == 1,
                            scans);
}

// One account and region of a multi-account / multi-region report.
struct ScopeOutcome {
  std::vector<report::Row> rows;  // named and grouped, tagged with the scope
  flowlog::EngineResult engine;   // its pairs until the rows are made
  // Its names, opened before its read (its mount targets are its side of the
  // counting rule) and kept until every scope is named: another scope's row
  // may need one of its addresses (finish_scopes).
  std::optional<Naming> naming;
  enrich::ResolveStats names;
  int64_t below_min_bytes = 0;
  std::string messages;  // what the scope said on stderr, printed in scope order
  Status failed;         // the scope could not be read at all
  // With metrics: the scope's pairs (series at the metric period) and its
  // names (its EFS inventory), for read_scope_metrics once rows are final.
  std::vector<flowlog::PairTotals> metric_pairs;
  std::vector<SourceScan> scans;  // what its reads cost (JSON "sources")
};

// Opens one scope's names (its view of the run's one store, `store`); its
// mount targets become the server side of its counting rule (`engine`).
// Messages go to `err`.
Status open_scope(const TopSettings& settings, const Scope& scope, const SharedStore& store,
                  int64_t now, std::ostream& err, std::optional<Naming>* naming,
                  flowlog::EngineOptions* engine) {
  Result<Naming> opened =
      open_naming(settings.names, now, err, &scope.session, scope.store_scope, &store);
  if (!opened.ok()) return opened.status();
  if (Status efs = opened->resolver->efs_status(); !efs.ok()) return efs;
  *engine = settings.engine;
  for (const aws::MountTarget& m : opened->resolver->efs().mount_targets) {
    for (const std::string* ip : {&m.ip, &m.ipv6}) {
      if (auto a = flowlog::IpAddress::parse(*ip)) engine->server_ips.push_back(*a);
    }
    if (!m.eni_id.empty()) engine->server_enis.push_back(m.eni_id);
  }
  *naming = std::move(opened).value();
  return Status();
}

// Reads one scope's flow logs as the single-account command reads its
// account and region: its mount targets (names), then its flow logs. Naming
// waits until every scope is read (finish_scopes). (A central bucket is read
// once for every scope instead: read_central_bucket.)
ScopeOutcome read_scope(const TopSettings& settings, const Scope& scope, const SharedStore& store,
                        int64_t now) {
  ScopeOutcome out;
  std::ostringstream err;
  flowlog::EngineOptions engine;
  out.failed = open_scope(settings, scope, store, now, err, &out.naming, &engine);
  if (!out.failed.ok()) {
    out.messages = err.str();
    return out;
  }
  if (out.naming->resolver->efs().mount_targets.empty()) {
    // Discovery follows the mount targets: with none there is no flow log to
    // look for, and nothing of this account's own to count. Not a failure:
    // most accounts of an organization have no file system in most regions,
    // and their addresses may still name another account's clients.
    if (!settings.quiet) {
      err << "efstop: no EFS mount target in " << scope.label()
          << ": no flow log discovered or read there\n";
    }
    out.messages = err.str();
    return out;
  }
  Result<flowlog::EngineResult> read = read_cloud_sources(
      settings.cloud, scope.session.client.get(), engine, *settings.start, *settings.end,
      out.naming->resolver->efs().mount_targets, err, settings.quiet, false, &out.scans);
  for (SourceScan& scan : out.scans) scan.scope = scope.label();
  if (!read.ok()) {
    out.failed = read.status();
    out.messages = err.str();
    return out;
  }
  out.engine = std::move(read).value();
  out.messages = err.str();
  return out;
}

// Runs f(i) for i in [0, n), at most `concurrency` at once.
template <typename F>
void for_each_bounded(size_t n, int concurrency, F&& f) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, concurrency)));
  for (size_t w = 0; w < threads; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) f(i);
    });
  }
  for (std::thread& t : workers) t.join();
}

// A central bucket (--s3 with scopes; docs/multi-account.md): every scope's
// names are opened first (its mount targets are its side of the counting
// rule), then the bucket is read ONCE with the caller's credentials (the
// log-archive account's): each (account, region) folder listed once, each
// object read once, and each record attributed by the engine to the scope
// of its account-id / region fields (else its folder's). Each scope's pairs
// are left in its outcome for finish_scopes. The read's own messages go to
// `err`.
std::vector<ScopeOutcome> read_central_bucket(const TopSettings& settings, const ScopePlan& plan,
                                              const AwsSession& caller, const SharedStore& store,
                                              int64_t now, std::ostream& err,
                                              flowlog::EngineResult* shared,
                                              std::vector<SourceScan>* scans) {
  const size_t n = plan.scopes.size();
  std::vector<ScopeOutcome> outcomes(n);
  std::vector<flowlog::EngineOptions> engines(n);
  for_each_bounded(n, settings.scopes.concurrency, [&](size_t i) {
    std::ostringstream scope_err;
    outcomes[i].failed = open_scope(settings, plan.scopes[i], store, now, scope_err,
                                    &outcomes[i].naming, &engines[i]);
    outcomes[i].messages = scope_err.str();
  });
  // The routing table: the scopes that opened, in plan order.
  flowlog::EngineOptions engine = settings.engine;
  std::vector<size_t> scope_of_route;
  for (size_t i = 0; i < n; ++i) {
    if (!outcomes[i].failed.ok()) continue;
    flowlog::ScopeRoute route;
    route.account = plan.scopes[i].account;
    route.region = plan.scopes[i].region;
    route.server_ips = std::move(engines[i].server_ips);
    route.server_enis = std::move(engines[i].server_enis);
    engine.scopes.push_back(std::move(route));
    scope_of_route.push_back(i);
  }
  if (engine.scopes.empty()) return outcomes;
  Result<flowlog::EngineResult> read = read_cloud_sources(
      settings.cloud, caller.client.get(), engine, *settings.start, *settings.end,
      std::vector<aws::MountTarget>{}, err, settings.quiet, false, scans);
  if (!read.ok()) {
    // No scope's flow logs were read: each is a failed input, as itself.
    for (size_t i : scope_of_route) outcomes[i].failed = read.status();
    return outcomes;
  }
  *shared = std::move(read).value();
  for (size_t k = 0; k < scope_of_route.size(); ++k) {
    ScopeOutcome& o = outcomes[scope_of_route[k]];
    o.engine.stats = shared->scoped[k].stats;
    o.engine.pairs = std::move(shared->scoped[k].pairs);
  }
  return outcomes;
}

// Names the addresses that scope `x` (an index into `opened`) found in no
// ENI of its own account ("external") with the other opened scopes of its
// region: first the scope its pair came from (CrossScopeResult::client_from),
// then the others in plan order. The first that names one (not external,
// not unresolved) names it; every call made is counted in x's naming stats,
// and a call that failed is x's failed call. Returns how many were named.
int64_t name_from_other_scopes(size_t x, const std::vector<size_t>& opened, const ScopePlan& plan,
                               std::vector<ScopeOutcome>& outcomes, const CrossScopeResult& rule,
                               const std::map<std::string, int64_t>& ip_times,
                               enrich::ResolveResult* resolved) {
  const std::string& region = plan.scopes[opened[x]].region;
  std::vector<size_t> others;  // positions in `opened`, plan order
  for (size_t y = 0; y < opened.size(); ++y) {
    if (y != x && plan.scopes[opened[y]].region == region) others.push_back(y);
  }
  if (others.empty()) return 0;
  std::map<std::string, std::vector<size_t>> order;  // address -> the scopes to ask, in order
  for (const auto& [ip, name] : resolved->names) {
    if (name.kind != enrich::kind::kExternal) continue;
    std::vector<size_t>& ask = order[ip];
    const auto from = rule.client_from[x].find(ip);
    if (from != rule.client_from[x].end()) ask.push_back(from->second);
    for (size_t y : others) {
      if (ask.empty() || ask.front() != y) ask.push_back(y);
    }
  }
  int64_t named = 0;
  enrich::ResolveStats& stats = resolved->stats;
  for (size_t round = 0; !order.empty(); ++round) {
    std::map<size_t, std::map<std::string, int64_t>> asks;  // scope -> addresses
    for (auto it = order.begin(); it != order.end();) {
      if (round >= it->second.size()) {
        it = order.erase(it);
        continue;
      }
      asks[it->second[round]][it->first] = ip_times.at(it->first);
      ++it;
    }
    for (const auto& [y, ips] : asks) {
      enrich::ResolveResult other = outcomes[opened[y]].naming->resolver->resolve(ips);
      for (const auto& [api, calls] : other.stats.calls) stats.calls[api] += calls;
      for (enrich::FailedCall& f : other.stats.failed_calls) stats.failed_calls.push_back(f);
      for (std::string& w : other.stats.warnings) {
        stats.warnings.push_back(plan.scopes[opened[y]].label() + ": " + w);
      }
      // The other scope's own counters of the addresses it named.
      stats.mount_targets += other.stats.mount_targets;
      stats.looked_up += other.stats.looked_up;
      stats.cached += other.stats.cached;
      stats.from_history += other.stats.from_history;
      stats.labelled += other.stats.labelled;
      for (auto& [ip, name] : other.names) {
        if (name.kind == enrich::kind::kExternal || name.kind == enrich::kind::kUnresolved) {
          continue;
        }
        resolved->names[ip] = std::move(name);
        stats.external -= 1;
        ++named;
        order.erase(ip);
      }
    }
  }
  return named;
}

// After every scope's read (and before any naming): the cross-scope rule
// (cli/scope_pairs.h) over the scopes that were read, then each scope's
// rows made from its pairs (--min-bytes), named in the scope (an address
// its account does not have asked of the other scopes of its region) and
// tagged with it. Messages go to each scope's own. Returns what the rule did.
report::CrossScope finish_scopes(const TopSettings& settings, const ScopePlan& plan,
                                 std::vector<ScopeOutcome>& outcomes) {
  std::vector<size_t> opened;
  std::vector<ScopeCounts> counts;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].failed.ok()) continue;
    ScopeCounts c;
    c.account = plan.scopes[i].account;
    c.region = plan.scopes[i].region;
    for (const aws::MountTarget& m : outcomes[i].naming->resolver->efs().mount_targets) {
      for (const std::string* ip : {&m.ip, &m.ipv6}) {
        if (auto a = flowlog::IpAddress::parse(*ip)) c.mount_target_ips.push_back(*a);
      }
    }
    c.pairs = std::move(outcomes[i].engine.pairs);
    c.stats = outcomes[i].engine.stats;
    counts.push_back(std::move(c));
    opened.push_back(i);
  }
  const CrossScopeResult rule = assign_pairs_to_server_scopes(&counts);
  report::CrossScope cross = to_cross_scope(rule, counts);
  // Rows and names: each scope's own resolve in parallel, then the
  // addresses none of its ENIs has asked of the other scopes of its
  // region (one resolve() at a time per resolver: in turn), then the rows.
  const size_t k = opened.size();
  std::vector<std::map<std::string, int64_t>> ip_times(k);
  std::vector<enrich::ResolveResult> resolved(k);
  for_each_bounded(k, settings.scopes.concurrency, [&](size_t x) {
    ScopeOutcome& o = outcomes[opened[x]];
    o.engine.stats = counts[x].stats;
    // --sample: each pair's bytes inside the slices, as for one account.
    if (settings.sample)
      flowlog::apply_sample(&counts[x].pairs, *settings.sample, settings.series_s);
    const bool metrics = settings.metric_grid.has_value();
    std::vector<report::Row> rows = to_rows(&counts[x].pairs, /*keep_series=*/metrics);
    if (metrics) {
      // The pairs (series at the metric period) for read_scope_metrics.
      o.metric_pairs = std::move(counts[x].pairs);
    }
    counts[x].pairs.clear();
    if (settings.engine.bucket_s == 0) {
      for (report::Row& row : rows) row.series.cells.clear();
    }
    if (settings.name_grouping != NameGrouping::kNone && settings.shape.min_bytes > 0) {
      const int64_t min = settings.shape.min_bytes;
      const auto kept = std::remove_if(rows.begin(), rows.end(), [min](const report::Row& r) {
        return r.counters.bytes_total() < min;
      });
      o.below_min_bytes = static_cast<int64_t>(rows.end() - kept);
      rows.erase(kept, rows.end());
    }
    ip_times[x] = row_ip_times(rows);
    resolved[x] = o.naming->resolver->resolve(ip_times[x]);
    o.rows = std::move(rows);
  });
  for (size_t x = 0; x < k; ++x) {
    cross.names_from_other_scopes +=
        name_from_other_scopes(x, opened, plan, outcomes, rule, ip_times[x], &resolved[x]);
  }
  for_each_bounded(k, settings.scopes.concurrency, [&](size_t x) {
    const size_t i = opened[x];
    ScopeOutcome& o = outcomes[i];
    std::ostringstream err;
    o.rows =
        name_rows_resolved(std::move(o.rows), std::move(resolved[x]), o.naming->aws.has_value(),
                           settings.name_grouping, settings.quiet, err, &o.names);
    for (report::Row& row : o.rows) {
      row.account = plan.scopes[i].account;
      row.region = plan.scopes[i].region;
    }
    o.messages += err.str();
  });
  return cross;
}

// What the engine's routing did, for the report (JSON stats.attribution)
// and the summary lines. `failed` names the accounts and scopes that could
// not be read ("account 999900001111", "account 444455556666 eu-west-1").
report::Attribution to_attribution(const flowlog::RouteStats& r,
                                   const std::vector<flowlog::ScopeRoute>& scopes,
                                   const std::set<std::string>& failed) {
  report::Attribution a;
  a.by_field = r.by_field;
  a.by_key = r.by_key;
  for (const auto& [from_to, count] : r.moved) {
    report::AttributionMove m;
    if (from_to.first >= 0) {
      m.from_account = scopes[static_cast<size_t>(from_to.first)].account;
      m.from_region = scopes[static_cast<size_t>(from_to.first)].region;
    }
    m.account = scopes[static_cast<size_t>(from_to.second)].account;
    m.region = scopes[static_cast<size_t>(from_to.second)].region;
    m.records = count.records;
    m.bytes = count.bytes;
    a.moved.push_back(std::move(m));
  }
  for (const auto& [from_to, count] : r.moved_from_folder) {
    const flowlog::ScopeRoute& to = scopes[static_cast<size_t>(from_to.second)];
    a.moved.push_back({from_to.first.first, from_to.first.second, to.account, to.region,
                       count.records, count.bytes});
  }
  const auto reason = [&failed](const std::string& account, const std::string& region) {
    return failed.count("account " + account) > 0 ||
                   (!region.empty() && failed.count("account " + account + " " + region) > 0)
               ? "scope failed"
               : "not asked";
  };
  for (const auto& [account, prefix] : r.unread_folders) {
    a.unread_folders.push_back({account, prefix, reason(account, "")});
  }
  for (const auto& [where, count] : r.outside) {
    report::AttributionOutside o;
    o.account = where.first;
    o.region = where.second;
    o.records = count.records;
    o.bytes = count.bytes;
    o.reason = reason(o.account, o.region);
    a.outside.push_back(std::move(o));
  }
  a.unattributed_records = r.unattributed.records;
  a.unattributed_bytes = r.unattributed.bytes;
  return a;
}

// The attribution's lines for stderr ("attribution: ...").
std::vector<std::string> attribution_lines(const report::Attribution& a) {
  std::vector<std::string> lines;
  const auto records = [](int64_t n) {
    return std::to_string(n) + (n == 1 ? " record" : " records");
  };
  for (const report::AttributionMove& m : a.moved) {
    if (m.from_account.empty() && m.from_region.empty()) {
      lines.push_back(
          records(m.records) + " in objects whose folder names no account and region" +
          " were attributed by their fields: counted in " +
          (m.account.empty() ? std::string("the caller's account") : "account " + m.account) + " " +
          m.region);
    } else if (m.from_account != m.account) {
      lines.push_back(records(m.records) + " in account " + m.from_account + "'s folder (" +
                      m.from_region + ") were captured on account " + m.account +
                      "'s ENIs (shared VPC): counted in " + m.account +
                      (m.region != m.from_region ? " " + m.region : std::string()));
    } else {
      lines.push_back(records(m.records) + " in the " + m.from_region + " folder" +
                      (m.account.empty() ? std::string() : " of account " + m.account) +
                      " name region " + m.region + " in their region field: counted in " +
                      m.region);
    }
  }
  if (!a.outside.empty()) {
    int64_t n = 0;
    int64_t bytes = 0;
    std::string which;
    for (const report::AttributionOutside& o : a.outside) {
      n += o.records;
      bytes += o.bytes;
      if (!which.empty()) which += ", ";
      which += (o.account.empty() ? std::string("?") : o.account) + " " + o.region + " (" +
               records(o.records) + ", " + std::to_string(o.bytes) + " bytes, " + o.reason + ")";
    }
    lines.push_back(records(n) + " (" + std::to_string(bytes) +
                    " bytes) were captured on ENIs of accounts or regions this report does not "
                    "read: " +
                    which +
                    "; left out of the totals (their mount targets and names are there; add "
                    "them to --accounts/--regions to count them)");
  }
  if (!a.unread_folders.empty()) {
    // An organization's bucket may hold hundreds: the first few by name.
    std::string which;
    for (size_t i = 0; i < a.unread_folders.size() && i < 5; ++i) {
      which += (i > 0 ? ", " : "") + a.unread_folders[i].account + " (" +
               a.unread_folders[i].reason + ")";
    }
    if (a.unread_folders.size() > 5) {
      which += " and " + std::to_string(a.unread_folders.size() - 5) + " more";
    }
    const size_t n = a.unread_folders.size();
    lines.push_back(std::to_string(n) + " other account folder" + (n == 1 ? " " : "s ") +
                    "in the bucket " + (n == 1 ? "was" : "were") + " not read: " + which +
                    "; records of asked accounts' ENIs in them (shared VPC) are not counted; "
                    "--s3-all-folders reads them");
  }
  return lines;
}

// Every scope of the plan, at most --scope-concurrency at once, merged:
// rows side by side (never merged across scopes), counters summed, a
// scope that failed named as a failed input of the report.
struct ScopedRead {
  flowlog::EngineResult engine;
  std::vector<report::Row> rows;
  enrich::ResolveStats names;
  int64_t below_min_bytes = 0;
  std::vector<report::FailedInput> failures;
  // Naming calls that failed, each with its scope: that scope's names are
  // short of the truth (the report is partial), the others' are whole.
  std::vector<report::FailedCall> failed_name_calls;
  // A central bucket: how its records were attributed.
  std::optional<report::Attribution> attribution;
  // What the cross-scope rule did (cli/scope_pairs.h).
  report::CrossScope cross_scope;
  // With metrics: every scope's file systems (read_scope_metrics), and the
  // GetMetricData calls that failed, each with its scope.
  std::optional<std::vector<report::FileSystemMetrics>> file_systems;
  std::vector<report::FailedCall> failed_metric_calls;
  // What each read cost: a central bucket's once (no scope), then each
  // scope's own, in scope order.
  std::vector<SourceScan> sources;
};

Result<ScopedRead> read_scopes(const TopSettings& settings, const AwsSession& caller,
                               CommandContext& ctx) {
  EFSTOP_ASSIGN_OR_RETURN(ScopePlan plan, plan_scopes(settings.scopes, caller));
  if (!settings.quiet) {
    for (const std::string& note : plan.notes) ctx.err << "efstop: " << note << '\n';
  }
  // One store connection for every scope, each scope its view: a
  // connection per scope held two descriptors each until every scope was
  // named (docs/multi-account.md, "Scale").
  const SharedStore store = open_shared_store(settings.names, ctx.err);
  // A central bucket is read once for all scopes; otherwise each scope
  // reads its own flow logs.
  const bool central = !settings.cloud.s3.empty();
  std::vector<ScopeOutcome> outcomes;
  std::optional<flowlog::EngineResult> shared;
  std::ostringstream central_err;
  std::vector<SourceScan> central_scans;
  if (central) {
    shared.emplace();
    outcomes = read_central_bucket(settings, plan, caller, store, ctx.now(), central_err, &*shared,
                                   &central_scans);
  } else {
    outcomes.resize(plan.scopes.size());
    for_each_bounded(plan.scopes.size(), settings.scopes.concurrency, [&](size_t i) {
      outcomes[i] = read_scope(settings, plan.scopes[i], store, ctx.now());
    });
  }
  // Every scope is read: pairs to their mount target's scope, then names.
  ScopedRead merged;
  merged.cross_scope = finish_scopes(settings, plan, outcomes);
  merged.failures = plan.failures;
  merged.sources = std::move(central_scans);
  for (const report::FailedInput& f : plan.failures) {
    ctx.err << "efstop: read " << f.input << ": " << f.error << '\n';
  }
  if (central && !central_err.str().empty()) {
    ctx.err << "efstop: -- central bucket " << settings.cloud.s3 << " (every scope, read once)\n"
            << central_err.str();
  }
  for (size_t i = 0; i < outcomes.size(); ++i) {
    ScopeOutcome& o = outcomes[i];
    const std::string label = plan.scopes[i].label();
    if (!o.messages.empty() && (!settings.quiet || !o.failed.ok())) {
      ctx.err << "efstop: -- " << label << '\n' << o.messages;
    }
    if (!o.failed.ok()) {
      ctx.err << "efstop: read " << label << ": " << o.failed.message() << '\n';
      merged.failures.push_back({label, o.failed.message(), true});
      continue;
    }
    merged.engine.stats += o.engine.stats;
    for (SourceScan& scan : o.scans) merged.sources.push_back(std::move(scan));
    for (flowlog::InputReport& input : o.engine.inputs) {
      input.name = label + ": " + input.name;
      if (input.failed) input.error = label + ": " + input.error;
      merged.engine.inputs.push_back(std::move(input));
    }
    for (std::string& w : o.engine.warnings) merged.engine.warnings.push_back(label + ": " + w);
    merged.engine.used_interface_rule |= o.engine.used_interface_rule;
    merged.engine.used_overlap_rule |= o.engine.used_overlap_rule;
    for (report::Row& row : o.rows) merged.rows.push_back(std::move(row));
    merged.below_min_bytes += o.below_min_bytes;
    enrich::ResolveStats& n = merged.names;
    n.ips += o.names.ips;
    n.mount_targets += o.names.mount_targets;
    n.cached += o.names.cached;
    n.looked_up += o.names.looked_up;
    n.from_history += o.names.from_history;
    n.labelled += o.names.labelled;
    n.external += o.names.external;
    n.unresolved += o.names.unresolved;
    for (const auto& [reason, count] : o.names.unresolved_reasons) {
      n.unresolved_reasons[reason] += count;
    }
    for (const auto& [reason, action] : o.names.unresolved_iam_actions) {
      n.unresolved_iam_actions[reason] = action;
    }
    for (const auto& [api, calls] : o.names.calls) n.calls[api] += calls;
    for (report::FailedCall& f : to_failed_calls(o.names)) {
      f.scope = label;
      merged.failed_name_calls.push_back(std::move(f));
    }
  }
  if (shared && !shared->scoped.empty()) {
    // The read's inputs, lines and files once (not per scope), and the
    // records attributed to no scope.
    flowlog::EngineResult& r = *shared;
    merged.engine.stats.lines += r.stats.lines;
    merged.engine.stats.skipped += r.stats.skipped;
    merged.engine.stats.files += r.stats.files;
    merged.engine.stats.files_failed += r.stats.files_failed;
    merged.engine.stats.records += r.stats.outside_scopes;
    merged.engine.stats.outside_scopes += r.stats.outside_scopes;
    for (flowlog::InputReport& input : r.inputs) merged.engine.inputs.push_back(std::move(input));
    for (std::string& w : r.warnings) merged.engine.warnings.push_back(std::move(w));
    merged.engine.used_interface_rule |= r.used_interface_rule;
    merged.engine.used_overlap_rule |= r.used_overlap_rule;
    std::set<std::string> failed;
    for (const report::FailedInput& f : merged.failures) failed.insert(f.input);
    // The routing table held the scopes that opened, in plan order.
    std::vector<flowlog::ScopeRoute> routes;
    for (size_t i = 0; i < plan.scopes.size(); ++i) {
      if (!outcomes[i].failed.ok()) continue;
      routes.push_back(flowlog::ScopeRoute{plan.scopes[i].account, plan.scopes[i].region, {}, {}});
    }
    merged.attribution = to_attribution(r.routing, routes, failed);
    if (merged.attribution->unattributed_records > 0) {
      // Some asked region holds them, but which one cannot be told: the
      // totals are short by them, so the report is partial.
      merged.failures.push_back(
          {"records without a region",
           std::to_string(merged.attribution->unattributed_records) + " records (" +
               std::to_string(merged.attribution->unattributed_bytes) +
               " bytes) of objects whose key names no region and whose format has no region "
               "field (or '-'); several regions are read, so they are counted in none: give "
               "--s3 a folder of one region, or read them with one --regions"});
    }
    if (!settings.quiet) {
      for (const std::string& line : attribution_lines(*merged.attribution)) {
        ctx.err << "efstop: attribution: " << line << '\n';
      }
    }
  }
  if (!settings.quiet) {
    for (const std::string& line : cross_scope_lines(merged.cross_scope)) {
      ctx.err << "efstop: cross-scope: " << line << '\n';
    }
  }
  // Not one scope read: there is no report to give, partial or not (as a
  // read of one account that could read nothing). The failures are above.
  const bool any_read = std::any_of(outcomes.begin(), outcomes.end(),
                                    [](const ScopeOutcome& o) { return o.failed.ok(); });
  if (!any_read) {
    return io_error("read accounts and regions: none of the " +
                    std::to_string(merged.failures.size()) +
                    " could be read (each failure above); no report written");
  }
  // The file systems' metrics, each scope's with its own session, once
  // every scope's rows are final (cli/scope_metrics.h).
  if (settings.metric_grid) {
    std::vector<ScopeMetricsInput> inputs;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!outcomes[i].failed.ok() || !outcomes[i].naming) continue;
      const Scope& scope = plan.scopes[i];
      inputs.push_back(ScopeMetricsInput{
          scope.account, scope.region, scope.label(), scope.session.client.get(),
          &outcomes[i].naming->resolver->efs(), &outcomes[i].metric_pairs, &merged.rows});
    }
    enrich::AnalysisOptions options;
    options.read_usd_per_gib = settings.metrics.read_usd_per_gib;
    options.write_usd_per_gib = settings.metrics.write_usd_per_gib;
    std::vector<ScopeMetrics> read(inputs.size());
    for_each_bounded(inputs.size(), settings.scopes.concurrency, [&](size_t k) {
      read[k] = read_scope_metrics(inputs[k], *settings.metric_grid, options);
    });
    merged.file_systems.emplace();
    merge_scope_metrics(std::move(read), &*merged.file_systems, &merged.failed_metric_calls);
    for (const report::FailedCall& f : merged.failed_metric_calls) {
      ctx.err << "efstop: read metrics of " << f.scope << ": " << f.error << '\n';
    }
  }
  return merged;
}

// The command line for the report's "efstop.command": the arguments as
// given, except the user:password of a URL (--endpoint-url), which is a
// secret and becomes "REDACTED".
std::vector<std::string> recorded_command(const std::vector<std::string>& args) {
  std::vector<std::string> command = {"efstop"};
  for (std::string arg : args) {
    const size_t scheme = arg.find("://");
    if (scheme != std::string::npos) {
      const size_t host = scheme + 3;
      const size_t at = arg.find('@', host);
      const size_t slash = arg.find('/', host);
      if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
        arg.replace(host, at - host, "REDACTED");
      }
    }
    command.push_back(std::move(arg));
  }
  return command;
}

// Writes the HTML page to `path`; the error names the file.
Status write_html_file(const report::Report& rep, const std::string& path) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return io_error("write " + path + ": " + lowercase_errno(errno));
  report::write_html(rep, file);
  file.flush();
  if (!file) return io_error("write " + path + ": " + lowercase_errno(errno));
  return Status();
}

// The report's "efstop" block: version, the command (secrets redacted) and
// the grouping as the user names it.
report::RunInfo make_run_info(const TopSettings& settings, const std::vector<std::string>& args) {
  report::RunInfo run;
  run.version = efstop_version();
  run.command = recorded_command(args);
  run.group_by = settings.name_grouping == NameGrouping::kFileSystem ? "fs"
                 : settings.name_grouping == NameGrouping::kName     ? "name"
                 : settings.name_grouping == NameGrouping::kAz
                     ? "az"
                     : std::string(report::group_by_name(settings.shape.group_by));
  return run;
}

// Writes the report: the --html page (`page` when it differs from `rep`)
// to its file, then `rep` in the --output form to stdout. Both paths of
// top (flow logs, store) end here. Returns false after printing the error.
bool write_outputs(const report::Report& rep, const report::Report* page,
                   const TopSettings& settings, CommandContext& ctx) {
  if (!settings.html_file.empty()) {
    if (Status s = write_html_file(page ? *page : rep, settings.html_file); !s.ok()) {
      ctx.err << "efstop: " << s.message() << '\n';
      return false;
    }
  }
  if (Status s = report::write_report(rep, settings.output, ctx.out, settings.table); !s.ok()) {
    ctx.err << "efstop: " << s.message() << '\n';
    return false;
  }
  return true;
}

// `top --from-store` (docs/history.md): the rows come from the store's
// buckets instead of flow logs; no AWS call is made.
int run_top_from_store(TopSettings& settings, const std::vector<std::string>& sources,
                       const std::vector<std::string>& args, CommandContext& ctx) {
  auto usage = [&](std::string message) {
    return usage_error(ctx, "top", invalid_argument_error(std::move(message)));
  };
  if (!settings.from_store) {
    return usage(std::string(settings.by ? "parse --by" : "parse --output") +
                 ": it reads the collected history; add --from-store");
  }
  if (!sources.empty() || settings.cloud.any()) {
    return usage(
        "parse --from-store: it reads the store; name no SOURCE, --log-group, --s3 or "
        "--method with it");
  }
  if (settings.names.names) {
    return usage(
        "parse --from-store: it calls no AWS API, so not with --names; names come "
        "from the store with --offline (as they were at each row's time), or from "
        "--inventory or --labels");
  }
  const bool html_wanted =
      settings.output == report::OutputFormat::kHtml || !settings.html_file.empty();
  if (settings.by && (settings.openmetrics || html_wanted)) {
    return usage("parse --by: the profile is written as table, tsv, csv, json or ndjson");
  }
  if (settings.openmetrics && !settings.html_file.empty()) {
    return usage("parse --html: not with --output openmetrics");
  }
  if (settings.since) {
    if (settings.start) return usage("parse --since: --start is given too; use one");
    settings.start = ctx.now() - *parse_duration(*settings.since);
  }
  default_cloud_window(ctx.now(), &settings.start, &settings.end);
  if (*settings.start >= *settings.end) {
    return usage("parse --end: the window ends before it starts");
  }

  // The store.
  Result<std::string> dir = store::default_store_dir(settings.names.cache_dir);
  if (!dir.ok()) return usage_error(ctx, "top", dir.status());
  const std::string path = *dir + "/" + std::string(store::kStoreFileName);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    ctx.err << "efstop: read store " << path
            << ": no such file; run 'efstop collect' first (or give its --cache-dir)\n";
    return kExitFailure;
  }
  store::StoreOptions options;
  options.path = path;
  options.warn = [&ctx](const std::string& w) { ctx.err << "efstop: " << w << '\n'; };
  Result<std::unique_ptr<store::HistoryStore>> opened = store::HistoryStore::open(options);
  if (!opened.ok()) {
    ctx.err << "efstop: " << opened.status().message() << '\n';
    return kExitFailure;
  }
  store::HistoryStore& history = **opened;
  Result<std::optional<store::Collection>> last = history.last_ok_collection();
  if (!last.ok()) {
    ctx.err << "efstop: " << last.status().message() << '\n';
    return kExitFailure;
  }
  if (!*last) {
    ctx.err << "efstop: read store " << path
            << ": nothing collected yet; run 'efstop collect' first\n";
    return kExitFailure;
  }
  const int64_t width = (*last)->bucket_s;
  if (settings.by == ProfileBy::kHourOfDay && width > 3600) {
    return usage(
        "parse --by: the store holds buckets of a day; hour-of-day needs 1h or "
        "shorter ones");
  }
  // --bucket: a series from the stored buckets, which cannot be split (the
  // records' own times are not kept), so only as coarse as the store's or
  // coarser; every width is a multiple of the finer ones.
  const int64_t series_s = settings.shape.bucket_s;
  if (series_s > 0 && (settings.by || settings.openmetrics)) {
    return usage("parse --bucket: not with --by or --output openmetrics");
  }
  if (series_s > 0 && (series_s < width || series_s % width != 0)) {
    return usage("parse --bucket: the store " + path + " holds buckets of " +
                 std::to_string(width) +
                 " s; a series from it needs buckets of that width or "
                 "coarser (a stored bucket cannot be split: the records' own times are not "
                 "kept)");
  }
  const int64_t from = settings.openmetrics ? (*last)->window_start : *settings.start;
  const int64_t to = settings.openmetrics ? (*last)->window_end : *settings.end;
  // The names the collections stored (as each address was named when its
  // buckets were collected), unless names are asked for another way or
  // refused.
  std::map<std::string, enrich::EndpointName> collected;
  if (!settings.names.enabled() && !settings.names.no_names) {
    Result<std::map<std::string, store::CollectedName>> stored = history.collected_names(from, to);
    if (!stored.ok()) {
      ctx.err << "efstop: " << stored.status().message() << '\n';
      return kExitFailure;
    }
    for (const auto& [ip, n] : *stored) {
      enrich::EndpointName e;
      e.ip = ip;
      e.name = n.name;
      e.kind = n.kind;
      e.id = n.id;
      e.az = n.az;
      e.account = n.account;
      collected.emplace(ip, std::move(e));
    }
  }
  const bool have_names = settings.names.enabled() || !collected.empty();
  if (settings.name_grouping != NameGrouping::kNone && !have_names) {
    return usage(
        "parse --group-by: fs, name and az need names; the store holds none for the "
        "window (collect with names), so add --offline (the store's name history), "
        "--inventory or --labels");
  }
  if (have_names && !settings.group_by_given) {
    settings.name_grouping = NameGrouping::kFileSystem;
  }
  Result<StorePairs> pairs = read_store_pairs(history, from, to, width, settings.by, series_s);
  if (!pairs.ok()) {
    ctx.err << "efstop: " << pairs.status().message() << '\n';
    return kExitFailure;
  }
  // --min-bytes leaves out pairs before any grouping (and so before the
  // profile fold).
  int64_t below_min_bytes = 0;
  if (settings.shape.min_bytes > 0) {
    StorePairs kept;
    kept.buckets = pairs->buckets;
    for (size_t i = 0; i < pairs->rows.size(); ++i) {
      if (pairs->rows[i].counters.bytes_total() < settings.shape.min_bytes) {
        ++below_min_bytes;
        continue;
      }
      kept.rows.push_back(std::move(pairs->rows[i]));
      if (settings.by) kept.profiles.push_back(pairs->profiles[i]);
    }
    *pairs = std::move(kept);
    settings.shape.min_bytes = 0;
  }

  // Names: from the store (--offline), a dump or labels; never AWS.
  // Moved, not copied (with --bucket they carry every series), unless
  // --by still needs them for the profiles.
  std::vector<report::Row> rows = settings.by ? pairs->rows : std::move(pairs->rows);
  std::optional<report::NameStats> name_stats;
  std::vector<report::FailedCall> failed_name_calls;  // a partial dump's
  if (settings.names.enabled()) {
    Result<Naming> naming = open_naming(settings.names, ctx.now(), ctx.err);
    if (!naming.ok()) {
      if (naming.status().code() == StatusCode::kInvalidArgument) {
        return usage_error(ctx, "top", naming.status());
      }
      ctx.err << "efstop: " << naming.status().message() << '\n';
      return kExitFailure;
    }
    enrich::ResolveStats resolve_stats;
    rows = name_rows(std::move(rows), *naming, settings.names, settings.name_grouping,
                     settings.quiet, ctx.err, &resolve_stats);
    name_stats = to_name_stats(resolve_stats);
    failed_name_calls = to_failed_calls(resolve_stats);
  } else if (!collected.empty()) {
    rows = apply_names(std::move(rows), collected, settings.name_grouping);
  }
  if (settings.openmetrics) settings.shape.top = 0;
  report::Report rep = report::build_report(std::move(rows), report::Stats{},
                                            report::Window{from, to}, settings.shape);
  rep.stats.below_min_bytes = below_min_bytes;
  rep.names = name_stats;
  rep.failed_calls = failed_name_calls;
  if (!rep.failed_calls.empty()) rep.partial = true;
  rep.cross_az_usd_per_gib = settings.names.cross_az_usd_per_gib;
  rep.run = make_run_info(settings, args);
  if (!collected.empty()) {
    rep.notes.push_back(
        "names as collected: each address as it was named when 'efstop collect' "
        "stored its buckets (the name at the window's end), not as now");
  }
  if (pairs->buckets == 0) {
    rep.notes.push_back(
        "the store has no bucket starting in the window; 'efstop collect' "
        "covered up to " +
        report::format_iso8601_utc((*last)->window_end));
  }

  if (settings.openmetrics) {
    write_openmetrics(rep, **last, ctx.out);
  } else if (settings.by) {
    write_profile(rep, fold_profiles(rep.rows, *pairs, *settings.by), *settings.by, settings.output,
                  ctx.out);
  } else {
    if (!write_outputs(rep, nullptr, settings, ctx)) return kExitFailure;
  }
  if (!settings.quiet) {
    ctx.err << "from store: " << path << ": " << pairs->buckets << " pair-bucket rows of " << width
            << " s starting in " << report::format_iso8601_utc(from) << " to "
            << report::format_iso8601_utc(to) << "; no flow log read, no AWS call\n"
            << "rows: " << rep.total_rows
            << (rep.total_rows == static_cast<int64_t>(rep.rows.size())
                    ? ", all shown\n"
                    : ", " + std::to_string(rep.rows.size()) + " shown\n");
    for (const std::string& note : rep.notes) ctx.err << "note: " << note << '\n';
  }
  // Names from a partial dump: said even with --quiet, as for top.
  report::write_partial_notice(rep, ctx.err);
  if (rep.partial && !settings.allow_partial) return kExitPartial;
  return kExitOk;
}

}  // namespace

void print_top_help(std::ostream& out) {
  TopSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  out << "usage: efstop [top] [OPTIONS] SOURCE...\n"
      << "\n"
      << "Reads VPC Flow Logs and shows which clients move how many bytes to and from\n"
      << "which EFS mount targets. Each NFS conversation is counted once, even when both\n"
      << "ENIs log it. 'read' is server to client, 'written' client to server.\n"
      << "\n"
      << "SOURCE is a flow-log file (plain or gzip), a directory (read recursively),\n"
      << "or - for stdin. With no SOURCE, efstop finds where the mount targets' flow\n"
      << "logs go (DescribeFlowLogs) and reads them from CloudWatch Logs (Logs Insights)\n"
      << "or S3 for the window (default: the last hour).\n";
  print_options(pointers(groups), out);
  out << "\n"
      << "Examples:\n"
      << "  efstop flowlogs/                                 top 50 pairs, as a table\n"
      << "  efstop --server-ips mount-targets.txt --since 2h flowlogs/\n"
      << "  efstop --group-by client --output csv --top 0 a.log.gz b.log.gz > clients.csv\n"
      << "  zcat *.log.gz | efstop --output json -\n"
      << "  efstop --profile prod --region eu-west-1 --since 1h   flow logs found in AWS\n"
      << "  efstop --log-group /vpc/flow-logs --method raw --since 30m\n"
      << "  efstop --names --group-by name --region eu-west-1 flowlogs/\n"
      << "  efstop --inventory inventory.json --labels onprem.txt flowlogs/\n"
      << "\n"
      << "The report goes to stdout; skipped lines and a summary of every record go to\n"
      << "stderr. Exit status: 0 success, 1 runtime failure (or --strict findings),\n"
      << "2 usage error, 3 partial report (some input could not be read; see\n"
      << "--allow-partial).\n";
}

int run_top(const std::vector<std::string>& args, CommandContext& ctx) {
  // 1. Options.
  TopSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  std::vector<std::string> sources;
  if (Status s = parse_args(args, pointers(groups), &sources); !s.ok()) {
    return usage_error(ctx, "top", s);
  }
  if (settings.help) {
    print_top_help(ctx.out);
    return kExitOk;
  }
  if (settings.version) {
    ctx.out << version_text();
    return kExitOk;
  }
  // Only the table draws the totals' series (a pass over every row's cells).
  settings.shape.totals_series = settings.output == report::OutputFormat::kTable;
  if ((settings.from_store || settings.by || settings.openmetrics) && settings.sample) {
    // The store already holds every bucket of the window, counted whole:
    // reading 5 minutes of each hour of it costs the same as reading all of
    // it, and scaling a part up would only give a less exact answer than the
    // one at hand (docs/flow-counting.md, "Sampling").
    const char* other = settings.from_store ? "--from-store"
                        : settings.by       ? "--by"
                                            : "--output openmetrics";
    return usage_error(
        ctx, "top",
        invalid_argument_error(std::string("parse --sample: ") + other +
                               " reports from the store, which already holds every bucket of "
                               "the window counted whole, so a sample would cost the same and "
                               "only estimate what is known exactly; leave out --sample"));
  }
  if ((settings.from_store || settings.by || settings.openmetrics) && settings.scopes.any()) {
    // The stored history is one account's (docs/history.md); reading it
    // as if it were every scope's would be a report of something else.
    return usage_error(ctx, "top",
                       invalid_argument_error("parse --regions/--accounts: the store's history is "
                                              "not kept per account and region yet; leave out "
                                              "--from-store (or --by/--openmetrics) or them"));
  }
  if (settings.from_store || settings.by || settings.openmetrics) {
    return run_top_from_store(settings, sources, args, ctx);
  }
  if (Status s = check_input_choice(sources, settings.cloud); !s.ok()) {
    return usage_error(ctx, "top", s);
  }
  // --sample from AWS: Logs Insights and raw events query only the slices'
  // time ranges, S3 reads only the objects that may hold them, Athena only
  // their records and partitions (docs/flow-counting.md, "Sampling"); the
  // metrics are judged over the same slices (docs/metrics.md, "With
  // --sample").
  if (settings.since) {
    if (settings.start) {
      return usage_error(ctx, "top",
                         invalid_argument_error("parse --since: --start is given too; use one"));
    }
    settings.start = ctx.now() - *parse_duration(*settings.since);
  }
  if (settings.start && settings.end && *settings.start >= *settings.end) {
    return usage_error(ctx, "top",
                       invalid_argument_error("parse --end: the window ends before it starts"));
  }

  // Reading the flow logs from AWS needs credentials and a region anyway, so
  // the one command `efstop --profile p --region r --since 1h` names every end.
  if (sources.empty() && !settings.names.no_names) settings.names.names = true;
  // --group-by fs|name|az is about names: with no other source of them, ask AWS.
  if (settings.name_grouping != NameGrouping::kNone && !settings.names.no_names &&
      !settings.names.enabled()) {
    settings.names.names = true;
  }
  if (settings.names.no_names && settings.names.enabled()) {
    return usage_error(ctx, "top",
                       invalid_argument_error("parse --no-names: --names, --inventory, --offline "
                                              "or --labels ask for names; use one or the other"));
  }

  if (settings.name_grouping != NameGrouping::kNone && !settings.names.enabled()) {
    return usage_error(ctx, "top",
                       invalid_argument_error("parse --group-by: fs, name and az need names; "
                                              "leave out --no-names"));
  }
  // With names the default row is a client and a file system: the mount
  // targets it used are one server (a look-alike row per mount target says
  // nothing the reader can act on). --group-by pair keeps them apart.
  if (settings.names.enabled() && !settings.group_by_given) {
    settings.name_grouping = NameGrouping::kFileSystem;
  }

  // The file systems' own metrics (docs/metrics.md): on by default when the
  // flow logs are read from AWS with names (the mount targets say which
  // file system a flow belongs to); --metrics says so explicitly.
  const bool metrics_asked = settings.metrics.metrics.value_or(false);
  if (metrics_asked && !sources.empty()) {
    return usage_error(ctx, "top",
                       invalid_argument_error("parse --metrics: the file systems' metrics are read "
                                              "with the flow logs from AWS; name no SOURCE"));
  }
  bool metrics_on = sources.empty() && settings.metrics.metrics.value_or(true);
  if (metrics_on && settings.cloud.method == cloud::Method::kAthena) {
    // The metrics need the flows per period; the Athena query does not
    // split them by time (docs/athena.md).
    if (metrics_asked) {
      return usage_error(ctx, "top",
                         invalid_argument_error("parse --metrics: --method athena does not split "
                                                "the flows per period; leave out one of them"));
    }
    if (!settings.quiet) {
      ctx.err << "efstop: note: no file-system metrics with --method athena (the query does not "
                 "split the flows per period; stream the objects for them)\n";
    }
    metrics_on = false;
  }

  // Many regions / accounts (docs/multi-account.md): each scope is read
  // on its own below (read_scopes), with its own names.
  // The flags are checked together first: a role without accounts
  // (--role-name alone) is no scope, and must not be ignored silently.
  if (Status s = check_scope_flags(settings.scopes); !s.ok()) {
    return usage_error(ctx, "top", s);
  }
  if (settings.cloud.s3_all_folders &&
      (settings.cloud.s3.empty() || !settings.scopes.by_account())) {
    // Only a central bucket read for some accounts leaves folders unread.
    return usage_error(ctx, "top",
                       invalid_argument_error("parse --s3-all-folders: it reads the other account "
                                              "folders of a central bucket; give it with --s3 and "
                                              "--accounts or --organization"));
  }
  const bool scoped = settings.scopes.any();
  if (scoped) {
    if (!sources.empty()) {
      return usage_error(ctx, "top",
                         invalid_argument_error("parse --regions/--accounts: they read flow logs "
                                                "from AWS; name no SOURCE with them"));
    }
    if (!settings.names.names || settings.names.offline || !settings.names.inventory.empty()) {
      return usage_error(ctx, "top",
                         invalid_argument_error("parse --regions/--accounts: each account and "
                                                "region is named from AWS; leave out --no-names, "
                                                "--offline and --inventory"));
    }
    // Athena reads a central bucket once for every scope (docs/athena.md,
    // "Across accounts and regions"); each scope's own discovered S3
    // destinations through Athena in its account is not built: refused
    // rather than reported unchecked.
    if (settings.cloud.method == cloud::Method::kAthena && settings.cloud.s3.empty()) {
      return usage_error(ctx, "top",
                         invalid_argument_error("parse --method: athena across accounts and "
                                                "regions reads a central bucket: give --s3 "
                                                "s3://bucket[/prefix] (the log archive), or leave "
                                                "out --method athena"));
    }
    if (!settings.cloud.log_groups.empty()) {
      return usage_error(ctx, "top",
                         invalid_argument_error("parse --log-group: a log group is one account's "
                                                "and region's; with --regions/--accounts each "
                                                "one's flow logs are discovered (or give --s3)"));
    }
  }

  // 2. Names: open the store / dump / AWS; the EFS inventory makes the
  // engine's server side exact (mount-target IPs and ENIs).
  std::optional<Naming> naming;
  if (settings.names.enabled() && !scoped) {
    Result<Naming> opened = open_naming(settings.names, ctx.now(), ctx.err);
    if (!opened.ok()) {
      if (opened.status().code() == StatusCode::kInvalidArgument) {
        return usage_error(ctx, "top", opened.status());
      }
      ctx.err << "efstop: " << opened.status().message() << '\n';
      return kExitFailure;
    }
    naming = std::move(opened).value();
    // The mount targets decide what counts as EFS traffic, and what
    // discovery looks for: counting or discovering without some of them
    // would give a smaller total, or "no flow log covers them", as if
    // true. So a failed EFS call stops here, as itself.
    if (Status efs = naming->resolver->efs_status(); !efs.ok()) {
      ctx.err << "efstop: " << efs.message() << '\n'
              << "efstop: the EFS mount targets are needed to count EFS traffic"
              << (sources.empty() ? " and find its flow logs" : "")
              << "; fix the error above, or count without names (--no-names"
              << (sources.empty() ? "" : ", or no --names") << ")\n";
      return kExitFailure;
    }
    for (const aws::MountTarget& m : naming->resolver->efs().mount_targets) {
      for (const std::string* ip : {&m.ip, &m.ipv6}) {
        if (auto a = flowlog::IpAddress::parse(*ip)) settings.engine.server_ips.push_back(*a);
      }
      if (!m.eni_id.empty()) settings.engine.server_enis.push_back(m.eni_id);
    }
  }

  // 3. Count: local files, or (no SOURCE) the flow logs in AWS.
  if (sources.empty()) default_cloud_window(ctx.now(), &settings.start, &settings.end);
  // The metric period is the bucket width when --bucket is given, else one
  // chosen for the window; the flows are bucketed at it either way, so that
  // each metric period has its flow bytes (docs/metrics.md, "The period").
  // With --sample it lines up with the slices, and only the buckets inside
  // them are judged ("With --sample").
  std::optional<enrich::BucketGrid> metric_grid;
  const int64_t user_bucket_s = settings.engine.bucket_s;
  if (metrics_on) {
    Result<int64_t> period = enrich::choose_metric_period(
        *settings.start, *settings.end, ctx.now(),
        user_bucket_s > 0 ? std::optional<int64_t>(user_bucket_s) : std::nullopt,
        settings.sample ? &*settings.sample : nullptr);
    if (!period.ok()) {
      if (metrics_asked || user_bucket_s > 0) {
        return usage_error(ctx, "top", period.status().with_context("read metrics"));
      }
      ctx.err << "efstop: note: no file-system metrics: " << period.status().message() << '\n';
      metrics_on = false;
    } else {
      metric_grid = enrich::whole_buckets(*settings.start, *settings.end, *period);
      metric_grid->sample = settings.sample;
      settings.engine.bucket_s = *period;
    }
  }
  settings.engine.window_start = settings.start;
  settings.engine.window_end = settings.end;
  // The width the pairs' series must have after sampling: the metric period
  // when metrics are read (it is the --bucket width when that is given).
  const int64_t series_s = metric_grid ? metric_grid->period_s : user_bucket_s;
  if (settings.sample) prepare_sample(*settings.sample, series_s, &settings.engine);
  settings.series_s = series_s;  // each scope samples and reads metrics itself
  settings.metric_grid = metric_grid;
  // --strict is decided here, not in the engine, so all diagnostics print.
  settings.engine.strict = false;
  std::optional<ScopedRead> scoped_read;
  std::vector<SourceScan> source_scans;  // reading from AWS: the "sources" of the report
  Result<flowlog::EngineResult> result = flowlog::EngineResult{};
  if (scoped) {
    Result<AwsSession> caller =
        open_aws_session(settings.names.aws, aws::EnvVars::from_process(), ctx.err);
    Result<ScopedRead> read =
        caller.ok() ? read_scopes(settings, *caller, ctx) : Result<ScopedRead>(caller.status());
    if (read.ok()) {
      scoped_read = std::move(read).value();
      result = std::move(scoped_read->engine);
      source_scans = std::move(scoped_read->sources);
    } else {
      result = read.status();
    }
  } else {
    result = sources.empty() ? read_from_aws(settings, naming, ctx, &source_scans)
                             : flowlog::run_engine(sources, settings.engine);
  }
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kInvalidArgument) {
      return usage_error(ctx, "top", result.status());
    }
    ctx.err << "efstop: " << result.status().message() << '\n';
    return kExitFailure;
  }

  // --sample: each pair's bytes inside the slices, the series at --bucket.
  if (settings.sample) flowlog::apply_sample(&result->pairs, *settings.sample, series_s);

  // 4. What could not be read, and --strict.
  print_input_problems(*result, settings.quiet, ctx.err);
  const flowlog::FlowStats& stats = result->stats;
  if (settings.strict && (stats.skipped > 0 || stats.files_failed > 0)) {
    ctx.err << "efstop: check input (--strict): " << stats.skipped << " malformed line"
            << (stats.skipped == 1 ? "" : "s") << " skipped, " << stats.files_failed << " input"
            << (stats.files_failed == 1 ? "" : "s") << " failed; no report written\n";
    return kExitFailure;
  }

  // 5. Name, shape and write.
  std::vector<report::Row> rows =
      scoped_read ? std::move(scoped_read->rows)
                  : to_rows(&result->pairs, /*keep_series=*/metric_grid.has_value());
  // Bucketed only for the metrics (no --bucket): the rows show no series.
  if (user_bucket_s == 0) {
    for (report::Row& row : rows) row.series.cells.clear();
  }
  std::optional<report::NameStats> name_stats;
  // --min-bytes leaves out pairs before any grouping; merging by file
  // system, name or AZ happens before build_report, so filter here.
  std::optional<int64_t> below_min_bytes;
  if (scoped_read) {
    below_min_bytes = scoped_read->below_min_bytes;
    if (settings.name_grouping != NameGrouping::kNone) settings.shape.min_bytes = 0;
    name_stats = to_name_stats(scoped_read->names);
  }
  if (naming && settings.name_grouping != NameGrouping::kNone && settings.shape.min_bytes > 0) {
    const int64_t min = settings.shape.min_bytes;
    const auto kept = std::remove_if(rows.begin(), rows.end(), [min](const report::Row& r) {
      return r.counters.bytes_total() < min;
    });
    below_min_bytes = static_cast<int64_t>(rows.end() - kept);
    rows.erase(kept, rows.end());
    settings.shape.min_bytes = 0;
  }
  std::vector<report::FailedCall> failed_name_calls;
  if (scoped_read) failed_name_calls = scoped_read->failed_name_calls;
  if (naming) {
    enrich::ResolveStats resolve_stats;
    rows = name_rows(std::move(rows), *naming, settings.names, settings.name_grouping,
                     settings.quiet, ctx.err, &resolve_stats);
    name_stats = to_name_stats(resolve_stats);
    failed_name_calls = to_failed_calls(resolve_stats);
  }
  // 6. The file systems' own metrics beside the flows. A failed call is
  // reported as itself and leaves the report partial; the flows stand.
  std::optional<std::vector<report::FileSystemMetrics>> fs_metrics;
  bool metrics_failed = false;                     // the metrics could not even be asked for
  std::optional<report::FailedCall> metrics_call;  // the failed GetMetricData, if any
  if (metric_grid && scoped_read) {
    // Read per scope, with each scope's session (read_scopes).
    fs_metrics = std::move(scoped_read->file_systems);
  } else if (metric_grid) {
    std::map<std::string, std::string> labels;  // client address -> its name as the rows show it
    for (const report::Row& r : rows) {
      if (!r.client) continue;
      for (const std::string& ip : r.client->ips) {
        labels[ip] = r.client->name.empty() ? ip : r.client->name;
      }
    }
    std::optional<AwsSession> own;
    aws::AwsClient* client = nullptr;
    Status call;
    if (naming && naming->aws) {
      client = naming->aws->client.get();
    } else {
      Result<AwsSession> opened =
          open_aws_session(settings.names.aws, aws::EnvVars::from_process(), ctx.err);
      if (opened.ok()) {
        own = std::move(opened).value();
        client = own->client.get();
      } else {
        call = opened.status();
      }
    }
    // The file systems and their mount targets: the names' inventory, or
    // (--no-names) listed here, since they say which file system a flow is of.
    aws::EfsInventory listed;
    const aws::EfsInventory* efs = naming ? &naming->resolver->efs() : nullptr;
    if (efs == nullptr && client != nullptr) {
      Result<aws::EfsInventory> inv = aws::EfsApi(client).describe_inventory();
      if (inv.ok()) {
        listed = std::move(inv).value();
        efs = &listed;
      } else {
        call = inv.status();
      }
    }
    enrich::AnalysisOptions options;
    options.read_usd_per_gib = settings.metrics.read_usd_per_gib;
    options.write_usd_per_gib = settings.metrics.write_usd_per_gib;
    int64_t calls = 0;
    if (client != nullptr && efs != nullptr) {
      fs_metrics = read_fs_metrics(client, efs->file_systems, efs->mount_targets, result->pairs,
                                   labels, *metric_grid, options, &call, &calls);
    } else {
      metrics_failed = true;
    }
    if (!call.ok()) {
      ctx.err << "efstop: " << call.message() << '\n';
      if (metrics_failed) {
        ctx.err << "efstop: the file systems' metrics could not be read; the report leaves "
                   "them out\n";
      }
      // Coverage, saturation and cost depend on this call: a failed input,
      // listed as the naming calls are (docs/metrics.md). When the session
      // or the file systems could not be had, the call was never made.
      metrics_call = report::FailedCall{
          "cloudwatch:GetMetricData",
          metrics_failed ? "not made: " + call.message() : call.message(), 0, "", true};
    }
  }
  if (metric_grid) {
    // A stop signal while the metrics were read (the call held open, or
    // between pages): efstop ends with 128 + the signal (main.cc), and the
    // report written before must not pass for whole, so the metrics are
    // left out and the call listed as interrupted.
    if (const int sig = cloud::interrupt_signal(); sig != 0) {
      fs_metrics.reset();
      metrics_failed = true;
      metrics_call = report::FailedCall{"cloudwatch:GetMetricData",
                                        std::string("interrupted by ") +
                                            (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                            ": the file systems' metrics are left out",
                                        0, "", true};
    }
  }
  const report::RunInfo run = make_run_info(settings, args);
  const auto finish = [&](report::Report& r) {
    if (below_min_bytes) r.stats.below_min_bytes = *below_min_bytes;
    r.names = name_stats;
    r.cross_az_usd_per_gib = settings.names.cross_az_usd_per_gib;
    r.notes = make_notes(stats, settings);
    r.run = run;
    if (sources.empty()) r.sources = source_scans;
    if (scoped_read) {
      r.by_account = settings.scopes.by_account();
      r.by_region = settings.scopes.by_region();
      r.failed_inputs = scoped_read->failures;
      r.attribution = scoped_read->attribution;
      if (settings.scopes.by_account()) r.cross_scope = scoped_read->cross_scope;
    }
    for (const flowlog::InputReport& input : result->inputs) {
      if (input.failed) r.failed_inputs.push_back({input.name, cause_of(input)});
    }
    // A failed naming call leaves names short of the truth: partial too
    // (docs/cli.md), never names quietly replaced by ids.
    r.failed_calls = failed_name_calls;
    if (scoped_read && !metrics_failed) {
      for (const report::FailedCall& f : scoped_read->failed_metric_calls) {
        r.failed_calls.push_back(f);
      }
    }
    if (metrics_call) r.failed_calls.push_back(*metrics_call);
    r.partial = !r.failed_inputs.empty() || !r.failed_calls.empty();
    if (metrics_failed) r.partial = true;
    if (fs_metrics) {
      r.file_systems = fs_metrics;
      r.efs_read_usd_per_gib = settings.metrics.read_usd_per_gib;
      r.efs_write_usd_per_gib = settings.metrics.write_usd_per_gib;
      for (const report::FileSystemMetrics& fs : *fs_metrics) {
        if (!fs.failures.empty()) r.partial = true;
      }
    }
  };
  // The page is for tables of every row: without --top it keeps them all.
  const bool html_wanted =
      settings.output == report::OutputFormat::kHtml || !settings.html_file.empty();
  std::optional<report::Report> page;
  if (html_wanted && !settings.top_given) {
    report::ShapeOptions all = settings.shape;
    all.top = 0;
    if (settings.output == report::OutputFormat::kHtml) settings.shape.top = 0;
    if (!settings.html_file.empty() && settings.output != report::OutputFormat::kHtml) {
      page = report::build_report(rows, to_report_stats(stats),
                                  report::Window{settings.start, settings.end}, all);
      finish(*page);
      if (settings.sample) estimate_from_sample(*settings.sample, page->window, &*page);
    }
  }
  report::Report rep =
      report::build_report(std::move(rows), to_report_stats(stats),
                           report::Window{settings.start, settings.end}, settings.shape);
  finish(rep);
  if (settings.sample) estimate_from_sample(*settings.sample, rep.window, &rep);
  if (!write_outputs(rep, page ? &*page : nullptr, settings, ctx)) return kExitFailure;
  // The partial notice shows even with --quiet: it changes what the numbers mean.
  if (!settings.quiet) {
    report::write_summary(rep, ctx.err);
  } else {
    report::write_partial_notice(rep, ctx.err);
  }
  if (rep.partial && !settings.allow_partial) return kExitPartial;
  return kExitOk;
}

}  // namespace efstop::cli
