// Plain HTTP for the test harness (control calls, S3 object uploads):
// libcurl, no proxy, no signing, a 10 s timeout. Thread-safe: every call uses
// its own curl handle.
#ifndef EFSTOP_TESTS_HARNESS_HARNESS_HTTP_H_
#define EFSTOP_TESTS_HARNESS_HARNESS_HTTP_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace efstop::testing {

struct HttpReply {
  long status = 0;
  std::string body;
};

// Sends `method url` with `body` and extra `headers` ("Name: value").
// Transport failures are errors (kNetwork); any HTTP status is a reply.
Result<HttpReply> http_request(std::string_view method, const std::string& url,
                               std::string_view body = {},
                               const std::vector<std::string>& headers = {});

}  // namespace efstop::testing

#endif  // EFSTOP_TESTS_HARNESS_HARNESS_HTTP_H_
