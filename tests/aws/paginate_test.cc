// The pagination loop and its guard against services that repeat tokens.
#include "aws/paginate.h"

#include <gtest/gtest.h>

#include <vector>

namespace efstop::aws {
namespace {

// A fake service handing out `tokens` in order, recording what it was sent.
struct FakePages {
  explicit FakePages(std::vector<std::string> t) : tokens(std::move(t)) {}
  std::vector<std::string> tokens;
  std::vector<std::string> sent;
  size_t next = 0;
  Result<std::string> operator()(const std::string& token) {
    sent.push_back(token);
    return next < tokens.size() ? tokens[next++] : std::string();
  }
};

TEST(Paginate, FollowsTokensUntilThereIsNone) {
  FakePages pages{{"t1", "t2", ""}};
  auto n = paginate("describe-file-systems us-east-1", std::ref(pages));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(pages.sent, (std::vector<std::string>{"", "t1", "t2"}));
}

TEST(Paginate, RepeatedTokenIsAnError) {
  FakePages pages{{"t1", "t1", "t1", "t1"}};
  auto n = paginate("describe-network-interfaces us-east-1", std::ref(pages));
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), StatusCode::kAwsError);
  EXPECT_EQ(n.status().message(),
            "describe-network-interfaces us-east-1: the service returned the same page token again "
            "after 2 "
            "pages; stopping to avoid an endless loop");
  EXPECT_EQ(pages.sent.size(), 2u);
}

TEST(Paginate, CyclingTokensAreCaughtToo) {
  FakePages pages{{"a", "b", "a", "b"}};
  EXPECT_FALSE(paginate("x", std::ref(pages)).ok());
  EXPECT_EQ(pages.sent.size(), 3u);
}

TEST(Paginate, GetLogEventsStyleEndsWhenTheTokenComesBack) {
  FakePages pages{{"f/1", "f/2", "f/2"}};
  auto n = paginate("get-log-events", std::ref(pages), {RepeatedToken::kEndOfStream, 0});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);
  // A cycle that is not "same as sent" is still an error in this mode.
  FakePages cycle{{"f/1", "f/2", "f/1"}};
  EXPECT_FALSE(paginate("get-log-events", std::ref(cycle), {RepeatedToken::kEndOfStream, 0}).ok());
}

TEST(Paginate, StopsAtMaxPagesAndPassesErrorsThrough) {
  FakePages pages{{"1", "2", "3", "4"}};
  EXPECT_EQ(*paginate("x", std::ref(pages), {RepeatedToken::kError, 2}), 2);
  int calls = 0;
  auto n = paginate("x", [&](const std::string&) -> Result<std::string> {
    if (++calls == 2) return throttled_error("x: throttled after 3 attempts");
    return std::string("next");
  });
  EXPECT_EQ(n.status().code(), StatusCode::kThrottled);
}

}  // namespace
}  // namespace efstop::aws
