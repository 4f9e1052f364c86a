// The report model: what efstop found, free of any output format.
//
// The CLI fills a vector of pair rows (one per client/server pair, straight
// from the flow-log engine) and the run's stats, then build_report()
// (shape.h) applies --min-bytes, --group-by, --sort and --top. The writers
// (writer.h) turn the result into table, TSV, CSV, JSON or NDJSON text.
// Nothing here knows about flow-log parsing or AWS: an end is a list of
// address strings plus optional descriptive fields that the AWS inventory
// fills later.
//
// Plain value types; thread-compatible.
#ifndef EFSTOP_REPORT_MODEL_H_
#define EFSTOP_REPORT_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bucket_bytes.h"
#include "core/source_scan.h"

namespace efstop::report {

// One end of a conversation (the client or the server). Only `ips` is
// always set; the other fields stay empty until something (the AWS
// inventory) knows them, and writers print only what is set.
struct End {
  // Usually one address. A row that merges several addresses (one instance
  // with several ENIs, later) lists them all, in ascending address order.
  std::vector<std::string> ips;
  std::string name;     // e.g. the Name tag; anyone can set it: writers sanitise
  std::string kind;     // e.g. "ec2-instance", "efs-mount-target", "lambda"
  std::string id;       // e.g. "i-0abc...", "fs-0123..."
  std::string az;       // e.g. "us-east-1a"
  std::string account;  // 12-digit account id

  friend bool operator==(const End&, const End&) = default;
};

// An end known only by one address.
inline End end_from_ip(std::string ip) {
  End end;
  end.ips.push_back(std::move(ip));
  return end;
}

// Counters of contract.md for one row. bytes_total is derived, never stored,
// so it cannot disagree with its parts.
struct Counters {
  int64_t bytes_read = 0;             // server -> client
  int64_t bytes_written = 0;          // client -> server
  int64_t packets = 0;                // both directions
  int64_t flows = 0;                  // used ACCEPT records
  int64_t rejected = 0;               // used REJECT records
  std::optional<int64_t> first_seen;  // Unix seconds: min start (nullopt: no start known)
  std::optional<int64_t> last_seen;   // Unix seconds: max end (nullopt: no end known)
  // Used ACCEPT records whose packets / bytes were unknown (`-`, or a format
  // without the field). `packets` is then the sum over the other records
  // only, and writers show it as unknown (JSON null, docs/json.md); unknown
  // bytes count as none (the flow counts).
  int64_t packets_unknown = 0;
  int64_t bytes_unknown = 0;

  // The packet sum is complete (no record's packets were unknown).
  bool packets_known() const { return packets_unknown == 0; }

  int64_t bytes_total() const { return bytes_read + bytes_written; }
  // Adds `other` into this: sums, min of first_seen, max of last_seen.
  void merge(const Counters& other);

  friend bool operator==(const Counters&, const Counters&) = default;
};

// A row's bytes in one time bucket [start, start + Report::bucket_s)
// (--bucket). The type flowlog's series are made of (flowlog::BucketBytes),
// so that they move into rows.
using BucketCell = efstop::BucketBytes;

// A row's bytes per bucket: sparse (only buckets with bytes), sorted by
// start, one cell per bucket. Its sums equal the row's bytes_read and
// bytes_written exactly (flow-counting.md, "Time buckets"); rows merged by
// any grouping merge their series, so that stays true. Writers lay it out
// dense over Report::series_start / series_buckets.
struct Series {
  std::vector<BucketCell> cells;

  // Adds `other` into this, bucket by bucket.
  void merge(const Series& other);
  // The cells of the `count` buckets of `width` from `start`, zeros
  // included; cells outside that range are left out (none are, for a
  // report's rows).
  std::vector<BucketCell> dense(int64_t start, int64_t width, int64_t count) const;
  // The busiest bucket's bytes (read + written); 0 when none.
  int64_t peak_bytes() const;

