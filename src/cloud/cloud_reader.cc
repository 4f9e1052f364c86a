#include "cloud/cloud_reader.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "aws/athena_api.h"
#include "aws/endpoints.h"
#include "aws/logs_api.h"
#include "aws/s3_api.h"
#include "cloud/athena_query.h"
#include "cloud/athena_runner.h"
#include "cloud/discovery.h"
#include "cloud/eni_filter.h"
#include "cloud/insights_runner.h"
#include "cloud/raw_events.h"
#include "cloud/s3_source.h"
#include "flowlog/aggregate.h"
#include "flowlog/stream_processor.h"

namespace efstop::cloud {

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};  // the first stop signal received

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  g_interrupted.store(true);
  std::signal(sig, SIG_DFL);
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

void say(const CloudReadOptions& o, const std::string& line) {
  if (o.note) o.note(line);
}

Result<flowlog::LogFormat> resolve_format(const flowlog::EngineOptions& engine) {
  if (!engine.log_format) return flowlog::LogFormat::default_v2();
  return flowlog::parse_log_format(*engine.log_format);
}

// Insights rows -> the aggregator -> an EngineResult, stats per the header.
// What to read: one destination (or the --log-group / --s3 override).
struct Target {
  std::vector<std::string> groups;
  std::optional<aws::S3Location> s3;
  bool per_hour = false;
  bool firehose = false;                     // s3 in a Firehose stream's layout
  std::vector<std::string> stream_prefixes;  // raw: the mount targets' ENI streams
  // Non-empty: read only these ENIs' records here (several destinations).
  std::vector<std::string> only_enis;
};

std::string counts_text(const SourceCounts& c) { return "; " + c.to_string(); }

Result<std::shared_ptr<const EniFilter>> make_filter(const CloudReadOptions& o,
                                                     const std::vector<std::string>& enis) {
  std::optional<flowlog::LogFormat> format;
  if (o.engine.log_format) {
    EFSTOP_ASSIGN_OR_RETURN(format, flowlog::parse_log_format(*o.engine.log_format));
    if (!format->has_interface_id()) {
      // Nothing to filter on: say so rather than count silently twice.
      say(o,
          "the flow log format has no interface-id field, so records of ENIs read from "
          "another destination cannot be left out here and may be counted twice; read each "
          "destination alone (--log-group / --s3) to be sure");
    }
  }
  return std::shared_ptr<const EniFilter>(std::make_shared<EniFilter>(enis, std::move(format)));
}

Result<CloudReadResult> read_insights(aws::AwsClient* client, const CloudReadOptions& o,
                                      const std::vector<std::string>& groups,
                                      const std::vector<std::string>& only_enis) {
  aws::LogsApi api(client);
  EFSTOP_ASSIGN_OR_RETURN(flowlog::LogFormat format, resolve_format(o.engine));
  InsightsRunOptions ro;
  ro.log_groups = groups;
  ro.query.format = format;
  ro.query.server_ips = o.engine.server_ips;
  ro.query.window_start = o.window_start;
  ro.query.window_end = o.window_end;
  ro.query.limit = o.insights_row_limit;
  ro.query.bucket_s = o.engine.bucket_s;
  ro.query.sample = o.engine.sample;
  ro.start_s = o.window_start;
  ro.end_s = o.window_end;
  // --sample: query only the slices' time ranges (with the records that
  // start up to 11 minutes before one and reach into it), as raw events do;
  // the query's in_sample key and bucket split then count exactly what a
  // local file would give. Insights bills what each query scans of its own
  // time range, so the ranges are what the sample costs.
  if (o.engine.sample) {
    ro.ranges = merge_closest_ranges(
        sample_event_ranges(o.window_start, o.window_end, *o.engine.sample, kSampleLeadS),
        kInsightsMaxSampleQueries);
  }
  ro.poll_initial = o.insights_poll;
  ro.parallel = o.insights_parallel;
  ro.start_retry_delay = o.insights_retry_delay;
  ro.interrupted = o.interrupted;
  ro.progress = o.note;
  EFSTOP_ASSIGN_OR_RETURN(InsightsRun run, run_insights(&api, ro));

  flowlog::AggregateConfig cfg;
  cfg.server_ips = o.engine.server_ips;
  cfg.server_enis = o.engine.server_enis;
  cfg.window_start = o.window_start;
  cfg.window_end = o.window_end;
  cfg.bucket_s = o.engine.bucket_s;
  cfg.sample = o.engine.sample;
  flowlog::Aggregator agg(&cfg);
  int64_t matched = 0;
  int64_t left_out = 0;
  int64_t beyond_split = 0;  // records (weighted) longer than the bucket pushdown splits
  uint64_t order = 0;
  const std::set<std::string> only(only_enis.begin(), only_enis.end());
  for (const InsightsRecord& row : run.rows) {
    matched += row.record.flows;
    // Rows are grouped by interface-id, so an ENI read elsewhere is left
    // out exactly, its records counted.
    if (!only.empty() && row.interface_id.rfind("eni-", 0) == 0 && !only.count(row.interface_id)) {
      left_out += row.record.flows;
      continue;
    }
    if (row.beyond_split) beyond_split += row.record.flows;
    agg.add(row.as_record(), order++);
  }
  CloudReadResult out;
  flowlog::EngineResult& er = out.engine;
  er.pairs = agg.finish(&er.stats);
  EFSTOP_RETURN_IF_ERROR(agg.status());
  er.warnings = agg.warnings();
  if (beyond_split > 0) {
    er.warnings.push_back(
        std::to_string(beyond_split) + " record" + (beyond_split == 1 ? "" : "s") +
        " in Logs Insights lasted longer than " + std::to_string(kInsightsMaxSpanS) +
        " s; their bytes past that were put in the last bucket the query splits, not spread "
        "over their whole span (--method raw splits them exactly)");
  }
  er.used_interface_rule = true;
  const int64_t scanned = static_cast<int64_t>(run.statistics.records_scanned);
  if (scanned > matched) {
    er.stats.not_efs += scanned - matched;
    er.stats.records += scanned - matched;
  }
  out.counts.scanned = scanned;
  out.counts.filtered_by_service = std::max<int64_t>(0, scanned - matched);
  out.counts.received = matched;
  out.counts.left_out = left_out;
  er.stats.lines = er.stats.records + er.stats.skipped;
  er.stats.files = run.queries;
  for (const std::string& id : run.query_ids) {
    flowlog::InputReport rep;
    rep.name = "logs-insights:" + id;
    er.inputs.push_back(rep);
  }
  std::string g;
  for (const std::string& name : groups) g += (g.empty() ? "" : ",") + name;
  out.source = "logs insights on " + g;
  SourceScan scan;
  scan.kind = "logs_insights";
  scan.source = g;
  scan.calls = run.queries;
  scan.bytes_scanned = run.billed_bytes_scanned;
  scan.cost_usd = run.estimated_cost_usd();
  scan.window_seconds = o.window_end - o.window_start;
  char cost[64];
  std::snprintf(cost, sizeof cost, "%.4f", run.estimated_cost_usd());
  out.summary.push_back(
      "logs insights: " + std::to_string(run.queries) + " quer" + (run.queries == 1 ? "y" : "ies") +
      " (" + std::to_string(run.splits) + " split at the " + std::to_string(o.insights_row_limit) +
      "-row limit, up to " + std::to_string(run.max_in_flight) + " at once), " +
      std::to_string(run.rows.size()) + " rows, " + human_bytes(run.billed_bytes_scanned) +
      " scanned, estimated cost USD " + cost + " (at USD " + "0.005" +
      "/GB scanned, us-east-1 list price)" + counts_text(out.counts));
  if (ro.ranges) {
    // What the sample cost against what the whole window would have: the
    // same bytes scanned per second of events over the window (an
    // estimate; Insights bills the bytes each query scans of its range).
    int64_t asked = 0;
    for (const auto& [from, to] : *ro.ranges) asked += to - from;
    const int64_t window = o.window_end - o.window_start;
    const double whole = asked > 0 ? run.billed_bytes_scanned * static_cast<double>(window) /
                                         static_cast<double>(asked)
                                   : 0.0;
    scan.sample_seconds = asked;
    scan.window_bytes_scanned = whole;
    scan.window_cost_usd = whole / kBytesPerGb * kInsightsUsdPerGb;
    char line[512];
    std::snprintf(line, sizeof line,
                  "sample: Logs Insights asked for %zu time ranges, %lld s of the window's %lld "
                  "s: %s scanned, USD %.4f; the whole window: about %s scanned, USD %.4f",
                  ro.ranges->size(), static_cast<long long>(asked), static_cast<long long>(window),
                  human_bytes(run.billed_bytes_scanned).c_str(), run.estimated_cost_usd(),
                  human_bytes(whole).c_str(), whole / kBytesPerGb * kInsightsUsdPerGb);
    out.summary.push_back(line);
  }
  if (run.orphans_stopped > 0) {
    // Not in the cost above: Insights bills what they scanned before StopQuery.
    out.summary.push_back("logs insights: " + std::to_string(run.orphans_stopped) + " quer" +
                          (run.orphans_stopped == 1 ? "y" : "ies") +
                          " started by a StartQuery whose answer was lost, found "
                          "(DescribeQueries) and stopped");
  }
  out.scans.push_back(std::move(scan));
  return out;
}

