// The facts about one elastic network interface (ENI) that naming needs:
// what DescribeNetworkInterfaces returns, reduced to plain strings so the
// classification table (classify.h), the inventory dump (inventory.h) and the
// tests share one type with no AWS code attached.
#ifndef EFSTOP_ENRICH_ENI_H_
#define EFSTOP_ENRICH_ENI_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace efstop::enrich {

struct EniDescription {
  std::string id;              // eni-...
  std::string interface_type;  // an open string: "interface", "natGateway", "nat_gateway", ...
  std::string description;
  std::string requester_id;  // who created a managed ENI (a service principal or account)
  bool requester_managed = false;
  std::string instance_id;        // attachment.instanceId, empty when not attached to an instance
  std::string instance_owner_id;  // attachment.instanceOwnerId ("amazon-elb", an account, ...)
  std::string owner_id;           // the account that owns the ENI
  std::string vpc_id;
  std::string subnet_id;
  std::string availability_zone;         // e.g. us-east-1a
  std::string availability_zone_id;      // e.g. use1-az1
  std::string status;                    // in-use | available | ...
  std::vector<std::string> private_ips;  // the primary first
  std::vector<std::string> public_ips;   // association.publicIp of the ENI and its private IPs
  std::vector<std::string> ipv6_ips;
  std::vector<std::pair<std::string, std::string>> tags;  // in the order AWS gave them

  // The value of tag `key`, or empty when absent.
  std::string tag(std::string_view key) const {
    for (const auto& [k, v] : tags) {
      if (k == key) return v;
    }
    return {};
  }
  bool has_tag(std::string_view key) const {
    for (const auto& kv : tags) {
      if (kv.first == key) return true;
    }
    return false;
  }
};

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_ENI_H_
