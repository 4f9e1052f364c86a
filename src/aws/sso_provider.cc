// IAM Identity Center: the access token `aws sso login` cached, exchanged
// for role credentials with SSO GetRoleCredentials (an unsigned REST-JSON
// call: GET /federation/credentials?role_name=..&account_id=.. with the
// token in x-amz-sso_bearer_token; botocore data/sso/2019-06-10).
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "aws/credential_network.h"
#include "core/read_file.h"
#include "core/resource_error.h"

namespace efstop::aws {
namespace {

std::string sha1_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha1(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

class SsoProvider : public CredentialsProvider {
 public:
  SsoProvider(NetworkContext ctx, SsoParams params)
      : params_(std::move(params)),
        clock_(ctx.clock),
        client_(ctx.client_config, nullptr, ctx.transport, ctx.client_env) {}

  Result<Credentials> get() override {
    const std::string login = "run 'aws sso login --profile " + params_.profile + "'";
    const std::string key = params_.session_name.empty() ? params_.start_url : params_.session_name;
    const std::string path = sso_token_cache_path(params_.cache_dir, key);
    const std::string context = "sso credentials for profile '" + params_.profile + "'";
    std::string text;
    if (const int err = read_file(path, &text); err != 0) {
      // Only a file that is not there means "not logged in": a process out
      // of descriptors (or a file it may not read) is told as that.
      if (err != ENOENT && err != ENOTDIR) {
        const std::optional<std::string_view> words = resource_shortage_words(err);
        return io_error(context + ": cannot read the cached SSO token " + path + ": " +
                        (words ? std::string(*words) : std::string(std::strerror(err))));
      }
      return auth_error(context + ": no cached SSO token (" + path + " does not exist); " + login);
    }
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return auth_error(context + ": the cached SSO token " + path + " is not valid JSON; " +
                        login);
    }
    auto access = doc.find("accessToken");
    auto expires = doc.find("expiresAt");
    if (access == doc.end() || !access->is_string() || expires == doc.end() ||
        !expires->is_string()) {
      return auth_error(context + ": the cached SSO token " + path +
                        " lacks accessToken or expiresAt; " + login);
    }
    Result<std::chrono::system_clock::time_point> exp = parse_iso8601(expires->get<std::string>());
    if (!exp.ok()) {
      return auth_error(context + ": expiresAt in " + path + ": " + exp.status().message() + "; " +
                        login);
    }
    if (clock_() >= *exp) {
      return auth_error(context + ": the SSO session expired at " + format_iso8601(*exp) + "; " +
                        login);
    }
    Result<nlohmann::json> answer = client_.call_rest_json(
        Service::kSso, "GetRoleCredentials", "GET", "/federation/credentials",
        {{"role_name", params_.role_name}, {"account_id", params_.account_id}},
        {{"x-amz-sso_bearer_token", access->get<std::string>()}}, /*sign=*/false);
    if (!answer.ok()) {
      std::string hint;
      if (answer.status().code() == StatusCode::kAuth) {
        hint = "; the SSO token was refused or the role " + params_.role_name +
               " is not assigned in account " + params_.account_id + ": " + login;
      }
      return Status(answer.status().code(), context + ": " + answer.status().message() + hint);
    }
    const nlohmann::json& rc = (*answer)["roleCredentials"];
    if (!rc.is_object() || !rc.value("accessKeyId", nlohmann::json()).is_string() ||
        !rc.value("secretAccessKey", nlohmann::json()).is_string() ||
        !rc.value("sessionToken", nlohmann::json()).is_string() ||
        !rc.value("expiration", nlohmann::json()).is_number_integer()) {
      return parse_error(context + ": GetRoleCredentials answer lacks roleCredentials fields");
    }
    // Epoch milliseconds; a time_point (nanoseconds) holds up to year 2262:
    // anything past that (or negative) would overflow the conversion.
    const int64_t expiration_ms = rc["expiration"].get<int64_t>();
    constexpr int64_t kMaxMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::duration::max())
                                   .count();
    if (expiration_ms < 0 || expiration_ms > kMaxMs) {
      return parse_error(context + ": GetRoleCredentials expiration " +
                         std::to_string(expiration_ms) + " ms is out of range");
    }
    Credentials c;
    c.access_key_id = rc["accessKeyId"].get<std::string>();
    c.secret_access_key = rc["secretAccessKey"].get<std::string>();
    c.session_token = rc["sessionToken"].get<std::string>();
    c.expiration = std::chrono::system_clock::time_point(std::chrono::milliseconds(expiration_ms));
    c.source = "sso";
    c.source_detail = "role " + params_.role_name + " in account " + params_.account_id +
                      " via profile " + params_.profile;
    return c;
  }

 private:
  const SsoParams params_;
  WallClock clock_;
  AwsClient client_;
};

}  // namespace

std::string sso_token_cache_path(const std::string& cache_dir, const std::string& key) {
  return cache_dir + "/" + sha1_hex(key) + ".json";
}

std::unique_ptr<CredentialsProvider> make_sso_provider(NetworkContext ctx, SsoParams params) {
  // GetRoleCredentials goes to the portal in the SSO region, whatever region
  // the rest of the run uses.
  ctx.client_config.region = params.sso_region;
  return std::make_unique<SsoProvider>(std::move(ctx), std::move(params));
}

}  // namespace efstop::aws
