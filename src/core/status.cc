#include "core/status.h"

namespace efstop {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kParse: return "parse error";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kIo: return "i/o error";
    case StatusCode::kNetwork: return "network error";
    case StatusCode::kThrottled: return "throttled";
    case StatusCode::kAuth: return "authentication error";
    case StatusCode::kAwsError: return "aws error";
    case StatusCode::kInternal: return "internal error";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string message) {
  if (code != StatusCode::kOk) rep_ = std::make_unique<Rep>(Rep{code, std::move(message)});
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

bool Status::retryable() const {
  return code() == StatusCode::kNetwork || code() == StatusCode::kThrottled;
}

Status Status::with_context(std::string_view context) const {
  if (ok()) return Status();
  std::string m(context);
  m += ": ";
  m += rep_->message;
  return Status(rep_->code, std::move(m));
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string s(status_code_name(rep_->code));
  s += ": ";
  s += rep_->message;
  return s;
}

}  // namespace efstop
