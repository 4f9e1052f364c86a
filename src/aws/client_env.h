// Seams for time, sleeping and randomness used by signing and retries, so
// tests control the clock, never really sleep, and make jitter predictable
// (the idea of leveldb's Env).
#ifndef EFSTOP_AWS_CLIENT_ENV_H_
#define EFSTOP_AWS_CLIENT_ENV_H_

#include <chrono>

namespace efstop::aws {

// Implementations must be safe for concurrent use.
class ClientEnv {
 public:
  virtual ~ClientEnv() = default;
  // Wall-clock time (signing dates, clock-skew detection).
  virtual std::chrono::system_clock::time_point now() = 0;
  // Monotonic seconds for latency and the adaptive rate limiter.
  virtual double monotonic_seconds() = 0;
  virtual void sleep_for(std::chrono::duration<double> seconds) = 0;
  // A uniform random number in [0, 1).
  virtual double random_unit() = 0;
};

// The real clock, std::this_thread::sleep_for and a seeded PRNG. Lives for
// the whole program.
ClientEnv* default_client_env();

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CLIENT_ENV_H_
