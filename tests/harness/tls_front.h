// HTTPS in front of a plain-HTTP test server (the test endpoint): a fresh
// self-signed certificate for 127.0.0.1 and localhost (made with the openssl
// command), and tests/harness/tls_front.py (which scripts/release_check.sh
// uses too) relaying every TLS connection to the upstream port byte for byte, so requests reach the
// endpoint unchanged (Host header included: SigV4 signatures still verify).
//
// Not thread-safe: one owner.
#ifndef EFSTOP_TESTS_HARNESS_TLS_FRONT_H_
#define EFSTOP_TESTS_HARNESS_TLS_FRONT_H_

#include <memory>
#include <string>

#include "core/result.h"
#include "harness/harness_process.h"

namespace efstop::testing {

class TlsFront {
 public:
  // Starts the front for 127.0.0.1:`upstream_port`; errors carry the
  // openssl or relay output.
  static Result<std::unique_ptr<TlsFront>> start(int upstream_port);
  // Stops the relay and removes the certificate's directory.
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  // "https://127.0.0.1:<port>".
  const std::string& url() const { return url_; }
  // The certificate (PEM), the CA bundle that trusts it.
  std::string ca_bundle() const { return dir_ + "/cert.pem"; }

 private:
  TlsFront() = default;
  std::string dir_;
  std::string url_;
  ChildProcess relay_;
};

}  // namespace efstop::testing

#endif  // EFSTOP_TESTS_HARNESS_TLS_FRONT_H_
