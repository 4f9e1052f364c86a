#include "aws/service.h"

#include <cctype>

namespace efstop::aws {

const ServiceInfo& service_info(Service service) {
  // serviceId, endpointPrefix, signingName, apiVersion, protocol and
  // targetPrefix from each model's metadata (botocore 1.29.27); the config
  // key is the serviceId lower-cased with spaces as underscores (AWS CLI
  // "service-specific endpoints").
  static const ServiceInfo kInfos[] = {
      {Service::kEc2, "EC2", "ec2", "ec2", "ec2", "ec2", "2016-11-15", "", Protocol::kEc2Query},
      {Service::kEfs, "EFS", "efs", "elasticfilesystem", "elasticfilesystem", "elasticfilesystem",
       "2015-02-01", "", Protocol::kRestJson},
      {Service::kLogs, "CloudWatch Logs", "cloudwatch_logs", "logs", "logs", "logs", "2014-03-28",
       "Logs_20140328", Protocol::kJson},
      {Service::kS3, "S3", "s3", "s3", "s3", "s3", "2006-03-01", "", Protocol::kRestXml},
      {Service::kSts, "STS", "sts", "sts", "sts", "sts", "2011-06-15", "", Protocol::kQuery},
      {Service::kSso, "SSO", "sso", "portal.sso", "awsssoportal", "sso", "2019-06-10", "",
       Protocol::kRestJson},
      // CloudWatch: botocore 1.29.27 knows only the query protocol for it
      // (newer SDKs also speak JSON 1.0 / CBOR); IAM actions are
      // "cloudwatch:...", the host and SigV4 scope "monitoring".
      {Service::kCloudWatch, "CloudWatch", "cloudwatch", "monitoring", "monitoring", "cloudwatch",
       "2010-08-01", "", Protocol::kQuery},
      {Service::kFirehose, "Firehose", "firehose", "firehose", "firehose", "firehose", "2015-08-04",
       "Firehose_20150804", Protocol::kJson},
      {Service::kAthena, "Athena", "athena", "athena", "athena", "athena", "2017-05-18",
       "AmazonAthena", Protocol::kJson},
      // Organizations: one endpoint per partition (endpoints.json
      // "partitionEndpoint": aws-global, signed for us-east-1).
      {Service::kOrganizations, "Organizations", "organizations", "organizations", "organizations",
       "organizations", "2016-11-28", "AWSOrganizationsV20161128", Protocol::kJson},
  };
  for (const ServiceInfo& info : kInfos) {
    if (info.service == service) return info;
  }
  return kInfos[0];  // unreachable: every enumerator is listed
}

std::string cli_operation_name(std::string_view operation) {
  std::string out;
  for (size_t i = 0; i < operation.size(); ++i) {
    auto c = static_cast<unsigned char>(operation[i]);
    if (std::isupper(c)) {
      bool prev_lower = i > 0 && !std::isupper(static_cast<unsigned char>(operation[i - 1]));
      bool next_lower =
          i + 1 < operation.size() && std::islower(static_cast<unsigned char>(operation[i + 1]));
      bool prev_upper = i > 0 && std::isupper(static_cast<unsigned char>(operation[i - 1]));
      if (i > 0 && (prev_lower || (prev_upper && next_lower))) out.push_back('-');
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace efstop::aws
