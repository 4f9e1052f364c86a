#include "cli/metrics_flags.h"

#include <cstdlib>
#include <set>

#include "aws/cloudwatch_api.h"

namespace efstop::cli {

namespace {

Result<double> parse_rate(std::string_view v) {
  char* end = nullptr;
  const std::string text(v);
  const double rate = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(rate >= 0.0) || rate > 1000.0) {
    return invalid_argument_error("want a price in USD per GiB, e.g. 0.03");
  }
  return rate;
}

}  // namespace

void add_metrics_flags(OptionGroup* group, MetricsFlags* f) {
  group->add_flag("--metrics",
                  "read the file systems' own CloudWatch metrics (AWS/EFS) for\n"
                  "the window and set them beside the flows: coverage, when\n"
                  "each was at its limit and who moved the bytes then, Elastic\n"
                  "costs per client (default when reading from AWS;\n"
                  "docs/metrics.md)",
                  [f] { f->metrics = true; });
  group->add_flag("--no-metrics", "no CloudWatch metrics (no GetMetricData call)",
                  [f] { f->metrics = false; });
  group->add_value("--efs-read-rate", "USD",
                   "Elastic throughput price of one GiB read, for the cost per\n"
                   "client (default 0.03, us-east-1)",
                   [f](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(f->read_usd_per_gib, parse_rate(v));
                     f->rate_given = true;
                     return Status();
                   });
  group->add_value("--efs-write-rate", "USD",
                   "Elastic throughput price of one GiB written (default 0.06,\n"
                   "us-east-1)",
                   [f](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(f->write_usd_per_gib, parse_rate(v));
                     f->rate_given = true;
                     return Status();
                   });
}

std::vector<report::FileSystemMetrics> read_fs_metrics(
    aws::AwsClient* client, const std::vector<aws::FileSystem>& file_systems,
    const std::vector<aws::MountTarget>& mount_targets,
    const std::vector<flowlog::PairTotals>& pairs,
    const std::map<std::string, std::string>& client_label, const enrich::BucketGrid& grid,
    const enrich::AnalysisOptions& options, Status* call_status, int64_t* calls) {
  // Server address -> file system.
  std::map<std::string, std::string> fs_of_ip;
  for (const aws::MountTarget& m : mount_targets) {
    for (const std::string* ip : {&m.ip, &m.ipv6}) {
      if (auto a = flowlog::IpAddress::parse(*ip)) fs_of_ip[a->to_string()] = m.file_system_id;
    }
  }
  // File system -> client label -> series on the grid.
  std::map<std::string, std::map<std::string, enrich::ClientSeries>> flows;
  // File system -> the client addresses with flow bytes in the grid (two
  // clients may share a label; connections are counted per client).
  std::map<std::string, std::set<std::string>> client_ips;
  const auto n = static_cast<size_t>(grid.count);
  for (const flowlog::PairTotals& p : pairs) {
    auto fs = fs_of_ip.find(p.server.to_string());
    if (fs == fs_of_ip.end()) continue;
    const std::string ip = p.client.to_string();
    auto label = client_label.find(ip);
    const std::string& who = label == client_label.end() ? ip : label->second;
    enrich::ClientSeries& c = flows[fs->second][who];
    if (c.read.empty()) {
      c.client = who;
      c.read.assign(n, 0);
      c.written.assign(n, 0);
    }
    for (const flowlog::BucketBytes& b : p.series) {
      const int64_t i = grid.index_of(b.start);
      if (i < 0) continue;  // a part bucket at the window's edge: no metric to set it beside
      c.read[static_cast<size_t>(i)] += b.bytes_read;
      c.written[static_cast<size_t>(i)] += b.bytes_written;
      if (b.bytes_read + b.bytes_written > 0) client_ips[fs->second].insert(ip);
    }
  }
  std::vector<std::string> ids;
  for (const auto& [id, clients] : flows) ids.push_back(id);

  std::map<std::string, enrich::FsMetricSeries> metrics;
  aws::CloudWatchApi api(client);
  Result<std::map<std::string, enrich::FsMetricSeries>> fetched =
      enrich::fetch_fs_metrics(api, ids, grid, calls);
  if (fetched.ok()) {
    metrics = std::move(fetched).value();
  } else {
    *call_status = fetched.status();
    for (const std::string& id : ids) {
      metrics[id].failures.push_back({"*", "call failed", fetched.status().message()});
    }
  }
  std::vector<report::FileSystemMetrics> out;
  for (const std::string& id : ids) {
    std::string name, mode;
    for (const aws::FileSystem& f : file_systems) {
      if (f.id == id) {
        name = f.name;
        mode = f.throughput_mode;
      }
    }
    std::vector<enrich::ClientSeries> clients;
    for (auto& [who, series] : flows[id]) clients.push_back(std::move(series));
    out.push_back(enrich::analyse_file_system(id, name, mode, grid, metrics[id], clients, options));
    out.back().flow_clients = static_cast<int64_t>(client_ips[id].size());
  }
  return out;
}

}  // namespace efstop::cli
