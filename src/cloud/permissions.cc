#include "cloud/permissions.h"

#include <algorithm>
#include <set>

#include "aws/endpoints.h"

namespace efstop::cloud {
namespace {

using nlohmann::json;

constexpr std::string_view kDescribeFileSystems = "elasticfilesystem:DescribeFileSystems";
constexpr std::string_view kDescribeMountTargets = "elasticfilesystem:DescribeMountTargets";
constexpr std::string_view kDescribeFlowLogs = "ec2:DescribeFlowLogs";

std::string partition(const PolicyScope& scope) {
  return scope.region.empty() ? "aws" : std::string(aws::partition_of(scope.region));
}

bool has_account_region(const PolicyScope& scope) {
  return !scope.account.empty() && !scope.region.empty();
}

// "arn:aws:logs:eu-west-1:111122223333:" (account and region known).
std::string logs_arn_prefix(const PolicyScope& scope) {
  return "arn:" + partition(scope) + ":logs:" + scope.region + ":" + scope.account + ":";
}

json statement(std::string sid, const std::vector<std::string>& actions, json resources) {
  json s = {{"Sid", std::move(sid)}, {"Effect", "Allow"}, {"Action", actions}};
  s["Resource"] = std::move(resources);
  return s;
}

}  // namespace

std::string_view access_mode_name(AccessMode mode) {
  switch (mode) {
    case AccessMode::kNames:
      return "names";
    case AccessMode::kInsights:
      return "insights";
    case AccessMode::kRaw:
      return "raw";
    case AccessMode::kS3:
      return "s3";
    case AccessMode::kAthena:
      return "athena";
    case AccessMode::kRegions:
      return "regions";
    case AccessMode::kAccounts:
      return "accounts";
    case AccessMode::kOrganization:
      return "organization";
  }
  return "?";
}

Result<AccessMode> parse_access_mode(std::string_view name) {
  for (AccessMode m : {AccessMode::kNames, AccessMode::kInsights, AccessMode::kRaw, AccessMode::kS3,
                       AccessMode::kAthena, AccessMode::kRegions, AccessMode::kAccounts,
                       AccessMode::kOrganization}) {
    if (access_mode_name(m) == name) return m;
  }
  return invalid_argument_error(
      "expected names, insights, raw, s3, athena, regions, accounts, organization or all");
}

std::vector<std::string> discovery_actions() {
  return {std::string(kDescribeFileSystems), std::string(kDescribeMountTargets),
          std::string(kDescribeFlowLogs)};
}

std::vector<std::string> athena_service_actions() {
  return {"glue:GetDatabase",     "glue:GetTable", "glue:CreateTable", "glue:DeleteTable",
          "s3:GetBucketLocation", "s3:GetObject",  "s3:PutObject"};
}

std::vector<std::string> actions_for(AccessMode mode) {
  std::vector<std::string> out;
  // The caller's side of a report across regions and accounts.
  if (mode == AccessMode::kRegions) return {std::string(kDescribeRegionsAction)};
  if (mode == AccessMode::kAccounts) return {std::string(kAssumeRoleAction)};
  if (mode == AccessMode::kOrganization) {
    return {std::string(kListAccountsAction), std::string(kAssumeRoleAction)};
  }
  if (mode == AccessMode::kNames) {
    return {"ec2:DescribeNetworkInterfaces", "ec2:DescribeInstances", "ec2:DescribeVpcEndpoints",
            std::string(kDescribeFileSystems), std::string(kDescribeMountTargets)};
  }
  out = discovery_actions();
  switch (mode) {
    case AccessMode::kInsights:
      // DescribeQueries: only after a StartQuery whose answer was lost, to
      // find and stop the query it may have started (insights_runner.cc).
      out.insert(out.end(), {"logs:StartQuery", "logs:GetQueryResults", "logs:StopQuery",
                             "logs:DescribeQueries"});
      break;
    case AccessMode::kRaw:
      out.emplace_back("logs:FilterLogEvents");
      break;
    case AccessMode::kS3:
      // DescribeDeliveryStream: discovery follows a Firehose flow log to
      // the stream's S3 destination (discovery.h).
      out.insert(out.end(), {"s3:ListBucket", "s3:GetObject", std::string(kFirehoseAction)});
      break;
    case AccessMode::kAthena:
      // ListBucket: the window's objects (accounts, layout, size); a
      // Firehose destination is streamed (GetObject, in the service list).
      out.insert(out.end(),
                 {"s3:ListBucket", std::string(kFirehoseAction), "athena:StartQueryExecution",
                  "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution",
                  "athena:GetWorkGroup"});
      for (std::string& a : athena_service_actions()) {
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(std::move(a));
      }
      break;
    case AccessMode::kNames:
    case AccessMode::kRegions:
    case AccessMode::kAccounts:
    case AccessMode::kOrganization:
      break;
  }
  // --method athena reads no metrics (the query does not split flows per period).
  if (mode != AccessMode::kAthena) out.emplace_back(kMetricsAction);
  return out;
}

json least_privilege_policy(const std::vector<AccessMode>& modes, bool with_doctor,
                            const PolicyScope& scope) {
  std::set<std::string> wanted;
  for (AccessMode m : modes) {
    for (std::string& a : actions_for(m)) wanted.insert(std::move(a));
  }
  if (with_doctor) wanted.insert(std::string(kDoctorAction));
  // The actions of `candidates` that are wanted, in the candidates' order.
  auto pick = [&](std::initializer_list<std::string_view> candidates) {
    std::vector<std::string> out;
    for (std::string_view c : candidates) {
      if (wanted.count(std::string(c))) out.emplace_back(c);
    }
    return out;
  };
  json statements = json::array();

  // EC2 Describe* calls support no resource-level permissions.
  if (auto a = pick({"ec2:DescribeFlowLogs", "ec2:DescribeNetworkInterfaces",
                     "ec2:DescribeInstances", "ec2:DescribeVpcEndpoints", kDescribeRegionsAction});
      !a.empty()) {
    statements.push_back(statement("EfstopEc2Describe", a, "*"));
  }
  if (auto a = pick({kDescribeFileSystems, kDescribeMountTargets}); !a.empty()) {
    json r = has_account_region(scope)
                 ? json("arn:" + partition(scope) + ":elasticfilesystem:" + scope.region + ":" +
                        scope.account + ":file-system/*")
                 : json("*");
    statements.push_back(statement("EfstopEfsDescribe", a, r));
  }
  // Reading log groups: StartQuery and FilterLogEvents name the groups.
  if (auto a = pick({"logs:StartQuery", "logs:FilterLogEvents"}); !a.empty()) {
    json r = "*";
    if (has_account_region(scope)) {
      if (scope.log_groups.empty()) {
        r = logs_arn_prefix(scope) + "log-group:*";
      } else {
        r = json::array();
        for (const std::string& g : scope.log_groups) {
          // The group's ARN in both spellings AWS evaluates: without and
          // with the trailing ":*" (log streams).
          r.push_back(logs_arn_prefix(scope) + "log-group:" + g);
          r.push_back(logs_arn_prefix(scope) + "log-group:" + g + ":*");
        }
      }
    }
    statements.push_back(statement("EfstopLogsRead", a, r));
  }
  // Query ids are not resources IAM can name; DescribeQueries lists the
  // account's queries, so it is given "*" too.
  if (auto a = pick({"logs:GetQueryResults", "logs:StopQuery", "logs:DescribeQueries"});
      !a.empty()) {
    statements.push_back(statement("EfstopLogsQueryResults", a, "*"));
  }
  if (auto a = pick({kDoctorAction}); !a.empty()) {
    json r = has_account_region(scope) ? json(logs_arn_prefix(scope) + "log-group:*") : json("*");
    statements.push_back(statement("EfstopDoctorLogGroups", a, r));
  }
  // CloudWatch GetMetricData names no resource IAM can narrow to.
  if (auto a = pick({kMetricsAction}); !a.empty()) {
    statements.push_back(statement("EfstopCloudWatchMetrics", a, "*"));
  }
  if (auto a = pick({"s3:ListBucket"}); !a.empty()) {
    json s = statement(
        "EfstopS3List", a,
        scope.s3 ? json("arn:" + partition(scope) + ":s3:::" + scope.s3->bucket) : json("*"));
    if (scope.s3 && !scope.s3->prefix.empty()) {
      s["Condition"] = {{"StringLike", {{"s3:prefix", json::array({scope.s3->prefix + "*"})}}}};
    }
    statements.push_back(std::move(s));
  }
  if (auto a = pick({"s3:GetObject"}); !a.empty()) {
    json r = scope.s3 ? json("arn:" + partition(scope) + ":s3:::" + scope.s3->bucket + "/" +
                             scope.s3->prefix + "*")
                      : json("*");
    statements.push_back(statement("EfstopS3Read", a, r));
  }
  // Athena: query ids and the Glue catalog are named by workgroup and
  // table ARNs that efstop's scope does not know: "*".
  if (auto a = pick({"athena:StartQueryExecution", "athena:GetQueryExecution",
                     "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"});
      !a.empty()) {
    statements.push_back(statement("EfstopAthenaQuery", a, "*"));
  }
  if (auto a = pick({"glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:DeleteTable"});
      !a.empty()) {
    statements.push_back(statement("EfstopAthenaGlueTable", a, "*"));
  }
  if (auto a = pick({"s3:GetBucketLocation", "s3:PutObject"}); !a.empty()) {
    statements.push_back(statement("EfstopAthenaResults", a, "*"));
  }
  if (auto a = pick({kFirehoseAction}); !a.empty()) {
    json r = has_account_region(scope)
                 ? json("arn:" + partition(scope) + ":firehose:" + scope.region + ":" +
                        scope.account + ":deliverystream/*")
                 : json("*");
    statements.push_back(statement("EfstopFirehoseDescribe", a, r));
  }
  // The member accounts' roles; AssumeRole takes role ARNs.
  if (auto a = pick({kAssumeRoleAction}); !a.empty()) {
    statements.push_back(statement("EfstopAssumeMemberRoles", a,
                                   scope.role_arn.empty() ? json("*") : json(scope.role_arn)));
  }
  // ListAccounts supports no resource-level permissions.
  if (auto a = pick({kListAccountsAction}); !a.empty()) {
    statements.push_back(statement("EfstopOrganizationsList", a, "*"));
  }
  return {{"Version", "2012-10-17"}, {"Statement", statements}};
}

std::vector<std::string> policy_actions(const json& policy) {
  std::set<std::string> out;
  auto st = policy.find("Statement");
  if (st == policy.end() || !st->is_array()) return {};
  for (const json& s : *st) {
    auto a = s.find("Action");
    if (a == s.end()) continue;
    if (a->is_string()) out.insert(a->get<std::string>());
    if (a->is_array()) {
      for (const json& x : *a) {
        if (x.is_string()) out.insert(x.get<std::string>());
      }
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace efstop::cloud
