// Inventory: what efstop knows about an account, the unit `efstop inventory
// --output json` dumps and `--inventory FILE` loads instead of calling AWS,
// so flow logs and one dump can be analysed on another machine.
//
// The JSON document (docs/names.md has the full description):
//   {"efstop_inventory": 1, "account": "...", "region": "...",
//    "generated_at": "2026-11-26T14:05:00Z",
//    "file_systems": [{"id","name","arn","owner_id","lifecycle_state",
//                      "availability_zone_name","availability_zone_id"}],
//    "mount_targets": [{"id","file_system_id","ip","ipv6","eni_id","subnet_id",
//                       "availability_zone_name","availability_zone_id","vpc_id",
//                       "owner_id","lifecycle_state"}],
//    "network_interfaces": [{"id","interface_type","description",...}],
//    "instances": [{"id","availability_zone","owner_id","state","private_ip","tags":{...}}],
//    "vpc_endpoints": [{"id","type","service_name","vpc_id","state","owner_id",
//                       "network_interface_ids":[...],"tags":{...}}],
//    "history": [{"ip","eni_id","kind","name","resource_id","az","account",
//                 "first_seen","last_seen"}],
//    "partial": true, "failed_calls": [{"call","target","error"}]}  (only when partial)
// Lists are written sorted by id (history by ip, first_seen) so two dumps of
// the same account diff cleanly. Unknown members are ignored on load, so a
// newer efstop's dump of the same format version still loads.
#ifndef EFSTOP_ENRICH_INVENTORY_H_
#define EFSTOP_ENRICH_INVENTORY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/efs_api.h"
#include "core/result.h"
#include "enrich/eni.h"
#include "store/name_store.h"

namespace efstop::enrich {

inline constexpr int kInventoryFormatVersion = 1;

// The dump holds what the EFS and EC2 calls return, unchanged.
using FileSystemInfo = aws::FileSystem;
using MountTargetInfo = aws::MountTarget;
using InstanceInfo = aws::Instance;
using VpcEndpointInfo = aws::VpcEndpoint;

// A naming call that failed even after its retries (or, for a dump, failed
// when the dump was taken). Names are then short of the truth, so the report
// is partial (docs/cli.md): `ips` is how many of the resolved IPs it left
// without their name (unresolved, or named by a bare id), 0 when unknown.
struct FailedCall {
  std::string call;    // the IAM action: "ec2:DescribeInstances"
  std::string target;  // what it asked about, when one thing: a file system or VPC id
  std::string error;   // the call's own message, with the attempts made
  int64_t ips = 0;

  friend bool operator==(const FailedCall&, const FailedCall&) = default;
};

struct Inventory {
  std::string account;
  std::string region;
  int64_t generated_at = 0;  // unix seconds
  std::vector<FileSystemInfo> file_systems;
  std::vector<MountTargetInfo> mount_targets;
  std::vector<EniDescription> network_interfaces;
  std::vector<InstanceInfo> instances;
  std::vector<VpcEndpointInfo> vpc_endpoints;  // absent from dumps before it: empty
  std::vector<store::Assignment> history;
  // The calls that failed while the dump was taken: it lacks their answers
  // (JSON "partial": true and "failed_calls", present only then).
  std::vector<FailedCall> failed_calls;
};

// Serialises `inv` as the JSON document above (pretty-printed, sorted,
// trailing newline). Names are written as AWS gave them; sanitising is for
// display.
std::string inventory_to_json(const Inventory& inv);

// Parses a dump. `source` names the file in errors, which say where the
// problem is (a JSON parse position or the member path, e.g.
// "inventory.json: mount_targets[3].ip: expected a string"). Errors: kParse.
Result<Inventory> inventory_from_json(std::string_view text, std::string_view source);

// Reads and parses a dump file. Errors: kNotFound / kIo / kParse.
Result<Inventory> load_inventory_file(const std::string& path);

// One ENI / instance as a JSON object of the dump's shape (the store caches
// lookups in this form). Errors: kParse.
std::string network_interface_to_json(const EniDescription& eni);
Result<EniDescription> network_interface_from_json(std::string_view text);
std::string instance_to_json(const InstanceInfo& instance);
Result<InstanceInfo> instance_from_json(std::string_view text);
std::string vpc_endpoint_to_json(const VpcEndpointInfo& endpoint);
Result<VpcEndpointInfo> vpc_endpoint_from_json(std::string_view text);

// ISO 8601 UTC ("2026-11-26T14:05:00Z") <-> unix seconds.
std::string format_utc(int64_t unix_seconds);
Result<int64_t> parse_utc(std::string_view text);

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_INVENTORY_H_
