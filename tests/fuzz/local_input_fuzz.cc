// Fuzzes every decoder of a file or program output efstop reads (issue 17,
// item 4): the bytes after the first are the file; the first byte picks the
// decoder (one seed per decoder in corpus/local_input/, named NN-what).
//
// Each decoder is the function the product calls: the shared config files
// through SharedConfig::from_text (which parses both and merges profiles),
// credential_process output through credentials_from_process_output, the SSO
// token cache through the SSO provider itself (reading the file it reads),
// the inventory and store-cache JSON, the labels file, the --server-ips file,
// and Insights result rows (GetQueryResults JSON, then each row decoded as
// `efstop top --method insights` does).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aws/config_file.h"
#include "aws/credential_network.h"
#include "aws/credential_providers.h"
#include "aws/logs_api.h"
#include "cloud/insights_query.h"
#include "enrich/inventory.h"
#include "enrich/labels.h"
#include "flowlog/ip_address.h"
#include "fuzz_aws.h"

namespace aws = efstop::aws;

namespace {

enum Decoder : uint8_t {
  kConfigFile,        // 00: ~/.aws/config
  kCredentialsFile,   // 01: ~/.aws/credentials
  kProcessOutput,     // 02: credential_process stdout
  kSsoTokenCache,     // 03: ~/.aws/sso/cache/<sha1>.json
  kInventory,         // 04: efstop inventory dump
  kStoreEni,          // 05: the name store's cached ENI JSON
  kStoreInstance,     // 06: ... instance JSON
  kStoreVpcEndpoint,  // 07: ... VPC endpoint JSON
  kLabels,            // 08: --labels file
  kServerIps,         // 09: --server-ips file
  kInsightsResults,   // 10: GetQueryResults answer, rows decoded
  kDecoderCount
};

template <typename T>
void check(const efstop::Result<T>& r) {
  if (!r.ok() && r.status().message().empty()) std::abort();
}

void check_credentials(const efstop::Result<aws::Credentials>& r) {
  check(r);
  if (r.ok() && (r->access_key_id.empty() || r->secret_access_key.empty())) std::abort();
}

// Walks a parsed config the way the chain does (profiles, sso-sessions,
// services endpoint lookups), so merged values are read, not just stored.
void walk(const aws::SharedConfig& config) {
  for (const std::string& name : config.profile_names()) {
    const aws::ConfigSection* p = config.profile(name);
    if (p == nullptr) std::abort();
    for (const char* key : {"region", "sso_session", "role_arn", "source_profile"}) {
      (void)p->where(key);
    }
    (void)config.endpoint_url(name, "s3");
    (void)config.sso_session(name);
    (void)config.services(name);
  }
  (void)config.explain_missing_profile("no-such-profile");
}

struct SsoWorld {
  std::shared_ptr<efstop::fuzz::OneAnswerTransport> transport =
      std::make_shared<efstop::fuzz::OneAnswerTransport>();
  efstop::fuzz::NoSleepEnv env;
  std::string cache_dir;
  std::string token_path;
  SsoWorld() {
    cache_dir = (std::filesystem::temp_directory_path() /
                 ("efstop-fuzz-sso-cache-" + std::to_string(getpid())))
                    .string();
    std::filesystem::create_directories(cache_dir);
    token_path = aws::sso_token_cache_path(cache_dir, "https://fuzz.awsapps.com/start");
    // GetRoleCredentials' answer (the AWS SSO API reference's example shape).
    transport->body = R"({"roleCredentials": {"accessKeyId": "ASIAFUZZ", "secretAccessKey": "s",)"
                      R"( "sessionToken": "t", "expiration": 4070908800000}})";
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % kDecoderCount) {
    case kConfigFile:
    case kCredentialsFile: {
      const bool config = data[0] % kDecoderCount == kConfigFile;
      efstop::Result<aws::SharedConfig> c = aws::SharedConfig::from_text(
          config ? std::optional<std::string_view>(text) : std::nullopt, "config",
          config ? std::nullopt : std::optional<std::string_view>(text), "credentials");
      check(c);
      if (c.ok()) walk(*c);
      break;
    }
    case kProcessOutput:
      check_credentials(aws::credentials_from_process_output(text, "credential_process"));
      break;
    case kSsoTokenCache: {
      static SsoWorld* w = new SsoWorld();
      std::ofstream(w->token_path, std::ios::binary | std::ios::trunc) << text;
      aws::NetworkContext ctx;
      ctx.transport = w->transport;
      ctx.client_config.region = "us-east-1";
      ctx.client_env = &w->env;
      aws::SsoParams p;
      p.profile = "fuzz";
      p.start_url = "https://fuzz.awsapps.com/start";
      p.sso_region = "us-east-1";
      p.account_id = "111122223333";
      p.role_name = "fuzz";
      p.cache_dir = w->cache_dir;
      check_credentials(aws::make_sso_provider(ctx, p)->get());
      break;
    }
    case kInventory:
      check(efstop::enrich::inventory_from_json(text, "inventory.json"));
      break;
    case kStoreEni:
      check(efstop::enrich::network_interface_from_json(text));
      break;
    case kStoreInstance:
      check(efstop::enrich::instance_from_json(text));
      break;
    case kStoreVpcEndpoint:
      check(efstop::enrich::vpc_endpoint_from_json(text));
      break;
    case kLabels: {
      const efstop::enrich::LabelTable t = efstop::enrich::LabelTable::parse(text, "labels.txt");
      for (const char* ip : {"10.0.1.5", "192.168.0.1", "2001:db8::1", "0.0.0.0"}) {
        (void)t.lookup(ip);
      }
      for (const std::string& e : t.errors()) {
        if (e.empty()) std::abort();
      }
      break;
    }
    case kServerIps:
      check(efstop::flowlog::parse_ip_list(text));
      break;
    case kInsightsResults: {
      efstop::Result<aws::QueryResults> r =
          aws::parse_query_results(nlohmann::json::parse(text, nullptr, false));
      check(r);
      if (!r.ok()) break;
      for (const aws::QueryRow& row : r->rows) check(efstop::cloud::parse_insights_row(row));
      break;
    }
    default:
      break;
  }
  return 0;
}