  friend bool operator==(const Series&, const Series&) = default;
};

// How rows are grouped. With kClient rows carry no server end, with kServer
// no client end.
enum class GroupBy { kPair, kClient, kServer };

// The descending sort key of the rows.
enum class SortKey { kTotal, kRead, kWritten, kPackets, kFlows, kRejected };

// --sample: the bytes actually counted inside the slices, before scaling.
struct SampledBytes {
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t bytes_total() const { return bytes_read + bytes_written; }
  friend bool operator==(const SampledBytes&, const SampledBytes&) = default;
};

// --sample SPAN/PERIOD (docs/flow-counting.md, "Sampling"): the rows' and
// totals' bytes are estimates, the sampled bytes times period / span.
struct SampleInfo {
  int64_t span_s = 0;
  int64_t period_s = 0;
  int64_t slices = 0;  // slices overlapping the window (or the records' time without one)
  double factor = 0;   // period_s / span_s
  SampledBytes sampled_totals;

  // True when the bucket [start, start + width) overlaps a slice; a
  // series' other buckets are absent (JSON null, no CSV line, blank
  // sparkline), not zero.
  bool covers_bucket(int64_t start, int64_t width) const {
    const int64_t r = ((start % period_s) + period_s) % period_s;
    // The slice of start's period, or the next one.
    const int64_t next = r < span_s ? start : start - r + period_s;
    return next < start + width;
  }
};

struct Row {
  // The account and region whose flow logs and names gave this row, when
  // the report spans several (--accounts, --organization, --regions:
  // docs/multi-account.md); empty otherwise. Rows of different scopes are
  // never merged: 10.0.1.5 in one account is not 10.0.1.5 in another.
  std::string account;
  std::string region;
  std::optional<End> client;  // absent when grouped by server
  std::optional<End> server;  // absent when grouped by client
  Counters counters;
  Series series;  // with --bucket only; empty otherwise
  // With --sample: counters' bytes are estimates; these are what was
  // counted. nullopt without --sample.
  std::optional<SampledBytes> sampled;
  // Cross-AZ figures (names on), worked out per client/server pair before
  // any merge, then summed: a pair whose ends' AZs are both known adds its
  // bytes to cross_az_bytes when the AZs differ (0 when not); a pair with an
  // unknown AZ adds them to cross_az_unknown_bytes instead, so a merged row
  // never passes unknown bytes off as same-AZ ones. cross_az_bytes is
  // nullopt when no pair of the row had both AZs known. Writers flag the row
  // and estimate its cost from Report::cross_az_usd_per_gib (a lower bound
  // when unknown bytes remain).
  std::optional<int64_t> cross_az_bytes;
  int64_t cross_az_unknown_bytes = 0;

  // Adds `other`'s cross-AZ figures into this row's.
  void merge_cross_az(const Row& other) {
    if (other.cross_az_bytes) cross_az_bytes = cross_az_bytes.value_or(0) + *other.cross_az_bytes;
    cross_az_unknown_bytes += other.cross_az_unknown_bytes;
  }
  // Some figure to show: names were on for this row.
  bool has_cross_az() const { return cross_az_bytes.has_value() || cross_az_unknown_bytes > 0; }
};

// Every counter of contract.md's stats object, in contract order.
struct Stats {
  int64_t lines = 0;
  int64_t records = 0;
  int64_t used = 0;
  int64_t skipped = 0;
  int64_t nodata = 0;
  int64_t skipdata = 0;
  int64_t not_efs = 0;
  int64_t outside_window = 0;
  int64_t duplicates = 0;
  int64_t below_min_bytes = 0;  // pairs dropped by --min-bytes (set by build_report)
  int64_t files = 0;
  int64_t files_failed = 0;
  // Last, so that positional initialisers of the members above stay valid
  // (JSON writes them in contract order, before below_min_bytes).
  int64_t unknown_address = 0;  // OK records with a `-` address: no pair to count them for
  int64_t unknown_bytes = 0;    // used ACCEPT records whose bytes were unknown (not a bucket)
  // A central bucket read across scopes (Report::attribution set): records
  // attributed to no scope read; JSON writes it only then.
  int64_t outside_scopes = 0;

