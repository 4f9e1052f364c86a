#include "harness/harness_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

namespace efstop::testing {

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& extra_env,
                                         const std::string& stdout_path,
                                         const std::string& stderr_path) {
  if (argv.empty()) return invalid_argument_error("spawn: empty argv");
  // extra_env replaces variables of the same name (a duplicate would be
  // ambiguous: which copy a program reads differs).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string_view name = kv.substr(0, kv.find('=') + 1);
    bool replaced = false;
    for (const std::string& extra : extra_env) {
      if (std::string_view(extra).substr(0, extra.find('=') + 1) == name) replaced = true;
    }
    if (!replaced) env_strings.emplace_back(kv);
  }
  for (const std::string& kv : extra_env) env_strings.push_back(kv);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (std::string& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: stop() signals the group, and a Ctrl-C in the
  // terminal reaches the test binary, which then stops the child itself.
  posix_spawnattr_setpgroup(&attr, 0);
  // Default dispositions and an empty mask, whatever the test binary set.
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argp[0], &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return io_error("spawn " + argv[0] + ": " + std::strerror(rc));
  }
  ChildProcess child;
  child.pid_ = pid;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      reaped_(other.reaped_),
      exit_description_(std::move(other.exit_description_)) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = other.pid_;
    reaped_ = other.reaped_;
    exit_description_ = std::move(other.exit_description_);
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::has_exited() {
  if (pid_ <= 0 || reaped_) return true;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return false;
  reaped_ = true;
  if (r < 0) {
    exit_description_ = std::string("waitpid: ") + std::strerror(errno);
  } else if (WIFEXITED(status)) {
    exit_description_ = "exit status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    exit_description_ = "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return true;
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (!has_exited()) {
    kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!has_exited() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!has_exited()) {
      kill(-pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      reaped_ = true;
      exit_description_ = "killed by signal 9";
    }
  }
  // Anything the child started in its group goes too.
  kill(-pid_, SIGKILL);
  pid_ = -1;
}

std::string read_file_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string run_shell(const std::string& command, int* exit_code) {
  *exit_code = -1;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) *exit_code = WEXITSTATUS(status);
  return out;
}

namespace {

std::string shell_quote(std::string_view s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

}  // namespace

ProgramRun run_program(const std::vector<std::string>& argv) {
  ProgramRun run;
  Result<std::string> dir = make_temp_dir("efstop-run-");
  if (!dir.ok()) {
    run.err = dir.status().message();
    return run;
  }
  const std::string err_path = *dir + "/stderr";
  std::string command;
  for (const std::string& a : argv) command += shell_quote(a) + " ";
  command += "</dev/null 2>" + shell_quote(err_path);
  run.out = run_shell(command, &run.code);
  run.err = read_file_or_empty(err_path);
  std::remove(err_path.c_str());
  ::rmdir(dir->c_str());
  return run;
}

ProgramRun run_efstop(const std::vector<std::string>& args) {
  std::vector<std::string> argv{std::string(EFSTOP_BINARY_DIR) + "/efstop"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

Result<std::string> make_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return io_error("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  return templ;
}

}  // namespace efstop::testing
