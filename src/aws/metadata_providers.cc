// Credentials from the machine the program runs on: the ECS/EKS container
// credential endpoint and the EC2 instance profile (IMDS).
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <thread>

#include "aws/credential_network.h"
#include "core/read_file.h"
#include "core/resource_error.h"

namespace efstop::aws {
namespace {

constexpr char kEcsHost[] = "169.254.170.2";
// botocore's ContainerMetadataFetcher: 2 s timeout, 3 attempts.
constexpr std::chrono::milliseconds kContainerTimeout{2000};
constexpr int kContainerAttempts = 3;
constexpr std::chrono::milliseconds kContainerPause{500};

// The host part of an http(s) URL ("[fd00:ec2::23]" -> "fd00:ec2::23").
std::string url_host(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return {};
  std::string_view rest = url.substr(start + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    return std::string(rest.substr(1, close == std::string_view::npos ? rest.size() : close - 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

bool is_allowed_container_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == kEcsHost || host == "169.254.170.23" ||
      host == "fd00:ec2::23") {
    return true;
  }
  // 127.0.0.0/8
  return host.rfind("127.", 0) == 0 && host.find_first_not_of("0123456789.") == std::string::npos;
}

// A short, printable excerpt of an error body for a message.
std::string excerpt(const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  std::string text;
  if (doc.is_object()) {
    for (const char* key : {"code", "Code", "message", "Message"}) {
      auto it = doc.find(key);
      if (it != doc.end() && it->is_string())
        text += (text.empty() ? "" : ": ") + it->get<std::string>();
    }
  }
  if (text.size() > 200) text.resize(200);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text;
}

// Reads the JSON document both metadata services answer with.
Result<Credentials> credentials_from_metadata(const std::string& body, const std::string& context) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return parse_error(context + ": the answer is not a JSON object");
  }
  auto str = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto code = doc.find("Code"); code != doc.end() && code->is_string() && *code != "Success") {
    return auth_error(context + ": the service answered Code " + code->get<std::string>() +
                      (str("Message").empty() ? "" : ": " + str("Message")));
  }
  Credentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = str("SecretAccessKey");
  c.session_token = str("Token");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return parse_error(context + ": the answer lacks AccessKeyId or SecretAccessKey");
  }
  if (std::string exp = str("Expiration"); !exp.empty()) {
    Result<std::chrono::system_clock::time_point> t = parse_iso8601(exp);
    if (!t.ok()) return parse_error(context + ": Expiration: " + t.status().message());
    c.expiration = *t;
  }
  return c;
}

class ContainerProvider : public CredentialsProvider {
 public:
  ContainerProvider(NetworkContext ctx, std::string relative_uri_host)
      : ctx_(std::move(ctx)), relative_uri_host_(std::move(relative_uri_host)) {}

