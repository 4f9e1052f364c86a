// The file systems' own CloudWatch metrics across accounts and regions
// (issue 14 item 4 with issue 18 item 3; docs/multi-account.md, "The file
// systems' metrics"): each scope's file systems are read with that scope's
// session (its assumed role, signing for its region) and set beside that
// scope's flows only, exactly as one account's are (cli/metrics_flags.h).
//
// cmd_top.cc calls read_scope_metrics() once per scope (at most
// --scope-concurrency at once) after the scopes' rows are final, then
// merge_scope_metrics() once, in scope order.
#ifndef EFSTOP_CLI_SCOPE_METRICS_H_
#define EFSTOP_CLI_SCOPE_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/efs_api.h"
#include "enrich/fs_metrics.h"
#include "flowlog/aggregate.h"
#include "report/model.h"

namespace efstop::cli {

// What one scope's metrics are read from. The pointers are borrowed for the
// call: `client` is the scope's (assumed role, region), `efs` its EFS
// inventory (the file systems and the mount targets that tell which file
// system a flow is of), `pairs` its flows with per-bucket series at the
// grid's period (after --sample's apply_sample), `rows` the report's named
// rows, of which the scope's own (tagged with its account and region) give
// each client address its label in the saturation and costs.
struct ScopeMetricsInput {
  std::string account;  // "" for the caller's own account (--regions alone)
  std::string region;
  std::string label;  // "account 444455556666 us-west-2": how failures name the scope
  aws::AwsClient* client = nullptr;
  const aws::EfsInventory* efs = nullptr;
  const std::vector<flowlog::PairTotals>* pairs = nullptr;
  const std::vector<report::Row>* rows = nullptr;
};

// One scope's outcome: its file systems (each tagged with the scope's
// account and region), and the GetMetricData call that failed there, if
// any (with its scope; the file systems then carry the failure "*", and
// the report is partial, as in one account).
struct ScopeMetrics {
  std::vector<report::FileSystemMetrics> file_systems;
  std::optional<report::FailedCall> failed_call;
  int64_t calls = 0;  // GetMetricData calls made (pages included)
};

// Reads one scope's metrics. Never fails as a whole: a failed call is in
// `failed_call`. Thread-safe for distinct inputs (the AwsClient is shared
// safely).
ScopeMetrics read_scope_metrics(const ScopeMetricsInput& input, const enrich::BucketGrid& grid,
                                const enrich::AnalysisOptions& options);

// The scopes' file systems in scope order (each scope's in id order), and
// their failed calls in the same order.
void merge_scope_metrics(std::vector<ScopeMetrics> scopes,
                         std::vector<report::FileSystemMetrics>* file_systems,
                         std::vector<report::FailedCall>* failed_calls);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_SCOPE_METRICS_H_
