#include "enrich/inventory.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/read_file.h"

namespace efstop::enrich {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json tags_json(const std::vector<std::pair<std::string, std::string>>& tags) {
  ordered_json out = ordered_json::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

ordered_json strings_json(const std::vector<std::string>& v) {
  ordered_json out = ordered_json::array();
  for (const std::string& s : v) out.push_back(s);
  return out;
}

ordered_json eni_json(const EniDescription& e) {
  ordered_json j;
  j["id"] = e.id;
  j["interface_type"] = e.interface_type;
  j["description"] = e.description;
  j["requester_id"] = e.requester_id;
  j["requester_managed"] = e.requester_managed;
  j["instance_id"] = e.instance_id;
  j["instance_owner_id"] = e.instance_owner_id;
  j["owner_id"] = e.owner_id;
  j["vpc_id"] = e.vpc_id;
  j["subnet_id"] = e.subnet_id;
  j["availability_zone"] = e.availability_zone;
  j["availability_zone_id"] = e.availability_zone_id;
  j["status"] = e.status;
  j["private_ips"] = strings_json(e.private_ips);
  j["public_ips"] = strings_json(e.public_ips);
  j["ipv6_ips"] = strings_json(e.ipv6_ips);
  j["tags"] = tags_json(e.tags);
  return j;
}

template <typename T>
std::vector<T> sorted_by_id(std::vector<T> v) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.id < b.id; });
  return v;
}

// Reads members with a path for messages; the first problem wins.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  const Status& status() const { return status_; }

  void fail(const std::string& path, const std::string& why) {
    if (status_.ok()) status_ = parse_error(source_ + ": " + path + ": " + why);
  }

  std::string str(const json& obj, const std::string& path, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return {};
    if (!it->is_string()) {
      fail(path + "." + key, "expected a string");
      return {};
    }
    return it->get<std::string>();
  }

  bool boolean(const json& obj, const std::string& path, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return false;
    if (!it->is_boolean()) {
      fail(path + "." + key, "expected true or false");
      return false;
    }
    return it->get<bool>();
  }

  int64_t integer(const json& obj, const std::string& path, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return 0;
    if (!it->is_number_integer()) {
      fail(path + "." + key, "expected an integer (unix seconds)");
      return 0;
    }
    return it->get<int64_t>();
  }

  std::vector<std::string> strings(const json& obj, const std::string& path, const char* key) {
    std::vector<std::string> out;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return out;
    if (!it->is_array()) {
      fail(path + "." + key, "expected an array of strings");
      return out;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        fail(path + "." + key + "[" + std::to_string(i) + "]", "expected a string");
        continue;
      }
      out.push_back((*it)[i].get<std::string>());
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> tags(const json& obj, const std::string& path) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto it = obj.find("tags");
    if (it == obj.end() || it->is_null()) return out;
    if (!it->is_object()) {
      fail(path + ".tags", "expected an object of tag key -> value");
      return out;
    }
    for (auto t = it->begin(); t != it->end(); ++t) {
      if (!t.value().is_string()) {
        fail(path + ".tags." + t.key(), "expected a string");
        continue;
      }
      out.emplace_back(t.key(), t.value().get<std::string>());
    }
    return out;
  }

  // Calls fn(item, path) for each object of array `key`.
  template <typename Fn>
  void each(const json& root, const char* key, Fn&& fn) {
    const auto it = root.find(key);
    if (it == root.end() || it->is_null()) return;
    if (!it->is_array()) {
      fail(key, "expected an array");
      return;
    }
    for (size_t i = 0; i < it->size() && status_.ok(); ++i) {
      const std::string path = std::string(key) + "[" + std::to_string(i) + "]";
      if (!(*it)[i].is_object()) {
        fail(path, "expected an object");
        return;
      }
      fn((*it)[i], path);
    }
  }

 private:
  std::string source_;
  Status status_;
};

}  // namespace

