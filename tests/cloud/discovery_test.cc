// Discovery's choice of destination and its coverage report (pure).
#include "cloud/discovery.h"

#include <gtest/gtest.h>

namespace efstop::cloud {
namespace {

aws::MountTarget mt(std::string id, std::string eni, std::string subnet, std::string vpc) {
  aws::MountTarget m;
  m.id = std::move(id);
  m.file_system_id = "fs-1";
  m.eni_id = std::move(eni);
  m.subnet_id = std::move(subnet);
  m.vpc_id = std::move(vpc);
  return m;
}

aws::FlowLogInfo fl(std::string id, std::string resource, std::string type, std::string dest) {
  aws::FlowLogInfo f;
  f.id = std::move(id);
  f.resource_id = std::move(resource);
  f.destination_type = std::move(type);
  f.status = "ACTIVE";
  f.traffic_type = "ALL";
  if (f.destination_type == "cloud-watch-logs") {
    f.log_group_name = dest;
  } else {
    f.log_destination = std::move(dest);
  }
  return f;
}

const std::vector<aws::MountTarget> kMts = {mt("fsmt-1", "eni-1", "subnet-a", "vpc-1"),
                                            mt("fsmt-2", "eni-2", "subnet-b", "vpc-1"),
                                            mt("fsmt-3", "eni-3", "subnet-c", "vpc-2")};

TEST(DiscoveryTest, ReadsEveryDestinationNeededOncePerMountTarget) {
  // vpc-1's flow log covers fsmt-1 and fsmt-2; subnet-c's covers fsmt-3
  // (vpc-2): both are read, each for its own mount targets.
  std::vector<aws::FlowLogInfo> logs = {fl("fl-s3", "subnet-c", "s3", "arn:aws:s3:::bkt/efs"),
                                        fl("fl-cwl", "vpc-1", "cloud-watch-logs", "/vpc/flows")};
  Discovery d = analyze_flow_logs(logs, kMts, "eu-west-1");
  ASSERT_EQ(d.chosen.size(), 2u);
  EXPECT_EQ(d.chosen[0].log_group, "/vpc/flows");
  EXPECT_EQ(d.chosen[0].read_mount_target_ids, (std::vector<std::string>{"fsmt-1", "fsmt-2"}));
  EXPECT_EQ(d.chosen[1].flag(), "--s3 s3://bkt/efs");
  EXPECT_EQ(d.chosen[1].read_mount_target_ids, (std::vector<std::string>{"fsmt-3"}));
  EXPECT_TRUE(d.others.empty());
  EXPECT_TRUE(d.uncovered.empty());
  EXPECT_TRUE(d.enable_command.empty());
}

TEST(DiscoveryTest, AnEniCoveredTwiceIsReadFromOneDestination) {
  // A VPC flow log to S3 covers fsmt-1 and fsmt-2, an ENI flow log to a
  // group covers fsmt-2 again, a subnet flow log to another group covers
  // fsmt-3.
  std::vector<aws::FlowLogInfo> logs = {
      fl("fl-vpc", "vpc-1", "s3", "arn:aws:s3:::bkt/vpc"),
      fl("fl-eni", "eni-2", "cloud-watch-logs", "/eni/flows"),
      fl("fl-sub", "subnet-c", "cloud-watch-logs", "/subnet/flows")};
  Discovery d = analyze_flow_logs(logs, kMts, "eu-west-1");
  ASSERT_EQ(d.chosen.size(), 2u);
  EXPECT_EQ(d.chosen[0].describe(), "s3://bkt/vpc");
  EXPECT_EQ(d.chosen[0].read_mount_target_ids, (std::vector<std::string>{"fsmt-1", "fsmt-2"}));
  EXPECT_EQ(d.chosen[1].describe(), "log group /subnet/flows");
  EXPECT_EQ(d.chosen[1].read_mount_target_ids, (std::vector<std::string>{"fsmt-3"}));
  // The ENI flow log's group has nothing left to read: named, not read.
  ASSERT_EQ(d.others.size(), 1u);
  EXPECT_EQ(d.others[0].flag(), "--log-group /eni/flows");
  EXPECT_EQ(d.others[0].mount_target_ids, (std::vector<std::string>{"fsmt-2"}));
}

TEST(DiscoveryTest, TheWiderDestinationWinsWhenTwoCoverTheSameMountTargets) {
  // A subnet log and a VPC log both cover fsmt-1; the VPC one also fsmt-2.
  std::vector<aws::FlowLogInfo> logs = {
      fl("fl-sub", "subnet-a", "cloud-watch-logs", "/subnet/flows"),
      fl("fl-vpc", "vpc-1", "s3", "arn:aws:s3:::bkt/vpc")};
  Discovery d = analyze_flow_logs(logs, kMts, "eu-west-1");
  ASSERT_EQ(d.chosen.size(), 1u);
  EXPECT_EQ(d.chosen[0].describe(), "s3://bkt/vpc");
  ASSERT_EQ(d.others.size(), 1u);
  EXPECT_EQ(d.others[0].describe(), "log group /subnet/flows");
  ASSERT_EQ(d.uncovered.size(), 1u);
  EXPECT_EQ(d.uncovered[0].id, "fsmt-3");
}

TEST(DiscoveryTest, LogGroupWinsATie) {
  // Both cover fsmt-1 only: the group is read, the bucket named.
  std::vector<aws::FlowLogInfo> logs = {fl("fl-s3", "eni-1", "s3", "arn:aws:s3:::bkt"),
                                        fl("fl-cwl", "eni-1", "cloud-watch-logs", "/g")};
  Discovery d = analyze_flow_logs(logs, kMts, "eu-west-1");
  ASSERT_EQ(d.chosen.size(), 1u);
  EXPECT_EQ(d.chosen[0].kind, DestinationKind::kLogGroup);
  ASSERT_EQ(d.others.size(), 1u);
  EXPECT_EQ(d.others[0].kind, DestinationKind::kS3);
}

TEST(DiscoveryTest, UnreadableFlowLogsAreExplainedAndUncoveredListed) {
  aws::FlowLogInfo rejects = fl("fl-rej", "vpc-1", "cloud-watch-logs", "/rejects");
  rejects.traffic_type = "REJECT";
  aws::FlowLogInfo off = fl("fl-off", "eni-1", "s3", "arn:aws:s3:::b");
  off.status = "INACTIVE";
  aws::FlowLogInfo hose = fl("fl-fh", "eni-2", "kinesis-data-firehose",
                             "arn:aws:firehose:eu-west-1:1:deliverystream/x");
  Discovery d = analyze_flow_logs({rejects, off, hose}, kMts, "eu-west-1");
  EXPECT_TRUE(d.chosen.empty());
  ASSERT_EQ(d.uncovered.size(), 3u);
  std::string notes;
  for (const std::string& n : d.notes) notes += n + "\n";
  EXPECT_NE(notes.find("only REJECT traffic"), std::string::npos) << notes;
  EXPECT_NE(notes.find("INACTIVE"), std::string::npos) << notes;
  EXPECT_NE(notes.find("Kinesis Data Firehose"), std::string::npos) << notes;
  EXPECT_EQ(d.enable_command,
            "aws ec2 create-flow-logs --region eu-west-1 --resource-type NetworkInterface "
            "--resource-ids eni-1 eni-2 eni-3 --traffic-type ALL --max-aggregation-interval 60 "
            "--log-destination-type s3 --log-destination arn:aws:s3:::<your-bucket>/efs");
}

// Issue 16: a Parquet S3 destination is read (docs/parquet.md), no longer
// refused.
TEST(DiscoveryTest, ParquetS3DestinationIsChosen) {
  aws::FlowLogInfo parquet = fl("fl-pq", "subnet-c", "s3", "arn:aws:s3:::pq/flows");
  parquet.file_format = "parquet";
  Discovery d = analyze_flow_logs({parquet}, kMts, "eu-west-1");
  ASSERT_EQ(d.chosen.size(), 1u);
  EXPECT_TRUE(d.chosen[0].parquet);
  EXPECT_EQ(d.chosen[0].kind, DestinationKind::kS3);
  EXPECT_EQ(d.chosen[0].s3.bucket, "pq");
  EXPECT_EQ(d.chosen[0].mount_target_ids, std::vector<std::string>{"fsmt-3"});
  for (const std::string& n : d.notes) EXPECT_EQ(n.find("Parquet"), std::string::npos) << n;
}

TEST(DiscoveryTest, ParsesDescribeFlowLogsAnswer) {
  Result<aws::XmlDocument> doc = aws::XmlDocument::parse(R"(<?xml version="1.0"?>
<DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <flowLogSet>
    <item>
      <flowLogId>fl-1</flowLogId><resourceId>vpc-1</resourceId>
      <logDestinationType>cloud-watch-logs</logDestinationType>
      <logDestination>arn:aws:logs:eu-west-1:111122223333:log-group:/from/arn:*</logDestination>
      <logFormat>${version} ${interface-id}</logFormat><flowLogStatus>ACTIVE</flowLogStatus>
      <trafficType>ALL</trafficType><maxAggregationInterval>60</maxAggregationInterval>
    </item>
    <item>
      <flowLogId>fl-2</flowLogId><resourceId>subnet-c</resourceId>
      <logDestinationType>s3</logDestinationType><logDestination>arn:aws:s3:::b/p</logDestination>
      <destinationOptions><fileFormat>plain-text</fileFormat>
        <hiveCompatiblePartitions>true</hiveCompatiblePartitions><perHourPartition>true</perHourPartition>
      </destinationOptions>
    </item>
  </flowLogSet>
</DescribeFlowLogsResponse>)");
  ASSERT_TRUE(doc.ok());
  std::vector<aws::FlowLogInfo> logs = aws::parse_flow_logs(doc->root());
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].log_group_name, "/from/arn");
  EXPECT_EQ(logs[0].log_format, "${version} ${interface-id}");
  EXPECT_EQ(logs[0].max_aggregation_interval, 60);
  EXPECT_TRUE(logs[1].hive_compatible_partitions);
  EXPECT_TRUE(logs[1].per_hour_partition);
  Discovery d = analyze_flow_logs(logs, kMts, "eu-west-1");
  ASSERT_EQ(d.chosen.size(), 2u);
  EXPECT_EQ(d.chosen[0].describe(), "log group /from/arn");
  EXPECT_TRUE(d.chosen[1].hive);
  EXPECT_TRUE(d.others.empty());
}

