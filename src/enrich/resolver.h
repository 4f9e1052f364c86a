// Resolver: turns the IPs seen in flow logs into names, in few AWS calls.
//
// Order for each IP (docs/names.md has the why):
//  1. an EFS mount target's IP (from the EFS inventory) -> the file system;
//  2. the store's cached ENI for the IP, when younger than the TTL (any
//     age with --offline; never with --refresh);
//  3. AWS: DescribeNetworkInterfaces by address in batches of <= 200
//     (private, public, IPv6 filters), or first a budgeted scan of the mount
//     targets' VPCs when that takes fewer calls; the ENI is classified
//     (classify.h); instance names come from DescribeInstances, interface
//     VPC endpoints' names (Name tag, else service) from DescribeVpcEndpoints,
//     both batched by id and cached;
//  4. no ENI now: the history -> the assignment that held the IP at the
//     flow's time (a deleted Lambda/ECS ENI keeps its name);
//  5. --labels -> label; else "external".
// An IP whose lookup failed (denied, still throttled after retries...) and
// has no history is "unresolved" with the reason, counted per reason.
// A live answer is overridden by a history row that covers the flow's time
// on another ENI (the IP was reassigned since).
//
// Thread-safety: one resolve() at a time per Resolver; it runs its AWS
// calls on several threads internally.
#ifndef EFSTOP_ENRICH_RESOLVER_H_
#define EFSTOP_ENRICH_RESOLVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "aws/ec2_api.h"
#include "aws/efs_api.h"
#include "core/result.h"
#include "enrich/endpoint_name.h"
#include "enrich/inventory.h"
#include "enrich/labels.h"
#include "store/name_store.h"

namespace efstop::enrich {

// Where AWS facts come from: the live API or an inventory dump.
class FactSource {
 public:
  virtual ~FactSource() = default;
  virtual Result<aws::EfsInventory> efs_inventory() = 0;
  virtual aws::BatchedResult<aws::NetworkInterface> enis_by_filter(
      std::string_view filter, const std::vector<std::string>& values) = 0;
  // Every ENI of a VPC, at most max_pages pages (0 = all).
  virtual aws::VpcScan scan_vpc(const std::string& vpc_id, int64_t max_pages) = 0;
  virtual aws::BatchedResult<aws::Instance> instances(const std::vector<std::string>& ids) = 0;
  // VPC endpoints by id; an id that is gone is just absent.
  virtual aws::BatchedResult<aws::VpcEndpoint> vpc_endpoints(
      const std::vector<std::string>& ids) = 0;
  // The account and region the facts are about (may be empty).
  virtual std::string account() const = 0;
  virtual std::string region() const = 0;
  // Calls made so far, by API name.
  virtual std::map<std::string, int64_t> calls() const = 0;
  // Calls known to have failed before this run (a partial dump's); none for AWS.
  virtual std::vector<FailedCall> failed_before() const { return {}; }
};

// Live AWS through Ec2Api / EfsApi (the client must outlive the source).
std::unique_ptr<FactSource> make_aws_fact_source(aws::AwsClient* client, int parallelism,
                                                 std::string account);
// An inventory dump: answers from memory, makes no call.
std::unique_ptr<FactSource> make_inventory_fact_source(const Inventory& inventory);

struct ResolveOptions {
  int64_t now = 0;  // unix seconds
  // The region the names are for (keys the cached EFS inventory); empty:
  // the source's region.
  std::string region;
  int64_t ttl_seconds = 3600;     // cache TTL (--cache-ttl)
  bool refresh = false;           // --refresh: ignore cached lookups
  bool offline = false;           // --offline: no AWS calls at all
  std::string name_tag = "Name";  // --name-tag
  const LabelTable* labels = nullptr;
  // VPC scan instead of address batches when it is expected to take fewer
  // calls (see resolver.cc); tests can turn it off.
  bool allow_vpc_scan = true;
};

struct ResolveStats {
  int64_t ips = 0;
  int64_t mount_targets = 0;  // named from the EFS inventory
  int64_t cached = 0;         // from the store's cache
  int64_t looked_up = 0;      // answered by AWS (or the dump) now
  int64_t from_history = 0;   // by the assignment that held at the flow's time
  int64_t labelled = 0;
  int64_t external = 0;
  int64_t unresolved = 0;
  std::map<std::string, int64_t> unresolved_reasons;  // reason -> IPs
  // reason -> the IAM action to grant, for the reasons that are denials
  // (a subset of unresolved_reasons' keys).
  std::map<std::string, std::string> unresolved_iam_actions;
  std::map<std::string, int64_t> calls;  // API -> calls
  std::vector<std::string> warnings;     // shown on stderr
  // Every naming call that failed, one entry per call and message.
  std::vector<FailedCall> failed_calls;
};

struct ResolveResult {
  std::map<std::string, EndpointName> names;  // by IP, one per requested IP
  ResolveStats stats;
};

class Resolver {
 public:
  // `source` may be null with options.offline; `store` may be null (no cache,
  // no history). Neither is owned; both outlive the Resolver.
  Resolver(FactSource* source, store::NameStore* store, ResolveOptions options);

  // The EFS inventory: loaded once (cache, then source), then kept. Failure
  // is not fatal for naming: it is a warning and the inventory is empty.
  const aws::EfsInventory& efs();
  // Why efs() is not the whole truth: the source's error (DescribeFileSystems,
  // credentials...), else the first DescribeMountTargets failure, else OK
  // (also OK offline or from the cache, where no call was made). A caller
  // whose numbers depend on the mount targets must stop on it.
  Status efs_status();

  // Names every IP of `ip_times` (IP -> the flow's time, unix seconds).
  ResolveResult resolve(const std::map<std::string, int64_t>& ip_times);

  // Everything known now as an inventory (for `efstop inventory`): the EFS
  // inventory, the ENIs and instances seen by resolve(), the history of
  // the resolved IPs.
  Inventory snapshot() const;

 private:
  void load_efs();
  // Items by id: the store's cached answers (fresh, or any age offline;
  // none with --refresh), then `fetch` for the rest, whose answers are
  // cached, negative ones (an id that is gone) too. Each failed batch is one warning (`warning` +
  // its message) and one entry of `failures`; its ids are absent from the result.
  template <typename T>
  std::map<std::string, T> lookup_by_id(
      std::string_view cache_kind, const std::set<std::string>& ids,
      Result<T> (*from_json)(std::string_view), std::string (*to_json)(const T&),
      const std::function<aws::BatchedResult<T>(const std::vector<std::string>&)>& fetch,
      std::string_view warning, const std::function<void(const std::string&)>& warn,
      std::vector<aws::BatchFailure>* failures);

  FactSource* source_;
  store::NameStore* store_;
  ResolveOptions options_;
  bool efs_loaded_ = false;
  aws::EfsInventory efs_;
  Status efs_status_;  // the inventory call's failure, when it failed
  std::vector<std::string> efs_warnings_;
  std::map<std::string, aws::NetworkInterface> enis_;  // seen, by id
  std::map<std::string, aws::Instance> instances_;     // seen, by id
  std::map<std::string, aws::VpcEndpoint> endpoints_;  // seen, by id
  std::vector<store::Assignment> history_;
};

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_RESOLVER_H_
