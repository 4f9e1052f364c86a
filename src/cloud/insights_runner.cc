#include "cloud/insights_runner.h"

#include <algorithm>
#include <thread>

namespace efstop::cloud {

namespace {

bool is_interrupted(const InsightsRunOptions& o) {
  return o.interrupted != nullptr && o.interrupted->load();
}

// Sleeps `d`, waking early when interrupted.
void nap(const InsightsRunOptions& o, std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!is_interrupted(o) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           until - std::chrono::steady_clock::now()) +
                                           std::chrono::milliseconds(1)));
  }
}

std::string groups_text(const std::vector<std::string>& groups) {
  std::string s;
  for (const std::string& g : groups) s += (s.empty() ? "" : ",") + g;
  return s;
}

enum class SliceOutcome { kDone, kSplit };

class Runner {
 public:
  Runner(aws::LogsApi* api, const InsightsRunOptions& o, std::string query)
      : api_(api), o_(o), query_(std::move(query)) {}

  Status run(int64_t start, int64_t end, InsightsRun* out) {
    if (start >= end) return Status();
    SliceOutcome outcome;
    EFSTOP_RETURN_IF_ERROR(run_slice(start, end, out, &outcome));
    if (outcome == SliceOutcome::kDone) return Status();
    ++out->splits;
    const int64_t mid = start + (end - start) / 2;
    EFSTOP_RETURN_IF_ERROR(run(start, mid, out));
    return run(mid, end, out);
  }

 private:
  Result<std::string> start_query(int64_t start, int64_t end) {
    aws::StartQueryInput in;
    in.log_groups = o_.log_groups;
    in.start_time_s = start;
    in.end_time_s = end - 1;  // Insights' end is inclusive, to the second
    in.query = query_;
    in.limit = o_.query.limit;
    std::chrono::milliseconds delay = o_.start_retry_delay;
    for (int attempt = 0;; ++attempt) {
      Result<std::string> id = api_->start_query(in);
      if (id.ok() || id.status().code() != StatusCode::kThrottled || attempt >= o_.start_retries ||
          is_interrupted(o_)) {
        return id;
      }
      // Too many concurrent Insights queries in the account (20 to 100):
      // wait for others to finish.
      if (o_.progress) {
        o_.progress("logs insights: " + id.status().message() + "; retrying StartQuery in " +
                    std::to_string(delay.count()) + " ms");
      }
      nap(o_, delay);
      delay *= 2;
    }
  }

  Status run_slice(int64_t start, int64_t end, InsightsRun* out, SliceOutcome* outcome) {
    if (is_interrupted(o_)) return io_error("logs insights: interrupted");
    EFSTOP_ASSIGN_OR_RETURN(std::string id, start_query(start, end));
    out->query_ids.push_back(id);
    const std::string what = "logs insights query " + id + " on " + groups_text(o_.log_groups);
    std::chrono::milliseconds wait = o_.poll_initial;
    aws::QueryResults res;
    for (;;) {
      nap(o_, wait);
      if (is_interrupted(o_)) {
        Result<bool> stopped = api_->stop_query(id);
        return io_error(
            what + ": interrupted; " +
            (stopped.ok() ? "query stopped" : "StopQuery failed: " + stopped.status().message()));
      }
      EFSTOP_ASSIGN_OR_RETURN(res, api_->get_query_results(id));
      if (res.status != aws::QueryStatus::kScheduled && res.status != aws::QueryStatus::kRunning)
        break;
      wait = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(wait.count() * 3 / 2),
                                                 o_.poll_max);
    }
    const int64_t span = end - start;
    switch (res.status) {
      case aws::QueryStatus::kComplete:
        break;
      case aws::QueryStatus::kTimeout:
        if (span > o_.min_slice_s) {
          if (o_.progress) o_.progress(what + " timed out; splitting the time range");
          *outcome = SliceOutcome::kSplit;
          return Status();
        }
        return aws_error(what + ": timed out on a " + std::to_string(span) +
                         " s slice; use --method raw, or a shorter window");
      case aws::QueryStatus::kFailed:
        return aws_error(what +
                         ": the query failed (status Failed); check that the log group "
                         "holds flow logs in the expected format (--log-format), or use "
                         "--method raw");
      case aws::QueryStatus::kCancelled:
        return aws_error(what +
                         ": the query was cancelled (StopQuery from elsewhere, or the "
                         "console); run efstop again");
      default:
        return aws_error(what + ": unexpected query status " +
                         std::string(aws::query_status_name(res.status)));
    }
    ++out->queries;
    out->billed_bytes_scanned += res.statistics.bytes_scanned;
    if (static_cast<int64_t>(res.rows.size()) >= o_.query.limit) {
      // Insights stopped at the row limit: the rows are incomplete, drop them.
      if (span > o_.min_slice_s) {
        if (o_.progress) {
          o_.progress(what + " reached the " + std::to_string(o_.query.limit) +
                      "-row limit; splitting the time range");
        }
        *outcome = SliceOutcome::kSplit;
        return Status();
      }
      return aws_error(what + ": more than " + std::to_string(o_.query.limit) +
                       " distinct flows in one " + std::to_string(span) +
                       " s slice; use --method raw");
    }
    out->statistics.records_matched += res.statistics.records_matched;
    out->statistics.records_scanned += res.statistics.records_scanned;
    out->statistics.bytes_scanned += res.statistics.bytes_scanned;
    for (const aws::QueryRow& row : res.rows) {
      Result<InsightsRecord> rec = parse_insights_row(row);
      if (!rec.ok()) return rec.status().with_context(what);
      out->rows.push_back(std::move(rec).value());
    }
    *outcome = SliceOutcome::kDone;
    return Status();
  }

  aws::LogsApi* api_;
  const InsightsRunOptions& o_;
  std::string query_;
};

}  // namespace

Result<InsightsRun> run_insights(aws::LogsApi* api, const InsightsRunOptions& options) {
  if (options.log_groups.empty()) return invalid_argument_error("logs insights: no log group");
  if (options.end_s <= options.start_s) {
    return invalid_argument_error("logs insights: empty time range");
  }
  EFSTOP_ASSIGN_OR_RETURN(std::string query, build_insights_query(options.query));
  InsightsRun out;
  Runner runner(api, options, std::move(query));
  EFSTOP_RETURN_IF_ERROR(runner.run(options.start_s, options.end_s, &out));
  return out;
}

}  // namespace efstop::cloud
