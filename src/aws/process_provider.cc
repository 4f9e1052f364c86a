// credential_process: run the user's command and read credentials from its
// stdout (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "aws/credential_providers.h"
#include "core/descriptor_limit.h"

extern char** environ;

namespace efstop::aws {
namespace {

struct ProcessOutput {
  int exit_code = 0;  // valid when !signaled
  int signal = 0;     // the signal that ended it, or 0
  std::string stdout_text;
};

// The paths execve tries for `file`, in the order posix_spawnp and execvp
// search them: `file` itself when it has a '/', else `file` in each PATH
// entry (an empty entry is the current directory; no PATH: glibc's default,
// /bin:/usr/bin).
std::vector<std::string> exec_candidates(const std::string& file) {
  if (file.find('/') != std::string::npos) return {file};
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/bin:/usr/bin";
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t colon = dirs.find(':', start);
    const std::string dir = dirs.substr(start, colon == std::string::npos ? colon : colon - start);
    out.push_back(dir.empty() ? file : dir + "/" + file);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return out;
}

// Runs argv without a shell; stdin is /dev/null (efstop may read flow logs
// from its own stdin), stderr is inherited so the user sees what it says.
// fork and execve rather than posix_spawnp: the child must get back the soft
// descriptor limit efstop was started with (core/descriptor_limit.h) before
// it runs, and posix_spawn has no step for that. Between fork and execve the
// child makes only async-signal-safe calls (efstop has threads): everything
// it needs, the paths to try included, is built before the fork. Signals
// are blocked across the fork, and the child resets the ones efstop catches
// to their default before unblocking, so no handler of efstop's runs in it.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv) {
  const std::vector<std::string> candidates = exec_candidates(argv[0]);
  std::vector<const char*> paths;
  for (const std::string& c : candidates) paths.push_back(c.c_str());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return io_error(std::string("pipe: ") + std::strerror(errno));
  // The child writes execve's errno here when no candidate ran; closed by
  // a successful exec (close-on-exec), so an empty read means it ran.
  int exec_fds[2];
  if (::pipe2(exec_fds, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return io_error(std::string("pipe: ") + std::strerror(e));
  }

  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: async-signal-safe calls only, until execve.
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction action {};
      if (::sigaction(sig, nullptr, &action) != 0) continue;
      if (action.sa_handler == SIG_DFL || action.sa_handler == SIG_IGN) continue;
      action.sa_handler = SIG_DFL;
      action.sa_flags = 0;
      ::sigaction(sig, &action, nullptr);
    }
    int failure = restore_descriptor_limit_in_child();
    if (failure == 0 && ::dup2(pipe_fds[1], 1) < 0) failure = errno;
    // dup2 onto itself keeps close-on-exec: clear it.
    if (failure == 0 && pipe_fds[1] == 1 && ::fcntl(1, F_SETFD, 0) < 0) failure = errno;
    if (failure == 0) {
      const int null_fd = ::open("/dev/null", O_RDONLY);
      if (null_fd < 0) {
        failure = errno;
      } else if (null_fd != 0) {
        if (::dup2(null_fd, 0) < 0) failure = errno;
        ::close(null_fd);
      }
    }
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    if (failure == 0) {
      bool denied = false;
      failure = ENOENT;
      for (const char* path : paths) {
        ::execve(path, args.data(), environ);
        if (errno == EACCES) {
          denied = true;
        } else if (errno != ENOENT && errno != ENOTDIR) {
          failure = errno;
          break;
        }
      }
      if (failure == ENOENT && denied) failure = EACCES;
    }
    (void)!::write(exec_fds[1], &failure, sizeof failure);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::close(pipe_fds[1]);
  ::close(exec_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(exec_fds[0]);
    return io_error("cannot run '" + argv[0] + "': fork: " + std::strerror(fork_errno));
  }
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_fds[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  ::close(exec_fds[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return io_error("cannot run '" + argv[0] + "': " + std::strerror(exec_errno));
  }
  ProcessOutput out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n > 0) {
      // A credential document is small; a runaway command is cut off rather
      // than growing memory without bound.
      if (out.stdout_text.size() < (1u << 20)) out.stdout_text.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return io_error(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  } else {
    out.exit_code = WEXITSTATUS(status);
  }
  return out;
}

class ProcessProvider : public CredentialsProvider {
 public:
  ProcessProvider(std::shared_ptr<const SharedConfig> config, std::string profile)
      : config_(std::move(config)), profile_(std::move(profile)) {}

  Result<Credentials> get() override {
    const ConfigSection* p = config_->profile(profile_);
    const ConfigValue* command = p ? p->find("credential_process") : nullptr;
    if (command == nullptr) {
      return not_configured("profile '" + profile_ + "' has no credential_process");
    }
    const std::string context = "credential_process of profile '" + profile_ + "' (" +
                                command->file + " line " + std::to_string(command->line) + ")";
    Result<std::vector<std::string>> argv = split_command_line(command->value);
    if (!argv.ok()) return invalid_argument_error(context + ": " + argv.status().message());
    if (argv->empty()) return invalid_argument_error(context + ": the command is empty");

    Result<ProcessOutput> ran = run_process(*argv);
    if (!ran.ok()) return ran.status().with_context(context);
    const ProcessOutput out = std::move(ran).value();
    if (out.signal != 0) {
      return auth_error(context + ": '" + (*argv)[0] + "' was killed by signal " +
                        std::to_string(out.signal) + " (" + strsignal(out.signal) + ")");
    }
    if (out.exit_code != 0) {
      return auth_error(context + ": '" + (*argv)[0] + "' exited with status " +
                        std::to_string(out.exit_code) +
                        "; its own message, if any, is on stderr above");
    }
    EFSTOP_ASSIGN_OR_RETURN(Credentials c,
                            credentials_from_process_output(out.stdout_text, context));
    c.source = "custom-process";
    c.source_detail = "credential_process of profile " + profile_;
    return c;
  }

 private:
  const std::shared_ptr<const SharedConfig> config_;
  const std::string profile_;
};

}  // namespace

Result<Credentials> credentials_from_process_output(std::string_view stdout_text,
                                                    const std::string& context) {
  // Never echo stdout in a message: it holds the secret key.
  nlohmann::json doc = nlohmann::json::parse(stdout_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return parse_error(context + ": output is not a JSON object (" +
                       std::to_string(stdout_text.size()) +
                       " bytes); the command must print {\"Version\": 1, \"AccessKeyId\": ...}");
  }
  auto version = doc.find("Version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int64_t>() != 1) {
    return parse_error(
        context + ": output has " +
        (version == doc.end() ? std::string("no \"Version\"") : "\"Version\" " + version->dump()) +
        "; only Version 1 is supported");
  }
  auto string_field = [&](const char* name) -> std::optional<std::string> {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  Credentials c;
  for (const char* required : {"AccessKeyId", "SecretAccessKey"}) {
    std::optional<std::string> v = string_field(required);
    if (!v || v->empty()) {
      return parse_error(context + ": output has no string \"" + std::string(required) + "\"");
    }
    (std::string_view(required) == "AccessKeyId" ? c.access_key_id : c.secret_access_key) = *v;
  }
  c.session_token = string_field("SessionToken").value_or("");
  if (std::optional<std::string> exp = string_field("Expiration")) {
    Result<std::chrono::system_clock::time_point> t = parse_iso8601(*exp);
    if (!t.ok()) return parse_error(context + ": \"Expiration\": " + t.status().message());
    c.expiration = *t;
  }
  return c;
}

Result<std::vector<std::string>> split_command_line(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < command.size()) {
    char c = command[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      size_t close = command.find('\'', i + 1);
      if (close == std::string_view::npos) return parse_error("unclosed single quote");
      word.append(command.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < command.size()) {
        char d = command[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < command.size() &&
            (command[i + 1] == '"' || command[i + 1] == '\\' || command[i + 1] == '$' ||
             command[i + 1] == '`' || command[i + 1] == '\n')) {
          if (command[i + 1] != '\n') word += command[i + 1];
          i += 2;
          continue;
        }
        word += d;
        ++i;
      }
      if (!closed) return parse_error("unclosed double quote");
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) return parse_error("backslash at the end of the command");
      if (command[i + 1] != '\n') word += command[i + 1];
      in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::unique_ptr<CredentialsProvider> make_process_provider(
    std::shared_ptr<const SharedConfig> config, std::string profile) {
  return std::make_unique<ProcessProvider>(std::move(config), std::move(profile));
}

}  // namespace efstop::aws