Result<CloudReadResult> read_raw(aws::AwsClient* client, const CloudReadOptions& o,
                                 const std::string& group,
                                 const std::vector<std::string>& stream_prefixes,
                                 const std::vector<std::string>& only_enis) {
  aws::LogsApi api(client);
  RawEventsOptions ro;
  ro.log_group = group;
  ro.stream_prefixes = stream_prefixes;
  ro.filter_pattern = raw_filter_pattern(o.engine.server_ips);
  ro.start_s = o.window_start;
  ro.end_s = o.window_end;
  ro.slice_s = o.raw_slice_s;
  // --sample: ask only for the events of the slices (and of the records
  // that start up to 11 minutes before one and reach into it); the engine
  // then counts exactly what a local file would give.
  if (o.engine.sample) {
    ro.ranges = sample_event_ranges(o.window_start, o.window_end, *o.engine.sample,
                                    kSampleLeadS);
  }
  ro.interrupted = o.interrupted;
  ro.pages = std::make_shared<std::atomic<int64_t>>(0);
  ro.events = std::make_shared<std::atomic<int64_t>>(0);
  ro.other_streams = std::make_shared<std::atomic<int64_t>>(0);
  ro.outside_time = std::make_shared<std::atomic<int64_t>>(0);
  flowlog::EngineOptions eo = o.engine;
  eo.window_start = o.window_start;
  eo.window_end = o.window_end;
  EFSTOP_ASSIGN_OR_RETURN(flowlog::LogFormat format, resolve_format(o.engine));
  if (!format.has_start()) {
    // No record time to window on: the events' own timestamps (FilterLogEvents'
    // startTime/endTime, checked in raw_events.cc) are the window.
    eo.window_start.reset();
    eo.window_end.reset();
    say(o,
        "the flow log format has no start field: the window applies to the log events' "
        "timestamps only");
  }
  eo.threads = std::max(1, o.parallelism);
  std::vector<flowlog::InputSource> sources = make_raw_event_sources(&api, ro);
  auto left_out = std::make_shared<std::atomic<int64_t>>(0);
  if (!only_enis.empty()) {
    EFSTOP_ASSIGN_OR_RETURN(std::shared_ptr<const EniFilter> filter, make_filter(o, only_enis));
    sources = filter_sources_by_eni(std::move(sources), filter, left_out);
  }
  EFSTOP_ASSIGN_OR_RETURN(flowlog::EngineResult er,
                          flowlog::run_engine_sources(std::move(sources), eo));
  const int64_t other_streams = ro.other_streams->load();
  const int64_t outside_time = ro.outside_time->load();
  const int64_t kept_events = ro.events->load() - other_streams - outside_time;
  if (!stream_prefixes.empty() && kept_events == 0 && er.stats.files_failed == 0) {
    // Streams are named after ENIs when the VPC delivers them, but a group
    // may hold streams named otherwise: nothing under the mount-target
    // prefixes means "look everywhere", not "no traffic".
    say(o, "no events in the mount-target ENI streams of " + group +
               "; reading every stream of the group");
    return read_raw(client, o, group, {}, only_enis);
  }
  CloudReadResult out;
  out.engine = std::move(er);
  out.counts.received = ro.events->load();
  out.counts.left_out = left_out->load();
  out.counts.not_asked = other_streams + outside_time;
  if (out.counts.not_asked > 0) {
    // Once per read, with the server that answered: a service that ignores
    // the stream or time filter would otherwise have every event counted
    // once per stream prefix or time slice.
    Result<aws::Endpoint> endpoint =
        aws::resolve_endpoint(aws::Service::kLogs, client->region(), client->config().endpoints);
    std::string what;
    if (other_streams > 0) {
      what = std::to_string(other_streams) +
             " events of log streams it was not asked for (it ignored logStreamNamePrefix)";
    }
    if (outside_time > 0) {
      what += (what.empty() ? "" : " and ") + std::to_string(outside_time) +
              " events outside the startTime/endTime asked for";
    }
    out.engine.warnings.push_back(
        "FilterLogEvents at " + (endpoint.ok() ? endpoint->url : std::string("the logs endpoint")) +
        " on " + group + " returned " + what + "; left out, not counted");
  }
  out.source = "log events of " + group;
  SourceScan scan;
  scan.kind = "logs_raw";
  scan.source = group;
  scan.calls = ro.pages->load();
  scan.events = ro.events->load();
  scan.window_seconds = o.window_end - o.window_start;
  out.summary.push_back(
      "logs raw: " + std::to_string(ro.pages->load()) + " FilterLogEvents pages, " +
      std::to_string(ro.events->load()) + " events (filter pattern '" + ro.filter_pattern + "'" +
      (stream_prefixes.empty()
           ? std::string(", every stream")
           : ", " + std::to_string(stream_prefixes.size()) + " mount-target ENI streams") +
      ")" + counts_text(out.counts));
  if (ro.ranges) {
    // What the sample cost against what the whole window would have: the
    // same events per second over the window (an estimate).
    int64_t asked = 0;
    for (const auto& [from, to] : *ro.ranges) asked += to - from;
    const int64_t window = o.window_end - o.window_start;
    const int64_t events = ro.events->load();
    scan.sample_seconds = asked;
    scan.window_events =
        asked > 0 ? static_cast<int64_t>(static_cast<double>(events) * static_cast<double>(window) /
                                         static_cast<double>(asked))
                  : 0;
    out.summary.push_back(
        "sample: FilterLogEvents asked for " + std::to_string(ro.ranges->size()) +
        " time ranges, " + std::to_string(asked) + " s of the window's " +
        std::to_string(window) + " s: " + std::to_string(events) + " events, " +
        std::to_string(ro.pages->load()) + " pages; the whole window: about " +
        std::to_string(asked > 0 ? static_cast<int64_t>(static_cast<double>(events) *
                                                        static_cast<double>(window) /
                                                        static_cast<double>(asked))
                                 : 0) +
        " events");
  }
  out.scans.push_back(std::move(scan));
  return out;
}

