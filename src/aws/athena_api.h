// Amazon Athena (JSON 1.1, target AmazonAthena.<Op>; botocore model
// athena/2017-05-18): the five calls of the Athena pushdown for S3 flow logs
// (cloud/athena_runner.h). StartQueryExecution runs DDL and SELECTs alike.
// Errors: AwsClient's (kAuth naming athena:<Action>, kThrottled for
// TooManyRequestsException after the client's retries, kAwsError for
// InvalidRequestException...); kParse for an answer without the member the
// call exists for.
// Thread-safety: stateless; the AwsClient must outlive the calls.
#ifndef EFSTOP_AWS_ATHENA_API_H_
#define EFSTOP_AWS_ATHENA_API_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

struct AthenaQueryRequest {
  std::string sql;
  std::string database;   // QueryExecutionContext.Database ("" none)
  std::string workgroup;  // WorkGroup ("" the account's primary)
  std::string output;     // ResultConfiguration.OutputLocation ("" the workgroup's)
};

struct AthenaExecution {
  // QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED (the model's enum).
  std::string state;
  std::string reason;  // StateChangeReason, or AthenaError.ErrorMessage
  int64_t data_scanned_bytes = 0;
};

// One page of GetQueryResults: every row's cells, nullopt for a NULL (a
// Datum without VarCharValue). For a SELECT the first row of the first page
// is the column names.
struct AthenaResultPage {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string next_token;
};

class AthenaApi {
 public:
  explicit AthenaApi(AwsClient* client) : client_(client) {}

  // StartQueryExecution: the QueryExecutionId.
  Result<std::string> start_query(const AthenaQueryRequest& request);
  Result<AthenaExecution> get_query_execution(const std::string& id);
  // GetQueryResults, one page of at most `max_results` (1..1000) rows.
  Result<AthenaResultPage> get_query_results(const std::string& id, const std::string& token,
                                             int max_results = 1000);
  Status stop_query(const std::string& id);
  // GetWorkGroup: its ResultConfiguration.OutputLocation ("" when it has none).
  Result<std::string> workgroup_output(const std::string& workgroup);

 private:
  AwsClient* client_;
};

// Pure decoders (tests, fuzzing).
Result<AthenaExecution> parse_athena_execution(const nlohmann::json& answer);
Result<AthenaResultPage> parse_athena_results(const nlohmann::json& answer);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_ATHENA_API_H_
