#include "cli/args.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace efstop::cli {

void OptionGroup::add_flag(std::string name, std::string help, std::function<void()> on_set) {
  options_.push_back(
      Option{std::move(name), "", std::move(help), [on_set = std::move(on_set)](std::string_view) {
               on_set();
               return Status();
             }});
}

void OptionGroup::add_value(std::string name, std::string value_name, std::string help,
                            std::function<Status(std::string_view)> on_value) {
  options_.push_back(
      Option{std::move(name), std::move(value_name), std::move(help), std::move(on_value)});
}

const OptionGroup::Option* OptionGroup::find(std::string_view name) const {
  for (const Option& option : options_) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

namespace {

// Edit distance with adjacent transpositions (optimal string alignment),
// for "did you mean" on misspelt options: "--stirct" is one step from
// "--strict".
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

Status unknown_option(std::string_view name, const std::vector<OptionGroup*>& groups) {
  std::string best;
  size_t best_distance = 3;  // suggest only close matches
  for (const OptionGroup* group : groups) {
    for (const OptionGroup::Option& option : group->options()) {
      const size_t d = edit_distance(name, option.name);
      const bool is_prefix = option.name.rfind(name, 0) == 0 && name.size() >= 4;
      if (d < best_distance || (is_prefix && best.empty())) {
        best = option.name;
        best_distance = std::min(d, best_distance);
      }
    }
  }
  std::string message = "parse option " + std::string(name) + ": unknown option";
  if (!best.empty()) message += " (did you mean " + best + "?)";
  return invalid_argument_error(std::move(message));
}

}  // namespace

Status parse_args(const std::vector<std::string>& args, const std::vector<OptionGroup*>& groups,
                  std::vector<std::string>* positionals) {
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg == "-" || arg.empty() || arg[0] != '-') {
      positionals->push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg == "-h") name = "--help";
    if (const size_t eq = name.find('=');
        eq != std::string_view::npos && name.rfind("--", 0) == 0) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const OptionGroup::Option* option = nullptr;
    for (const OptionGroup* group : groups) {
      if ((option = group->find(name)) != nullptr) break;
    }
    if (option == nullptr) return unknown_option(name, groups);

    std::string_view value;
    if (option->value_name.empty()) {
      if (inline_value) {
        return invalid_argument_error("parse option " + std::string(name) +
                                      ": takes no value (remove '=" + std::string(*inline_value) +
                                      "')");
      }
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return invalid_argument_error("parse option " + std::string(name) + ": needs a value (" +
                                    std::string(name) + " " + option->value_name + ")");
    }
    Status status = option->on_value(value);
    if (!status.ok()) {
      return Status(status.code(), "parse " + std::string(name) + " '" + std::string(value) +
                                       "': " + status.message());
    }
  }
  return Status();
}

void print_options(const std::vector<OptionGroup*>& groups, std::ostream& out) {
  size_t width = 0;
  const auto label = [](const OptionGroup::Option& option) {
    return option.value_name.empty() ? option.name : option.name + " " + option.value_name;
  };
  for (const OptionGroup* group : groups) {
    for (const OptionGroup::Option& option : group->options()) {
      width = std::max(width, label(option).size());
    }
  }
  for (const OptionGroup* group : groups) {
    if (group->options().empty()) continue;
    out << '\n' << group->title() << ":\n";
    for (const OptionGroup::Option& option : group->options()) {
      const std::string text = label(option);
      out << "  " << text << std::string(width - text.size() + 2, ' ');
      // Continuation lines of the help line up under its first line.
      for (char c : option.help) {
        out << c;
        if (c == '\n') out << std::string(width + 4, ' ');
      }
      out << '\n';
    }
  }
}

Result<int64_t> parse_count(std::string_view text, int64_t max) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > max) {
    return invalid_argument_error("want a whole number from 0 to " + std::to_string(max));
  }
  return value;
}

Result<int64_t> parse_byte_size(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string suffix;
  for (char c : text.substr(digits))
    suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int shift = -1;
  if (suffix.empty() || suffix == "b") shift = 0;
  static constexpr std::pair<const char*, int> kUnits[] = {
      {"k", 10}, {"m", 20}, {"g", 30}, {"t", 40}, {"p", 50}};
  for (const auto& [letter, bits] : kUnits) {
    if (suffix == letter || suffix == std::string(letter) + "ib") shift = bits;
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (digits == 0 || ec != std::errc() || end != text.data() + digits || shift < 0 ||
      value > (std::numeric_limits<int64_t>::max() >> shift)) {
    return invalid_argument_error(
        "want a whole number of bytes, optionally with a unit: 1000000, 500MiB, 2GiB");
  }
  return value << shift;
}

}  // namespace efstop::cli
