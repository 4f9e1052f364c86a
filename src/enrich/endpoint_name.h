// EndpointName: what efstop knows about one end of a flow, the object the
// report prints and JSON gives as {"ip","name","kind","id","az","account"}.
// Kinds are stable lowercase strings (docs/names.md lists them); they are
// part of the JSON contract, so new kinds may be added but never renamed.
#ifndef EFSTOP_ENRICH_ENDPOINT_NAME_H_
#define EFSTOP_ENRICH_ENDPOINT_NAME_H_

#include <string>
#include <string_view>

namespace efstop::enrich {

namespace kind {
inline constexpr std::string_view kEc2Instance = "ec2-instance";
inline constexpr std::string_view kEfsMountTarget = "efs-mount-target";
inline constexpr std::string_view kElbClassic = "elb-classic";
inline constexpr std::string_view kAlb = "alb";
inline constexpr std::string_view kNlb = "nlb";
inline constexpr std::string_view kGwlb = "gwlb";
inline constexpr std::string_view kGwlbEndpoint = "gwlb-endpoint";
inline constexpr std::string_view kNatGateway = "nat-gateway";
inline constexpr std::string_view kVpcEndpoint = "vpc-endpoint";
inline constexpr std::string_view kLambda = "lambda";
inline constexpr std::string_view kEcsTask = "ecs-task";
inline constexpr std::string_view kEksNode = "eks-node";
inline constexpr std::string_view kEksPod = "eks-pod";
inline constexpr std::string_view kEksControlPlane = "eks-control-plane";
inline constexpr std::string_view kRds = "rds";
inline constexpr std::string_view kFsx = "fsx";
inline constexpr std::string_view kTransitGateway = "transit-gateway";
inline constexpr std::string_view kElastiCache = "elasticache";
inline constexpr std::string_view kRedshift = "redshift";
inline constexpr std::string_view kDirectoryService = "directory-service";
inline constexpr std::string_view kWorkSpaces = "workspaces";
inline constexpr std::string_view kApiGateway = "api-gateway";
inline constexpr std::string_view kGlue = "glue";
inline constexpr std::string_view kRoute53Resolver = "route53-resolver";
inline constexpr std::string_view kQuickSight = "quicksight";
inline constexpr std::string_view kGlobalAccelerator = "global-accelerator";
inline constexpr std::string_view kInstanceConnectEndpoint = "ec2-instance-connect-endpoint";
inline constexpr std::string_view kEfa = "efa";
inline constexpr std::string_view kManaged = "aws-managed";    // another AWS service's ENI
inline constexpr std::string_view kEni = "eni";                // an ENI no rule recognises
inline constexpr std::string_view kLabel = "label";            // from --labels
inline constexpr std::string_view kExternal = "external";      // outside the account, unlabelled
inline constexpr std::string_view kUnresolved = "unresolved";  // lookup failed (reason given)
}  // namespace kind

struct EndpointName {
  std::string ip;
  std::string name;     // never empty once resolved (falls back to description, then id, then ip)
  std::string kind;     // one of kind::*
  std::string id;       // the resource id (instance, file system, load balancer, ...)
  std::string az;       // availability zone name, empty when unknown
  std::string account;  // owning account, empty when unknown
  std::string eni_id;   // the ENI the IP was found on, empty when none
  // Why the IP stayed unresolved (kind == unresolved): e.g. "denied:
  // ec2:DescribeNetworkInterfaces". Empty otherwise.
  std::string reason;
};

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_ENDPOINT_NAME_H_
