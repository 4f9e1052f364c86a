#include "harness/harness_http.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace efstop::testing {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

void global_init_once() {
  // curl_global_init is not thread-safe; every harness call goes through here.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

Result<HttpReply> http_request(std::string_view method, const std::string& url,
                               std::string_view body, const std::vector<std::string>& headers) {
  global_init_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return internal_error("curl_easy_init failed");
  HttpReply reply;
  const std::string method_str(method);
  const std::string body_str(body);
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  if (method_str == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  if (!body_str.empty() || method_str == "PUT" || method_str == "POST") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body_str.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_str.size()));
  }
  struct curl_slist* list = nullptr;
  // curl adds "Expect: 100-continue" to large bodies; s3rver and the endpoint
  // answer directly, so skip the extra round trip.
  list = curl_slist_append(list, "Expect:");
  for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    return network_error(method_str + " " + url + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace efstop::testing
