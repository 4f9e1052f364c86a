#include "flowlog/format.h"

#include <algorithm>
#include <unordered_map>

namespace efstop::flowlog {

namespace {

struct FieldInfo {
  std::string_view name;
  int version;
};

// Indexed by FieldId. Versions from the VPC user guide; 10/11 for the fields
// AWS added after version 8 (resource-id ... interface-tag).
constexpr FieldInfo kFields[kFieldCount] = {
    {"", 0},
    {"version", 2},
    {"account-id", 2},
    {"interface-id", 2},
    {"srcaddr", 2},
    {"dstaddr", 2},
    {"srcport", 2},
    {"dstport", 2},
    {"protocol", 2},
    {"packets", 2},
    {"bytes", 2},
    {"start", 2},
    {"end", 2},
    {"action", 2},
    {"log-status", 2},
    {"vpc-id", 3},
    {"subnet-id", 3},
    {"instance-id", 3},
    {"tcp-flags", 3},
    {"type", 3},
    {"pkt-srcaddr", 3},
    {"pkt-dstaddr", 3},
    {"region", 4},
    {"az-id", 4},
    {"sublocation-type", 4},
    {"sublocation-id", 4},
    {"pkt-src-aws-service", 5},
    {"pkt-dst-aws-service", 5},
    {"flow-direction", 5},
    {"traffic-path", 5},
    {"ecs-cluster-arn", 7},
    {"ecs-cluster-name", 7},
    {"ecs-container-instance-arn", 7},
    {"ecs-container-instance-id", 7},
    {"ecs-container-id", 7},
    {"ecs-second-container-id", 7},
    {"ecs-service-name", 7},
    {"ecs-task-definition-arn", 7},
    {"ecs-task-arn", 7},
    {"ecs-task-id", 7},
    {"reject-reason", 8},
    {"resource-id", 10},
    {"encryption-status", 10},
    {"interface-type", 11},
    {"next-hop-interface-id", 11},
    {"next-hop-subnet-id", 11},
    {"next-hop-az-id", 11},
    {"next-hop-vpc-id", 11},
    {"next-hop-interface-type", 11},
    {"instance-tag", 11},
    {"interface-tag", 11},
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Splits on runs of spaces/tabs (and CR/LF, so a raw line works too).
std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string_view first_token(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_space(line[i])) ++i;
  size_t j = i;
  while (j < line.size() && !is_space(line[j])) ++j;
  return line.substr(i, j - i);
}

}  // namespace

std::string_view field_name(FieldId id) { return kFields[static_cast<size_t>(id)].name; }

int field_version(FieldId id) { return kFields[static_cast<size_t>(id)].version; }

std::optional<FieldId> field_from_name(std::string_view name) {
  // A hash map because the header check calls this on the first token of
  // every line that starts with a letter (e.g. formats led by interface-id).
  static const std::unordered_map<std::string_view, FieldId> kByName = [] {
    std::unordered_map<std::string_view, FieldId> m;
    for (size_t i = 1; i < kFieldCount; ++i) m.emplace(kFields[i].name, static_cast<FieldId>(i));
    return m;
  }();
  if (name.size() > 26) return std::nullopt;  // longer than any field name
  auto it = kByName.find(name);
  if (it == kByName.end()) return std::nullopt;
  return it->second;
}

LogFormat::LogFormat(std::vector<std::string> names) : names_(std::move(names)) {
  column_of_.fill(-1);
  fields_.reserve(names_.size());
  for (size_t c = 0; c < names_.size(); ++c) {
    FieldId id = field_from_name(names_[c]).value_or(FieldId::kIgnored);
    fields_.push_back(id);
    if (id != FieldId::kIgnored && column_of_[static_cast<size_t>(id)] < 0) {
      column_of_[static_cast<size_t>(id)] = static_cast<int>(c);
    }
  }
}

const LogFormat& LogFormat::default_v2() {
  static const LogFormat kDefault(std::vector<std::string>{
      "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
      "protocol", "packets", "bytes", "start", "end", "action", "log-status"});
  return kDefault;
}

std::string LogFormat::to_log_format_string() const {
  std::string out;
  for (const std::string& n : names_) {
    if (!out.empty()) out += ' ';
    out += "${" + n + "}";
  }
  return out;
}

std::string LogFormat::to_header_string() const {
  std::string out;
  for (const std::string& n : names_) {
    if (!out.empty()) out += ' ';
    out += n;
  }
  return out;
}

Result<LogFormat> parse_log_format(std::string_view text) {
  std::vector<std::string_view> tokens = split_fields(text);
  if (tokens.empty()) return invalid_argument_error("log format is empty");
  std::vector<std::string> names;
  names.reserve(tokens.size());
  for (std::string_view t : tokens) {
    std::string_view name = t;
    if (t.starts_with("$${")) {
      return invalid_argument_error(std::string("log format token '").append(t) +
                                    "' uses Terraform escaping; write ${name} instead of $${name}");
    }
    if (t.starts_with("${")) {
      if (!t.ends_with("}") || t.size() < 4) {
        return invalid_argument_error(std::string("log format token '").append(t) +
                                      "' is not of the form ${field-name}");
      }
      name = t.substr(2, t.size() - 3);
    } else if (t.find_first_of("${}") != std::string_view::npos) {
      return invalid_argument_error(std::string("log format token '").append(t) +
                                    "' is not of the form ${field-name}");
    }
    if (!is_valid_name(name)) {
      return invalid_argument_error(std::string("log format field name '").append(name) +
                                    "' has characters other than a-z, 0-9 and '-'");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return invalid_argument_error(std::string("log format names field '").append(name) +
                                    "' twice");
    }
    names.emplace_back(name);
  }
  return LogFormat(std::move(names));
}

bool looks_like_header(std::string_view line) {
  std::string_view t = first_token(line);
  if (t.empty() || t[0] < 'a' || t[0] > 'z') return false;
  return field_from_name(t).has_value();
}

std::optional<LogFormat> parse_header_line(std::string_view line) {
  if (!looks_like_header(line)) return std::nullopt;
  std::vector<std::string> names;
  for (std::string_view t : split_fields(line)) {
    if (!is_valid_name(t)) return std::nullopt;
    if (std::find(names.begin(), names.end(), t) != names.end()) return std::nullopt;
    names.emplace_back(t);
  }
  return LogFormat(std::move(names));
}

}  // namespace efstop::flowlog
