// The AWS CLI's connection flags, shared by every command that talks to AWS,
// and the one place they become a ready AWS session (credentials chain,
// region, endpoints, HTTP options, retries, --debug).
//
//   AwsFlags aws;
//   OptionGroup group("AWS connection");
//   add_aws_flags(&group, &aws);
//   ... parse_args(args, {&mine, &group}, &positionals) ...
//   EFSTOP_ASSIGN_OR_RETURN(AwsSession session,
//                           open_aws_session(aws, aws::EnvVars::from_process(), ctx.err));
//   session.client->call_query(...);
//
// Settings are read the way the AWS CLI reads them: the flag, then the
// environment, then the profile in ~/.aws/config (docs/aws.md lists each).
// Not thread-safe to build; the AwsSession's client is safe for concurrent use.
#ifndef EFSTOP_CLI_AWS_FLAGS_H_
#define EFSTOP_CLI_AWS_FLAGS_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "aws/client.h"
#include "aws/config_file.h"
#include "aws/credential_chain.h"
#include "aws/env_vars.h"
#include "aws/http.h"
#include "aws/region.h"
#include "cli/args.h"
#include "core/result.h"

namespace efstop::cli {

struct AwsFlags {
  std::string profile;       // --profile
  std::string region;        // --region
  std::string endpoint_url;  // --endpoint-url (every service efstop calls)
  std::string ca_bundle;     // --ca-bundle
  bool no_verify_ssl = false;
  bool debug = false;
  std::optional<int64_t> connect_timeout_s;  // --cli-connect-timeout (0 = none)
  std::optional<int64_t> read_timeout_s;     // --cli-read-timeout (0 = none)
};

// Registers --profile, --region, --endpoint-url, --no-verify-ssl,
// --ca-bundle, --debug, --cli-connect-timeout and --cli-read-timeout in
// `group`, writing into `flags` (both must outlive parsing).
void add_aws_flags(OptionGroup* group, AwsFlags* flags);

// Everything a command needs to call AWS, plus where each setting came
// from (whoami prints it).
struct AwsSession {
  aws::EnvVars env;
  std::shared_ptr<const aws::SharedConfig> config;
  aws::ProfileChoice profile;
  aws::ResolvedRegion region;
  aws::HttpOptions http;
  std::string ca_bundle_source;  // "--ca-bundle", "AWS_CA_BUNDLE", "profile x (file line n)",
                                 // "SSL_CERT_FILE", "system (path)" or ""
  std::string retry_source;      // where retry_mode / max_attempts came from
  std::shared_ptr<aws::HttpTransport> transport;
  aws::DefaultCredentials credentials;
  aws::ClientConfig client_config;
  std::shared_ptr<aws::AwsClient> client;
};

// Builds the session. --debug lines go to `debug_out` ("efstop: debug: ...").
// Errors: kInvalidArgument for a bad setting (naming the variable or file
// and line), kNotFound when no region is set, or the credential chain's
// configuration errors. Credentials themselves are fetched lazily, on the
// first call.
Result<AwsSession> open_aws_session(const AwsFlags& flags, const aws::EnvVars& env,
                                    std::ostream& debug_out);

// "****************ABCD": the access key id masked as `aws configure list`
// shows it (all but the last four characters).
std::string mask_access_key(std::string_view access_key_id);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_AWS_FLAGS_H_
