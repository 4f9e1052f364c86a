#include "harness/tls_front.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace efstop::testing {

Result<std::unique_ptr<TlsFront>> TlsFront::start(int upstream_port) {
  EFSTOP_ASSIGN_OR_RETURN(std::string dir, make_temp_dir("efstop-tls-"));
  std::unique_ptr<TlsFront> front(new TlsFront());
  front->dir_ = dir;
  int code = -1;
  const std::string openssl_out = run_shell(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
          dir + "/key.pem' -out '" + dir + "/cert.pem' 2>&1",
      &code);
  if (code != 0) return io_error("openssl could not make a test certificate: " + openssl_out);
  // tls_front.py writes its ports into the state directory: tls_port (ours)
  // and proxy_port (a CONNECT proxy, unused here).
  const std::string port_file = dir + "/tls_port";
  const std::string log_file = dir + "/relay.log";
  EFSTOP_ASSIGN_OR_RETURN(
      front->relay_,
      ChildProcess::spawn(
          {"/usr/bin/python3", std::string(EFSTOP_SOURCE_DIR) + "/tests/harness/tls_front.py",
           dir + "/cert.pem", dir + "/key.pem", std::to_string(upstream_port), dir,
           std::to_string(getpid())},
          {"PYTHONDONTWRITEBYTECODE=1"}, log_file, log_file));
  for (int i = 0; i < 400; ++i) {
    const std::string port = read_file_or_empty(port_file);
    if (!port.empty()) {
      front->url_ = "https://127.0.0.1:" + port;
      return front;
    }
    if (front->relay_.has_exited()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return io_error("tls_front.py did not start; its output:\n" + read_file_or_empty(log_file));
}

TlsFront::~TlsFront() {
  relay_.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace efstop::testing
