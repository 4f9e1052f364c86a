// Typed EC2 calls for naming IPs: DescribeNetworkInterfaces (by address
// filter in batches, or a scan of whole VPCs), DescribeInstances and
// DescribeVpcEndpoints (by id, batched), each paginated with MaxResults 1000, batches run in
// parallel.
//
// Batching: EC2 rejects more than 200 filter values per call
// (FilterLimitExceeded), so a list of N addresses becomes ceil(N / 200)
// calls, run concurrently. A failed batch does not fail the others: the
// result lists the values each failure left unanswered with its Status
// (kAuth naming the IAM action when denied, kThrottled when still throttled
// after the client's retries), so the caller can mark exactly those IPs.
//
// Instances are looked up with the instance-id FILTER rather than
// InstanceId.N: an unknown id in InstanceId.N fails the whole call
// (InvalidInstanceID.NotFound), a filter just omits it.
//
// Thread-safety: an Ec2Api may be used from several threads; it does not own
// the AwsClient, which must outlive it.
#ifndef EFSTOP_AWS_EC2_API_H_
#define EFSTOP_AWS_EC2_API_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

// One ENI as DescribeNetworkInterfaces describes it (the fields naming
// needs). enrich::EniDescription is this type.
struct NetworkInterface {
  std::string id;              // eni-...
  std::string interface_type;  // an open string: "interface", "natGateway", "nat_gateway", ...
  std::string description;
  std::string requester_id;
  bool requester_managed = false;
  std::string instance_id;        // attachment.instanceId
  std::string instance_owner_id;  // attachment.instanceOwnerId ("amazon-elb", an account, ...)
  std::string owner_id;           // the account that owns the ENI
  std::string vpc_id;
  std::string subnet_id;
  std::string availability_zone;     // us-east-1a
  std::string availability_zone_id;  // use1-az1 (newer answers only)
  std::string status;
  std::vector<std::string> private_ips;  // the primary first
  std::vector<std::string> public_ips;   // association.publicIp of the ENI and its private IPs
  std::vector<std::string> ipv6_ips;
  std::vector<std::pair<std::string, std::string>> tags;

  std::string tag(std::string_view key) const {
    for (const auto& [k, v] : tags) {
      if (k == key) return v;
    }
    return {};
  }
};

struct Instance {
  std::string id;
  std::string availability_zone;
  std::string owner_id;  // the reservation's owner
  std::string state;     // running, stopped, terminated...
  std::string private_ip;
  std::vector<std::pair<std::string, std::string>> tags;

  std::string tag(std::string_view key) const {
    for (const auto& [k, v] : tags) {
      if (k == key) return v;
    }
    return {};
  }
};

// One VPC endpoint as DescribeVpcEndpoints describes it (what naming needs).
struct VpcEndpoint {
  std::string id;            // vpce-...
  std::string type;          // Interface, Gateway, GatewayLoadBalancer
  std::string service_name;  // com.amazonaws.us-east-1.s3, com.amazonaws.vpce.<region>.vpce-svc-...
  std::string vpc_id;
  std::string state;
  std::string owner_id;
  std::vector<std::string> network_interface_ids;
  std::vector<std::pair<std::string, std::string>> tags;

  std::string tag(std::string_view key) const {
    for (const auto& [k, v] : tags) {
      if (k == key) return v;
    }
    return {};
  }
};

// Values a failed call left unanswered, and why.
struct BatchFailure {
  std::vector<std::string> values;
  Status status;
};

template <typename T>
struct BatchedResult {
  std::vector<T> items;                // everything the successful calls returned
  std::vector<BatchFailure> failures;  // one per failed batch
};

// The filter names DescribeNetworkInterfaces takes for each address form.
inline constexpr std::string_view kPrivateIpFilter = "addresses.private-ip-address";
inline constexpr std::string_view kPublicIpFilter = "association.public-ip";
inline constexpr std::string_view kIpv6Filter = "ipv6-addresses.ipv6-address";
inline constexpr size_t kMaxFilterValues = 200;  // EC2's cap per call
inline constexpr int kMaxResults = 1000;         // EC2's page cap for these calls

struct VpcScan {
  std::vector<NetworkInterface> items;
  bool complete = false;  // false: stopped at the page budget (or failed)
  int64_t pages = 0;
  Status status;  // the error that stopped it, if any
};

class Ec2Api {
 public:
  // `parallelism`: batches in flight at once (the transport bounds it too).
  explicit Ec2Api(AwsClient* client, int parallelism = 8);

  // ENIs having any of `values` under filter `filter_name` (one of the
  // k*Filter names above), in batches of <= 200, paginated.
  BatchedResult<NetworkInterface> describe_network_interfaces(
      std::string_view filter_name, const std::vector<std::string>& values);
  // Every ENI of `vpc_id`, paginated, stopping (complete = false) after
  // `max_pages` pages when max_pages > 0.
  VpcScan scan_vpc_network_interfaces(const std::string& vpc_id, int64_t max_pages);
  // Instances by id (instance-id filter), batches of <= 200, paginated.
  BatchedResult<Instance> describe_instances(const std::vector<std::string>& ids);

  // VPC endpoints by id (vpc-endpoint-id filter, so an id that is gone is
  // just absent), batches of <= 200, paginated.
  BatchedResult<VpcEndpoint> describe_vpc_endpoints(const std::vector<std::string>& ids);

  // Calls made (pages fetched or failed), per operation.
  int64_t network_interface_calls() const { return eni_calls_.load(); }
  int64_t instance_calls() const { return instance_calls_.load(); }
  int64_t vpc_endpoint_calls() const { return vpc_endpoint_calls_.load(); }

 private:
  // All pages of one filtered call.
  Status describe_all_pages(std::string_view action, QueryParams base,
                            const std::function<void(const pugi::xml_node&)>& on_page,
                            std::atomic<int64_t>& counter, int64_t max_pages, bool* complete,
                            int64_t* pages);

  // One call per batch of <= 200 `values` under `filter_name`, all pages,
  // batches in parallel; `parse` reads one page.
  template <typename T>
  BatchedResult<T> describe_by_filter(std::string_view action, std::string_view filter_name,
                                      const std::vector<std::string>& values,
                                      std::vector<T> (*parse)(const pugi::xml_node&),
                                      std::atomic<int64_t>& counter);

  AwsClient* client_;
  int parallelism_;
  std::atomic<int64_t> eni_calls_{0};
  std::atomic<int64_t> instance_calls_{0};
  std::atomic<int64_t> vpc_endpoint_calls_{0};
};

// Parses the networkInterfaceSet of a DescribeNetworkInterfaces answer.
std::vector<NetworkInterface> parse_network_interfaces(const pugi::xml_node& response_root);
// Parses the reservationSet of a DescribeInstances answer.
std::vector<Instance> parse_instances(const pugi::xml_node& response_root);
// Parses the vpcEndpointSet of a DescribeVpcEndpoints answer.
std::vector<VpcEndpoint> parse_vpc_endpoints(const pugi::xml_node& response_root);

// Runs task(0..n-1) on up to `max_threads` threads and waits for all. Tasks
// must not throw. Used to run independent AWS calls concurrently.
void run_parallel(size_t n, int max_threads, const std::function<void(size_t)>& task);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_EC2_API_H_
