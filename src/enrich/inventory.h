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
//    "instances": [{"id","availability_zone","owner_id","state","tags":{...}}],
//    "history": [{"ip","eni_id","kind","name","resource_id","az","account",
//                 "first_seen","last_seen"}]}
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

#include "core/result.h"
#include "enrich/eni.h"
#include "store/name_store.h"

namespace efstop::enrich {

inline constexpr int kInventoryFormatVersion = 1;

struct FileSystemInfo {
  std::string id;
  std::string name;  // the Name tag; empty when untagged
  std::string arn;
  std::string owner_id;
  std::string lifecycle_state;
  // Set only for One Zone file systems.
  std::string availability_zone_name;
  std::string availability_zone_id;
  bool is_one_zone() const {
    return !availability_zone_name.empty() || !availability_zone_id.empty();
  }
};

struct MountTargetInfo {
  std::string id;  // fsmt-...
  std::string file_system_id;
  std::string ip;
  std::string ipv6;
  std::string eni_id;
  std::string subnet_id;
  std::string availability_zone_name;
  std::string availability_zone_id;
  std::string vpc_id;
  std::string owner_id;
  std::string lifecycle_state;
};

struct InstanceInfo {
  std::string id;
  std::string availability_zone;
  std::string owner_id;
  std::string state;
  std::vector<std::pair<std::string, std::string>> tags;
  // The value of tag `key` (e.g. "Name", or what --name-tag says), or empty.
  std::string tag(std::string_view key) const {
    for (const auto& [k, v] : tags) {
      if (k == key) return v;
    }
    return {};
  }
};

struct Inventory {
  std::string account;
  std::string region;
  int64_t generated_at = 0;  // unix seconds
  std::vector<FileSystemInfo> file_systems;
  std::vector<MountTargetInfo> mount_targets;
  std::vector<EniDescription> network_interfaces;
  std::vector<InstanceInfo> instances;
  std::vector<store::Assignment> history;
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

// ISO 8601 UTC ("2026-11-26T14:05:00Z") <-> unix seconds.
std::string format_utc(int64_t unix_seconds);
Result<int64_t> parse_utc(std::string_view text);

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_INVENTORY_H_
