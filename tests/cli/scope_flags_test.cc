// The multi-account / multi-region flags (cli/scope_flags.h): what each
// value parses to, what is refused and why, the role ARN each account gets
// and how a scope names itself. plan_scopes talks to AWS and is tested end
// to end against the test endpoint (tests/cloud/multi_account_test.cc).
#include "cli/scope_flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace efstop::cli {
namespace {

// Parses `args` with only the scope flags registered.
Status parse(const std::vector<std::string>& args, ScopeFlags* flags) {
  OptionGroup group("Scopes");
  add_scope_flags(&group, flags);
  std::vector<std::string> positionals;
  Status s = parse_args(args, {&group}, &positionals);
  EXPECT_TRUE(positionals.empty());
  return s;
}

// The message of parsing `args` (expected to fail), "" when it did not.
std::string parse_error(const std::vector<std::string>& args) {
  ScopeFlags flags;
  Status s = parse(args, &flags);
  EXPECT_FALSE(s.ok()) << args.front();
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  }
  return s.ok() ? "" : s.message();
}

// The message of check_scope_flags after parsing `args` ("" when accepted).
std::string check_error(const std::vector<std::string>& args) {
  ScopeFlags flags;
  Status parsed = parse(args, &flags);
  EXPECT_TRUE(parsed.ok()) << parsed.message();
  Status s = check_scope_flags(flags);
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  }
  return s.ok() ? "" : s.message();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ScopeFlagsTest, NothingGivenIsNoScope) {
  ScopeFlags flags;
  ASSERT_TRUE(parse({}, &flags).ok());
  EXPECT_FALSE(flags.any());
  EXPECT_EQ(flags.concurrency, kDefaultScopeConcurrency);
  EXPECT_TRUE(check_scope_flags(flags).ok());
}

TEST(ScopeFlagsTest, RegionsAreSortedDeduplicatedAndEmptyItemsSkipped) {
  ScopeFlags flags;
  ASSERT_TRUE(parse({"--regions", "us-west-2,eu-west-1,,us-west-2,"}, &flags).ok());
  EXPECT_EQ(flags.regions, (std::vector<std::string>{"eu-west-1", "us-west-2"}));
  EXPECT_FALSE(flags.all_regions);
  EXPECT_TRUE(flags.by_region());
  EXPECT_FALSE(flags.by_account());
  EXPECT_TRUE(check_scope_flags(flags).ok());  // regions alone: the caller's account
}

TEST(ScopeFlagsTest, RegionsAllAsksDescribeRegionsLater) {
  ScopeFlags flags;
  ASSERT_TRUE(parse({"--regions", "all"}, &flags).ok());
  EXPECT_TRUE(flags.all_regions);
  EXPECT_TRUE(flags.regions.empty());
  EXPECT_TRUE(flags.by_region());
}

TEST(ScopeFlagsTest, BadRegionsAreRefusedNamingTheItem) {
  EXPECT_TRUE(has(parse_error({"--regions", "eu-west-1,eu_west_1"}), "'eu_west_1'"));
  EXPECT_TRUE(has(parse_error({"--regions", "euwest1"}), "'euwest1' is not a region name"));
  EXPECT_TRUE(has(parse_error({"--regions", "EU-WEST-1"}), "'EU-WEST-1'"));
  EXPECT_TRUE(has(parse_error({"--regions", ","}), "want r1,r2 or all"));
}

TEST(ScopeFlagsTest, AccountsAreTwelveDigitsSortedAndDeduplicated) {
  ScopeFlags flags;
  ASSERT_TRUE(
      parse({"--accounts", "444455556666,111122223333,444455556666", "--role-name", "r"}, &flags)
          .ok());
  EXPECT_EQ(flags.accounts, (std::vector<std::string>{"111122223333", "444455556666"}));
  EXPECT_TRUE(flags.by_account());
  EXPECT_TRUE(check_scope_flags(flags).ok());
  EXPECT_TRUE(has(parse_error({"--accounts", "11112222333"}), "'11112222333' is not a 12-digit"));
  EXPECT_TRUE(has(parse_error({"--accounts", "1111222233334"}), "'1111222233334'"));
  EXPECT_TRUE(has(parse_error({"--accounts", "11112222333x"}), "'11112222333x'"));
  EXPECT_TRUE(has(parse_error({"--accounts", ""}), "want 111122223333"));
}

