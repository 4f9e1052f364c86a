// Many regions and many accounts in one report (issue 18;
// docs/multi-account.md): the flags --regions, --accounts, --role-name,
// --role-arn-template, --organization and --scope-concurrency, and the
// plan they make: one scope per (account, region), each with an AwsClient
// signed for that region with that account's credentials (STS AssumeRole
// from the caller's, refreshed before they expire).
//
// A scope is read as the single-account command reads its one account and
// region (discovery, flow logs, names); cli/cmd_top.cc runs the scopes,
// at most --scope-concurrency at once, and merges their rows, each row
// keeping its account and region. An account whose role cannot be assumed
// (or that ListAccounts says is not ACTIVE) is no scope: the plan reports it
// as a failure of its own and the report is partial.
// Not thread-safe to build; the scopes' clients are safe for concurrent use.
#ifndef EFSTOP_CLI_SCOPE_FLAGS_H_
#define EFSTOP_CLI_SCOPE_FLAGS_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "aws/client.h"
#include "cli/args.h"
#include "cli/aws_flags.h"
#include "core/result.h"
#include "report/model.h"

namespace efstop::cli {

inline constexpr int kDefaultScopeConcurrency = 4;

struct ScopeFlags {
  std::vector<std::string> regions;            // --regions r1,r2
  bool all_regions = false;                    // --regions all
  std::vector<std::string> accounts;           // --accounts
  std::string role_name;                       // --role-name
  std::string role_arn_template;               // --role-arn-template
  bool organization = false;                   // --organization
  int concurrency = kDefaultScopeConcurrency;  // --scope-concurrency

  bool by_region() const { return all_regions || !regions.empty(); }
  bool by_account() const { return !accounts.empty() || organization; }
  bool any() const { return by_region() || by_account(); }
};

// Registers the flags in `group`.
void add_scope_flags(OptionGroup* group, ScopeFlags* flags);

// Checks the flags together (kInvalidArgument naming the flag): accounts
// need a role (--role-name or --role-arn-template), not both; a role needs
// accounts; --accounts and --organization exclude each other.
Status check_scope_flags(const ScopeFlags& flags);

// "arn:aws:iam::{account}:role/{name}" with both filled in.
std::string role_arn_for(const ScopeFlags& flags, const std::string& account);

struct Scope {
  std::string account;  // "" = the caller's own account (--regions alone)
  std::string region;
  std::string role_arn;  // "" = the caller's credentials
  AwsSession session;    // the caller's, its client replaced by this scope's
  // The key of this scope's names in the store ("<account>/<region>"; ""
  // for the caller's own account in its own region, as without scopes).
  std::string store_scope;
  // "account 444455556666 eu-west-1", "eu-west-1": how messages name it.
  std::string label() const;
};

struct ScopePlan {
  std::vector<Scope> scopes;  // by account, then region
  // Accounts or regions that are no scope, with the reason (the report's
  // failed inputs: "account 999988887777", "assume role arn:...: ...").
  std::vector<report::FailedInput> failures;
  std::vector<std::string> notes;  // for stderr (skipped accounts, regions listed)
};

// Lists the accounts (ListAccounts with --organization; ACTIVE ones only)
// and the regions (DescribeRegions with --regions all), assumes each
// account's role (at most flags.concurrency at once) and builds a client per
// scope. Errors only when there is nothing to plan from: ListAccounts or
// DescribeRegions failed (the message names the call), or a bad flag.
Result<ScopePlan> plan_scopes(const ScopeFlags& flags, const AwsSession& caller);

// The caller's side of a run across accounts and regions, as `efstop
// doctor` checks it: each call plan_scopes would make, made, and its
// outcome kept instead of stopping at the first failure.
struct AccountAccess {
  std::string account;
  std::string role_arn;
  Status status;  // of its AssumeRole
  // --regions all: DescribeRegions with the account's role (after an
  // AssumeRole that worked) and the regions it gave.
  std::optional<Status> describe_regions;
  std::vector<std::string> regions;
};

struct ScopeAccess {
  // --regions all: DescribeRegions' outcome and the regions it gave.
  std::optional<Status> describe_regions;
  std::vector<std::string> regions;
  // --organization: ListAccounts' outcome (the ACTIVE accounts go to
  // `accounts`; the others are notes).
  std::optional<Status> list_accounts;
  // One per account asked for or listed, by id: AssumeRole tried once each
  // (at most flags.concurrency at once).
  std::vector<AccountAccess> accounts;
  std::vector<std::string> notes;
};

// Makes those calls with the caller's credentials. Never fails: a failed
// call is its Status in the answer (kAuth when denied).
ScopeAccess check_scope_access(const ScopeFlags& flags, const AwsSession& caller);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_SCOPE_FLAGS_H_
