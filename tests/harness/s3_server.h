// s3rver (npm s3rver 3.7.1, a real S3-compatible server) for S3 tests.
//
// S3Server::start runs tests/harness/node_modules/.bin/s3rver on 127.0.0.1
// (a free port) with its data in a fresh temporary directory, creates the
// requested buckets, and stops it on destruction. s3rver checks SigV4
// signatures against its one built-in key pair (kS3rverAccessKeyId /
// kS3rverSecretAccessKey); unsigned requests are served anonymously, which
// is how put_object()/get_object() upload and read fixtures.
//
// Install with scripts/install-deps.sh (npm install in tests/harness).
// Thread-safety: as TestEndpoint.
#ifndef EFSTOP_TESTS_HARNESS_S3_SERVER_H_
#define EFSTOP_TESTS_HARNESS_S3_SERVER_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace efstop::testing {

inline constexpr char kS3rverAccessKeyId[] = "S3RVER";
inline constexpr char kS3rverSecretAccessKey[] = "S3RVER";

struct S3ServerOptions {
  std::vector<std::string> buckets{};  // created at start (path-style names)
  std::chrono::milliseconds start_timeout{20000};
};

class S3Server {
 public:
  // Starts s3rver; the error names a missing install (run
  // scripts/install-deps.sh) or carries s3rver's output.
  static Result<std::unique_ptr<S3Server>> start(const S3ServerOptions& options = {});
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // "http://127.0.0.1:<port>" (path-style: <url>/<bucket>/<key>).
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // Where s3rver keeps its files (removed on destruction).
  const std::string& data_dir() const { return data_dir_; }

  Status create_bucket(std::string_view bucket);
  // PUT <bucket>/<key> with `data` (key segments are URL-encoded here).
  Status put_object(std::string_view bucket, std::string_view key, std::string_view data);
  Result<std::string> get_object(std::string_view bucket, std::string_view key) const;
  // Path of the s3rver executable in the source tree.
  static std::string executable();

 private:
  S3Server() = default;
  std::string object_url(std::string_view bucket, std::string_view key) const;

  int port_ = 0;
  std::string url_;
  std::string temp_dir_;
  std::string data_dir_;
};

}  // namespace efstop::testing

#endif  // EFSTOP_TESTS_HARNESS_S3_SERVER_H_
