#include "aws/client.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "aws/sigv4.h"

namespace efstop::aws {
namespace {

// Seconds between the server's Date header and `local`, or nullopt when the
// header is missing or unreadable. RFC 7231 IMF-fixdate.
std::optional<double> server_clock_offset(const HttpHeaders& headers,
                                          std::chrono::system_clock::time_point local) {
  std::string date;
  for (const auto& [name, value] : headers) {
    if (name.size() == 4 && (name[0] == 'D' || name[0] == 'd') &&
        (name[1] == 'a' || name[1] == 'A') && (name[2] == 't' || name[2] == 'T') &&
        (name[3] == 'e' || name[3] == 'E')) {
      date = value;
    }
  }
  if (date.empty()) return std::nullopt;
  std::tm tm{};
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  const std::time_t server = timegm(&tm);
  const double local_s = std::chrono::duration<double>(local.time_since_epoch()).count();
  return static_cast<double>(server) - local_s;
}

bool is_2xx(int status) { return status >= 200 && status < 300; }

std::string percent_decode_plain(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]);
      int lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

// Buckets usable as a DNS label in virtual-hosted style: lowercase letters,
// digits and '-', no dots (dots break the TLS wildcard certificate).
bool is_virtual_host_bucket(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

}  // namespace

AwsClient::AwsClient(ClientConfig config, std::shared_ptr<CredentialsProvider> credentials,
                     std::shared_ptr<HttpTransport> transport, ClientEnv* env)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)),
      env_(env ? env : default_client_env()),
      limiter_(env_) {
  if (config_.retry.max_attempts < 1) config_.retry.max_attempts = 1;
}

HttpRequest AwsClient::build_http_request(const AwsRequest& request, const Endpoint& endpoint,
                                          const Credentials* credentials) const {
  HttpRequest http;
  http.method = request.method;
  std::string base = endpoint.url;
  if (!endpoint.is_custom && !request.host_prefix.empty()) {
    size_t host_start = base.find("://") + 3;
    base.insert(host_start, request.host_prefix);
  }
  http.url = base + (request.path.empty() ? "/" : request.path);
  if (!request.query.empty()) http.url += "?" + form_encode(request.query);
  http.headers = request.headers;
  http.body = request.body;
  http.on_body = request.on_body;
  http.cancel = request.cancel;
  if (credentials != nullptr) {
    const ServiceInfo& info = service_info(request.service);
    SigningParams params;
    params.region = endpoint.signing_region;
    params.service = std::string(info.signing_name);
    params.s3_rules = request.service == Service::kS3;
    const double offset = clock_offset_.load();
    params.time = env_->now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                    std::chrono::duration<double>(offset));
    sign_request(http, *credentials, params);
  }
  return http;
}

void AwsClient::log_attempt(const AwsRequest& request, const std::string& region, int attempt,
                            int http_status, double latency_s, const std::string& request_id,
                            std::string_view outcome) const {
  if (!config_.debug_log) return;
  // Deliberately no URL, headers or body: they can carry tokens.
  char latency[32];
  std::snprintf(latency, sizeof(latency), "%.3f", latency_s);
  std::string line =
      "debug: aws " + std::string(service_info(request.service).signing_name) + " " +
      request.operation + " region=" + region + " attempt=" + std::to_string(attempt) +
      " status=" + (http_status ? std::to_string(http_status) : std::string("-")) +
      " latency=" + latency + "s request_id=" + (request_id.empty() ? "-" : request_id) +
      " outcome=" + std::string(outcome);
  config_.debug_log(line);
}

