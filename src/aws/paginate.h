// Pagination: follow a service's "next page" token until it runs out, with
// a loop guard. Works for every token style (NextToken, nextToken,
// Marker/NextMarker, ContinuationToken/NextContinuationToken): the caller's
// fetch function sends the token under its request name and returns the
// response's next token.
#ifndef EFSTOP_AWS_PAGINATE_H_
#define EFSTOP_AWS_PAGINATE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace efstop::aws {

enum class RepeatedToken {
  // A token seen before is a service bug: stop with kAwsError (default).
  kError,
  // The stream ended (GetLogEvents: "the returned token equals the one you
  // sent"): stop successfully.
  kEndOfStream,
};

struct PaginateOptions {
  RepeatedToken on_repeat = RepeatedToken::kError;
  int64_t max_pages = 0;  // 0 = unlimited; otherwise stop (OK) after this many
};

// Calls fetch("") then fetch(token) for each next token until fetch returns
// an empty token. `what` names the call in errors
// ("describe-file-systems us-east-1"). Returns the number of pages fetched,
// or the first error of fetch, or kAwsError when a token repeats.
Result<int64_t> paginate(std::string_view what,
                         const std::function<Result<std::string>(const std::string& token)>& fetch,
                         const PaginateOptions& options = {});

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_PAGINATE_H_
