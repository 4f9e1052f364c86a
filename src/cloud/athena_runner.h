// Runs one Athena statement to its end: StartQueryExecution, then
// GetQueryExecution polled with backoff (poll_initial, x1.5, up to
// poll_max) until SUCCEEDED, FAILED or CANCELLED, then (when `read_rows`)
// GetQueryResults page by page; the first row of the first page is the
// header of a SELECT.
//
// A started query is never left running behind efstop: when `*interrupted`
// becomes true (Ctrl-C, install_interrupt_flag) or a call fails while the
// query runs (GetQueryExecution denied or failing after the client's
// retries), StopQueryExecution is called before the error is returned.
// Errors: kIo "interrupted" (the query stopped); kAwsError for a FAILED or
// CANCELLED query with Athena's reason; the calls' own errors otherwise.
// Thread-safety: one call per thread; the AthenaApi is shared safely.
#ifndef EFSTOP_CLOUD_ATHENA_RUNNER_H_
#define EFSTOP_CLOUD_ATHENA_RUNNER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/athena_api.h"
#include "core/result.h"

namespace efstop::cloud {

struct AthenaRunOptions {
  aws::AthenaQueryRequest request;
  bool read_rows = true;  // SELECT: read the result; DDL: no rows wanted
  std::chrono::milliseconds poll_initial{500};
  std::chrono::milliseconds poll_max{5000};
  int page_size = 1000;  // GetQueryResults MaxResults
  const std::atomic<bool>* interrupted = nullptr;
};

struct AthenaRun {
  std::string id;
  std::vector<std::string> header;
  std::vector<std::vector<std::optional<std::string>>> rows;  // header excluded
  int64_t data_scanned_bytes = 0;
  int64_t pages = 0;
  int64_t polls = 0;
};

Result<AthenaRun> run_athena(aws::AthenaApi* api, const AthenaRunOptions& options);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_ATHENA_RUNNER_H_