std::string format_utc(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<int64_t> parse_utc(std::string_view text) {
  std::tm tm{};
  int y, mo, d, h, mi, s;
  char z = 0;
  const std::string t(text);
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
      z != 'Z' || t.size() != 20) {
    return parse_error("bad time '" + t + "' (expected 2026-11-26T14:05:00Z)");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}

std::string inventory_to_json(const Inventory& inv) {
  ordered_json root;
  root["efstop_inventory"] = kInventoryFormatVersion;
  root["account"] = inv.account;
  root["region"] = inv.region;
  root["generated_at"] = format_utc(inv.generated_at);
  ordered_json& fss = root["file_systems"] = ordered_json::array();
  for (const FileSystemInfo& f : sorted_by_id(inv.file_systems)) {
    ordered_json j;
    j["id"] = f.id;
    j["name"] = f.name;
    j["arn"] = f.arn;
    j["owner_id"] = f.owner_id;
    j["lifecycle_state"] = f.lifecycle_state;
    j["availability_zone_name"] = f.availability_zone_name;
    j["availability_zone_id"] = f.availability_zone_id;
    // The metrics' cost and limits depend on it (docs/metrics.md).
    j["throughput_mode"] = f.throughput_mode;
    if (f.provisioned_mibps) j["provisioned_throughput_mibps"] = *f.provisioned_mibps;
    fss.push_back(std::move(j));
  }
  ordered_json& mts = root["mount_targets"] = ordered_json::array();
  for (const MountTargetInfo& m : sorted_by_id(inv.mount_targets)) {
    ordered_json j;
    j["id"] = m.id;
    j["file_system_id"] = m.file_system_id;
    j["ip"] = m.ip;
    j["ipv6"] = m.ipv6;
    j["eni_id"] = m.eni_id;
    j["subnet_id"] = m.subnet_id;
    j["availability_zone_name"] = m.availability_zone_name;
    j["availability_zone_id"] = m.availability_zone_id;
    j["vpc_id"] = m.vpc_id;
    j["owner_id"] = m.owner_id;
    j["lifecycle_state"] = m.lifecycle_state;
    mts.push_back(std::move(j));
  }
  ordered_json& enis = root["network_interfaces"] = ordered_json::array();
  for (const EniDescription& e : sorted_by_id(inv.network_interfaces)) enis.push_back(eni_json(e));
  ordered_json& insts = root["instances"] = ordered_json::array();
  for (const InstanceInfo& i : sorted_by_id(inv.instances)) {
    ordered_json j;
    j["id"] = i.id;
    j["availability_zone"] = i.availability_zone;
    j["owner_id"] = i.owner_id;
    j["state"] = i.state;
    j["private_ip"] = i.private_ip;
    j["tags"] = tags_json(i.tags);
    insts.push_back(std::move(j));
  }
  ordered_json& endpoints = root["vpc_endpoints"] = ordered_json::array();
  for (const VpcEndpointInfo& v : sorted_by_id(inv.vpc_endpoints)) {
    ordered_json j;
    j["id"] = v.id;
    j["type"] = v.type;
    j["service_name"] = v.service_name;
    j["vpc_id"] = v.vpc_id;
    j["state"] = v.state;
    j["owner_id"] = v.owner_id;
    j["network_interface_ids"] = v.network_interface_ids;
    j["tags"] = tags_json(v.tags);
    endpoints.push_back(std::move(j));
  }
  std::vector<store::Assignment> history = inv.history;
  std::sort(history.begin(), history.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ip, a.first_seen, a.eni_id) < std::tie(b.ip, b.first_seen, b.eni_id);
  });
  ordered_json& hist = root["history"] = ordered_json::array();
  for (const store::Assignment& a : history) {
    ordered_json j;
    j["ip"] = a.ip;
    j["eni_id"] = a.eni_id;
    j["kind"] = a.kind;
    j["name"] = a.name;
    j["resource_id"] = a.resource_id;
    j["az"] = a.az;
    j["account"] = a.account;
    j["first_seen"] = format_utc(a.first_seen);
    j["last_seen"] = format_utc(a.last_seen);
    hist.push_back(std::move(j));
  }
  // Only a partial dump carries these, so whole dumps stay as they were.
  if (!inv.failed_calls.empty()) {
    root["partial"] = true;
    ordered_json& failed = root["failed_calls"] = ordered_json::array();
    for (const FailedCall& f : inv.failed_calls) {
      ordered_json j;
      j["call"] = f.call;
      j["target"] = f.target;
      j["error"] = f.error;
      failed.push_back(std::move(j));
    }
  }
  // Replace invalid UTF-8 rather than throw: tags are user data.
  return root.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

namespace {
Result<Inventory> inventory_from_value(const json& root, const std::string& src);
}  // namespace

Result<Inventory> inventory_from_json(std::string_view text, std::string_view source) {
  const std::string src(source);
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return parse_error(src + ": not valid JSON at byte " + std::to_string(e.byte) +
                       " (is this an `efstop inventory --output json` dump?)");
  }
  return inventory_from_value(root, src);
}

