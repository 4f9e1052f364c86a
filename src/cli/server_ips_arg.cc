#include "cli/server_ips_arg.h"

#include <filesystem>
#include <string>

#include "core/read_file.h"

namespace efstop::cli {

Status parse_server_ips_arg(std::string_view value, std::vector<flowlog::IpAddress>* out) {
  std::string text(value);
  std::string origin;
  const bool forced_file = !value.empty() && value.front() == '@';
  std::error_code ec;
  if (forced_file || std::filesystem::is_regular_file(std::string(value), ec)) {
    origin = std::string(forced_file ? value.substr(1) : value);
    if (const int err = read_file(origin, &text); err != 0) {
      return invalid_argument_error("read file " + origin + ": " + read_file_failure(err));
    }
  }
  Result<std::vector<flowlog::IpAddress>> ips = flowlog::parse_ip_list(text);
  if (!ips.ok()) {
    return invalid_argument_error((origin.empty() ? "" : "in " + origin + ": ") +
                                  ips.status().message() +
                                  " (give addresses separated by commas, or a file of one "
                                  "address per line)");
  }
  if (ips->empty()) {
    return invalid_argument_error((origin.empty() ? std::string("list") : origin) +
                                  " holds no address");
  }
  out->insert(out->end(), ips->begin(), ips->end());
  return Status();
}

}  // namespace efstop::cli
