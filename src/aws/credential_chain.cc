#include "aws/credential_chain.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace efstop::aws {
namespace {

// An entry whose source is known not to apply (the reason is shown when no
// source does).
class AbsentProvider : public CredentialsProvider {
 public:
  explicit AbsentProvider(std::string why) : why_(std::move(why)) {}
  Result<Credentials> get() override { return not_configured(why_); }

 private:
  const std::string why_;
};

// An entry whose configuration is wrong: the error surfaces only if the
// chain gets that far (environment keys, for instance, still win).
class BrokenProvider : public CredentialsProvider {
 public:
  explicit BrokenProvider(Status status) : status_(std::move(status)) {}
  Result<Credentials> get() override { return status_; }

 private:
  const Status status_;
};

// Lets a shared provider sit where a unique_ptr is wanted.
class ProviderHandle : public CredentialsProvider {
 public:
  explicit ProviderHandle(std::shared_ptr<CredentialsProvider> p) : p_(std::move(p)) {}
  Result<Credentials> get() override { return p_->get(); }

 private:
  std::shared_ptr<CredentialsProvider> p_;
};

std::shared_ptr<CredentialsProvider> absent(std::string why) {
  return std::make_shared<AbsentProvider>(std::move(why));
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool has_static_keys(const ConfigSection& p) {
  return p.has("aws_access_key_id") || p.has("aws_secret_access_key");
}

// "profile 'dev' (~/.aws/config line 4)": where `key` of `p` was set.
std::string at(const ConfigSection& p, std::string_view key) {
  std::string where = p.where(key);
  return "profile '" + p.name + "'" + (where.empty() ? "" : " (" + where + ")");
}

bool is_valid_session_name(std::string_view s) {
  if (s.size() < 2 || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

class ChainBuilder {
 public:
  ChainBuilder(const CredentialChainOptions& options, std::shared_ptr<const SharedConfig> config)
      : options_(options), config_(std::move(config)) {
    net_.transport = options.transport;
    net_.client_config = options.client_config;
    net_.client_env = options.client_env;
    net_.clock = options.clock;
    net_.env = options.env;
    session_name_ = options.default_session_name;
    if (session_name_.empty()) {
      const auto secs =
          std::chrono::duration_cast<std::chrono::seconds>(options.clock().time_since_epoch())
              .count();
      session_name_ = "efstop-session-" + std::to_string(secs);
    }
  }

  // The profile-based sources, in chain order: web identity, SSO, shared
  // credentials file, credential_process, config file.
  std::vector<CredentialChain::Entry> profile_entries(const std::string& name, bool env_allowed) {
    std::vector<CredentialChain::Entry> entries;
    entries.push_back({"web identity", or_broken(web_identity(name, env_allowed)), false});
    entries.push_back({"IAM Identity Center (SSO)", or_broken(sso(name)), false});
    entries.push_back({"shared credentials file",
                       make_profile_keys_provider(config_, name, StaticKeysFile::kCredentials),
                       false});
    entries.push_back({"credential_process", make_process_provider(config_, name), false});
    entries.push_back(
        {"config file", make_profile_keys_provider(config_, name, StaticKeysFile::kConfig), false});
    return entries;
  }

  // The provider for a profile whose role_arn says to assume a role.
  // `visited` holds the profiles on the way here (cycle detection).
  Result<std::shared_ptr<CredentialsProvider>> assume_role(const std::string& name,
                                                           std::vector<std::string> visited) {
    const ConfigSection* p = config_->profile(name);
    if (p == nullptr) return internal_error("assume_role on a missing profile");
    AssumeRoleParams params;
    params.profile = name;
    params.role_arn = p->get("role_arn").value_or("");
    if (params.role_arn.empty()) {
      return invalid_argument_error(at(*p, "role_arn") + ": role_arn is empty");
    }
    if (p->has("mfa_serial")) {
      return invalid_argument_error(
          at(*p, "mfa_serial") +
          ": roles that need an MFA code (mfa_serial) are not supported non-interactively; get "
          "session credentials first (e.g. 'aws sts assume-role ... --serial-number ... "
          "--token-code ...') and export them, or use a profile without mfa_serial");
    }
    params.external_id = p->get("external_id").value_or("");
    EFSTOP_ASSIGN_OR_RETURN(params.session_name, session_name_for(*p));
    if (const ConfigValue* d = p->find("duration_seconds")) {
      int seconds = 0;
      auto [ptr, ec] = std::from_chars(d->value.data(), d->value.data() + d->value.size(), seconds);
      if (ec != std::errc() || ptr != d->value.data() + d->value.size() || seconds < 900 ||
          seconds > 43200) {
        return invalid_argument_error(at(*p, "duration_seconds") +
                                      ": duration_seconds must be a whole number of seconds from "
                                      "900 to 43200");
      }
      params.duration_seconds = seconds;
    }

    std::optional<std::string> source_profile = p->get("source_profile");
    std::optional<std::string> credential_source = p->get("credential_source");
    if (source_profile && credential_source) {
      return invalid_argument_error(at(*p, "role_arn") +
                                    " sets both source_profile and credential_source; keep one");
    }
    if (!source_profile && !credential_source) {
      return invalid_argument_error(
          at(*p, "role_arn") +
          " has role_arn but neither source_profile nor credential_source; add one to say which "
          "credentials may assume the role");
    }
    std::shared_ptr<CredentialsProvider> source;
    if (credential_source) {
      const std::string kind = lower(*credential_source);
      if (kind == "environment") {
        source = make_env_provider(options_.env);
      } else if (kind == "ec2instancemetadata") {
        EFSTOP_ASSIGN_OR_RETURN(std::shared_ptr<ImdsClient> client, imds(p));
        source = make_imds_provider(std::move(client));
      } else if (kind == "ecscontainer") {
        source = make_container_provider(net_, options_.container_host_for_tests);
      } else {
        return invalid_argument_error(at(*p, "credential_source") + ": credential_source '" +
                                      *credential_source +
                                      "' is not one of Environment, Ec2InstanceMetadata, "
                                      "EcsContainer");
      }
      // A source that is simply absent is an error here: the profile asked for it.
      source = std::make_shared<RequiredSource>(
          std::move(source),
          "credential_source " + *credential_source + " of " + at(*p, "credential_source"));
    } else {
      const std::string& src_name = *source_profile;
      const ConfigSection* src = config_->profile(src_name);
      if (src == nullptr) {
        return invalid_argument_error(at(*p, "source_profile") + ": source_profile '" + src_name +
                                      "' does not exist; " +
                                      config_->explain_missing_profile(src_name));
      }
      const bool seen = std::find(visited.begin(), visited.end(), src_name) != visited.end();
      if (seen && !(src_name == name && has_static_keys(*src))) {
        std::string path;
        for (const std::string& v : visited) path += v + " -> ";
        return invalid_argument_error("source_profile cycle: " + path + src_name + " (" +
                                      p->where("source_profile") +
                                      "); break the loop with a profile that has its own keys");
      }
      visited.push_back(src_name);
      if (has_static_keys(*src) || !src->has("role_arn") || src->has("web_identity_token_file")) {
        auto chain = std::make_shared<CredentialChain>(src_name, profile_entries(src_name, false),
                                                       /*nested=*/true);
        source = std::make_shared<RequiredSource>(
            std::move(chain), "source_profile '" + src_name + "' of " + at(*p, "source_profile"));
      } else {
        EFSTOP_ASSIGN_OR_RETURN(source, assume_role(src_name, visited));
      }
    }
    auto cached_source = std::make_shared<CachingCredentialsProvider>(
        std::unique_ptr<CredentialsProvider>(new ProviderHandle(std::move(source))),
        options_.clock);
    return std::shared_ptr<CredentialsProvider>(
        make_assume_role_provider(net_, std::move(cached_source), std::move(params)));
  }

  // nullptr when web identity is not configured for this profile.
  Result<std::shared_ptr<CredentialsProvider>> web_identity(const std::string& name,
                                                            bool env_allowed) {
    const ConfigSection* p = config_->profile(name);
    auto lookup = [&](const char* env_name, const char* key,
                      std::string& origin) -> std::optional<std::string> {
      if (env_allowed) {
        if (std::optional<std::string> v = options_.env.get_nonempty(env_name)) {
          origin = env_name;
          return v;
        }
      }
      if (p != nullptr) {
        if (std::optional<std::string> v = p->get(key); v && !v->empty()) {
          origin = at(*p, key);
          return v;
        }
      }
      return std::nullopt;
    };
    std::string token_origin, arn_origin, name_origin;
    std::optional<std::string> token_file =
        lookup("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file", token_origin);
    if (!token_file) {
      return absent(env_allowed ? "neither AWS_WEB_IDENTITY_TOKEN_FILE nor web_identity_token_file "
                                  "in profile '" +
                                      name + "' set"
                                : "no web_identity_token_file in profile '" + name + "'");
    }
    std::optional<std::string> role_arn = lookup("AWS_ROLE_ARN", "role_arn", arn_origin);
    if (!role_arn) {
      return invalid_argument_error("web identity: the token file comes from " + token_origin +
                                    " but no role ARN is set; set AWS_ROLE_ARN or role_arn in "
                                    "the profile");
    }
    WebIdentityParams params;
    params.role_arn = *role_arn;
    params.token_file = expand_home(*token_file, options_.env);
    params.origin = token_origin;
    if (std::optional<std::string> session =
            lookup("AWS_ROLE_SESSION_NAME", "role_session_name", name_origin)) {
      if (!is_valid_session_name(*session)) {
        return invalid_argument_error(name_origin +
                                      ": role session name must be 2-64 characters "
                                      "of letters, digits and _+=,.@-");
      }
      params.session_name = *session;
    } else {
      params.session_name = session_name_;
    }
    return std::shared_ptr<CredentialsProvider>(
        make_web_identity_provider(net_, std::move(params)));
  }

  Result<std::shared_ptr<CredentialsProvider>> sso(const std::string& name) {
    const ConfigSection* p = config_->profile(name);
    if (p == nullptr || (!p->has("sso_account_id") && !p->has("sso_role_name"))) {
      return absent("profile '" + name + "' has no sso_account_id / sso_role_name");
    }
    std::map<std::string, std::string> merged;
    for (const auto& [key, value] : p->values) merged[key] = value.value;
    SsoParams params;
    params.profile = name;
    std::vector<std::string> required = {"sso_start_url", "sso_region", "sso_account_id",
                                         "sso_role_name"};
    if (std::optional<std::string> session = p->get("sso_session")) {
      const ConfigSection* s = config_->sso_session(*session);
      if (s == nullptr) {
        return invalid_argument_error(at(*p, "sso_session") + ": there is no [sso-session " +
                                      *session + "] section in " + config_->config_path());
      }
      for (const auto& [key, value] : s->values) {
        auto it = merged.find(key);
        if (it != merged.end() && it->second != value.value) {
          return invalid_argument_error(at(*p, key) + ": " + key + " differs from [sso-session " +
                                        *session + "] (" + s->where(key) + "); make them agree");
        }
        merged[key] = value.value;
      }
      params.session_name = *session;
    }
    std::string missing;
    for (const std::string& key : required) {
      if (merged[key].empty()) missing += (missing.empty() ? "" : ", ") + key;
    }
    if (!missing.empty()) {
      return invalid_argument_error("profile '" + name + "' is set up for SSO but lacks " +
                                    missing + "; run 'aws configure sso --profile " + name + "'");
    }
    params.start_url = merged["sso_start_url"];
    params.sso_region = merged["sso_region"];
    params.account_id = merged["sso_account_id"];
    params.role_name = merged["sso_role_name"];
    params.cache_dir = expand_home("~/.aws/sso/cache", options_.env);
    return std::shared_ptr<CredentialsProvider>(make_sso_provider(net_, std::move(params)));
  }

  Result<std::shared_ptr<ImdsClient>> imds(const ConfigSection* profile) {
    if (imds_) return imds_;
    if (options_.imds) return imds_ = options_.imds;
    EFSTOP_ASSIGN_OR_RETURN(ImdsOptions o, imds_options_from(options_.env, profile));
    imds_ = std::make_shared<ImdsClient>(options_.transport, std::move(o), options_.clock);
    return imds_;
  }

  const NetworkContext& net() const { return net_; }

  static std::shared_ptr<CredentialsProvider> or_broken(
      Result<std::shared_ptr<CredentialsProvider>> r) {
    if (r.ok()) return *r;
    return std::make_shared<BrokenProvider>(r.status());
  }

 private:
  // Turns "not configured" from a source that a profile explicitly asked for
  // into an error naming who asked.
  class RequiredSource : public CredentialsProvider {
   public:
    RequiredSource(std::shared_ptr<CredentialsProvider> inner, std::string who)
        : inner_(std::move(inner)), who_(std::move(who)) {}
    Result<Credentials> get() override {
      Result<Credentials> r = inner_->get();
      if (r.ok()) return r;
      if (is_not_configured(r.status())) {
        return auth_error(who_ + " has no credentials: " + r.status().message());
      }
      return Status(r.status().code(), who_ + ": " + r.status().message());
    }

   private:
    std::shared_ptr<CredentialsProvider> inner_;
    std::string who_;
  };

  Result<std::string> session_name_for(const ConfigSection& p) const {
    std::optional<std::string> s = p.get("role_session_name");
    if (!s || s->empty()) return session_name_;
    if (!is_valid_session_name(*s)) {
      return invalid_argument_error(at(p, "role_session_name") +
                                    ": role_session_name must be 2-64 characters of letters, "
                                    "digits and _+=,.@-");
    }
    return *s;
  }

  const CredentialChainOptions& options_;
  std::shared_ptr<const SharedConfig> config_;
  NetworkContext net_;
  std::string session_name_;
  std::shared_ptr<ImdsClient> imds_;
};

}  // namespace

Result<ProfileChoice> choose_profile(const std::string& cli_profile, const EnvVars& env,
                                     const SharedConfig& config) {
  ProfileChoice choice;
  if (!cli_profile.empty()) {
    choice = {cli_profile, "--profile", true};
  } else if (std::optional<std::string> p = env.get_nonempty("AWS_DEFAULT_PROFILE")) {
    choice = {*p, "AWS_DEFAULT_PROFILE", false};
  } else if (std::optional<std::string> q = env.get_nonempty("AWS_PROFILE")) {
    choice = {*q, "AWS_PROFILE", false};
  } else {
    return ProfileChoice{"default", "default", false};
  }
  if (config.profile(choice.name) == nullptr) {
    return not_found_error("profile '" + choice.name + "' (from " + choice.origin +
                           ") not found: " + config.explain_missing_profile(choice.name));
  }
  return choice;
}

CredentialChain::CredentialChain(std::string profile, std::vector<Entry> entries, bool nested)
    : profile_(std::move(profile)), entries_(std::move(entries)), nested_(nested) {}

std::vector<std::string> CredentialChain::source_names() const {
  std::vector<std::string> names;
  for (const Entry& e : entries_) names.push_back(e.name);
  return names;
}

Result<Credentials> CredentialChain::get() {
  std::shared_ptr<CredentialsProvider> chosen;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    chosen = chosen_;
  }
  if (chosen) return chosen->get();

  std::string tried;
  for (const Entry& e : entries_) {
    Result<Credentials> r = e.provider->get();
    if (r.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      chosen_ = e.provider;
      chosen_name_ = e.name;
      return r;
    }
    if (e.failure_means_absent && r.status().code() == StatusCode::kIo) {
      // The source could not even be asked (this process is out of
      // descriptors or memory): no evidence that it has nothing, so the
      // cause is said, not "no AWS credentials found".
      return io_error("look for AWS credentials of profile '" + profile_ + "': " + e.name + ": " +
                      r.status().message() +
                      (tried.empty() ? std::string() : "; tried before it, in order:" + tried));
    }
    if (!is_not_configured(r.status()) && !e.failure_means_absent) return r.status();
    tried += "\n  - " + e.name + ": " + r.status().message();
  }
  // Not a secret anywhere in `tried`: sources only name variables, files and lines.
  if (nested_) return not_configured("tried, in order:" + tried);
  return auth_error("no AWS credentials found for profile '" + profile_ +
                    "'; tried, in order:" + tried +
                    "\nrun 'aws configure' to store access keys, pass --profile NAME to use "
                    "another profile, or run 'aws sso login --profile NAME' for IAM Identity "
                    "Center");
}

Result<DefaultCredentials> make_default_credentials(CredentialChainOptions options) {
  std::shared_ptr<const SharedConfig> config = options.config;
  if (!config) {
    EFSTOP_ASSIGN_OR_RETURN(SharedConfig loaded, SharedConfig::load(options.env));
    config = std::make_shared<const SharedConfig>(std::move(loaded));
  }
  if (!options.transport) return internal_error("credential chain built without a transport");
  EFSTOP_ASSIGN_OR_RETURN(ProfileChoice choice,
                          choose_profile(options.cli_profile, options.env, *config));
  ChainBuilder builder(options, config);
  const std::string& name = choice.name;
  const ConfigSection* p = config->profile(name);
  const bool env_allowed = !choice.from_cli;

  std::vector<CredentialChain::Entry> entries;
  entries.push_back({"environment",
                     env_allowed
                         ? std::shared_ptr<CredentialsProvider>(make_env_provider(options.env))
                         : absent("skipped: --profile was given"),
                     false});
  if (p != nullptr && p->has("role_arn") && !p->has("web_identity_token_file")) {
    entries.push_back(
        {"assume role", ChainBuilder::or_broken(builder.assume_role(name, {name})), false});
  } else {
    std::string why;
    if (p == nullptr) {
      why = "no profile '" + name + "' in " + config->config_path() + " or " +
            config->credentials_path();
    } else if (p->has("role_arn")) {
      why = "profile '" + name + "' pairs role_arn with web_identity_token_file (web identity)";
    } else {
      why = "profile '" + name + "' has no role_arn";
    }
    entries.push_back({"assume role", absent(why), false});
  }
  for (CredentialChain::Entry& e : builder.profile_entries(name, env_allowed)) {
    entries.push_back(std::move(e));
  }
  entries.push_back({"container credentials",
                     make_container_provider(builder.net(), options.container_host_for_tests),
                     false});
  Result<std::shared_ptr<ImdsClient>> imds = builder.imds(p);
  entries.push_back({"EC2 instance metadata",
                     imds.ok() ? std::shared_ptr<CredentialsProvider>(make_imds_provider(*imds))
                               : std::make_shared<BrokenProvider>(imds.status()),
                     true});

  DefaultCredentials out;
  out.chain = std::make_shared<CredentialChain>(name, std::move(entries));
  out.provider = std::make_shared<CachingCredentialsProvider>(
      std::unique_ptr<CredentialsProvider>(new ProviderHandle(out.chain)), options.clock);
  out.profile = choice;
  out.config = config;
  return out;
}

}  // namespace efstop::aws
