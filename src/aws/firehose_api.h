// Firehose DescribeDeliveryStream (JSON 1.1, target
// Firehose_20150804.DescribeDeliveryStream; botocore model
// firehose/2015-08-04): where a delivery stream writes, so that a flow log
// delivered to Kinesis Data Firehose can be read back from its S3
// destination.
// Errors: AwsClient's (kAuth naming firehose:DescribeDeliveryStream,
// kNotFound for ResourceNotFoundException...); kParse for an answer without
// DeliveryStreamDescription.
// Thread-safety: stateless; the AwsClient must outlive the call.
#ifndef EFSTOP_AWS_FIREHOSE_API_H_
#define EFSTOP_AWS_FIREHOSE_API_H_

#include <nlohmann/json.hpp>
#include <string>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

struct DeliveryStreamInfo {
  std::string name;
  // The destination: "s3" when the stream writes to S3 (an
  // ExtendedS3DestinationDescription or an S3DestinationDescription), else
  // the model's name of the other kind ("HttpEndpoint", "Splunk",
  // "Redshift", "AmazonopensearchService", ...), which efstop cannot read.
  std::string destination_kind;
  std::string bucket_arn;          // arn:aws:s3:::bucket (s3 only)
  std::string prefix;              // Prefix ("" when none)
  std::string compression_format;  // UNCOMPRESSED | GZIP | ZIP | Snappy | HADOOP_SNAPPY
  // DataFormatConversionConfiguration.Enabled: records rewritten as Parquet/ORC.
  bool format_conversion = false;
};

// The delivery stream's name from its ARN
// ("arn:aws:firehose:<region>:<account>:deliverystream/<name>"), or "" when
// `arn` is not such an ARN.
std::string delivery_stream_name(std::string_view arn);

// `error` (may be null) receives the AWS error of a failed call.
Result<DeliveryStreamInfo> describe_delivery_stream(AwsClient* client, const std::string& name,
                                                    AwsError* error = nullptr);

// Parses one DescribeDeliveryStream answer (pure).
Result<DeliveryStreamInfo> parse_delivery_stream(const nlohmann::json& answer);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_FIREHOSE_API_H_
