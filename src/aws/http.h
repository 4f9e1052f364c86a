// HTTP for the AWS client: request/response values and a transport
// interface with one real implementation over libcurl (curl_transport.cc).
//
// The transport knows nothing of AWS: no signing, no retries, no logging.
// Those live in client.h. Tests substitute their own HttpTransport.
#ifndef EFSTOP_AWS_HTTP_H_
#define EFSTOP_AWS_HTTP_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace efstop::aws {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Receives response body bytes as they arrive. Return false to abort the
// transfer (the transport then reports kNetwork "aborted by consumer").
using BodySink = std::function<bool(std::string_view chunk)>;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, HEAD, DELETE
  std::string url;             // absolute, with the query already encoded
  HttpHeaders headers;         // sent as given (Host is derived from url)
  std::string body;
  // When set, the body of a 2xx response is streamed here instead of being
  // collected in HttpResponse::body. Error bodies (non-2xx) are always
  // collected so they can be parsed.
  BodySink on_body;
  // When set and it turns true, the transfer is abandoned within about a
  // second (kAborted, never retried), even while no byte arrives: a stop
  // signal ends a stalled download without waiting for the read timeout.
  const std::atomic<bool>* cancel = nullptr;
  // Per-request overrides of the transport's defaults (IMDS uses 1 s).
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::optional<std::chrono::milliseconds> read_timeout;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;     // names as received; look up with header()
  std::string body;        // empty when streamed to on_body
  int64_t body_bytes = 0;  // bytes received, streamed or not

  // First value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

// Why a transfer failed before a complete response arrived.
enum class TransportFailure {
  kNone,
  kConnect,  // DNS, refused, unreachable, connect timeout
  kTimeout,  // no bytes moved for read_timeout
  kReset,    // connection closed/reset mid-transfer, truncated body
  kTls,      // certificate or handshake problem (never retried)
  kAborted,  // the BodySink returned false
  // Nothing left this process: no socket or descriptor could be opened
  // (EMFILE, ENFILE), no memory. Status kIo; never retried (the same
  // attempt fails alike) and no evidence about the host.
  kLocal,
  kOther,
};

// The full outcome of one attempt. `status` is OK when a complete response
// (any HTTP status) arrived; otherwise it is kNetwork (kIo for kLocal, kAuth
// never) and `failure` says why, and `response` may hold a partial answer (status and
// headers when they arrived, bytes streamed so far in body_bytes).
struct HttpOutcome {
  Status status;
  TransportFailure failure = TransportFailure::kNone;
  HttpResponse response;
};

struct HttpOptions {
  // AWS CLI --cli-connect-timeout / --cli-read-timeout (default 60 s each).
  // Zero means "no timeout" as in the AWS CLI.
  std::chrono::milliseconds connect_timeout{60'000};
  std::chrono::milliseconds read_timeout{60'000};
  bool verify_tls = true;  // --no-verify-ssl turns this off
  std::string ca_bundle;   // --ca-bundle / ... / the system's (cli); empty = libcurl's default
  // Requests in flight at once across all threads; further callers block.
  int max_in_flight = 16;
  std::string user_agent = "efstop/0.1.0";
};

// Sends HTTP requests. Implementations are safe for concurrent use by many
// threads; at most HttpOptions::max_in_flight requests run at once.
// Proxies come from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lowercase).
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // One attempt, no retries. Never throws.
  virtual HttpOutcome perform(const HttpRequest& request) = 0;

  // Convenience: the response, or the transport error as a Status.
  Result<HttpResponse> send(const HttpRequest& request) {
    HttpOutcome outcome = perform(request);
    if (!outcome.status.ok()) return std::move(outcome.status);
    return std::move(outcome.response);
  }
};

// The libcurl transport. Keeps a pool of easy handles (one per request in
// flight) so connections are reused across requests and threads.
// Errors: none at construction (curl is initialised once per process).
std::shared_ptr<HttpTransport> make_curl_transport(const HttpOptions& options);

// The HTTP libraries linked in, as {name, version} pairs for `efstop
// --version`: libcurl, its TLS library, zlib, its resolver (c-ares or the
// system's), and pugixml. Read from the libraries at run time where they can
// say (curl_version_info), else from the headers built against.
std::vector<std::pair<std::string, std::string>> http_library_versions();

// The CA bundle files of the usual distributions, in search order: Amazon
// Linux / RHEL / Fedora, the same via ca-trust, Debian / Ubuntu, Alpine, SUSE.
inline constexpr std::string_view kSystemCaBundles[] = {
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
};

// The first of kSystemCaBundles that `readable` accepts, or "" when none is.
// A static efstop has no CA path compiled into libcurl, so the caller passes
// this as HttpOptions::ca_bundle when no --ca-bundle, AWS_CA_BUNDLE,
// profile ca_bundle or SSL_CERT_FILE names one.
std::string find_system_ca_bundle(const std::function<bool(const std::string&)>& readable);

// Percent-encodes `s` per RFC 3986 (unreserved A-Z a-z 0-9 - _ . ~ kept,
// everything else %XX upper-case). With keep_slash, '/' is kept too.
std::string uri_encode(std::string_view s, bool keep_slash = false);

// Builds "a=1&b=2" from pairs, each name and value uri_encode()d, in the
// given order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_HTTP_H_
