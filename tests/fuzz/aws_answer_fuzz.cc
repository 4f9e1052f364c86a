// Fuzzes every decoder of an AWS answer (issue 17, item 4): the bytes after
// the first are the body of an HTTP answer; the first byte picks the
// decoder (kDecoders, one seed per decoder in corpus/aws_answer/).
//
// Decoders that are pure functions (parse_network_interfaces, ...) are
// called directly, as the API classes call them. Those that live inside an
// API call or a credential provider are reached through that very call: the
// AwsClient (signing, status handling, the protocol's decoder) runs over a
// transport that answers every request with the fuzz bytes. No decoder here
// is a copy made for the fuzzer.
//
// Besides "no crash, no sanitizer report", a decoder must not return
// credentials without a key id and a secret, and an error must have a message.
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

#include "aws/athena_api.h"
#include "aws/client.h"
#include "aws/client_env.h"
#include "aws/cloudwatch_api.h"
#include "aws/credential_network.h"
#include "aws/credential_providers.h"
#include "aws/ec2_api.h"
#include "aws/efs_api.h"
#include "aws/firehose_api.h"
#include "aws/flowlogs_api.h"
#include "aws/http.h"
#include "aws/imds_client.h"
#include "aws/logs_api.h"
#include "aws/org_api.h"
#include "aws/xml_util.h"
#include "fuzz_aws.h"

namespace aws = efstop::aws;

namespace {

using efstop::fuzz::FixedProvider;
using efstop::fuzz::NoSleepEnv;
using efstop::fuzz::OneAnswerTransport;

struct World {
  std::shared_ptr<OneAnswerTransport> transport = std::make_shared<OneAnswerTransport>();
  NoSleepEnv env;
  aws::ClientConfig config;
  std::string sso_cache_dir;

  World() {
    config.region = "us-east-1";
    // A valid cached SSO token, so the SSO provider goes on to decode the
    // GetRoleCredentials answer (the token file itself: credential_files_fuzz).
    sso_cache_dir =
        (std::filesystem::temp_directory_path() / ("efstop-fuzz-sso-" + std::to_string(getpid())))
            .string();
    std::filesystem::create_directories(sso_cache_dir);
    std::ofstream(aws::sso_token_cache_path(sso_cache_dir, "https://fuzz.awsapps.com/start"))
        << R"({"accessToken": "fuzz-token", "expiresAt": "2099-01-01T00:00:00Z"})";
  }
  aws::NetworkContext context() {
    aws::NetworkContext ctx;
    ctx.transport = transport;
    ctx.client_config = config;
    ctx.client_env = &env;
    return ctx;
  }
};

World& world() {
  static World* w = new World();
  return *w;
}

template <typename T>
void check(const efstop::Result<T>& r) {
  if (!r.ok() && r.status().message().empty()) std::abort();
}

void check_credentials(const efstop::Result<aws::Credentials>& r) {
  check(r);
  if (r.ok() && (r->access_key_id.empty() || r->secret_access_key.empty())) std::abort();
}

void xml_pages(std::string_view body, int which) {
  efstop::Result<aws::XmlDocument> doc = aws::XmlDocument::parse(body);
  check(doc);
  if (!doc.ok()) return;
  switch (which) {
    case 0:
      (void)aws::parse_network_interfaces(doc->root());
      break;
    case 1:
      (void)aws::parse_instances(doc->root());
      break;
    case 2:
      (void)aws::parse_vpc_endpoints(doc->root());
      break;
    default:
      (void)aws::parse_flow_logs(doc->root());
      break;
  }
}

// The decoders, by selector. Keep the seed names in corpus/aws_answer/ in
// step (NN-name: NN is the selector).
enum Decoder : uint8_t {
  kEc2NetworkInterfaces,   // 00
  kEc2Instances,           // 01
  kEc2VpcEndpoints,        // 02
  kEc2FlowLogs,            // 03
  kS3ListObjectsV2,        // 04: AwsClient::s3_list_objects_v2
  kStsAssumeRole,          // 05: the assume-role provider
  kStsWebIdentity,         // 06: the web-identity provider
  kErrorEc2,               // 07: parse_error_response, EC2 query protocol
  kErrorQuery,             // 08: ... STS query protocol
  kErrorJson,              // 09: ... JSON 1.1 (Logs)
  kErrorRestJson,          // 10: ... REST-JSON (EFS, SSO)
  kErrorRestXml,           // 11: ... REST-XML (S3)
  kEfsFileSystems,         // 12
  kEfsMountTargets,        // 13
  kLogsQueryResults,       // 14: parse_query_results (GetQueryResults)
  kLogsFilterLogEvents,    // 15
  kLogsStartQuery,         // 16: LogsApi::start_query
  kLogsDescribeLogGroups,  // 17: LogsApi::describe_log_groups
  kSsoRoleCredentials,     // 18: the SSO provider's GetRoleCredentials
  kContainerCredentials,   // 19: the container provider
  kImdsCredentials,        // 20: the IMDS provider (token, role, credentials)
  kCloudWatchMetricData,   // 21: parse_metric_data_page (GetMetricData, --metrics)
  kFirehoseStream,         // 22: parse_delivery_stream (DescribeDeliveryStream)
  kAthenaExecution,        // 23: parse_athena_execution (GetQueryExecution)
  kAthenaResults,          // 24: parse_athena_results (GetQueryResults)
  kEc2Regions,             // 25: describe_enabled_regions (--regions all)
  kOrgListAccounts,        // 26: list_organization_accounts (--organization)
  kDecoderCount
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int which = data[0] % kDecoderCount;
  World& w = world();
  w.transport->status = 200;
  w.transport->body = std::string(body);

