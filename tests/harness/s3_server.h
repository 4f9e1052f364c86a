// s3rver (npm s3rver 3.7.1, a real S3-compatible server) for S3 tests.
//
// S3Server::start runs tests/harness/node_modules/.bin/s3rver on 127.0.0.1
// (a free port) with its data in a fresh temporary directory, creates the
// requested buckets, and stops it on destruction.
//
// s3rver 3.7.1 checks only the access key id of a SigV4 request, never the
// signature ("Signature version 4 calculation is unimplemented" in its
// authentication middleware). So by default (verify_signatures) url() is the
// test endpoint started in front of it with --s3-upstream: every S3 request
// is counted, can be faulted (endpoint()->inject_fault with "s3:GetObject"
// ...), has its signature checked by botocore's S3SigV4Auth (path as sent,
// x-amz-content-sha256 required and matched against the body, S3's error
// codes: SignatureDoesNotMatch, InvalidAccessKeyId, RequestTimeTooSkewed,
// AuthorizationHeaderMalformed for a wrong region, XAmzContentSHA256Mismatch)
// and is then relayed to s3rver unchanged. The only valid key pair is
// kS3rverAccessKeyId / kS3rverSecretAccessKey, signing region `region`,
// unless `front_scenario_path` names a whole endpoint scenario: the front then
// serves every service of that scenario (EC2, EFS, Logs, STS... as
// TestEndpoint does) next to S3, and S3 accepts that scenario's keys and the
// credentials it issues, so one client with one key pair and one endpoint
// URL reaches all of them. (s3rver only knows its own key id; behind the
// front it is preloaded with s3rver_preload.js, which maps any key id to
// its one account, since the front has already checked key and signature.)
// Unsigned requests pass as anonymous calls, which is how put_object() and
// get_object() upload and read fixtures.
//
// A test binary that crashes leaves nothing behind: s3rver (through
// exit_with_parent.js) and the front (--parent-pid) exit when it is gone.
//
// s3rver 3.7.1 leaves CommonPrefixes out for folders more than one level
// below the listed prefix; s3rver_preload.js corrects that (delimiter
// listings then come in one page; plain listings page with max-keys and
// continuation tokens as S3 does).
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
  // Put the signature-checking test endpoint in front of s3rver (see above).
  bool verify_signatures = true;
  // The region S3 requests must be signed for (ignored with
  // front_scenario_path: the scenario's regions apply).
  std::string region = "us-east-1";
  // With verify_signatures: the front serves this scenario file (e.g.
  // tests/endpoint/scenarios/default.json) instead of one holding only
  // s3rver's key pair.
  std::string front_scenario_path{};
  std::chrono::milliseconds start_timeout{20000};
};

class TestEndpoint;

class S3Server {
 public:
  // Starts s3rver; the error names a missing install (run
  // scripts/install-deps.sh) or carries s3rver's output.
  static Result<std::unique_ptr<S3Server>> start(const S3ServerOptions& options = {});
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // "http://127.0.0.1:<port>" (path-style: <url>/<bucket>/<key>): the
  // signature-checking front, or s3rver itself without verify_signatures.
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // s3rver's own address.
  const std::string& upstream_url() const { return upstream_url_; }
  // The front's control API (counts, faults); null without verify_signatures.
  TestEndpoint* endpoint() const { return front_.get(); }
  // Where s3rver keeps its files (removed on destruction).
  const std::string& data_dir() const { return data_dir_; }

  // Fixture helpers: unsigned calls straight to s3rver (not counted by the
  // front).
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
  std::string upstream_url_;
  std::string temp_dir_;
  std::string data_dir_;
  std::unique_ptr<TestEndpoint> front_;
};

}  // namespace efstop::testing

#endif  // EFSTOP_TESTS_HARNESS_S3_SERVER_H_
