// `efstop [COMMAND] ...`: picks the subcommand; global --help/--version.
#include <algorithm>

#include "aws/http.h"
#include "cli/command.h"
#include "flowlog/byte_source.h"
#include "flowlog/parquet.h"
#include "store/sqlite_db.h"

#ifndef EFSTOP_VERSION
#define EFSTOP_VERSION "unknown"
#endif
#ifndef EFSTOP_GIT_COMMIT
#define EFSTOP_GIT_COMMIT "unknown"
#endif
#ifndef EFSTOP_TARGET
#define EFSTOP_TARGET "unknown"
#endif

namespace efstop::cli {

std::string efstop_version() { return EFSTOP_VERSION; }

std::string version_text() {
  std::string out = std::string("efstop ") + EFSTOP_VERSION + "\n";
  out += std::string("commit: ") + EFSTOP_GIT_COMMIT + "\n";
  out += std::string("target: ") + EFSTOP_TARGET + "\n";
  for (const auto& [name, version] : aws::http_library_versions()) {
    out += name + ": " + version + "\n";
  }
  out += "sqlite: " + store::sqlite_version() + "\n";
  out += "inflate: " + flowlog::inflater_version() + "\n";
  out += "zstd: " + flowlog::parquet::zstd_version() + "\n";
  return out;
}

int usage_error(CommandContext& ctx, std::string_view command, const Status& status) {
  ctx.err << "efstop: " << status.message() << '\n'
          << "efstop: run 'efstop help " << command << "' for the options\n";
  return kExitUsage;
}

namespace {

void print_overview(std::span<const Command> commands, const Command& default_command,
                    std::ostream& out) {
  out << "usage: efstop [COMMAND] [OPTIONS] [SOURCE...]\n"
      << "\n"
      << "Which clients move how many bytes to and from which Amazon EFS file systems,\n"
      << "from VPC Flow Logs. Without a COMMAND, efstop runs '" << default_command.name << "'.\n"
      << "\n"
      << "Commands:\n";
  size_t width = 4;  // "help"
  for (const Command& c : commands) width = std::max(width, c.name.size());
  for (const Command& c : commands) {
    out << "  " << c.name << std::string(width - c.name.size() + 2, ' ') << c.summary << '\n';
  }
  out << "  help" << std::string(width - 4 + 2, ' ') << "show a command's options: efstop help "
      << default_command.name << "\n"
      << "\n"
      << "Global options: --help, --version\n"
      << "Exit status: 0 success, 1 runtime failure (or --strict findings), 2 usage error,\n"
      << "3 partial result (some input or call failed; the output says which).\n";
}

const Command* find_command(std::span<const Command> commands, std::string_view name) {
  for (const Command& c : commands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::span<const Command> commands,
            const Command& default_command, CommandContext& ctx) {
  if (!args.empty()) {
    const std::string& first = args.front();
    if (first == "--help" || first == "-h") {
      print_overview(commands, default_command, ctx.out);
      return kExitOk;
    }
    if (first == "--version") {
      ctx.out << version_text();
      return kExitOk;
    }
    if (first == "help") {
      if (args.size() == 1) {
        print_overview(commands, default_command, ctx.out);
        return kExitOk;
      }
      const Command* c = find_command(commands, args[1]);
      if (c == nullptr) {
        ctx.err << "efstop: help " << args[1] << ": no such command\n";
        print_overview(commands, default_command, ctx.err);
        return kExitUsage;
      }
      c->print_help(ctx.out);
      return kExitOk;
    }
    if (const Command* c = find_command(commands, first)) {
      return c->run(std::vector<std::string>(args.begin() + 1, args.end()), ctx);
    }
  }
  return default_command.run(args, ctx);
}

}  // namespace efstop::cli
