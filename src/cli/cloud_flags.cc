#include "cli/cloud_flags.h"

#include <mutex>

#include "aws/s3_api.h"

namespace efstop::cli {

void add_cloud_flags(OptionGroup* group, CloudFlags* flags) {
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
                   "how to read a log group: insights (default: aggregate server-side,\n"
                   "billed per GB scanned) or raw (FilterLogEvents, every matching event)",
                   [flags](std::string_view v) -> Status {
                     if (v == "insights") {
                       flags->method = cloud::Method::kInsights;
                     } else if (v == "raw") {
                       flags->method = cloud::Method::kRaw;
                     } else {
                       return invalid_argument_error("expected insights or raw");
                     }
                     flags->method_given = true;
                     return Status();
                   });
}

void default_cloud_window(int64_t now, std::optional<int64_t>* start, std::optional<int64_t>* end) {
  if (!*end) *end = now;
  if (!*start) *start = **end - kDefaultCloudWindowS;
}

Result<flowlog::EngineResult> read_cloud_sources(
    const CloudFlags& flags, aws::AwsClient* client, const flowlog::EngineOptions& engine,
    int64_t start, int64_t end, const std::optional<std::vector<aws::MountTarget>>& mount_targets,
    std::ostream& err, bool quiet, bool err_is_tty) {
  if (!flags.s3.empty() && !flags.log_groups.empty()) {
    return invalid_argument_error("read flow logs: give --log-group or --s3, not both");
  }
  cloud::CloudReadOptions o;
  o.log_groups = flags.log_groups;
  o.s3_uri = flags.s3;
  o.method = flags.method;
  o.method_given = flags.method_given;
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
  return std::move(r.engine);
}

}  // namespace efstop::cli