  auto client = [&] {
    return std::make_unique<aws::AwsClient>(w.config, std::make_shared<FixedProvider>(),
                                            w.transport, &w.env);
  };
  auto json = [&] { return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false); };
  auto error_answer = [&](aws::Protocol protocol) {
    aws::HttpResponse response;
    response.status = 400;
    response.body = std::string(body);
    aws::AwsError e = aws::parse_error_response(protocol, response);
    if (e.to_status().message().empty()) std::abort();
  };

  switch (which) {
    case kEc2NetworkInterfaces:
    case kEc2Instances:
    case kEc2VpcEndpoints:
    case kEc2FlowLogs:
      xml_pages(body, which);
      break;
    case kS3ListObjectsV2:
      check(client()->s3_list_objects_v2("efstop-fuzz", "prefix/", ""));
      break;
    case kStsAssumeRole: {
      aws::AssumeRoleParams p;
      p.role_arn = "arn:aws:iam::111122223333:role/fuzz";
      p.session_name = "fuzz";
      p.profile = "fuzz";
      check_credentials(
          aws::make_assume_role_provider(w.context(), std::make_shared<FixedProvider>(), p)->get());
      break;
    }
    case kStsWebIdentity: {
      static const std::string token_file = w.sso_cache_dir + "/web-identity-token";
      std::ofstream(token_file) << "fuzz-web-identity-token";
      aws::WebIdentityParams p;
      p.role_arn = "arn:aws:iam::111122223333:role/fuzz";
      p.session_name = "fuzz";
      p.token_file = token_file;
      p.origin = "AWS_WEB_IDENTITY_TOKEN_FILE";
      check_credentials(aws::make_web_identity_provider(w.context(), p)->get());
      break;
    }
    case kErrorEc2:
      error_answer(aws::Protocol::kEc2Query);
      break;
    case kErrorQuery:
      error_answer(aws::Protocol::kQuery);
      break;
    case kErrorJson:
      error_answer(aws::Protocol::kJson);
      break;
    case kErrorRestJson:
      error_answer(aws::Protocol::kRestJson);
      break;
    case kErrorRestXml:
      error_answer(aws::Protocol::kRestXml);
      break;
    case kEfsFileSystems:
      check(aws::parse_file_systems(json()));
      break;
    case kEfsMountTargets:
      check(aws::parse_mount_targets(json()));
      break;
    case kLogsQueryResults:
      check(aws::parse_query_results(json()));
      break;
    case kLogsFilterLogEvents:
      check(aws::parse_filter_log_events(json()));
      break;
    case kLogsStartQuery: {
      auto c = client();
      aws::StartQueryInput in;
      in.log_groups = {"fuzz"};
      in.start_time_s = 1700000000;
      in.end_time_s = 1700003600;
      in.query = "fields @message";
      check(aws::LogsApi(c.get()).start_query(in));
      break;
    }
    case kLogsDescribeLogGroups: {
      // Pages follow nextToken; the same answer each time would loop, which
      // the paginator must stop (a repeated token is an error).
      auto c = client();
      check(aws::LogsApi(c.get()).describe_log_groups("fuzz"));
      break;
    }
    case kSsoRoleCredentials: {
      aws::SsoParams p;
      p.profile = "fuzz";
      p.start_url = "https://fuzz.awsapps.com/start";
      p.sso_region = "us-east-1";
      p.account_id = "111122223333";
      p.role_name = "fuzz";
      p.cache_dir = w.sso_cache_dir;
      check_credentials(aws::make_sso_provider(w.context(), p)->get());
      break;
    }
    case kContainerCredentials: {
      aws::NetworkContext ctx = w.context();
      ctx.env = aws::EnvVars{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds"}};
      check_credentials(aws::make_container_provider(ctx)->get());
      break;
    }
    case kCloudWatchMetricData: {
      efstop::Result<aws::XmlDocument> doc = aws::XmlDocument::parse(body);
      check(doc);
      if (doc.ok()) check(aws::parse_metric_data_page(*doc));
      break;
    }
    case kFirehoseStream:
      check(aws::parse_delivery_stream(json()));
      break;
    case kAthenaExecution:
      check(aws::parse_athena_execution(json()));
      break;
    case kAthenaResults:
      check(aws::parse_athena_results(json()));
      break;
    case kEc2Regions: {
      auto c = client();
      check(aws::describe_enabled_regions(c.get()));
      break;
    }
    case kOrgListAccounts: {
      // The same answer to every page: a NextToken repeats, which the
      // paginator must stop.
      auto c = client();
      check(aws::list_organization_accounts(c.get()));
      break;
    }
    case kImdsCredentials: {
      aws::ImdsOptions options;
      auto imds = std::make_shared<aws::ImdsClient>(w.transport, options);
      check_credentials(aws::make_imds_provider(imds)->get());
      break;
    }
    default:
      break;
  }
  return 0;
}