Result<HttpResponse> AwsClient::send(const AwsRequest& request, AwsError* error_out) {
  const ServiceInfo& info = service_info(request.service);
  const std::string region = request.region.empty() ? config_.region : request.region;
  const std::string what =
      cli_operation_name(request.operation) + (region.empty() ? "" : " " + region);
  auto endpoint = resolve_endpoint(request.service, region, config_.endpoints);
  if (!endpoint.ok()) return endpoint.status().with_context(what);

  const bool adaptive = config_.retry.mode == RetryMode::kAdaptive;
  const int max_attempts = config_.retry.max_attempts;
  int attempt = 0;
  int last_retry_cost = 0;
  bool skew_retry_used = false;
  bool refresh_retry_used = false;
  while (true) {
    ++attempt;
    if (adaptive) limiter_.acquire();
    std::optional<Credentials> creds;
    if (request.sign) {
      if (!credentials_) return auth_error(what + ": no credentials provider configured");
      auto got = credentials_->get();
      if (!got.ok()) return got.status().with_context(what);
      creds = std::move(*got);
    }
    HttpRequest http = build_http_request(request, *endpoint, creds ? &*creds : nullptr);
    const double t0 = env_->monotonic_seconds();
    HttpOutcome outcome = transport_->perform(http);
    const double latency = env_->monotonic_seconds() - t0;

    AwsError err;
    err.service = std::string(info.signing_name);
    err.operation = request.operation;
    err.region = region;
    err.iam_action = iam_action(request.service, request.operation);
    err.iam_principal = config_.iam_principal;
    bool after_timeout = false;
    if (outcome.status.ok() && is_2xx(outcome.response.status)) {
      std::string request_id;
      for (const char* h : {"x-amzn-RequestId", "x-amz-request-id", "x-amzn-request-id"}) {
        if (auto v = outcome.response.header(h)) {
          request_id = *v;
          break;
        }
      }
      log_attempt(request, region, attempt, outcome.response.status, latency, request_id, "ok");
      quota_.release(last_retry_cost);
      if (adaptive) limiter_.on_response(false);
      return std::move(outcome.response);
    }
    if (!outcome.status.ok()) {
      err.http_status = 0;
      err.code = "NetworkError";
      err.message = outcome.status.message();
      err.response_headers = outcome.response.headers;
      after_timeout = outcome.failure == TransportFailure::kTimeout;
      const bool streamed_bytes =
          request.on_body && is_2xx(outcome.response.status) && outcome.response.body_bytes > 0;
      // A local failure (no descriptor, no memory) is not a network hiccup:
      // another attempt after a backoff would only fail alike, later.
      err.local = outcome.failure == TransportFailure::kLocal;
      err.retryable = outcome.failure != TransportFailure::kTls &&
                      outcome.failure != TransportFailure::kAborted && !err.local &&
                      !streamed_bytes;
      if (request.once_only && outcome.failure != TransportFailure::kConnect &&
          outcome.failure != TransportFailure::kTls && !err.local) {
        err.maybe_acted = true;
        err.retryable = false;
      }
      log_attempt(request, region, attempt, outcome.response.status, latency, "",
                  after_timeout ? "timeout"
                  : err.local   ? "local-error"
                                : "network-error");
    } else {
      AwsError parsed = parse_error_response(info.protocol, outcome.response);
      parsed.service = err.service;
      parsed.operation = err.operation;
      parsed.region = err.region;
      parsed.iam_action = err.iam_action;
      parsed.iam_principal = err.iam_principal;
      err = std::move(parsed);
      // Auth errors that are really a wrong clock: the server's Date says so.
      const auto offset = server_clock_offset(err.response_headers, env_->now());
      if (!err.clock_skew && offset &&
          (err.code == "SignatureDoesNotMatch" || err.code == "InvalidSignatureException" ||
           err.code == "AuthFailure") &&
          std::fabs(*offset - clock_offset_.load()) > 240) {
        err.clock_skew = true;
      }
      log_attempt(request, region, attempt, err.http_status, latency, err.request_id, err.code);
    }
    if (adaptive) limiter_.on_response(err.throttling);

    if (err.clock_skew && !skew_retry_used) {
      // Re-sign with the server's clock and try once more; this does not
      // count against max_attempts (botocore-style skew correction).
      const auto offset = server_clock_offset(err.response_headers, env_->now());
      if (offset) {
        clock_offset_.store(clock_offset_.load() + *offset);
        skew_retry_used = true;
        --attempt;
        continue;
      }
    }
    if (creds && !refresh_retry_used && is_expired_credentials_code(err.code) &&
        credentials_->invalidate(*creds)) {
      // Refused as expired before the provider thought they would be
      // (revoked, rotated, a clock ahead): fetch new credentials and try
      // once more, outside max_attempts. Long-term keys are not retried.
      if (config_.debug_log) {
        config_.debug_log("debug: aws " + std::string(info.signing_name) + " " + request.operation +
                          ": " + err.code + ": refreshing the credentials and retrying once");
      }
      refresh_retry_used = true;
      --attempt;
      continue;
    }
    err.attempts_made = attempt;
    if (!err.retryable || attempt >= max_attempts) {
      if (error_out) *error_out = err;
      return err.to_status(attempt);
    }
    const int cost = quota_.acquire(after_timeout);
    if (cost == 0) {
      if (error_out) *error_out = err;
      Status s = err.to_status(attempt);
      return Status(s.code(),
                    s.message() + " (retry quota exhausted: too many failures in this run)");
    }
    last_retry_cost = cost;
    env_->sleep_for(std::chrono::duration<double>(backoff_seconds(attempt, env_->random_unit())));
  }
}

