#include "cloud/discovery.h"

#include <algorithm>
#include <map>
#include <set>

namespace efstop::cloud {

namespace {

bool covers(const aws::FlowLogInfo& f, const aws::MountTarget& mt) {
  return f.resource_id == mt.eni_id || f.resource_id == mt.subnet_id || f.resource_id == mt.vpc_id;
}

bool usable_traffic(const aws::FlowLogInfo& f) {
  // REJECT-only logs miss every accepted byte.
  return f.traffic_type.empty() || f.traffic_type == "ALL" || f.traffic_type == "ACCEPT";
}

bool is_active(const aws::FlowLogInfo& f) { return f.status.empty() || f.status == "ACTIVE"; }

}  // namespace

std::string Destination::describe() const {
  if (kind == DestinationKind::kLogGroup) return "log group " + log_group;
  if (!firehose_stream.empty()) return s3.to_uri() + " (Firehose stream " + firehose_stream + ")";
  return s3.to_uri();
}

std::string Destination::flag() const {
  if (kind == DestinationKind::kLogGroup) return "--log-group " + log_group;
  // --s3 adds a '/' to its prefix, then finds Firehose's year folders below
  // it (cloud/s3_source.h); a prefix without one names no folder.
  if (!firehose_stream.empty() && !s3.prefix.empty() && s3.prefix.back() != '/') {
    return "discovery alone (--s3 reads a Firehose layout only below a prefix ending in '/')";
  }
  return "--s3 " + s3.to_uri();
}

namespace {

// Why a Firehose stream's S3 destination cannot be read; "" when it can.
std::string firehose_unreadable(const aws::DeliveryStreamInfo& info) {
  if (info.destination_kind != "s3") {
    return "writes to a " + info.destination_kind + " destination, not S3";
  }
  if (info.format_conversion) {
    return "converts records to Parquet/ORC (DataFormatConversionConfiguration), which efstop "
           "does not read in Firehose's layout";
  }
  if (info.prefix.find("!{") != std::string::npos) {
    return "writes under a custom prefix with expressions (" + info.prefix +
           "), which efstop does not expand; use the default layout (a static prefix)";
  }
  if (info.compression_format == "ZIP" || info.compression_format == "Snappy" ||
      info.compression_format == "HADOOP_SNAPPY") {
    return "compresses its objects with " + info.compression_format +
           ", which efstop does not read; use GZIP or UNCOMPRESSED";
  }
  return "";
}

}  // namespace

Discovery analyze_flow_logs(const std::vector<aws::FlowLogInfo>& flow_logs,
                            const std::vector<aws::MountTarget>& mount_targets,
                            const std::string& region, const DeliveryStreams& streams) {
  Discovery d;
  d.flow_logs = flow_logs;
  std::map<std::string, Destination> by_place;  // "g:<group>" / "s:<uri>"
  for (const aws::FlowLogInfo& f : flow_logs) {
    std::vector<std::string> mts;
    for (const aws::MountTarget& mt : mount_targets) {
      if (covers(f, mt)) mts.push_back(mt.id);
    }
    if (mts.empty()) continue;
    if (!is_active(f)) {
      d.notes.push_back("flow log " + f.id + " on " + f.resource_id + " is " + f.status +
                        ", not ACTIVE: not read");
      continue;
    }
    if (!usable_traffic(f)) {
      d.notes.push_back("flow log " + f.id + " on " + f.resource_id + " logs only " +
                        f.traffic_type + " traffic: not read (accepted bytes would be missing)");
      continue;
    }
    Destination dest;
    std::string place;
    if (f.destination_type == "cloud-watch-logs") {
      dest.kind = DestinationKind::kLogGroup;
      dest.log_group = f.log_group_name;
      place = "g:" + f.log_group_name;
    } else if (f.destination_type == "s3") {
      Result<aws::S3Location> loc = aws::parse_s3_location(f.log_destination);
      if (!loc.ok()) {
        d.notes.push_back("flow log " + f.id + ": " + loc.status().message());
        continue;
      }
      dest.kind = DestinationKind::kS3;
      dest.s3 = *loc;
      dest.parquet = f.file_format == "parquet";
      dest.hive = f.hive_compatible_partitions;
      dest.per_hour = f.per_hour_partition;
      place = "s:" + dest.s3.to_uri();
    } else if (f.destination_type == "kinesis-data-firehose" && streams.count(f.log_destination)) {
      const Result<aws::DeliveryStreamInfo>& info = streams.at(f.log_destination);
      const std::string what = "flow log " + f.id + " on " + f.resource_id +
                               " delivers to Kinesis Data Firehose (" + f.log_destination + ")";
      if (!info.ok()) {
        d.notes.push_back(what + ", not read: " + info.status().message());
        continue;
      }
      if (std::string why = firehose_unreadable(*info); !why.empty()) {
        d.notes.push_back(what + ", not read: the stream " + why);
        continue;
      }
      Result<aws::S3Location> loc = aws::parse_s3_location(info->bucket_arn);
      if (!loc.ok()) {
        d.notes.push_back(what + ": " + loc.status().message());
        continue;
      }
      dest.kind = DestinationKind::kS3;
      dest.s3 = *loc;
      dest.s3.prefix = info->prefix;
      dest.firehose_stream =
          info->name.empty() ? aws::delivery_stream_name(f.log_destination) : info->name;
      place = "f:" + dest.s3.to_uri();
    } else {
      d.notes.push_back("flow log " + f.id + " on " + f.resource_id + " delivers to " +
                        (f.destination_type == "kinesis-data-firehose"
                             ? "Kinesis Data Firehose ("
                             : f.destination_type + " (") +
                        f.log_destination +
                        "), which efstop cannot read back; point the Firehose stream at S3 and "
                        "use --s3, or add a flow log to CloudWatch Logs or S3");
      continue;
    }
    dest.log_format = f.log_format;
    auto [it, inserted] = by_place.emplace(place, dest);
    Destination& target = it->second;
    if (!inserted && target.log_format != f.log_format) {
      d.notes.push_back("flow logs to " + target.describe() + " use different formats (" +
                        target.flow_log_ids.front() + " and " + f.id +
                        "); efstop reads it with the first one's format");
    }
    target.flow_log_ids.push_back(f.id);
    target.mount_target_ids.insert(target.mount_target_ids.end(), mts.begin(), mts.end());
  }
  std::vector<Destination> dests;
  for (auto& [place, dest] : by_place) {
    std::sort(dest.mount_target_ids.begin(), dest.mount_target_ids.end());
    dest.mount_target_ids.erase(
        std::unique(dest.mount_target_ids.begin(), dest.mount_target_ids.end()),
        dest.mount_target_ids.end());
    dests.push_back(std::move(dest));
  }
  // By coverage, log groups first, then by place: the preference order.
  std::stable_sort(dests.begin(), dests.end(), [](const Destination& a, const Destination& b) {
    if (a.mount_target_ids.size() != b.mount_target_ids.size()) {
      return a.mount_target_ids.size() > b.mount_target_ids.size();
    }
    return a.kind == DestinationKind::kLogGroup && b.kind != DestinationKind::kLogGroup;
  });
  // Greedy cover: each round takes the destination adding the most mount
  // targets not read yet (the first in preference order on a tie).
  std::set<std::string> covered;
  std::vector<bool> taken(dests.size(), false);
  for (;;) {
    size_t best = dests.size();
    size_t best_new = 0;
    for (size_t i = 0; i < dests.size(); ++i) {
      if (taken[i]) continue;
      size_t fresh = 0;
      for (const std::string& id : dests[i].mount_target_ids) fresh += covered.count(id) ? 0 : 1;
      if (fresh > best_new) {
        best = i;
        best_new = fresh;
      }
    }
    if (best == dests.size()) break;
    taken[best] = true;
    Destination& dest = dests[best];
    for (const std::string& id : dest.mount_target_ids) {
      if (covered.insert(id).second) dest.read_mount_target_ids.push_back(id);
    }
    d.chosen.push_back(dest);
  }
  for (size_t i = 0; i < dests.size(); ++i) {
    if (!taken[i]) d.others.push_back(dests[i]);
  }
  for (const aws::MountTarget& mt : mount_targets) {
    if (!covered.count(mt.id)) d.uncovered.push_back(mt);
  }
  if (!d.uncovered.empty()) {
    std::string enis;
    for (const aws::MountTarget& mt : d.uncovered) enis += (enis.empty() ? "" : " ") + mt.eni_id;
    d.enable_command =
        "aws ec2 create-flow-logs --region " + region +
        " --resource-type NetworkInterface --resource-ids " + enis +
        " --traffic-type ALL --max-aggregation-interval 60"
        " --log-destination-type s3 --log-destination arn:aws:s3:::<your-bucket>/efs";
  }
  return d;
}

Result<Discovery> discover_flow_logs(aws::AwsClient* client,
                                     const std::vector<aws::MountTarget>& mount_targets) {
  std::set<std::string> ids;
  for (const aws::MountTarget& mt : mount_targets) {
    for (const std::string* id : {&mt.vpc_id, &mt.subnet_id, &mt.eni_id}) {
      if (!id->empty()) ids.insert(*id);
    }
  }
  EFSTOP_ASSIGN_OR_RETURN(
      std::vector<aws::FlowLogInfo> logs,
      aws::describe_flow_logs(client, std::vector<std::string>(ids.begin(), ids.end())));
  // Each Firehose stream covering a mount target, once. A failed call is
  // kept as its error: discovery notes it and reads the other destinations.
  DeliveryStreams streams;
  for (const aws::FlowLogInfo& f : logs) {
    if (f.destination_type != "kinesis-data-firehose" || streams.count(f.log_destination)) {
      continue;
    }
    bool covering = false;
    for (const aws::MountTarget& mt : mount_targets) covering = covering || covers(f, mt);
    if (!covering || !is_active(f) || !usable_traffic(f)) continue;
    const std::string name = aws::delivery_stream_name(f.log_destination);
    if (name.empty()) continue;  // analyze notes it as unreadable
    streams.emplace(f.log_destination, aws::describe_delivery_stream(client, name));
  }
  return analyze_flow_logs(logs, mount_targets, client->region(), streams);
}

}  // namespace efstop::cloud
