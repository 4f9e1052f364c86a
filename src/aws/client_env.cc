#include "aws/client_env.h"

#include <mutex>
#include <random>
#include <thread>

namespace efstop::aws {
namespace {

class RealClientEnv final : public ClientEnv {
 public:
  std::chrono::system_clock::time_point now() override { return std::chrono::system_clock::now(); }
  double monotonic_seconds() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void sleep_for(std::chrono::duration<double> seconds) override {
    if (seconds.count() > 0) std::this_thread::sleep_for(seconds);
  }
  double random_unit() override {
    std::lock_guard lock(mutex_);
    return dist_(rng_);
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::uniform_real_distribution<double> dist_{0.0, 1.0};
};

}  // namespace

ClientEnv* default_client_env() {
  static RealClientEnv env;
  return &env;
}

}  // namespace efstop::aws
