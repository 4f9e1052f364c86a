// `efstop whoami`: who AWS thinks we are, and where every setting came from,
// like `aws sts get-caller-identity` and `aws configure list` together.
//
// Steps: parse the options; open the AWS session (profile, region,
// endpoints, credential chain); fetch the credentials (this is where the
// chain runs); call STS GetCallerIdentity; print a table or JSON.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/aws_flags.h"
#include "cli/command.h"
#include "cli/identity.h"

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
  auto report = describe_session(*session);
  if (!report.ok()) {
    ctx.err << "efstop: whoami: " << report.status().message() << '\n';
    return kExitFailure;
  }

  // 4. Output.
  if (settings.output == WhoamiOutput::kJson) {
    ctx.out << session_json(*report).dump(4, ' ', false, nlohmann::json::error_handler_t::replace)
            << '\n';
    return kExitOk;
  }
  if (settings.output == WhoamiOutput::kText) {
    // `aws sts get-caller-identity --output text` order: Account, Arn, UserId.
    ctx.out << printable(report->account) << '\t' << printable(report->arn) << '\t'
            << printable(report->user_id) << '\n';
    return kExitOk;
  }
  print_session_table(*report, ctx.out);
  return kExitOk;
}

}  // namespace efstop::cli
