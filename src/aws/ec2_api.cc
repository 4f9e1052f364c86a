#include "aws/ec2_api.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "aws/paginate.h"

namespace efstop::aws {

namespace {

std::vector<std::pair<std::string, std::string>> parse_tags(const pugi::xml_node& node) {
  std::vector<std::pair<std::string, std::string>> tags;
  for (const pugi::xml_node& item : xml_children(xml_child(node, "tagSet"), "item")) {
    tags.emplace_back(xml_child_text(item, "key"), xml_child_text(item, "value"));
  }
  return tags;
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (s.empty() || std::find(v.begin(), v.end(), s) != v.end()) return;
  v.push_back(std::move(s));
}

std::vector<std::vector<std::string>> chunk(const std::vector<std::string>& values, size_t size) {
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < values.size(); i += size) {
    out.emplace_back(
        values.begin() + static_cast<std::ptrdiff_t>(i),
        values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), i + size)));
  }
  return out;
}

}  // namespace

void run_parallel(size_t n, int max_threads, const std::function<void(size_t)>& task) {
  if (n == 0) return;
  const size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, max_threads)));
  if (threads == 1) {
    for (size_t i = 0; i < n; ++i) task(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::jthread> workers;
  workers.reserve(threads);
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) task(i);
    });
  }
}

