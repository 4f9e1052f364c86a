// The cloud-source flags of `efstop top` (--log-group, --s3, --method) and
// the step that reads flow logs from AWS when no local SOURCE is named:
// `efstop --profile p --region r --since 1h` finds the mount targets' flow
// logs (cloud/discovery.h) and reads them (cloud/cloud_reader.h).
//
// Local files override everything: with a SOURCE, these flags are a usage
// error. Cloud reads need a window; an open end defaults to now and an open
// start to one hour before the end (the AWS cost grows with the window).
// Not thread-safe (CLI setup).
#ifndef EFSTOP_CLI_CLOUD_FLAGS_H_
#define EFSTOP_CLI_CLOUD_FLAGS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/efs_api.h"
#include "cli/args.h"
#include "cloud/cloud_reader.h"
#include "core/result.h"
#include "core/source_scan.h"
#include "flowlog/engine.h"

namespace efstop::cli {

inline constexpr int64_t kDefaultCloudWindowS = 3600;

struct CloudFlags {
  std::vector<std::string> log_groups;  // --log-group (repeatable)
  std::string s3;                       // --s3 s3://bucket/prefix
  cloud::Method method = cloud::Method::kInsights;
  bool method_given = false;
  cloud::AthenaOptions athena;  // --athena-* (docs/athena.md)
  bool athena_given = false;    // some --athena-* flag was given
  // --s3-all-folders (top, with --accounts/--organization): a central
  // bucket's account folders no scope asks for are read too.
  bool s3_all_folders = false;

  bool any() const { return !log_groups.empty() || !s3.empty() || method_given || athena_given; }
};

// Whether a command reads through Athena: only `top` does (collect reads one
// bucket at a time, and doctor does not check Athena's permissions yet).
enum class AthenaChoice { kOffered, kNotOffered };

// Registers --log-group, --s3, --method and, when offered, the --athena-*
// flags in `group`. Without them, `--method athena` is refused by name.
void add_cloud_flags(OptionGroup* group, CloudFlags* flags,
                     AthenaChoice athena = AthenaChoice::kOffered);

// Fills an open window for a cloud read (see the file comment).
void default_cloud_window(int64_t now, std::optional<int64_t>* start, std::optional<int64_t>* end);

// Reads the flow logs from AWS for [start, end). `mount_targets`: when the
// caller already listed them (names), else discovery lists them. Notes and
// the per-source summary go to `err` unless `quiet`; S3 progress is redrawn
// on `err` when `err_is_tty`. Ctrl-C stops a running Insights query.
// `scans`, when given, gets what each destination's read cost appended
// (the report's "sources").
Result<flowlog::EngineResult> read_cloud_sources(
    const CloudFlags& flags, aws::AwsClient* client, const flowlog::EngineOptions& engine,
    int64_t start, int64_t end, const std::optional<std::vector<aws::MountTarget>>& mount_targets,
    std::ostream& err, bool quiet, bool err_is_tty, std::vector<SourceScan>* scans = nullptr);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_CLOUD_FLAGS_H_