Result<CloudReadResult> read_s3(aws::AwsClient* client, const CloudReadOptions& o,
                                const aws::S3Location& loc, bool per_hour, bool firehose,
                                const std::vector<std::string>& only_enis) {
  aws::S3Api api(client);
  S3ReadOptions so;
  so.location = loc;
  so.region = client->region();
  so.per_hour = per_hour;
  so.firehose = firehose;
  so.start_s = o.window_start;
  so.end_s = o.window_end;
  so.page_size = o.s3_page_size;
  // A read split into scopes: each (account, region) folder listed once,
  // each object read once, its records attributed by the engine.
  for (const flowlog::ScopeRoute& scope : o.engine.scopes) {
    so.scopes.emplace_back(scope.account, scope.region);
  }
  so.all_folders = o.s3_all_folders;
  // --sample: only the objects that may hold records of the slices' ranges
  // (those of raw events and Insights); the engine then counts exactly
  // what a local file of the same records gives.
  if (o.engine.sample) {
    so.sample_ranges =
        sample_event_ranges(o.window_start, o.window_end, *o.engine.sample, kSampleLeadS);
  }
  EFSTOP_ASSIGN_OR_RETURN(S3Plan plan, plan_s3_read(&api, so));
  int64_t listed_bytes = 0;
  for (const aws::S3ObjectInfo& obj : plan.objects) listed_bytes += obj.size;
  if (listed_bytes > o.athena_propose_bytes) {
    // Both costs, so the choice is the user's: time here, money there.
    // Athena reads whole partitions, the same day (or hour) folders listed
    // here, so it scans every object listed, in the window or not, and
    // bills at least kAthenaMinBilledBytes.
    const double athena_bytes = static_cast<double>(plan.listed_bytes);
    const double billed = std::max(athena_bytes, static_cast<double>(kAthenaMinBilledBytes));
    char line[640];
    std::snprintf(line, sizeof line,
                  "s3: %s of objects to stream for this window, about %.0f minutes at %s/s; "
                  "--method athena would aggregate them in Athena instead: about %s scanned (every "
                  "object of the %zu %s folders listed: Athena reads whole partitions), about "
                  "USD %.2f at USD %.2f per TB (docs/athena.md)",
                  human_bytes(static_cast<double>(listed_bytes)).c_str(),
                  static_cast<double>(listed_bytes) / kStreamBytesPerSecond / 60.0,
                  human_bytes(kStreamBytesPerSecond).c_str(), human_bytes(athena_bytes).c_str(),
                  plan.time_folders, per_hour ? "hour" : "day", billed / 1e12 * o.athena.usd_per_tb,
                  o.athena.usd_per_tb);
    say(o, line);
  }
  auto progress = std::make_shared<S3Progress>();
  if (o.progress) {
    auto cb = o.progress;
    progress->on_update = [cb](const S3Progress& p) {
      cb("s3: " + std::to_string(p.objects_done.load()) + "/" + std::to_string(p.objects_total) +
         " objects, " + human_bytes(static_cast<double>(p.bytes.load())));
    };
  }
  flowlog::EngineOptions eo = o.engine;
  eo.window_start = o.window_start;
  eo.window_end = o.window_end;
  eo.threads = std::max(1, o.parallelism);
  CloudReadResult out;
  auto left_out = std::make_shared<std::atomic<int64_t>>(0);
  if (plan.objects.empty()) {
    out.engine.stats.files = 0;
  } else {
    std::vector<flowlog::InputSource> sources =
        make_s3_sources(&api, plan, progress, o.interrupted);
    if (!o.engine.scopes.empty()) {
      for (size_t i = 0; i < sources.size(); ++i) {
        std::tie(sources[i].key_account, sources[i].key_region) = s3_key_scope(plan.objects[i].key);
      }
    }
    if (!only_enis.empty()) {
      EFSTOP_ASSIGN_OR_RETURN(std::shared_ptr<const EniFilter> filter, make_filter(o, only_enis));
      sources = filter_sources_by_eni(std::move(sources), filter, left_out);
    }
    EFSTOP_ASSIGN_OR_RETURN(out.engine, flowlog::run_engine_sources(std::move(sources), eo));
  }
  // Said with the attribution (cli), since no record of theirs was read.
  out.engine.routing.unread_folders = plan.unread_folders;
  out.counts.left_out = left_out->load();
  out.counts.received = out.engine.stats.lines + out.counts.left_out;
  out.counts.scanned = out.counts.received;
  out.counts.filtered_by_service = 0;
  if (plan.outside_prefix > 0) {
    Result<aws::Endpoint> endpoint =
        aws::resolve_endpoint(aws::Service::kS3, client->region(), client->config().endpoints);
    out.engine.warnings.push_back(
        "ListObjectsV2 at " + (endpoint.ok() ? endpoint->url : std::string("the S3 endpoint")) +
        " on bucket " + plan.bucket + " listed " + std::to_string(plan.outside_prefix) +
        " keys outside the prefix asked for (it ignored the prefix); not read, not counted");
  }
  out.source = loc.to_uri();
  SourceScan scan;
  scan.kind = "s3";
  scan.source = loc.to_uri();
  scan.calls = api.list_calls();
  scan.objects_listed = plan.listed;
  scan.objects_read = static_cast<int64_t>(plan.objects.size());
  scan.bytes_read = listed_bytes;
  scan.objects_skipped_by_time = plan.skipped_by_time;
  scan.window_seconds = o.window_end - o.window_start;
  if (so.sample_ranges) {
    scan.objects_skipped_by_sample = plan.skipped_by_sample;
    scan.bytes_skipped_by_sample = plan.skipped_by_sample_bytes;
    scan.window_objects = static_cast<int64_t>(plan.objects.size()) + plan.skipped_by_sample;
    scan.window_bytes = listed_bytes + plan.skipped_by_sample_bytes;
  }
  out.scans.push_back(std::move(scan));
  out.summary.push_back(
      "s3: " + std::to_string(plan.prefixes.size()) + " prefixes listed (" +
      std::to_string(api.list_calls()) + " ListObjectsV2 calls), " + std::to_string(plan.listed) +
      " objects listed, " + std::to_string(plan.skipped_by_time) + " outside the window by name, " +
      (plan.outside_prefix > 0
           ? std::to_string(plan.outside_prefix) + " outside the prefix listed, "
           : std::string()) +
      std::to_string(plan.objects.size()) + " read (" +
      human_bytes(static_cast<double>(progress->bytes.load())) + "), " +
      std::to_string(plan.parquet) + " of them Parquet" + counts_text(out.counts));
  if (so.sample_ranges) {
    // What the sample read against what the whole window's objects hold
    // (their listed sizes; the skipped ones were listed, never read).
    const int64_t skipped = plan.skipped_by_sample;
    const int64_t window_objects = static_cast<int64_t>(plan.objects.size()) + skipped;
    out.summary.push_back(
        "sample: S3 objects read " + std::to_string(plan.objects.size()) + " of the window's " +
        std::to_string(window_objects) + " (" + human_bytes(static_cast<double>(listed_bytes)) +
        " of " + human_bytes(static_cast<double>(listed_bytes + plan.skipped_by_sample_bytes)) +
        " listed); " + std::to_string(skipped) + " skipped by --sample (" +
        human_bytes(static_cast<double>(plan.skipped_by_sample_bytes)) +
        "): their time puts them outside every slice's range");
  }
  return out;
}