namespace {

// The POST of an EC2/query protocol call: Action and Version, then `params`,
// form-encoded.
AwsRequest make_query_request(Service service, std::string_view action, const QueryParams& params) {
  AwsRequest request;
  request.service = service;
  request.operation = std::string(action);
  QueryParams all{{"Action", std::string(action)},
                  {"Version", std::string(service_info(service).api_version)}};
  all.insert(all.end(), params.begin(), params.end());
  request.body = form_encode(all);
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  return request;
}

// The XML answer of a query call, or a parse error naming the call.
Result<XmlDocument> parse_query_answer(const HttpResponse& response, std::string_view action,
                                       const std::string& region) {
  auto doc = XmlDocument::parse(response.body);
  if (!doc.ok()) return doc.status().with_context(cli_operation_name(action) + " " + region);
  return doc;
}

}  // namespace

Result<XmlDocument> AwsClient::call_query(Service service, std::string_view action,
                                          const QueryParams& params, AwsError* error) {
  EFSTOP_ASSIGN_OR_RETURN(HttpResponse response,
                          send(make_query_request(service, action, params), error));
  return parse_query_answer(response, action, config_.region);
}

Result<XmlDocument> AwsClient::call_query_unsigned(Service service, std::string_view action,
                                                   const QueryParams& params, AwsError* error) {
  AwsRequest request = make_query_request(service, action, params);
  request.sign = false;
  EFSTOP_ASSIGN_OR_RETURN(HttpResponse response, send(request, error));
  return parse_query_answer(response, action, config_.region);
}

Result<nlohmann::json> AwsClient::call_json(Service service, std::string_view operation,
                                            const nlohmann::json& input, AwsError* error,
                                            bool once_only) {
  const ServiceInfo& info = service_info(service);
  AwsRequest request;
  request.once_only = once_only;
  request.service = service;
  request.operation = std::string(operation);
  request.body = input.is_null() ? "{}" : input.dump();
  request.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  request.headers.emplace_back("X-Amz-Target",
                               std::string(info.target_prefix) + "." + std::string(operation));
  EFSTOP_ASSIGN_OR_RETURN(HttpResponse response, send(request, error));
  if (response.body.empty()) return nlohmann::json::object();
  nlohmann::json out = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) {
    return parse_error(cli_operation_name(operation) + " " + config_.region +
                       ": answer is not valid JSON");
  }
  return out;
}

Result<nlohmann::json> AwsClient::call_rest_json(Service service, std::string_view operation,
                                                 std::string_view method, std::string path,
                                                 const QueryParams& query,
                                                 const HttpHeaders& headers, bool sign,
                                                 AwsError* error) {
  AwsRequest request;
  request.service = service;
  request.operation = std::string(operation);
  request.method = std::string(method);
  request.path = std::move(path);
  request.query = query;
  request.headers = headers;
  request.sign = sign;
  EFSTOP_ASSIGN_OR_RETURN(HttpResponse response, send(request, error));
  if (response.body.empty()) return nlohmann::json::object();
  nlohmann::json out = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) {
    return parse_error(cli_operation_name(operation) + " " + config_.region +
                       ": answer is not valid JSON");
  }
  return out;
}

std::string AwsClient::bucket_region(const std::string& bucket) const {
  std::lock_guard lock(bucket_mutex_);
  auto it = bucket_regions_.find(bucket);
  return it == bucket_regions_.end() ? config_.region : it->second;
}

void AwsClient::remember_bucket_region(const std::string& bucket, const std::string& region) {
  std::lock_guard lock(bucket_mutex_);
  bucket_regions_[bucket] = region;
}

