// efstop: which clients move how many bytes to and from which EFS file
// systems. This file is the table of contents of the command line.
//
// How the CLI is put together (follow this when adding to it):
//   - One file per subcommand: cmd_<name>.cc defines
//       int run_<name>(const std::vector<std::string>& args, CommandContext& ctx);
//       void print_<name>_help(std::ostream& out);
//     declared in command.h. A subcommand parses its own arguments with
//     args.h, calls the library, writes its result to ctx.out and
//     diagnostics to ctx.err, and returns kExitOk / kExitFailure / kExitUsage.
//     Adding one = that file + its two declarations in command.h + one entry
//     in kCommands below + its name in src/cli/CMakeLists.txt.
//   - Options come in OptionGroups (args.h): parse_args() hands every
//     "--name" to the group that registered it. A set of flags shared by
//     several commands (the AWS connection flags: --profile, --region,
//     --endpoint-url, ...) lives in its own file, e.g. aws_flags.{h,cc}, as
//     a function that adds its options to an OptionGroup and writes the
//     values into a settings struct the command owns; a command that talks
//     to AWS adds that group to the ones it passes to parse_args().
//   - Messages: "efstop: <operation> <target>: <cause>", lowercase, no final
//     period; usage errors exit 2, runtime failures 1 (STYLE.md section 4).
//   - The library never prints; only cli/ writes to stdout/stderr and picks
//     the exit code.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cloud/cloud_reader.h"
#include "core/descriptor_limit.h"

namespace {

using efstop::cli::Command;

// The subcommands, in the order `efstop --help` lists them. The first is
// the default: `efstop FILE` means `efstop top FILE`.
constexpr Command kCommands[] = {
    {"top", "top talkers: bytes per client/file-system pair from flow logs", efstop::cli::run_top,
     efstop::cli::print_top_help},
    {"whoami", "the AWS identity, region and credential source efstop would use",
     efstop::cli::run_whoami, efstop::cli::print_whoami_help},
    {"inventory", "EFS file systems, mount targets, ENIs and instances: what names come from",
     efstop::cli::run_inventory, efstop::cli::print_inventory_help},
    {"doctor", "is the account ready? permissions, flow-log coverage, retention, cost",
     efstop::cli::run_doctor, efstop::cli::print_doctor_help},
    {"iam-policy", "the least-privilege IAM policy for what efstop will do",
     efstop::cli::run_iam_policy, efstop::cli::print_iam_policy_help},
    {"collect", "store hourly (or 5m/15m/1d) sums in the store for top --from-store",
     efstop::cli::run_collect, efstop::cli::print_collect_help},
};

// Test seam: when EFSTOP_TEST_ARGV_LOG names a file, this run's arguments
// are appended to it as one line (tab-separated; tab, newline and backslash
// escaped), in one write on an O_APPEND descriptor so concurrent tests do
// not interleave. scripts/test.sh sets it; tests/cli/option_coverage.py then
// checks that every command and option `efstop help` prints was run by some
// test. No efstop option takes a secret, so the line holds none.
void log_arguments_for_tests(const std::vector<std::string>& args) {
  const char* path = std::getenv("EFSTOP_TEST_ARGV_LOG");
  if (path == nullptr || *path == '\0') return;
  std::string line;
  for (const std::string& a : args) {
    if (!line.empty()) line += '\t';
    for (char c : a) {
      if (c == '\\')
        line += "\\\\";
      else if (c == '\t')
        line += "\\t";
      else if (c == '\n')
        line += "\\n";
      else
        line += c;
    }
  }
  line += '\n';
  const int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  (void)!::write(fd, line.data(), line.size());
  ::close(fd);
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
// Blocks below 32 MiB from the heap, and what is freed kept there for the
// next malloc: a block freed and allocated again is not unmapped, mapped
// and faulted in anew, and fresh pages are the costly kind on the virtual
// machines efstop is measured on (docs/PERFORMANCE.md). Fixed values, as
// setting one ends glibc's sliding mmap threshold (which moves up to 32 MiB
// on its own). The heap keeps the kernel's 4 KiB pages: marking it for
// transparent huge pages (MADV_HUGEPAGE, until 2026-12-06) made a huge page
// cheaper than 512 small ones where huge pages were at hand, and cost more
// than it saved where the kernel had to compact memory or the host to back
// it first (docs/PERFORMANCE.md, "eighth pass"). Not under
// AddressSanitizer, whose allocator does not use the heap.
void keep_freed_heap_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}
#endif

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // glibc gives each thread that allocates its own malloc arena (up to 8 per
  // core) and keeps what a thread freed in that arena, so the resident peak
  // is about the sum of every arena's own peak. Naming 20,000 addresses
  // parses pages of AWS answers on 8 threads at once: in the load run
  // (docs/PERFORMANCE.md, "Load"), 141 MiB at peak with the default, 124 MiB
  // with two arenas. Two, not one: the engine's parser threads still
  // allocate apart.
  mallopt(M_ARENA_MAX, 2);
#if !defined(__SANITIZE_ADDRESS__)
  keep_freed_heap_memory();
#endif
#endif
  // The soft descriptor limit up to the hard one; a child gets the
  // original back (core/descriptor_limit.h). Before any thread starts.
  efstop::raise_descriptor_limit();
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  log_arguments_for_tests(args);
  efstop::cli::CommandContext ctx{std::cout, std::cerr,
                                  [] { return static_cast<int64_t>(std::time(nullptr)); }};
  int code = efstop::cli::run_cli(args, kCommands, kCommands[0], ctx);
  std::cout.flush();
  // A stop signal caught during an AWS read (the command already said what
  // it stopped) ends with the status a shell gives a process it killed.
  if (const int sig = efstop::cloud::interrupt_signal(); sig != 0) {
    std::cerr << "efstop: stopped by " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << '\n';
    code = sig == SIGTERM ? efstop::cli::kExitSigterm : efstop::cli::kExitSigint;
  }
  return code;
}
