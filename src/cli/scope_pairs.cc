#include "cli/scope_pairs.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

namespace efstop::cli {

namespace {

// The used records of a pair: its ACCEPT flows and its REJECTs (the
// aggregator adds both to FlowStats::used).
int64_t used_records(const flowlog::PairTotals& p) { return p.flows + p.rejected; }

bool pair_less(const flowlog::PairTotals& a, const flowlog::PairTotals& b) {
  if (a.client != b.client) return flowlog::address_less(a.client, b.client);
  return flowlog::address_less(a.server, b.server);
}

// Adds `from`'s counters and series into `into` (the same pair, read from
// two scopes' records that are not the same flow records).
void merge_pair(flowlog::PairTotals* into, flowlog::PairTotals&& from) {
  into->bytes_read += from.bytes_read;
  into->bytes_written += from.bytes_written;
  into->packets += from.packets;
  into->flows += from.flows;
  into->rejected += from.rejected;
  into->packets_unknown += from.packets_unknown;
  into->bytes_unknown += from.bytes_unknown;
  into->first_seen = std::min(into->first_seen, from.first_seen);
  into->last_seen = std::max(into->last_seen, from.last_seen);
  std::vector<flowlog::BucketBytes> series;
  series.reserve(into->series.size() + from.series.size());
  size_t i = 0;
  size_t j = 0;
  while (i < into->series.size() || j < from.series.size()) {
    if (j == from.series.size() ||
        (i < into->series.size() && into->series[i].start < from.series[j].start)) {
      series.push_back(into->series[i++]);
    } else if (i == into->series.size() || from.series[j].start < into->series[i].start) {
      series.push_back(from.series[j++]);
    } else {
      flowlog::BucketBytes b = into->series[i++];
      b.bytes_read += from.series[j].bytes_read;
      b.bytes_written += from.series[j].bytes_written;
      ++j;
      series.push_back(b);
    }
  }
  into->series = std::move(series);
}

}  // namespace

CrossScopeResult assign_pairs_to_server_scopes(std::vector<ScopeCounts>* scopes) {
  std::vector<ScopeCounts>& s = *scopes;
  CrossScopeResult result;
  result.client_from.resize(s.size());
  // (region, mount-target address) -> the scopes that have it.
  std::map<std::pair<std::string, flowlog::IpAddress>, std::set<size_t>> owners;
  for (size_t i = 0; i < s.size(); ++i) {
    for (const flowlog::IpAddress& ip : s[i].mount_target_ips) owners[{s[i].region, ip}].insert(i);
  }
  // Each scope's pairs as its own read counted them: "B counted that pair"
  // is decided on these, not on pairs another scope moved in.
  std::vector<std::set<std::pair<flowlog::IpAddress, flowlog::IpAddress>>> counted(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    for (const flowlog::PairTotals& p : s[i].pairs) counted[i].insert({p.client, p.server});
  }
  std::map<std::tuple<size_t, size_t, bool>, CrossScopeMove> moves;
  std::map<std::pair<size_t, flowlog::IpAddress>, CrossScopeAmbiguous> ambiguous;
  std::vector<std::vector<flowlog::PairTotals>> incoming(s.size());
  for (size_t a = 0; a < s.size(); ++a) {
    std::vector<flowlog::PairTotals> kept;
    kept.reserve(s[a].pairs.size());
    for (flowlog::PairTotals& p : s[a].pairs) {
      const auto it = owners.find({s[a].region, p.server});
      if (it == owners.end() || it->second.count(a) > 0) {
        kept.push_back(std::move(p));  // no other scope's mount target, or A's own
        continue;
      }
      const int64_t n = used_records(p);
      const int64_t bytes = p.bytes_total();
      if (it->second.size() > 1) {
        CrossScopeAmbiguous& amb = ambiguous[{a, p.server}];
        amb.scope = a;
        amb.server = p.server;
        amb.owners.assign(it->second.begin(), it->second.end());
        amb.pairs += 1;
        amb.records += n;
        amb.bytes += bytes;
        kept.push_back(std::move(p));
        continue;
      }
      const size_t b = *it->second.begin();
      const bool duplicate = counted[b].count({p.client, p.server}) > 0;
      CrossScopeMove& m = moves[{a, b, duplicate}];
      m.from = a;
      m.to = b;
      m.duplicate = duplicate;
      m.pairs += 1;
      m.records += n;
      m.bytes += bytes;
      result.client_from[b].emplace(p.client.to_string(), a);
      s[a].stats.used -= n;
      s[a].stats.unknown_bytes -= p.bytes_unknown;
      if (duplicate) {
        s[a].stats.duplicates += n;  // B's mount-target ENI logged the same flow
        continue;
      }
      s[a].stats.records -= n;
      s[b].stats.records += n;
      s[b].stats.used += n;
      s[b].stats.unknown_bytes += p.bytes_unknown;
      incoming[b].push_back(std::move(p));
    }
    s[a].pairs = std::move(kept);
  }
  for (size_t b = 0; b < s.size(); ++b) {
    if (incoming[b].empty()) continue;
    std::vector<flowlog::PairTotals>& pairs = s[b].pairs;
    std::sort(incoming[b].begin(), incoming[b].end(), pair_less);
    for (flowlog::PairTotals& p : incoming[b]) {
      // Two scopes moving the same pair in (the same client address in two
      // accounts): one row, as one address is within a scope.
      if (!pairs.empty() && pairs.back().client == p.client && pairs.back().server == p.server) {
        merge_pair(&pairs.back(), std::move(p));
      } else {
        pairs.push_back(std::move(p));
      }
    }
    std::stable_sort(pairs.begin(), pairs.end(), pair_less);
  }
  for (auto& [key, m] : moves) result.moves.push_back(m);
  for (auto& [key, amb] : ambiguous) result.ambiguous.push_back(std::move(amb));
  return result;
}

report::CrossScope to_cross_scope(const CrossScopeResult& r,
                                  const std::vector<ScopeCounts>& scopes) {
  report::CrossScope c;
  for (const CrossScopeMove& m : r.moves) {
    report::CrossScopeMove out;
    out.from_account = scopes[m.from].account;
    out.from_region = scopes[m.from].region;
    out.account = scopes[m.to].account;
    out.region = scopes[m.to].region;
    out.action = m.duplicate ? "duplicate" : "moved";
    out.pairs = m.pairs;
    out.records = m.records;
    out.bytes = m.bytes;
    (m.duplicate ? c.duplicates : c.moved) += m.records;
    c.moves.push_back(std::move(out));
  }
  for (const CrossScopeAmbiguous& a : r.ambiguous) {
    report::CrossScopeAmbiguous out;
    out.account = scopes[a.scope].account;
    out.region = scopes[a.scope].region;
    out.server = a.server.to_string();
    for (size_t o : a.owners) out.owners.push_back(scopes[o].account);
    out.pairs = a.pairs;
    out.records = a.records;
    out.bytes = a.bytes;
    c.ambiguous.push_back(std::move(out));
  }
  return c;
}

std::vector<std::string> cross_scope_lines(const report::CrossScope& c) {
  const auto count = [](int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::vector<std::string> lines;
  for (const report::CrossScopeMove& m : c.moves) {
    std::string line = count(m.records, "record", "records") + " (" +
                       count(m.pairs, "pair", "pairs") + ", " + std::to_string(m.bytes) +
                       " bytes) counted in account " + m.from_account + " " + m.from_region +
                       " are of a mount target of account " + m.account + ": ";
    if (m.action == "duplicate") {
      line += "its mount-target ENI logged them too, so they are duplicates (counted there once)";
    } else {
      line += "moved to its row (its mount-target ENI has no flow log read)";
    }
    lines.push_back(std::move(line));
  }
  for (const report::CrossScopeAmbiguous& a : c.ambiguous) {
    std::string owners;
    for (const std::string& o : a.owners) owners += (owners.empty() ? "" : ", ") + o;
    lines.push_back(count(a.records, "record", "records") + " (" + count(a.pairs, "pair", "pairs") +
                    ", " + std::to_string(a.bytes) + " bytes) counted in account " + a.account +
                    " " + a.region + " have server " + a.server +
                    ", a mount-target address of several accounts (" + owners +
                    "): kept in account " + a.account + " (whose it is cannot be told)");
  }
  if (c.names_from_other_scopes > 0) {
    lines.push_back(count(c.names_from_other_scopes, "address", "addresses") +
                    " not found in its row's account named by another account of the region");
  }
  return lines;
}

}  // namespace efstop::cli
