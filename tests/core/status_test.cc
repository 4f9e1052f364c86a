#include "core/status.h"

#include <gtest/gtest.h>

#include "core/result.h"

namespace efstop {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status s = io_error("no such file");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIo);
  EXPECT_EQ(s.with_context("open a.log").message(), "open a.log: no such file");
  EXPECT_EQ(s.to_string(), "i/o error: no such file");
}

TEST(StatusTest, CopiesAreDeep) {
  Status a = parse_error("x");
  Status b = a;
  a = Status();
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(b.message(), "x");
}

TEST(StatusTest, OnlyNetworkAndThrottlingAreRetryable) {
  EXPECT_TRUE(network_error("reset").retryable());
  EXPECT_TRUE(throttled_error("slow down").retryable());
  EXPECT_FALSE(auth_error("denied").retryable());
  EXPECT_FALSE(Status().retryable());
}

Result<int> half(int x) {
  if (x % 2) return invalid_argument_error("odd");
  return x / 2;
}

Status quarter(int x, int* out) {
  EFSTOP_ASSIGN_OR_RETURN(int h, half(x));
  EFSTOP_ASSIGN_OR_RETURN(*out, half(h));
  return Status();
}

TEST(ResultTest, PropagatesErrorsAndValues) {
  int q = 0;
  EXPECT_TRUE(quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  Status s = quarter(6, &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(half(3).value_or(-1), -1);
}

}  // namespace
}  // namespace efstop
