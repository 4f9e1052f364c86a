// Discovery: where do the flow logs of the EFS mount targets go?
//
// DescribeFlowLogs for the mount targets' VPCs, subnets and ENIs gives each
// flow log's destination (a log group, an S3 bucket and folder, or Kinesis
// Data Firehose), its LogFormat and its traffic type. A mount target is
// covered by an ACTIVE flow log of traffic type ALL or ACCEPT on its ENI,
// subnet or VPC. Discovery then picks what to read, so that every covered
// mount target is read from exactly ONE destination:
//
//   - repeatedly, the readable destination (log group or S3) covering the
//     most mount targets not yet assigned, a log group winning ties (Logs
//     Insights reads the least), then the lower name; it reads those mount
//     targets (`read_mount_target_ids`);
//   - a destination left with nothing to read (all its mount targets are
//     read elsewhere: a VPC flow log to a group and an ENI flow log to S3,
//     say) is listed in `others`, with the flag that reads it alone.
// With more than one destination chosen, the caller reads from each one
// only the records of its mount targets' ENIs (eni_filter.h): two flow logs
// that log the same ENI would otherwise deliver its records twice.
//
// Mount targets no readable flow log covers are listed with the `aws ec2
// create-flow-logs` command that would cover them (their ENIs, to S3, which
// needs no IAM role).
//
// A Kinesis Data Firehose destination is followed with Firehose
// DescribeDeliveryStream to the stream's S3 destination (bucket, prefix,
// compression) and read there like an S3 destination, in Firehose's key
// layout (s3_source.h). A stream writing anywhere else (HTTP endpoint,
// Splunk, OpenSearch, Redshift...), with a prefix holding !{...}
// expressions, converting records to Parquet/ORC or compressing with ZIP or
// Snappy gets a note naming why it is not read; so does a failed
// DescribeDeliveryStream call (its own error, e.g. the missing permission).
//
// analyze_flow_logs is pure (unit-tested); discover_flow_logs adds the
// DescribeFlowLogs and DescribeDeliveryStream calls.
#ifndef EFSTOP_CLOUD_DISCOVERY_H_
#define EFSTOP_CLOUD_DISCOVERY_H_

#include <map>
#include <string>
#include <vector>

#include "aws/client.h"
#include "aws/efs_api.h"
#include "aws/firehose_api.h"
#include "aws/flowlogs_api.h"
#include "aws/s3_api.h"
#include "core/result.h"

namespace efstop::cloud {

enum class DestinationKind { kLogGroup, kS3 };

struct Destination {
  DestinationKind kind = DestinationKind::kLogGroup;
  std::string log_group;   // kLogGroup
  aws::S3Location s3;      // kS3
  std::string log_format;  // "" = default format
  bool parquet = false;
  bool hive = false;
  bool per_hour = false;
  // Written by a Firehose delivery stream (this name) to `s3`: keys are
  // `s3.prefix` + "YYYY/MM/DD/HH/" + object (Firehose's default layout).
  std::string firehose_stream;
  std::vector<std::string> flow_log_ids;
  std::vector<std::string> mount_target_ids;  // covered, sorted
  // The mount targets read from here (chosen destinations only), sorted: a
  // subset of mount_target_ids, disjoint from every other chosen one's.
  std::vector<std::string> read_mount_target_ids;

  // "log group /x" or "s3://bucket/prefix".
  std::string describe() const;
  // The efstop flag that reads it: "--log-group /x" or "--s3 s3://b/p".
  std::string flag() const;
};

struct Discovery {
  std::vector<aws::FlowLogInfo> flow_logs;  // as DescribeFlowLogs returned them
  std::vector<Destination> chosen;          // what to read, in the order picked
  std::vector<Destination> others;          // readable, nothing left to read there
  std::vector<aws::MountTarget> uncovered;  // no readable flow log covers them
  std::vector<std::string> notes;           // Firehose, inactive, REJECT-only, mixed formats
  std::string enable_command;               // for `uncovered`; empty when none
};

// What DescribeDeliveryStream said (or how it failed), by delivery-stream
// ARN (FlowLogInfo::log_destination).
using DeliveryStreams = std::map<std::string, Result<aws::DeliveryStreamInfo>>;

Discovery analyze_flow_logs(const std::vector<aws::FlowLogInfo>& flow_logs,
                            const std::vector<aws::MountTarget>& mount_targets,
                            const std::string& region, const DeliveryStreams& streams = {});

Result<Discovery> discover_flow_logs(aws::AwsClient* client,
                                     const std::vector<aws::MountTarget>& mount_targets);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_DISCOVERY_H_
