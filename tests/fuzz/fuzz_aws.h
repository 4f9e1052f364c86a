// What the fuzz targets of AWS decoders share: a transport that answers
// every request with the same bytes, a ClientEnv that never sleeps, and
// fixed credentials to sign with.
#ifndef EFSTOP_TESTS_FUZZ_FUZZ_AWS_H_
#define EFSTOP_TESTS_FUZZ_FUZZ_AWS_H_

#include <chrono>
#include <string>

#include "aws/client_env.h"
#include "aws/credentials.h"
#include "aws/http.h"

namespace efstop::fuzz {

namespace aws = efstop::aws;

// Every request gets the same answer: `status` and the fuzz bytes.
class OneAnswerTransport final : public aws::HttpTransport {
 public:
  aws::HttpOutcome perform(const aws::HttpRequest& request) override {
    aws::HttpOutcome o;
    o.response.status = status;
    o.response.body = body;
    o.response.body_bytes = static_cast<int64_t>(body.size());
    if (request.on_body && status >= 200 && status < 300) {
      if (!body.empty() && !request.on_body(body)) {
        o.status = network_error("aborted by consumer");
        o.failure = aws::TransportFailure::kAborted;
      }
      o.response.body.clear();
    }
    return o;
  }
  int status = 200;
  std::string body;
};

// Never sleeps (a retried answer would otherwise cost real seconds).
class NoSleepEnv final : public aws::ClientEnv {
 public:
  std::chrono::system_clock::time_point now() override { return std::chrono::system_clock::now(); }
  double monotonic_seconds() override { return t_; }
  void sleep_for(std::chrono::duration<double> s) override { t_ += s.count(); }
  double random_unit() override { return 0.5; }

 private:
  double t_ = 0;
};

class FixedProvider final : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> get() override {
    aws::Credentials c;
    c.access_key_id = "AKIAFUZZFUZZFUZZFUZZ";
    c.secret_access_key = "fuzz-secret";
    c.source = "fuzz";
    return c;
  }
};

}  // namespace efstop::fuzz

#endif  // EFSTOP_TESTS_FUZZ_FUZZ_AWS_H_
