// DescribeFlowLogs (EC2 query protocol): which flow logs cover a set of
// VPCs, subnets and ENIs, where they deliver, and in which format.
//
// Resource ids are sent as the resource-id filter in batches of <= 200
// values (EC2's FilterLimitExceeded cap), every page followed.
// Errors: AwsClient's (kAuth naming ec2:DescribeFlowLogs, kThrottled...).
// Thread-safety: stateless; the AwsClient must outlive the call.
#ifndef EFSTOP_AWS_FLOWLOGS_API_H_
#define EFSTOP_AWS_FLOWLOGS_API_H_

#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

struct FlowLogInfo {
  std::string id;                // fl-...
  std::string resource_id;       // vpc-..., subnet-..., eni-...
  std::string destination_type;  // cloud-watch-logs | s3 | kinesis-data-firehose (open set)
  std::string log_destination;   // an ARN
  std::string log_group_name;    // CloudWatch Logs destinations
  std::string log_format;        // "${version} ..."; empty: the default format
  std::string status;            // FlowLogStatus: ACTIVE
  std::string deliver_logs_status;
  std::string traffic_type;  // ACCEPT | REJECT | ALL
  int max_aggregation_interval = 0;
  // S3 destination options.
  std::string file_format;  // plain-text | parquet (empty: plain-text)
  bool hive_compatible_partitions = false;
  bool per_hour_partition = false;
};

// Flow logs whose resource is one of `resource_ids` (all pages, all batches),
// sorted by id, each once.
Result<std::vector<FlowLogInfo>> describe_flow_logs(AwsClient* client,
                                                    const std::vector<std::string>& resource_ids);

// Parses the flowLogSet of one DescribeFlowLogs answer (pure).
std::vector<FlowLogInfo> parse_flow_logs(const pugi::xml_node& response_root);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_FLOWLOGS_API_H_
