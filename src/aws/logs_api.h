// Typed CloudWatch Logs calls (JSON 1.1) for reading VPC flow logs:
// Logs Insights (StartQuery, GetQueryResults, StopQuery), raw events
// (FilterLogEvents, one page at a time) and DescribeLogGroups.
//
// Units follow the API, which mixes them (a classic mistake): Insights
// start/end are epoch SECONDS, FilterLogEvents start/end epoch MILLISECONDS.
// The field names below say which.
//
// Errors: whatever AwsClient::call_json returns (kThrottled after retries,
// kAuth naming the IAM action, kNotFound for a missing log group, ...), and
// kParse when an answer lacks a member the call needs.
// Thread-safety: LogsApi may be used from several threads; it does not own
// the AwsClient, which must outlive it.
#ifndef EFSTOP_AWS_LOGS_API_H_
#define EFSTOP_AWS_LOGS_API_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

// Insights' documented row cap for one query (StartQuery limit 1..10000).
inline constexpr int kInsightsMaxRows = 10000;

struct StartQueryInput {
  std::vector<std::string> log_groups;  // 1..50 names (or ARNs)
  int64_t start_time_s = 0;             // epoch seconds, inclusive
  int64_t end_time_s = 0;               // epoch seconds, inclusive
  std::string query;                    // <= 10000 characters
  int limit = kInsightsMaxRows;
};

enum class QueryStatus { kScheduled, kRunning, kComplete, kFailed, kCancelled, kTimeout, kUnknown };
// "Complete", ... as the API spells it.
std::string_view query_status_name(QueryStatus status);

struct QueryStatistics {
  double records_matched = 0;
  double records_scanned = 0;
  double bytes_scanned = 0;
};

// One result row: (field, value) pairs in the order the service sent them;
// every value is a string, and a field without a value is omitted.
using QueryRow = std::vector<std::pair<std::string, std::string>>;

// One query as DescribeQueries lists it (botocore model logs
// DescribeQueries: queries[].queryId, queryString, status, createTime in
// epoch milliseconds, logGroupName; it does not give the time range).
struct QueryInfo {
  std::string id;
  std::string query_string;
  std::string status;
  int64_t create_time_ms = 0;
  std::string log_group;
};

struct QueryResults {
  QueryStatus status = QueryStatus::kUnknown;
  std::vector<QueryRow> rows;
  QueryStatistics statistics;
};

struct LogEvent {
  std::string log_stream_name;
  int64_t timestamp_ms = 0;
  std::string message;
};

struct FilterLogEventsInput {
  std::string log_group;
  std::vector<std::string> log_stream_names;  // at most 100; excludes the prefix
  std::string log_stream_name_prefix;
  std::optional<int64_t> start_time_ms;  // inclusive
  std::optional<int64_t> end_time_ms;    // inclusive
  std::string filter_pattern;
  std::string next_token;
  int limit = 0;  // 0: the service default (10,000)
};

struct FilterLogEventsPage {
  std::vector<LogEvent> events;
  // Empty when this was the last page. A page may be EMPTY and still carry a
  // token: only an absent token ends the read.
  std::string next_token;
};

struct LogGroupInfo {
  std::string name;
  std::string arn;
  int64_t stored_bytes = 0;
  int64_t creation_time_ms = 0;       // epoch milliseconds; 0 when not sent
  std::optional<int> retention_days;  // nullopt: events never expire
};

class LogsApi {
 public:
  explicit LogsApi(AwsClient* client) : client_(client) {}

  // Returns the query id. StartQuery is not idempotent: a failure after the
  // request may have reached the service (read timeout, reset) is not
  // retried but returned with `*maybe_started` (may be null) set, since a
  // query may be running that the caller never got the id of; the caller
  // finds it with describe_queries. Other failures retry as usual.
  Result<std::string> start_query(const StartQueryInput& input, bool* maybe_started = nullptr);
  // DescribeQueries for `log_group` with `status` ("Running", "Scheduled"):
  // one page of at most 1000, newest first.
  Result<std::vector<QueryInfo>> describe_queries(const std::string& log_group,
                                                  const std::string& status);
  Result<QueryResults> get_query_results(const std::string& query_id);
  // True when the service stopped the query (false: it had already ended).
  Result<bool> stop_query(const std::string& query_id);
  Result<FilterLogEventsPage> filter_log_events(const FilterLogEventsInput& input);
  // Every log group whose name starts with `prefix` (all pages). `error`,
  // when non-null, receives a failed call's AwsError.
  Result<std::vector<LogGroupInfo>> describe_log_groups(const std::string& prefix,
                                                        AwsError* error = nullptr);

 private:
  AwsClient* client_;
};

// Pure decoders of the answers (unit-tested on fixtures).
Result<QueryResults> parse_query_results(const nlohmann::json& answer);
Result<FilterLogEventsPage> parse_filter_log_events(const nlohmann::json& answer);
// Builds the FilterLogEvents request body (validates the 100-stream cap and
// the names/prefix exclusivity: kInvalidArgument).
Result<nlohmann::json> filter_log_events_request(const FilterLogEventsInput& input);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_LOGS_API_H_
