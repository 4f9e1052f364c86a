#include "cloud/insights_runner.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace efstop::cloud {

namespace {

constexpr int kMaxLostStarts = 2;
constexpr int64_t kOrphanClockSlackMs = 60 * 1000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string groups_text(const std::vector<std::string>& groups) {
  std::string s;
  for (const std::string& g : groups) s += (s.empty() ? "" : ",") + g;
  return s;
}

struct Slice {
  int64_t start = 0;
  int64_t end = 0;
};

// What one query over one slice gave.
struct SliceResult {
  bool split = false;  // incomplete (row limit, timeout): run the halves instead
  bool ended = false;  // the query ended (counts as a query, its bytes are billed)
  std::string query_id;
  aws::QueryStatistics statistics;
  std::vector<InsightsRecord> rows;
};

// A pool of `parallel` workers over a queue of slices. A slice that must be
// split puts its halves back in the queue; the run ends when the queue is
// empty and no slice is running, or at the first error, which stops the
// queries still running.
class Runner {
 public:
  Runner(aws::LogsApi* api, const InsightsRunOptions& o, std::string query)
      : api_(api), o_(o), query_(std::move(query)) {}

  Status run(InsightsRun* out) {
    // A long window starts as one slice per hour, up to `parallel`.
    const int parallel = std::max(1, o_.parallel);
    const int64_t span = o_.end_s - o_.start_s;
    const int64_t slices = std::clamp<int64_t>((span + 3599) / 3600, 1, parallel);
    for (int64_t i = 0; i < slices; ++i) {
      queue_.push_back({o_.start_s + span * i / slices, o_.start_s + span * (i + 1) / slices});
    }
    std::vector<std::thread> workers;
    for (int i = 0; i < parallel; ++i) workers.emplace_back([this] { work(); });
    for (std::thread& t : workers) t.join();

    if (interrupted()) {
      return io_error("logs insights on " + groups_text(o_.log_groups) + ": interrupted; " +
                      std::to_string(stopped_) + (stopped_ == 1 ? " query" : " queries") +
                      " stopped" + (stop_failures_.empty() ? "" : "; " + stop_failures_));
    }
    if (!status_.ok()) return status_;
    out->queries = queries_;
    out->splits = splits_;
    out->query_ids = query_ids_;
    out->billed_bytes_scanned = billed_bytes_;
    out->max_in_flight = max_in_flight_;
    out->orphans_stopped = orphans_stopped_;
    for (auto& [start, rows] : rows_by_start_) {
      for (InsightsRecord& r : rows) out->rows.push_back(std::move(r));
    }
    out->statistics = statistics_;
    return Status();
  }

 private:
  bool interrupted() const { return o_.interrupted != nullptr && o_.interrupted->load(); }
  bool should_stop() const { return failed_.load() || interrupted(); }

  void say(const std::string& line) {
    if (!o_.progress) return;
    std::lock_guard<std::mutex> lock(say_mu_);
    o_.progress(line);
  }