TEST(DiscoveryTest, FirehoseStreamsAreFollowedToTheirS3Destination) {
  const std::string arn = "arn:aws:firehose:eu-west-1:1:deliverystream/";
  aws::DeliveryStreamInfo to_s3;
  to_s3.name = "hose";
  to_s3.destination_kind = "s3";
  to_s3.bucket_arn = "arn:aws:s3:::hose-bucket";
  to_s3.prefix = "flows/";
  to_s3.compression_format = "GZIP";
  aws::DeliveryStreamInfo http = to_s3;
  http.destination_kind = "HttpEndpoint";
  aws::DeliveryStreamInfo expr = to_s3;
  expr.prefix = "flows/!{timestamp:yyyy/MM/dd}/";
  aws::DeliveryStreamInfo zip = to_s3;
  zip.compression_format = "ZIP";
  aws::DeliveryStreamInfo parquet = to_s3;
  parquet.format_conversion = true;
  DeliveryStreams streams;
  streams.emplace(arn + "hose", to_s3);
  streams.emplace(arn + "http", http);
  streams.emplace(arn + "expr", expr);
  streams.emplace(arn + "zip", zip);
  streams.emplace(arn + "pq", parquet);
  streams.emplace(arn + "denied",
                  Result<aws::DeliveryStreamInfo>(auth_error(
                      "describe-delivery-stream eu-west-1: AccessDeniedException: no; grant "
                      "firehose:DescribeDeliveryStream to the caller's IAM policy")));
  std::vector<aws::FlowLogInfo> logs = {
      fl("fl-1", "vpc-1", "kinesis-data-firehose", arn + "hose"),
      fl("fl-2", "eni-3", "kinesis-data-firehose", arn + "http"),
      fl("fl-3", "eni-3", "kinesis-data-firehose", arn + "expr"),
      fl("fl-4", "eni-3", "kinesis-data-firehose", arn + "zip"),
      fl("fl-5", "eni-3", "kinesis-data-firehose", arn + "pq"),
      fl("fl-6", "eni-3", "kinesis-data-firehose", arn + "denied"),
      fl("fl-7", "eni-3", "kinesis-data-firehose", arn + "never-asked")};
  Discovery d = analyze_flow_logs(logs, kMts, "eu-west-1", streams);
  ASSERT_EQ(d.chosen.size(), 1u);
  const Destination& dest = d.chosen[0];
  EXPECT_EQ(dest.kind, DestinationKind::kS3);
  EXPECT_EQ(dest.s3.bucket, "hose-bucket");
  EXPECT_EQ(dest.s3.prefix, "flows/");  // as given: Firehose adds no '/'
  EXPECT_EQ(dest.firehose_stream, "hose");
  EXPECT_EQ(dest.describe(), "s3://hose-bucket/flows/ (Firehose stream hose)");
  // --s3 reads the Firehose layout below a prefix ending in '/'.
  EXPECT_EQ(dest.flag(), "--s3 s3://hose-bucket/flows/");
  Destination no_slash = dest;
  no_slash.s3.prefix = "flows";
  EXPECT_EQ(no_slash.flag(),
            "discovery alone (--s3 reads a Firehose layout only below a prefix ending in '/')");
  EXPECT_EQ(dest.read_mount_target_ids, (std::vector<std::string>{"fsmt-1", "fsmt-2"}));
  ASSERT_EQ(d.uncovered.size(), 1u);
  EXPECT_EQ(d.uncovered[0].id, "fsmt-3");
  std::string notes;
  for (const std::string& n : d.notes) notes += n + "\n";
  EXPECT_NE(notes.find("fl-2 on eni-3 delivers to Kinesis Data Firehose (" + arn +
                       "http), not read: the stream writes to a HttpEndpoint destination, not S3"),
            std::string::npos)
      << notes;
  EXPECT_NE(notes.find("custom prefix with expressions (flows/!{timestamp:yyyy/MM/dd}/)"),
            std::string::npos)
      << notes;
  EXPECT_NE(notes.find("compresses its objects with ZIP"), std::string::npos) << notes;
  EXPECT_NE(notes.find("converts records to Parquet/ORC"), std::string::npos) << notes;
  EXPECT_NE(notes.find("fl-6 on eni-3 delivers to Kinesis Data Firehose (" + arn +
                       "denied), not read: describe-delivery-stream eu-west-1: "
                       "AccessDeniedException"),
            std::string::npos)
      << notes;
  // A stream discovery did not describe keeps the message of old.
  EXPECT_NE(notes.find("fl-7 on eni-3 delivers to Kinesis Data Firehose (" + arn +
                       "never-asked), which efstop cannot read back"),
            std::string::npos)
      << notes;
}