  friend bool operator==(const Stats&, const Stats&) = default;
};

// Records whose account-id (or region) field put them in another scope
// than the folder their object is in (a shared VPC's flow log).
struct AttributionMove {
  std::string from_account;  // the folder's ("" when its key names none)
  std::string from_region;
  std::string account;  // the scope they are counted in
  std::string region;
  int64_t records = 0;
  int64_t bytes = 0;  // their `bytes` fields, all records (EFS or not)

  friend bool operator==(const AttributionMove&, const AttributionMove&) = default;
};

// Records attributed to an account and region the report does not read.
struct AttributionOutside {
  std::string account;
  std::string region;
  int64_t records = 0;
  int64_t bytes = 0;
  std::string reason;  // "not asked" or "scope failed"

  friend bool operator==(const AttributionOutside&, const AttributionOutside&) = default;
};

// An account folder of a central bucket that was not listed: none of its
// records were read (a shared VPC's records of asked accounts' ENIs in it
// are not counted; --s3-all-folders reads it).
struct UnreadFolder {
  std::string account;
  std::string prefix;  // "<prefix>AWSLogs/<folder>/" as listed
  std::string reason;  // "not asked" or "scope failed"

  friend bool operator==(const UnreadFolder&, const UnreadFolder&) = default;
};

// How the records of a central bucket were attributed to scopes
// (docs/multi-account.md); JSON stats.attribution. Text lines and Parquet
// rows alike.
struct Attribution {
  int64_t by_field = 0;  // records whose account-id or region field decided
  int64_t by_key = 0;    // records whose object's folder decided (no such field, or `-`)
  std::vector<AttributionMove> moved;
  std::vector<AttributionOutside> outside;
  std::vector<UnreadFolder> unread_folders;  // in key order
  int64_t unattributed_records = 0;          // no region in key nor field, several regions
  int64_t unattributed_bytes = 0;

  friend bool operator==(const Attribution&, const Attribution&) = default;
};

// A pair the cross-scope rule took from the scope that counted it to the
// scope owning its server's mount target (docs/multi-account.md, "A flow
// between two accounts").
struct CrossScopeMove {
  std::string from_account;  // the scope the records were counted in
  std::string from_region;
  std::string account;  // the mount target's scope: the row's
  std::string region;
  std::string action;  // "duplicate" (that scope counted the pair too) or "moved"
  int64_t pairs = 0;
  int64_t records = 0;  // used records of the pairs
  int64_t bytes = 0;    // their bytes (read + written)

  friend bool operator==(const CrossScopeMove&, const CrossScopeMove&) = default;
};

// Pairs kept in their scope: their server is a mount-target address of
// several other scopes (overlapping private ranges), so whose it is cannot
// be told.
struct CrossScopeAmbiguous {
  std::string account;  // where they stay
  std::string region;
  std::string server;
  std::vector<std::string> owners;  // the accounts with that mount-target address
  int64_t pairs = 0;
  int64_t records = 0;
  int64_t bytes = 0;

  friend bool operator==(const CrossScopeAmbiguous&, const CrossScopeAmbiguous&) = default;
};

// What the cross-scope rule did (JSON stats.cross_scope).
struct CrossScope {
  int64_t duplicates = 0;  // records found counted twice (in stats.duplicates too)
  int64_t moved = 0;       // records moved to their mount target's scope
  std::vector<CrossScopeMove> moves;
  std::vector<CrossScopeAmbiguous> ambiguous;
  // Addresses not found in their row's scope and named by another scope of
  // the same region.
  int64_t names_from_other_scopes = 0;

  friend bool operator==(const CrossScope&, const CrossScope&) = default;
};

// Why some IPs stayed unnamed (names on): one reason and how many IPs.
struct UnresolvedReason {
  std::string reason;  // "denied ec2:DescribeNetworkInterfaces", "not in the store (--offline)"
  int64_t ips = 0;
  std::string iam_action;  // the IAM action to grant when the reason is a denial, else empty

