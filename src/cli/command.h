// What a subcommand is, and what it gets to run. See the comment at the top
// of main.cc for how to add one.
//
// Not thread-safe: one command runs at a time.
#ifndef EFSTOP_CLI_COMMAND_H_
#define EFSTOP_CLI_COMMAND_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace efstop::cli {

// Exit codes (STYLE.md section 4).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure; --strict findings
inline constexpr int kExitUsage = 2;    // the command line is wrong
// The report was written but lacks some input that could not be read after
// the retries (a partial report: JSON "partial": true). --allow-partial
// makes it kExitOk. Its own code so a script never takes a smaller total
// for the whole truth.
inline constexpr int kExitPartial = 3;
// Stopped by SIGINT / SIGTERM during an AWS read (128 + the signal, as a
// shell reports it), whatever the command would have returned: running
// Insights queries were stopped first. Outside AWS reads the signals keep
// their default action (the process ends at once with the same status).
inline constexpr int kExitSigint = 130;
inline constexpr int kExitSigterm = 143;

// The world a command runs in; tests substitute streams and the clock.
struct CommandContext {
  std::ostream& out;  // the report
  std::ostream& err;  // errors, diagnostics, the summary
  // Unix seconds now (for --since).
  std::function<int64_t()> now;
};

struct Command {
  std::string_view name;     // as typed: "top"
  std::string_view summary;  // one line for `efstop --help`
  // Runs with the arguments after the command name; returns the exit code.
  int (*run)(const std::vector<std::string>& args, CommandContext& ctx);
  // Writes the command's full help (usage, options, examples).
  void (*print_help)(std::ostream& out);
};

// Prints "efstop: <message>" and a pointer to the command's help on
// ctx.err; returns kExitUsage.
int usage_error(CommandContext& ctx, std::string_view command, const Status& status);

// Dispatch: `efstop [COMMAND] [ARGS...]`. The first argument picks the
// command when it names one; otherwise `default_command` gets all
// arguments. Also handles `efstop --help`, `efstop help [COMMAND]` and
// `efstop --version`.
int run_cli(const std::vector<std::string>& args, std::span<const Command> commands,
            const Command& default_command, CommandContext& ctx);

// "0.1.0".
std::string efstop_version();
// `efstop --version`: "efstop 0.1.0", then "name: value" lines for the
// commit, the target (CPU, static or not) and every library linked in.
std::string version_text();

// Subcommands (one cmd_<name>.cc each).
int run_top(const std::vector<std::string>& args, CommandContext& ctx);
void print_top_help(std::ostream& out);
int run_whoami(const std::vector<std::string>& args, CommandContext& ctx);
void print_whoami_help(std::ostream& out);
int run_inventory(const std::vector<std::string>& args, CommandContext& ctx);
void print_inventory_help(std::ostream& out);
int run_doctor(const std::vector<std::string>& args, CommandContext& ctx);
void print_doctor_help(std::ostream& out);
int run_iam_policy(const std::vector<std::string>& args, CommandContext& ctx);
void print_iam_policy_help(std::ostream& out);
int run_collect(const std::vector<std::string>& args, CommandContext& ctx);
void print_collect_help(std::ostream& out);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_COMMAND_H_