// --method athena across scopes: each row of the scoped SELECT is
// attributed by the engine's own rule (flowlog::route_to_scope, with the
// row's fields and its partition's folder) and counted in its scope with
// that scope's mount targets; a collapsed row (records outside the EFS
// filter) adds its records to the scope's not_efs or outside_window, as
// streaming counts each of them. Fills `er` as run_engine_sources does
// with scopes: `scoped` (one per o.engine.scopes), `routing`, and `stats`
// their sum plus the records counted in no scope.
Status count_scoped_rows(const CloudReadOptions& o, const flowlog::AggregateConfig& base,
                         const AthenaRun& run, const std::vector<InsightsRecord>& rows,
                         flowlog::EngineResult* er) {
  const size_t n = o.engine.scopes.size();
  const flowlog::ScopeRouter router(o.engine.scopes);
  std::vector<flowlog::AggregateConfig> configs(n, base);
  std::vector<flowlog::Aggregator> aggs;
  aggs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    configs[i].server_ips = o.engine.scopes[i].server_ips;
    configs[i].server_enis = o.engine.scopes[i].server_enis;
    aggs.emplace_back(&configs[i]);
  }
  std::vector<flowlog::FlowStats> collapsed(n);
  std::map<std::pair<std::string, std::string>, flowlog::RouteInput> inputs;  // per folder
  flowlog::ScopeMemo memo;
  uint64_t order = 0;
  for (size_t k = 0; k < rows.size(); ++k) {
    EFSTOP_ASSIGN_OR_RETURN(AthenaRowScope where, parse_athena_row_scope(run.header, run.rows[k]));
    const flowlog::FlowRecord& r = rows[k].record;
    auto it = inputs.find({where.key_account, where.key_region});
    if (it == inputs.end()) {
      it = inputs
               .emplace(std::make_pair(where.key_account, where.key_region),
                        flowlog::make_route_input(&router, where.key_account, where.key_region))
               .first;
    }
    const flowlog::RouteCount count{r.flows, (r.present & flowlog::kHasBytes) != 0 ? r.bytes : 0};
    const int scope = flowlog::route_to_scope(it->second, where.account_field, where.region_field,
                                              count, &er->routing, &memo);
    if (scope < 0) continue;
    if (where.efs) {
      aggs[static_cast<size_t>(scope)].add(rows[k].as_record(), order++);
      continue;
    }
    flowlog::FlowStats& c = collapsed[static_cast<size_t>(scope)];
    c.records += r.flows;
    // Outside the window, or (--sample) touching no slice: step 3 of the
    // counting rule, before the EFS filter.
    (where.in_window && where.in_sample ? c.not_efs : c.outside_window) += r.flows;
  }
  er->scoped.assign(n, flowlog::ScopeResult{});
  for (size_t i = 0; i < n; ++i) {
    flowlog::ScopeResult& scope = er->scoped[i];
    scope.stats = collapsed[i];
    scope.pairs = aggs[i].finish(&scope.stats);
    EFSTOP_RETURN_IF_ERROR(aggs[i].status());
    for (const std::string& w : aggs[i].warnings()) er->warnings.push_back(w);
    er->stats += scope.stats;
  }
  er->stats.records += er->routing.outside_records();
  er->stats.outside_scopes += er->routing.outside_records();
  return Status();
}