TEST(DiscoveryTest, DeliveryStreamAnswersParse) {
  const nlohmann::json ext = nlohmann::json::parse(R"({"DeliveryStreamDescription": {
      "DeliveryStreamName": "hose", "Destinations": [{"DestinationId": "d-1",
        "S3DestinationDescription": {"BucketARN": "arn:aws:s3:::old", "Prefix": "p/",
                                     "CompressionFormat": "UNCOMPRESSED"},
        "ExtendedS3DestinationDescription": {"BucketARN": "arn:aws:s3:::b", "Prefix": "x/",
                                             "CompressionFormat": "GZIP",
          "DataFormatConversionConfiguration": {"Enabled": false}}}]}})");
  Result<aws::DeliveryStreamInfo> a = aws::parse_delivery_stream(ext);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->destination_kind, "s3");
  EXPECT_EQ(a->bucket_arn, "arn:aws:s3:::b");
  EXPECT_EQ(a->prefix, "x/");
  EXPECT_EQ(a->compression_format, "GZIP");
  EXPECT_FALSE(a->format_conversion);
  const nlohmann::json splunk = nlohmann::json::parse(R"({"DeliveryStreamDescription": {
      "DeliveryStreamName": "s", "Destinations": [{"DestinationId": "d-1",
        "SplunkDestinationDescription": {"S3DestinationDescription": {"BucketARN": "arn:aws:s3:::bk"}}}]}})");
  Result<aws::DeliveryStreamInfo> b = aws::parse_delivery_stream(splunk);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->destination_kind, "Splunk");
  EXPECT_FALSE(aws::parse_delivery_stream(nlohmann::json::object()).ok());
  EXPECT_EQ(aws::delivery_stream_name("arn:aws:firehose:eu-west-1:1:deliverystream/my-hose"),
            "my-hose");
  EXPECT_EQ(aws::delivery_stream_name("not-an-arn"), "");
}

}  // namespace
}  // namespace efstop::cloud
