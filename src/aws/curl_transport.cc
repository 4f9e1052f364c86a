// The libcurl transport: the only file that sees CURLcode.
//
// Connection reuse: each pooled easy handle keeps its own connection cache,
// and the pool holds max_in_flight handles, so the pool is also the bound
// on concurrent requests (a caller waits for a free handle).
// Timeouts: CURLOPT_CONNECTTIMEOUT_MS for connecting; the read timeout is a
// progress callback that aborts when no byte moved for read_timeout, which
// matches the AWS CLI's socket read timeout better than a total deadline
// (a long S3 download that keeps moving never times out). libcurl calls the
// callback about once a second while idle, so the read timeout is enforced
// to within a second.
#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "aws/http.h"
#include "aws/xml_util.h"
#include "core/resource_error.h"

namespace efstop::aws {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// State of one transfer, reached from curl's callbacks.
struct Transfer {
  const HttpRequest* request = nullptr;
  CURL* handle = nullptr;
  HttpResponse* response = nullptr;
  bool streaming_checked = false;
  bool stream = false;
  bool sink_aborted = false;
  bool read_timed_out = false;
  std::chrono::milliseconds read_timeout{0};
  std::chrono::steady_clock::time_point last_activity;
  curl_off_t last_dl = 0;
  curl_off_t last_ul = 0;
  int socket_errno = 0;    // why socket() failed (open_socket), 0 when it did not
  int sockets_opened = 0;  // sockets open_socket opened for this transfer
};

// Opens the transfer's socket as libcurl would, keeping socket()'s errno:
// libcurl reports a socket that could not be opened as a connection that
// failed, which for a process out of descriptors (EMFILE) is a wrong
// conclusion. Close-on-exec: a credential_process child inherits no socket.
curl_socket_t open_socket(void* user, curlsocktype, struct curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  const curl_socket_t s =
      ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (s == CURL_SOCKET_BAD) {
    t->socket_errno = errno;
  } else {
    ++t->sockets_opened;
  }
  return s;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100-continue or a redirect): start over.
    t->response->headers.clear();
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos)
      t->response->status = std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    t->response->headers.emplace_back(std::string(name), std::string(value));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (!t->streaming_checked) {
    long code = 0;
    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &code);
    t->stream = t->request->on_body && code >= 200 && code < 300;
    t->streaming_checked = true;
  }
  t->response->body_bytes += static_cast<int64_t>(len);
  if (t->stream) {
    if (!t->request->on_body(std::string_view(data, len))) {
      t->sink_aborted = true;
      return 0;  // curl reports CURLE_WRITE_ERROR
    }
  } else {
    t->response->body.append(data, len);
  }
  return len;
}

int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->cancel != nullptr && t->request->cancel->load()) {
    t->sink_aborted = true;  // reported as kAborted: the caller asked for it
    return 1;
  }
  auto now = std::chrono::steady_clock::now();
  if (dlnow != t->last_dl || ulnow != t->last_ul) {
    t->last_dl = dlnow;
    t->last_ul = ulnow;
    t->last_activity = now;
    return 0;
  }
  if (t->read_timeout.count() <= 0) return 0;
  // Until the request is about to go out (TCP and TLS set up), the connect
  // timeout rules. PRETRANSFER, not CONNECT: libcurl 7.88 leaves
  // CONNECT_TIME_T at 0 on a reused connection, which kept the read timeout
  // from ever starting there (a stalled answer on a pooled connection was
  // waited for however long it took).
  curl_off_t pretransfer_us = 0;
  curl_easy_getinfo(t->handle, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
  if (pretransfer_us == 0) {
    t->last_activity = now;
    return 0;
  }
  if (now - t->last_activity > t->read_timeout) {
    t->read_timed_out = true;
    return 1;  // abort
  }
  return 0;
}

