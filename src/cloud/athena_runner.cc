#include "cloud/athena_runner.h"

#include <algorithm>
#include <thread>

#include "aws/paginate.h"

namespace efstop::cloud {

namespace {

bool is_interrupted(const AthenaRunOptions& o) {
  return o.interrupted != nullptr && o.interrupted->load();
}

// Sleeps `d` in short steps; false when interrupted meanwhile.
bool wait_for(const AthenaRunOptions& o, std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (is_interrupted(o)) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(20), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           until - std::chrono::steady_clock::now())));
  }
  return !is_interrupted(o);
}

// Stops `id` and returns `why`, with the stop's own failure added to it.
Status stop_and_fail(aws::AthenaApi* api, const std::string& id, Status why) {
  Status stopped = api->stop_query(id);
  if (stopped.ok()) return why;
  return Status(why.code(), why.message() + " (and stop-query-execution " + id +
                                " failed: " + stopped.message() + ")");
}

}  // namespace

Result<AthenaRun> run_athena(aws::AthenaApi* api, const AthenaRunOptions& o) {
  AthenaRun run;
  if (is_interrupted(o)) return io_error("interrupted");
  EFSTOP_ASSIGN_OR_RETURN(run.id, api->start_query(o.request));
  std::chrono::milliseconds delay = o.poll_initial;
  for (;;) {
    if (is_interrupted(o)) {
      return stop_and_fail(api, run.id,
                           io_error("interrupted: athena query " + run.id + " stopped"));
    }
    Result<aws::AthenaExecution> ex = api->get_query_execution(run.id);
    ++run.polls;
    if (!ex.ok()) return stop_and_fail(api, run.id, ex.status());
    run.data_scanned_bytes = ex->data_scanned_bytes;
    if (ex->state == "SUCCEEDED") break;
    if (ex->state == "FAILED" || ex->state == "CANCELLED") {
      return aws_error(
          "athena query " + run.id + " " +
          (ex->state == "FAILED" ? std::string("failed") : std::string("was cancelled")) +
          (ex->reason.empty() ? std::string() : ": " + ex->reason));
    }
    if (!wait_for(o, delay)) {
      return stop_and_fail(api, run.id,
                           io_error("interrupted: athena query " + run.id + " stopped"));
    }
    delay = std::min(o.poll_max, std::chrono::milliseconds(delay.count() * 3 / 2));
  }
  if (!o.read_rows) return run;
  // Through aws::paginate: a NextToken handed back twice (a service or
  // proxy bug) fails the read instead of counting its pages again.
  const auto fetch = [&](const std::string& token) -> Result<std::string> {
    if (is_interrupted(o)) return io_error("interrupted");
    EFSTOP_ASSIGN_OR_RETURN(aws::AthenaResultPage page,
                            api->get_query_results(run.id, token, o.page_size));
    size_t first = 0;
    if (run.pages == 0) {
      if (page.rows.empty()) {
        return parse_error("get-query-results " + run.id + ": no header row");
      }
      for (const std::optional<std::string>& c : page.rows.front())
        run.header.push_back(c.value_or(""));
      first = 1;
    }
    ++run.pages;
    for (size_t i = first; i < page.rows.size(); ++i) run.rows.push_back(std::move(page.rows[i]));
    return page.next_token;
  };
  EFSTOP_RETURN_IF_ERROR(aws::paginate("get-query-results " + run.id, fetch).status());
  return run;
}

}  // namespace efstop::cloud
