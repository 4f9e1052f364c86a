#include "cli/scope_metrics.h"

#include <map>

#include "cli/metrics_flags.h"

namespace efstop::cli {

ScopeMetrics read_scope_metrics(const ScopeMetricsInput& input, const enrich::BucketGrid& grid,
                                const enrich::AnalysisOptions& options) {
  ScopeMetrics out;
  // A client address -> its name as this scope's rows show it (the same
  // address in another scope is another machine).
  std::map<std::string, std::string> labels;
  for (const report::Row& r : *input.rows) {
    if (!r.client || r.account != input.account || r.region != input.region) continue;
    for (const std::string& ip : r.client->ips) {
      labels[ip] = r.client->name.empty() ? ip : r.client->name;
    }
  }
  Status call;
  out.file_systems =
      read_fs_metrics(input.client, input.efs->file_systems, input.efs->mount_targets, *input.pairs,
                      labels, grid, options, &call, &out.calls);
  for (report::FileSystemMetrics& fs : out.file_systems) {
    fs.account = input.account;
    fs.region = input.region;
  }
  if (!call.ok()) {
    // Coverage, saturation and cost of this scope's file systems depend on
    // it; the other scopes' stand (docs/multi-account.md).
    out.failed_call =
        report::FailedCall{"cloudwatch:GetMetricData", call.message(), 0, input.label, true};
  }
  return out;
}

void merge_scope_metrics(std::vector<ScopeMetrics> scopes,
                         std::vector<report::FileSystemMetrics>* file_systems,
                         std::vector<report::FailedCall>* failed_calls) {
  for (ScopeMetrics& s : scopes) {
    for (report::FileSystemMetrics& fs : s.file_systems) file_systems->push_back(std::move(fs));
    if (s.failed_call) failed_calls->push_back(std::move(*s.failed_call));
  }
}

}  // namespace efstop::cli
