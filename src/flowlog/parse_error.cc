// Diagnostics for lines the parser rejected: the slow path, kept out of
// parser.cc so the hot loop stays small.
#include <string>

#include "flowlog/parser.h"

namespace efstop::flowlog {

namespace {

std::vector<std::string_view> tokens_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string quoted(std::string_view v) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  for (char c : v.substr(0, kMax)) {
    // Keep diagnostics printable: the line may hold anything.
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (v.size() > kMax) out += "...";
  out += "'";
  return out;
}

}  // namespace

std::string describe_parse_error(const ParseOutcome& outcome, std::string_view line,
                                 const LogFormat& format) {
  const std::vector<std::string_view> tokens = tokens_of(line);
  std::string field;
  std::string value;
  if (outcome.column >= 0 && static_cast<size_t>(outcome.column) < format.column_count()) {
    field = format.column_name(static_cast<size_t>(outcome.column));
    if (static_cast<size_t>(outcome.column) < tokens.size()) {
      value = quoted(tokens[static_cast<size_t>(outcome.column)]);
    }
  }
  switch (outcome.error) {
    case ParseError::kOk:
      return "ok";
    case ParseError::kWrongFieldCount:
      return "expected " + std::to_string(format.column_count()) + " fields, got " +
             std::to_string(tokens.size()) + " (wrong --log-format, or a truncated line?)";
    case ParseError::kBadNumber:
      return "bad " + field + " " + value + ": not a non-negative integer in range";
    case ParseError::kBadAddress:
      return "bad " + field + " " + value + ": not an IPv4 or IPv6 address";
    case ParseError::kBadAction:
      return "bad action " + value + ": expected ACCEPT, REJECT or -";
    case ParseError::kBadLogStatus:
      return "bad log-status " + value + ": expected OK, NODATA or SKIPDATA";
    case ParseError::kMissingField:
      return "missing " + (field.empty() ? std::string("field") : field) + " ('-') in an OK record";
    case ParseError::kLineTooLong:
      return "line longer than 1 MiB (not a flow log?)";
  }
  return "unknown error";
}

}  // namespace efstop::flowlog