// --method athena: list the window's objects as streaming would (their
// accounts, layout, format and size), create or reuse the table, run the
// one aggregating SELECT and feed its rows to the aggregator as Insights
// rows are fed (athena_query.h says why the numbers are the same).
Result<CloudReadResult> read_athena(aws::AwsClient* client, const CloudReadOptions& o,
                                    const aws::S3Location& loc, bool per_hour,
                                    const std::vector<std::string>& only_enis) {
  // --sample splits each record over buckets in the query (at the width
  // that divides SPAN and PERIOD); --bucket alone is not offered yet.
  if (o.engine.bucket_s > 0 && !o.engine.sample) {
    return invalid_argument_error(
        "read flow logs: --bucket is not pushed down to Athena; leave out --method athena "
        "(stream the objects) or --bucket");
  }
  if (!o.engine.log_format) {
    return invalid_argument_error(
        "read flow logs: --method athena needs the flow log's columns: give --log-format (the "
        "LogFormat `aws ec2 describe-flow-logs` shows), or let discovery find the flow log");
  }
  EFSTOP_ASSIGN_OR_RETURN(flowlog::LogFormat format, resolve_format(o.engine));
  std::string base = loc.prefix;
  if (!base.empty() && base.back() != '/') base += '/';
  if (base.find("AWSLogs/") != std::string::npos) {
    return invalid_argument_error(
        "read flow logs: --method athena needs the flow log's "
        "destination (s3://bucket[/prefix], above AWSLogs/), not " +
        loc.to_uri());
  }
  aws::S3Api s3(client);
  S3ReadOptions so;
  so.location = loc;
  so.region = client->region();
  so.per_hour = per_hour;
  so.start_s = o.window_start;
  so.end_s = o.window_end;
  so.page_size = o.s3_page_size;
  // Across scopes (a central bucket): the asked (account, region) folders,
  // as streaming lists them (every folder with --s3-all-folders); one table
  // and one query for all of them.
  so.all_folders = o.s3_all_folders;
  const bool scoped = !o.engine.scopes.empty();
  for (const flowlog::ScopeRoute& scope : o.engine.scopes) {
    so.scopes.emplace_back(scope.account, scope.region);
  }
  EFSTOP_ASSIGN_OR_RETURN(S3Plan plan, plan_s3_read(&s3, so));

  AthenaTable table;
  table.bucket = loc.bucket;
  table.prefix = base;
  table.region = client->region();
  table.per_hour = per_hour;
  table.format = format;
  table.parquet = plan.parquet > 0;
  if (plan.parquet > 0 && plan.parquet != static_cast<int64_t>(plan.objects.size())) {
    return invalid_argument_error("read flow logs: " + loc.to_uri() + " holds text and Parquet " +
                                  "objects in this window; one Athena table reads one of them "
                                  "(leave out --method athena to stream both)");
  }
  int64_t listed_bytes = 0;
  std::set<std::string> accounts;
  std::set<std::string> regions;
  std::set<bool> hive;
  const std::string root = base + "AWSLogs/";
  for (const aws::S3ObjectInfo& obj : plan.objects) {
    listed_bytes += obj.size;
    std::string acct = obj.key.substr(root.size(), obj.key.find('/', root.size()) - root.size());
    const bool h = acct.rfind("aws-account-id=", 0) == 0;
    if (h) acct = acct.substr(std::string_view("aws-account-id=").size());
    hive.insert(h);
    accounts.insert(acct);
    if (scoped) {
      const auto [key_account, key_region] = s3_key_scope(obj.key);
      if (key_account.empty() || key_region.empty()) {
        return invalid_argument_error("read flow logs: s3://" + loc.bucket + "/" + obj.key +
                                      " is not in the AWSLogs/<account>/vpcflowlogs/<region>/ "
                                      "layout the Athena table describes; leave out --method "
                                      "athena to stream it");
      }
      regions.insert(key_region);
    }
  }
  CloudReadResult out;
  out.source = "athena on " + loc.to_uri();
  // Said with the attribution (cli), as for streaming.
  out.engine.routing.unread_folders = plan.unread_folders;
  // One (empty) result per scope, in the routing table's order.
  if (scoped) out.engine.scoped.resize(o.engine.scopes.size());
  if (plan.objects.empty()) {
    // No partition holds a delivery of this window: nothing to query (and
    // nothing to pay for).
    out.engine.used_interface_rule = true;
    out.counts.scanned = 0;
    out.counts.filtered_by_service = 0;
    out.summary.push_back("athena: no objects in the window under " + loc.to_uri() +
                          "; no query run" + counts_text(out.counts));
    return out;
  }
  if (hive.size() > 1) {
    return invalid_argument_error("read flow logs: " + loc.to_uri() +
                                  " holds both plain and Hive-compatible folders; give the "
                                  "prefix of one of them");
  }
  table.hive = *hive.begin();
  table.accounts.assign(accounts.begin(), accounts.end());
  if (scoped) table.regions.assign(regions.begin(), regions.end());

  aws::AthenaApi api(client);
  AthenaRunOptions ro;
  ro.request.database = o.athena.database;
  ro.request.workgroup = o.athena.workgroup;
  ro.request.output = o.athena.output;
  ro.poll_initial = o.athena_poll;
  ro.interrupted = o.interrupted;
  if (ro.request.output.empty()) {
    const std::string wg = o.athena.workgroup.empty() ? "primary" : o.athena.workgroup;
    EFSTOP_ASSIGN_OR_RETURN(ro.request.output, api.workgroup_output(wg));
    if (ro.request.output.empty()) {
      return invalid_argument_error("get-work-group " + wg +
                                    ": the workgroup has no query result location; give "
                                    "--athena-output s3://bucket/prefix/");
    }
  }
  const std::string name = athena_table_name(table);
  const std::string qualified = o.athena.database + "." + name;
  EFSTOP_ASSIGN_OR_RETURN(std::string ddl, athena_create_table_sql(table, o.athena.database));
  AthenaSelectOptions sel;
  sel.server_ips = o.engine.server_ips;
  sel.window_start = o.window_start;
  sel.window_end = o.window_end;
  if (o.engine.sample) {
    // Only the records that start in a slice's range (with the 11 minutes
    // before it), only the partitions that hold one, each record split
    // over the buckets in the query; at most kAthenaMaxSampleRanges terms.
    sel.bucket_s = o.engine.bucket_s;
    sel.sample = o.engine.sample;
    sel.start_ranges = merge_closest_ranges(
        sample_event_ranges(o.window_start, o.window_end, *o.engine.sample, kSampleLeadS),
        kAthenaMaxSampleRanges);
  }
  if (scoped) {
    // Every scope's mount targets (each row is then counted with its own
    // scope's: the engine's rule); a scope without any counts by port.
    sel.scoped = true;
    std::set<std::string> seen;
    sel.server_ips.clear();
    for (const flowlog::ScopeRoute& scope : o.engine.scopes) {
      if (scope.server_ips.empty()) sel.port_rule_too = true;
      for (const flowlog::IpAddress& ip : scope.server_ips) {
        if (seen.insert(ip.to_string()).second) sel.server_ips.push_back(ip);
      }
    }
    if (sel.server_ips.empty()) sel.port_rule_too = false;
  }
  EFSTOP_ASSIGN_OR_RETURN(std::string select, athena_select_sql(table, o.athena.database, sel));

  say(o, "athena: creating table " + qualified + " over s3://" + loc.bucket + "/" + root +
             " unless it exists (an external table with partition projection; the data is not "
             "copied; --athena-cleanup drops it); results go to " +
             ro.request.output);
  AthenaRunOptions ddl_run = ro;
  ddl_run.request.sql = ddl;
  ddl_run.read_rows = false;
  EFSTOP_ASSIGN_OR_RETURN(AthenaRun created, run_athena(&api, ddl_run));
  AthenaRunOptions sel_run = ro;
  sel_run.request.sql = select;
  Result<AthenaRun> ran = run_athena(&api, sel_run);
  if (o.athena.cleanup && !(o.interrupted && o.interrupted->load())) {
    AthenaRunOptions drop = ro;
    drop.request.sql = athena_drop_table_sql(o.athena.database, name);
    drop.read_rows = false;
    Result<AthenaRun> dropped = run_athena(&api, drop);
    if (!dropped.ok()) {
      out.engine.warnings.push_back("athena: could not drop table " + qualified + ": " +
                                    dropped.status().message());
    } else {
      say(o, "athena: dropped table " + qualified + " (--athena-cleanup)");
    }
  }
  if (!ran.ok()) return ran.status();
  AthenaRun& run = *ran;

  flowlog::AggregateConfig cfg;
  cfg.server_ips = o.engine.server_ips;
  cfg.server_enis = o.engine.server_enis;
  cfg.window_start = o.window_start;
  cfg.window_end = o.window_end;
  cfg.bucket_s = sel.bucket_s;
  cfg.sample = sel.sample;
  int64_t matched = 0;
  int64_t left_out = 0;
  std::vector<InsightsRecord> rows;
  rows.reserve(run.rows.size());
  for (const auto& cells : run.rows) {
    EFSTOP_ASSIGN_OR_RETURN(InsightsRecord row, parse_athena_row(run.header, cells));
    rows.push_back(std::move(row));
  }
  flowlog::EngineResult& er = out.engine;
  if (scoped) {
    EFSTOP_RETURN_IF_ERROR(count_scoped_rows(o, cfg, run, rows, &er));
    matched = er.stats.records;
  } else {
    flowlog::Aggregator agg(&cfg);
    uint64_t order = 0;
    const std::set<std::string> only(only_enis.begin(), only_enis.end());
    for (const InsightsRecord& row : rows) {
      matched += row.record.flows;
      if (!only.empty() && row.interface_id.rfind("eni-", 0) == 0 &&
          !only.count(row.interface_id)) {
        left_out += row.record.flows;
        continue;
      }
      agg.add(row.as_record(), order++);
    }
    er.pairs = agg.finish(&er.stats);
    EFSTOP_RETURN_IF_ERROR(agg.status());
    er.warnings = agg.warnings();
  }
  er.used_interface_rule = true;
  er.stats.lines = er.stats.records + er.stats.skipped;
  er.stats.files = 1;
  flowlog::InputReport rep;
  rep.name = "athena:" + run.id;
  er.inputs.push_back(rep);
  out.counts.received = matched;
  out.counts.left_out = left_out;
  int64_t beyond_split = 0;  // records (weighted) longer than the query splits
  for (const InsightsRecord& row : rows) {
    if (row.beyond_split) beyond_split += row.record.flows;
  }
  if (beyond_split > 0) {
    er.warnings.push_back(
        std::to_string(beyond_split) + " record" + (beyond_split == 1 ? "" : "s") +
        " in Athena lasted longer than " + std::to_string(kInsightsMaxSpanS) +
        " s; their bytes past that were put in the last bucket the query splits, not spread "
        "over their whole span (stream the objects to split them exactly)");
  }
  if (scoped) {
    // The query across scopes collapses, not filters, the other records:
    // every record of the partitions read comes back, counted.
    out.counts.scanned = matched;
    out.counts.filtered_by_service = 0;
  }
  const int64_t scanned = run.data_scanned_bytes + created.data_scanned_bytes;
  const double billed = static_cast<double>(std::max(scanned, kAthenaMinBilledBytes));
  char cost[256];
  std::snprintf(cost, sizeof cost,
                "estimated cost USD %.4f (at USD %.2f per TB scanned, %s minimum per query)",
                billed / 1e12 * o.athena.usd_per_tb, o.athena.usd_per_tb,
                human_bytes(static_cast<double>(kAthenaMinBilledBytes)).c_str());
  SourceScan scan;
  scan.kind = "athena";
  scan.source = loc.to_uri();
  scan.calls = 1;
  scan.bytes_scanned = static_cast<double>(scanned);
  scan.cost_usd = billed / 1e12 * o.athena.usd_per_tb;
  scan.objects_read = static_cast<int64_t>(plan.objects.size());
  scan.bytes_read = listed_bytes;
  scan.window_seconds = o.window_end - o.window_start;
  out.scans.push_back(std::move(scan));
  out.summary.push_back(
      "athena: query " + run.id + " on " + qualified + ", " + std::to_string(plan.objects.size()) +
      " objects (" + human_bytes(static_cast<double>(listed_bytes)) + ") in the window, " +
      std::to_string(run.rows.size()) + " rows in " + std::to_string(run.pages) + " pages, " +
      human_bytes(static_cast<double>(scanned)) + " scanned, " + cost + counts_text(out.counts));
  if (sel.start_ranges) {
    // What the sample cost against what the whole window would have: the
    // window's objects as listed (those the time in their names puts in
    // it, gzip scanned as stored) at the price, an estimate (docs/athena.md
    // says where it falls short); Athena scans whole partitions, so the
    // sample saves only the partitions (days, or hours) it leaves out.
    const std::vector<std::string> parts = athena_partitions(table, sel);
    const std::set<std::string> sampled(parts.begin(), parts.end());
    const std::vector<std::string> all =
        s3_time_prefixes("", false, per_hour, o.window_start, o.window_end);
    int64_t in_sampled = 0;
    int64_t in_sampled_bytes = 0;
    for (const aws::S3ObjectInfo& obj : plan.objects) {
      if (sampled.count(s3_key_partition(obj.key, per_hour))) {
        ++in_sampled;
        in_sampled_bytes += obj.size;
      }
    }
    const double whole = static_cast<double>(std::max(listed_bytes, kAthenaMinBilledBytes));
    int64_t asked = 0;
    for (const auto& [from, to] : *sel.start_ranges) asked += to - from;
    char line[768];
    std::snprintf(
        line, sizeof line,
        "sample: Athena read %zu of the window's %zu %s partitions (%lld of %zu objects, %s "
        "listed) for %zu time ranges, %lld s of the window's %lld s: %s scanned, USD %.4f; the "
        "whole window: about %s scanned (its objects as listed), USD %.4f",
        sampled.size(), all.size(), per_hour ? "hour" : "day", static_cast<long long>(in_sampled),
        plan.objects.size(), human_bytes(static_cast<double>(in_sampled_bytes)).c_str(),
        sel.start_ranges->size(), static_cast<long long>(asked),
        static_cast<long long>(o.window_end - o.window_start),
        human_bytes(static_cast<double>(scanned)).c_str(), billed / 1e12 * o.athena.usd_per_tb,
        human_bytes(static_cast<double>(listed_bytes)).c_str(), whole / 1e12 * o.athena.usd_per_tb);
    out.summary.push_back(line);
  }
  return out;
}