  Result<Credentials> get() override {
    std::optional<std::string> relative =
        ctx_.env.get_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    std::optional<std::string> full = ctx_.env.get_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    std::string url;
    std::string origin;
    if (relative) {
      url = "http://" + (relative_uri_host_.empty() ? std::string(kEcsHost) : relative_uri_host_) +
            (relative->empty() || (*relative)[0] != '/' ? "/" : "") + *relative;
      origin = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    } else if (full) {
      url = *full;
      origin = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
      const bool https = url.rfind("https://", 0) == 0;
      const bool http = url.rfind("http://", 0) == 0;
      if (!https && !http) {
        return invalid_argument_error("container credentials: " + origin +
                                      " is not an http(s) URL");
      }
      if (http && !is_allowed_container_host(url_host(url))) {
        return invalid_argument_error(
            "container credentials: " + origin + " host '" + url_host(url) +
            "' is not allowed over http; use https, or a loopback address, 169.254.170.2, "
            "169.254.170.23 or [fd00:ec2::23]");
      }
    } else {
      return not_configured(
          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set");
    }
    const std::string context = "container credentials from " + url;

    HttpRequest req;
    req.url = url;
    req.headers = {{"Accept", "application/json"}};
    req.connect_timeout = kContainerTimeout;
    req.read_timeout = kContainerTimeout;
    EFSTOP_ASSIGN_OR_RETURN(std::optional<std::string> token, authorization_token());
    if (token) req.headers.emplace_back("Authorization", *token);

    Status last;
    for (int attempt = 1; attempt <= kContainerAttempts; ++attempt) {
      if (attempt > 1) std::this_thread::sleep_for(kContainerPause);
      HttpOutcome out = ctx_.transport->perform(req);
      // Not sent at all (out of descriptors or memory): no attempt to repeat.
      if (out.failure == TransportFailure::kLocal) return out.status.with_context(context);
      if (!out.status.ok()) {
        last = network_error(context + ": " + out.status.message() + " (after " +
                             std::to_string(attempt) + " attempts)");
        continue;
      }
      const int status = out.response.status;
      if (status == 200) {
        Result<Credentials> c = credentials_from_metadata(out.response.body, context);
        if (!c.ok()) {
          last = c.status();
          continue;  // a truncated answer deserves another try
        }
        c->source = "container-role";
        c->source_detail = origin;
        return c;
      }
      std::string detail = excerpt(out.response.body);
      if (status == 401 || status == 403) {
        return auth_error(context + ": HTTP " + std::to_string(status) +
                          (detail.empty() ? "" : " " + detail) +
                          "; check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)");
      }
      last = aws_error(context + ": HTTP " + std::to_string(status) +
                       (detail.empty() ? "" : " " + detail));
      if (status < 500 && status != 429) break;
    }
    return last;
  }

 private:
  Result<std::optional<std::string>> authorization_token() const {
    std::string token;
    if (std::optional<std::string> file =
            ctx_.env.get_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      if (const int err = read_file(*file, &token); err != 0) {
        const std::string what =
            "container credentials: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file;
        if (const std::optional<std::string_view> shortage = resource_shortage_words(err)) {
          return io_error(what + ": " + std::string(*shortage));
        }
        return auth_error(what + ": " + std::strerror(err));
      }
    } else if (std::optional<std::string> t =
                   ctx_.env.get_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      token = *t;
    } else {
      return std::optional<std::string>();
    }
    while (!token.empty() &&
           (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
      token.pop_back();
    }
    if (token.find_first_of("\r\n") != std::string::npos) {
      return invalid_argument_error(
          "container credentials: the authorization token contains a line break");
    }
    return std::optional<std::string>(token);
  }

  const NetworkContext ctx_;
  const std::string relative_uri_host_;
};

class ImdsProvider : public CredentialsProvider {
 public:
  explicit ImdsProvider(std::shared_ptr<ImdsClient> imds) : imds_(std::move(imds)) {}

  Result<Credentials> get() override {
    const std::string base = "/latest/meta-data/iam/security-credentials/";
    Result<std::string> roles = imds_->get(base);
    if (!roles.ok()) {
      if (is_not_configured(roles.status()) && imds_->options().disabled) return roles.status();
      if (is_not_configured(roles.status())) {
        return not_configured("instance metadata " + imds_->options().endpoint +
                              ": no IAM role attached to this instance");
      }
      return roles.status();
    }
    std::string role = *roles;
    role = role.substr(0, role.find('\n'));
    while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
    if (role.empty()) {
      return not_configured("instance metadata " + imds_->options().endpoint +
                            ": no IAM role attached to this instance");
    }
    const std::string context = "instance metadata credentials of role " + role;
    Result<std::string> body = imds_->get(base + role);
    if (!body.ok()) return Status(body.status().code(), context + ": " + body.status().message());
    EFSTOP_ASSIGN_OR_RETURN(Credentials c, credentials_from_metadata(*body, context));
    c.source = "iam-role";
    c.source_detail = "instance profile role " + role;
    return c;
  }

 private:
  std::shared_ptr<ImdsClient> imds_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> make_container_provider(NetworkContext ctx,
                                                             std::string relative_uri_host) {
  return std::make_unique<ContainerProvider>(std::move(ctx), std::move(relative_uri_host));
}

std::unique_ptr<CredentialsProvider> make_imds_provider(std::shared_ptr<ImdsClient> imds) {
  return std::make_unique<ImdsProvider>(std::move(imds));
}

}  // namespace efstop::aws
