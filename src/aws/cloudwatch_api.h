// Typed CloudWatch GetMetricData (query protocol, XML answers: the only
// protocol botocore 1.29.27's cloudwatch/2010-08-01 model knows) for the EFS
// file systems' own metrics (namespace AWS/EFS, dimension FileSystemId).
//
// One call carries at most 500 MetricDataQueries and 100,800 data points
// (the API reference); get_metric_data() splits the queries into batches
// that respect both, follows NextToken within each batch, and merges the
// pages of each query by its Id. A query's StatusCode is kept per query:
// PartialData on a page with a NextToken only means "more on the next
// page"; a query whose last page still says PartialData, or says
// InternalError or Forbidden, is reported as failed with its messages,
// never passed off as zero.
//
// Errors: whatever AwsClient::call_query returns (kAuth naming
// cloudwatch:GetMetricData when denied, kThrottled after the retries...),
// kParse when an answer cannot be read.
// Thread-safety: as AwsClient; CloudWatchApi does not own the client.
#ifndef EFSTOP_AWS_CLOUDWATCH_API_H_
#define EFSTOP_AWS_CLOUDWATCH_API_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

inline constexpr int kMaxMetricQueriesPerCall = 500;
inline constexpr int64_t kMaxDatapointsPerCall = 100800;

// One MetricStat query over one dimension.
struct MetricQuery {
  std::string id;  // [a-z][a-zA-Z0-9_]*, unique in a get_metric_data() call
  std::string namespace_name = "AWS/EFS";
  std::string metric_name;  // "DataReadIOBytes"
  std::string dimension_name = "FileSystemId";
  std::string dimension_value;  // "fs-0123..."
  std::string stat;             // "Sum", "Average", "Minimum", "Maximum"
  int period_s = 60;            // a multiple of 60
};

// The answer for one query, all pages merged, sorted by timestamp.
struct MetricSeries {
  std::string id;
  std::string label;
  std::vector<int64_t> timestamps;  // Unix seconds, the start of each period
  std::vector<double> values;
  std::string status_code;            // the last page's: Complete, PartialData, ...
  std::vector<std::string> messages;  // "Code: Value" of the query's messages
  bool complete() const { return status_code == "Complete"; }
};

struct MetricDataAnswer {
  std::vector<MetricSeries> series;  // in the order of the queries
  int64_t calls = 0;                 // GetMetricData requests made (pages)
};

class CloudWatchApi {
 public:
  explicit CloudWatchApi(AwsClient* client) : client_(client) {}

  // Every query over [start_s, end_s) (Unix seconds). Fails only when a
  // call fails; a query the service could not answer whole is in the answer
  // with its status (see the file comment).
  Result<MetricDataAnswer> get_metric_data(const std::vector<MetricQuery>& queries, int64_t start_s,
                                           int64_t end_s);

 private:
  AwsClient* client_;
};

// The query-protocol parameters of one GetMetricData page (exposed for
// tests): MetricDataQueries.member.N.*, StartTime, EndTime, NextToken.
QueryParams metric_data_params(const std::vector<MetricQuery>& queries, int64_t start_s,
                               int64_t end_s, const std::string& next_token);

// One page's results and its NextToken (exposed for tests).
struct MetricDataPage {
  std::vector<MetricSeries> results;
  std::string next_token;
};
Result<MetricDataPage> parse_metric_data_page(const XmlDocument& doc);

// How many queries of `points_per_query` data points fit in one call.
int metric_queries_per_call(int64_t points_per_query);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CLOUDWATCH_API_H_
