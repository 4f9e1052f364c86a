// The file systems' own CloudWatch metrics for `efstop top` (issue 14,
// docs/metrics.md): --metrics / --no-metrics, --efs-read-rate,
// --efs-write-rate, and the step that reads the metrics for the file
// systems of the report and sets them beside the flows.
//
// Metrics are on by default when the flow logs are read from AWS (no
// SOURCE), with or without names; with local files they are not read (the
// window and the account are the user's guess there), and --metrics is a
// usage error.
// Not thread-safe (CLI setup).
#ifndef EFSTOP_CLI_METRICS_FLAGS_H_
#define EFSTOP_CLI_METRICS_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/efs_api.h"
#include "cli/args.h"
#include "core/result.h"
#include "enrich/fs_metrics.h"
#include "flowlog/aggregate.h"
#include "report/model.h"

namespace efstop::cli {

// Elastic throughput data-access prices in us-east-1 (Amazon EFS pricing
// page, "Elastic Throughput": reads $0.03/GB, writes $0.06/GB).
inline constexpr double kDefaultEfsReadUsdPerGib = 0.03;
inline constexpr double kDefaultEfsWriteUsdPerGib = 0.06;

struct MetricsFlags {
  std::optional<bool> metrics;  // --metrics / --no-metrics; nullopt: the default
  double read_usd_per_gib = kDefaultEfsReadUsdPerGib;
  double write_usd_per_gib = kDefaultEfsWriteUsdPerGib;
  bool rate_given = false;
};

// Registers --metrics, --no-metrics, --efs-read-rate and --efs-write-rate.
void add_metrics_flags(OptionGroup* group, MetricsFlags* flags);

// The file systems' metrics set beside the flows in `pairs` (which carry
// per-bucket series of `grid`'s width): one entry per file system that a
// pair's server address belongs to (its mount targets), in id order.
// `client_label` names a client address (its name when known). A failed
// GetMetricData call is not an error here: every file system gets a failure
// "*" with the call's error (the caller prints it and marks the report
// partial), since the flows stand without the metrics.
std::vector<report::FileSystemMetrics> read_fs_metrics(
    aws::AwsClient* client, const std::vector<aws::FileSystem>& file_systems,
    const std::vector<aws::MountTarget>& mount_targets,
    const std::vector<flowlog::PairTotals>& pairs,
    const std::map<std::string, std::string>& client_label, const enrich::BucketGrid& grid,
    const enrich::AnalysisOptions& options, Status* call_status, int64_t* calls);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_METRICS_FLAGS_H_
