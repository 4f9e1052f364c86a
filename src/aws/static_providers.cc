// Sources that read keys from the environment or a profile: no network, no
// processes.
#include "aws/credential_providers.h"

namespace efstop::aws {
namespace {

class EnvProvider : public CredentialsProvider {
 public:
  explicit EnvProvider(EnvVars env) : env_(std::move(env)) {}

  Result<Credentials> get() override {
    std::optional<std::string> key_id = env_.get_nonempty("AWS_ACCESS_KEY_ID");
    std::optional<std::string> secret = env_.get_nonempty("AWS_SECRET_ACCESS_KEY");
    if (!key_id && !secret) return not_configured("AWS_ACCESS_KEY_ID not set");
    if (!key_id) {
      return not_configured("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not (ignored)");
    }
    if (!secret) {
      return auth_error(
          "environment credentials: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; "
          "set both, or unset AWS_ACCESS_KEY_ID to use a profile");
    }
    Credentials c;
    c.access_key_id = *key_id;
    c.secret_access_key = *secret;
    c.session_token = env_.get_nonempty("AWS_SESSION_TOKEN")
                          .value_or(env_.get_nonempty("AWS_SECURITY_TOKEN").value_or(""));
    if (std::optional<std::string> exp = env_.get_nonempty("AWS_CREDENTIAL_EXPIRATION")) {
      Result<std::chrono::system_clock::time_point> t = parse_iso8601(*exp);
      if (!t.ok()) {
        return invalid_argument_error("environment credentials: AWS_CREDENTIAL_EXPIRATION: " +
                                      t.status().message());
      }
      c.expiration = *t;
    }
    c.source = "env";
    c.source_detail = "environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    return c;
  }

 private:
  const EnvVars env_;
};

class ProfileKeysProvider : public CredentialsProvider {
 public:
  ProfileKeysProvider(std::shared_ptr<const SharedConfig> config, std::string profile,
                      StaticKeysFile file)
      : config_(std::move(config)), profile_(std::move(profile)), file_(file) {}

  Result<Credentials> get() override {
    const std::string& path = file_ == StaticKeysFile::kCredentials ? config_->credentials_path()
                                                                    : config_->config_path();
    const bool exists = file_ == StaticKeysFile::kCredentials ? config_->has_credentials_file()
                                                              : config_->has_config_file();
    if (!exists) return not_configured(path + ": no such file");
    const ConfigSection* p = config_->profile(profile_);
    const ConfigValue* key_id = p ? p->find("aws_access_key_id") : nullptr;
    const ConfigValue* secret = p ? p->find("aws_secret_access_key") : nullptr;
    auto in_file = [&](const ConfigValue* v) { return v != nullptr && v->file == path; };
    if (!in_file(key_id) && !in_file(secret)) {
      if (p == nullptr) return not_configured(path + ": no profile '" + profile_ + "'");
      return not_configured(path + ": profile '" + profile_ + "' has no aws_access_key_id");
    }
    // The files merge key by key, so the pair may be split across them.
    if (key_id == nullptr || key_id->value.empty() || secret == nullptr || secret->value.empty()) {
      const ConfigValue* present = in_file(key_id) ? key_id : secret;
      const char* missing = (key_id == nullptr || key_id->value.empty()) ? "aws_access_key_id"
                                                                         : "aws_secret_access_key";
      return auth_error("profile '" + profile_ + "' (" + present->file + " line " +
                        std::to_string(present->line) + ") has no " + missing +
                        "; set both keys, e.g. with 'aws configure --profile " + profile_ + "'");
    }
    Credentials c;
    c.access_key_id = key_id->value;
    c.secret_access_key = secret->value;
    if (const ConfigValue* token = p->find("aws_session_token")) {
      c.session_token = token->value;
    } else if (const ConfigValue* legacy = p->find("aws_security_token")) {
      c.session_token = legacy->value;
    }
    c.source = file_ == StaticKeysFile::kCredentials ? "shared-credentials-file" : "config-file";
    c.source_detail = "profile " + profile_ + " in " + key_id->file;
    return c;
  }

 private:
  const std::shared_ptr<const SharedConfig> config_;
  const std::string profile_;
  const StaticKeysFile file_;
};

}  // namespace

Status not_configured(std::string why) { return Status(StatusCode::kNotFound, std::move(why)); }

bool is_not_configured(const Status& status) { return status.code() == StatusCode::kNotFound; }

WallClock system_wall_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

std::unique_ptr<CredentialsProvider> make_env_provider(EnvVars env) {
  return std::make_unique<EnvProvider>(std::move(env));
}

std::unique_ptr<CredentialsProvider> make_profile_keys_provider(
    std::shared_ptr<const SharedConfig> config, std::string profile, StaticKeysFile file) {
  return std::make_unique<ProfileKeysProvider>(std::move(config), std::move(profile), file);
}

}  // namespace efstop::aws
