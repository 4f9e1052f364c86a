// A child process for the test harness: spawned with posix_spawn in its own
// process group (so stopping it also stops anything it started), stdout and
// stderr redirected to files, stopped with SIGTERM then SIGKILL.
//
// Not thread-safe: one owner per ChildProcess.
#ifndef EFSTOP_TESTS_HARNESS_HARNESS_PROCESS_H_
#define EFSTOP_TESTS_HARNESS_HARNESS_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace efstop::testing {

class ChildProcess {
 public:
  // Starts argv[0] (an absolute path) with `argv`, the current environment
  // plus `extra_env` ("NAME=value", replacing a variable of the same name), stdin from /dev/null,
  // stdout and stderr appended to the given files. Errors name the program and errno.
  static Result<ChildProcess> spawn(const std::vector<std::string>& argv,
                                    const std::vector<std::string>& extra_env,
                                    const std::string& stdout_path, const std::string& stderr_path);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Stops the process (stop()).
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // True once the process has exited (reaps it); exit_description() then
  // says how ("exit status 2", "killed by signal 9").
  bool has_exited();
  const std::string& exit_description() const { return exit_description_; }
  // SIGTERM to the process group, waits up to `grace`, then SIGKILL. Safe to
  // call twice.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string exit_description_;
};

// Whole contents of a file ("" when it cannot be read).
std::string read_file_or_empty(const std::string& path);

// Runs `command` with /bin/sh and returns what it wrote to stdout; sets
// `*exit_code` to its exit status (-1 when it could not be started or did
// not exit normally, e.g. killed by a signal).
std::string run_shell(const std::string& command, int* exit_code);

// One finished run of a program.
struct ProgramRun {
  int code = -1;  // exit status; -1 when it could not start or did not exit normally
  std::string out;
  std::string err;
};

// Runs argv (argv[0] a path) through /bin/sh with every argument quoted, with
// the current environment and stdin from /dev/null, and waits for it.
ProgramRun run_program(const std::vector<std::string>& argv);

// The efstop binary of this build tree (EFSTOP_BINARY_DIR/efstop), run with
// `args` as run_program runs a program. Tests that must exercise what a user
// runs use this rather than calling run_top / run_whoami in-process.
ProgramRun run_efstop(const std::vector<std::string>& args);

// A fresh directory under $TMPDIR (or /tmp) named <prefix>XXXXXX.
Result<std::string> make_temp_dir(const std::string& prefix);

}  // namespace efstop::testing

#endif  // EFSTOP_TESTS_HARNESS_HARNESS_PROCESS_H_
