// Test doubles for the AWS client: a scripted HttpTransport that records
// what was sent, a ClientEnv whose clock only moves when told (sleeps are
// recorded, never slept), and a fixed credentials provider.
#ifndef EFSTOP_TESTS_AWS_FAKE_TRANSPORT_H_
#define EFSTOP_TESTS_AWS_FAKE_TRANSPORT_H_

#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/client_env.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "fixtures/fixture.h"

namespace efstop::aws::testing {

// An AWS response body from tests/fixtures/responses (throws when missing).
inline std::string read_fixture(const std::string& name) {
  return efstop::testing::read_fixture("responses/" + name);
}

inline HttpOutcome http_answer(int status, std::string body, HttpHeaders headers = {}) {
  HttpOutcome o;
  o.response.status = status;
  o.response.body = std::move(body);
  o.response.body_bytes = static_cast<int64_t>(o.response.body.size());
  o.response.headers = std::move(headers);
  return o;
}

inline HttpOutcome network_failure(TransportFailure failure, std::string message) {
  HttpOutcome o;
  o.failure = failure;
  o.status = network_error(std::move(message));
  return o;
}

class FakeTransport final : public HttpTransport {
 public:
  // Each perform() pops the next scripted outcome; a 2xx body is passed to
  // the request's on_body when set (split at `stream_split` bytes: the
  // first part, then a failure when the outcome says so).
  void push(HttpOutcome outcome) { script_.push_back(std::move(outcome)); }
  // A 2xx stream that delivers `delivered` and then breaks.
  void push_broken_stream(std::string delivered, HttpHeaders headers) {
    HttpOutcome o = http_answer(200, std::move(delivered), std::move(headers));
    o.status = network_error("connection lost: reset by peer");
    o.failure = TransportFailure::kReset;
    script_.push_back(std::move(o));
  }

  HttpOutcome perform(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests.push_back(request);
    if (script_.empty())
      return network_failure(TransportFailure::kConnect, "fake: no scripted answer");
    HttpOutcome o = std::move(script_.front());
    script_.pop_front();
    if (request.on_body && o.response.status >= 200 && o.response.status < 300) {
      if (!o.response.body.empty() && !request.on_body(o.response.body)) {
        o.status = network_error("aborted by consumer");
        o.failure = TransportFailure::kAborted;
      }
      o.response.body.clear();
    }
    return o;
  }

  size_t remaining() const { return script_.size(); }
  std::vector<HttpRequest> requests;

 private:
  std::mutex mutex_;
  std::deque<HttpOutcome> script_;
};

class FakeEnv final : public ClientEnv {
 public:
  std::chrono::system_clock::time_point now() override {
    return wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                      std::chrono::duration<double>(mono));
  }
  double monotonic_seconds() override { return mono; }
  void sleep_for(std::chrono::duration<double> seconds) override {
    sleeps.push_back(seconds.count());
    mono += seconds.count();
  }
  double random_unit() override { return random; }

  std::chrono::system_clock::time_point wall = std::chrono::system_clock::from_time_t(1795000000);
  double mono = 1000.0;
  double random = 0.5;
  std::vector<double> sleeps;
};

class FixedCredentials final : public CredentialsProvider {
 public:
  FixedCredentials(std::string ak, std::string sk, std::string token) {
    creds_.access_key_id = std::move(ak);
    creds_.secret_access_key = std::move(sk);
    creds_.session_token = std::move(token);
    creds_.source = "test";
  }
  Result<Credentials> get() override { return creds_; }

 private:
  Credentials creds_;
};

}  // namespace efstop::aws::testing

#endif  // EFSTOP_TESTS_AWS_FAKE_TRANSPORT_H_