  friend bool operator==(const UnresolvedReason&, const UnresolvedReason&) = default;
};

// How every IP of the report got its name (docs/names.md): ips = the sum
// of the other counters.
struct NameStats {
  int64_t ips = 0;
  int64_t mount_targets = 0;
  int64_t looked_up = 0;
  int64_t cached = 0;
  int64_t from_history = 0;
  int64_t labelled = 0;
  int64_t external = 0;
  int64_t unresolved = 0;
  std::vector<UnresolvedReason> unresolved_reasons;  // by reason, ascending; ips sum to unresolved

  friend bool operator==(const NameStats&, const NameStats&) = default;
};

// An input (file, S3 object, log stream, query) that could not be read to
// the end, even after the retries: the report lacks its records.
struct FailedInput {
  std::string input;  // as the user knows it: a path, s3://bucket/key, log group/stream
  std::string error;  // what happened, in words, with the attempts made
  // A whole account or region not read (--accounts/--regions): none of its
  // files was listed, so none is in stats.files.
  bool scope = false;

  friend bool operator==(const FailedInput&, const FailedInput&) = default;
};

// A call the report depends on for more than its numbers (a naming call:
// DescribeNetworkInterfaces, DescribeInstances...) that failed even after
// its retries: every byte is there, but some ends lack their names.
struct FailedCall {
  std::string call;   // the IAM action, "ec2:DescribeInstances"
  std::string error;  // what happened, with the attempts made
  int64_t ips = 0;    // addresses it left unnamed (unresolved, or shown by id); 0: unknown
  // With --regions/--accounts: the scope whose names it lacks, as its
  // failed inputs name it ("account 444455556666 us-west-2", "us-west-2");
  // the other scopes' names are whole. Empty for a single-scope report.
  std::string scope{};
  // What the failure leaves short: the names (a naming call), or the file
  // systems' metrics (cloudwatch:GetMetricData, docs/metrics.md: coverage,
  // saturation and cost are not drawn without it; ips is 0 then).
  bool metrics = false;

  friend bool operator==(const FailedCall&, const FailedCall&) = default;
};

// The time window asked for; an open bound is nullopt. Unix seconds,
// start inclusive, end exclusive.
struct Window {
  std::optional<int64_t> start;
  std::optional<int64_t> end;
};

// Who wrote the report and how it was asked; the CLI fills it (JSON
// "efstop" and "query.group_by"), writers of other formats ignore it.
struct RunInfo {
  std::string version;               // "0.1.0"
  std::vector<std::string> command;  // "efstop" then the arguments as given
  std::string group_by;              // as asked: pair, client, server, fs, name or az
};

// The file systems' own CloudWatch metrics set beside the flows (issue 14,
// docs/metrics.md): filled by enrich/fs_metrics.h, written by the JSON
// writer ("file_systems") and as a summary under the table.
struct MetricFailure {
  std::string metric;   // "PercentIOLimit", or "*" when the whole call failed
  std::string status;   // "InternalError", "Forbidden", "PartialData", "NotReturned", "call failed"
  std::string message;  // what the service (or the call) said

  friend bool operator==(const MetricFailure&, const MetricFailure&) = default;
};

// Flow-log bytes at the file system's mount targets against the bytes EFS
// counted itself (DataReadIOBytes / DataWriteIOBytes, Sum), over the same
// whole buckets. A ratio is nullopt when the metric is 0 or missing.
struct Coverage {
  int64_t flow_read = 0;
  int64_t flow_written = 0;
  std::optional<double> metric_read;
  std::optional<double> metric_written;
  std::optional<double> ratio_read;     // flow_read / metric_read
  std::optional<double> ratio_written;  // flow_written / metric_written
  bool low_read = false;                // ratio below the warning threshold
  bool low_written = false;

  friend bool operator==(const Coverage&, const Coverage&) = default;
};

// Adjacent saturated buckets merged: [start, end), Unix seconds.
struct SaturationInterval {
  int64_t start = 0;
  int64_t end = 0;
  std::vector<std::string> reasons;  // "percent_io_limit", "throughput", "burst_credits_fell"

