// --server-ips LIST|FILE, shared by `efstop top` and `efstop collect`.
#ifndef EFSTOP_CLI_SERVER_IPS_ARG_H_
#define EFSTOP_CLI_SERVER_IPS_ARG_H_

#include <string_view>
#include <vector>

#include "core/status.h"
#include "flowlog/ip_address.h"

namespace efstop::cli {

// A value naming an existing file is read as a file (one address per line,
// '#' comments); '@' forces that; otherwise a comma-separated list. Appends
// the addresses to `*ips`. Errors (kInvalidArgument) name the file.
Status parse_server_ips_arg(std::string_view value, std::vector<flowlog::IpAddress>* ips);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_SERVER_IPS_ARG_H_
