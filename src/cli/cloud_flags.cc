#include "cli/cloud_flags.h"

#include <charconv>
#include <iterator>
#include <mutex>

#include "aws/s3_api.h"

namespace efstop::cli {

void add_cloud_flags(OptionGroup* group, CloudFlags* flags, AthenaChoice athena) {
  const bool offered = athena == AthenaChoice::kOffered;
  group->add_value("--log-group", "NAME",
                   "read this CloudWatch Logs group instead of discovering the flow logs\n"
                   "(repeatable; Logs Insights, or raw events with --method raw)",
                   [flags](std::string_view v) -> Status {
                     if (v.empty()) return invalid_argument_error("give a log group name");
                     if (!flags->s3.empty()) {
                       return invalid_argument_error("give --log-group or --s3, not both");
                     }
                     flags->log_groups.emplace_back(v);
                     return Status();
                   });
  group->add_value("--s3", "URI",
                   "read the flow-log objects under s3://bucket/prefix (the flow log's\n"
                   "destination) for the window, instead of discovering them",
                   [flags](std::string_view v) -> Status {
                     Result<aws::S3Location> loc = aws::parse_s3_location(v);
                     if (!loc.ok()) return loc.status();
                     if (!flags->log_groups.empty()) {
                       return invalid_argument_error("give --log-group or --s3, not both");
                     }
                     flags->s3 = std::string(v);
                     return Status();
                   });
  group->add_value("--method", "HOW",
                   offered ? "how to read: insights (a log group, default: aggregate server-side,\n"
                             "billed per GB scanned), raw (a log group: FilterLogEvents, every\n"
                             "matching event) or athena (S3: one Athena query, billed per TB\n"
                             "scanned; docs/athena.md)"
                           : "how to read: insights (a log group, default: aggregate server-side,\n"
                             "billed per GB scanned) or raw (a log group: FilterLogEvents, every\n"
                             "matching event)",
                   [flags, offered](std::string_view v) -> Status {
                     if (v == "insights") {
                       flags->method = cloud::Method::kInsights;
                     } else if (v == "raw") {
                       flags->method = cloud::Method::kRaw;
                     } else if (v == "athena" && offered) {
                       flags->method = cloud::Method::kAthena;
                     } else if (v == "athena") {
                       return invalid_argument_error(
                           "--method athena is for efstop top only (expected insights or raw)");
                     } else {
                       return invalid_argument_error("expected insights, raw or athena");
                     }
                     flags->method_given = true;
                     return Status();
                   });
  if (!offered) return;
  group->add_value("--athena-database", "NAME",
                   "--method athena: the Glue database of efstop's table (default: default)",
                   [flags](std::string_view v) -> Status {
                     const bool ok = !v.empty() && v.size() <= 255 &&
                                     v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") ==
                                         std::string_view::npos;
                     if (!ok) return invalid_argument_error("use lowercase letters, digits and _");
                     flags->athena.database = std::string(v);
                     flags->athena_given = true;
                     return Status();
                   });
  group->add_value(
      "--athena-workgroup", "NAME", "--method athena: the workgroup to run in (default: primary)",
      [flags](std::string_view v) -> Status {
        const bool ok = !v.empty() && v.size() <= 128 &&
                        v.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == std::string_view::npos;
        if (!ok) return invalid_argument_error("use letters, digits, '.', '_' and '-'");
        flags->athena.workgroup = std::string(v);
        flags->athena_given = true;
        return Status();
      });
  group->add_value("--athena-output", "URI",
                   "--method athena: where Athena writes query results, s3://bucket/prefix/\n"
                   "(default: the workgroup's result location, GetWorkGroup)",
                   [flags](std::string_view v) -> Status {
                     if (!v.starts_with("s3://") || v.size() <= 5) {
                       return invalid_argument_error("expected s3://bucket/prefix/");
                     }
                     flags->athena.output = std::string(v);
                     flags->athena_given = true;
                     return Status();
                   });
  group->add_value("--athena-price-per-tb", "USD",
                   "--method athena: the price per TB scanned for the cost estimate\n"
                   "(default: 5, the us-east-1 list price)",
                   [flags](std::string_view v) -> Status {
                     double d = 0;
                     auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
                     if (ec != std::errc() || p != v.data() + v.size() || !(d >= 0) || d > 1e6) {
                       return invalid_argument_error("expected a price in USD, such as 5 or 6.75");
                     }
                     flags->athena.usd_per_tb = d;
                     flags->athena_given = true;
                     return Status();
                   });
  group->add_flag("--athena-cleanup",
                  "--method athena: drop the table efstop created after the query", [flags] {
                    flags->athena.cleanup = true;
                    flags->athena_given = true;
                  });
}

void default_cloud_window(int64_t now, std::optional<int64_t>* start, std::optional<int64_t>* end) {
  if (!*end) *end = now;
  if (!*start) *start = **end - kDefaultCloudWindowS;
}

Result<flowlog::EngineResult> read_cloud_sources(
    const CloudFlags& flags, aws::AwsClient* client, const flowlog::EngineOptions& engine,
    int64_t start, int64_t end, const std::optional<std::vector<aws::MountTarget>>& mount_targets,
    std::ostream& err, bool quiet, bool err_is_tty, std::vector<SourceScan>* scans) {
  if (!flags.s3.empty() && !flags.log_groups.empty()) {
    return invalid_argument_error("read flow logs: give --log-group or --s3, not both");
  }
  cloud::CloudReadOptions o;
  o.log_groups = flags.log_groups;
  o.s3_uri = flags.s3;
  o.s3_all_folders = flags.s3_all_folders;
  o.method = flags.method;
  o.method_given = flags.method_given;
  if (flags.athena_given && flags.method != cloud::Method::kAthena) {
    return invalid_argument_error("read flow logs: the --athena-* options go with --method athena");
  }
  o.athena = flags.athena;
  o.window_start = start;
  o.window_end = end;
  o.engine = engine;
  o.mount_targets = mount_targets;
  o.interrupted = cloud::install_interrupt_flag();
  auto mu = std::make_shared<std::mutex>();
  if (!quiet) {
    o.note = [&err, mu](std::string_view line) {
      std::lock_guard<std::mutex> lock(*mu);
      err << "efstop: " << line << '\n';
    };
  }
  if (err_is_tty && !quiet) {
    o.progress = [&err, mu](std::string_view line) {
      std::lock_guard<std::mutex> lock(*mu);
      err << '\r' << "efstop: " << line << "\x1b[K" << std::flush;
    };
  }
  EFSTOP_ASSIGN_OR_RETURN(cloud::CloudReadResult r, cloud::read_cloud(client, o));
  if (err_is_tty && !quiet) err << '\r' << "\x1b[K";
  if (!quiet) {
    err << "efstop: source " << r.source << '\n';
    for (const std::string& line : r.summary) err << "efstop: " << line << '\n';
  }
  if (scans != nullptr) {
    scans->insert(scans->end(), std::make_move_iterator(r.scans.begin()),
                  std::make_move_iterator(r.scans.end()));
  }
  return std::move(r.engine);
}

}  // namespace efstop::cli