  friend bool operator==(const SaturationInterval&, const SaturationInterval&) = default;
};

// One client's flow bytes in the saturated buckets.
struct SaturationClient {
  std::string client;        // the row's client label (name, else address)
  int64_t bytes = 0;         // read + written in the saturated buckets
  int64_t window_bytes = 0;  // read + written in every bucket of the window
  double share_of_fs = 0;    // bytes / the file system's flow bytes in those buckets
  double share_of_own = 0;   // bytes / window_bytes

  friend bool operator==(const SaturationClient&, const SaturationClient&) = default;
};

// Elastic throughput: the data-access charge attributed to one client.
struct ClientCost {
  std::string client;
  double read_usd = 0;
  double write_usd = 0;
  double total_usd() const { return read_usd + write_usd; }
  // --sample: read_usd and write_usd are estimates (these x period / span);
  // these were worked out from the sampled buckets. nullopt without.
  std::optional<double> sampled_read_usd;
  std::optional<double> sampled_write_usd;

  friend bool operator==(const ClientCost&, const ClientCost&) = default;
};

// One metric of a file system per bucket of its grid (FileSystemMetrics
// period_s from start): nullopt where CloudWatch had no data point, never 0.
struct MetricValues {
  std::string metric;  // "PercentIOLimit"
  std::string stat;    // the statistic asked for: "Maximum"
  std::vector<std::optional<double>> values;

  friend bool operator==(const MetricValues&, const MetricValues&) = default;
};

struct FileSystemMetrics {
  // Across accounts and regions (docs/multi-account.md): the scope whose
  // file system it is, read with that scope's session; empty otherwise.
  std::string account;
  std::string region;
  std::string id;
  std::string name;
  std::string throughput_mode;  // bursting, provisioned, elastic ("" unknown)
  int64_t period_s = 0;
  int64_t start = 0;                    // first whole bucket
  int64_t end = 0;                      // end of the last whole bucket
  std::vector<MetricFailure> failures;  // metrics (or the call) that could not be read
  // Every metric answered, in enrich::efs_metric_specs() order; a failed
  // one has no entry (it is in failures).
  std::vector<MetricValues> series;
  Coverage coverage;
  // For the reader's checks (docs/metrics.md "Connections and metadata"):
  // the distinct client addresses with flow bytes at the file system's
  // mount targets in the grid (the CLI sets it: it sees the addresses);
  // the most clients connected in any bucket (ClientConnections Sum over
  // the bucket / its minutes: CloudWatch's point is one a minute), nullopt
  // when the metric failed or had no data point; MetadataIOBytes'
  // share of TotalIOBytes over the grid, nullopt when either failed or
  // TotalIOBytes is 0.
  int64_t flow_clients = 0;
  std::optional<double> peak_connections;
  std::optional<double> metadata_share;
  std::optional<double> metadata_bytes;  // MetadataIOBytes summed over the grid
  std::optional<double> total_io_bytes;  // TotalIOBytes summed over the grid
  // Data points CloudWatch returned for the file system, every metric of
  // `series` over the judged buckets. 0 with no failures means nothing to
  // judge: writers say no datapoints were returned, never "not at its
  // limit" (no I/O, a metric not yet published, or another region).
  int64_t datapoints = 0;
  // Periods compared (with --sample, those inside the slices), and of those
  // the periods in which at least one limit test had its data
  // (PercentIOLimit; MeteredIOBytes with PermittedThroughput; two
  // BurstCreditBalance points in a row). Only those are judged: with none,
  // writers say the limit was not judged, never "not at its limit".
  int64_t compared_buckets = 0;
  int64_t judged_buckets = 0;
  int64_t saturated_buckets = 0;
  std::vector<SaturationInterval> saturation;
  std::vector<SaturationClient> saturation_clients;  // by bytes, descending
  // Elastic only: the charge for DataReadIOBytes / DataWriteIOBytes at the
  // rates, what was attributed to clients, and what no client's flows
  // explain (a bucket with metric bytes but no flow bytes).
  std::optional<double> read_usd;
  std::optional<double> write_usd;
  double unattributed_usd = 0;
  std::vector<ClientCost> costs;  // by total, descending
  // --sample (docs/metrics.md, "With --sample"): only buckets inside the
  // slices were judged; these count the slices judged and those with a
  // saturated bucket (0 without a sample). When the costs above are
  // estimates, the sampled buckets' figures are kept here.
  int64_t sampled_slices = 0;
  int64_t saturated_slices = 0;
  std::optional<double> sampled_read_usd;
  std::optional<double> sampled_write_usd;
  std::optional<double> sampled_unattributed_usd;

