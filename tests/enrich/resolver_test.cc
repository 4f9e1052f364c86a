#include "enrich/resolver.h"

#include <gtest/gtest.h>

namespace efstop::enrich {
namespace {

constexpr int64_t kNow = 1795701900;

EniDescription make_eni(std::string id, std::string ip, std::string description,
                        std::string instance = "") {
  EniDescription e;
  e.id = std::move(id);
  e.interface_type = "interface";
  e.description = std::move(description);
  e.private_ips = {std::move(ip)};
  e.owner_id = "123456789012";
  e.vpc_id = "vpc-1";
  e.availability_zone = "us-east-1a";
  if (!instance.empty()) {
    e.instance_id = std::move(instance);
    e.instance_owner_id = "123456789012";
  }
  return e;
}

Inventory account() {
  Inventory inv;
  inv.account = "123456789012";
  inv.region = "us-east-1";
  inv.file_systems.push_back(
      {"fs-1", "home", "", "123456789012", "available", "", "", "", std::nullopt});
  inv.mount_targets.push_back({"fsmt-a", "fs-1", "10.0.1.100", "", "eni-mta", "subnet-a",
                               "us-east-1a", "use1-az1", "vpc-1", "123456789012", "available"});
  inv.mount_targets.push_back({"fsmt-b", "fs-1", "10.0.2.100", "", "eni-mtb", "subnet-b",
                               "us-east-1b", "use1-az2", "vpc-1", "123456789012", "available"});
  inv.network_interfaces.push_back(make_eni("eni-w1", "10.0.1.10", "", "i-w1"));
  inv.network_interfaces.push_back(make_eni("eni-w2", "10.0.2.10", "", "i-w2"));
  inv.network_interfaces.back().availability_zone = "us-east-1b";
  inv.network_interfaces.push_back(make_eni(
      "eni-l", "10.0.1.50", "AWS Lambda VPC ENI-resizer-2d1c5e7e-8a4b-4f9e-9c1d-0123456789ab"));
  inv.network_interfaces.push_back(make_eni("eni-x", "10.0.1.60", "mystery box"));
  inv.network_interfaces.back().public_ips = {"54.0.0.60"};
  inv.network_interfaces.back().ipv6_ips = {"2001:db8::60"};
  inv.instances.push_back({"i-w1",
                           "us-east-1a",
                           "123456789012",
                           "running",
                           "10.0.1.10",
                           {{"Name", "web"}, {"Team", "blue"}}});
  inv.instances.push_back(
      {"i-w2", "us-east-1b", "123456789012", "running", "10.0.2.10", {{"Name", "web"}}});
  return inv;
}

// Wraps a source: counts calls and can fail address lookups.
class Probe : public FactSource {
 public:
  explicit Probe(FactSource* inner) : inner_(inner) {}
  Status fail_lookups;
  Status fail_endpoints;
  int efs = 0, lookups = 0, scans = 0, instance_calls = 0, endpoint_calls = 0;
  Result<aws::EfsInventory> efs_inventory() override {
    ++efs;
    return inner_->efs_inventory();
  }
  aws::BatchedResult<aws::NetworkInterface> enis_by_filter(
      std::string_view f, const std::vector<std::string>& v) override {
    ++lookups;
    if (!fail_lookups.ok()) {
      aws::BatchedResult<aws::NetworkInterface> r;
      r.failures.push_back({v, fail_lookups});
      return r;
    }
    return inner_->enis_by_filter(f, v);
  }
  aws::VpcScan scan_vpc(const std::string& vpc, int64_t max_pages) override {
    ++scans;
    return inner_->scan_vpc(vpc, max_pages);
  }
  aws::BatchedResult<aws::Instance> instances(const std::vector<std::string>& ids) override {
    ++instance_calls;
    return inner_->instances(ids);
  }
  aws::BatchedResult<aws::VpcEndpoint> vpc_endpoints(const std::vector<std::string>& ids) override {
    ++endpoint_calls;
    if (!fail_endpoints.ok()) {
      aws::BatchedResult<aws::VpcEndpoint> r;
      r.failures.push_back({ids, fail_endpoints});
      return r;
    }
    return inner_->vpc_endpoints(ids);
  }
  std::string account() const override { return inner_->account(); }
  std::string region() const override { return inner_->region(); }
  std::map<std::string, int64_t> calls() const override { return {}; }

