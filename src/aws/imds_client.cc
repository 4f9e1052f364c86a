#include "aws/imds_client.h"

#include <charconv>

namespace efstop::aws {
namespace {

constexpr char kTokenTtlSeconds[] = "21600";
// Renew the session token a minute before its 6 h TTL runs out.
constexpr std::chrono::seconds kTokenLifetime{21600 - 60};

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// A setting from the environment, else from the profile; `origin` names it.
std::optional<std::string> setting(const EnvVars& env, const ConfigSection* profile,
                                   const char* env_name, const char* key, std::string& origin) {
  if (std::optional<std::string> v = env.get_nonempty(env_name)) {
    origin = env_name;
    return v;
  }
  if (profile != nullptr) {
    if (const ConfigValue* v = profile->find(key); v != nullptr && !v->value.empty()) {
      origin = std::string(key) + " (" + v->file + " line " + std::to_string(v->line) + ")";
      return v->value;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<ImdsOptions> imds_options_from(const EnvVars& env, const ConfigSection* profile) {
  ImdsOptions o;
  std::string origin;
  if (std::optional<std::string> d = env.get_nonempty("AWS_EC2_METADATA_DISABLED")) {
    if (lower(*d) == "true") {
      o.disabled = true;
      o.disabled_by = "AWS_EC2_METADATA_DISABLED=true";
    }
  }
  std::optional<std::string> mode = setting(env, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                            "ec2_metadata_service_endpoint_mode", origin);
  if (mode) {
    std::string m = lower(*mode);
    if (m == "ipv6") {
      o.endpoint = "http://[fd00:ec2::254]";
    } else if (m != "ipv4") {
      return invalid_argument_error(origin + ": endpoint mode must be IPv4 or IPv6");
    }
  }
  if (std::optional<std::string> ep = setting(env, profile, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                              "ec2_metadata_service_endpoint", origin)) {
    std::string url = *ep;
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return invalid_argument_error(origin + ": '" + url + "' is not an http(s) URL");
    }
    o.endpoint = url;
  }
  if (std::optional<std::string> t = setting(env, profile, "AWS_METADATA_SERVICE_TIMEOUT",
                                             "metadata_service_timeout", origin)) {
    double seconds = 0;
    auto [ptr, ec] = std::from_chars(t->data(), t->data() + t->size(), seconds);
    if (ec != std::errc() || ptr != t->data() + t->size() || seconds <= 0 || seconds > 3600) {
      return invalid_argument_error(origin + ": timeout must be a number of seconds, e.g. 1");
    }
    o.timeout = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  }
  if (std::optional<std::string> n = setting(env, profile, "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
                                             "metadata_service_num_attempts", origin)) {
    int attempts = 0;
    auto [ptr, ec] = std::from_chars(n->data(), n->data() + n->size(), attempts);
    if (ec != std::errc() || ptr != n->data() + n->size() || attempts < 1 || attempts > 10) {
      return invalid_argument_error(origin + ": number of attempts must be 1..10");
    }
    o.attempts = attempts;
  }
  return o;
}

ImdsClient::ImdsClient(std::shared_ptr<HttpTransport> transport, ImdsOptions options,
                       WallClock clock)
    : transport_(std::move(transport)), options_(std::move(options)), clock_(std::move(clock)) {}

Status ImdsClient::local_failure(const Status& transport) const {
  // The request never left this process (no descriptor, no memory): no
  // answer was missed, so nothing is concluded about EC2, and another
  // attempt would fail alike.
  return io_error("could not ask the instance metadata service " + options_.endpoint + ": " +
                  transport.message());
}

Result<std::optional<std::string>> ImdsClient::session_token(bool force_new) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (v1_fallback_) return std::optional<std::string>();
  if (!force_new && token_ && clock_() < token_expiry_) return token_;
  HttpRequest put;
  put.method = "PUT";
  put.url = options_.endpoint + "/latest/api/token";
  put.headers = {{"x-aws-ec2-metadata-token-ttl-seconds", kTokenTtlSeconds}};
  put.connect_timeout = options_.timeout;
  put.read_timeout = options_.timeout;
  Status last;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    HttpOutcome out = transport_->perform(put);
    if (out.failure == TransportFailure::kLocal) return local_failure(out.status);
    if (!out.status.ok()) {
      last = network_error("instance metadata " + options_.endpoint +
                           ": no answer to the token "
                           "request within " +
                           std::to_string(options_.timeout.count()) + " ms (" +
                           out.status.message() + "); not running on EC2?");
      continue;
    }
    const int status = out.response.status;
    if (status == 200 && !out.response.body.empty()) {
      token_ = out.response.body;
      token_expiry_ = clock_() + kTokenLifetime;
      return token_;
    }
    if (status == 403 || status == 404 || status == 405) {
      // IMDSv2 unavailable here (a proxy or an IMDSv1-only service).
      v1_fallback_ = true;
      return std::optional<std::string>();
    }
    last = aws_error("instance metadata " + options_.endpoint + ": token request answered HTTP " +
                     std::to_string(status));
    if (status < 500) break;
  }
  return last;
}

Result<std::string> ImdsClient::get(const std::string& path) {
  if (options_.disabled)
    return not_configured("instance metadata disabled by " + options_.disabled_by);
  bool retried_token = false;
  for (;;) {
    EFSTOP_ASSIGN_OR_RETURN(std::optional<std::string> token, session_token(retried_token));
    HttpRequest req;
    req.url = options_.endpoint + path;
    if (token) req.headers = {{"x-aws-ec2-metadata-token", *token}};
    req.connect_timeout = options_.timeout;
    req.read_timeout = options_.timeout;
    Status last;
    std::optional<HttpResponse> response;
    for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
      HttpOutcome out = transport_->perform(req);
      if (out.failure == TransportFailure::kLocal) return local_failure(out.status);
      if (!out.status.ok()) {
        last = network_error("instance metadata GET " + path + ": no answer within " +
                             std::to_string(options_.timeout.count()) + " ms (" +
                             out.status.message() + ")");
        continue;
      }
      if (out.response.status >= 500 && attempt < options_.attempts) continue;
      response = std::move(out.response);
      break;
    }
    if (!response) return last;
    const int status = response->status;
    if (status == 200) return std::move(response->body);
    if (status == 401 && token && !retried_token) {
      retried_token = true;  // the token expired early (IMDS restarted): get a new one
      continue;
    }
    if (status == 404) return not_configured("instance metadata " + path + ": not found (404)");
    if (status == 401 || status == 403) {
      return auth_error("instance metadata GET " + path + ": HTTP " + std::to_string(status));
    }
    return aws_error("instance metadata GET " + path + ": HTTP " + std::to_string(status));
  }
}

}  // namespace efstop::aws