  friend bool operator==(const FileSystemMetrics&, const FileSystemMetrics&) = default;
};

struct Report {
  // Set when the report spans several accounts / regions: every writer then
  // gives each row its account / region (JSON fields, CSV/TSV/NDJSON
  // columns; the table shows the column when the rows hold more than one).
  bool by_account = false;
  bool by_region = false;
  Window window;
  GroupBy group_by = GroupBy::kPair;
  SortKey sort_by = SortKey::kTotal;
  std::vector<Row> rows;   // sorted, at most --top of them
  int64_t total_rows = 0;  // rows before --top cut them
  Counters totals;         // summed over all total_rows rows, not just the shown ones
  // --bucket: the bucket width in seconds (0: no buckets). Every row's
  // series is laid out over the same buckets: series_buckets of them from
  // series_start, which is the window's first bucket to its last (the
  // bucket holding end - 1) when the window is closed on that side, else
  // the first / last bucket any row has bytes in (0 buckets when none),
  // widened to any bucket a row has bytes in.
  int64_t bucket_s = 0;
  int64_t series_start = 0;
  int64_t series_buckets = 0;
  Series totals_series;  // over all total_rows rows, like totals
  Stats stats;
  // Set when names are on; JSON gives it as stats.names.
  std::optional<NameStats> names;
  // Set for a central bucket read across scopes; JSON gives it as
  // stats.attribution (and stats.outside_scopes).
  std::optional<Attribution> attribution;
  // Set for a read across accounts; JSON gives it as stats.cross_scope.
  std::optional<CrossScope> cross_scope;
  // Free-text remarks for the reader ("no EFS traffic found ..."). The
  // table summary prints them; JSON carries them only when there are some.
  std::vector<std::string> notes;
  // Some input could not be read: the report shows what was read, and says
  // so (JSON "partial", the summary's first line). partial is true exactly
  // when failed_inputs or failed_calls is not empty or a file system's
  // metrics have failures (file_systems[].failures).
  bool partial = false;
  std::vector<FailedInput> failed_inputs;  // in input order
  std::vector<FailedCall> failed_calls;    // naming and metrics calls; JSON only when some
  // Price of one GiB crossing AZs (--cross-az-rate); used only for rows
  // with cross_az_bytes.
  double cross_az_usd_per_gib = 0.02;
  std::optional<RunInfo> run;
  // --metrics (reading from AWS): one entry per file system in the rows;
  // nullopt when metrics were not asked for (JSON leaves "file_systems" out).
  std::optional<std::vector<FileSystemMetrics>> file_systems;
  double efs_read_usd_per_gib = 0;  // the rates the costs used
  double efs_write_usd_per_gib = 0;
  // --sample: the bytes of rows and totals are estimates (set after
  // build_report, which sorted and summed the sampled bytes).
  std::optional<SampleInfo> sample;
  // Flow logs read from AWS: what each destination's read cost, in reading
  // order (scope order across scopes); nullopt for local files. The type is
  // core/source_scan.h, which cloud/ fills.
  std::optional<std::vector<SourceScan>> sources;
};

// The estimated cost of a row's cross-AZ bytes at `usd_per_gib`.
inline double cross_az_cost_usd(int64_t bytes, double usd_per_gib) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0) * usd_per_gib;
}

}  // namespace efstop::report

#endif  // EFSTOP_REPORT_MODEL_H_