 private:
  FactSource* inner_;
};

std::unique_ptr<store::NameStore> memory_store() {
  return std::move(store::NameStore::open({":memory:", 1000, {}})).value();
}

std::map<std::string, int64_t> at_now(std::initializer_list<std::string> ips) {
  std::map<std::string, int64_t> out;
  for (const std::string& ip : ips) out[ip] = kNow - 60;
  return out;
}

TEST(ResolverTest, NamesEveryKindOfEnd) {
  const Inventory inv = account();
  auto source = make_inventory_fact_source(inv);
  auto store = memory_store();
  const LabelTable labels = LabelTable::parse("192.168.0.0/16 office\n", "labels");
  ResolveOptions options;
  options.now = kNow;
  options.labels = &labels;
  Resolver resolver(source.get(), store.get(), options);
  ResolveResult r = resolver.resolve(
      at_now({"10.0.1.100", "10.0.2.100", "10.0.1.10", "10.0.2.10", "10.0.1.50", "10.0.1.60",
              "54.0.0.60", "2001:db8::60", "192.168.4.4", "8.8.8.8"}));
  auto is = [&](const std::string& ip, std::string kind, std::string name, std::string id,
                std::string az) {
    SCOPED_TRACE(ip);
    const EndpointName& n = r.names.at(ip);
    EXPECT_EQ(n.kind, kind);
    EXPECT_EQ(n.name, name);
    EXPECT_EQ(n.id, id);
    EXPECT_EQ(n.az, az);
  };
  is("10.0.1.100", "efs-mount-target", "home", "fs-1", "us-east-1a");
  is("10.0.2.100", "efs-mount-target", "home", "fs-1", "us-east-1b");
  is("10.0.1.10", "ec2-instance", "web", "i-w1", "us-east-1a");
  is("10.0.2.10", "ec2-instance", "web", "i-w2", "us-east-1b");
  is("10.0.1.50", "lambda", "resizer", "resizer", "us-east-1a");
  is("10.0.1.60", "eni", "mystery box (eni-x)", "eni-x", "us-east-1a");
  is("54.0.0.60", "eni", "mystery box (eni-x)", "eni-x", "us-east-1a");
  is("2001:db8::60", "eni", "mystery box (eni-x)", "eni-x", "us-east-1a");
  is("192.168.4.4", "label", "office", "192.168.0.0/16", "");
  is("8.8.8.8", "external", "8.8.8.8", "", "");
  EXPECT_EQ(r.names.at("10.0.1.10").account, "123456789012");
  EXPECT_EQ(r.stats.ips, 10);
  EXPECT_EQ(r.stats.mount_targets, 2);
  EXPECT_EQ(r.stats.looked_up, 6);
  EXPECT_EQ(r.stats.labelled, 1);
  EXPECT_EQ(r.stats.external, 1);
  EXPECT_EQ(r.stats.unresolved, 0);
}

TEST(ResolverTest, NameTagOptionPicksAnotherTag) {
  const Inventory inv = account();
  auto source = make_inventory_fact_source(inv);
  ResolveOptions options;
  options.now = kNow;
  options.name_tag = "Team";
  Resolver resolver(source.get(), nullptr, options);
  ResolveResult r = resolver.resolve(at_now({"10.0.1.10", "10.0.2.10"}));
  EXPECT_EQ(r.names.at("10.0.1.10").name, "blue");
  EXPECT_EQ(r.names.at("10.0.2.10").name, "i-w2");  // no such tag: the instance id
}

TEST(ResolverTest, SecondRunInsideTtlMakesNoCalls) {
  const Inventory inv = account();
  auto inner = make_inventory_fact_source(inv);
  Probe probe(inner.get());
  auto store = memory_store();
  ResolveOptions options;
  options.now = kNow;
  const auto ips = at_now({"10.0.1.10", "10.0.1.50", "8.8.8.8", "10.0.1.100"});
  ResolveResult first = Resolver(&probe, store.get(), options).resolve(ips);
  EXPECT_GT(probe.lookups, 0);
  EXPECT_EQ(probe.instance_calls, 1);
  const int lookups = probe.lookups;
  options.now = kNow + 600;
  ResolveResult second = Resolver(&probe, store.get(), options).resolve(ips);
  EXPECT_EQ(probe.lookups, lookups);
  EXPECT_EQ(probe.instance_calls, 1);
  EXPECT_EQ(probe.efs, 1);
  EXPECT_EQ(second.stats.cached, 2);
  EXPECT_EQ(second.stats.external, 1);  // the negative answer is cached too
  for (const auto& [ip, n] : first.names) {
    EXPECT_EQ(second.names.at(ip).name, n.name) << ip;
    EXPECT_EQ(second.names.at(ip).kind, n.kind) << ip;
  }
  // --refresh asks again; past the TTL too.
  options.refresh = true;
  (void)Resolver(&probe, store.get(), options).resolve(ips);
  EXPECT_GT(probe.lookups, lookups);
  EXPECT_EQ(probe.efs, 2);
}

TEST(ResolverTest, OfflineUsesStoreAtAnyAgeAndNamesTheGaps) {
  const Inventory inv = account();
  auto source = make_inventory_fact_source(inv);
  auto store = memory_store();
  ResolveOptions options;
  options.now = kNow;
  (void)Resolver(source.get(), store.get(), options).resolve(at_now({"10.0.1.10", "10.0.1.100"}));
  options.offline = true;
  options.region = "us-east-1";
  options.now = kNow + 86400 * 30;
  Resolver offline(nullptr, store.get(), options);
  ResolveResult r = offline.resolve(at_now({"10.0.1.10", "10.0.1.100", "10.0.1.50"}));
  EXPECT_EQ(r.names.at("10.0.1.10").name, "web");
  EXPECT_EQ(r.names.at("10.0.1.100").name, "home");
  EXPECT_EQ(r.names.at("10.0.1.50").kind, "unresolved");
  EXPECT_EQ(r.names.at("10.0.1.50").reason, "not in the store (--offline)");
  EXPECT_EQ(r.stats.unresolved_reasons.at("not in the store (--offline)"), 1);
  EXPECT_TRUE(r.stats.unresolved_iam_actions.empty());  // not a denial: nothing to grant
}

TEST(ResolverTest, DeletedEniIsNamedFromHistory) {
  Inventory inv = account();
  auto store = memory_store();
  ResolveOptions options;
  options.now = kNow;
  {
    auto source = make_inventory_fact_source(inv);
    (void)Resolver(source.get(), store.get(), options).resolve(at_now({"10.0.1.50"}));
  }
  // The Lambda ENI is gone an hour later; a flow from before still gets its name.
  std::erase_if(inv.network_interfaces, [](const EniDescription& e) { return e.id == "eni-l"; });
  auto source = make_inventory_fact_source(inv);
  options.now = kNow + 3600;
  options.refresh = true;
  Resolver later(source.get(), store.get(), options);
  ResolveResult r = later.resolve({{"10.0.1.50", kNow - 300}});
  EXPECT_EQ(r.names.at("10.0.1.50").kind, "lambda");
  EXPECT_EQ(r.names.at("10.0.1.50").name, "resizer");
  EXPECT_EQ(r.names.at("10.0.1.50").eni_id, "eni-l");
  EXPECT_EQ(r.stats.from_history, 1);
  // And it is in the snapshot, so a dump carries it to another machine.
  ASSERT_EQ(later.snapshot().history.size(), 1u);
}

TEST(ResolverTest, ReassignedIpKeepsTheOwnerAtTheFlowsTime) {
  Inventory inv = account();
  auto store = memory_store();
  ResolveOptions options;
  options.now = kNow;
  {
    auto source = make_inventory_fact_source(inv);
    (void)Resolver(source.get(), store.get(), options).resolve(at_now({"10.0.1.50"}));
  }
  // Now an ECS task holds the address.
  for (EniDescription& e : inv.network_interfaces) {
    if (e.id == "eni-l") {
      e.id = "eni-new";
      e.description = "arn:aws:ecs:us-east-1:123456789012:attachment/abcd";
    }
  }
  auto source = make_inventory_fact_source(inv);
  options.now = kNow + 7200;
  options.refresh = true;
  Resolver later(source.get(), store.get(), options);
  ResolveResult old_flow = later.resolve({{"10.0.1.50", kNow}});
  EXPECT_EQ(old_flow.names.at("10.0.1.50").kind, "lambda");
  ResolveResult new_flow = later.resolve({{"10.0.1.50", kNow + 7000}});
  EXPECT_EQ(new_flow.names.at("10.0.1.50").kind, "ecs-task");
}

TEST(ResolverTest, DeniedLookupLeavesIpsUnresolvedWithReason) {
  const Inventory inv = account();
  auto inner = make_inventory_fact_source(inv);
  Probe probe(inner.get());
  probe.fail_lookups = auth_error(
      "describe-network-interfaces us-east-1: UnauthorizedOperation: You are not authorized; "
      "grant ec2:DescribeNetworkInterfaces to the caller's IAM policy");
  const LabelTable labels = LabelTable::parse("10.0.9.0/24 batch\n", "l");
  ResolveOptions options;
  options.now = kNow;
  options.labels = &labels;
  Resolver resolver(&probe, nullptr, options);
  ResolveResult r = resolver.resolve(at_now({"10.0.1.10", "10.0.1.50", "10.0.9.1", "10.0.1.100"}));
  EXPECT_EQ(r.names.at("10.0.1.10").kind, "unresolved");
  EXPECT_EQ(r.names.at("10.0.1.10").reason, "denied ec2:DescribeNetworkInterfaces");
  EXPECT_EQ(r.names.at("10.0.1.10").name, "10.0.1.10");
  EXPECT_EQ(r.names.at("10.0.9.1").kind, "label");
  EXPECT_EQ(r.names.at("10.0.1.100").kind, "efs-mount-target");
  EXPECT_EQ(r.stats.unresolved, 2);
  EXPECT_EQ(r.stats.unresolved_reasons.at("denied ec2:DescribeNetworkInterfaces"), 2);
  EXPECT_EQ(r.stats.unresolved_iam_actions,
            (std::map<std::string, std::string>{
                {"denied ec2:DescribeNetworkInterfaces", "ec2:DescribeNetworkInterfaces"}}));
  ASSERT_FALSE(r.stats.warnings.empty());
  EXPECT_NE(r.stats.warnings[0].find("grant ec2:DescribeNetworkInterfaces"), std::string::npos);
}

// Interface endpoints: Name tag of the endpoint, else its service, else (no
// answer) the endpoint id; one batched call for all, then the cache.
TEST(ResolverTest, InterfaceEndpointsAreNamedByTheirEndpoint) {
  Inventory inv = account();
  inv.network_interfaces.push_back(
      make_eni("eni-v1", "10.0.1.71", "VPC Endpoint Interface vpce-0000000000000aaa1"));
  inv.network_interfaces.back().interface_type = "vpc_endpoint";
  inv.network_interfaces.push_back(
      make_eni("eni-v2", "10.0.1.72", "VPC Endpoint Interface vpce-0000000000000aaa2"));
  inv.network_interfaces.push_back(
      make_eni("eni-v3", "10.0.1.73", "VPC Endpoint Interface vpce-0000000000000aaa3"));
  inv.vpc_endpoints.push_back({"vpce-0000000000000aaa1",
                               "Interface",
                               "com.amazonaws.us-east-1.s3",
                               "vpc-1",
                               "available",
                               "123456789012",
                               {"eni-v1"},
                               {}});
  inv.vpc_endpoints.push_back({"vpce-0000000000000aaa2",
                               "Interface",
                               "com.amazonaws.us-east-1.ecr.dkr",
                               "vpc-1",
                               "available",
                               "123456789012",
                               {"eni-v2"},
                               {{"Name", "ecr-docker"}}});
  // vpce-...aaa3 is gone (deleted since): the ENI keeps the endpoint id.
  auto inner = make_inventory_fact_source(inv);
  Probe probe(inner.get());
  auto store = memory_store();
  ResolveOptions options;
  options.now = kNow;
  ResolveResult r = Resolver(&probe, store.get(), options)
                        .resolve(at_now({"10.0.1.71", "10.0.1.72", "10.0.1.73"}));
  EXPECT_EQ(r.names.at("10.0.1.71").kind, "vpc-endpoint");
  EXPECT_EQ(r.names.at("10.0.1.71").name, "com.amazonaws.us-east-1.s3");
  EXPECT_EQ(r.names.at("10.0.1.71").id, "vpce-0000000000000aaa1");
  EXPECT_EQ(r.names.at("10.0.1.72").name, "ecr-docker");
  EXPECT_EQ(r.names.at("10.0.1.73").name, "vpce-0000000000000aaa3");
  EXPECT_EQ(probe.endpoint_calls, 1);

  Probe again(inner.get());
  options.now = kNow + 60;
  ResolveResult cached =
      Resolver(&again, store.get(), options).resolve(at_now({"10.0.1.71", "10.0.1.73"}));
  EXPECT_EQ(cached.names.at("10.0.1.71").name, "com.amazonaws.us-east-1.s3");
  EXPECT_EQ(cached.names.at("10.0.1.73").name, "vpce-0000000000000aaa3");
  EXPECT_EQ(again.endpoint_calls, 0);  // the gone endpoint is a cached negative answer

  Probe denied(inner.get());
  denied.fail_endpoints =
      auth_error("describe-vpc-endpoints us-east-1: grant ec2:DescribeVpcEndpoints");
  options.refresh = true;
  ResolveResult r2 = Resolver(&denied, nullptr, options).resolve(at_now({"10.0.1.71"}));
  EXPECT_EQ(r2.names.at("10.0.1.71").kind, "vpc-endpoint");
  EXPECT_EQ(r2.names.at("10.0.1.71").name, "vpce-0000000000000aaa1");
  ASSERT_FALSE(r2.stats.warnings.empty());
  EXPECT_NE(r2.stats.warnings.back().find("ec2:DescribeVpcEndpoints"), std::string::npos);
}

TEST(ResolverTest, ManyClientsInTheMountTargetVpcAreScanned) {
  Inventory inv = account();
  std::map<std::string, int64_t> ips;
  for (int k = 0; k < 700; ++k) {
    const std::string ip = "10.1." + std::to_string(k / 200) + "." + std::to_string(k % 200);
    inv.network_interfaces.push_back(make_eni("eni-c" + std::to_string(k), ip, "client"));
    ips[ip] = kNow;
  }
  ips["10.2.0.1"] = kNow;  // in no VPC we scan: looked up by address
  auto inner = make_inventory_fact_source(inv);
  Probe probe(inner.get());
  ResolveOptions options;
  options.now = kNow;
  ResolveResult r = Resolver(&probe, nullptr, options).resolve(ips);
  EXPECT_EQ(probe.scans, 1);
  EXPECT_EQ(probe.lookups, 1);  // only the one address the scan did not see
  EXPECT_EQ(r.names.at("10.1.3.99").id, "eni-c699");
  EXPECT_EQ(r.names.at("10.2.0.1").kind, "external");

  options.allow_vpc_scan = false;
  Probe no_scan(inner.get());
  ResolveResult r2 = Resolver(&no_scan, nullptr, options).resolve(ips);
  EXPECT_EQ(no_scan.scans, 0);
  EXPECT_EQ(r2.names.at("10.1.3.99").id, "eni-c699");
}

}  // namespace
}  // namespace efstop::enrich