Result<CloudReadResult> read_target(aws::AwsClient* client, const CloudReadOptions& o,
                                    const Target& t) {
  if (o.method == Method::kAthena) {
    if (!t.s3) {
      return invalid_argument_error(
          "read flow logs: --method athena reads flow logs delivered to S3, not a log group; "
          "give --method insights or raw for a log group");
    }
    if (!t.firehose) return read_athena(client, o, *t.s3, t.per_hour, t.only_enis);
    // Firehose writes its own layout (hour folders, no AWSLogs/ tree),
    // which the table's projection does not describe: stream it.
    say(o, "athena: " + t.s3->to_uri() +
               " is written by Kinesis Data Firehose, not in the AWSLogs/ layout the Athena "
               "table describes; streaming its objects instead");
  }
  if (t.s3) return read_s3(client, o, *t.s3, t.per_hour, t.firehose, t.only_enis);
  if (o.method == Method::kInsights) {
    Result<CloudReadResult> r = read_insights(client, o, t.groups, t.only_enis);
    const bool format_refused = !r.ok() && r.status().code() == StatusCode::kInvalidArgument &&
                                r.status().message().find("--method raw") != std::string::npos;
    if (r.ok() || o.method_given || !format_refused || t.groups.size() != 1) return r;
    say(o, r.status().message() + "; reading raw events instead");
  }
  if (t.groups.size() != 1) {
    return invalid_argument_error(
        "read raw events: give exactly one --log-group with --method raw");
  }
  return read_raw(client, o, t.groups.front(), t.stream_prefixes, t.only_enis);
}