Result<HttpResponse> AwsClient::send_s3(AwsRequest request, const std::string& bucket,
                                        AwsError* error) {
  // Path style when an endpoint URL is given (S3-compatible servers) or the
  // bucket is not a plain DNS label; virtual-hosted otherwise.
  const std::string path_rest = request.path;  // "/key" or "/"
  for (int redirects = 0;; ++redirects) {
    request.region = bucket_region(bucket);
    auto endpoint = resolve_endpoint(Service::kS3, request.region, config_.endpoints);
    if (!endpoint.ok()) return endpoint.status();
    if (endpoint->is_custom || !is_virtual_host_bucket(bucket)) {
      request.host_prefix.clear();
      request.path = "/" + uri_encode(bucket) + path_rest;
    } else {
      request.host_prefix = bucket + ".";
      request.path = path_rest;
    }
    AwsError err;
    auto response = send(request, &err);
    if (response.ok() || redirects > 0) {
      if (!response.ok() && error) *error = err;
      return response;
    }
    // Wrong region: S3 says which one (301 PermanentRedirect with
    // x-amz-bucket-region, or 400 AuthorizationHeaderMalformed <Region>).
    const bool wrong_region =
        err.code == "PermanentRedirect" || err.code == "AuthorizationHeaderMalformed" ||
        err.code == "IllegalLocationConstraintException" || err.http_status == 301;
    if (!wrong_region || err.bucket_region.empty() || err.bucket_region == request.region) {
      if (error) *error = err;
      return response;
    }
    if (config_.debug_log) {
      config_.debug_log("debug: aws s3 bucket " + bucket + " is in " + err.bucket_region +
                        ", not " + request.region + "; retrying there");
    }
    remember_bucket_region(bucket, err.bucket_region);
  }
}

Result<AwsClient::S3ListPage> AwsClient::s3_list_objects_v2(const std::string& bucket,
                                                            const std::string& prefix,
                                                            const std::string& continuation_token,
                                                            const std::string& delimiter,
                                                            int max_keys, AwsError* error) {
  AwsRequest request;
  request.service = Service::kS3;
  request.operation = "ListObjectsV2";
  request.method = "GET";
  request.path = "/";
  request.query.emplace_back("list-type", "2");
  request.query.emplace_back("encoding-type", "url");
  if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
  if (!delimiter.empty()) request.query.emplace_back("delimiter", delimiter);
  if (!continuation_token.empty())
    request.query.emplace_back("continuation-token", continuation_token);
  if (max_keys > 0) request.query.emplace_back("max-keys", std::to_string(max_keys));
  EFSTOP_ASSIGN_OR_RETURN(HttpResponse response, send_s3(request, bucket, error));
  const std::string what = "list-objects-v2 s3://" + bucket + "/" + prefix;
  auto doc = XmlDocument::parse(response.body);
  if (!doc.ok()) return doc.status().with_context(what);
  pugi::xml_node root = doc->root();
  if (xml_local_name(root) != "ListBucketResult") {
    return parse_error(what + ": expected <ListBucketResult>, got <" +
                       std::string(xml_local_name(root)) + ">");
  }
  const bool url_encoded = xml_child_text(root, "EncodingType") == "url";
  auto decode = [&](std::string s) { return url_encoded ? percent_decode_plain(s) : s; };
  S3ListPage page;
  for (const pugi::xml_node& c : xml_children(root, "Contents")) {
    S3Object o;
    o.key = decode(xml_child_text(c, "Key"));
    const std::string size = xml_child_text(c, "Size");
    char* end = nullptr;
    o.size = std::strtoll(size.c_str(), &end, 10);
    if (size.empty() || *end != '\0')
      return parse_error(what + ": object " + o.key + " has no valid <Size>");
    o.last_modified = xml_child_text(c, "LastModified");
    o.etag = xml_child_text(c, "ETag");
    if (o.etag.size() >= 2 && o.etag.front() == '"' && o.etag.back() == '"')
      o.etag = o.etag.substr(1, o.etag.size() - 2);
    page.objects.push_back(std::move(o));
  }
  for (const pugi::xml_node& p : xml_children(root, "CommonPrefixes")) {
    page.common_prefixes.push_back(decode(xml_child_text(p, "Prefix")));
  }
  if (xml_child_text(root, "IsTruncated") == "true") {
    page.next_continuation_token = xml_child_text(root, "NextContinuationToken");
    if (page.next_continuation_token.empty()) {
      return parse_error(what + ": truncated listing without NextContinuationToken");
    }
  }
  return page;
}