// A duration in words: "60 s", "1.5 s", "250 ms".
std::string duration_words(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

// What a lost connection did, in words a user knows, with curl's own text
// after it for the curious: "connection reset by peer", "body cut after
// 512 of 1024 bytes", "connection closed before any answer".
std::string lost_connection_words(CURLcode code, const Transfer& t, const std::string& detail) {
  std::string lower = detail;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (code == CURLE_PARTIAL_FILE) {
    const int64_t got = t.response->body_bytes;
    if (auto length = t.response->header("content-length")) {
      char* end = nullptr;
      const long long expected = std::strtoll(length->c_str(), &end, 10);
      if (end != length->c_str() && *end == '\0' && expected > got) {
        return "body cut after " + std::to_string(got) + " of " + std::to_string(expected) +
               " bytes (" + detail + ")";
      }
    }
    return "body cut after " + std::to_string(got) + " bytes (" + detail + ")";
  }
  if (lower.find("reset by peer") != std::string::npos) {
    return t.response->body_bytes > 0
               ? "connection reset by peer after " + std::to_string(t.response->body_bytes) +
                     " bytes of the body (" + detail + ")"
               : "connection reset by peer (" + detail + ")";
  }
  if (code == CURLE_GOT_NOTHING) return "connection closed before any answer (" + detail + ")";
  return "connection lost: " + detail;
}

// Why a failed transfer never left this process, or nullopt when it may
// have reached the network. A socket that could not be opened (and no other
// opened for the transfer: libcurl may try an IPv6 and an IPv4 address) is
// said with socket()'s errno. libcurl reports a resolver that could not
// start (it needs descriptors of its own) as a host that cannot be
// resolved, and its own allocation or socket-pair failures as out of
// memory, without an errno: for those, a descriptor opened right after
// tells a process out of descriptors apart from a name the DNS does not know.
std::optional<std::string> local_failure(CURLcode code, const Transfer& t) {
  if (t.socket_errno != 0 && t.sockets_opened == 0) {
    const std::optional<std::string_view> words = resource_shortage_words(t.socket_errno);
    return "cannot open a socket: " +
           (words ? std::string(*words) : std::string(std::strerror(t.socket_errno)));
  }
  if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY ||
      code == CURLE_OUT_OF_MEMORY || code == CURLE_FAILED_INIT) {
    const int probe = probe_descriptor();
    if (probe == EMFILE || probe == ENFILE) {
      return "cannot open a descriptor: " + std::string(*resource_shortage_words(probe));
    }
    if (code == CURLE_OUT_OF_MEMORY) return std::string("out of memory");
  }
  return std::nullopt;
}

