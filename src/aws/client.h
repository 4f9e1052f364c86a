// AwsClient: signed, retried, logged calls to AWS services, one entry point
// per wire protocol. Typed API wrappers (ec2_api, efs_api, the credential
// providers' STS/SSO calls) build on this and never touch HTTP or SigV4.
//
// Every call: resolve the endpoint (endpoints.h), sign with SigV4 using the
// provider's current credentials (unless the request is unsigned), send,
// parse the service's error format into AwsError, and retry per retry.h
// (standard or adaptive mode, quota, full-jitter backoff, one re-signed
// retry after a clock-skew error). With ClientConfig::debug_log set, one
// line per attempt is logged; secrets never are.
//
// Errors come back as Status with the shape
//   "describe-network-interfaces us-east-1: <Code>: <message> (request id <id>)"
// and codes: kThrottled (still throttled after retries), kAuth (credentials,
// signature, expired token, denied: the message names the IAM action and
// whose policy to grant it in, the caller's or ClientConfig::iam_principal),
// kNotFound (the resource does not exist), kNetwork (connection, timeout),
// kIo (the request could not leave this process: out of descriptors or
// memory; never retried),
// kParse (an answer that could not be read), kAwsError (everything else).
//
// Thread-safety: AwsClient is safe for concurrent use from many threads;
// the transport bounds how many requests are in flight.
#ifndef EFSTOP_AWS_CLIENT_H_
#define EFSTOP_AWS_CLIENT_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/client_env.h"
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/retry.h"
#include "aws/service.h"
#include "aws/xml_util.h"
#include "core/result.h"

namespace efstop::aws {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// One logged line per attempt; never receives secrets.
using DebugLog = std::function<void(std::string_view line)>;

struct ClientConfig {
  std::string region;  // default region for calls (a request may override)
  EndpointOverrides endpoints;
  RetryOptions retry;
  DebugLog debug_log;  // --debug; null = quiet
  // Whose IAM policy a denied call asks to grant the action in: "" for the
  // caller's own; a client signing with an assumed member role (across
  // accounts, docs/multi-account.md) names the role's ARN, since granting
  // the caller would change nothing.
  std::string iam_principal;
};

// One error answer (or transport failure) from a service, parsed from any
// of the five wire formats.
struct AwsError {
  std::string service;    // signing name, "ec2"
  std::string operation;  // API name, "DescribeNetworkInterfaces"
  std::string region;
  int http_status = 0;  // 0 when no response arrived
  std::string code;     // "RequestLimitExceeded"; "HTTP 502" when the body had none
  std::string message;
  std::string request_id;
  bool retryable = false;
  bool throttling = false;
  bool clock_skew = false;
  std::string bucket_region;     // S3: x-amz-bucket-region of a redirect
  std::string iam_action;        // "ec2:DescribeNetworkInterfaces", named when denied
  std::string iam_principal;     // ClientConfig::iam_principal of the client that sent it
  HttpHeaders response_headers;  // of the failed attempt, when any arrived
  int attempts_made = 1;         // attempts made before giving up (send())
  // The request never left this process (TransportFailure::kLocal: no
  // descriptor, no memory): not retried, and its Status is kIo.
  bool local = false;
  // A request sent with AwsRequest::once_only broke after it may have
  // reached the service (a read timeout, a reset): it may have acted.
  bool maybe_acted = false;

  // The Status for this error (see the file comment for the mapping).
  // `attempts` > 1 adds "after N attempts" to throttling/transient errors.
  Status to_status(int attempts = 1) const;
};

// Parses an error response of `protocol` (body + headers) into AwsError.
// Never fails: unreadable bodies give code "HTTP <status>" and a short,
// sanitized excerpt as the message.
AwsError parse_error_response(Protocol protocol, const HttpResponse& response);

// True for the codes services answer a caller whose IAM policy does not
// allow the call (AccessDenied, AccessDeniedException, UnauthorizedOperation...).
bool is_access_denied_code(std::string_view code);

// True for the codes that say the request's credentials have expired
// (ExpiredToken, ExpiredTokenException, RequestExpired, TokenRefreshRequired):
// botocore's and the SDKs' "refresh the credentials and retry" codes.
bool is_expired_credentials_code(std::string_view code);

// The IAM action a caller needs for `operation` of `service`
// ("ec2:DescribeNetworkInterfaces"; S3 ListObjectsV2 -> "s3:ListBucket").
std::string iam_action(Service service, std::string_view operation);

// A protocol-neutral request. The protocol helpers below fill it in.
struct AwsRequest {
  Service service = Service::kSts;
  std::string operation;  // API name, for logs and errors
  std::string method = "POST";
  std::string path = "/";  // already percent-encoded, relative to the endpoint
  QueryParams query;       // not encoded
  HttpHeaders headers;     // extra headers (Content-Type, X-Amz-Target...)
  std::string body;
  std::string region;  // empty = ClientConfig::region
  bool sign = true;    // false for unsigned calls (web identity, SSO)
  // Prepended to the default endpoint's host (S3 virtual-hosted style,
  // "bucket."); ignored for custom endpoints.
  std::string host_prefix;
  // Streams a 2xx body (S3 GetObject). A failed attempt that already fed
  // bytes is not retried here (see get_object for resumption).
  BodySink on_body;
  const std::atomic<bool>* cancel = nullptr;  // HttpRequest::cancel
  // Not idempotent (StartQuery: each call starts a query): a failure after
  // the request may have reached the service is not retried, it is
  // returned with AwsError::maybe_acted for the caller to reconcile.
  // Failures before that (connect, DNS) and error answers retry as usual.
  bool once_only = false;
};

class AwsClient {
 public:
  // `credentials` may be null when only unsigned calls are made.
  // `env` defaults to default_client_env(); not owned; outlives the client.
  AwsClient(ClientConfig config, std::shared_ptr<CredentialsProvider> credentials,
            std::shared_ptr<HttpTransport> transport, ClientEnv* env = nullptr);

