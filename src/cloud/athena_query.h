// The Athena pushdown for S3 flow logs (docs/athena.md): the table efstop
// creates over a flow log's S3 destination, the one aggregating SELECT it
// runs for a window, and the decoding of the SELECT's rows into weighted
// FlowRecords for the engine's aggregator.
//
// The table: one external table per definition, named after a hash of that
// definition ("efstop_flowlogs_<16 hex>", also kept as the table property
// 'efstop.definition'): the same bucket, prefix, region, accounts, layout
// and columns give the same name, so CREATE EXTERNAL TABLE IF NOT EXISTS
// reuses it, and any difference gives another table rather than a wrong one.
// Partition projection ('projection.enabled') computes the partitions from
// the query's WHERE, so no partition is ever added or repaired:
//   aws_account  enum of the account folders listed under AWSLogs/
//   year, month, day (, hour)  integers with 4/2/2 (/2) digits
//   storage.location.template  the delivery layout, plain
//     .../AWSLogs/${aws_account}/vpcflowlogs/<region>/${year}/${month}/${day}[/${hour}]
//   or Hive-compatible
//     .../AWSLogs/aws-account-id=${aws_account}/aws-service=vpcflowlogs/
//         aws-region=<region>/year=${year}/month=${month}/day=${day}[/hour=${hour}]
// Columns are the LogFormat's fields in order ('-' -> '_'), typed as AWS's
// own Athena integration types them (int / bigint / string); text is
// space-delimited with its header line skipped, Parquet is STORED AS PARQUET.
//
// The SELECT groups as the Logs Insights pushdown does (insights_query.h
// says why that grouping gives the same report as the records), plus two
// 0/1 keys, bytes_known and packets_known, so that rows of records with an
// unknown bytes or packets value stay apart and enter the engine unknown:
//   SELECT interface_id, srcaddr, dstaddr, action, log_status,
//          src_not_nfs, dst_not_nfs, in_window, bytes_known, packets_known,
//          sum(bytes), sum(packets), count(*), min(start), max(end)
//   FROM <table>
//   WHERE <the listed days (hours) as partition columns>
//     AND (log_status IN ('NODATA', 'SKIPDATA') OR <EFS filter>)
//   GROUP BY 1, ..., 10 ORDER BY 1, ..., 10
// The partitions are the ones the streaming path lists (s3_time_prefixes:
// the window widened by kS3MarginBeforeS / kS3MarginAfterS), the window on
// each record's start is the 0/1 key in_window, exactly as for Insights.
// The SQL uses only what Trino (Athena engine 3) and DuckDB both accept:
// double-quoted identifiers, CASE, IN lists, count/sum/min/max, GROUP BY
// and ORDER BY ordinals.
//
// Limits (the caller refuses or says them): the format must have every
// field of the default version-2 format; --bucket is not pushed down.
//
// All functions are pure and thread-safe.
#ifndef EFSTOP_CLOUD_ATHENA_QUERY_H_
#define EFSTOP_CLOUD_ATHENA_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloud/insights_query.h"
#include "core/result.h"
#include "flowlog/format.h"
#include "flowlog/ip_address.h"
#include "flowlog/sample.h"