// Maps a failed CURLcode to (failure kind, message).
std::pair<TransportFailure, std::string> classify(CURLcode code, const Transfer& t,
                                                  const char* errbuf) {
  std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(code);
  if (t.read_timed_out) {
    std::string m = "read timed out: no data for " + duration_words(t.read_timeout);
    if (t.response->body_bytes > 0) {
      m += " after " + std::to_string(t.response->body_bytes) + " bytes of the body";
    }
    return {TransportFailure::kTimeout, m};
  }
  if (t.sink_aborted) return {TransportFailure::kAborted, "aborted by consumer"};
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return {TransportFailure::kConnect, "cannot resolve the host name: " + detail};
    case CURLE_COULDNT_CONNECT:
      return {TransportFailure::kConnect, "cannot connect: " + detail};
    case CURLE_OPERATION_TIMEDOUT:
      return {TransportFailure::kTimeout, "timed out: " + detail};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return {TransportFailure::kTls,
              "TLS failed: " + detail +
                  " (check --ca-bundle / AWS_CA_BUNDLE, or --no-verify-ssl for tests)"};
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {TransportFailure::kReset, lost_connection_words(code, t, detail)};
    default:
      return {TransportFailure::kOther, detail};
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const HttpOptions& options) : options_(options) {
    static std::once_flag init_once;
    std::call_once(init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (options_.max_in_flight < 1) options_.max_in_flight = 1;
  }

  HttpOutcome perform(const HttpRequest& request) override {
    CurlHandle handle = acquire_handle();
    HttpOutcome outcome = perform_with(handle.get(), request);
    release_handle(std::move(handle));
    return outcome;
  }

 private:
  CurlHandle acquire_handle() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return in_flight_ < options_.max_in_flight; });
    ++in_flight_;
    if (!idle_.empty()) {
      CurlHandle h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
    return CurlHandle(curl_easy_init());
  }

  void release_handle(CurlHandle handle) {
    {
      std::lock_guard lock(mutex_);
      --in_flight_;
      if (handle) idle_.push_back(std::move(handle));
    }
    cv_.notify_one();
  }

  HttpOutcome perform_with(CURL* h, const HttpRequest& request) {
    HttpOutcome outcome;
    if (h == nullptr) {
      // curl_easy_init fails for memory or, with c-ares, descriptors.
      const std::optional<std::string_view> words = resource_shortage_words(probe_descriptor());
      outcome.status =
          io_error(request.method + " " + strip_query(request.url) +
                   ": cannot initialise libcurl: " + std::string(words ? *words : "out of memory"));
      outcome.failure = TransportFailure::kLocal;
      return outcome;
    }
    curl_easy_reset(h);  // keeps the connection cache
    char errbuf[CURL_ERROR_SIZE] = {0};
    Transfer t;
    t.request = &request;
    t.handle = h;
    t.response = &outcome.response;
    t.read_timeout = request.read_timeout.value_or(options_.read_timeout);
    t.last_activity = std::chrono::steady_clock::now();
    const auto connect_timeout = request.connect_timeout.value_or(options_.connect_timeout);

    Slist headers;
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      if (iequals(name, "content-type")) has_content_type = true;
      std::string line = name + (value.empty() ? ";" : ": " + value);
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    }
    // curl would otherwise add headers of its own that we did not sign or
    // do not want (Expect: 100-continue adds a round trip).
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    if (!has_content_type && !request.body.empty()) {
      headers.reset(curl_slist_append(headers.release(), "Content-Type:"));
    }

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);        // redirects are AWS answers (S3 301)
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, nullptr);  // bytes as stored (gzip flow logs)
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
    if (!options_.verify_tls) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!options_.ca_bundle.empty())
      curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());

    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method != "POST")
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }

    CURLcode code = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      outcome.response.status = static_cast<int>(status);
      return outcome;
    }
    // A process out of descriptors cannot open a socket: said as that, not
    // as a host that cannot be reached (kLocal, kIo: nothing was sent).
    if (std::optional<std::string> local = local_failure(code, t)) {
      outcome.failure = TransportFailure::kLocal;
      outcome.status = io_error(request.method + " " + strip_query(request.url) + ": " + *local);
      return outcome;
    }
    auto [failure, message] = classify(code, t, errbuf);
    outcome.failure = failure;
    outcome.status =
        network_error(request.method + " " + strip_query(request.url) + ": " + message);
    return outcome;
  }

  // Query strings can carry tokens; keep them out of messages.
  static std::string strip_query(const std::string& url) { return url.substr(0, url.find('?')); }

  HttpOptions options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int in_flight_ = 0;             // guarded by mutex_
  std::vector<CurlHandle> idle_;  // guarded by mutex_
};

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

std::shared_ptr<HttpTransport> make_curl_transport(const HttpOptions& options) {
  return std::make_shared<CurlTransport>(options);
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xF]);
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += uri_encode(name);
    out.push_back('=');
    out += uri_encode(value);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> http_library_versions() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("libcurl", info->version ? info->version : "unknown");
  out.emplace_back("tls", info->ssl_version ? info->ssl_version : "none");
  out.emplace_back("zlib", info->libz_version ? info->libz_version : "none");
  if (info->features & CURL_VERSION_ASYNCHDNS) {
    out.emplace_back("resolver",
                     info->ares ? std::string("c-ares ") + info->ares : std::string("threaded"));
  } else {
    out.emplace_back("resolver", "system");
  }
  out.emplace_back("pugixml", pugixml_version());
  return out;
}

std::string find_system_ca_bundle(const std::function<bool(const std::string&)>& readable) {
  for (std::string_view path : kSystemCaBundles) {
    if (readable(std::string(path))) return std::string(path);
  }
  return "";
}

}  // namespace efstop::aws
