#include "aws/retry.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace efstop::aws {

Result<RetryMode> parse_retry_mode(std::string_view text) {
  if (text == "standard") return RetryMode::kStandard;
  if (text == "adaptive") return RetryMode::kAdaptive;
  if (text == "legacy") return RetryMode::kLegacy;
  return invalid_argument_error("retry mode '" + std::string(text) +
                                "' is not one of legacy, standard, adaptive");
}

std::string_view retry_mode_name(RetryMode mode) {
  switch (mode) {
    case RetryMode::kLegacy:
      return "legacy";
    case RetryMode::kStandard:
      return "standard";
    case RetryMode::kAdaptive:
      return "adaptive";
  }
  return "standard";
}

bool is_throttling_code(std::string_view code) {
  // botocore/retries/standard.py ThrottledRetryableChecker._THROTTLED_ERROR_CODES.
  static constexpr std::array<std::string_view, 14> kCodes = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

bool is_transient_code(std::string_view code) {
  // standard.py TransientRetryableChecker._TRANSIENT_ERROR_CODES (5xx
  // answers are retried by status whatever their code).
  static constexpr std::array<std::string_view, 3> kCodes = {
      "RequestTimeout",
      "RequestTimeoutException",
      "PriorRequestNotComplete",
  };
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

bool is_transient_status(int http_status) {
  return http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
}

double backoff_seconds(int attempt, double unit_random) {
  // standard.py ExponentialBackoff: rand * base^(attempt-1), capped at 20 s.
  constexpr double kMaxBackoff = 20.0;
  if (attempt < 1) attempt = 1;
  double exp = std::ldexp(1.0, std::min(attempt - 1, 30));
  return std::min(unit_random * exp, kMaxBackoff);
}

int RetryQuota::acquire(bool after_timeout) {
  std::lock_guard lock(mutex_);
  int cost = after_timeout ? kTimeoutRetryCost : kRetryCost;
  if (available_ < cost) return 0;
  available_ -= cost;
  return cost;
}

void RetryQuota::release(int refund) {
  std::lock_guard lock(mutex_);
  available_ = std::min(kMaxCapacity, available_ + (refund > 0 ? refund : kNoRetryIncrement));
}

int RetryQuota::available() const {
  std::lock_guard lock(mutex_);
  return available_;
}

ClientRateLimiter::ClientRateLimiter(ClientEnv* env) : env_(env) {
  // adaptive.py register_retry_handler: TokenBucket(max_rate=1),
  // CubicCalculator(starting_max_rate=0, start_time=now).
  const double now = env_->monotonic_seconds();
  max_rate_ = 1.0;
  last_throttle_time_ = now;
  rate_bucket_ = std::floor(now);
  k_ = std::cbrt(w_max_ * (1 - kBeta) / kScale);
}

void ClientRateLimiter::refill_locked(double now) {
  if (last_refill_ < 0) {
    last_refill_ = now;
    return;
  }
  tokens_ = std::min(capacity_, tokens_ + (now - last_refill_) * max_rate_);
  last_refill_ = now;
}

void ClientRateLimiter::set_rate_locked(double rate, double now) {
  refill_locked(now);
  max_rate_ = std::max(rate, kMinFillRate);
  capacity_ = rate >= 1.0 ? rate : kMinCapacity;
  tokens_ = std::min(tokens_, capacity_);
}

double ClientRateLimiter::update_measured_locked(double now) {
  // RateClocker: count sends in 0.5 s buckets, smooth 0.8 new / 0.2 old.
  const double bucket = std::floor(now / kBucketSeconds) * kBucketSeconds;
  ++rate_count_;
  if (bucket > rate_bucket_) {
    const double current = static_cast<double>(rate_count_) / (bucket - rate_bucket_);
    measured_rate_ = current * kSmooth + measured_rate_ * (1 - kSmooth);
    rate_count_ = 0;
    rate_bucket_ = bucket;
  }
  return measured_rate_;
}

void ClientRateLimiter::acquire() {
  std::unique_lock lock(mutex_);
  if (!enabled_) return;
  while (true) {
    refill_locked(env_->monotonic_seconds());
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return;
    }
    const double wait = (1.0 - tokens_) / max_rate_;
    lock.unlock();
    env_->sleep_for(std::chrono::duration<double>(wait));
    lock.lock();
  }
}

void ClientRateLimiter::on_response(bool throttled) {
  std::lock_guard lock(mutex_);
  const double now = env_->monotonic_seconds();
  const double measured = update_measured_locked(now);
  double new_rate;
  if (!throttled) {
    // CubicCalculator.success_received
    const double dt = now - last_throttle_time_;
    new_rate = kScale * std::pow(dt - k_, 3) + w_max_;
  } else {
    const double rate_to_use = enabled_ ? std::min(measured, max_rate_) : measured;
    // CubicCalculator.error_received
    w_max_ = rate_to_use;
    k_ = std::cbrt(w_max_ * (1 - kBeta) / kScale);
    last_throttle_time_ = now;
    new_rate = rate_to_use * kBeta;
    enabled_ = true;
  }
  set_rate_locked(std::min(new_rate, kMaxRateAdjust * measured), now);
}

bool ClientRateLimiter::enabled() const {
  std::lock_guard lock(mutex_);
  return enabled_;
}
double ClientRateLimiter::fill_rate() const {
  std::lock_guard lock(mutex_);
  return max_rate_;
}
double ClientRateLimiter::measured_rate() const {
  std::lock_guard lock(mutex_);
  return measured_rate_;
}

}  // namespace efstop::aws
