#include "aws/flowlogs_api.h"

#include <algorithm>

#include "aws/paginate.h"
#include "aws/xml_util.h"

namespace efstop::aws {

namespace {

constexpr size_t kMaxResourceIds = 200;  // EC2 filter-value cap per call

}  // namespace

std::vector<FlowLogInfo> parse_flow_logs(const pugi::xml_node& response_root) {
  std::vector<FlowLogInfo> out;
  const pugi::xml_node set = xml_child(response_root, "flowLogSet");
  for (const pugi::xml_node& item : xml_children(set, "item")) {
    FlowLogInfo f;
    f.id = xml_child_text(item, "flowLogId");
    f.resource_id = xml_child_text(item, "resourceId");
    f.destination_type = xml_child_text(item, "logDestinationType");
    f.log_destination = xml_child_text(item, "logDestination");
    f.log_group_name = xml_child_text(item, "logGroupName");
    f.log_format = xml_child_text(item, "logFormat");
    f.status = xml_child_text(item, "flowLogStatus");
    f.deliver_logs_status = xml_child_text(item, "deliverLogsStatus");
    f.traffic_type = xml_child_text(item, "trafficType");
    const std::string interval = xml_child_text(item, "maxAggregationInterval");
    f.max_aggregation_interval = interval.empty() ? 0 : std::atoi(interval.c_str());
    const pugi::xml_node opts = xml_child(item, "destinationOptions");
    f.file_format = xml_child_text(opts, "fileFormat");
    f.hive_compatible_partitions = xml_child_text(opts, "hiveCompatiblePartitions") == "true";
    f.per_hour_partition = xml_child_text(opts, "perHourPartition") == "true";
    // Older answers name the group only in logGroupName; newer ones only in
    // the destination ARN ("arn:aws:logs:r:a:log-group:NAME[:*]").
    if (f.log_group_name.empty() && f.destination_type == "cloud-watch-logs") {
      const size_t pos = f.log_destination.find(":log-group:");
      if (pos != std::string::npos) {
        std::string name = f.log_destination.substr(pos + 11);
        if (name.size() >= 2 && name.compare(name.size() - 2, 2, ":*") == 0)
          name.resize(name.size() - 2);
        f.log_group_name = name;
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<FlowLogInfo>> describe_flow_logs(AwsClient* client,
                                                    const std::vector<std::string>& resource_ids) {
  std::vector<FlowLogInfo> out;
  for (size_t i = 0; i < resource_ids.size(); i += kMaxResourceIds) {
    const std::vector<std::string> batch(
        resource_ids.begin() + static_cast<std::ptrdiff_t>(i),
        resource_ids.begin() +
            static_cast<std::ptrdiff_t>(std::min(resource_ids.size(), i + kMaxResourceIds)));
    auto fetch = [&](const std::string& token) -> Result<std::string> {
      QueryParams params;
      add_filter(params, "resource-id", batch);
      params.emplace_back("MaxResults", "1000");
      if (!token.empty()) params.emplace_back("NextToken", token);
      EFSTOP_ASSIGN_OR_RETURN(XmlDocument doc,
                              client->call_query(Service::kEc2, "DescribeFlowLogs", params));
      for (FlowLogInfo& f : parse_flow_logs(doc.root())) out.push_back(std::move(f));
      return xml_child_text(doc.root(), "nextToken");
    };
    EFSTOP_RETURN_IF_ERROR(paginate("describe-flow-logs " + client->region(), fetch).status());
  }
  std::sort(out.begin(), out.end(),
            [](const FlowLogInfo& a, const FlowLogInfo& b) { return a.id < b.id; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const FlowLogInfo& a, const FlowLogInfo& b) { return a.id == b.id; }),
            out.end());
  return out;
}

}  // namespace efstop::aws
