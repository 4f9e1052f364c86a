#include "cli/input_flags.h"

#include "cli/server_ips_arg.h"
#include "cli/time_arg.h"

namespace efstop::cli {

void add_input_flags(OptionGroup* group, flowlog::EngineOptions* engine) {
  group->add_value("--log-format", "FORMAT",
                   "field order of the records, as the flow log's LogFormat\n"
                   "('${version} ${account-id} ...'); default: each file's header\n"
                   "line, else the default version-2 format. Any set of fields\n"
                   "with srcaddr, dstaddr and bytes (docs/cli.md says what a\n"
                   "missing field changes)",
                   [engine](std::string_view v) {
                     engine->log_format = std::string(v);
                     return Status();
                   });
  group->add_value(
      "--server-ips", "LIST|FILE",
      "the EFS mount targets' addresses: comma-separated, or a file\n"
      "(also @FILE) of one per line; traffic to or from them counts\n"
      "whatever the port. Default: TCP port 2049 marks the server",
      [engine](std::string_view v) { return parse_server_ips_arg(v, &engine->server_ips); });
  group->add_value("--threads", "N", "worker threads (default 0: one per core)",
                   [engine](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(int64_t n, parse_count(v, 256));
                     engine->threads = static_cast<int>(n);
                     return Status();
                   });
}

Status check_input_choice(const std::vector<std::string>& sources, const CloudFlags& cloud) {
  if (!sources.empty() && cloud.any()) {
    return invalid_argument_error(
        "read input: --log-group, --s3 and --method read flow logs from AWS; name no SOURCE "
        "with them");
  }
  return Status();
}

}  // namespace efstop::cli
