// Status: the outcome of an operation that can fail because of the outside
// world (bad input, network, AWS). Library code returns Status or Result<T>
// instead of throwing; only cli/ turns an error into an exit code.
//
// An OK status holds no allocation, so the success path costs one null
// pointer (the idea of leveldb's Status). Copies are deep; moves are cheap.
// Thread-compatible: distinct objects may be used from distinct threads.
#ifndef EFSTOP_CORE_STATUS_H_
#define EFSTOP_CORE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace efstop {

// Codes the caller can act on. Retry logic switches on these, never on text.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,  // the caller (or the user) asked for something malformed
  kParse,            // input data could not be understood
  kNotFound,         // a file, key or resource does not exist
  kIo,               // local I/O failed
  kNetwork,          // connection, DNS, TLS, timeout
  kThrottled,        // the service asked us to slow down
  kAuth,             // no credentials, bad signature, expired token, denied
  kAwsError,         // any other error answer from an AWS service
  kInternal,         // a bug: an invariant did not hold
};

// Returns a stable lowercase name for `code`, e.g. "invalid argument".
std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status ok_status() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The message without the code, e.g. "open sample.log: no such file".
  // Empty for OK.
  const std::string& message() const;
  // True for errors that may go away when the same call is made again
  // (network trouble and throttling).
  bool retryable() const;

  // Prepends context: Status(kIo, "no such file").with_context("open a.log")
  // has the message "open a.log: no such file". OK stays OK.
  Status with_context(std::string_view context) const;

  // "<code name>: <message>", or "ok".
  std::string to_string() const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

inline Status invalid_argument_error(std::string m) { return Status(StatusCode::kInvalidArgument, std::move(m)); }
inline Status parse_error(std::string m) { return Status(StatusCode::kParse, std::move(m)); }
inline Status not_found_error(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status io_error(std::string m) { return Status(StatusCode::kIo, std::move(m)); }
inline Status network_error(std::string m) { return Status(StatusCode::kNetwork, std::move(m)); }
inline Status throttled_error(std::string m) { return Status(StatusCode::kThrottled, std::move(m)); }
inline Status auth_error(std::string m) { return Status(StatusCode::kAuth, std::move(m)); }
inline Status aws_error(std::string m) { return Status(StatusCode::kAwsError, std::move(m)); }
inline Status internal_error(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }

}  // namespace efstop

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define EFSTOP_RETURN_IF_ERROR(expr)                  \
  do {                                                \
    ::efstop::Status efstop_status_ = (expr);         \
    if (!efstop_status_.ok()) return efstop_status_;  \
  } while (0)

#endif  // EFSTOP_CORE_STATUS_H_
