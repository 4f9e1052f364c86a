// EnvVars: a snapshot of environment variables that the credential chain,
// the shared-file loader and region resolution read through.
//
// Why a snapshot instead of getenv(): the chain is built once and then used
// from many threads for the whole run (getenv races with setenv), and unit
// tests can build any environment without touching the process's own.
// Immutable after construction, so safe to share between threads.
#ifndef EFSTOP_AWS_ENV_VARS_H_
#define EFSTOP_AWS_ENV_VARS_H_

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace efstop::aws {

class EnvVars {
 public:
  EnvVars() = default;
  explicit EnvVars(std::map<std::string, std::string, std::less<>> vars) : vars_(std::move(vars)) {}
  EnvVars(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}

  // A copy of the current process environment (reads `environ`).
  static EnvVars from_process();

  // The value of `name`, or nullopt when unset. An empty value counts as set:
  // callers that treat "" as unset (as the SDKs do for most variables) use
  // get_nonempty().
  std::optional<std::string> get(std::string_view name) const;
  std::optional<std::string> get_nonempty(std::string_view name) const;

  // Returns a copy with `name` set to `value` (tests and callers that layer
  // command-line settings over the environment).
  EnvVars with(std::string name, std::string value) const;
  EnvVars without(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_ENV_VARS_H_
