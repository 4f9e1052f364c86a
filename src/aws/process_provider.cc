// credential_process: run the user's command and read credentials from its
// stdout (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "aws/credential_providers.h"

extern char** environ;

namespace efstop::aws {
namespace {

struct ProcessOutput {
  int exit_code = 0;  // valid when !signaled
  int signal = 0;     // the signal that ended it, or 0
  std::string stdout_text;
};

// Runs argv without a shell; stdin is /dev/null (efstop may read flow logs
// from its own stdin), stderr is inherited so the user sees what it says.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return io_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return io_error("cannot run '" + argv[0] + "': " + std::strerror(rc));
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
