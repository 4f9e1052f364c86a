#include "aws/efs_api.h"

#include "aws/ec2_api.h"
#include "aws/paginate.h"

namespace efstop::aws {

namespace {

using nlohmann::json;

// Reads an optional string member; wrong types are reported, not thrown.
bool read_string(const json& obj, const char* key, std::string* out, std::string* error) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) {
    *error = std::string(key) + " is not a string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

std::string next_marker(const json& page) {
  const auto it = page.find("NextMarker");
  return it != page.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<FileSystem>> parse_file_systems(const json& page) {
  std::vector<FileSystem> out;
  const auto list = page.find("FileSystems");
  if (list == page.end()) return out;
  if (!list->is_array()) return parse_error("describe-file-systems: FileSystems is not a list");
  for (const json& item : *list) {
    if (!item.is_object()) return parse_error("describe-file-systems: an item is not an object");
    FileSystem f;
    std::string error;
    if (!read_string(item, "FileSystemId", &f.id, &error) ||
        !read_string(item, "Name", &f.name, &error) ||
        !read_string(item, "FileSystemArn", &f.arn, &error) ||
        !read_string(item, "OwnerId", &f.owner_id, &error) ||
        !read_string(item, "LifeCycleState", &f.lifecycle_state, &error) ||
        !read_string(item, "AvailabilityZoneName", &f.availability_zone_name, &error) ||
        !read_string(item, "AvailabilityZoneId", &f.availability_zone_id, &error) ||
        !read_string(item, "ThroughputMode", &f.throughput_mode, &error)) {
      return parse_error("describe-file-systems: " + error);
    }
    if (const auto p = item.find("ProvisionedThroughputInMibps");
        p != item.end() && !p->is_null()) {
      if (!p->is_number()) {
        return parse_error("describe-file-systems: ProvisionedThroughputInMibps is not a number");
      }
      f.provisioned_mibps = p->get<double>();
    }
    // Older answers carry the Name only in Tags.
    if (f.name.empty()) {
      const auto tags = item.find("Tags");
      if (tags != item.end() && tags->is_array()) {
        for (const json& t : *tags) {
          const auto key = t.is_object() ? t.find("Key") : t.end();
          if (key != t.end() && key->is_string() && *key == "Name" && t.contains("Value") &&
              t["Value"].is_string()) {
            f.name = t["Value"].get<std::string>();
          }
        }
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<MountTarget>> parse_mount_targets(const json& page) {
  std::vector<MountTarget> out;
  const auto list = page.find("MountTargets");
  if (list == page.end()) return out;
  if (!list->is_array()) return parse_error("describe-mount-targets: MountTargets is not a list");
  for (const json& item : *list) {
    if (!item.is_object()) return parse_error("describe-mount-targets: an item is not an object");
    MountTarget m;
    std::string error;
    if (!read_string(item, "MountTargetId", &m.id, &error) ||
        !read_string(item, "FileSystemId", &m.file_system_id, &error) ||
        !read_string(item, "IpAddress", &m.ip, &error) ||
        !read_string(item, "Ipv6Address", &m.ipv6, &error) ||
        !read_string(item, "NetworkInterfaceId", &m.eni_id, &error) ||
        !read_string(item, "SubnetId", &m.subnet_id, &error) ||
        !read_string(item, "AvailabilityZoneName", &m.availability_zone_name, &error) ||
        !read_string(item, "AvailabilityZoneId", &m.availability_zone_id, &error) ||
        !read_string(item, "VpcId", &m.vpc_id, &error) ||
        !read_string(item, "OwnerId", &m.owner_id, &error) ||
        !read_string(item, "LifeCycleState", &m.lifecycle_state, &error)) {
      return parse_error("describe-mount-targets: " + error);
    }
    out.push_back(std::move(m));
  }
  return out;
}

EfsApi::EfsApi(AwsClient* client, int parallelism) : client_(client), parallelism_(parallelism) {}

Result<std::vector<FileSystem>> EfsApi::describe_file_systems() {
  std::vector<FileSystem> out;
  const std::string what = "describe-file-systems " + client_->region();
  Result<int64_t> pages = paginate(what, [&](const std::string& marker) -> Result<std::string> {
    QueryParams query;
    if (!marker.empty()) query.emplace_back("Marker", marker);
    ++fs_calls_;
    EFSTOP_ASSIGN_OR_RETURN(json page,
                            client_->call_rest_json(Service::kEfs, "DescribeFileSystems", "GET",
                                                    "/2015-02-01/file-systems", query));
    EFSTOP_ASSIGN_OR_RETURN(std::vector<FileSystem> items, parse_file_systems(page));
    for (FileSystem& f : items) out.push_back(std::move(f));
    return next_marker(page);
  });
  if (!pages.ok()) return pages.status();
  return out;
}

Result<std::vector<MountTarget>> EfsApi::describe_mount_targets(const std::string& fs_id) {
  std::vector<MountTarget> out;
  const std::string what = "describe-mount-targets " + fs_id;
  Result<int64_t> pages = paginate(what, [&](const std::string& marker) -> Result<std::string> {
    QueryParams query{{"FileSystemId", fs_id}};
    if (!marker.empty()) query.emplace_back("Marker", marker);
    ++mt_calls_;
    EFSTOP_ASSIGN_OR_RETURN(json page,
                            client_->call_rest_json(Service::kEfs, "DescribeMountTargets", "GET",
                                                    "/2015-02-01/mount-targets", query));
    EFSTOP_ASSIGN_OR_RETURN(std::vector<MountTarget> items, parse_mount_targets(page));
    for (MountTarget& m : items) {
      if (m.file_system_id.empty()) m.file_system_id = fs_id;
      out.push_back(std::move(m));
    }
    return next_marker(page);
  });
  if (!pages.ok()) return pages.status();
  return out;
}

Result<EfsInventory> EfsApi::describe_inventory() {
  EfsInventory inv;
  EFSTOP_ASSIGN_OR_RETURN(inv.file_systems, describe_file_systems());
  std::vector<Result<std::vector<MountTarget>>> per_fs(inv.file_systems.size(),
                                                       Status(StatusCode::kInternal, "not run"));
  run_parallel(inv.file_systems.size(), parallelism_,
               [&](size_t i) { per_fs[i] = describe_mount_targets(inv.file_systems[i].id); });
  for (size_t i = 0; i < per_fs.size(); ++i) {
    if (!per_fs[i].ok()) {
      inv.failures.push_back({inv.file_systems[i].id, per_fs[i].status()});
      continue;
    }
    for (MountTarget& m : *per_fs[i]) inv.mount_targets.push_back(std::move(m));
  }
  return inv;
}

}  // namespace efstop::aws