namespace {
Result<Inventory> inventory_from_value(const json& root, const std::string& src) {
  if (!root.is_object()) return parse_error(src + ": expected a JSON object");
  const auto version = root.find("efstop_inventory");
  if (version == root.end() || !version->is_number_integer()) {
    return parse_error(src + ": missing \"efstop_inventory\": not an `efstop inventory` dump");
  }
  if (version->get<int64_t>() != kInventoryFormatVersion) {
    return parse_error(src + ": inventory format " + std::to_string(version->get<int64_t>()) +
                       " is not supported (this efstop reads format " +
                       std::to_string(kInventoryFormatVersion) + ")");
  }
  Reader r(src);
  Inventory inv;
  inv.account = r.str(root, "", "account");
  inv.region = r.str(root, "", "region");
  const std::string generated = r.str(root, "", "generated_at");
  if (!generated.empty()) {
    Result<int64_t> t = parse_utc(generated);
    if (!t.ok())
      r.fail("generated_at", t.status().message());
    else
      inv.generated_at = *t;
  }
  r.each(root, "file_systems", [&](const json& j, const std::string& p) {
    FileSystemInfo f;
    f.id = r.str(j, p, "id");
    f.name = r.str(j, p, "name");
    f.arn = r.str(j, p, "arn");
    f.owner_id = r.str(j, p, "owner_id");
    f.lifecycle_state = r.str(j, p, "lifecycle_state");
    f.availability_zone_name = r.str(j, p, "availability_zone_name");
    f.availability_zone_id = r.str(j, p, "availability_zone_id");
    f.throughput_mode = r.str(j, p, "throughput_mode");  // absent in older dumps
    if (const auto mibps = j.find("provisioned_throughput_mibps");
        mibps != j.end() && !mibps->is_null()) {
      if (mibps->is_number()) {
        f.provisioned_mibps = mibps->get<double>();
      } else {
        r.fail(p + ".provisioned_throughput_mibps", "expected a number");
      }
    }
    if (f.id.empty()) r.fail(p + ".id", "missing");
    inv.file_systems.push_back(std::move(f));
  });
  r.each(root, "mount_targets", [&](const json& j, const std::string& p) {
    MountTargetInfo m;
    m.id = r.str(j, p, "id");
    m.file_system_id = r.str(j, p, "file_system_id");
    m.ip = r.str(j, p, "ip");
    m.ipv6 = r.str(j, p, "ipv6");
    m.eni_id = r.str(j, p, "eni_id");
    m.subnet_id = r.str(j, p, "subnet_id");
    m.availability_zone_name = r.str(j, p, "availability_zone_name");
    m.availability_zone_id = r.str(j, p, "availability_zone_id");
    m.vpc_id = r.str(j, p, "vpc_id");
    m.owner_id = r.str(j, p, "owner_id");
    m.lifecycle_state = r.str(j, p, "lifecycle_state");
    if (m.file_system_id.empty()) r.fail(p + ".file_system_id", "missing");
    inv.mount_targets.push_back(std::move(m));
  });
  r.each(root, "network_interfaces", [&](const json& j, const std::string& p) {
    EniDescription e;
    e.id = r.str(j, p, "id");
    e.interface_type = r.str(j, p, "interface_type");
    e.description = r.str(j, p, "description");
    e.requester_id = r.str(j, p, "requester_id");
    e.requester_managed = r.boolean(j, p, "requester_managed");
    e.instance_id = r.str(j, p, "instance_id");
    e.instance_owner_id = r.str(j, p, "instance_owner_id");
    e.owner_id = r.str(j, p, "owner_id");
    e.vpc_id = r.str(j, p, "vpc_id");
    e.subnet_id = r.str(j, p, "subnet_id");
    e.availability_zone = r.str(j, p, "availability_zone");
    e.availability_zone_id = r.str(j, p, "availability_zone_id");
    e.status = r.str(j, p, "status");
    e.private_ips = r.strings(j, p, "private_ips");
    e.public_ips = r.strings(j, p, "public_ips");
    e.ipv6_ips = r.strings(j, p, "ipv6_ips");
    e.tags = r.tags(j, p);
    if (e.id.empty()) r.fail(p + ".id", "missing");
    inv.network_interfaces.push_back(std::move(e));
  });
  r.each(root, "instances", [&](const json& j, const std::string& p) {
    InstanceInfo i;
    i.id = r.str(j, p, "id");
    i.availability_zone = r.str(j, p, "availability_zone");
    i.owner_id = r.str(j, p, "owner_id");
    i.state = r.str(j, p, "state");
    i.private_ip = r.str(j, p, "private_ip");
    i.tags = r.tags(j, p);
    if (i.id.empty()) r.fail(p + ".id", "missing");
    inv.instances.push_back(std::move(i));
  });
  r.each(root, "vpc_endpoints", [&](const json& j, const std::string& p) {
    VpcEndpointInfo v;
    v.id = r.str(j, p, "id");
    v.type = r.str(j, p, "type");
    v.service_name = r.str(j, p, "service_name");
    v.vpc_id = r.str(j, p, "vpc_id");
    v.state = r.str(j, p, "state");
    v.owner_id = r.str(j, p, "owner_id");
    v.network_interface_ids = r.strings(j, p, "network_interface_ids");
    v.tags = r.tags(j, p);
    if (v.id.empty()) r.fail(p + ".id", "missing");
    inv.vpc_endpoints.push_back(std::move(v));
  });
  r.each(root, "history", [&](const json& j, const std::string& p) {
    store::Assignment a;
    a.ip = r.str(j, p, "ip");
    a.eni_id = r.str(j, p, "eni_id");
    a.kind = r.str(j, p, "kind");
    a.name = r.str(j, p, "name");
    a.resource_id = r.str(j, p, "resource_id");
    a.az = r.str(j, p, "az");
    a.account = r.str(j, p, "account");
    for (auto [key, field] :
         {std::pair{"first_seen", &a.first_seen}, std::pair{"last_seen", &a.last_seen}}) {
      Result<int64_t> t = parse_utc(r.str(j, p, key));
      if (!t.ok())
        r.fail(p + "." + key, t.status().message());
      else
        *field = *t;
    }
    if (a.ip.empty()) r.fail(p + ".ip", "missing");
    inv.history.push_back(std::move(a));
  });
  r.each(root, "failed_calls", [&](const json& j, const std::string& p) {
    FailedCall f;
    f.call = r.str(j, p, "call");
    f.target = r.str(j, p, "target");
    f.error = r.str(j, p, "error");
    if (f.call.empty()) r.fail(p + ".call", "missing");
    inv.failed_calls.push_back(std::move(f));
  });
  // "partial" says no more than failed_calls; a dump that claims to be
  // partial without saying what failed is not trusted to be whole.
  if (const auto partial = root.find("partial"); partial != root.end()) {
    if (!partial->is_boolean()) {
      r.fail("partial", "expected true or false");
    } else if (partial->get<bool>() && inv.failed_calls.empty()) {
      r.fail("failed_calls", "missing, though \"partial\" is true");
    }
  }
  if (!r.status().ok()) return r.status();
  return inv;
}
}  // namespace

