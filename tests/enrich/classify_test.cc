#include "enrich/classify.h"

#include <set>
#include <string>
#include <vector>

#include "enrich/endpoint_name.h"
#include "gtest/gtest.h"

namespace efstop::enrich {
namespace {

// One fixture ENI per rule, shaped like DescribeNetworkInterfaces answers
// (descriptions as docs/names.md "Where the rules come from" lists them), with the expected
// outcome.
struct Fixture {
  std::string rule;
  EniDescription eni;
  std::string kind;
  std::string name;
  std::string id;
  Pending pending = Pending::kNone;
};

EniDescription eni(std::string type, std::string description) {
  EniDescription e;
  e.id = "eni-0a1b2c3d4e5f60718";
  e.interface_type = std::move(type);
  e.description = std::move(description);
  e.owner_id = "123456789012";
  e.private_ips = {"10.0.1.10"};
  return e;
}

EniDescription with(EniDescription e, auto&& fn) {
  fn(e);
  return e;
}

std::vector<Fixture> fixtures() {
  const auto managed = [](EniDescription& e) {
    e.requester_managed = true;
    e.requester_id = "amazon-aws";
  };
  return {
      {"efs-mount-target",
       with(eni("interface", "EFS mount target for fs-0123abcd (fsmt-0a1b2c3d)"), managed),
       "efs-mount-target", "fs-0123abcd", "fs-0123abcd", Pending::kFileSystemName},
      {"efs-by-type", eni("efs", "something new"), "efs-mount-target", "something new",
       "eni-0a1b2c3d4e5f60718"},
      {"nat-gateway", eni("nat_gateway", "Interface for NAT Gateway nat-0abc1234def567890"),
       "nat-gateway", "nat-0abc1234def567890", "nat-0abc1234def567890"},
      {"nat-gateway-by-type", eni("natGateway", ""), "nat-gateway", "eni-0a1b2c3d4e5f60718",
       "eni-0a1b2c3d4e5f60718"},
      {"alb",
       with(eni("interface", "ELB app/web-public/50dc6c495c0c9188"),
            [](EniDescription& e) { e.instance_owner_id = "amazon-elb"; }),
       "alb", "web-public", "app/web-public/50dc6c495c0c9188"},
      {"nlb", eni("network_load_balancer", "ELB net/nfs-proxy/0123456789abcdef"), "nlb",
       "nfs-proxy", "net/nfs-proxy/0123456789abcdef"},
      {"gwlb", eni("gateway_load_balancer", "ELB gwy/inspection/0123456789abcdef"), "gwlb",
       "inspection", "gwy/inspection/0123456789abcdef"},
      {"elb-classic", eni("interface", "ELB legacy-web"), "elb-classic", "legacy-web",
       "legacy-web"},
      {"gwlb-endpoint",
       eni("gateway_load_balancer_endpoint", "VPC Endpoint Interface vpce-0123456789abcdef0"),
       "gwlb-endpoint", "vpce-0123456789abcdef0", "vpce-0123456789abcdef0"},
      {"vpc-endpoint",
       with(eni("vpc_endpoint", "VPC Endpoint Interface vpce-0fedcba9876543210"),
            [](EniDescription& e) {
              e.tags = {{"Name", "s3-interface"}};
            }),
       "vpc-endpoint", "s3-interface", "vpce-0fedcba9876543210", Pending::kEndpointName},
      {"vpc-endpoint", eni("vpc_endpoint", "VPC Endpoint Interface vpce-0fedcba9876543211"),
       "vpc-endpoint", "vpce-0fedcba9876543211", "vpce-0fedcba9876543211", Pending::kEndpointName},
      {"vpc-endpoint-by-type", eni("vpc_endpoint", "an endpoint"), "vpc-endpoint", "an endpoint",
       "eni-0a1b2c3d4e5f60718"},
      {"lambda",
       eni("lambda", "AWS Lambda VPC ENI-thumbnail-resizer-2d1c5e7e-8a4b-4f9e-9c1d-0123456789ab"),
       "lambda", "thumbnail-resizer", "thumbnail-resizer"},
      {"lambda-by-type", eni("lambda", "Lambda hyperplane"), "lambda", "Lambda hyperplane",
       "eni-0a1b2c3d4e5f60718"},
      {"ecs-task",
       with(eni("interface",
                "arn:aws:ecs:us-east-1:123456789012:attachment/"
                "3a4b5c6d-1111-2222-3333-444455556666"),
            [](EniDescription& e) {
              e.tags = {{"aws:ecs:clusterName", "prod"}, {"aws:ecs:serviceName", "api"}};
            }),
       "ecs-task", "prod/api", "3a4b5c6d-1111-2222-3333-444455556666"},
      {"eks-control-plane", eni("interface", "Amazon EKS prod-cluster"), "eks-control-plane",
       "prod-cluster", "prod-cluster"},
      {"eks-node-cni",
       with(eni("interface", "aws-K8S-i-0123456789abcdef0"),
            [](EniDescription& e) {
              e.instance_id = "i-0123456789abcdef0";
              e.instance_owner_id = "123456789012";
            }),
       "eks-node", "i-0123456789abcdef0", "i-0123456789abcdef0", Pending::kInstanceName},
      {"eks-node-trunk",
       with(eni("trunk", "aws-k8s-trunk-eni"),
            [](EniDescription& e) {
              e.instance_id = "i-0aaaaaaaaaaaaaaaa";
              e.instance_owner_id = "123456789012";
            }),
       "eks-node", "i-0aaaaaaaaaaaaaaaa", "i-0aaaaaaaaaaaaaaaa", Pending::kInstanceName},
      {"eks-pod",
       with(eni("branch", "aws-k8s-branch-eni"),
            [](EniDescription& e) {
              e.tags = {{"kubernetes.io/cluster/prod", "owned"},
                        {"vpc.k8s.amazonaws.com/pod-namespace", "batch"},
                        {"vpc.k8s.amazonaws.com/pod-name", "loader-7d9f"}};
            }),
       "eks-pod", "prod/batch/loader-7d9f", "eni-0a1b2c3d4e5f60718"},
      {"eks-pod-by-type", eni("branch", ""), "eks-pod", "eni-0a1b2c3d4e5f60718",
       "eni-0a1b2c3d4e5f60718"},
      {"rds", with(eni("interface", "RDSNetworkInterface"), managed), "rds", "RDSNetworkInterface",
       "eni-0a1b2c3d4e5f60718"},
      {"fsx", eni("interface", "ENI for Amazon FSx for Lustre file system fs-0123456789abcdef0"),
       "fsx", "fs-0123456789abcdef0", "fs-0123456789abcdef0"},
      {"fsx-other", eni("interface", "FSx for ONTAP endpoint"), "fsx", "FSx for ONTAP endpoint",
       "eni-0a1b2c3d4e5f60718"},
      {"transit-gateway",
       eni("transit_gateway",
           "Network Interface for Transit Gateway Attachment tgw-attach-0123456789abcdef0"),
       "transit-gateway", "tgw-attach-0123456789abcdef0", "tgw-attach-0123456789abcdef0"},
      {"transit-gateway-by-type", eni("transit_gateway", ""), "transit-gateway",
       "eni-0a1b2c3d4e5f60718", "eni-0a1b2c3d4e5f60718"},
      {"elasticache", eni("interface", "ElastiCache sessions-001"), "elasticache", "sessions-001",
       "sessions-001"},
      {"redshift", eni("interface", "RedshiftNetworkInterface"), "redshift",
       "RedshiftNetworkInterface", "eni-0a1b2c3d4e5f60718"},
      {"directory-service",
       eni("interface", "AWS created network interface for directory d-9067012345"),
       "directory-service", "d-9067012345", "d-9067012345"},
      {"workspaces",
       eni("interface", "Created By Amazon Workspaces for AWS Account ID 123456789012"),
       "workspaces", "Created By Amazon Workspaces for AWS Account ID 123456789012",
       "eni-0a1b2c3d4e5f60718"},
      {"glue", eni("interface", "Attached to Glue using role: arn:aws:iam::123456789012:role/etl"),
       "glue", "Attached to Glue using role: arn:aws:iam::123456789012:role/etl",
       "eni-0a1b2c3d4e5f60718"},
      {"route53-resolver", eni("interface", "Route 53 Resolver: rslvr-in-0123abcd:rni-0123"),
       "route53-resolver", "rslvr-in-0123abcd", "rslvr-in-0123abcd"},
      {"api-gateway", eni("api_gateway_managed", ""), "api-gateway", "eni-0a1b2c3d4e5f60718",
       "eni-0a1b2c3d4e5f60718"},
      {"quicksight", eni("quicksight", "QuickSight VPC connection"), "quicksight",
       "QuickSight VPC connection", "eni-0a1b2c3d4e5f60718"},
      {"global-accelerator", eni("global_accelerator_managed", "GA"), "global-accelerator", "GA",
       "eni-0a1b2c3d4e5f60718"},
      {"instance-connect-endpoint", eni("ec2_instance_connect_endpoint", "EIC"),
       "ec2-instance-connect-endpoint", "EIC", "eni-0a1b2c3d4e5f60718"},
      {"ec2-instance",
       with(eni("interface", "Primary network interface"),
            [](EniDescription& e) {
              e.instance_id = "i-0bbbbbbbbbbbbbbbb";
              e.instance_owner_id = "123456789012";
            }),
       "ec2-instance", "i-0bbbbbbbbbbbbbbbb", "i-0bbbbbbbbbbbbbbbb", Pending::kInstanceName},
      {"alb-or-classic-by-type", eni("load_balancer", "lb"), "elb-classic", "lb",
       "eni-0a1b2c3d4e5f60718"},
      {"nlb-by-type", eni("network_load_balancer", "lb"), "nlb", "lb", "eni-0a1b2c3d4e5f60718"},
      {"gwlb-by-type", eni("gateway_load_balancer", "lb"), "gwlb", "lb", "eni-0a1b2c3d4e5f60718"},
      {"efa-by-type", eni("efa", "hpc fabric"), "efa", "hpc fabric", "eni-0a1b2c3d4e5f60718"},
      {"aws-managed", with(eni("interface", "Created by some service"), managed), "aws-managed",
       "Created by some service", "eni-0a1b2c3d4e5f60718"},
  };
}

TEST(ClassifyTest, EachRuleClassifiesItsFixture) {
  for (const Fixture& f : fixtures()) {
    SCOPED_TRACE(f.rule);
    const Classification c = classify_eni(f.eni);
    EXPECT_EQ(c.rule, f.rule);
    EXPECT_EQ(c.kind, f.kind);
    EXPECT_EQ(c.name, f.name);
    EXPECT_EQ(c.id, f.id);
    EXPECT_EQ(c.pending, f.pending);
  }
}

TEST(ClassifyTest, EveryRuleHasAFixture) {
  std::set<std::string> covered;
  for (const Fixture& f : fixtures()) covered.insert(f.rule);
  for (const ClassifyRule& r : classification_rules()) {
    EXPECT_TRUE(covered.count(std::string(r.rule))) << "rule without fixture: " << r.rule;
  }
  EXPECT_EQ(covered.size(), classification_rules().size());
}

TEST(ClassifyTest, UnmatchedEniShowsDescriptionAndId) {
  const Classification c = classify_eni(eni("brand_new_type", "Something AWS added in 2027"));
  EXPECT_EQ(c.kind, "eni");
  EXPECT_EQ(c.rule, "unmatched");
  EXPECT_EQ(c.name, "Something AWS added in 2027 (eni-0a1b2c3d4e5f60718)");
  EXPECT_EQ(c.id, "eni-0a1b2c3d4e5f60718");
}

TEST(ClassifyTest, UnmatchedEniWithoutDescriptionIsNeverBlank) {
  const Classification c = classify_eni(eni("interface", ""));
  EXPECT_EQ(c.kind, "eni");
  EXPECT_EQ(c.name, "eni-0a1b2c3d4e5f60718");
}

TEST(ClassifyTest, ServiceOwnedInstanceIsNotAnEc2Instance) {
  // ELB's own instances report instanceOwnerId "amazon-elb".
  EniDescription e = eni("interface", "");
  e.instance_id = "i-0ccccccccccccccccc";
  e.instance_owner_id = "amazon-elb";
  EXPECT_NE(classify_eni(e).kind, "ec2-instance");
}

TEST(ClassifyTest, EcsTaskWithoutTagsNamesTheAttachment) {
  const Classification c =
      classify_eni(eni("interface", "arn:aws:ecs:eu-west-1:123456789012:attachment/aaaa-bbbb"));
  EXPECT_EQ(c.kind, "ecs-task");
  EXPECT_EQ(c.name, "ecs task aaaa-bbbb");
}

TEST(ClassifyTest, LambdaFunctionNamesWithHyphensSurvive) {
  const Classification c = classify_eni(eni("lambda", "AWS Lambda VPC ENI-a-b-c"));
  EXPECT_EQ(c.name, "a-b-c");
}

}  // namespace
}  // namespace efstop::enrich
