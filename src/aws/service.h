// The AWS services efstop calls, with the facts each needs on the wire.
// Source: botocore service models (metadata) and endpoints.json
// (python3-botocore 1.29.27, /usr/lib/python3/dist-packages/botocore/data).
#ifndef EFSTOP_AWS_SERVICE_H_
#define EFSTOP_AWS_SERVICE_H_

#include <string>
#include <string_view>

namespace efstop::aws {

enum class Service {
  kEc2,
  kEfs,
  kLogs,
  kS3,
  kSts,
  kSso,
  kCloudWatch,
  kFirehose,
  kAthena,
  kOrganizations
};

enum class Protocol {
  kEc2Query,  // EC2: form POST, XML answers, <Response><Errors> errors
  kQuery,     // STS, CloudWatch: form POST, XML answers, <ErrorResponse> errors
  kJson,      // CloudWatch Logs, Firehose, Athena, Organizations: JSON 1.1 with X-Amz-Target
  kRestJson,  // EFS, SSO portal
  kRestXml,   // S3
};

struct ServiceInfo {
  Service service;
  std::string_view service_id;       // model serviceId: "EC2", "CloudWatch Logs"
  std::string_view config_key;       // [services] key / env suffix, lower: "cloudwatch_logs"
  std::string_view endpoint_prefix;  // host label: "elasticfilesystem", "portal.sso"
  std::string_view signing_name;     // SigV4 scope: "elasticfilesystem", "awsssoportal"
  std::string_view iam_prefix;       // IAM action prefix: "elasticfilesystem"
  std::string_view api_version;      // "2016-11-15"
  std::string_view target_prefix;    // JSON protocol only: "Logs_20140328"
  Protocol protocol;
};

// Facts for `service`. The reference is valid for the whole program.
const ServiceInfo& service_info(Service service);

// "DescribeNetworkInterfaces" -> "describe-network-interfaces" (the AWS CLI
// command name, used in messages).
std::string cli_operation_name(std::string_view operation);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_SERVICE_H_