  AwsClient(const AwsClient&) = delete;
  AwsClient& operator=(const AwsClient&) = delete;

  const ClientConfig& config() const { return config_; }
  const std::string& region() const { return config_.region; }

  // Sends `request` with signing, retries and error parsing. On success the
  // 2xx response; on failure the Status and, if `error` is non-null, the
  // parsed AwsError of the last attempt.
  Result<HttpResponse> send(const AwsRequest& request, AwsError* error = nullptr);

  // EC2 query and query (STS) protocols: POST Action/Version + params
  // (already flattened: "Filter.1.Name", see add_filter()). Returns the
  // parsed XML answer.
  Result<XmlDocument> call_query(Service service, std::string_view action,
                                 const QueryParams& params, AwsError* error = nullptr);
  // Same, unsigned (STS AssumeRoleWithWebIdentity).
  Result<XmlDocument> call_query_unsigned(Service service, std::string_view action,
                                          const QueryParams& params, AwsError* error = nullptr);

  // JSON 1.1 (CloudWatch Logs): POST / with X-Amz-Target. `input` is the
  // operation's input object (an empty object when null).
  Result<nlohmann::json> call_json(Service service, std::string_view operation,
                                   const nlohmann::json& input, AwsError* error = nullptr,
                                   bool once_only = false);

  // REST-JSON (EFS, SSO): `path` relative to the endpoint, already encoded
  // ("/2015-02-01/file-systems"). An empty response body gives {}.
  // `headers` adds e.g. x-amz-sso_bearer_token; `sign` false for SSO.
  Result<nlohmann::json> call_rest_json(Service service, std::string_view operation,
                                        std::string_view method, std::string path,
                                        const QueryParams& query, const HttpHeaders& headers = {},
                                        bool sign = true, AwsError* error = nullptr);

  // S3 ListObjectsV2, one page. `continuation_token` empty for the first.
  struct S3Object {
    std::string key;
    int64_t size = 0;
    std::string last_modified;  // ISO 8601 as S3 sends it
    std::string etag;           // with its quotes removed
  };
  struct S3ListPage {
    std::vector<S3Object> objects;
    std::vector<std::string> common_prefixes;
    std::string next_continuation_token;  // empty when not truncated
  };
  // `error`, when non-null, receives the failed attempt's AwsError.
  Result<S3ListPage> s3_list_objects_v2(const std::string& bucket, const std::string& prefix,
                                        const std::string& continuation_token,
                                        const std::string& delimiter = "", int max_keys = 0,
                                        AwsError* error = nullptr);

  // S3 GetObject, streamed to `sink` as bytes arrive. `range_start`/`end`
  // select bytes (end inclusive; nullopt = to the end). A transfer that
  // fails midway is resumed with a Range request from the first byte not
  // yet delivered (and If-Match on the ETag), so the sink never sees a byte
  // twice. Returns the number of bytes delivered. `error`, when non-null,
  // receives the last failed attempt's AwsError.
  Result<int64_t> s3_get_object(const std::string& bucket, const std::string& key,
                                const BodySink& sink,
                                std::optional<int64_t> range_start = std::nullopt,
                                std::optional<int64_t> range_end = std::nullopt,
                                AwsError* error = nullptr,
                                const std::atomic<bool>* cancel = nullptr);

  // Seconds added to the local clock when signing (learned from a server's
  // Date header after a clock-skew error).
  double clock_offset_seconds() const { return clock_offset_.load(); }
  const RetryQuota& retry_quota() const { return quota_; }
  const ClientRateLimiter& rate_limiter() const { return limiter_; }

 private:
  struct Attempt;
  HttpRequest build_http_request(const AwsRequest& request, const Endpoint& endpoint,
                                 const Credentials* credentials) const;
  void log_attempt(const AwsRequest& request, const std::string& region, int attempt,
                   int http_status, double latency_s, const std::string& request_id,
                   std::string_view outcome) const;
  std::string bucket_region(const std::string& bucket) const;
  void remember_bucket_region(const std::string& bucket, const std::string& region);
  Result<HttpResponse> send_s3(AwsRequest request, const std::string& bucket, AwsError* error);

  ClientConfig config_;
  std::shared_ptr<CredentialsProvider> credentials_;
  std::shared_ptr<HttpTransport> transport_;
  ClientEnv* env_;
  RetryQuota quota_;
  ClientRateLimiter limiter_;
  std::atomic<double> clock_offset_{0.0};
  mutable std::mutex bucket_mutex_;
  std::map<std::string, std::string> bucket_regions_;  // guarded by bucket_mutex_
};

// EC2 filter flattening: appends Filter.N.Name=name and Filter.N.Value.M
// for each value, N being the next free filter number in `params`.
void add_filter(QueryParams& params, std::string_view name, const std::vector<std::string>& values);
// Appends Prefix.1=v1, Prefix.2=v2... (e.g. "NetworkInterfaceId").
void add_list(QueryParams& params, std::string_view prefix, const std::vector<std::string>& values);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_CLIENT_H_
