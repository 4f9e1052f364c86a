// Fuzzes the LogFormat string parser, the header-line detector and the IP
// list parser: no crash, and what parses round-trips.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "flowlog/format.h"
#include "flowlog/ip_address.h"

using efstop::flowlog::IpAddress;
using efstop::flowlog::LogFormat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  efstop::Result<LogFormat> format = efstop::flowlog::parse_log_format(text);
  if (format.ok()) {
    // Both spellings parse back to the same columns.
    efstop::Result<LogFormat> again =
        efstop::flowlog::parse_log_format(format->to_log_format_string());
    if (!again.ok() || !(*again == *format)) std::abort();
    efstop::Result<LogFormat> plain = efstop::flowlog::parse_log_format(format->to_header_string());
    if (!plain.ok() || !(*plain == *format)) std::abort();
    for (size_t c = 0; c < format->column_count(); ++c) {
      const int col = format->column_of(format->column_field(c));
      if (format->column_field(c) != efstop::flowlog::FieldId::kIgnored &&
          col != static_cast<int>(c)) {
        std::abort();  // names are unique, so the first column is this one
      }
    }
  } else if (format.status().message().empty()) {
    std::abort();
  }

  std::optional<LogFormat> header = efstop::flowlog::parse_header_line(text);
  if (header && !efstop::flowlog::looks_like_header(text)) std::abort();

  efstop::Result<std::vector<IpAddress>> ips = efstop::flowlog::parse_ip_list(text);
  if (ips.ok()) {
    for (const IpAddress& ip : *ips) {
      std::optional<IpAddress> back = IpAddress::parse(ip.to_string());
      if (!back || !(*back == ip)) std::abort();  // printing round-trips
    }
  }
  return 0;
}
