#include "aws/env_vars.h"

#include <cstring>

extern char** environ;  // POSIX: the process environment

namespace efstop::aws {

EnvVars EnvVars::from_process() {
  std::map<std::string, std::string, std::less<>> vars;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const char* eq = std::strchr(*entry, '=');
    if (eq == nullptr) continue;
    vars.emplace(std::string(*entry, static_cast<size_t>(eq - *entry)), std::string(eq + 1));
  }
  return EnvVars(std::move(vars));
}

std::optional<std::string> EnvVars::get(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> EnvVars::get_nonempty(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

EnvVars EnvVars::with(std::string name, std::string value) const {
  EnvVars copy = *this;
  copy.vars_[std::move(name)] = std::move(value);
  return copy;
}

EnvVars EnvVars::without(std::string_view name) const {
  EnvVars copy = *this;
  auto it = copy.vars_.find(name);
  if (it != copy.vars_.end()) copy.vars_.erase(it);
  return copy;
}

}  // namespace efstop::aws
