// `efstop doctor`: is this account ready for efstop, and if not, what to ask
// the account owner for. One screen: the identity and session (as whoami),
// every permission the chosen way of working needs tried with the cheapest
// call that proves it, the mount targets no flow log covers, flow-log
// formats efstop cannot read, log groups kept shorter than the window, and
// what Logs Insights would scan in one hour (cloud/readiness.h).
// Across accounts and regions (--regions all, --accounts, --organization;
// docs/multi-account.md) it checks the caller's side: DescribeRegions,
// ListAccounts, and AssumeRole in each account (one line per account), plus
// the central bucket given with --s3; the member roles' own permissions are
// each account's (efstop iam-policy --mode all), not checked from here.
//
// Steps: parse the options; open the AWS session; describe it (STS); run
// the readiness checks; print a table or JSON; exit 0 when ready, else 1.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/client_env.h"
#include "cli/args.h"
#include "cli/aws_flags.h"
#include "cli/cloud_flags.h"
#include "cli/command.h"
#include "cli/identity.h"
#include "cli/scope_flags.h"
#include "cli/time_arg.h"
#include "cloud/insights_runner.h"
#include "cloud/readiness.h"
#include "core/duration.h"
#include "report/units.h"

namespace efstop::cli {
namespace {

enum class DoctorOutput { kTable, kJson };

struct DoctorSettings {
  AwsFlags aws;
  CloudFlags cloud;
  ScopeFlags scopes;
  bool names = true;
  bool metrics = true;
  int64_t window_s = kDefaultCloudWindowS;
  double usd_per_gb = cloud::kInsightsUsdPerGb;
  DoctorOutput output = DoctorOutput::kTable;
  bool help = false;
};

std::vector<OptionGroup> make_groups(DoctorSettings* s) {
  std::vector<OptionGroup> groups;
  groups.emplace_back("What efstop will do");
  OptionGroup& what = groups.back();
  add_cloud_flags(&what, &s->cloud, AthenaChoice::kNotOffered);
  what.add_flag("--no-names", "efstop will not name the addresses: naming permissions not needed",
                [s] { s->names = false; });
  what.add_flag("--no-metrics",
                "efstop will not read the file systems' CloudWatch metrics:\n"
                "cloudwatch:GetMetricData not needed",
                [s] { s->metrics = false; });
  what.add_value("--since", "DURATION",
                 "the window efstop will read (default 1h): log groups must keep\n"
                 "events at least this long",
                 [s](std::string_view v) -> Status {
                   EFSTOP_ASSIGN_OR_RETURN(s->window_s, parse_duration(v));
                   return Status();
                 });
  what.add_value("--insights-price", "USD",
                 "Logs Insights price per GB scanned, for the cost estimate\n"
                 "(default 0.005: us-east-1, aws.amazon.com/cloudwatch/pricing)",
                 [s](std::string_view v) -> Status {
                   char* end = nullptr;
                   const std::string text(v);
                   const double price = std::strtod(text.c_str(), &end);
                   if (text.empty() || *end != '\0' || !(price >= 0.0) || price > 1000.0) {
                     return invalid_argument_error("want a price in USD per GB, e.g. 0.005");
                   }
                   s->usd_per_gb = price;
                   return Status();
                 });
  groups.emplace_back("Many regions and accounts (the caller's side; docs/multi-account.md)");
  add_scope_flags(&groups.back(), &s->scopes);
  groups.emplace_back("Output");
  groups.back().add_value("--output", "FORMAT", "table (default) or json", [s](std::string_view v) {
    if (v == "table") {
      s->output = DoctorOutput::kTable;
    } else if (v == "json") {
      s->output = DoctorOutput::kJson;
    } else {
      return invalid_argument_error("expected table or json");
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

std::string usd(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// What doctor found of a run across accounts and regions.
struct ScopeReport {
  bool by_account = false;
  bool all_regions = false;
  ScopeAccess access;
  std::vector<std::string> notes;  // what was not checked here, and why
};

// The service's error code in an AWS client message ("list-accounts:
// AccessDeniedException: ..." -> "AccessDeniedException"): the first
// ": "-separated word made only of letters and dots, or "".
std::string error_code_of(const std::string& message) {
  size_t at = 0;
  while ((at = message.find(": ", at)) != std::string::npos) {
    at += 2;
    const size_t end = message.find(": ", at);
    if (end == std::string::npos) break;
    const std::string word = message.substr(at, end - at);
    if (!word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
          return std::isalpha(static_cast<unsigned char>(c)) || c == '.';
        })) {
      return word;
    }
  }
  return "";
}

// Denied as the readiness checks say it: an access-denied code; any other
// failure (expired credentials, throttled, a network error) is "failed".
cloud::PermissionState state_of(const Status& s) {
  if (s.ok()) return cloud::PermissionState::kOk;
  return s.code() == StatusCode::kAuth && aws::is_access_denied_code(error_code_of(s.message()))
             ? cloud::PermissionState::kDenied
             : cloud::PermissionState::kFailed;
}

cloud::PermissionCheck scope_check(std::string action, std::string call, const Status& s) {
  cloud::PermissionCheck c;
  c.action = std::move(action);
  c.needed = true;
  c.call = std::move(call);
  c.state = state_of(s);
  if (!s.ok()) {
    c.error_code = error_code_of(s.message());
    c.message = s.message();
  }
  return c;
}

// The caller's side of the scopes as permissions and modes of `r`, in the
// order a run makes the calls: DescribeRegions, ListAccounts, AssumeRole.
void add_scope_checks(const ScopeFlags& flags, const ScopeReport& sr, cloud::Readiness* r) {
  const ScopeAccess& a = sr.access;
  if (flags.all_regions) {
    r->modes.push_back(cloud::AccessMode::kRegions);
    r->permissions.push_back(scope_check("ec2:DescribeRegions", "DescribeRegions AllRegions=false",
                                         *a.describe_regions));
  }
  if (!flags.by_account()) return;
  r->modes.push_back(flags.organization ? cloud::AccessMode::kOrganization
                                        : cloud::AccessMode::kAccounts);
  if (flags.organization) {
    r->permissions.push_back(
        scope_check("organizations:ListAccounts", "ListAccounts (every page)", *a.list_accounts));
  }
  cloud::PermissionCheck assume;
  assume.action = "sts:AssumeRole";
  assume.needed = true;
  assume.call = "AssumeRole in each of " + std::to_string(a.accounts.size()) + " accounts";
  if (a.list_accounts && !a.list_accounts->ok()) {
    assume.state = cloud::PermissionState::kNotChecked;
    assume.message = "ListAccounts failed, so no account to assume a role in";
  } else if (a.accounts.empty()) {
    assume.state = cloud::PermissionState::kNotChecked;
    assume.message = "the organization has no ACTIVE account";
  } else {
    size_t denied = 0, failed = 0;
    for (const AccountAccess& acc : a.accounts) {
      if (acc.status.ok()) continue;
      (state_of(acc.status) == cloud::PermissionState::kDenied ? denied : failed) += 1;
    }
    if (denied + failed == 0) {
      assume.state = cloud::PermissionState::kOk;
    } else {
      assume.state = failed > 0 ? cloud::PermissionState::kFailed : cloud::PermissionState::kDenied;
      assume.error_code = std::to_string(denied + failed) + " of " +
                          std::to_string(a.accounts.size()) + " accounts";
      assume.message = "see Accounts";
    }
  }
  r->permissions.push_back(std::move(assume));
}

std::string modes_text(const cloud::Readiness& r) {
  std::string out;
  for (cloud::AccessMode m : r.modes) {
    out += (out.empty() ? "" : ", ") + std::string(cloud::access_mode_name(m));
  }
  return out.empty() ? "nothing to read" : out;
}

nlohmann::json to_json(const SessionReport& session, const cloud::Readiness& r, int64_t window_s,
                       const ScopeReport* sr) {
  using nlohmann::json;
  json j;
  j["ready"] = r.ready();
  j["identity"] = session_json(session);
  j["modes"] = json::array();
  for (cloud::AccessMode m : r.modes) j["modes"].push_back(cloud::access_mode_name(m));
  j["permissions"] = json::array();
  for (const cloud::PermissionCheck& c : r.permissions) {
    j["permissions"].push_back({{"action", c.action},
                                {"needed", c.needed},
                                {"state", cloud::permission_state_name(c.state)},
                                {"call", c.call},
                                {"error_code", c.error_code},
                                {"message", c.message}});
  }
  j["discovery"] = r.discovery;
  j["mount_targets"] = r.mount_targets ? json(r.mount_targets->size()) : json(nullptr);
  j["uncovered_mount_targets"] = json::array();
  for (const aws::MountTarget& mt : r.uncovered) {
    j["uncovered_mount_targets"].push_back({{"id", mt.id},
                                            {"file_system_id", mt.file_system_id},
                                            {"ip", mt.ip},
                                            {"eni_id", mt.eni_id},
                                            {"subnet_id", mt.subnet_id},
                                            {"vpc_id", mt.vpc_id}});
  }
  j["enable_command"] = r.enable_command.empty() ? json(nullptr) : json(r.enable_command);
  j["notes"] = r.notes;
  j["format_problems"] = json::array();
  for (const cloud::FormatProblem& f : r.format_problems) {
    j["format_problems"].push_back({{"flow_log_id", f.flow_log_id},
                                    {"destination", f.destination},
                                    {"log_format", f.log_format},
                                    {"problem", f.problem}});
  }
  j["window_seconds"] = window_s;
  j["log_groups"] = json::array();
  for (const cloud::LogGroupCheck& g : r.log_groups) {
    j["log_groups"].push_back(
        {{"name", g.name},
         {"found", g.found},
         {"retention_days", g.retention_days ? json(*g.retention_days) : json(nullptr)},
         {"retention_short", g.retention_short},
         {"stored_bytes", g.stored_bytes},
         {"creation_time_ms", g.creation_time_ms},
         {"hours_held", g.hours_held},
         {"bytes_per_hour", g.bytes_per_hour},
         {"usd_per_hour", g.usd_per_hour}});
  }
  j["insights_hour"] = {{"bytes", r.bytes_per_hour},
                        {"usd", r.usd_per_hour},
                        {"usd_per_gb", r.usd_per_gb},
                        {"basis", "storedBytes"}};
  std::vector<std::string> s3;
  for (const aws::S3Location& l : r.s3_read) s3.push_back(l.to_uri());
  j["read"] = {{"log_groups", r.log_groups_read}, {"s3", s3}};
  j["not_checked"] = r.not_checked;
  if (sr != nullptr) {
    json accounts = json::array();
    for (const AccountAccess& a : sr->access.accounts) {
      json entry = {{"account", a.account},
                    {"role_arn", a.role_arn},
                    {"state", cloud::permission_state_name(state_of(a.status))},
                    {"message", a.status.ok() ? "" : a.status.message()}};
      if (a.describe_regions) {
        entry["describe_regions"] = {
            {"state", cloud::permission_state_name(state_of(*a.describe_regions))},
            {"message", a.describe_regions->ok() ? "" : a.describe_regions->message()},
            {"regions", a.regions}};
      }
      accounts.push_back(std::move(entry));
    }
    std::vector<std::string> notes = sr->access.notes;
    notes.insert(notes.end(), sr->notes.begin(), sr->notes.end());
    j["scopes"] = {{"regions", sr->access.regions}, {"accounts", accounts}, {"notes", notes}};
  }
  return j;
}

void print_table(const SessionReport& session, const cloud::Readiness& r, int64_t window_s,
                 const ScopeReport* sr, std::ostream& out) {
  out << "Identity\n";
  print_session_table(session, out);

  out << "\nPermissions (" << modes_text(r) << ")\n";
  size_t width = 0;
  for (const cloud::PermissionCheck& c : r.permissions) width = std::max(width, c.action.size());
  for (const cloud::PermissionCheck& c : r.permissions) {
    std::string detail;
    switch (c.state) {
      case cloud::PermissionState::kOk:
        detail = c.call;
        break;
      case cloud::PermissionState::kDenied:
        detail = c.error_code + " (" + c.call + ")";
        break;
      case cloud::PermissionState::kFailed:
        detail = c.error_code + " (" + c.call + "): " + c.message;
        break;
      case cloud::PermissionState::kNotChecked:
        detail = c.message;
        break;
      case cloud::PermissionState::kNotNeeded:
        break;
    }
    out << std::left << std::setw(12) << cloud::permission_state_name(c.state);
    if (detail.empty()) {
      out << c.action << '\n';
    } else {
      out << std::setw(static_cast<int>(width) + 2) << c.action << printable(detail) << '\n';
    }
  }

  if (sr != nullptr) {
    const ScopeAccess& a = sr->access;
    if (sr->all_regions || !a.regions.empty()) {
      std::string list;
      for (const std::string& region : a.regions) list += (list.empty() ? "" : ", ") + region;
      out << "\nRegions" << (sr->all_regions ? " (DescribeRegions)" : "") << ": "
          << (list.empty() ? "none listed" : list) << '\n';
    }
    if (sr->by_account) {
      out << "\nAccounts (sts:AssumeRole)\n";
      for (const AccountAccess& acc : a.accounts) {
        out << std::left << std::setw(12) << cloud::permission_state_name(state_of(acc.status))
            << acc.account << "  "
            << printable(acc.status.ok() ? acc.role_arn : acc.status.message()) << '\n';
        if (acc.describe_regions) {
          std::string list;
          for (const std::string& region : acc.regions) list += (list.empty() ? "" : ", ") + region;
          out << std::setw(12) << ""
              << "  regions (DescribeRegions with its role): "
              << printable(acc.describe_regions->ok() ? (list.empty() ? "none listed" : list)
                                                      : acc.describe_regions->message() +
                                                            " (the caller's regions stand in)")
              << '\n';
        }
      }
    }
    for (const std::string& n : a.notes) out << "  note: " << printable(n) << '\n';
    for (const std::string& n : sr->notes) out << "  note: " << printable(n) << '\n';
  }

  out << "\nFlow logs\n";
  if (sr != nullptr && sr->by_account && r.s3_read.empty()) {
    out << "discovered in each member account (not checked here)\n";
  } else if (!r.discovery) {
    out << "not discovered: reading the given --log-group / --s3\n";
  } else if (r.mount_targets) {
    out << r.mount_targets->size() << " mount targets, " << r.uncovered.size()
        << " not covered by a readable flow log\n";
    for (const aws::MountTarget& mt : r.uncovered) {
      out << "  uncovered " << mt.id << " (" << mt.file_system_id << ", " << mt.ip << ", "
          << mt.eni_id << ", " << mt.subnet_id << ")\n";
    }
    if (!r.uncovered.empty()) out << "  to enable one: " << r.enable_command << '\n';
  }
  for (const std::string& n : r.notes) out << "  note: " << printable(n) << '\n';
  for (const cloud::FormatProblem& f : r.format_problems) {
    out << "  format of " << f.flow_log_id << " (" << printable(f.destination)
        << "): " << printable(f.problem) << '\n';
  }
  for (const std::string& g : r.log_groups_read)
    out << "  reads log group " << printable(g) << '\n';
  for (const aws::S3Location& l : r.s3_read) out << "  reads " << printable(l.to_uri()) << '\n';

  if (!r.log_groups.empty()) {
    out << "\nLog groups (window " << window_s << " s)\n";
    for (const cloud::LogGroupCheck& g : r.log_groups) {
      out << "  " << printable(g.name) << ": ";
      if (!g.found) {
        out << "does not exist\n";
        continue;
      }
      out << "retention "
          << (g.retention_days ? std::to_string(*g.retention_days) + " d" : std::string("never"))
          << (g.retention_short ? " (SHORTER than the window)" : "") << ", " << g.stored_bytes
          << " bytes stored over " << static_cast<int64_t>(g.hours_held)
          << " h: " << static_cast<int64_t>(g.bytes_per_hour + 0.5) << " bytes/hour\n";
    }
    out << "Logs Insights, one hour of these groups: about "
        << report::format_iec_bytes(static_cast<int64_t>(r.bytes_per_hour + 0.5))
        << " scanned, USD " << usd(r.usd_per_hour) << " (USD " << r.usd_per_gb
        << "/GB; estimated from DescribeLogGroups storedBytes)\n";
  }
  for (const std::string& n : r.not_checked) out << "not checked: " << printable(n) << '\n';
  out << '\n' << (r.ready() ? "ready" : "NOT READY") << '\n';
}

}  // namespace

void print_doctor_help(std::ostream& out) {
  DoctorSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  out << "usage: efstop doctor [OPTIONS]\n"
      << "\n"
      << "Is this account ready for efstop? Shows the identity, region and credentials\n"
      << "efstop would use; tries every permission the chosen way of working needs\n"
      << "with the cheapest call that proves it (EC2 DryRun, one-item calls), each\n"
      << "marked ok, denied (IAM action and error code) or not needed; lists the EFS\n"
      << "mount targets no flow log covers (with the command that enables one), flow\n"
      << "logs whose format lacks a field efstop needs, log groups kept shorter than\n"
      << "--since, and what Logs Insights would scan in one hour of them.\n"
      << "Exit status: 0 ready, 1 something needed is missing, 2 usage error.\n";
  print_options(pointers(groups), out);
  out << "\n"
      << "Examples:\n"
      << "  efstop doctor --profile prod --region eu-west-1\n"
      << "  efstop doctor --method raw --since 7d --output json\n"
      << "  efstop doctor --s3 s3://my-flow-logs/prod --no-names\n"
      << "  efstop doctor --organization --role-name efstop-read --regions all \\\n"
      << "      --s3 s3://org-log-archive\n";
}

int run_doctor(const std::vector<std::string>& args, CommandContext& ctx) {
  // 1. Options.
  DoctorSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  std::vector<std::string> positionals;
  if (Status s = parse_args(args, pointers(groups), &positionals); !s.ok()) {
    return usage_error(ctx, "doctor", s);
  }
  if (settings.help) {
    print_doctor_help(ctx.out);
    return kExitOk;
  }
  if (!positionals.empty()) {
    return usage_error(ctx, "doctor",
                       invalid_argument_error("unexpected argument '" + positionals[0] + "'"));
  }

  const ScopeFlags& scopes = settings.scopes;
  if (Status s = check_scope_flags(scopes); !s.ok()) return usage_error(ctx, "doctor", s);
  if (scopes.by_account() && !settings.cloud.log_groups.empty()) {
    return usage_error(ctx, "doctor",
                       invalid_argument_error("parse --log-group: a log group is one account's; "
                                              "with --accounts/--organization leave it out"));
  }

  // 2. The AWS session and who it is.
  auto session = open_aws_session(settings.aws, aws::EnvVars::from_process(), ctx.err);
  if (!session.ok()) {
    ctx.err << "efstop: doctor: " << session.status().message() << '\n';
    return kExitFailure;
  }
  auto report = describe_session(*session);
  if (!report.ok()) {
    ctx.err << "efstop: doctor: " << report.status().message() << '\n';
    return kExitFailure;
  }

  // 3. The checks.
  cloud::ReadinessOptions ro;
  ro.log_groups = settings.cloud.log_groups;
  ro.s3_uri = settings.cloud.s3;
  ro.method = settings.cloud.method;
  ro.names = settings.names;
  ro.metrics = settings.metrics;
  ro.now_s = ctx.now();
  ro.window_s = settings.window_s;
  ro.usd_per_gb = settings.usd_per_gb;
  // Across accounts the caller names nothing and reads only the central
  // bucket (--s3); without one, each member discovers its own flow logs.
  std::optional<ScopeReport> scope_report;
  if (scopes.by_account()) {
    ro.names = false;
    ro.metrics = false;
  }
  Result<cloud::Readiness> readiness = cloud::Readiness{};
  if (!scopes.by_account() || !ro.s3_uri.empty()) {
    readiness = cloud::check_readiness(session->client.get(), ro);
  }
  if (!readiness.ok()) {
    ctx.err << "efstop: doctor: " << readiness.status().message() << '\n';
    return kExitFailure;
  }
  if (scopes.any()) {
    ScopeReport& sr = scope_report.emplace();
    sr.by_account = scopes.by_account();
    sr.all_regions = scopes.all_regions;
    sr.access = check_scope_access(scopes, *session);
    if (sr.by_account) {
      sr.notes.push_back(
          "each member role needs what one account needs (efstop iam-policy --mode all) and a "
          "trust policy for the caller; run efstop doctor with its credentials to check it");
    } else {
      sr.notes.push_back("permissions checked in " + session->client->region() +
                         "; IAM is global, so they hold in the other regions unless a policy "
                         "conditions on aws:RequestedRegion");
    }
    add_scope_checks(scopes, sr, &*readiness);
  }
  const ScopeReport* sr = scope_report ? &*scope_report : nullptr;

  // 4. Output.
  if (settings.output == DoctorOutput::kJson) {
    ctx.out << to_json(*report, *readiness, settings.window_s, sr)
                   .dump(4, ' ', false, nlohmann::json::error_handler_t::replace)
            << '\n';
  } else {
    print_table(*report, *readiness, settings.window_s, sr, ctx.out);
  }
  return readiness->ready() ? kExitOk : kExitFailure;
}

}  // namespace efstop::cli
