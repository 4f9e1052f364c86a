// `efstop whoami`: who AWS thinks we are, and where every setting came from,
// like `aws sts get-caller-identity` and `aws configure list` together.
//
// Steps: parse the options; open the AWS session (profile, region,
// endpoints, credential chain); fetch the credentials (this is where the
// chain runs); call STS GetCallerIdentity; print a table or JSON.
#include <iomanip>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/service.h"
#include "cli/args.h"
#include "cli/aws_flags.h"
#include "cli/command.h"

namespace efstop::cli {
namespace {

enum class WhoamiOutput { kTable, kJson, kText };

struct WhoamiSettings {
  AwsFlags aws;
  WhoamiOutput output = WhoamiOutput::kTable;
  bool help = false;
};

std::vector<OptionGroup> make_groups(WhoamiSettings* s) {
  std::vector<OptionGroup> groups;
  groups.emplace_back("Output");
  groups.back().add_value("--output", "FORMAT", "table (default), json or text",
                          [s](std::string_view v) {
                            if (v == "table") {
                              s->output = WhoamiOutput::kTable;
                            } else if (v == "json") {
                              s->output = WhoamiOutput::kJson;
                            } else if (v == "text") {
                              s->output = WhoamiOutput::kText;
                            } else {
                              return invalid_argument_error("expected table, json or text");
                            }
                            return Status();
                          });
  groups.back().add_flag("--help", "show this help", [s] { s->help = true; });
  groups.emplace_back("AWS connection");
  add_aws_flags(&groups.back(), &s->aws);
  return groups;
}

std::vector<OptionGroup*> pointers(std::vector<OptionGroup>& groups) {
  std::vector<OptionGroup*> out;
  for (auto& g : groups) out.push_back(&g);
  return out;
}

struct Identity {
  std::string account, arn, user_id, request_id;
};

Result<Identity> get_caller_identity(aws::AwsClient& client) {
  EFSTOP_ASSIGN_OR_RETURN(aws::XmlDocument doc,
                          client.call_query(aws::Service::kSts, "GetCallerIdentity", {}));
  pugi::xml_node result = aws::xml_child(doc.root(), "GetCallerIdentityResult");
  Identity id;
  id.account = aws::xml_child_text(result, "Account");
  id.arn = aws::xml_child_text(result, "Arn");
  id.user_id = aws::xml_child_text(result, "UserId");
  id.request_id = aws::xml_child_text(aws::xml_child(doc.root(), "ResponseMetadata"), "RequestId");
  if (id.account.empty() || id.arn.empty()) {
    return parse_error("get-caller-identity " + client.region() + ": answer has no Account/Arn");
  }
  return id;
}

// Terminal-safe: tag-like values could carry control characters.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  return out;
}

}  // namespace

void print_whoami_help(std::ostream& out) {
  WhoamiSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  out << "usage: efstop whoami [OPTIONS]\n"
      << "\n"
      << "Shows the AWS identity efstop would use (STS GetCallerIdentity), the region,\n"
      << "and where the profile, region and credentials came from, like\n"
      << "`aws sts get-caller-identity` and `aws configure list` together. The secret\n"
      << "key and session token are never shown; the access key id is masked.\n";
  print_options(pointers(groups), out);
  out << "\n"
      << "Examples:\n"
      << "  efstop whoami\n"
      << "  efstop whoami --profile prod --region eu-west-1 --output json\n"
      << "  AWS_ENDPOINT_URL=http://127.0.0.1:9000 efstop whoami --debug\n";
}

int run_whoami(const std::vector<std::string>& args, CommandContext& ctx) {
  // 1. Options.
  WhoamiSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  std::vector<std::string> positionals;
  if (Status s = parse_args(args, pointers(groups), &positionals); !s.ok()) {
    return usage_error(ctx, "whoami", s);
  }
  if (settings.help) {
    print_whoami_help(ctx.out);
    return kExitOk;
  }
  if (!positionals.empty()) {
    return usage_error(ctx, "whoami",
                       invalid_argument_error("unexpected argument '" + positionals[0] + "'"));
  }

  // 2. The AWS session: profile, region, endpoints, credential chain.
  auto session = open_aws_session(settings.aws, aws::EnvVars::from_process(), ctx.err);
  if (!session.ok()) {
    ctx.err << "efstop: whoami: " << session.status().message() << '\n';
    return kExitFailure;
  }

  // 3. Credentials (the chain runs here), then the identity.
  auto creds = session->credentials.provider->get();
  if (!creds.ok()) {
    ctx.err << "efstop: whoami: " << creds.status().message() << '\n';
    return kExitFailure;
  }
  auto identity = get_caller_identity(*session->client);
  if (!identity.ok()) {
    ctx.err << "efstop: whoami: " << identity.status().message() << '\n';
    return kExitFailure;
  }
  auto endpoint = aws::resolve_endpoint(aws::Service::kSts, session->region.region,
                                        session->client_config.endpoints);
  const std::string endpoint_url = endpoint.ok() ? endpoint->url : "";
  const std::string endpoint_source = endpoint.ok() ? endpoint->source : "";
  const std::string masked = mask_access_key(creds->access_key_id);
  const std::string expires = creds->expiration ? aws::format_iso8601(*creds->expiration) : "";
  const std::string cred_source =
      creds->source + (creds->source_detail.empty() ? "" : ": " + creds->source_detail);

  // 4. Output.
  if (settings.output == WhoamiOutput::kJson) {
    nlohmann::json j = {
        {"UserId", identity->user_id},
        {"Account", identity->account},
        {"Arn", identity->arn},
        {"Region", {{"Name", session->region.region}, {"Source", session->region.source}}},
        {"Profile", {{"Name", session->profile.name}, {"Source", session->profile.origin}}},
        {"Credentials",
         {{"AccessKey", masked},
          {"Source", creds->source},
          {"Detail", creds->source_detail},
          {"Expiration", expires.empty() ? nlohmann::json(nullptr) : nlohmann::json(expires)}}},
        {"Endpoint", {{"Url", endpoint_url}, {"Source", endpoint_source}}},
    };
    ctx.out << j.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitOk;
  }
  if (settings.output == WhoamiOutput::kText) {
    // `aws sts get-caller-identity --output text` order: Account, Arn, UserId.
    ctx.out << printable(identity->account) << '\t' << printable(identity->arn) << '\t'
            << printable(identity->user_id) << '\n';
    return kExitOk;
  }
  auto row = [&](std::string_view name, const std::string& value, const std::string& source) {
    ctx.out << std::left << std::setw(13) << name << printable(value);
    if (!source.empty()) ctx.out << "  (" << printable(source) << ")";
    ctx.out << '\n';
  };
  row("Account", identity->account, "");
  row("Arn", identity->arn, "");
  row("UserId", identity->user_id, "");
  row("Region", session->region.region, session->region.source);
  row("Profile", session->profile.name, session->profile.origin);
  row("Access key", masked, cred_source);
  if (!expires.empty()) row("Expires", expires, "");
  row("STS endpoint", endpoint_url, endpoint_source);
  return kExitOk;
}

}  // namespace efstop::cli
