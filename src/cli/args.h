// Command-line parsing shared by every subcommand.
//
// A subcommand describes its options as OptionGroups (a title for --help
// plus options, each with a callback that stores the value where the
// subcommand wants it). parse_args() walks the arguments once and hands
// every "--name" to the group that registered it, so a reusable set of
// flags (the AWS connection flags in aws_flags.h, say) is just a function
// that adds its options to a group:
//
//   OptionGroup aws("AWS connection");
//   add_aws_flags(&aws, &aws_settings);         // --profile, --region, ...
//   OptionGroup mine("Report");
//   mine.add_value("--top", "N", "show the N biggest rows", [&](std::string_view v) {...});
//   EFSTOP_RETURN_IF_ERROR(parse_args(args, {&mine, &aws}, &positionals));
//
// Syntax: "--name value" or "--name=value"; options and positionals in any
// order; "--" ends the options; "-" is a positional (stdin); "-h" is
// "--help". A repeated option calls its callback again (most keep the last
// value).
//
// Errors are kInvalidArgument with a message in the house shape
// ("parse --top 'x': not a whole number"); the caller prints it and exits 2.
// Not thread-safe (callbacks mutate the caller's state).
#ifndef EFSTOP_CLI_ARGS_H_
#define EFSTOP_CLI_ARGS_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace efstop::cli {

class OptionGroup {
 public:
  struct Option {
    std::string name;        // "--top"
    std::string value_name;  // "N"; empty for a flag that takes no value
    std::string help;        // one or more lines, no trailing newline
    std::function<Status(std::string_view value)> on_value;  // value "" for flags
  };

  explicit OptionGroup(std::string title) : title_(std::move(title)) {}

  // A flag without a value, e.g. --strict.
  void add_flag(std::string name, std::string help, std::function<void()> on_set);
  // An option with a value, e.g. --top N. `on_value` returns a non-OK
  // Status whose message says what is wrong and what to do (it gets the
  // "parse --top 'x': " prefix added); kInvalidArgument is expected.
  void add_value(std::string name, std::string value_name, std::string help,
                 std::function<Status(std::string_view value)> on_value);

  const std::string& title() const { return title_; }
  const std::vector<Option>& options() const { return options_; }
  // The option called `name`, or nullptr.
  const Option* find(std::string_view name) const;

 private:
  std::string title_;
  std::vector<Option> options_;
};

// Parses `args` (without the program and command names). Appends
// positionals in order. Fails on an unknown option (suggesting a close
// known one), a missing value, a value given to a flag, or a value its
// callback rejects.
Status parse_args(const std::vector<std::string>& args, const std::vector<OptionGroup*>& groups,
                  std::vector<std::string>* positionals);

// Writes each group's title and its options, aligned, for --help.
void print_options(const std::vector<OptionGroup*>& groups, std::ostream& out);

// Value parsers for callbacks. Each returns kInvalidArgument with a message
// that says what is expected.
//   parse_count("20") -> 20; accepts 0..max.
Result<int64_t> parse_count(std::string_view text, int64_t max);
//   parse_byte_size("1GiB") -> 1073741824; a whole number with an optional
//   IEC suffix B, KiB, MiB, GiB, TiB, PiB (case-insensitive, "K"/"M"/"G"/
//   "T"/"P" alone too, all powers of 1024).
Result<int64_t> parse_byte_size(std::string_view text);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_ARGS_H_
