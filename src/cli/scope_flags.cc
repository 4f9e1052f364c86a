#include "cli/scope_flags.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "aws/credential_network.h"
#include "aws/org_api.h"

namespace efstop::cli {

namespace {

std::vector<std::string> split_commas(std::string_view v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    std::string item(v.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

bool is_account_id(std::string_view s) {
  return s.size() == 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A region name as AWS spells them: lowercase letters, digits and dashes,
// with at least one dash ("eu-west-1", "us-gov-west-1").
bool is_region_name(std::string_view s) {
  return !s.empty() && s.find('-') != std::string_view::npos &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

void replace_all(std::string* s, std::string_view from, std::string_view to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

// One account of a plan: its role's credentials and, with --regions all,
// the regions enabled in it.
struct AccountCreds {
  std::string account;  // "" = the caller's own
  std::string role_arn;
  std::shared_ptr<aws::CredentialsProvider> provider;  // null: the caller's
  Status status;                                       // of its AssumeRole
  std::vector<std::string> regions;
};

std::string comma_list(const std::vector<std::string>& items) {
  std::string list;
  for (const std::string& item : items) list += (list.empty() ? "" : ", ") + item;
  return list;
}

// The notes of --regions all across accounts: the accounts grouped by their
// enabled regions, and each account whose own DescribeRegions failed (its
// regions are then the caller's, `own_failed[i]` why).
void note_member_regions(const std::vector<AccountCreds>& creds,
                         const std::vector<Status>& own_failed, std::vector<std::string>* notes) {
  std::map<std::vector<std::string>, std::vector<std::string>> by_regions;
  for (size_t i = 0; i < creds.size(); ++i) {
    const AccountCreds& c = creds[i];
    if (c.account.empty() || !c.status.ok()) continue;
    if (!own_failed[i].ok()) {
      notes->push_back("account " + c.account + ": describe-regions with its role failed (" +
                       own_failed[i].message() +
                       "); reading the caller's enabled regions there (grant the role "
                       "ec2:DescribeRegions, or name the regions with --regions)");
      continue;
    }
    by_regions[c.regions].push_back(c.account);
  }
  for (const auto& [regions, accounts] : by_regions) {
    notes->push_back("regions enabled in " +
                     (accounts.size() == 1 ? "account " + accounts.front()
                                           : std::to_string(accounts.size()) + " accounts (" +
                                                 comma_list(accounts) + ")") +
                     " (DescribeRegions with its role): " + comma_list(regions));
  }
}

// Runs job(i) for i in [0, n), at most `bound` at once.
template <typename Job>
void run_bounded(size_t n, int bound, Job job) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  const size_t workers = std::min<size_t>(n, static_cast<size_t>(std::max(1, bound)));
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) job(i);
    });
  }
  for (std::thread& t : threads) t.join();
}

// The credentials of `account`: AssumeRole of its role from the caller's
// credentials, cached and refreshed 5 minutes before they expire.
std::shared_ptr<aws::CredentialsProvider> account_credentials(const ScopeFlags& flags,
                                                              const AwsSession& caller,
                                                              const std::string& account) {
  aws::NetworkContext net;
  net.transport = caller.transport;
  net.client_config = caller.client_config;
  net.env = caller.env;
  aws::AssumeRoleParams params;
  params.role_arn = role_arn_for(flags, account);
  // Who asked, for CloudTrail in the member accounts: efstop and its pid.
  params.session_name = "efstop-" + std::to_string(::getpid());
  params.profile = caller.profile.name;
  return std::make_shared<aws::CachingCredentialsProvider>(
      aws::make_assume_role_provider(net, caller.credentials.provider, params));
}

// The caller's client settings for a client signing with `role_arn` ("":
// the caller's own credentials): a denied call then says to grant the
// action to that role, not to the caller.
aws::ClientConfig member_config(aws::ClientConfig config, const std::string& role_arn) {
  config.iam_principal = role_arn;
  return config;
}

// Organizations' ACTIVE accounts, sorted; the others as notes.
std::vector<std::string> active_accounts(const std::vector<aws::OrgAccount>& listed,
                                         std::vector<std::string>* notes) {
  std::vector<std::string> accounts;
  for (const aws::OrgAccount& a : listed) {
    if (a.status == "ACTIVE") {
      accounts.push_back(a.id);
    } else {
      notes->push_back("account " + a.id + " left out: ListAccounts says it is " +
                       (a.status.empty() ? std::string("of no status") : a.status) +
                       ", not ACTIVE");
    }
  }
  std::sort(accounts.begin(), accounts.end());
  accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
  return accounts;
}

}  // namespace

void add_scope_flags(OptionGroup* group, ScopeFlags* flags) {
  group->add_value("--regions", "LIST|all",
                   "read these regions (comma-separated), or all the enabled\n"
                   "regions of each account read (EC2 DescribeRegions); one\n"
                   "report, a region per row",
                   [flags](std::string_view v) -> Status {
                     if (v == "all") {
                       flags->all_regions = true;
                       return Status();
                     }
                     std::vector<std::string> list = split_commas(v);
                     if (list.empty()) return invalid_argument_error("want r1,r2 or all");
                     for (const std::string& r : list) {
                       if (!is_region_name(r)) {
                         return invalid_argument_error("'" + r + "' is not a region name");
                       }
                     }
                     std::sort(list.begin(), list.end());
                     list.erase(std::unique(list.begin(), list.end()), list.end());
                     flags->regions = std::move(list);
                     return Status();
                   });
  group->add_value("--accounts", "LIST",
                   "read these member accounts (12-digit ids, comma-separated)\n"
                   "through a role assumed in each (--role-name or\n"
                   "--role-arn-template); one report, an account per row",
                   [flags](std::string_view v) -> Status {
                     std::vector<std::string> list = split_commas(v);
                     if (list.empty()) return invalid_argument_error("want 111122223333,...");
                     for (const std::string& a : list) {
                       if (!is_account_id(a)) {
                         return invalid_argument_error("'" + a + "' is not a 12-digit account id");
                       }
                     }
                     std::sort(list.begin(), list.end());
                     list.erase(std::unique(list.begin(), list.end()), list.end());
                     flags->accounts = std::move(list);
                     return Status();
                   });
  group->add_flag("--organization",
                  "read every ACTIVE account of the organization (Organizations\n"
                  "ListAccounts, from the management or a delegated\n"
                  "administrator account) through --role-name",
                  [flags] { flags->organization = true; });
  group->add_value("--role-name", "NAME",
                   "the role to assume in each account:\n"
                   "arn:aws:iam::<account>:role/NAME",
                   [flags](std::string_view v) -> Status {
                     if (v.empty() || v.find_first_of(":{} ") != std::string_view::npos) {
                       return invalid_argument_error("want a role name (a path is allowed)");
                     }
                     flags->role_name = std::string(v);
                     return Status();
                   });
  group->add_value("--role-arn-template", "ARN",
                   "the role to assume in each account, {account} replaced by\n"
                   "its id (and {name} by --role-name):\n"
                   "'arn:aws-us-gov:iam::{account}:role/efstop'",
                   [flags](std::string_view v) -> Status {
                     if (v.find("{account}") == std::string_view::npos || !v.starts_with("arn:")) {
                       return invalid_argument_error("want an ARN with {account} in it");
                     }
                     flags->role_arn_template = std::string(v);
                     return Status();
                   });
  group->add_value("--scope-concurrency", "N", "accounts / regions read at once (default 4)",
                   [flags](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(int64_t n, parse_count(v, 64));
                     if (n < 1) return invalid_argument_error("want 1 to 64");
                     flags->concurrency = static_cast<int>(n);
                     return Status();
                   });
}

Status check_scope_flags(const ScopeFlags& flags) {
  if (!flags.accounts.empty() && flags.organization) {
    return invalid_argument_error(
        "parse --organization: --accounts names the accounts already; "
        "use one");
  }
  const bool role = !flags.role_name.empty() || !flags.role_arn_template.empty();
  if (flags.by_account() && !role) {
    return invalid_argument_error(std::string("parse ") +
                                  (flags.organization ? "--organization" : "--accounts") +
                                  ": give the role to assume in each account (--role-name NAME "
                                  "or --role-arn-template ARN)");
  }
  if (role && !flags.by_account()) {
    return invalid_argument_error(
        std::string("parse ") + (flags.role_name.empty() ? "--role-arn-template" : "--role-name") +
        ": it says which role to assume in --accounts or "
        "--organization; give one of them");
  }
  if (!flags.role_arn_template.empty() &&
      flags.role_arn_template.find("{name}") != std::string::npos && flags.role_name.empty()) {
    return invalid_argument_error("parse --role-arn-template: it uses {name}; give --role-name");
  }
  if (!flags.role_name.empty() && !flags.role_arn_template.empty() &&
      flags.role_arn_template.find("{name}") == std::string::npos) {
    return invalid_argument_error(
        "parse --role-name: --role-arn-template names the role "
        "already (no {name} in it); use one");
  }
  return Status();
}

std::string role_arn_for(const ScopeFlags& flags, const std::string& account) {
  std::string arn = flags.role_arn_template.empty() ? "arn:aws:iam::{account}:role/{name}"
                                                    : flags.role_arn_template;
  replace_all(&arn, "{account}", account);
  replace_all(&arn, "{name}", flags.role_name);
  return arn;
}

std::string Scope::label() const {
  return account.empty() ? region : "account " + account + " " + region;
}

Result<ScopePlan> plan_scopes(const ScopeFlags& flags, const AwsSession& caller) {
  ScopePlan plan;
  aws::AwsClient* client = caller.client.get();

  // 1. Regions.
  std::vector<std::string> regions = flags.regions;
  if (flags.all_regions) {
    // The caller's account's: the regions of a run without accounts, and
    // the stand-in for a member whose own list cannot be had (step 3).
    EFSTOP_ASSIGN_OR_RETURN(regions, aws::describe_enabled_regions(client));
    plan.notes.push_back(std::string("regions enabled for the ") +
                         (flags.by_account() ? "caller's " : "") +
                         "account (DescribeRegions): " + comma_list(regions));
  } else if (regions.empty()) {
    regions.push_back(client->region());
  }

  // 2. Accounts.
  std::vector<std::string> accounts = flags.accounts;
  if (flags.organization) {
    EFSTOP_ASSIGN_OR_RETURN(std::vector<aws::OrgAccount> listed,
                            aws::list_organization_accounts(client));
    for (std::string& a : active_accounts(listed, &plan.notes)) accounts.push_back(std::move(a));
    std::sort(accounts.begin(), accounts.end());
    accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
    if (accounts.empty()) {
      return not_found_error("list-accounts: the organization has no ACTIVE account");
    }
    plan.notes.push_back("accounts of the organization (ListAccounts): " +
                         std::to_string(accounts.size()) + " ACTIVE");
  }

  // 3. One credential source per account: AssumeRole from the caller's
  // credentials, cached and refreshed 5 minutes before it expires. Each is
  // tried once here, so an account that cannot be assumed is reported as
  // itself before any scope of it runs.
  // With --regions all, each member account's own enabled regions too (an
  // opt-in region may be enabled in one account and not in another), asked
  // with its role; when that call fails the caller's list stands in, and a
  // note says so (the list is a plan: a region the account cannot use
  // fails as its own scope, reported as itself).
  std::vector<AccountCreds> creds;
  if (accounts.empty()) {
    creds.push_back({"", "", caller.credentials.provider, Status(), {}});
  }
  for (const std::string& account : accounts) {
    creds.push_back({account,
                     role_arn_for(flags, account),
                     account_credentials(flags, caller, account),
                     Status(),
                     {}});
  }
  std::vector<Status> own_regions(creds.size());
  run_bounded(creds.size(), flags.concurrency, [&](size_t i) {
    AccountCreds& c = creds[i];
    if (c.account.empty()) return;
    Result<aws::Credentials> got = c.provider->get();
    if (!got.ok()) {
      c.status = got.status();
      return;
    }
    c.regions = regions;
    if (!flags.all_regions) return;
    aws::AwsClient member(member_config(caller.client_config, c.role_arn), c.provider,
                          caller.transport);
    Result<std::vector<std::string>> listed = aws::describe_enabled_regions(&member);
    if (listed.ok()) {
      c.regions = std::move(listed).value();
    } else {
      own_regions[i] = listed.status();
    }
  });
  if (flags.all_regions && !accounts.empty()) {
    note_member_regions(creds, own_regions, &plan.notes);
  }

  // 4. A client per (account, region).
  for (const AccountCreds& c : creds) {
    if (!c.status.ok()) {
      plan.failures.push_back(
          {"account " + c.account, "assume role " + c.role_arn + ": " + c.status.message(), true});
      continue;
    }
    for (const std::string& region : c.account.empty() ? regions : c.regions) {
      Scope scope;
      scope.account = c.account;
      scope.region = region;
      scope.role_arn = c.role_arn;
      scope.session = caller;
      aws::ClientConfig config = member_config(caller.client_config, c.role_arn);
      config.region = region;
      scope.session.client_config = config;
      scope.session.client = std::make_shared<aws::AwsClient>(config, c.provider, caller.transport);
      scope.session.region.region = region;
      scope.session.credentials.provider = c.provider;
      // The caller's own account in its own region keeps the store's
      // default scope, so names cached without scopes still serve it.
      scope.store_scope =
          (c.account.empty() && region == client->region())
              ? std::string()
              : (c.account.empty() ? std::string("self") : c.account) + "/" + region;
      plan.scopes.push_back(std::move(scope));
    }
  }
  return plan;
}

ScopeAccess check_scope_access(const ScopeFlags& flags, const AwsSession& caller) {
  ScopeAccess out;
  aws::AwsClient* client = caller.client.get();
  if (flags.all_regions) {
    Result<std::vector<std::string>> regions = aws::describe_enabled_regions(client);
    out.describe_regions = regions.status();
    if (regions.ok()) out.regions = std::move(regions).value();
  } else {
    out.regions = flags.regions;
  }
  std::vector<std::string> accounts = flags.accounts;
  if (flags.organization) {
    Result<std::vector<aws::OrgAccount>> listed = aws::list_organization_accounts(client);
    out.list_accounts = listed.status();
    if (listed.ok()) accounts = active_accounts(*listed, &out.notes);
  }
  for (const std::string& account : accounts) {
    out.accounts.push_back({account, role_arn_for(flags, account), Status(), std::nullopt, {}});
  }
  run_bounded(out.accounts.size(), flags.concurrency, [&](size_t i) {
    AccountAccess& a = out.accounts[i];
    std::shared_ptr<aws::CredentialsProvider> provider =
        account_credentials(flags, caller, a.account);
    Result<aws::Credentials> got = provider->get();
    if (!got.ok()) {
      a.status = got.status();
      return;
    }
    if (!flags.all_regions) return;
    aws::AwsClient member(member_config(caller.client_config, a.role_arn), provider,
                          caller.transport);
    Result<std::vector<std::string>> regions = aws::describe_enabled_regions(&member);
    a.describe_regions = regions.status();
    if (regions.ok()) a.regions = std::move(regions).value();
  });
  return out;
}

}  // namespace efstop::cli
