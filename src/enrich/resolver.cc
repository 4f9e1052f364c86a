#include "enrich/resolver.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <set>

#include "enrich/classify.h"

namespace efstop::enrich {

namespace {

constexpr std::string_view kEniByIp = "eni-by-ip";
constexpr std::string_view kInstanceById = "instance";
constexpr std::string_view kVpcEndpointById = "vpc-endpoint";
constexpr std::string_view kEfsInventory = "efs-inventory";

// ---- live AWS ----

class AwsFactSource : public FactSource {
 public:
  AwsFactSource(aws::AwsClient* client, int parallelism, std::string account)
      : client_(client),
        ec2_(client, parallelism),
        efs_(client, parallelism),
        account_(std::move(account)) {}

  Result<aws::EfsInventory> efs_inventory() override { return efs_.describe_inventory(); }
  aws::BatchedResult<aws::NetworkInterface> enis_by_filter(
      std::string_view filter, const std::vector<std::string>& values) override {
    return ec2_.describe_network_interfaces(filter, values);
  }
  aws::VpcScan scan_vpc(const std::string& vpc_id, int64_t max_pages) override {
    return ec2_.scan_vpc_network_interfaces(vpc_id, max_pages);
  }
  aws::BatchedResult<aws::Instance> instances(const std::vector<std::string>& ids) override {
    return ec2_.describe_instances(ids);
  }
  aws::BatchedResult<aws::VpcEndpoint> vpc_endpoints(const std::vector<std::string>& ids) override {
    return ec2_.describe_vpc_endpoints(ids);
  }
  std::string account() const override { return account_; }
  std::string region() const override { return client_->region(); }
  std::map<std::string, int64_t> calls() const override {
    return {{"ec2:DescribeNetworkInterfaces", ec2_.network_interface_calls()},
            {"ec2:DescribeInstances", ec2_.instance_calls()},
            {"ec2:DescribeVpcEndpoints", ec2_.vpc_endpoint_calls()},
            {"elasticfilesystem:DescribeFileSystems", efs_.file_system_calls()},
            {"elasticfilesystem:DescribeMountTargets", efs_.mount_target_calls()}};
  }

 private:
  aws::AwsClient* client_;
  aws::Ec2Api ec2_;
  aws::EfsApi efs_;
  std::string account_;
};

// ---- an inventory dump ----

class InventoryFactSource : public FactSource {
 public:
  explicit InventoryFactSource(const Inventory& inv) : inv_(inv) {
    for (const EniDescription& e : inv_.network_interfaces) {
      for (const std::string& ip : e.private_ips) by_private_.emplace(ip, &e);
      for (const std::string& ip : e.public_ips) by_public_.emplace(ip, &e);
      for (const std::string& ip : e.ipv6_ips) by_ipv6_.emplace(ip, &e);
    }
  }
  Result<aws::EfsInventory> efs_inventory() override {
    aws::EfsInventory out;
    out.file_systems = inv_.file_systems;
    out.mount_targets = inv_.mount_targets;
    for (const FailedCall& f : inv_.failed_calls) {
      if (f.call == kMountTargetsCall) {
        out.failures.push_back(
            {f.target, aws_error("the inventory was taken without the mount targets of " +
                                 f.target + ": " + f.error)});
      }
    }
    return out;
  }
  aws::BatchedResult<aws::NetworkInterface> enis_by_filter(
      std::string_view filter, const std::vector<std::string>& values) override {
    const auto& index = filter == aws::kPublicIpFilter ? by_public_
                        : filter == aws::kIpv6Filter   ? by_ipv6_
                                                       : by_private_;
    aws::BatchedResult<aws::NetworkInterface> out;
    std::set<const EniDescription*> seen;
    for (const std::string& v : values) {
      auto [lo, hi] = index.equal_range(v);
      for (auto it = lo; it != hi; ++it) {
        if (seen.insert(it->second).second) out.items.push_back(*it->second);
      }
    }
    return out;
  }
  aws::VpcScan scan_vpc(const std::string& vpc_id, int64_t) override {
    aws::VpcScan scan;
    for (const EniDescription& e : inv_.network_interfaces) {
      if (e.vpc_id == vpc_id) scan.items.push_back(e);
    }
    scan.complete = true;
    return scan;
  }
  aws::BatchedResult<aws::Instance> instances(const std::vector<std::string>& ids) override {
    aws::BatchedResult<aws::Instance> out;
    const std::set<std::string> wanted(ids.begin(), ids.end());
    for (const InstanceInfo& i : inv_.instances) {
      if (wanted.count(i.id)) out.items.push_back(i);
    }
    return out;
  }
  aws::BatchedResult<aws::VpcEndpoint> vpc_endpoints(const std::vector<std::string>& ids) override {
    aws::BatchedResult<aws::VpcEndpoint> out;
    const std::set<std::string> wanted(ids.begin(), ids.end());
    for (const VpcEndpointInfo& v : inv_.vpc_endpoints) {
      if (wanted.count(v.id)) out.items.push_back(v);
    }
    return out;
  }
  std::string account() const override { return inv_.account; }
  std::string region() const override { return inv_.region; }
  std::map<std::string, int64_t> calls() const override { return {}; }
  std::vector<FailedCall> failed_before() const override {
    std::vector<FailedCall> out;
    for (const FailedCall& f : inv_.failed_calls) {
      if (f.call != kMountTargetsCall) out.push_back(f);
    }
    return out;
  }

