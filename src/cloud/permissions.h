// The IAM actions efstop calls, per way of working, and the least-privilege
// policy that allows exactly those (`efstop iam-policy`, `efstop doctor`).
//
// Access modes:
//   names     naming the addresses: EC2 DescribeNetworkInterfaces,
//             DescribeInstances, DescribeVpcEndpoints; EFS
//             DescribeFileSystems, DescribeMountTargets (enrich/)
//   insights  discovery (EFS file systems and mount targets, EC2
//             DescribeFlowLogs) + Logs Insights StartQuery,
//             GetQueryResults, StopQuery (cloud_reader.h)
//   raw       discovery + FilterLogEvents
//   s3        discovery + s3:ListBucket (ListObjectsV2), s3:GetObject, and
//             firehose:DescribeDeliveryStream (a flow log delivered to
//             Kinesis Data Firehose is read from the stream's S3 bucket)
//   athena    discovery + s3:ListBucket (the window's objects) + Athena
//             StartQueryExecution, GetQueryExecution, GetQueryResults,
//             StopQueryExecution, GetWorkGroup (docs/athena.md), plus what
//             Athena itself does with the caller's permissions and efstop
//             never calls: athena_service_actions()
// The modes of a report across accounts and regions (docs/multi-account.md)
// are the caller's, not the member roles' (those need the modes above):
//   regions       --regions all: ec2:DescribeRegions
//   accounts      --accounts: sts:AssumeRole on the member roles
//   organization  --organization: organizations:ListAccounts + sts:AssumeRole
// Each reading mode but athena also calls cloudwatch:GetMetricData (the file systems'
// own metrics, on by default when reading from AWS; --no-metrics leaves it
// out), which supports no resource-level permissions ("*").
// `efstop doctor` also calls logs:DescribeLogGroups (retention and the scan
// cost of the log groups); no report ever does, so a policy carries it only
// when asked for (`with_doctor`).
//
// Resource narrowing (docs/iam.md cites the Service Authorization Reference):
// EC2 Describe* calls and Logs GetQueryResults/StopQuery take no resource
// (always "*"); EFS Describe* take file-system ARNs; Logs StartQuery and
// FilterLogEvents take log-group ARNs; s3:ListBucket the bucket ARN (with an
// s3:prefix condition), s3:GetObject object ARNs. A resource is narrowed
// only as far as the scope says (account and region for ARNs; the groups;
// the bucket and prefix); Firehose DescribeDeliveryStream takes delivery-
// stream ARNs; otherwise it is "*".
//
// Pure functions; thread-safe.
#ifndef EFSTOP_CLOUD_PERMISSIONS_H_
#define EFSTOP_CLOUD_PERMISSIONS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/s3_api.h"
#include "core/result.h"

namespace efstop::cloud {

enum class AccessMode {
  kNames,
  kInsights,
  kRaw,
  kS3,
  kAthena,
  kRegions,
  kAccounts,
  kOrganization
};

// "names", "insights", "raw", "s3", "athena", "regions", "accounts",
// "organization".
std::string_view access_mode_name(AccessMode mode);
// Parses one of those names (kInvalidArgument otherwise).
Result<AccessMode> parse_access_mode(std::string_view name);

// The IAM actions a mode calls, in policy order, each once. Reading modes
// include discovery's (EFS, ec2:DescribeFlowLogs).
std::vector<std::string> actions_for(AccessMode mode);
// The actions efstop calls to discover the flow logs (no --log-group/--s3).
std::vector<std::string> discovery_actions();
// Discovery calls it only for a flow log delivered to Kinesis Data Firehose
// (part of the s3 mode: such a stream is read from its S3 bucket).
inline constexpr std::string_view kFirehoseAction = "firehose:DescribeDeliveryStream";
// The file systems' CloudWatch metrics (every reading mode, unless --no-metrics).
inline constexpr std::string_view kMetricsAction = "cloudwatch:GetMetricData";
// What Athena does on the caller's behalf during efstop's queries (the
// Glue Data Catalog for the table, S3 for the data and the results;
// docs/athena.md cites the Athena user guide): in the athena policy, though
// efstop never calls them itself.
std::vector<std::string> athena_service_actions();
// A report across regions and accounts (the caller's calls).
inline constexpr std::string_view kDescribeRegionsAction = "ec2:DescribeRegions";
inline constexpr std::string_view kAssumeRoleAction = "sts:AssumeRole";
inline constexpr std::string_view kListAccountsAction = "organizations:ListAccounts";
// The action only `efstop doctor` calls.
inline constexpr std::string_view kDoctorAction = "logs:DescribeLogGroups";

struct PolicyScope {
  std::string account;                  // 12 digits, or empty
  std::string region;                   // or empty
  std::vector<std::string> log_groups;  // names, or empty
  std::optional<aws::S3Location> s3;    // the flow logs' bucket and prefix
  // The member roles sts:AssumeRole is allowed on ("arn:aws:iam::*:role/efstop");
  // empty: every role ("*").
  std::string role_arn;
};

// {"Version": "2012-10-17", "Statement": [...]} allowing exactly the
// actions of `modes` (plus kDoctorAction when `with_doctor`), resources
// narrowed per the file comment.
nlohmann::json least_privilege_policy(const std::vector<AccessMode>& modes, bool with_doctor,
                                      const PolicyScope& scope);

// Every action a policy document allows (its statements' Action members),
// sorted, each once: for tests and for doctor's cross-check.
std::vector<std::string> policy_actions(const nlohmann::json& policy);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_PERMISSIONS_H_
