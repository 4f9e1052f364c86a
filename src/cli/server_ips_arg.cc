#include "cli/server_ips_arg.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace efstop::cli {

namespace {

std::string lowercase_errno(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

Status parse_server_ips_arg(std::string_view value, std::vector<flowlog::IpAddress>* out) {
  std::string text(value);
  std::string origin;
  const bool forced_file = !value.empty() && value.front() == '@';
  std::error_code ec;
  if (forced_file || std::filesystem::is_regular_file(std::string(value), ec)) {
    origin = std::string(forced_file ? value.substr(1) : value);
    std::ifstream in(origin, std::ios::binary);
    if (!in) return invalid_argument_error("read file " + origin + ": " + lowercase_errno(errno));
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
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