 private:
  // Mount targets the dump lacks are the EFS inventory's own failures:
  // efs_status() reports them, as a live call's would be.
  static constexpr std::string_view kMountTargetsCall = "elasticfilesystem:DescribeMountTargets";
  Inventory inv_;
  std::multimap<std::string, const EniDescription*> by_private_, by_public_, by_ipv6_;
};

// RFC 1918, RFC 6598 (shared address space) and link-local: addresses a VPC
// uses privately, looked up with the private-address filter only.
bool is_private_ipv4(const std::string& bytes) {
  const auto b = [&](int i) { return static_cast<unsigned char>(bytes[static_cast<size_t>(i)]); };
  return b(0) == 10 || (b(0) == 172 && (b(1) & 0xf0) == 16) || (b(0) == 192 && b(1) == 168) ||
         (b(0) == 100 && (b(1) & 0xc0) == 64) || (b(0) == 169 && b(1) == 254);
}

// A short, countable reason for a failed lookup; the full message is a warning.
std::string failure_reason(const Status& s, std::string_view action) {
  std::string what;
  switch (s.code()) {
    case StatusCode::kAuth:
      what = "denied";
      break;
    case StatusCode::kThrottled:
      what = "throttled";
      break;
    case StatusCode::kNetwork:
      what = "network error";
      break;
    default:
      what = std::string(status_code_name(s.code()));
      break;
  }
  return what + " " + std::string(action);
}

// One entry per call and message: batches failing alike are one failure.
void add_failed_call(std::vector<FailedCall>* calls, std::string_view call, const Status& s,
                     int64_t ips) {
  for (FailedCall& c : *calls) {
    if (c.call == call && c.error == s.message()) {
      c.ips += ips;
      return;
    }
  }
  calls->push_back({std::string(call), "", s.message(), ips});
}

// What a history row says about the IP it assigned.
void name_from_history(const store::Assignment& a, EndpointName* n) {
  n->kind = a.kind;
  n->name = a.name;
  n->id = a.resource_id;
  n->az = a.az;
  n->account = a.account;
  n->eni_id = a.eni_id;
}

}  // namespace

std::unique_ptr<FactSource> make_aws_fact_source(aws::AwsClient* client, int parallelism,
                                                 std::string account) {
  return std::make_unique<AwsFactSource>(client, parallelism, std::move(account));
}

std::unique_ptr<FactSource> make_inventory_fact_source(const Inventory& inventory) {
  return std::make_unique<InventoryFactSource>(inventory);
}

Resolver::Resolver(FactSource* source, store::NameStore* store, ResolveOptions options)
    : source_(source), store_(store), options_(std::move(options)) {}

void Resolver::load_efs() {
  if (efs_loaded_) return;
  efs_loaded_ = true;
  const std::string key =
      !options_.region.empty() ? options_.region : (source_ ? source_->region() : std::string());
  if (store_ != nullptr && !options_.refresh) {
    auto hit = store_->get_lookup(kEfsInventory, key, options_.now,
                                  options_.offline ? -1 : options_.ttl_seconds);
    if (hit.ok() && hit->has_value()) {
      Result<Inventory> inv = inventory_from_json((*hit)->value, "cached EFS inventory");
      if (inv.ok()) {
        efs_.file_systems = std::move(inv->file_systems);
        efs_.mount_targets = std::move(inv->mount_targets);
        return;
      }
    }
  }
  if (options_.offline || source_ == nullptr) {
    efs_warnings_.push_back(
        "warning: no EFS inventory in the store (--offline): file systems are named by id only");
    return;
  }
  Result<aws::EfsInventory> inv = source_->efs_inventory();
  if (!inv.ok()) {
    efs_status_ = inv.status();
    efs_warnings_.push_back("warning: EFS inventory unavailable, file systems are named by id: " +
                            inv.status().message());
    return;
  }
  efs_ = std::move(inv).value();
  for (const aws::MountTargetFailure& f : efs_.failures) {
    efs_warnings_.push_back("warning: mount targets of " + f.file_system_id +
                            " unavailable: " + f.status.message());
  }
  if (store_ != nullptr && efs_.failures.empty()) {
    Inventory cached;
    cached.file_systems = efs_.file_systems;
    cached.mount_targets = efs_.mount_targets;
    (void)store_->put_lookup(kEfsInventory, key, inventory_to_json(cached), options_.now);
  }
}

const aws::EfsInventory& Resolver::efs() {
  load_efs();
  return efs_;
}

Status Resolver::efs_status() {
  load_efs();
  if (!efs_status_.ok()) return efs_status_;
  if (!efs_.failures.empty()) return efs_.failures.front().status;
  return Status();
}

template <typename T>
std::map<std::string, T> Resolver::lookup_by_id(
    std::string_view cache_kind, const std::set<std::string>& ids,
    Result<T> (*from_json)(std::string_view), std::string (*to_json)(const T&),
    const std::function<aws::BatchedResult<T>(const std::vector<std::string>&)>& fetch,
    std::string_view warning, const std::function<void(const std::string&)>& warn,
    std::vector<aws::BatchFailure>* failures) {
  std::map<std::string, T> found;
  std::vector<std::string> todo;
  if (store_ != nullptr && !options_.refresh && !ids.empty()) {
    auto hits = store_->get_lookups(cache_kind, {ids.begin(), ids.end()}, options_.now,
                                    options_.offline ? -1 : options_.ttl_seconds);
    for (const std::string& id : ids) {
      if (hits.ok() && hits->count(id)) {
        if (hits->at(id).value.empty()) continue;  // known to be gone (a cached negative)
        Result<T> item = from_json(hits->at(id).value);
        if (item.ok()) {
          found[id] = std::move(item).value();
          continue;
        }
      }
      todo.push_back(id);
    }
  } else {
    todo.assign(ids.begin(), ids.end());
  }
  if (!todo.empty() && !options_.offline && source_ != nullptr) {
    aws::BatchedResult<T> r = fetch(todo);
    std::vector<std::pair<std::string, std::string>> cache_rows;
    for (T& item : r.items) {
      cache_rows.emplace_back(item.id, to_json(item));
      found[item.id] = std::move(item);
    }
    std::set<std::string> unanswered;
    for (const aws::BatchFailure& f : r.failures) {
      warn(std::string(warning) + f.status.message());
      unanswered.insert(f.values.begin(), f.values.end());
      failures->push_back(f);
    }
    // Ids AWS answered without: gone. Cached too, so the next run inside
    // the TTL does not ask again.
    for (const std::string& id : todo) {
      if (!found.count(id) && !unanswered.count(id)) cache_rows.emplace_back(id, "");
    }
    if (store_ != nullptr) (void)store_->put_lookups(cache_kind, cache_rows, options_.now);
  }
  return found;
}

ResolveResult Resolver::resolve(const std::map<std::string, int64_t>& ip_times) {
  ResolveResult res;
  ResolveStats& st = res.stats;
  st.ips = static_cast<int64_t>(ip_times.size());
  load_efs();
  st.warnings = efs_warnings_;
  std::set<std::string> warned;
  auto warn_once = [&](const std::string& w) {
    if (warned.insert(w).second) st.warnings.push_back(w);
  };

  std::map<std::string, const aws::FileSystem*> fs_by_id;
  for (const aws::FileSystem& f : efs_.file_systems) fs_by_id[f.id] = &f;
  std::map<std::string, const aws::MountTarget*> mt_by_ip;
  for (const aws::MountTarget& m : efs_.mount_targets) {
    if (!m.ip.empty()) mt_by_ip[m.ip] = &m;
    if (!m.ipv6.empty()) mt_by_ip[m.ipv6] = &m;
  }
  auto fs_name = [&](const std::string& id) {
    const auto it = fs_by_id.find(id);
    return it != fs_by_id.end() && !it->second->name.empty() ? it->second->name : id;
  };

  // 1. Mount targets.
  std::vector<std::string> todo;
  for (const auto& [ip, t] : ip_times) {
    const auto it = mt_by_ip.find(ip);
    if (it == mt_by_ip.end()) {
      todo.push_back(ip);
      continue;
    }
    const aws::MountTarget& m = *it->second;
    EndpointName n;
    n.ip = ip;
    n.kind = kind::kEfsMountTarget;
    n.id = m.file_system_id;
    n.name = fs_name(m.file_system_id);
    n.az = m.availability_zone_name;
    n.account = m.owner_id;
    n.eni_id = m.eni_id;
    res.names[ip] = std::move(n);
    ++st.mount_targets;
  }

  // 2. The cache.
  std::map<std::string, EniDescription> live;  // ip -> ENI holding it now
  std::set<std::string> absent;                // no ENI holds it
  std::map<std::string, std::string> failed;   // ip -> reason
  std::set<std::string> cached_ips;
  std::vector<std::string> remaining;
  if (store_ != nullptr && !options_.refresh) {
    auto hits = store_->get_lookups(kEniByIp, todo, options_.now,
                                    options_.offline ? -1 : options_.ttl_seconds);
    std::map<std::string, store::CachedLookup> found;
    if (hits.ok()) {
      found = std::move(hits).value();
    } else {
      warn_once("warning: store lookup failed: " + hits.status().message());
    }
    for (const std::string& ip : todo) {
      const auto h = found.find(ip);
      if (h == found.end()) {
        remaining.push_back(ip);
        continue;
      }
      cached_ips.insert(ip);
      if (h->second.value.empty()) {
        absent.insert(ip);
        continue;
      }
      Result<EniDescription> e = network_interface_from_json(h->second.value);
      if (e.ok()) {
        live[ip] = std::move(e).value();
      } else {
        cached_ips.erase(ip);
        remaining.push_back(ip);
      }
    }
  } else {
    remaining = todo;
  }

  // 3. AWS (or the dump).
  std::vector<std::pair<std::string, std::string>> to_cache;  // ip -> ENI JSON ("" = none)
  if (!options_.offline && source_ != nullptr && !remaining.empty()) {
    std::set<std::string> wanted(remaining.begin(), remaining.end());
    std::mutex mu;
    auto take = [&](const EniDescription& e) {
      std::lock_guard lock(mu);
      enis_[e.id] = e;
      for (const auto* list : {&e.private_ips, &e.public_ips, &e.ipv6_ips}) {
        for (const std::string& ip : *list) {
          if (wanted.count(ip) && !live.count(ip)) live[ip] = e;
        }
      }
    };
    std::vector<std::string> private4, public4, v6;
    for (const std::string& ip : remaining) {
      const std::optional<std::string> bytes = parse_ip_bytes(ip);
      if (!bytes) {
        failed[ip] = "not an IP address";
      } else if (bytes->size() == 16) {
        v6.push_back(ip);
      } else if (is_private_ipv4(*bytes)) {
        private4.push_back(ip);
      } else {
        public4.push_back(ip);
      }
    }
    // A scan of the mount targets' VPCs answers every client in them in
    // ceil(ENIs / 1000) calls per VPC; address batches take ceil(IPs / 200).
    // The ENI count is unknown up front, so the scan gets a page budget just
    // under what the batches would cost: when it finishes within it, it was
    // cheaper; when not, the ENIs it read still answer their IPs and only
    // the rest go to batches (at worst about twice the batch cost).
    const size_t batches = (private4.size() + aws::kMaxFilterValues - 1) / aws::kMaxFilterValues;
    std::set<std::string> vpcs;
    for (const aws::MountTarget& m : efs_.mount_targets) {
      if (!m.vpc_id.empty()) vpcs.insert(m.vpc_id);
    }
    if (options_.allow_vpc_scan && batches >= 3 && !vpcs.empty()) {
      const int64_t budget = std::max<int64_t>(
          1, static_cast<int64_t>(batches - 1) / static_cast<int64_t>(vpcs.size()));
      const std::vector<std::string> vpc_list(vpcs.begin(), vpcs.end());
      aws::run_parallel(vpc_list.size(), 8, [&](size_t i) {
        aws::VpcScan scan = source_->scan_vpc(vpc_list[i], budget);
        for (const EniDescription& e : scan.items) take(e);
        if (!scan.status.ok()) {
          std::lock_guard lock(mu);
          warn_once("warning: scan of " + vpc_list[i] +
                    " failed, looking up by address: " + scan.status.message());
        }
      });
      std::vector<std::string> left;
      for (const std::string& ip : private4) {
        if (!live.count(ip)) left.push_back(ip);
      }
      private4 = std::move(left);
    }
    struct Lookup {
      std::string_view filter;
      const std::vector<std::string>* values;
      aws::BatchedResult<EniDescription> result;
    };
    // Addresses outside the private ranges may still be a VPC's private
    // addresses (any CIDR is allowed), so they share the private-address
    // batches; those still unanswered then try the public-address filter.
    std::vector<std::string> any4 = private4;
    any4.insert(any4.end(), public4.begin(), public4.end());
    std::vector<Lookup> lookups = {{aws::kPrivateIpFilter, &any4, {}}, {aws::kIpv6Filter, &v6, {}}};
    aws::run_parallel(lookups.size(), 2, [&](size_t i) {
      if (!lookups[i].values->empty()) {
        lookups[i].result = source_->enis_by_filter(lookups[i].filter, *lookups[i].values);
      }
    });
    for (Lookup& l : lookups) {
      for (const EniDescription& e : l.result.items) take(e);
    }
    std::vector<std::string> public_left;
    for (const std::string& ip : public4) {
      if (!live.count(ip)) public_left.push_back(ip);
    }
    if (!public_left.empty()) {
      lookups.push_back({aws::kPublicIpFilter, &public_left, {}});
      lookups.back().result = source_->enis_by_filter(aws::kPublicIpFilter, public_left);
      for (const EniDescription& e : lookups.back().result.items) take(e);
    }
    for (Lookup& l : lookups) {
      for (const aws::BatchFailure& f : l.result.failures) {
        warn_once("warning: " + f.status.message());
        constexpr std::string_view kAction = "ec2:DescribeNetworkInterfaces";
        // Counted even when every IP of the batch was answered by the pages
        // read before the failure: the call did not finish, and the report
        // says so rather than judge what the rest would have held.
        int64_t unanswered = 0;
        for (const std::string& ip : f.values) unanswered += live.count(ip) ? 0 : 1;
        add_failed_call(&st.failed_calls, kAction, f.status, unanswered);
        for (const std::string& ip : f.values) {
          if (live.count(ip)) continue;
          failed[ip] = failure_reason(f.status, kAction);
          if (f.status.code() == StatusCode::kAuth) {
            st.unresolved_iam_actions[failed[ip]] = std::string(kAction);
          }
        }
      }
    }
    for (const std::string& ip : remaining) {
      if (live.count(ip)) {
        to_cache.emplace_back(ip, network_interface_to_json(live[ip]));
      } else if (!failed.count(ip)) {
        absent.insert(ip);
        to_cache.emplace_back(ip, "");
      }
    }
  } else if (options_.offline) {
    for (const std::string& ip : remaining) failed[ip] = "not in the store (--offline)";
  }

  // 4. Classify; instance names.
  std::map<std::string, Classification> classes;
  std::set<std::string> instance_ids;
  for (const auto& [ip, e] : live) {
    Classification c = classify_eni(e);
    if (c.pending == Pending::kInstanceName) instance_ids.insert(c.id);
    classes.emplace(ip, std::move(c));
  }
  // A failed lookup by id leaves its IPs named by the bare id: counted per
  // failure, so the partial notice says how many names it cost.
  const auto record_id_failures =
      [&](std::string_view call, const std::vector<aws::BatchFailure>& failures, Pending pending) {
        for (const aws::BatchFailure& f : failures) {
          const std::set<std::string> ids(f.values.begin(), f.values.end());
          int64_t ips = 0;
          for (const auto& [ip, c] : classes)
            ips += c.pending == pending && ids.count(c.id) ? 1 : 0;
          add_failed_call(&st.failed_calls, call, f.status, ips);
        }
      };
  std::vector<aws::BatchFailure> instance_failures;
  const std::map<std::string, aws::Instance> inst = lookup_by_id<aws::Instance>(
      kInstanceById, instance_ids, instance_from_json, instance_to_json,
      [&](const std::vector<std::string>& ids) { return source_->instances(ids); },
      "warning: instance names unavailable, showing instance ids: ", warn_once, &instance_failures);
  record_id_failures("ec2:DescribeInstances", instance_failures, Pending::kInstanceName);
  for (const auto& [id, i] : inst) instances_[id] = i;

  // 4b. Interface VPC endpoints: their Name tag, else their service.
  std::set<std::string> endpoint_ids;
  for (const auto& [ip, c] : classes) {
    if (c.pending == Pending::kEndpointName) endpoint_ids.insert(c.id);
  }
  std::vector<aws::BatchFailure> endpoint_failures;
  const std::map<std::string, aws::VpcEndpoint> endpoints = lookup_by_id<aws::VpcEndpoint>(
      kVpcEndpointById, endpoint_ids, vpc_endpoint_from_json, vpc_endpoint_to_json,
      [&](const std::vector<std::string>& ids) { return source_->vpc_endpoints(ids); },
      "warning: VPC endpoint services unavailable, showing endpoint ids: ", warn_once,
      &endpoint_failures);
  record_id_failures("ec2:DescribeVpcEndpoints", endpoint_failures, Pending::kEndpointName);
  for (const auto& [id, v] : endpoints) endpoints_[id] = v;

  // 5. Names for the IPs an ENI holds now.
  std::vector<store::Assignment> seen;
  for (auto& [ip, e] : live) {
    const Classification& c = classes.at(ip);
    EndpointName n;
    n.ip = ip;
    n.kind = c.kind;
    n.id = c.id;
    n.name = c.name;
    n.az = e.availability_zone;
    n.account = e.owner_id;
    n.eni_id = e.id;
    if (c.pending == Pending::kInstanceName) {
      const auto it = inst.find(c.id);
      if (it != inst.end()) {
        const std::string tag = it->second.tag(options_.name_tag);
        if (!tag.empty()) n.name = tag;
        if (n.az.empty()) n.az = it->second.availability_zone;
      }
    } else if (c.pending == Pending::kFileSystemName) {
      n.name = fs_name(c.id);
    } else if (c.pending == Pending::kEndpointName) {
      const auto it = endpoints.find(c.id);
      if (it != endpoints.end()) {
        const std::string tag = it->second.tag("Name");
        if (!tag.empty()) {
          n.name = tag;
        } else if (!it->second.service_name.empty()) {
          n.name = it->second.service_name;
        }
      }
    }
    // Reassigned since the flow? A history row covering the flow's time on
    // another ENI wins.
    if (store_ != nullptr) {
      auto at = store_->assignment_at(ip, ip_times.at(ip));
      if (at.ok() && at->has_value() && (*at)->covers_time && (*at)->eni_id != e.id &&
          ip_times.at(ip) < options_.now) {
        const store::Assignment& a = **at;
        name_from_history(a, &n);
        history_.push_back(a);
        ++st.from_history;
        res.names[ip] = std::move(n);
        continue;
      }
    }
    if (!options_.offline) {
      store::Assignment a;
      a.ip = ip;
      a.eni_id = n.eni_id;
      a.kind = n.kind;
      a.name = n.name;
      a.resource_id = n.id;
      a.az = n.az;
      a.account = n.account;
      seen.push_back(a);
    }
    if (cached_ips.count(ip))
      ++st.cached;
    else
      ++st.looked_up;
    res.names[ip] = std::move(n);
  }
  if (store_ != nullptr) {
    Status s = store_->put_lookups(kEniByIp, to_cache, options_.now);
    if (s.ok()) s = store_->record_assignments(seen, options_.now);
    if (!s.ok()) warn_once("warning: could not update the store: " + s.message());
  }

  // 6. No ENI now (or the lookup failed): history, labels, external.
  for (const std::string& ip : todo) {
    if (res.names.count(ip)) continue;
    EndpointName n;
    n.ip = ip;
    if (store_ != nullptr) {
      auto at = store_->assignment_at(ip, ip_times.at(ip));
      if (at.ok() && at->has_value()) {
        const store::Assignment& a = **at;
        name_from_history(a, &n);
        history_.push_back(a);
        ++st.from_history;
        res.names[ip] = std::move(n);
        continue;
      }
    }
    if (options_.labels != nullptr) {
      if (std::optional<LabelMatch> m = options_.labels->lookup(ip)) {
        n.kind = kind::kLabel;
        n.name = m->name;
        n.id = m->cidr;
        ++st.labelled;
        res.names[ip] = std::move(n);
        continue;
      }
    }
    const auto f = failed.find(ip);
    if (f != failed.end()) {
      n.kind = kind::kUnresolved;
      n.name = ip;
      n.reason = f->second;
      ++st.unresolved;
      ++st.unresolved_reasons[f->second];
    } else {
      n.kind = kind::kExternal;
      n.name = ip;
      ++st.external;
    }
    res.names[ip] = std::move(n);
  }
  // Only reasons some IP kept (history may have named the others).
  std::erase_if(st.unresolved_iam_actions,
                [&](const auto& entry) { return !st.unresolved_reasons.count(entry.first); });
  if (source_ != nullptr) {
    st.calls = source_->calls();
    for (const FailedCall& f : source_->failed_before()) st.failed_calls.push_back(f);
  }
  return res;
}

Inventory Resolver::snapshot() const {
  Inventory inv;
  if (source_ != nullptr) {
    inv.account = source_->account();
    inv.region = source_->region();
  }
  inv.generated_at = options_.now;
  inv.file_systems = efs_.file_systems;
  inv.mount_targets = efs_.mount_targets;
  for (const auto& [id, e] : enis_) inv.network_interfaces.push_back(e);
  for (const auto& [id, i] : instances_) inv.instances.push_back(i);
  for (const auto& [id, v] : endpoints_) inv.vpc_endpoints.push_back(v);
  inv.history = history_;
  return inv;
}

}  // namespace efstop::enrich
