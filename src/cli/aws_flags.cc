#include "cli/aws_flags.h"

#include <unistd.h>

#include <mutex>

#include "aws/imds_client.h"

namespace efstop::cli {
namespace {

Result<int64_t> parse_timeout(std::string_view v) { return parse_count(v, 24 * 3600); }

// A setting read from the environment, then the profile: {value, source}.
struct Setting {
  std::string value;
  std::string source;
};

std::optional<Setting> env_or_profile(const aws::EnvVars& env, const aws::ConfigSection* profile,
                                      std::string_view env_name, std::string_view key) {
  if (auto v = env.get_nonempty(env_name)) return Setting{*v, std::string(env_name)};
  if (profile != nullptr) {
    if (auto v = profile->get(key); v && !v->empty()) {
      return Setting{*v, "profile " + profile->name + " (" + profile->where(key) + ")"};
    }
  }
  return std::nullopt;
}

bool is_true(std::string_view v) {
  std::string lower;
  for (char c : v) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "true" || lower == "1";
}

}  // namespace

void add_aws_flags(OptionGroup* group, AwsFlags* flags) {
  group->add_value("--profile", "NAME",
                   "use this profile from ~/.aws/config and ~/.aws/credentials",
                   [flags](std::string_view v) {
                     flags->profile = std::string(v);
                     return Status();
                   });
  group->add_value("--region", "REGION",
                   "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile, EC2 metadata)",
                   [flags](std::string_view v) {
                     if (!aws::is_valid_region_name(v)) {
                       return invalid_argument_error("not a region name (e.g. us-east-1)");
                     }
                     flags->region = std::string(v);
                     return Status();
                   });
  group->add_value("--endpoint-url", "URL",
                   "send every AWS call to this URL (test endpoints, VPC endpoints)",
                   [flags](std::string_view v) {
                     if (!(v.starts_with("http://") || v.starts_with("https://"))) {
                       return invalid_argument_error("must start with http:// or https://");
                     }
                     flags->endpoint_url = std::string(v);
                     return Status();
                   });
  group->add_flag("--no-verify-ssl", "do not verify TLS certificates (test endpoints only)",
                  [flags] { flags->no_verify_ssl = true; });
  group->add_value("--ca-bundle", "FILE",
                   "CA certificates to verify TLS with (else AWS_CA_BUNDLE,\n"
                   "SSL_CERT_FILE, the system's bundle)",
                   [flags](std::string_view v) {
                     flags->ca_bundle = std::string(v);
                     return Status();
                   });
  group->add_flag("--debug", "log every AWS call to stderr (never secrets)",
                  [flags] { flags->debug = true; });
  group->add_value("--cli-connect-timeout", "SECONDS", "connect timeout, 0 for none (default 60)",
                   [flags](std::string_view v) {
                     EFSTOP_ASSIGN_OR_RETURN(flags->connect_timeout_s, parse_timeout(v));
                     return Status();
                   });
  group->add_value("--cli-read-timeout", "SECONDS",
                   "read timeout (no data for this long), 0 for none (default 60)",
                   [flags](std::string_view v) {
                     EFSTOP_ASSIGN_OR_RETURN(flags->read_timeout_s, parse_timeout(v));
                     return Status();
                   });
}

std::string mask_access_key(std::string_view access_key_id) {
  if (access_key_id.size() <= 4) return std::string(16, '*');
  return std::string(16, '*') + std::string(access_key_id.substr(access_key_id.size() - 4));
}

Result<AwsSession> open_aws_session(const AwsFlags& flags, const aws::EnvVars& env,
                                    std::ostream& debug_out) {
  AwsSession s;
  s.env = env;

  // 1. Shared files and the profile.
  EFSTOP_ASSIGN_OR_RETURN(aws::SharedConfig config, aws::SharedConfig::load(env));
  s.config = std::make_shared<const aws::SharedConfig>(std::move(config));
  EFSTOP_ASSIGN_OR_RETURN(s.profile, aws::choose_profile(flags.profile, env, *s.config));
  const aws::ConfigSection* profile = s.config->profile(s.profile.name);

  // 2. HTTP: timeouts, TLS verification, CA bundle.
  if (flags.connect_timeout_s)
    s.http.connect_timeout = std::chrono::seconds(*flags.connect_timeout_s);
  if (flags.read_timeout_s) s.http.read_timeout = std::chrono::seconds(*flags.read_timeout_s);
  s.http.verify_tls = !flags.no_verify_ssl;
  if (!flags.ca_bundle.empty()) {
    s.http.ca_bundle = aws::expand_home(flags.ca_bundle, env);
    s.ca_bundle_source = "--ca-bundle";
  } else if (auto b = env_or_profile(env, profile, "AWS_CA_BUNDLE", "ca_bundle")) {
    s.http.ca_bundle = aws::expand_home(b->value, env);
    s.ca_bundle_source = b->source;
  } else if (auto f = env.get_nonempty("SSL_CERT_FILE")) {
    s.http.ca_bundle = *f;
    s.ca_bundle_source = "SSL_CERT_FILE";
  } else {
    // libcurl's compiled-in CA path is one distribution's (and the static
    // release file has none), so look where each distribution keeps it.
    s.http.ca_bundle = aws::find_system_ca_bundle(
        [](const std::string& path) { return ::access(path.c_str(), R_OK) == 0; });
    if (!s.http.ca_bundle.empty()) s.ca_bundle_source = "system (" + s.http.ca_bundle + ")";
  }
  s.transport = aws::make_curl_transport(s.http);

  // 3. --debug: one line per call attempt, whole lines even across threads.
  if (flags.debug) {
    auto mutex = std::make_shared<std::mutex>();
    std::ostream* out = &debug_out;
    s.client_config.debug_log = [mutex, out](std::string_view line) {
      std::lock_guard lock(*mutex);
      *out << "efstop: " << line << '\n';
      out->flush();
    };
  }

  // 4. Retries: AWS_RETRY_MODE / retry_mode, AWS_MAX_ATTEMPTS / max_attempts.
  if (auto mode = env_or_profile(env, profile, "AWS_RETRY_MODE", "retry_mode")) {
    auto parsed = aws::parse_retry_mode(mode->value);
    if (!parsed.ok()) return parsed.status().with_context(mode->source);
    s.client_config.retry.mode = *parsed;
    // botocore's legacy mode defaults to 5 attempts (4 retries).
    if (*parsed == aws::RetryMode::kLegacy) s.client_config.retry.max_attempts = 5;
    s.retry_source = "mode from " + mode->source;
  }
  if (auto attempts = env_or_profile(env, profile, "AWS_MAX_ATTEMPTS", "max_attempts")) {
    auto n = parse_count(attempts->value, 100);
    if (!n.ok() || *n < 1) {
      return invalid_argument_error(attempts->source + ": max_attempts '" + attempts->value +
                                    "' must be a whole number from 1 to 100");
    }
    s.client_config.retry.max_attempts = static_cast<int>(*n);
    s.retry_source +=
        (s.retry_source.empty() ? "" : ", ") + std::string("attempts from ") + attempts->source;
  }

  // 5. Endpoints: --endpoint-url, AWS_ENDPOINT_URL[_SERVICE], the profile.
  s.client_config.endpoints.cli_url = flags.endpoint_url;
  aws::load_endpoint_env(s.client_config.endpoints,
                         [&env, holder = std::string()](const char* name) mutable -> const char* {
                           auto v = env.get_nonempty(name);
                           if (!v) return nullptr;
                           holder = *v;
                           return holder.c_str();
                         });
  if (profile != nullptr) {
    if (auto ignore = profile->get("ignore_configured_endpoint_urls"); ignore && is_true(*ignore)) {
      s.client_config.endpoints.ignore_configured = true;
    }
    const std::string global = profile->get("endpoint_url").value_or("");
    s.client_config.endpoints.config_url = global;
    for (std::string_view key : {"ec2", "efs", "cloudwatch_logs", "s3", "sts", "sso"}) {
      auto url = s.config->endpoint_url(s.profile.name, key);
      if (url && *url != global)
        s.client_config.endpoints.config_service_urls[std::string(key)] = *url;
    }
  }

  // 6. Region: --region, AWS_REGION, AWS_DEFAULT_REGION, profile, IMDS.
  aws::RegionOptions region_options;
  region_options.cli_region = flags.region;
  region_options.env = env;
  region_options.config = s.config;
  region_options.profile = s.profile.name;
  EFSTOP_ASSIGN_OR_RETURN(aws::ImdsOptions imds_options, aws::imds_options_from(env, profile));
  region_options.imds = std::make_shared<aws::ImdsClient>(s.transport, imds_options);
  EFSTOP_ASSIGN_OR_RETURN(s.region, aws::resolve_region(region_options));
  s.client_config.region = s.region.region;

  // 7. Credentials: the default chain, wrapped in the refreshing cache.
  aws::CredentialChainOptions chain;
  chain.cli_profile = flags.profile;
  chain.env = env;
  chain.config = s.config;
  chain.transport = s.transport;
  chain.client_config = s.client_config;
  EFSTOP_ASSIGN_OR_RETURN(s.credentials, aws::make_default_credentials(std::move(chain)));

  s.client = std::make_shared<aws::AwsClient>(s.client_config, s.credentials.provider, s.transport);
  return s;
}

}  // namespace efstop::cli
