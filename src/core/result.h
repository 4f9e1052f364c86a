// Result<T>: either a value of type T or a non-OK Status. C++20 has no
// std::expected (GCC 12 ships it only in C++23 mode), so this is ours.
//
//   Result<int> r = parse_port("2049");
//   if (!r.ok()) return r.status();
//   int port = *r;
//
// Accessing the value of an error Result is a programmer error (asserted).
#ifndef EFSTOP_CORE_RESULT_H_
#define EFSTOP_CORE_RESULT_H_

#include <cassert>
#include <optional>
#include <utility>

#include "core/status.h"

namespace efstop {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result built from an OK status has no value");
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "Result built from OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  Status status_;  // OK exactly when value_ holds a value
  std::optional<T> value_;
};

}  // namespace efstop

#define EFSTOP_CONCAT_INNER_(a, b) a##b
#define EFSTOP_CONCAT_(a, b) EFSTOP_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (a Result<T>); on error returns its Status from the
// enclosing function, else moves the value into `lhs` (a declaration or an
// lvalue).
#define EFSTOP_ASSIGN_OR_RETURN(lhs, rexpr) \
  EFSTOP_ASSIGN_OR_RETURN_IMPL_(EFSTOP_CONCAT_(efstop_result_, __LINE__), lhs, rexpr)
#define EFSTOP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // EFSTOP_CORE_RESULT_H_