  // Sleeps `d`, waking early when the run must stop.
  void nap(std::chrono::milliseconds d) const {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!should_stop() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                             until - std::chrono::steady_clock::now()) +
                                             std::chrono::milliseconds(1)));
    }
  }

  void work() {
    for (;;) {
      Slice slice;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [&] { return failed_ || !queue_.empty() || active_ == 0; });
        if (failed_ || queue_.empty()) {
          ready_.notify_all();
          return;
        }
        slice = queue_.front();
        queue_.pop_front();
        ++active_;
        max_in_flight_ = std::max(max_in_flight_, active_);
      }
      SliceResult result;
      Status st = run_slice(slice, &result);
      std::lock_guard<std::mutex> lock(mu_);
      --active_;
      if (!result.query_id.empty()) query_ids_.push_back(result.query_id);
      if (result.ended) {
        ++queries_;
        billed_bytes_ += result.statistics.bytes_scanned;
      }
      if (!st.ok()) {
        if (status_.ok() && !interrupted()) status_ = st;
        failed_ = true;
      } else if (result.split) {
        ++splits_;
        const int64_t mid = slice.start + (slice.end - slice.start) / 2;
        queue_.push_back({slice.start, mid});
        queue_.push_back({mid, slice.end});
      } else if (result.ended) {
        statistics_.records_matched += result.statistics.records_matched;
        statistics_.records_scanned += result.statistics.records_scanned;
        statistics_.bytes_scanned += result.statistics.bytes_scanned;
        rows_by_start_[slice.start] = std::move(result.rows);
      }
      ready_.notify_all();
    }
  }

  Result<std::string> start_query(const Slice& slice) {
    aws::StartQueryInput in;
    in.log_groups = o_.log_groups;
    in.start_time_s = slice.start;
    in.end_time_s = slice.end - 1;  // Insights' end is inclusive, to the second
    in.query = query_;
    in.limit = o_.query.limit;
    std::chrono::milliseconds delay = o_.start_retry_delay;
    int lost = 0;
    for (int attempt = 0;; ++attempt) {
      bool maybe_started = false;
      Result<std::string> id = std::string();
      {
        std::lock_guard<std::mutex> one_at_a_time(start_mu_);
        const int64_t sent_ms = now_ms();
        id = api_->start_query(in, &maybe_started);
        if (id.ok()) {
          std::lock_guard<std::mutex> lock(mu_);
          own_ids_.insert(*id);
        } else if (maybe_started) {
          if (Status found = stop_orphans(sent_ms); !found.ok()) {
            return Status(id.status().code(),
                          id.status().message() + "; the query it may have started could not be " +
                              "looked for (" + found.message() +
                              "); check with `aws logs describe-queries --log-group-name " +
                              in.log_groups[0] + " --status Running` and stop it");
          }
        }
      }
      if (!id.ok() && maybe_started && ++lost <= kMaxLostStarts && !should_stop()) {
        say("logs insights: " + id.status().message() +
            "; the query it may have started was looked for and stopped; starting it again");
        continue;
      }
      if (id.ok() || id.status().code() != StatusCode::kThrottled || attempt >= o_.start_retries ||
          should_stop()) {
        return id;
      }
      // Too many concurrent Insights queries in the account (20 to 100):
      // wait for others to finish.
      say("logs insights: " + id.status().message() + "; retrying StartQuery in " +
          std::to_string(delay.count()) + " ms");
      nap(delay);
      delay *= 2;
    }
  }

  // Finds the query a lost StartQuery (sent at `sent_ms`) may have
  // started, and stops it (see the header: "Orphan queries"). Called with
  // start_mu_ held.
  Status stop_orphans(int64_t sent_ms) {
    for (const char* status : {"Scheduled", "Running"}) {
      EFSTOP_ASSIGN_OR_RETURN(std::vector<aws::QueryInfo> listed,
                              api_->describe_queries(o_.log_groups[0], status));
      for (const aws::QueryInfo& q : listed) {
        if (q.query_string != query_ || q.create_time_ms < sent_ms - kOrphanClockSlackMs) continue;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (own_ids_.count(q.id)) continue;
          own_ids_.insert(q.id);
        }
        Result<bool> stopped = api_->stop_query(q.id);
        std::lock_guard<std::mutex> lock(mu_);
        if (!stopped.ok()) {
          return stopped.status().with_context("StopQuery " + q.id + " (a lost StartQuery's)");
        }
        ++orphans_stopped_;
      }
    }
    return Status();
  }

  // Stops query `id` because the run is stopping (Ctrl-C, or another
  // slice failed).
  Status stop(const std::string& id, const std::string& what) {
    Result<bool> stopped = api_->stop_query(id);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped.ok()) {
      ++stopped_;
    } else {
      stop_failures_ += (stop_failures_.empty() ? "" : "; ") +
                        ("StopQuery " + id + " failed: " + stopped.status().message());
    }
    return io_error(what + ": stopped");
  }

  Status run_slice(const Slice& slice, SliceResult* out) {
    if (should_stop()) return io_error("logs insights: stopped");
    EFSTOP_ASSIGN_OR_RETURN(std::string id, start_query(slice));
    out->query_id = id;
    const std::string what = "logs insights query " + id + " on " + groups_text(o_.log_groups);
    std::chrono::milliseconds wait = o_.poll_initial;
    aws::QueryResults res;
    for (;;) {
      nap(wait);
      if (should_stop()) return stop(id, what);
      Result<aws::QueryResults> got = api_->get_query_results(id);
      if (!got.ok()) {
        // Its results could not be read: the query must not run on
        // (billed, and counting against the account's concurrency limit).
        (void)stop(id, what);
        return got.status();
      }
      res = std::move(got).value();
      if (res.status != aws::QueryStatus::kScheduled && res.status != aws::QueryStatus::kRunning)
        break;
      wait = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(wait.count() * 3 / 2),
                                                 o_.poll_max);
    }
    const int64_t span = slice.end - slice.start;
    switch (res.status) {
      case aws::QueryStatus::kComplete:
        break;
      case aws::QueryStatus::kTimeout:
        out->ended = true;
        out->statistics = res.statistics;
        if (span > o_.min_slice_s) {
          say(what + " timed out; splitting the time range");
          out->split = true;
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
    out->ended = true;
    out->statistics = res.statistics;
    if (static_cast<int64_t>(res.rows.size()) >= o_.query.limit) {
      // Insights stopped at the row limit: the rows are incomplete, drop them.
      if (span > o_.min_slice_s) {
        say(what + " reached the " + std::to_string(o_.query.limit) +
            "-row limit; splitting the time range");
        out->split = true;
        return Status();
      }
      return aws_error(what + ": more than " + std::to_string(o_.query.limit) +
                       " distinct flows in one " + std::to_string(span) +
                       " s slice; use --method raw");
    }
    for (const aws::QueryRow& row : res.rows) {
      Result<InsightsRecord> rec = parse_insights_row(row);
      if (!rec.ok()) return rec.status().with_context(what);
      out->rows.push_back(std::move(rec).value());
    }
    return Status();
  }

  aws::LogsApi* api_;
  const InsightsRunOptions& o_;
  const std::string query_;

  std::mutex say_mu_;
  std::mutex start_mu_;  // one StartQuery (and its orphan search) at a time
  std::mutex mu_;
  std::condition_variable ready_;
  std::atomic<bool> failed_{false};
  // Guarded by mu_.
  std::deque<Slice> queue_;
  int active_ = 0;
  int max_in_flight_ = 0;
  Status status_;
  int64_t queries_ = 0;
  int64_t splits_ = 0;
  int stopped_ = 0;
  std::string stop_failures_;
  std::set<std::string> own_ids_;  // every query id this run started or stopped
  int64_t orphans_stopped_ = 0;
  double billed_bytes_ = 0;
  aws::QueryStatistics statistics_;
  std::vector<std::string> query_ids_;
  std::map<int64_t, std::vector<InsightsRecord>> rows_by_start_;
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
  EFSTOP_RETURN_IF_ERROR(runner.run(&out));
  return out;
}

}  // namespace efstop::cloud
