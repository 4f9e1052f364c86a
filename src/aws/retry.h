// Retry policy: botocore's "standard" mode and its "adaptive" client-side
// rate limiter. Constants and rules from botocore 1.29.27 (Debian's
// python3-botocore: botocore/retries/{standard,quota,adaptive,bucket,
// throttling}.py), written down in docs/aws.md "Retries".
#ifndef EFSTOP_AWS_RETRY_H_
#define EFSTOP_AWS_RETRY_H_

#include <mutex>
#include <string_view>

#include "aws/client_env.h"
#include "core/result.h"

namespace efstop::aws {

enum class RetryMode { kLegacy, kStandard, kAdaptive };

struct RetryOptions {
  RetryMode mode = RetryMode::kStandard;
  int max_attempts = 3;  // total attempts, first one included
};

// "legacy" | "standard" | "adaptive" (case-sensitive as in botocore).
Result<RetryMode> parse_retry_mode(std::string_view text);
std::string_view retry_mode_name(RetryMode mode);

// Error codes (any service) that mean "slow down".
bool is_throttling_code(std::string_view code);
// Error codes that are transient server-side trouble.
bool is_transient_code(std::string_view code);
// HTTP statuses retried whatever the body says: 500, 502, 503, 504 (and 429
// counts as throttling).
bool is_transient_status(int http_status);

// Full-jitter exponential backoff: rand * 2^(attempt-1) seconds, capped at
// 20 s. `attempt` is the 1-based number of the attempt that just failed;
// `unit_random` is in [0, 1).
double backoff_seconds(int attempt, double unit_random);

// The retry quota (token bucket) shared by all calls of one client:
// capacity 500, a retry costs 5 (10 after a timeout), a success refunds the
// cost of the retry before it or adds 1. Thread-safe.
class RetryQuota {
 public:
  static constexpr int kMaxCapacity = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr int kNoRetryIncrement = 1;

  // Takes the cost of one retry; returns 0 (and takes nothing) when the
  // quota is exhausted, else the amount taken.
  int acquire(bool after_timeout);
  // Called after a successful response; `refund` is what the last acquire()
  // of this call took (0 when the call succeeded first time).
  void release(int refund);
  int available() const;

 private:
  mutable std::mutex mutex_;
  int available_ = kMaxCapacity;
};

// Adaptive mode's client-side rate limiter: a token bucket whose fill rate
// follows CUBIC (cut by 0.7 on throttling, cubic growth back otherwise,
// never above twice the measured send rate). It stays disabled until the
// first throttling answer. Thread-safe.
class ClientRateLimiter {
 public:
  explicit ClientRateLimiter(ClientEnv* env);

  // Blocks (through env->sleep_for) until a send token is available.
  void acquire();
  // Feeds the outcome of one attempt.
  void on_response(bool throttled);

  // For tests and --debug.
  bool enabled() const;
  double fill_rate() const;
  double measured_rate() const;

 private:
  static constexpr double kMinFillRate = 0.5;
  static constexpr double kMinCapacity = 1.0;
  static constexpr double kBeta = 0.7;
  static constexpr double kScale = 0.4;
  static constexpr double kSmooth = 0.8;
  static constexpr double kBucketSeconds = 0.5;
  static constexpr double kMaxRateAdjust = 2.0;

  void refill_locked(double now);
  void set_rate_locked(double rate, double now);
  double update_measured_locked(double now);

  ClientEnv* env_;
  mutable std::mutex mutex_;
  bool enabled_ = false;
  // Token bucket.
  double max_rate_ = 0.0;  // tokens per second
  double capacity_ = kMinCapacity;
  double tokens_ = kMinCapacity;
  double last_refill_ = -1.0;
  // CUBIC state.
  double w_max_ = 0.0;
  double last_throttle_time_ = 0.0;
  double k_ = 0.0;
  // Measured send rate.
  double measured_rate_ = 0.0;
  double rate_bucket_ = 0.0;
  int64_t rate_count_ = 0;
};

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_RETRY_H_
