// Is this account ready for efstop? The checks of `efstop doctor`:
//
//   1. every permission the chosen way of working needs (permissions.h),
//      each tried with the cheapest call that proves it: EC2 calls with
//      DryRun=true (DryRunOperation = allowed, UnauthorizedOperation =
//      denied), one-item calls elsewhere (EFS MaxItems=1, S3 max-keys=1 and
//      a one-byte GetObject, FilterLogEvents limit 1 over one second, a Logs
//      Insights query over one second, then its GetQueryResults and
//      StopQuery);
//   2. discovery (without --log-group/--s3): the mount targets no readable
//      flow log covers, with the `aws ec2 create-flow-logs` command that
//      would cover them, and flow logs whose LogFormat lacks a field efstop
//      needs (flowlog::check_format; Insights also needs interface-id);
//   3. the log groups read: a retention shorter than the window asked for,
//      and what Logs Insights would scan in one hour of them, estimated from
//      DescribeLogGroups storedBytes spread over the hours it holds
//      (docs/iam.md says why not the IncomingBytes metric).
//
// A call that fails for another reason than a denial is reported as itself
// (kFailed, with its code and message), and what depended on it as not
// checked, with the reason: never as a conclusion drawn without it.
// Thread-safety: one call at a time; the AwsClient is shared safely.
#ifndef EFSTOP_CLOUD_READINESS_H_
#define EFSTOP_CLOUD_READINESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "aws/efs_api.h"
#include "cloud/cloud_reader.h"
#include "cloud/permissions.h"
#include "core/result.h"

namespace efstop::cloud {

struct ReadinessOptions {
  std::vector<std::string> log_groups;  // --log-group: no discovery
  std::string s3_uri;                   // --s3: no discovery
  Method method = Method::kInsights;    // how log groups are read
  bool names = true;                    // names every end (top's default with AWS)
  bool metrics = true;                  // reads the file systems' metrics (--no-metrics: false)
  int64_t now_s = 0;                    // epoch seconds
  int64_t window_s = 3600;              // the window asked for (--since)
  double usd_per_gb = 0;                // Logs Insights price per GB scanned
};

enum class PermissionState { kOk, kDenied, kFailed, kNotChecked, kNotNeeded };
// "ok", "denied", "failed", "not checked", "not needed".
std::string_view permission_state_name(PermissionState state);

struct PermissionCheck {
  std::string action;  // "ec2:DescribeInstances"
  bool needed = false;
  PermissionState state = PermissionState::kNotNeeded;
  std::string call;  // the call that tried it: "DescribeInstances DryRun=true"
  std::string
      error_code;       // denied / failed: the service's code ("DryRunOperation" for an ok DryRun)
  std::string message;  // denied / failed: the error; not checked: why
};

struct FormatProblem {
  std::string flow_log_id;
  std::string destination;  // "log group /x" or "s3://b/p"
  std::string log_format;   // as DescribeFlowLogs gave it ("" = the default)
  std::string problem;
};

struct LogGroupCheck {
  std::string name;
  bool found = false;                 // DescribeLogGroups knows it
  std::optional<int> retention_days;  // nullopt: never expires
  int64_t stored_bytes = 0;
  int64_t creation_time_ms = 0;
  double hours_held = 0;  // the hours of events stored_bytes spans (>= 1)
  double bytes_per_hour = 0;
  double usd_per_hour = 0;
  bool retention_short = false;  // retention_days * 1 d < the window
};

struct Readiness {
  bool discovery = false;         // no --log-group / --s3
  std::vector<AccessMode> modes;  // needed, in order
  std::vector<PermissionCheck> permissions;
  std::optional<std::vector<aws::MountTarget>> mount_targets;  // nullopt: not listed
  std::vector<aws::MountTarget> uncovered;
  std::string enable_command;      // for `uncovered`
  std::vector<std::string> notes;  // discovery's (Firehose, inactive...)
  std::vector<std::string> log_groups_read;
  std::vector<aws::S3Location> s3_read;
  std::vector<FormatProblem> format_problems;
  std::vector<LogGroupCheck> log_groups;
  double bytes_per_hour = 0;  // summed over log_groups
  double usd_per_hour = 0;
  double usd_per_gb = 0;
  std::vector<std::string> not_checked;  // checks that could not be made, and why

  // Everything needed is there: no needed permission denied, failed or
  // unchecked, every mount target covered, no format problem, no log group
  // missing or kept shorter than the window, every check made.
  bool ready() const;
};

// Runs the checks. Errors only for bad options (kInvalidArgument); AWS
// failures are part of the Readiness.
Result<Readiness> check_readiness(aws::AwsClient* client, const ReadinessOptions& options);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_READINESS_H_