Result<int64_t> AwsClient::s3_get_object(const std::string& bucket, const std::string& key,
                                         const BodySink& sink, std::optional<int64_t> range_start,
                                         std::optional<int64_t> range_end, AwsError* error,
                                         const std::atomic<bool>* cancel) {
  const std::string what = "get-object s3://" + bucket + "/" + key;
  int64_t delivered = 0;
  bool consumer_stopped = false;
  std::string etag;
  // Each resume is one more attempt; send() retries failures that happen
  // before the first byte on its own.
  const int max_resumes = config_.retry.max_attempts;
  int attempts = 0;  // over every resume, for the final message
  for (int resume = 0;; ++resume) {
    AwsRequest request;
    request.service = Service::kS3;
    request.operation = "GetObject";
    request.method = "GET";
    request.path = "/" + uri_encode(key, /*keep_slash=*/true);
    const int64_t start = range_start.value_or(0) + delivered;
    if (start > 0 || range_end) {
      std::string range = "bytes=" + std::to_string(start) + "-";
      if (range_end) range += std::to_string(*range_end);
      request.headers.emplace_back("Range", range);
    }
    if (!etag.empty()) request.headers.emplace_back("If-Match", "\"" + etag + "\"");
    request.cancel = cancel;
    request.on_body = [&](std::string_view chunk) {
      if (!sink(chunk)) {
        consumer_stopped = true;
        return false;
      }
      delivered += static_cast<int64_t>(chunk.size());
      return true;
    };
    const int64_t before = delivered;
    AwsError err;
    auto response = send_s3(request, bucket, &err);
    if (response.ok()) return delivered;
    if (error != nullptr) *error = err;
    // Stopped by the caller (its sink, or the cancel flag): not resumed.
    if (consumer_stopped || (cancel != nullptr && cancel->load())) return response.status();
    attempts += err.attempts_made;
    if (err.code == "PreconditionFailed") {
      return aws_error(what + ": the object changed while it was being read; run again");
    }
    for (const auto& [name, value] : err.response_headers) {
      if (etag.empty() && (name == "ETag" || name == "etag" || name == "Etag")) {
        etag = value;
        if (etag.size() >= 2 && etag.front() == '"') etag = etag.substr(1, etag.size() - 2);
      }
    }
    // Only a transfer that broke after delivering bytes is resumed here.
    if (delivered == before || err.http_status != 0 || resume + 1 >= max_resumes) {
      // Count the resumes too: the user should see every attempt made.
      if (resume == 0 || err.http_status != 0) return response.status();
      Status last = err.to_status(attempts);
      return Status(last.code(), last.message() + "; " + std::to_string(delivered) +
                                     " bytes of the object read in all");
    }
    if (config_.debug_log) {
      config_.debug_log("debug: aws s3 GetObject resuming at byte " +
                        std::to_string(range_start.value_or(0) + delivered) +
                        " after: " + err.message);
    }
    env_->sleep_for(
        std::chrono::duration<double>(backoff_seconds(resume + 1, env_->random_unit())));
  }
}

void add_filter(QueryParams& params, std::string_view name,
                const std::vector<std::string>& values) {
  int n = 1;
  while (true) {
    const std::string key = "Filter." + std::to_string(n) + ".Name";
    bool used = false;
    for (const auto& p : params) {
      if (p.first == key) used = true;
    }
    if (!used) break;
    ++n;
  }
  const std::string prefix = "Filter." + std::to_string(n);
  params.emplace_back(prefix + ".Name", std::string(name));
  for (size_t i = 0; i < values.size(); ++i) {
    params.emplace_back(prefix + ".Value." + std::to_string(i + 1), values[i]);
  }
}

void add_list(QueryParams& params, std::string_view prefix,
              const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    params.emplace_back(std::string(prefix) + "." + std::to_string(i + 1), values[i]);
  }
}

}  // namespace efstop::aws
