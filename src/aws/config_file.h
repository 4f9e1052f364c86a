// The AWS shared config and credentials files (~/.aws/config and
// ~/.aws/credentials), read the way the AWS CLI reads them.
//
// Format (INI as the AWS CLI and SDKs accept it):
// - `[section]` headers. In the config file a named profile is
//   `[profile name]` and the default one `[default]` (or `[profile default]`,
//   which wins); `[sso-session name]` and `[services name]` are their own
//   kinds. In the credentials file every section is a profile, by its plain
//   name.
// - `key = value` (or `key: value`) settings; keys are case-insensitive and
//   stored lowercase, values are trimmed. Whole-line comments start with `#`
//   or `;`. A `#` or `;` after a value is a comment only when preceded by
//   whitespace (as the SDKs' shared-file spec says), so `a#b` stays a value.
// - An indented line continues the previous setting: when that setting's
//   value is empty the indented lines are nested `key = value` pairs (e.g.
//   `s3 =` followed by `  endpoint_url = ...`), otherwise they are appended
//   to the value with a newline.
// - Repeated sections merge; a repeated key keeps the last value.
//
// Errors name the file and line and never echo the line's text: credential
// files hold secrets. Profiles merge the two files as the AWS CLI does: a
// key set in the credentials file overrides the same key in the config file.
#ifndef EFSTOP_AWS_CONFIG_FILE_H_
#define EFSTOP_AWS_CONFIG_FILE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/env_vars.h"
#include "core/result.h"

namespace efstop::aws {

// One setting and where it was written (for messages that name file and line).
struct ConfigValue {
  std::string value;                          // empty for a nested block
  std::map<std::string, std::string> nested;  // keys lowercase; only for `key =` blocks
  std::string file;
  int line = 0;
};

// One section after parsing (a profile, an sso-session, a services block).
struct ConfigSection {
  std::string name;                           // without its kind prefix: "dev" for [profile dev]
  std::map<std::string, ConfigValue> values;  // keys lowercase

  const ConfigValue* find(std::string_view key) const;
  // The value of `key`, or nullopt when it is not set. An empty value counts
  // as set (callers decide what empty means).
  std::optional<std::string> get(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // "<file> line <n>" for `key`, or the empty string when it is not set.
  std::string where(std::string_view key) const;
};

// A parsed INI file: its sections by their raw header text ("profile dev").
struct IniFile {
  std::string path;
  struct Section {
    std::string header;  // trimmed text between the brackets
    int line = 0;
    std::map<std::string, ConfigValue> values;
  };
  std::vector<Section> sections;  // in file order; repeated headers merged
};

// Parses `text` (the contents of `path`, used only in messages). Returns a
// kParse error naming path and line for a malformed line.
Result<IniFile> parse_ini(std::string_view text, std::string path);

// Both shared files, merged into profiles. Immutable once loaded; safe to
// share between threads.
class SharedConfig {
 public:
  SharedConfig() = default;

  // Reads AWS_CONFIG_FILE (default $HOME/.aws/config) and
  // AWS_SHARED_CREDENTIALS_FILE (default $HOME/.aws/credentials). A file that
  // does not exist is fine (the CLI allows it); one that cannot be read or
  // does not parse is an error naming it. A leading `~/` is expanded.
  static Result<SharedConfig> load(const EnvVars& env);

  // Builds from file contents; a nullopt text means the file does not exist.
  static Result<SharedConfig> from_text(std::optional<std::string_view> config_text,
                                        std::string config_path,
                                        std::optional<std::string_view> credentials_text,
                                        std::string credentials_path);

  // The merged profile, or nullptr when neither file defines it.
  const ConfigSection* profile(std::string_view name) const;
  const ConfigSection* sso_session(std::string_view name) const;
  const ConfigSection* services(std::string_view name) const;
  std::vector<std::string> profile_names() const;

  // The endpoint_url a profile sets for one service through its `services`
  // key and the matching [services name] block (`s3 =` + `endpoint_url = ..`),
  // falling back to the profile's own endpoint_url. `service_key` is the
  // lowercase service id with spaces as underscores ("s3", "ec2", "sts",
  // "efs", "cloudwatch_logs", "sso"). nullopt when not configured.
  std::optional<std::string> endpoint_url(std::string_view profile_name,
                                          std::string_view service_key) const;

  // Why `name` was not found, for the "profile not found" error: says which
  // files were read and, when the config file has a bare [name] section,
  // that it must be written [profile name] there.
  std::string explain_missing_profile(std::string_view name) const;

  const std::string& config_path() const { return config_path_; }
  const std::string& credentials_path() const { return credentials_path_; }
  bool has_config_file() const { return has_config_file_; }
  bool has_credentials_file() const { return has_credentials_file_; }

 private:
  std::string config_path_;
  std::string credentials_path_;
  bool has_config_file_ = false;
  bool has_credentials_file_ = false;
  std::map<std::string, ConfigSection, std::less<>> profiles_;
  std::map<std::string, ConfigSection, std::less<>> sso_sessions_;
  std::map<std::string, ConfigSection, std::less<>> services_;
  // Config-file sections that are neither a profile nor a known kind, e.g.
  // [dev] where [profile dev] was meant.
  std::map<std::string, int, std::less<>> stray_config_sections_;
};

// Expands a leading "~/" (or a lone "~") with $HOME from `env`.
std::string expand_home(std::string_view path, const EnvVars& env);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CONFIG_FILE_H_