TEST(ScopeFlagsTest, RoleNameAndTemplateValues) {
  EXPECT_TRUE(has(parse_error({"--role-name", "a:b"}), "want a role name"));
  EXPECT_TRUE(has(parse_error({"--role-name", "a b"}), "want a role name"));
  EXPECT_TRUE(has(parse_error({"--role-name", "{account}"}), "want a role name"));
  EXPECT_TRUE(has(parse_error({"--role-arn-template", "arn:aws:iam::1:role/x"}), "{account}"));
  EXPECT_TRUE(has(parse_error({"--role-arn-template", "{account}"}), "want an ARN"));
  ScopeFlags flags;
  ASSERT_TRUE(parse({"--role-name", "ops/efstop-read"}, &flags).ok());  // a path is allowed
  EXPECT_EQ(flags.role_name, "ops/efstop-read");
}

TEST(ScopeFlagsTest, ConcurrencyIsOneToSixtyFour) {
  ScopeFlags flags;
  ASSERT_TRUE(parse({"--scope-concurrency", "64"}, &flags).ok());
  EXPECT_EQ(flags.concurrency, 64);
  ASSERT_TRUE(parse({"--scope-concurrency", "1"}, &flags).ok());
  EXPECT_EQ(flags.concurrency, 1);
  EXPECT_TRUE(has(parse_error({"--scope-concurrency", "0"}), "want 1 to 64"));
  EXPECT_FALSE(parse_error({"--scope-concurrency", "65"}).empty());
  EXPECT_FALSE(parse_error({"--scope-concurrency", "x"}).empty());
}

TEST(ScopeFlagsTest, CheckNeedsExactlyOneWayToNameTheRole) {
  EXPECT_TRUE(has(check_error({"--accounts", "111122223333"}),
                  "parse --accounts: give the role to assume in each account"));
  EXPECT_TRUE(
      has(check_error({"--organization"}), "parse --organization: give the role to assume"));
  EXPECT_TRUE(has(check_error({"--role-name", "r"}), "parse --role-name: it says which role"));
  EXPECT_TRUE(has(check_error({"--role-arn-template", "arn:aws:iam::{account}:role/r"}),
                  "parse --role-arn-template: it says which role"));
  EXPECT_TRUE(has(check_error({"--accounts", "111122223333", "--organization", "--role-name", "r"}),
                  "parse --organization: --accounts names the accounts already"));
  EXPECT_TRUE(has(check_error({"--accounts", "111122223333", "--role-arn-template",
                               "arn:aws:iam::{account}:role/{name}"}),
                  "it uses {name}; give --role-name"));
  EXPECT_TRUE(has(check_error({"--accounts", "111122223333", "--role-name", "r",
                               "--role-arn-template", "arn:aws:iam::{account}:role/x"}),
                  "parse --role-name: --role-arn-template names the role already"));
  // Both, when the template asks for the name.
  EXPECT_EQ(check_error({"--organization", "--role-name", "r", "--role-arn-template",
                         "arn:aws:iam::{account}:role/ops/{name}"}),
            "");
}

TEST(ScopeFlagsTest, RoleArnForEachAccount) {
  ScopeFlags flags;
  flags.role_name = "efstop-read";
  EXPECT_EQ(role_arn_for(flags, "111122223333"), "arn:aws:iam::111122223333:role/efstop-read");
  flags.role_arn_template = "arn:aws-us-gov:iam::{account}:role/ops/{name}";
  EXPECT_EQ(role_arn_for(flags, "444455556666"),
            "arn:aws-us-gov:iam::444455556666:role/ops/efstop-read");
  flags.role_name.clear();
  flags.role_arn_template = "arn:aws:iam::{account}:role/{account}-reader";  // twice
  EXPECT_EQ(role_arn_for(flags, "777788889999"),
            "arn:aws:iam::777788889999:role/777788889999-reader");
}

TEST(ScopeFlagsTest, ScopeLabels) {
  Scope own;
  own.region = "eu-west-1";
  EXPECT_EQ(own.label(), "eu-west-1");
  Scope member;
  member.account = "444455556666";
  member.region = "us-west-2";
  EXPECT_EQ(member.label(), "account 444455556666 us-west-2");
}

}  // namespace
}  // namespace efstop::cli