std::vector<NetworkInterface> parse_network_interfaces(const pugi::xml_node& root) {
  std::vector<NetworkInterface> out;
  for (const pugi::xml_node& item : xml_children(xml_child(root, "networkInterfaceSet"), "item")) {
    NetworkInterface e;
    e.id = xml_child_text(item, "networkInterfaceId");
    e.interface_type = xml_child_text(item, "interfaceType");
    e.description = xml_child_text(item, "description");
    e.requester_id = xml_child_text(item, "requesterId");
    e.requester_managed = xml_child_text(item, "requesterManaged") == "true";
    const pugi::xml_node attachment = xml_child(item, "attachment");
    e.instance_id = xml_child_text(attachment, "instanceId");
    e.instance_owner_id = xml_child_text(attachment, "instanceOwnerId");
    e.owner_id = xml_child_text(item, "ownerId");
    e.vpc_id = xml_child_text(item, "vpcId");
    e.subnet_id = xml_child_text(item, "subnetId");
    e.availability_zone = xml_child_text(item, "availabilityZone");
    e.availability_zone_id = xml_child_text(item, "availabilityZoneId");
    e.status = xml_child_text(item, "status");
    add_unique(e.private_ips, xml_child_text(item, "privateIpAddress"));
    add_unique(e.public_ips, xml_child_text(xml_child(item, "association"), "publicIp"));
    for (const pugi::xml_node& p : xml_children(xml_child(item, "privateIpAddressesSet"), "item")) {
      add_unique(e.private_ips, xml_child_text(p, "privateIpAddress"));
      add_unique(e.public_ips, xml_child_text(xml_child(p, "association"), "publicIp"));
    }
    for (const pugi::xml_node& p : xml_children(xml_child(item, "ipv6AddressesSet"), "item")) {
      add_unique(e.ipv6_ips, xml_child_text(p, "ipv6Address"));
    }
    e.tags = parse_tags(item);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Instance> parse_instances(const pugi::xml_node& root) {
  std::vector<Instance> out;
  for (const pugi::xml_node& res : xml_children(xml_child(root, "reservationSet"), "item")) {
    const std::string owner = xml_child_text(res, "ownerId");
    for (const pugi::xml_node& item : xml_children(xml_child(res, "instancesSet"), "item")) {
      Instance i;
      i.id = xml_child_text(item, "instanceId");
      i.availability_zone = xml_child_text(xml_child(item, "placement"), "availabilityZone");
      i.owner_id = owner;
      i.state = xml_child_text(xml_child(item, "instanceState"), "name");
      i.private_ip = xml_child_text(item, "privateIpAddress");
      i.tags = parse_tags(item);
      out.push_back(std::move(i));
    }
  }
  return out;
}

std::vector<VpcEndpoint> parse_vpc_endpoints(const pugi::xml_node& root) {
  std::vector<VpcEndpoint> out;
  for (const pugi::xml_node& item : xml_children(xml_child(root, "vpcEndpointSet"), "item")) {
    VpcEndpoint v;
    v.id = xml_child_text(item, "vpcEndpointId");
    v.type = xml_child_text(item, "vpcEndpointType");
    v.service_name = xml_child_text(item, "serviceName");
    v.vpc_id = xml_child_text(item, "vpcId");
    v.state = xml_child_text(item, "state");
    v.owner_id = xml_child_text(item, "ownerId");
    for (const pugi::xml_node& eni :
         xml_children(xml_child(item, "networkInterfaceIdSet"), "item")) {
      add_unique(v.network_interface_ids, eni.text().get());
    }
    v.tags = parse_tags(item);
    out.push_back(std::move(v));
  }
  return out;
}

Ec2Api::Ec2Api(AwsClient* client, int parallelism) : client_(client), parallelism_(parallelism) {}

Status Ec2Api::describe_all_pages(std::string_view action, QueryParams base,
                                  const std::function<void(const pugi::xml_node&)>& on_page,
                                  std::atomic<int64_t>& counter, int64_t max_pages, bool* complete,
                                  int64_t* pages) {
  base.emplace_back("MaxResults", std::to_string(kMaxResults));
  int64_t fetched = 0;
  bool stopped_early = false;
  const std::string what = cli_operation_name(action) + " " + client_->region();
  Result<int64_t> done = paginate(what, [&](const std::string& token) -> Result<std::string> {
    if (max_pages > 0 && fetched >= max_pages) {
      stopped_early = true;
      return std::string();
    }
    QueryParams params = base;
    if (!token.empty()) params.emplace_back("NextToken", token);
    ++counter;
    ++fetched;
    EFSTOP_ASSIGN_OR_RETURN(XmlDocument doc, client_->call_query(Service::kEc2, action, params));
    on_page(doc.root());
    return xml_child_text(doc.root(), "nextToken");
  });
  if (pages != nullptr) *pages = fetched;
  if (complete != nullptr) *complete = done.ok() && !stopped_early;
  return done.ok() ? Status() : done.status();
}

VpcScan Ec2Api::scan_vpc_network_interfaces(const std::string& vpc_id, int64_t max_pages) {
  VpcScan scan;
  QueryParams params;
  add_filter(params, "vpc-id", {vpc_id});
  scan.status = describe_all_pages(
      "DescribeNetworkInterfaces", std::move(params),
      [&](const pugi::xml_node& root) {
        for (NetworkInterface& e : parse_network_interfaces(root))
          scan.items.push_back(std::move(e));
      },
      eni_calls_, max_pages, &scan.complete, &scan.pages);
  return scan;
}

template <typename T>
BatchedResult<T> Ec2Api::describe_by_filter(std::string_view action, std::string_view filter_name,
                                            const std::vector<std::string>& values,
                                            std::vector<T> (*parse)(const pugi::xml_node&),
                                            std::atomic<int64_t>& counter) {
  const std::vector<std::vector<std::string>> batches = chunk(values, kMaxFilterValues);
  std::vector<std::vector<T>> found(batches.size());
  std::vector<Status> statuses(batches.size());
  run_parallel(batches.size(), parallelism_, [&](size_t b) {
    QueryParams params;
    add_filter(params, filter_name, batches[b]);
    statuses[b] = describe_all_pages(
        action, std::move(params),
        [&](const pugi::xml_node& root) {
          for (T& item : parse(root)) found[b].push_back(std::move(item));
        },
        counter, 0, nullptr, nullptr);
  });
  BatchedResult<T> out;
  for (size_t b = 0; b < batches.size(); ++b) {
    // Pages fetched before a failure are kept: what they say is true.
    if (!statuses[b].ok()) out.failures.push_back({batches[b], statuses[b]});
    for (T& item : found[b]) out.items.push_back(std::move(item));
  }
  return out;
}

BatchedResult<NetworkInterface> Ec2Api::describe_network_interfaces(
    std::string_view filter_name, const std::vector<std::string>& values) {
  return describe_by_filter<NetworkInterface>("DescribeNetworkInterfaces", filter_name, values,
                                              parse_network_interfaces, eni_calls_);
}

BatchedResult<Instance> Ec2Api::describe_instances(const std::vector<std::string>& ids) {
  return describe_by_filter<Instance>("DescribeInstances", "instance-id", ids, parse_instances,
                                      instance_calls_);
}

BatchedResult<VpcEndpoint> Ec2Api::describe_vpc_endpoints(const std::vector<std::string>& ids) {
  return describe_by_filter<VpcEndpoint>("DescribeVpcEndpoints", "vpc-endpoint-id", ids,
                                         parse_vpc_endpoints, vpc_endpoint_calls_);
}

}  // namespace efstop::aws
