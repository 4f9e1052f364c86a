// `efstop iam-policy`: the least-privilege IAM policy for a way of working,
// to hand to the account owner (cloud/permissions.h holds the actions and
// the narrowing rules; docs/iam.md explains them).
//
// Steps: parse the options; build the policy; print it as JSON. No AWS call.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/endpoints.h"
#include "aws/region.h"
#include "aws/s3_api.h"
#include "cli/args.h"
#include "cli/command.h"
#include "cloud/permissions.h"

namespace efstop::cli {
namespace {

struct IamPolicySettings {
  std::vector<cloud::AccessMode> modes{cloud::AccessMode::kNames, cloud::AccessMode::kInsights,
                                       cloud::AccessMode::kRaw, cloud::AccessMode::kS3,
                                       cloud::AccessMode::kAthena};
  cloud::PolicyScope scope;
  std::string role_name;  // --role-name
  bool doctor = false;
  bool help = false;
};

std::vector<OptionGroup> make_groups(IamPolicySettings* s) {
  std::vector<OptionGroup> groups;
  groups.emplace_back("Policy");
  OptionGroup& g = groups.back();
  g.add_value("--mode", "MODE",
              "what efstop will do: names (name the addresses), insights (read log\n"
              "groups with Logs Insights), raw (FilterLogEvents), s3 (read S3),\n"
              "athena (S3 through Athena), or all (default); the reading modes\n"
              "include finding the flow logs.\n"
              "Across accounts and regions, the caller's own: regions (--regions\n"
              "all), accounts (--accounts) or organization (--organization); the\n"
              "member roles need the modes above (docs/multi-account.md)",
              [s](std::string_view v) -> Status {
                if (v == "all") {
                  s->modes = {cloud::AccessMode::kNames, cloud::AccessMode::kInsights,
                              cloud::AccessMode::kRaw, cloud::AccessMode::kS3,
                              cloud::AccessMode::kAthena};
                  return Status();
                }
                EFSTOP_ASSIGN_OR_RETURN(cloud::AccessMode m, cloud::parse_access_mode(v));
                s->modes = {m};
                return Status();
              });
  g.add_value("--account", "ID", "the account id (12 digits): narrows EFS and Logs ARNs",
              [s](std::string_view v) -> Status {
                if (v.size() != 12 || v.find_first_not_of("0123456789") != std::string_view::npos) {
                  return invalid_argument_error("an account id is 12 digits");
                }
                s->scope.account = std::string(v);
                return Status();
              });
  g.add_value("--region", "REGION", "the region: with --account, narrows EFS and Logs ARNs",
              [s](std::string_view v) -> Status {
                if (!aws::is_valid_region_name(v)) {
                  return invalid_argument_error("not a region name (e.g. us-east-1)");
                }
                s->scope.region = std::string(v);
                return Status();
              });
  g.add_value("--log-group", "NAME",
              "a log group efstop will read (repeatable): with --account and\n"
              "--region, StartQuery and FilterLogEvents are allowed on it only",
              [s](std::string_view v) -> Status {
                if (v.empty()) return invalid_argument_error("give a log group name");
                s->scope.log_groups.emplace_back(v);
                return Status();
              });
  g.add_value("--s3", "URI",
              "the flow logs' bucket and prefix (s3://bucket/prefix): s3:ListBucket\n"
              "and s3:GetObject are allowed there only",
              [s](std::string_view v) -> Status {
                EFSTOP_ASSIGN_OR_RETURN(aws::S3Location loc, aws::parse_s3_location(v));
                s->scope.s3 = loc;
                return Status();
              });
  g.add_value("--role-name", "NAME",
              "with --mode accounts or organization: sts:AssumeRole is allowed on\n"
              "arn:aws:iam::*:role/NAME only",
              [s](std::string_view v) -> Status {
                if (v.empty() || v.find_first_of(":*{} ") != std::string_view::npos) {
                  return invalid_argument_error("want a role name");
                }
                s->role_name = std::string(v);
                return Status();
              });
  g.add_flag("--doctor",
             "also allow logs:DescribeLogGroups, which only efstop doctor calls\n"
             "(retention and scan-cost checks)",
             [s] { s->doctor = true; });
  g.add_flag("--help", "show this help", [s] { s->help = true; });
  return groups;
}

std::vector<OptionGroup*> pointers(std::vector<OptionGroup>& groups) {
  std::vector<OptionGroup*> out;
  for (auto& g : groups) out.push_back(&g);
  return out;
}

}  // namespace

void print_iam_policy_help(std::ostream& out) {
  IamPolicySettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  out << "usage: efstop iam-policy [OPTIONS]\n"
      << "\n"
      << "Prints the least-privilege IAM policy (JSON) for what efstop will do: exactly\n"
      << "the actions efstop calls in that mode, on resources narrowed as far as the\n"
      << "service allows and the options say. Makes no AWS call. docs/iam.md lists\n"
      << "every action and why it is needed.\n";
  print_options(pointers(groups), out);
  out << "\n"
      << "Examples:\n"
      << "  efstop iam-policy > efstop-policy.json\n"
      << "  efstop iam-policy --mode insights --account 111122223333 --region eu-west-1 \\\n"
      << "      --log-group /vpc/flow-logs --doctor\n"
      << "  efstop iam-policy --mode s3 --s3 s3://my-flow-logs/prod\n"
      << "  efstop iam-policy --mode organization --role-name efstop-read\n"
      << "      (the caller's side of top --organization; each member's role needs the\n"
      << "      policy of --mode all, and with --regions all that of --mode regions)\n";
}

int run_iam_policy(const std::vector<std::string>& args, CommandContext& ctx) {
  // 1. Options.
  IamPolicySettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  std::vector<std::string> positionals;
  if (Status s = parse_args(args, pointers(groups), &positionals); !s.ok()) {
    return usage_error(ctx, "iam-policy", s);
  }
  if (settings.help) {
    print_iam_policy_help(ctx.out);
    return kExitOk;
  }
  if (!positionals.empty()) {
    return usage_error(ctx, "iam-policy",
                       invalid_argument_error("unexpected argument '" + positionals[0] + "'"));
  }

  if (!settings.role_name.empty()) {
    // The roles of any account of the partition: the member accounts are
    // not known here (--accounts or ListAccounts choose them at run time).
    const std::string partition = settings.scope.region.empty()
                                      ? "aws"
                                      : std::string(aws::partition_of(settings.scope.region));
    settings.scope.role_arn = "arn:" + partition + ":iam::*:role/" + settings.role_name;
  }

  // 2. The policy.
  const nlohmann::json policy =
      cloud::least_privilege_policy(settings.modes, settings.doctor, settings.scope);
  ctx.out << policy.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  return kExitOk;
}

}  // namespace efstop::cli
