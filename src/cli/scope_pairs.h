// A flow counted once across the scopes of a multi-account report (issue 18,
// docs/multi-account.md, "A flow between two accounts";
// docs/flow-counting.md, "Across accounts").
//
// Each scope (one account, one region) counts the records of its own ENIs
// with its own mount targets. A flow between a client in account A and a
// mount target of account B (same region: a cross-account mount over
// peering, a transit gateway or a shared VPC) is logged on both ENIs: B's
// record is counted in B, and A's is counted in A too when A has no mount
// target of its own there (A then counts by port 2049). The rule here, run
// after every scope's read and before any naming:
//
//   A pair (client, server) counted in scope A whose server is a mount
//   target of exactly one other scope B of the same region, and not of A,
//   is B's (the file system's owner's). If B counted the same pair, A's
//   records of it are duplicates (A's used -> duplicates, as the
//   once-per-flow rule does inside a scope when a pair was logged on a
//   mount-target ENI); otherwise (B's mount target has no flow log) A's
//   totals, series included, move to B (records and used leave A and join
//   B). A server that is a mount target of several other scopes
//   (overlapping private ranges) is ambiguous: the pair stays in A, counted.
//
// So `records = used + duplicates + not_efs + ...` (flowlog::FlowStats)
// holds in every scope after the rule, and the sum over scopes is that of
// before plus the duplicates found.
// Thread-safety: plain functions over the caller's data.
#ifndef EFSTOP_CLI_SCOPE_PAIRS_H_
#define EFSTOP_CLI_SCOPE_PAIRS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "flowlog/aggregate.h"
#include "flowlog/ip_address.h"
#include "report/model.h"

namespace efstop::cli {

// One scope's counting, as its read left it.
struct ScopeCounts {
  std::string account;
  std::string region;
  // Its own mount targets' addresses (the server side of its rule).
  std::vector<flowlog::IpAddress> mount_target_ips;
  std::vector<flowlog::PairTotals> pairs;  // sorted by (client, server), address_less
  flowlog::FlowStats stats;
};

// What the rule did from one scope to another.
struct CrossScopeMove {
  size_t from = 0;         // index of the scope the records were counted in
  size_t to = 0;           // the scope of the server's mount target
  bool duplicate = false;  // true: `to` counted the pair too; false: moved
  int64_t pairs = 0;
  int64_t records = 0;  // used records (ACCEPT flows + REJECTs)
  int64_t bytes = 0;    // bytes_total of the pairs
};

// Pairs left in their scope because their server is a mount target of
// several other scopes.
struct CrossScopeAmbiguous {
  size_t scope = 0;
  flowlog::IpAddress server;
  std::vector<size_t> owners;  // the other scopes with that mount-target address
  int64_t pairs = 0;
  int64_t records = 0;
  int64_t bytes = 0;
};

struct CrossScopeResult {
  std::vector<CrossScopeMove> moves;           // by (from, to, duplicate)
  std::vector<CrossScopeAmbiguous> ambiguous;  // by (scope, server)
  // Per scope: the client addresses of the pairs the rule took from another
  // scope (moved or found duplicate there) -> that scope, the first other
  // scope to ask for the client's name (docs/multi-account.md, "Names
  // across scopes").
  std::vector<std::map<std::string, size_t>> client_from;
};

// Applies the rule to `scopes` in place (see the file comment).
CrossScopeResult assign_pairs_to_server_scopes(std::vector<ScopeCounts>* scopes);

// The rule's outcome for the report (JSON stats.cross_scope), with the
// scopes' accounts and regions.
report::CrossScope to_cross_scope(const CrossScopeResult& r,
                                  const std::vector<ScopeCounts>& scopes);

// The summary's lines ("cross-scope: ..."), one per move and ambiguity.
std::vector<std::string> cross_scope_lines(const report::CrossScope& c);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_SCOPE_PAIRS_H_