namespace efstop::cloud {

// Athena bills a query by the bytes it scans: USD 5 per TB in us-east-1
// and most regions (https://aws.amazon.com/athena/pricing/, "SQL queries":
// "$5.00 per TB of data scanned"), each query at least 10 MB. docs/athena.md
// repeats this.
inline constexpr double kAthenaUsdPerTb = 5.0;
inline constexpr int64_t kAthenaMinBilledBytes = 10'000'000;

struct AthenaTable {
  std::string bucket;
  std::string prefix;  // the destination's folder ("" or ending in '/'), before AWSLogs/
  std::string region;  // the folder below vpcflowlogs/ (unused when `regions` is set)
  std::vector<std::string> accounts;  // account folders (12 digits), sorted
  // A table across regions (a central bucket read for many scopes): the
  // region folders, sorted, projected as the enum partition `aws_region`
  // in the location template instead of the one `region`.
  std::vector<std::string> regions;
  bool hive = false;
  bool per_hour = false;
  bool parquet = false;
  flowlog::LogFormat format = flowlog::LogFormat::default_v2();
};

// The table's name: "efstop_flowlogs_" + definition hash (16 hex digits).
std::string athena_table_name(const AthenaTable& table);

// CREATE EXTERNAL TABLE IF NOT EXISTS `database`.`name` (...). Errors
// (kInvalidArgument): a format lacking a field the query needs, no
// account, a name AWS would refuse.
Result<std::string> athena_create_table_sql(const AthenaTable& table, const std::string& database);

// DROP TABLE IF EXISTS `database`.`name`.
std::string athena_drop_table_sql(const std::string& database, const std::string& name);

struct AthenaSelectOptions {
  // Mount-target addresses; empty: the port-2049 rule (protocol 6).
  std::vector<flowlog::IpAddress> server_ips;
  int64_t window_start = 0;  // [window_start, window_end) on each record's start
  int64_t window_end = 0;
  // A read split into scopes (flowlog::EngineOptions::scopes; the table has
  // `regions`): see athena_select_sql. `server_ips` is then the union of
  // the scopes' mount targets, and `port_rule_too` says that some scope has
  // none (its records count by port 2049).
  bool scoped = false;
  bool port_rule_too = false;
  // Time buckets (flowlog::AggregateConfig::bucket_s; with --sample,
  // flowlog::sample_bucket_width): each record's bytes split per bucket
  // in the query, as the Logs Insights pushdown does (insights_query.h):
  // per-record columns span_s and bucket0 in an inner SELECT, the group
  // keys bucket0, end_known, beyond (and in_sample with `sample`), and the
  // sums upto_1..upto_K of the cumulative floor C at the next K bucket
  // boundaries, K = ceil(kInsightsMaxSpanS / bucket_s).
  int64_t bucket_s = 0;
  std::optional<flowlog::SampleSpec> sample;
  // --sample: only records whose start lies in these ranges (sorted,
  // disjoint: raw_events.h sample_event_ranges, each slice with the 11
  // minutes before it) are read, and only the partitions (days or hours,
  // with the listing's margins) that hold a range.
  std::optional<std::vector<std::pair<int64_t, int64_t>>> start_ranges;
};

// --sample: at most this many start ranges in the SELECT's WHERE (the
// closest are joined beyond it: merge_closest_ranges), which keeps the
// query text far below Athena's 262,144-byte limit.
inline constexpr size_t kAthenaMaxSampleRanges = 1000;

// The partition a delivered object's key is in, as s3_time_prefixes names
// them ("YYYY/MM/DD/", with `per_hour` "YYYY/MM/DD/HH/"), from its folder
// (plain ".../vpcflowlogs/<region>/YYYY/MM/DD/[HH/]..." or Hive
// ".../year=YYYY/month=MM/day=DD/[hour=HH/]..."); "" when it has none.
std::string s3_key_partition(std::string_view key, bool per_hour);

// The partitions (s3_time_prefixes: "YYYY/MM/DD/" or "YYYY/MM/DD/HH/") the
// SELECT reads: the window's, or with start_ranges those of the ranges.
std::vector<std::string> athena_partitions(const AthenaTable& table,
                                           const AthenaSelectOptions& options);

// With options.scoped, the query serves a read split into scopes
// (docs/athena.md, "Across accounts and regions"): the same keys, plus the
// inputs of the attribution rule, never the rule itself (which stays
// flowlog::route_to_scope): the record's account-id and region fields
// (record_account, record_region; NULL when the format lacks them) and its
// partition's folder (aws_account, aws_region); pruned by `aws_account IN`,
// `aws_region IN` and the days. Records outside the EFS filter are not
// left out by WHERE but collapsed: a 0/1 key `efs` and, when it is 0, the
// per-record keys (interface, addresses, action, status, ports) NULL, so
// they come back as one row per folder, fields and in_window, and the
// caller counts them (records, not_efs, outside_window, attribution) as
// streaming does, without a row per connection. Records with an unknown
// address are in the EFS side (the engine counts them unknown_address).
Result<std::string> athena_select_sql(const AthenaTable& table, const std::string& database,
                                      const AthenaSelectOptions& options);

// The scope columns of a row of a scoped SELECT.
struct AthenaRowScope {
  bool efs = true;            // false: a collapsed row of records outside the EFS filter
  bool in_window = true;      // the row's records start inside the window
  bool in_sample = true;      // --sample: the row's records meet a slice
  std::string account_field;  // "" when NULL
  std::string region_field;
  std::string key_account;  // the partition's folder
  std::string key_region;
};
Result<AthenaRowScope> parse_athena_row_scope(const std::vector<std::string>& header,
                                              const std::vector<std::optional<std::string>>& cells);

// Decodes one result row of the SELECT: `header` the column names (the
// first row of the first page), `cells` the values (nullopt: NULL). kParse
// names the column and value.
Result<InsightsRecord> parse_athena_row(const std::vector<std::string>& header,
                                        const std::vector<std::optional<std::string>>& cells);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_ATHENA_QUERY_H_
