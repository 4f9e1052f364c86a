#include "aws/paginate.h"

#include <unordered_set>

namespace efstop::aws {

Result<int64_t> paginate(std::string_view what,
                         const std::function<Result<std::string>(const std::string& token)>& fetch,
                         const PaginateOptions& options) {
  // Every token handed back so far: a service that cycles through a few
  // tokens (not only the same one twice) is caught too.
  std::unordered_set<std::string> seen;
  std::string token;
  int64_t pages = 0;
  while (true) {
    EFSTOP_ASSIGN_OR_RETURN(std::string next, fetch(token));
    ++pages;
    if (next.empty()) return pages;
    if (options.max_pages > 0 && pages >= options.max_pages) return pages;
    if (!seen.insert(next).second) {
      if (options.on_repeat == RepeatedToken::kEndOfStream && next == token) return pages;
      return aws_error(std::string(what) +
                       ": the service returned the same page token again after " +
                       std::to_string(pages) + " pages; stopping to avoid an endless loop");
    }
    token = std::move(next);
  }
}

}  // namespace efstop::aws