// One report from several destinations' results. Each mount-target ENI was
// read from one destination only, so a pair normally comes from one part;
// should one come from two, its counters add up (first_seen min,
// last_seen max).
CloudReadResult merge_results(std::vector<CloudReadResult> parts) {
  CloudReadResult out;
  std::vector<flowlog::PairTotals> pairs;
  for (CloudReadResult& p : parts) {
    for (flowlog::PairTotals& t : p.engine.pairs) pairs.push_back(std::move(t));
    out.engine.stats += p.engine.stats;
    for (flowlog::InputReport& in : p.engine.inputs) out.engine.inputs.push_back(std::move(in));
    out.engine.used_interface_rule |= p.engine.used_interface_rule;
    out.engine.used_overlap_rule |= p.engine.used_overlap_rule;
    for (std::string& w : p.engine.warnings) out.engine.warnings.push_back(std::move(w));
    out.source += (out.source.empty() ? "" : " + ") + p.source;
    for (std::string& line : p.summary) out.summary.push_back(std::move(line));
    for (SourceScan& scan : p.scans) out.scans.push_back(std::move(scan));
    if (&p == &parts.front()) {
      out.counts = p.counts;
    } else {
      out.counts += p.counts;
    }
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const flowlog::PairTotals& a, const flowlog::PairTotals& b) {
              return a.client != b.client ? a.client < b.client : a.server < b.server;
            });
  for (flowlog::PairTotals& t : pairs) {
    if (!out.engine.pairs.empty() && out.engine.pairs.back().client == t.client &&
        out.engine.pairs.back().server == t.server) {
      flowlog::PairTotals& m = out.engine.pairs.back();
      m.bytes_read += t.bytes_read;
      m.bytes_written += t.bytes_written;
      m.packets += t.packets;
      m.flows += t.flows;
      m.rejected += t.rejected;
      m.packets_unknown += t.packets_unknown;
      m.bytes_unknown += t.bytes_unknown;
      m.first_seen = std::min(m.first_seen, t.first_seen);
      m.last_seen = std::max(m.last_seen, t.last_seen);
      m.series = flowlog::merge_series(m.series, t.series);
    } else {
      out.engine.pairs.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace

SourceCounts& SourceCounts::operator+=(const SourceCounts& o) {
  scanned = (scanned < 0 || o.scanned < 0) ? -1 : scanned + o.scanned;
  filtered_by_service = (filtered_by_service < 0 || o.filtered_by_service < 0)
                            ? -1
                            : filtered_by_service + o.filtered_by_service;
  received += o.received;
  left_out += o.left_out;
  not_asked += o.not_asked;
  return *this;
}

std::string SourceCounts::to_string() const {
  std::string s = scanned < 0 ? std::string("records scanned: not reported by the API")
                              : std::to_string(scanned) + " records scanned";
  s += filtered_by_service < 0
           ? ", filtered out by the service: not reported"
           : ", " + std::to_string(filtered_by_service) + " filtered out by the service";
  s += ", " + std::to_string(received) + " received";
  if (left_out > 0) {
    s += ", " + std::to_string(left_out) + " left out (ENIs read from another destination)";
  }
  if (not_asked > 0) {
    s += ", " + std::to_string(not_asked) + " left out (not asked for)";
  }
  return s;
}

const std::atomic<bool>* install_interrupt_flag() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return &g_interrupted;
}

int interrupt_signal() { return g_signal.load(); }

Result<CloudReadResult> read_cloud(aws::AwsClient* client, const CloudReadOptions& options) {
  CloudReadOptions o = options;
  if (o.window_end <= o.window_start) {
    return invalid_argument_error("read flow logs: the window is empty");
  }
  const bool overridden = !o.log_groups.empty() || !o.s3_uri.empty();

  // 1. Mount targets: the servers of the counting rule, and what discovery covers.
  std::vector<aws::MountTarget> mts;
  if (o.mount_targets) {
    mts = *o.mount_targets;
  } else if (!overridden) {
    aws::EfsApi efs(client);
    EFSTOP_ASSIGN_OR_RETURN(aws::EfsInventory inv, efs.describe_inventory());
    // Discovering without some file systems' mount targets would read
    // less, or conclude that no flow log covers them: stop on the call's error.
    if (!inv.failures.empty()) return inv.failures.front().status;
    mts = std::move(inv.mount_targets);
  }
  if (!overridden) {
    if (mts.empty()) {
      return not_found_error(
          "describe-file-systems " + client->region() +
          ": no EFS mount targets in this region (check --region and --profile)");
    }
  }
  if (o.engine.server_ips.empty() && !mts.empty()) {
    std::set<std::string> seen;
    for (const aws::MountTarget& mt : mts) {
      for (const std::string* a : {&mt.ip, &mt.ipv6}) {
        if (a->empty()) continue;
        if (std::optional<flowlog::IpAddress> ip = flowlog::IpAddress::parse(*a)) {
          if (seen.insert(ip->to_string()).second) o.engine.server_ips.push_back(*ip);
        }
      }
      if (!mt.eni_id.empty()) o.engine.server_enis.push_back(mt.eni_id);
    }
  }

  // 2. Where to read: the override, or every destination discovery chose.
  std::vector<Target> targets;
  std::vector<std::string> target_formats;  // per target: the flow log's LogFormat ("" = none)
  if (!o.s3_uri.empty()) {
    EFSTOP_ASSIGN_OR_RETURN(aws::S3Location loc, aws::parse_s3_location(o.s3_uri));
    Target t;
    t.s3 = loc;
    targets.push_back(t);
    target_formats.emplace_back();
  } else if (!o.log_groups.empty()) {
    Target t;
    t.groups = o.log_groups;
    targets.push_back(t);
    target_formats.emplace_back();
  }
  if (!overridden) {
    EFSTOP_ASSIGN_OR_RETURN(Discovery d, discover_flow_logs(client, mts));
    for (const std::string& n : d.notes) say(o, n);
    for (const Destination& other : d.others) {
      say(o, other.describe() + " also holds flow logs of " +
                 std::to_string(other.mount_target_ids.size()) +
                 " mount target(s), read from another destination in this run (each ENI is "
                 "read from one place, or its records would count twice); to read it alone: " +
                 other.flag());
    }
    if (!d.uncovered.empty()) {
      std::string ids;
      for (const aws::MountTarget& mt : d.uncovered) {
        ids +=
            (ids.empty() ? "" : ", ") + mt.id + " (" + mt.file_system_id + ", " + mt.eni_id + ")";
      }
      say(o, "no readable flow log covers mount target(s) " + ids +
                 "; to enable one: " + d.enable_command);
    }
    if (d.chosen.empty()) {
      return not_found_error("describe-flow-logs " + client->region() +
                             ": no flow log delivering to CloudWatch Logs or S3 covers the EFS "
                             "mount targets; enable one with: " +
                             (d.enable_command.empty() ? std::string("aws ec2 create-flow-logs ...")
                                                       : d.enable_command));
    }
    for (const Destination& dest : d.chosen) {
      say(o, "reading " + dest.describe() + " (flow log " + dest.flow_log_ids.front() + ", " +
                 std::to_string(dest.read_mount_target_ids.size()) + " of " +
                 std::to_string(mts.size()) + " mount targets)");
      // Streams are named after the ENI ("eni-...-all"): read only the
      // mount targets' streams.
      std::vector<std::string> enis;
      for (const aws::MountTarget& mt : mts) {
        if (std::binary_search(dest.read_mount_target_ids.begin(), dest.read_mount_target_ids.end(),
                               mt.id) &&
            !mt.eni_id.empty()) {
          enis.push_back(mt.eni_id);
        }
      }
      Target t;
      if (dest.kind == DestinationKind::kLogGroup) {
        t.groups = {dest.log_group};
        t.stream_prefixes = enis;
      } else {
        t.s3 = dest.s3;
        t.per_hour = dest.per_hour;
        t.firehose = !dest.firehose_stream.empty();
      }
      if (d.chosen.size() > 1) t.only_enis = enis;
      targets.push_back(t);
      target_formats.push_back(dest.log_format);
    }
  }

  // 3. Read each, then merge (each ENI came from one target only).
  std::vector<CloudReadResult> parts;
  for (size_t i = 0; i < targets.size(); ++i) {
    CloudReadOptions to = o;
    if (!to.engine.log_format && !target_formats[i].empty()) {
      to.engine.log_format = target_formats[i];
    }
    EFSTOP_ASSIGN_OR_RETURN(CloudReadResult part, read_target(client, to, targets[i]));
    parts.push_back(std::move(part));
  }
  if (parts.size() == 1) return std::move(parts.front());
  return merge_results(std::move(parts));
}

}  // namespace efstop::cloud
