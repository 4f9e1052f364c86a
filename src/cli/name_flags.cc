#include "cli/name_flags.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "report/address_order.h"

namespace efstop::cli {

namespace {

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

void fill_end(report::End& end, const enrich::EndpointName& n) {
  // An unresolved end says why in its name, so the table and JSON show it.
  end.name = n.reason.empty() ? n.name : "unresolved: " + n.reason;
  end.kind = n.kind;
  end.id = n.id;
  end.az = n.az;
  end.account = n.account;
}

// Merges `from` into `into`: all addresses (in report order), and the
// distinct ids, AZs and accounts.
void merge_end(report::End& into, const report::End& from) {
  for (const std::string& ip : from.ips) add_unique(into.ips, ip);
  std::sort(into.ips.begin(), into.ips.end(),
            [](const std::string& a, const std::string& b) { return report::address_less(a, b); });
  auto merge_field = [](std::string& a, const std::string& b) {
    std::vector<std::string> parts;
    for (const std::string* s : {static_cast<const std::string*>(&a), &b}) {
      size_t start = 0;
      while (start <= s->size() && !s->empty()) {
        const size_t comma = s->find(',', start);
        add_unique(parts, s->substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    std::sort(parts.begin(), parts.end());
    a = join(parts);
  };
  merge_field(into.id, from.id);
  merge_field(into.az, from.az);
  merge_field(into.account, from.account);
}

std::string region_hint(const NameFlags& flags) {
  if (!flags.aws.region.empty()) return flags.aws.region;
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return v;
  }
  return {};
}

}  // namespace

void add_name_flags(OptionGroup* group, NameFlags* f, const NameFlagSet& set) {
  group->add_flag("--names",
                  "name every IP from AWS (EC2 ENIs and instances, EFS file systems\n"
                  "and mount targets), cached in the store",
                  [f] { f->names = true; });
  group->add_flag("--no-names",
                  "print addresses only; names are on by default when no SOURCE\n"
                  "is named (the flow logs come from AWS, so AWS is there anyway)",
                  [f] { f->no_names = true; });
  group->add_value("--inventory", "FILE",
                   "name IPs from a dump of `efstop inventory --output json`\n"
                   "instead of calling AWS",
                   [f](std::string_view v) {
                     f->inventory = std::string(v);
                     return Status();
                   });
  group->add_value("--labels", "FILE",
                   "names for addresses outside the account: 'CIDR NAME' per line,\n"
                   "longest prefix wins",
                   [f](std::string_view v) {
                     f->labels = std::string(v);
                     return Status();
                   });
  if (set.cache_dir)
    group->add_value("--cache-dir", "DIR",
                     "where the name store lives (default $XDG_CACHE_HOME/efstop,\n"
                     "else ~/.cache/efstop)",
                     [f](std::string_view v) {
                       f->cache_dir = std::string(v);
                       return Status();
                     });
  group->add_flag("--refresh", "ask AWS again instead of using cached names",
                  [f] { f->refresh = true; });
  group->add_flag("--offline", "make no AWS call: names from the store (any age) only",
                  [f] { f->offline = true; });
  group->add_value("--name-tag", "KEY", "the instance tag that holds its name (default Name)",
                   [f](std::string_view v) -> Status {
                     if (v.empty()) return invalid_argument_error("want a tag key");
                     f->name_tag = std::string(v);
                     return Status();
                   });
  group->add_value("--cache-ttl", "SECONDS", "how long cached names stay fresh (default 3600)",
                   [f](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(f->cache_ttl_seconds,
                                             parse_count(v, 10LL * 365 * 86400));
                     return Status();
                   });
  if (!set.cross_az_rate) return;
  group->add_value("--cross-az-rate", "USD",
                   "price of one GiB crossing AZs, for the cross-AZ cost\n"
                   "(default 0.02: $0.01/GB out + $0.01/GB in, EC2 pricing)",
                   [f](std::string_view v) -> Status {
                     char* end = nullptr;
                     const std::string text(v);
                     const double rate = std::strtod(text.c_str(), &end);
                     if (text.empty() || *end != '\0' || !(rate >= 0.0) || rate > 1000.0) {
                       return invalid_argument_error("want a price in USD per GiB, e.g. 0.02");
                     }
                     f->cross_az_usd_per_gib = rate;
                     return Status();
                   });
}

SharedStore open_shared_store(const NameFlags& flags, std::ostream& err) {
  SharedStore shared;
  if (!flags.inventory.empty()) return shared;
  // A store that cannot be opened costs the cache and history, not the report.
  Result<std::string> dir = store::default_store_dir(flags.cache_dir);
  Status s = dir.ok() ? store::prepare_store_dir(*dir) : dir.status();
  if (s.ok()) {
    store::StoreOptions options;
    options.path = *dir + "/" + std::string(store::kStoreFileName);
    options.warn = [&err](const std::string& w) { err << "efstop: " << w << '\n'; };
    auto opened = store::NameStore::open(options);
    if (opened.ok()) {
      shared.store = std::move(opened).value();
    } else {
      s = opened.status();
    }
  }
  if (!s.ok()) err << "efstop: warning: names without the store: " << s.message() << '\n';
  return shared;
}

Result<Naming> open_naming(const NameFlags& flags, int64_t now, std::ostream& err,
                           const AwsSession* session, const std::string& store_scope,
                           const SharedStore* shared) {
  Naming n;
  if (!flags.inventory.empty() && flags.offline) {
    return invalid_argument_error(
        "parse --offline: --inventory already makes no AWS call; use one");
  }
  if (!flags.labels.empty()) {
    EFSTOP_ASSIGN_OR_RETURN(enrich::LabelTable labels, enrich::LabelTable::load(flags.labels));
    for (const std::string& e : labels.errors()) err << "efstop: skip label " << e << '\n';
    n.labels = std::make_unique<const enrich::LabelTable>(std::move(labels));
  }
  // The store: a dump is self-contained, so it needs none.
  if (flags.inventory.empty()) {
    if (shared != nullptr) {
      if (shared->store) n.store = shared->store->for_scope(store_scope);
    } else {
      n.store = open_shared_store(flags, err).store;
      // open_shared_store opens the caller's scope: this one's view of it.
      if (n.store && !store_scope.empty()) n.store = n.store->for_scope(store_scope);
    }
  } else {
    EFSTOP_ASSIGN_OR_RETURN(enrich::Inventory inv, enrich::load_inventory_file(flags.inventory));
    n.inventory = std::make_unique<const enrich::Inventory>(std::move(inv));
    // The dump's history answers "who held this IP at t" for deleted ENIs.
    auto mem = store::NameStore::open({":memory:", 1000, {}});
    if (mem.ok()) {
      n.store = std::move(mem).value();
      for (const store::Assignment& a : n.inventory->history) {
        (void)n.store->record_assignments({a}, a.first_seen);
        (void)n.store->record_assignments({a}, a.last_seen);
      }
    }
  }
  enrich::ResolveOptions options;
  options.now = now;
  options.ttl_seconds = flags.cache_ttl_seconds;
  options.refresh = flags.refresh;
  options.name_tag = flags.name_tag;
  options.labels = n.labels.get();
  if (n.inventory) {
    n.source = enrich::make_inventory_fact_source(*n.inventory);
    options.region = n.inventory->region;
    // The dump is the truth for its run: do not mix in a cache.
    options.refresh = true;
  } else if (flags.names && !flags.offline) {
    if (session != nullptr) {
      n.aws = *session;
    } else {
      EFSTOP_ASSIGN_OR_RETURN(AwsSession opened,
                              open_aws_session(flags.aws, aws::EnvVars::from_process(), err));
      n.aws = std::move(opened);
    }
    n.source = enrich::make_aws_fact_source(n.aws->client.get(), 8, "");
    options.region = n.aws->client->region();
  } else {
    options.offline = true;
    options.region = region_hint(flags);
  }
  n.resolver = std::make_unique<enrich::Resolver>(n.source.get(), n.store.get(), options);
  return n;
}

std::map<std::string, int64_t> row_ip_times(const std::vector<report::Row>& rows) {
  std::map<std::string, int64_t> ip_times;
  for (const report::Row& row : rows) {
    // A row whose records had no end (a format without it): its start.
    const int64_t t = row.counters.last_seen.value_or(row.counters.first_seen.value_or(0));
    for (const std::optional<report::End>* end : {&row.client, &row.server}) {
      if (!end->has_value()) continue;
      for (const std::string& ip : (*end)->ips) {
        int64_t& slot = ip_times[ip];
        slot = std::max(slot, t);
      }
    }
  }
  return ip_times;
}

std::vector<report::Row> name_rows(std::vector<report::Row> rows, Naming& naming,
                                   const NameFlags& flags, NameGrouping grouping, bool quiet,
                                   std::ostream& err, enrich::ResolveStats* stats_out) {
  (void)flags;
  // 1. Every IP, at the latest time it was seen (history answers for then).
  enrich::ResolveResult resolved = naming.resolver->resolve(row_ip_times(rows));
  return name_rows_resolved(std::move(rows), std::move(resolved), naming.aws.has_value(), grouping,
                            quiet, err, stats_out);
}

std::vector<report::Row> name_rows_resolved(std::vector<report::Row> rows,
                                            enrich::ResolveResult resolved, bool calls_aws,
                                            NameGrouping grouping, bool quiet, std::ostream& err,
                                            enrich::ResolveStats* stats_out) {
  rows = apply_names(std::move(rows), resolved.names, grouping);

  // 4. Tell what naming did.
  const enrich::ResolveStats& s = resolved.stats;
  if (!quiet) {
    for (const std::string& w : s.warnings) err << "efstop: " << w << '\n';
    err << "names: " << s.ips << " IPs = " << s.mount_targets << " mount targets + " << s.looked_up
        << " looked up + " << s.cached << " cached + " << s.from_history << " from history + "
        << s.labelled << " labelled + " << s.external << " external + " << s.unresolved
        << " unresolved\n";
    for (const auto& [reason, count] : s.unresolved_reasons) {
      err << "names: unresolved " << count << " (" << reason << ")\n";
    }
    int64_t total_calls = 0;
    std::string calls;
    for (const auto& [api, count] : s.calls) {
      if (count == 0) continue;
      total_calls += count;
      calls += " " + api + "=" + std::to_string(count);
    }
    if (calls_aws) err << "names: AWS calls " << total_calls << ":" << calls << '\n';
  }
  if (stats_out != nullptr) *stats_out = s;
  return rows;
}

std::vector<report::Row> apply_names(std::vector<report::Row> rows,
                                     const std::map<std::string, enrich::EndpointName>& names,
                                     NameGrouping grouping) {
  const auto& resolved_names = names;
  // 2. Name the ends; cross-AZ bytes where both AZs are known.
  for (report::Row& row : rows) {
    for (std::optional<report::End>* end : {&row.client, &row.server}) {
      if (!end->has_value() || (*end)->ips.size() != 1) continue;
      const auto it = resolved_names.find((*end)->ips.front());
      if (it != resolved_names.end()) fill_end(**end, it->second);
    }
    // Per pair, before any merge: known crossing (or not), or unknown.
    if (row.client && row.server && !row.client->az.empty() && !row.server->az.empty()) {
      row.cross_az_bytes = row.client->az != row.server->az ? row.counters.bytes_total() : 0;
    } else {
      row.cross_az_unknown_bytes = row.counters.bytes_total();
    }
  }

  // 3. Merge by file system, name or AZ (cross-AZ bytes are already decided
  // per pair above, so a merged row sums them).
  if (grouping != NameGrouping::kNone) {
    std::map<std::pair<std::string, std::string>, report::Row> merged;
    auto client_key = [&](const report::End& e) {
      if (grouping == NameGrouping::kAz) return e.az.empty() ? std::string("?") : e.az;
      // The client as it is: its address (a pair row's end has one).
      if (grouping == NameGrouping::kFileSystem) return "ip\x1f" + join(e.ips);
      return e.kind + "\x1f" + e.name;
    };
    auto server_key = [&](const report::End& e) {
      if (grouping == NameGrouping::kAz) return e.az.empty() ? std::string("?") : e.az;
      // A file system: all its mount targets are one server.
      if (e.kind == "efs-mount-target" && !e.id.empty()) return e.kind + "\x1f" + e.id;
      // Any other server: by file system, it stays its own address (an NFS
      // server on an instance is not a file system to merge into).
      if (grouping == NameGrouping::kFileSystem) return "ip\x1f" + join(e.ips);
      return e.kind + "\x1f" + e.name;
    };
    for (report::Row& row : rows) {
      if (grouping == NameGrouping::kAz) {
        for (std::optional<report::End>* end : {&row.client, &row.server}) {
          if (!end->has_value()) continue;
          report::End az_end;
          az_end.ips = (*end)->ips;
          az_end.az = (*end)->az.empty() ? "?" : (*end)->az;
          az_end.name = az_end.az;
          az_end.kind = "az";
          **end = std::move(az_end);
        }
      }
      const auto key = std::make_pair(row.client ? client_key(*row.client) : std::string(),
                                      row.server ? server_key(*row.server) : std::string());
      auto it = merged.find(key);
      if (it == merged.end()) {
        merged.emplace(key, std::move(row));
        continue;
      }
      report::Row& into = it->second;
      into.counters.merge(row.counters);
      into.series.merge(row.series);
      into.merge_cross_az(row);
      if (into.client && row.client) merge_end(*into.client, *row.client);
      if (into.server && row.server) merge_end(*into.server, *row.server);
    }
    rows.clear();
    for (auto& [key, row] : merged) rows.push_back(std::move(row));
  }

  return rows;
}

std::vector<report::FailedCall> to_failed_calls(const enrich::ResolveStats& s) {
  std::vector<report::FailedCall> out;
  for (const enrich::FailedCall& f : s.failed_calls) {
    std::string error = f.error;
    if (!f.target.empty()) error = f.target + ": " + error;
    out.push_back({f.call, std::move(error), f.ips});
  }
  return out;
}

report::NameStats to_name_stats(const enrich::ResolveStats& s) {
  report::NameStats n;
  n.ips = s.ips;
  n.mount_targets = s.mount_targets;
  n.looked_up = s.looked_up;
  n.cached = s.cached;
  n.from_history = s.from_history;
  n.labelled = s.labelled;
  n.external = s.external;
  n.unresolved = s.unresolved;
  for (const auto& [reason, count] : s.unresolved_reasons) {
    const auto action = s.unresolved_iam_actions.find(reason);
    n.unresolved_reasons.push_back(
        {reason, count, action == s.unresolved_iam_actions.end() ? std::string() : action->second});
  }
  return n;
}

}  // namespace efstop::cli
