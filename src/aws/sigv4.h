// AWS Signature Version 4, each stage a separate function so the test
// suite (fixtures/sigv4) checks each step and a failure names it.
// Spec: docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-signing.html
// and the AWS SigV4 test suite; see docs/aws.md. All functions are pure and
// thread-safe. OpenSSL (SHA-256, HMAC) is used only in sigv4.cc.
#ifndef EFSTOP_AWS_SIGV4_H_
#define EFSTOP_AWS_SIGV4_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"

namespace efstop::aws {

inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Hex SHA-256 of `data` (lowercase).
std::string sha256_hex(std::string_view data);
// Raw HMAC-SHA256 (32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);

// What to sign. `path` and `query` are exactly as they go on the wire
// (already percent-encoded: "/a%20b", "x=1&y=%2F").
struct SigningInput {
  std::string method;
  std::string path;
  std::string query;         // without '?'
  HttpHeaders headers;       // must include host; x-amz-date is added by sign_request
  std::string payload_hash;  // hex SHA-256 of the body
};

struct SigningParams {
  std::string region;
  std::string service;  // signing name: "ec2", "s3"
  std::chrono::system_clock::time_point time;
  // S3 rules: the path is not normalised and not encoded a second time.
  bool s3_rules = false;
};

// "20150830T123600Z"
std::string amz_date(std::chrono::system_clock::time_point t);

// Canonical URI: normalised (., .., //) and encoded again unless s3_rules.
std::string canonical_uri(std::string_view path, bool s3_rules);
// Canonical query: pairs decoded, re-encoded, sorted by name then value.
std::string canonical_query(std::string_view query);
// Canonical headers block ("name:value\n" each, sorted, values trimmed and
// inner space runs collapsed, duplicates joined by ',') and the signed
// header list ("host;x-amz-date").
std::pair<std::string, std::string> canonical_headers(const HttpHeaders& headers);

std::string canonical_request(const SigningInput& input, bool s3_rules);
std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service);
std::string string_to_sign(std::string_view amz_date_value, std::string_view scope,
                           std::string_view canonical_request_text);
// The derived signing key (raw bytes).
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
// Hex signature.
std::string signature(std::string_view key, std::string_view string_to_sign_text);
std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature_hex);

// Signs `request` in place: adds X-Amz-Date, X-Amz-Security-Token (when the
// credentials have a session token; signed), x-amz-content-sha256 (S3) and
// Authorization. `request.url` must be absolute; its path and query are
// signed as they stand.
void sign_request(HttpRequest& request, const Credentials& credentials,
                  const SigningParams& params);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_SIGV4_H_
