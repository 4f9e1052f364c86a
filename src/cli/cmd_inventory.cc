// `efstop inventory`: what efstop knows about the account, for reading or
// for `efstop top --inventory FILE` on another machine.
//
// Steps: parse the options; open the store and the AWS session; list the
// EFS file systems and mount targets; read every ENI of the mount targets'
// VPCs (where EFS clients live) and the instances they are attached to;
// add the store's history; write JSON (the dump) or a short table.
#include <map>
#include <set>

#include "cli/aws_flags.h"
#include "cli/command.h"
#include "cli/name_flags.h"
#include "enrich/classify.h"
#include "enrich/inventory.h"
#include "report/safe_text.h"

namespace efstop::cli {

namespace {

struct InventorySettings {
  std::string output = "table";
  NameFlags names;
  bool help = false;
};

std::vector<OptionGroup> make_groups(InventorySettings* s) {
  std::vector<OptionGroup> groups;
  OptionGroup main("Inventory");
  main.add_value("--output", "FORMAT", "table (default) or json (the dump --inventory reads)",
                 [s](std::string_view v) -> Status {
                   if (v != "table" && v != "json")
                     return invalid_argument_error("want table or json");
                   s->output = std::string(v);
                   return Status();
                 });
  main.add_value("--cache-dir", "DIR", "where the name store lives (its history is dumped too)",
                 [s](std::string_view v) {
                   s->names.cache_dir = std::string(v);
                   return Status();
                 });
  main.add_flag("--help", "show this help", [s] { s->help = true; });
  groups.push_back(std::move(main));
  OptionGroup aws_group("AWS connection");
  add_aws_flags(&aws_group, &s->names.aws);
  groups.push_back(std::move(aws_group));
  return groups;
}

std::vector<OptionGroup*> pointers(std::vector<OptionGroup>& groups) {
  std::vector<OptionGroup*> out;
  for (OptionGroup& g : groups) out.push_back(&g);
  return out;
}

void write_table(const enrich::Inventory& inv, std::ostream& out) {
  out << "account " << report::sanitize_text(inv.account.empty() ? "?" : inv.account) << ", region "
      << report::sanitize_text(inv.region) << ", " << enrich::format_utc(inv.generated_at) << '\n';
  std::map<std::string, std::vector<const aws::MountTarget*>> by_fs;
  for (const aws::MountTarget& m : inv.mount_targets) by_fs[m.file_system_id].push_back(&m);
  for (const aws::FileSystem& f : inv.file_systems) {
    out << "file system " << f.id << "  " << report::sanitize_text(f.name.empty() ? "-" : f.name)
        << (f.is_one_zone() ? "  One Zone " + f.availability_zone_name : std::string("  Regional"))
        << '\n';
    for (const aws::MountTarget* m : by_fs[f.id]) {
      out << "  mount target " << m->id << "  " << m->ip << "  " << m->eni_id << "  "
          << m->availability_zone_name << " (" << m->availability_zone_id << ")  " << m->vpc_id
          << '\n';
    }
  }
  out << "network interfaces: " << inv.network_interfaces.size()
      << ", instances: " << inv.instances.size() << ", history rows: " << inv.history.size()
      << '\n';
}

}  // namespace

void print_inventory_help(std::ostream& out) {
  InventorySettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  out << "usage: efstop inventory [OPTIONS]\n"
      << "\n"
      << "Lists what efstop knows about the account: every EFS file system and mount\n"
      << "target, every network interface of the mount targets' VPCs, the instances and\n"
      << "interface VPC endpoints they belong to, and the store's history of IP\n"
      << "assignments. With --output json\n"
      << "the dump can be given to `efstop top --inventory FILE` on another machine.\n";
  print_options(pointers(groups), out);
  out << "\n"
      << "Examples:\n"
      << "  efstop inventory --region eu-west-1\n"
      << "  efstop inventory --output json > inventory.json\n"
      << "  efstop top --inventory inventory.json flowlogs/\n"
      << "\n"
      << "IAM: elasticfilesystem:DescribeFileSystems, elasticfilesystem:DescribeMountTargets,\n"
      << "ec2:DescribeNetworkInterfaces, ec2:DescribeInstances, ec2:DescribeVpcEndpoints.\n";
}

int run_inventory(const std::vector<std::string>& args, CommandContext& ctx) {
  // 1. Options.
  InventorySettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  std::vector<std::string> positionals;
  if (Status s = parse_args(args, pointers(groups), &positionals); !s.ok()) {
    return usage_error(ctx, "inventory", s);
  }
  if (settings.help) {
    print_inventory_help(ctx.out);
    return kExitOk;
  }
  if (!positionals.empty()) {
    return usage_error(ctx, "inventory",
                       invalid_argument_error("parse arguments: unexpected '" + positionals[0] +
                                              "' (inventory takes options only)"));
  }

  // 2. The store and the AWS session.
  settings.names.names = true;
  const int64_t now = ctx.now();
  Result<Naming> naming = open_naming(settings.names, now, ctx.err);
  if (!naming.ok()) {
    ctx.err << "efstop: " << naming.status().message() << '\n';
    return naming.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  enrich::FactSource& source = *naming->source;

  // 3. EFS: file systems and mount targets. Without them there is nothing to dump.
  Result<aws::EfsInventory> efs = source.efs_inventory();
  if (!efs.ok()) {
    ctx.err << "efstop: " << efs.status().message() << '\n';
    return kExitFailure;
  }
  enrich::Inventory inv;
  inv.region = source.region();
  inv.generated_at = now;
  inv.file_systems = efs->file_systems;
  inv.mount_targets = efs->mount_targets;
  for (const aws::MountTargetFailure& f : efs->failures) {
    ctx.err << "efstop: warning: mount targets of " << f.file_system_id << ": "
            << f.status.message() << '\n';
    inv.failed_calls.push_back(
        {"elasticfilesystem:DescribeMountTargets", f.file_system_id, f.status.message(), 0});
  }

  // 4. The ENIs of the mount targets' VPCs, and their instances.
  std::set<std::string> vpcs;
  for (const aws::MountTarget& m : inv.mount_targets) {
    if (!m.vpc_id.empty()) vpcs.insert(m.vpc_id);
    if (inv.account.empty()) inv.account = m.owner_id;
  }
  std::set<std::string> instance_ids;
  for (const std::string& vpc : vpcs) {
    aws::VpcScan scan = source.scan_vpc(vpc, 0);
    if (!scan.status.ok()) {
      ctx.err << "efstop: warning: network interfaces of " << vpc << ": " << scan.status.message()
              << '\n';
      inv.failed_calls.push_back({"ec2:DescribeNetworkInterfaces", vpc, scan.status.message(), 0});
    }
    for (aws::NetworkInterface& e : scan.items) {
      if (!e.instance_id.empty()) instance_ids.insert(e.instance_id);
      inv.network_interfaces.push_back(std::move(e));
    }
  }
  if (!instance_ids.empty()) {
    aws::BatchedResult<aws::Instance> inst =
        source.instances({instance_ids.begin(), instance_ids.end()});
    for (const aws::BatchFailure& f : inst.failures) {
      ctx.err << "efstop: warning: instances: " << f.status.message() << '\n';
      inv.failed_calls.push_back({"ec2:DescribeInstances", "", f.status.message(), 0});
    }
    inv.instances = std::move(inst.items);
  }

  // 4b. The interface VPC endpoints behind those ENIs (named by service).
  std::set<std::string> endpoint_ids;
  for (const aws::NetworkInterface& e : inv.network_interfaces) {
    const enrich::Classification c = enrich::classify_eni(e);
    if (c.pending == enrich::Pending::kEndpointName) endpoint_ids.insert(c.id);
  }
  if (!endpoint_ids.empty()) {
    aws::BatchedResult<aws::VpcEndpoint> endpoints =
        source.vpc_endpoints({endpoint_ids.begin(), endpoint_ids.end()});
    for (const aws::BatchFailure& f : endpoints.failures) {
      ctx.err << "efstop: warning: VPC endpoints: " << f.status.message() << '\n';
      inv.failed_calls.push_back({"ec2:DescribeVpcEndpoints", "", f.status.message(), 0});
    }
    inv.vpc_endpoints = std::move(endpoints.items);
  }

  // 5. The history, and out.
  if (naming->store) {
    Result<std::vector<store::Assignment>> history = naming->store->all_history();
    if (history.ok()) inv.history = std::move(history).value();
  }
  if (settings.output == "json") {
    ctx.out << enrich::inventory_to_json(inv);
  } else {
    write_table(inv, ctx.out);
  }
  int64_t calls = 0;
  for (const auto& [api, count] : source.calls()) calls += count;
  const size_t failures = inv.failed_calls.size();
  ctx.err << "inventory: " << inv.file_systems.size() << " file systems, "
          << inv.mount_targets.size() << " mount targets, " << inv.network_interfaces.size()
          << " network interfaces, " << inv.instances.size() << " instances in " << calls
          << " AWS calls" << (failures ? ", " + std::to_string(failures) + " failed" : "") << '\n';
  // Written, but short of what the failed calls would have returned: as
  // top's partial report, its own exit status (the warnings above say why),
  // and the dump itself says so ("partial", "failed_calls"), since a file
  // keeps neither the exit status nor stderr.
  if (failures > 0) {
    ctx.err << "partial: " << failures << " call" << (failures == 1 ? "" : "s")
            << " failed; the inventory lacks what " << (failures == 1 ? "it" : "they")
            << " would have returned\n";
    return kExitPartial;
  }
  return kExitOk;
}

}  // namespace efstop::cli
