#include "aws/firehose_api.h"

namespace efstop::aws {

namespace {

using nlohmann::json;

std::string string_or_empty(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string delivery_stream_name(std::string_view arn) {
  if (!arn.starts_with("arn:")) return "";
  const size_t slash = arn.find(":deliverystream/");
  if (slash == std::string_view::npos) return "";
  return std::string(arn.substr(slash + std::string_view(":deliverystream/").size()));
}

Result<DeliveryStreamInfo> parse_delivery_stream(const json& answer) {
  auto desc = answer.is_object() ? answer.find("DeliveryStreamDescription") : answer.end();
  if (!answer.is_object() || desc == answer.end() || !desc->is_object()) {
    return parse_error("describe-delivery-stream: answer has no DeliveryStreamDescription");
  }
  DeliveryStreamInfo info;
  info.name = string_or_empty(*desc, "DeliveryStreamName");
  auto dests = desc->find("Destinations");
  if (dests == desc->end() || !dests->is_array() || dests->empty() || !dests->front().is_object()) {
    return parse_error("describe-delivery-stream " + info.name + ": answer has no Destinations");
  }
  // A stream has one destination. A non-S3 destination (Redshift, Splunk,
  // OpenSearch, HTTP endpoint...) describes its S3 backup bucket inside its
  // own description, and AWS may also list S3DestinationDescription beside
  // it: any *DestinationDescription other than the two S3 ones wins.
  const json& d = dests->front();
  for (auto it = d.begin(); it != d.end(); ++it) {
    const std::string& key = it.key();
    const std::string suffix = "DestinationDescription";
    if (key.size() > suffix.size() && key.ends_with(suffix) && key != "S3DestinationDescription" &&
        key != "ExtendedS3DestinationDescription") {
      info.destination_kind = key.substr(0, key.size() - suffix.size());
      return info;
    }
  }
  const json* s3 = nullptr;
  for (const char* key : {"ExtendedS3DestinationDescription", "S3DestinationDescription"}) {
    auto it = d.find(key);
    if (it != d.end() && it->is_object()) {
      s3 = &*it;
      break;
    }
  }
  if (s3 == nullptr) {
    return parse_error("describe-delivery-stream " + info.name +
                       ": its destination has no known description");
  }
  info.destination_kind = "s3";
  info.bucket_arn = string_or_empty(*s3, "BucketARN");
  info.prefix = string_or_empty(*s3, "Prefix");
  info.compression_format = string_or_empty(*s3, "CompressionFormat");
  if (auto conv = s3->find("DataFormatConversionConfiguration");
      conv != s3->end() && conv->is_object()) {
    auto enabled = conv->find("Enabled");
    // The model's default when Enabled is absent is true.
    info.format_conversion =
        enabled == conv->end() || !enabled->is_boolean() || enabled->get<bool>();
  }
  if (info.bucket_arn.empty()) {
    return parse_error("describe-delivery-stream " + info.name +
                       ": S3 destination has no BucketARN");
  }
  return info;
}

Result<DeliveryStreamInfo> describe_delivery_stream(AwsClient* client, const std::string& name,
                                                    AwsError* error) {
  EFSTOP_ASSIGN_OR_RETURN(json answer,
                          client->call_json(Service::kFirehose, "DescribeDeliveryStream",
                                            json{{"DeliveryStreamName", name}}, error));
  return parse_delivery_stream(answer);
}

}  // namespace efstop::aws
