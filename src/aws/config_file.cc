#include "aws/config_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/read_file.h"
#include "core/resource_error.h"

namespace efstop::aws {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Cuts a trailing comment: `#` or `;` preceded by whitespace (the SDKs'
// shared-file rule for values; a value like "a#b" keeps its `#`).
std::string_view strip_value_comment(std::string_view v) {
  for (size_t i = 1; i < v.size(); ++i) {
    if ((v[i] == '#' || v[i] == ';') && is_space(v[i - 1])) return trim(v.substr(0, i));
  }
  if (!v.empty() && (v[0] == '#' || v[0] == ';')) return {};
  return v;
}

std::string where(const std::string& path, int line) {
  return path + " line " + std::to_string(line);
}

// Splits "profile  dev" into words on whitespace.
std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

struct ReadOutcome {
  bool exists = false;
  std::string text;
};

Result<ReadOutcome> read_optional_file(const std::string& path, std::string_view what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return ReadOutcome{};
    return io_error("read " + std::string(what) + " " + path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return io_error("read " + std::string(what) + " " + path +
                    ": is a directory; point the variable at a file");
  }
  std::string text;
  if (const int err = read_file(path, &text); err != 0) {
    std::string why;
    if (const std::optional<std::string_view> shortage = resource_shortage_words(err)) {
      why = std::string(*shortage);
    } else {
      why = std::strerror(err);
      if (err == EACCES || err == EPERM) why += "; check the file's permissions";
    }
    return io_error("read " + std::string(what) + " " + path + ": " + why);
  }
  return ReadOutcome{true, std::move(text)};
}

void merge_values(std::map<std::string, ConfigValue>& into,
                  const std::map<std::string, ConfigValue>& from) {
  for (const auto& [key, value] : from) into[key] = value;
}

}  // namespace

const ConfigValue* ConfigSection::find(std::string_view key) const {
  auto it = values.find(std::string(key));
  return it == values.end() ? nullptr : &it->second;
}

std::optional<std::string> ConfigSection::get(std::string_view key) const {
  const ConfigValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  return v->value;
}

std::string ConfigSection::where(std::string_view key) const {
  const ConfigValue* v = find(key);
  if (v == nullptr) return {};
  return aws::where(v->file, v->line);
}

Result<IniFile> parse_ini(std::string_view text, std::string path) {
  IniFile file;
  file.path = std::move(path);
  // A UTF-8 byte order mark is what Notepad writes; the CLI accepts it.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  IniFile::Section* section = nullptr;
  ConfigValue* last_value = nullptr;  // the setting an indented line continues
  size_t last_indent = 0;             // indentation of last_value's own line
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view raw = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);

    std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (line[0] == '#' || line[0] == ';') continue;
    const size_t indent = raw.find_first_not_of(" \t");
    // As in Python's configparser: a line continues the previous setting
    // only when it is indented deeper than that setting's own line, so a
    // section whose settings are all indented alike still reads as settings.
    if (last_value != nullptr && indent > last_indent) {
      if (last_value->value.empty()) {
        // Nested block under `key =`.
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
          return parse_error(where(file.path, line_no) +
                             ": indented line in a nested block is not 'key = value'; indent "
                             "only nested settings");
        }
        std::string key = to_lower(trim(line.substr(0, eq)));
        if (key.empty()) {
          return parse_error(where(file.path, line_no) + ": nested setting has no name");
        }
        last_value->nested[key] = std::string(strip_value_comment(trim(line.substr(eq + 1))));
      } else {
        std::string_view more = strip_value_comment(line);
        if (!more.empty()) {
          last_value->value += '\n';
          last_value->value += more;
        }
      }
      continue;
    }

    if (line[0] == '[') {
      size_t close = line.find(']');
      if (close == std::string_view::npos) {
        return parse_error(where(file.path, line_no) +
                           ": section header has no closing ']'; write it as [name]");
      }
      std::string_view rest = trim(line.substr(close + 1));
      if (!rest.empty() && rest[0] != '#' && rest[0] != ';') {
        return parse_error(where(file.path, line_no) +
                           ": unexpected text after the section header's ']'");
      }
      std::string header(trim(line.substr(1, close - 1)));
      if (header.empty()) {
        return parse_error(where(file.path, line_no) + ": empty section name '[]'");
      }
      section = nullptr;
      for (auto& s : file.sections) {
        if (s.header == header) section = &s;
      }
      if (section == nullptr) {
        file.sections.push_back(IniFile::Section{header, line_no, {}});
        section = &file.sections.back();
      }
      last_value = nullptr;
      continue;
    }

    // A setting: key = value (configparser also takes ':' as the delimiter).
    size_t delim = line.find_first_of("=:");
    if (delim == std::string_view::npos) {
      return parse_error(where(file.path, line_no) +
                         ": expected '[section]', 'key = value' or a comment; fix or remove "
                         "the line");
    }
    std::string key = to_lower(trim(line.substr(0, delim)));
    if (key.empty()) {
      return parse_error(where(file.path, line_no) + ": setting has no name before '" +
                         std::string(1, line[delim]) + "'");
    }
    if (section == nullptr) {
      return parse_error(where(file.path, line_no) + ": setting '" + key +
                         "' appears before any [section] header; put it under one, e.g. "
                         "[default]");
    }
    ConfigValue& value = section->values[key];
    value = ConfigValue{
        std::string(strip_value_comment(trim(line.substr(delim + 1)))), {}, file.path, line_no};
    last_value = &value;
    last_indent = indent;
    // Pointers into section->values stay valid: std::map nodes never move, and
    // file.sections only grows when a new header is seen (which resets both).
  }
  return file;
}