std::string network_interface_to_json(const EniDescription& eni) {
  return eni_json(eni).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string instance_to_json(const InstanceInfo& instance) {
  Inventory inv;
  inv.instances.push_back(instance);
  return inventory_to_json(inv);
}

Result<EniDescription> network_interface_from_json(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return parse_error("cached network interface: not JSON");
  json root = {{"efstop_inventory", kInventoryFormatVersion},
               {"network_interfaces", json::array({std::move(j)})}};
  EFSTOP_ASSIGN_OR_RETURN(Inventory inv, inventory_from_value(root, "cached network interface"));
  return std::move(inv.network_interfaces.at(0));
}

std::string vpc_endpoint_to_json(const VpcEndpointInfo& endpoint) {
  Inventory inv;
  inv.vpc_endpoints.push_back(endpoint);
  return inventory_to_json(inv);
}

Result<VpcEndpointInfo> vpc_endpoint_from_json(std::string_view text) {
  EFSTOP_ASSIGN_OR_RETURN(Inventory inv, inventory_from_json(text, "cached VPC endpoint"));
  if (inv.vpc_endpoints.size() != 1) {
    return parse_error("cached VPC endpoint: expected one endpoint");
  }
  return std::move(inv.vpc_endpoints[0]);
}

Result<InstanceInfo> instance_from_json(std::string_view text) {
  EFSTOP_ASSIGN_OR_RETURN(Inventory inv, inventory_from_json(text, "cached instance"));
  if (inv.instances.size() != 1) return parse_error("cached instance: expected one instance");
  return std::move(inv.instances[0]);
}

Result<Inventory> load_inventory_file(const std::string& path) {
  std::string text;
  if (const int err = read_file(path, &text); err != 0) {
    const std::string message = "read inventory " + path + ": " + read_file_failure(err);
    return err == ENOENT ? not_found_error(message) : io_error(message);
  }
  return inventory_from_json(text, path);
}

}  // namespace efstop::enrich
