// Names for the ends of a report (issue 4), shared by `efstop top` and
// `efstop inventory`: the option group, opening the store and the fact
// source, and turning a report's IP rows into named (and, for --group-by
// name|az, merged) rows with cross-AZ bytes.
//
// Naming is on when any of --names, --inventory, --offline or --labels is
// given (docs/names.md):
//   --names           AWS (EC2, EFS) with the SQLite store as a cache;
//   --inventory FILE  a dump of `efstop inventory --output json`, no AWS call;
//   --offline         the store only, at any age;
//   --labels FILE     CIDR labels for addresses outside the account (alone:
//                     with the store, like --offline).
// Not thread-safe; one command at a time.
#ifndef EFSTOP_CLI_NAME_FLAGS_H_
#define EFSTOP_CLI_NAME_FLAGS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/aws_flags.h"
#include "core/result.h"
#include "enrich/resolver.h"
#include "report/model.h"

namespace efstop::cli {

// Default price of cross-AZ transfer: EC2 bills data moved between AZs of a
// region $0.01/GB on each side (out of one AZ, into the other), so a byte
// that crosses costs $0.02/GB in all (Amazon EC2 On-Demand pricing, "Data
// Transfer within the same AWS Region"). Override with --cross-az-rate.
inline constexpr double kDefaultCrossAzUsdPerGib = 0.02;

struct NameFlags {
  bool names = false;
  bool no_names = false;  // --no-names: keep addresses only, even when reading from AWS
  std::string inventory;  // --inventory FILE
  std::string labels;     // --labels FILE
  std::string cache_dir;  // --cache-dir DIR
  bool refresh = false;
  bool offline = false;
  std::string name_tag = "Name";
  int64_t cache_ttl_seconds = 3600;
  double cross_az_usd_per_gib = kDefaultCrossAzUsdPerGib;
  AwsFlags aws;

  bool enabled() const { return names || !inventory.empty() || offline || !labels.empty(); }
};

// Registers --names, --inventory, --labels, --cache-dir, --refresh,
// --offline, --name-tag, --cache-ttl and --cross-az-rate in `group`.
// (The AWS connection flags come from add_aws_flags, in their own group.)
// `set` leaves out flags a command does not use (collect has its own
// --cache-dir, and prices nothing).
struct NameFlagSet {
  bool cache_dir = true;
  bool cross_az_rate = true;
};
void add_name_flags(OptionGroup* group, NameFlags* flags, const NameFlagSet& set = {});

// Everything naming needs, opened once per command. The resolver and the
// fact source keep pointers to the inventory, the labels and the store, so
// each lives behind its own pointer: a Naming can be moved (it is returned in
// a Result) without moving what they point to.
struct Naming {
  std::unique_ptr<store::NameStore> store;
  std::optional<AwsSession> aws;
  std::unique_ptr<const enrich::Inventory> inventory;
  std::unique_ptr<const enrich::LabelTable> labels;
  std::unique_ptr<enrich::FactSource> source;
  std::unique_ptr<enrich::Resolver> resolver;
};

// Opens the store (a warning and no store if it cannot be opened: names
// still work, uncached), the dump or the AWS session, and the labels.
// Errors (kInvalidArgument / kNotFound / kParse) for bad flags or files.
// Warnings (bad label lines...) go to `err`.
// `session`, when given, is the AWS session to name with (one account and
// region of a multi-account report, cli/scope_flags.h) instead of one
// opened from `flags.aws`; `store_scope` keys the store's rows by it.
// `shared`, when given, is the store opened once for every scope of a run
// (open_shared_store): this Naming gets its view for `store_scope` instead
// of a connection of its own (none when the shared one could not be opened:
// its warning was given once).
struct SharedStore {
  std::unique_ptr<store::NameStore> store;  // null: no store (said when opened)
};
Result<Naming> open_naming(const NameFlags& flags, int64_t now, std::ostream& err,
                           const AwsSession* session = nullptr, const std::string& store_scope = "",
                           const SharedStore* shared = nullptr);

// Opens the store as open_naming does (a warning on `err` and no store when
// it cannot be opened; none with --inventory), once for many scopes: each
// scope's connection would hold descriptors of its own (docs/multi-account.md,
// "Scale").
SharedStore open_shared_store(const NameFlags& flags, std::ostream& err);

// How named rows are grouped before report::build_report. kFileSystem is
// the default with names (--group-by fs); kNone keeps one row per
// client/server address pair (--group-by pair, client or server).
enum class NameGrouping { kNone, kFileSystem, kName, kAz };

// Names both ends of every pair row (IPs -> names at the row's time),
// computes cross-AZ bytes per pair, and then merges rows: kFileSystem by
// (client address, file system; a server that is not an EFS mount target
// stays its own address), kName by (client kind + name, server file
// system), kAz by (client AZ, mount-target AZ), each merged end keeping all
// its IPs and summing the counters and cross-AZ bytes of its pairs. Prints the naming summary and
// warnings to `err` unless quiet. Returns the rows and the resolver's stats.
std::vector<report::Row> name_rows(std::vector<report::Row> rows, Naming& naming,
                                   const NameFlags& flags, NameGrouping grouping, bool quiet,
                                   std::ostream& err, enrich::ResolveStats* stats_out = nullptr);

// name_rows in steps, for a caller that resolves the addresses itself (a
// report across accounts asks another account's resolver for an address
// its own did not find: cli/cmd_top.cc): each address of `rows` with the
// latest time a row saw it (what Resolver::resolve takes), then the rows
// named from `resolved`, merged by `grouping`, and the naming summary told
// as name_rows tells it (`calls_aws`: the "names: AWS calls" line too).
std::map<std::string, int64_t> row_ip_times(const std::vector<report::Row>& rows);
std::vector<report::Row> name_rows_resolved(std::vector<report::Row> rows,
                                            enrich::ResolveResult resolved, bool calls_aws,
                                            NameGrouping grouping, bool quiet, std::ostream& err,
                                            enrich::ResolveStats* stats_out = nullptr);

// name_rows with the names already known (address -> name): fills the
// ends, decides cross-AZ bytes per pair, and merges by `grouping`, as
// name_rows does after resolving. `top --from-store` uses it with the names
// a collection stored.
std::vector<report::Row> apply_names(std::vector<report::Row> rows,
                                     const std::map<std::string, enrich::EndpointName>& names,
                                     NameGrouping grouping);

// The resolver's counters as the report's stats.names (JSON).
report::NameStats to_name_stats(const enrich::ResolveStats& stats);

// The naming calls that failed, for the report's partial marking.
std::vector<report::FailedCall> to_failed_calls(const enrich::ResolveStats& stats);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_NAME_FLAGS_H_