std::string expand_home(std::string_view path, const EnvVars& env) {
  if (path == "~" || path.substr(0, 2) == "~/") {
    std::string home = env.get_nonempty("HOME").value_or("");
    return home + std::string(path.substr(1));
  }
  return std::string(path);
}

Result<SharedConfig> SharedConfig::from_text(std::optional<std::string_view> config_text,
                                             std::string config_path,
                                             std::optional<std::string_view> credentials_text,
                                             std::string credentials_path) {
  SharedConfig sc;
  sc.config_path_ = std::move(config_path);
  sc.credentials_path_ = std::move(credentials_path);
  sc.has_config_file_ = config_text.has_value();
  sc.has_credentials_file_ = credentials_text.has_value();

  if (config_text) {
    EFSTOP_ASSIGN_OR_RETURN(IniFile ini, parse_ini(*config_text, sc.config_path_));
    // [profile default] wins over [default]: apply plain [default] first.
    for (const auto& s : ini.sections) {
      if (s.header == "default") merge_values(sc.profiles_["default"].values, s.values);
    }
    for (const auto& s : ini.sections) {
      if (s.header == "default") continue;
      std::vector<std::string_view> words = split_words(s.header);
      if (words.size() == 2 && words[0] == "profile") {
        merge_values(sc.profiles_[std::string(words[1])].values, s.values);
      } else if (words.size() == 2 && words[0] == "sso-session") {
        merge_values(sc.sso_sessions_[std::string(words[1])].values, s.values);
      } else if (words.size() == 2 && words[0] == "services") {
        merge_values(sc.services_[std::string(words[1])].values, s.values);
      } else {
        sc.stray_config_sections_.emplace(s.header, s.line);
      }
    }
  }
  if (credentials_text) {
    EFSTOP_ASSIGN_OR_RETURN(IniFile ini, parse_ini(*credentials_text, sc.credentials_path_));
    // The credentials file overrides the config file key by key (botocore's
    // Session.full_config does the same).
    for (const auto& s : ini.sections) merge_values(sc.profiles_[s.header].values, s.values);
  }
  for (auto& [name, section] : sc.profiles_) section.name = name;
  for (auto& [name, section] : sc.sso_sessions_) section.name = name;
  for (auto& [name, section] : sc.services_) section.name = name;
  return sc;
}

Result<SharedConfig> SharedConfig::load(const EnvVars& env) {
  std::string config_path =
      expand_home(env.get_nonempty("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  std::string credentials_path = expand_home(
      env.get_nonempty("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  EFSTOP_ASSIGN_OR_RETURN(ReadOutcome config, read_optional_file(config_path, "config file"));
  EFSTOP_ASSIGN_OR_RETURN(ReadOutcome creds,
                          read_optional_file(credentials_path, "credentials file"));
  std::optional<std::string_view> config_text;
  std::optional<std::string_view> creds_text;
  if (config.exists) config_text = config.text;
  if (creds.exists) creds_text = creds.text;
  return from_text(config_text, std::move(config_path), creds_text, std::move(credentials_path));
}

const ConfigSection* SharedConfig::profile(std::string_view name) const {
  auto it = profiles_.find(name);
  return it == profiles_.end() ? nullptr : &it->second;
}

const ConfigSection* SharedConfig::sso_session(std::string_view name) const {
  auto it = sso_sessions_.find(name);
  return it == sso_sessions_.end() ? nullptr : &it->second;
}

const ConfigSection* SharedConfig::services(std::string_view name) const {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : &it->second;
}

std::vector<std::string> SharedConfig::profile_names() const {
  std::vector<std::string> names;
  for (const auto& [name, section] : profiles_) names.push_back(name);
  return names;
}

std::optional<std::string> SharedConfig::endpoint_url(std::string_view profile_name,
                                                      std::string_view service_key) const {
  const ConfigSection* p = profile(profile_name);
  if (p == nullptr) return std::nullopt;
  if (std::optional<std::string> services_name = p->get("services")) {
    if (const ConfigSection* s = services(*services_name)) {
      if (const ConfigValue* block = s->find(service_key)) {
        auto it = block->nested.find("endpoint_url");
        if (it != block->nested.end() && !it->second.empty()) return it->second;
      }
    }
  }
  std::optional<std::string> global = p->get("endpoint_url");
  if (global && !global->empty()) return global;
  return std::nullopt;
}

std::string SharedConfig::explain_missing_profile(std::string_view name) const {
  std::string msg = "profile '" + std::string(name) + "' is in neither " + config_path_ +
                    (has_config_file_ ? "" : " (no such file)") + " nor " + credentials_path_ +
                    (has_credentials_file_ ? "" : " (no such file)");
  auto stray = stray_config_sections_.find(name);
  if (stray != stray_config_sections_.end()) {
    msg += "; " + config_path_ + " line " + std::to_string(stray->second) + " has [" +
           std::string(name) + "], but in the config file a named profile is written [profile " +
           std::string(name) + "]";
  } else {
    std::vector<std::string> names = profile_names();
    if (names.empty()) {
      msg += "; no profiles are defined: run 'aws configure --profile " + std::string(name) +
             "' or check AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE";
    } else {
      msg += "; known profiles:";
      for (const auto& n : names) msg += " " + n;
    }
  }
  return msg;
}

}  // namespace efstop::aws
