#include "enrich/classify.h"

#include <cctype>
#include <regex>
#include <vector>

#include "enrich/endpoint_name.h"

namespace efstop::enrich {

namespace {

using A = Attachment;
using N = NameFrom;
using I = IdFrom;

// The table. Order matters: first match wins.
constexpr ClassifyRule kRules[] = {
    // EFS: the description names the file system and the mount target.
    {"efs-mount-target", kind::kEfsMountTarget, "",
     R"(EFS mount target for (fs-[0-9a-f]+) \((fsmt-[0-9a-f]+)\))", A::kAny, false, N::kFileSystem,
     1, I::kCapture, 1},
    {"efs-by-type", kind::kEfsMountTarget, "efs", "", A::kAny, false, N::kDescription, 0, I::kEniId,
     0},
    // NAT gateway: both spellings of the type exist (ec2.md).
    {"nat-gateway", kind::kNatGateway, "", R"(Interface for NAT Gateway (nat-[0-9a-f]+))", A::kAny,
     false, N::kCapture, 1, I::kCapture, 1},
    {"nat-gateway-by-type", kind::kNatGateway, "natGateway,nat_gateway", "", A::kAny, false,
     N::kNameTagOrDescription, 0, I::kEniId, 0},
    // Elastic Load Balancing: "ELB app/<name>/<id>", "ELB net/...", "ELB gwy/...",
    // classic "ELB <name>".
    {"alb", kind::kAlb, "", R"(ELB (app/([^/]+)/[0-9a-f]+))", A::kAny, false, N::kCapture, 2,
     I::kCapture, 1},
    {"nlb", kind::kNlb, "", R"(ELB (net/([^/]+)/[0-9a-f]+))", A::kAny, false, N::kCapture, 2,
     I::kCapture, 1},
    {"gwlb", kind::kGwlb, "", R"(ELB (gwy/([^/]+)/[0-9a-f]+))", A::kAny, false, N::kCapture, 2,
     I::kCapture, 1},
    {"elb-classic", kind::kElbClassic, "", R"(ELB ([^/ ]+))", A::kAny, false, N::kCapture, 1,
     I::kCapture, 1},
    // VPC endpoints: the GWLB endpoint is an endpoint too; tell it by type.
    {"gwlb-endpoint", kind::kGwlbEndpoint, "gateway_load_balancer_endpoint",
     R"(VPC Endpoint Interface (vpce-[0-9a-f]+))", A::kAny, false, N::kNameTagOrCapture, 1,
     I::kCapture, 1},
    {"vpc-endpoint", kind::kVpcEndpoint, "", R"(VPC Endpoint Interface (vpce-[0-9a-f]+))", A::kAny,
     false, N::kEndpoint, 1, I::kCapture, 1},
    {"vpc-endpoint-by-type", kind::kVpcEndpoint, "vpc_endpoint", "", A::kAny, false,
     N::kNameTagOrDescription, 0, I::kEniId, 0},
    // Lambda: "AWS Lambda VPC ENI-<function>-<uuid>" (the uuid is absent on
    // Hyperplane ENIs shared by functions).
    {"lambda", kind::kLambda, "",
     R"(AWS Lambda VPC ENI-(.+?)(?:-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?)",
     A::kAny, false, N::kCapture, 1, I::kCapture, 1},
    {"lambda-by-type", kind::kLambda, "lambda", "", A::kAny, false, N::kNameTagOrDescription, 0,
     I::kEniId, 0},
    // ECS awsvpc task: the description is the attachment ARN.
    {"ecs-task", kind::kEcsTask, "",
     R"(arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]+:attachment/([0-9a-f-]+))", A::kAny, false, N::kEcsTags,
     1, I::kCapture, 1},
    // EKS.
    {"eks-control-plane", kind::kEksControlPlane, "", R"(Amazon EKS (.+))", A::kAny, false,
     N::kCapture, 1, I::kCapture, 1},
    {"eks-node-cni", kind::kEksNode, "", R"(aws-K8S-(i-[0-9a-f]+))", A::kAny, false, N::kInstance,
     0, I::kCapture, 1},
    {"eks-node-trunk", kind::kEksNode, "", R"(aws-k8s-trunk-eni)", A::kOwnInstance, false,
     N::kInstance, 0, I::kInstanceId, 0},
    {"eks-pod", kind::kEksPod, "", R"(aws-k8s-branch-eni)", A::kAny, false, N::kEksPodTags, 0,
     I::kEniId, 0},
    {"eks-pod-by-type", kind::kEksPod, "branch", "", A::kAny, false, N::kEksPodTags, 0, I::kEniId,
     0},
    // Databases, file systems, networks.
    {"rds", kind::kRds, "", R"(RDSNetworkInterface)", A::kAny, false, N::kNameTagOrDescription, 0,
     I::kEniId, 0},
    {"fsx", kind::kFsx, "", R"(.*FSx.*?\b(fs-[0-9a-f]{8,17})\b.*)", A::kAny, false, N::kCapture, 1,
     I::kCapture, 1},
    {"fsx-other", kind::kFsx, "", R"(.*\bFSx\b.*)", A::kAny, false, N::kDescription, 0, I::kEniId,
     0},
    {"transit-gateway", kind::kTransitGateway, "",
     R"(Network Interface for Transit Gateway Attachment (tgw-attach-[0-9a-f]+))", A::kAny, false,
     N::kCapture, 1, I::kCapture, 1},
    {"transit-gateway-by-type", kind::kTransitGateway, "transit_gateway", "", A::kAny, false,
     N::kNameTagOrDescription, 0, I::kEniId, 0},
    {"elasticache", kind::kElastiCache, "", R"(ElastiCache (.+))", A::kAny, false, N::kCapture, 1,
     I::kCapture, 1},
    {"redshift", kind::kRedshift, "", R"(RedshiftNetworkInterface)", A::kAny, false,
     N::kNameTagOrDescription, 0, I::kEniId, 0},
    {"directory-service", kind::kDirectoryService, "",
     R"(AWS created network interface for directory (d-[0-9a-f]+))", A::kAny, false, N::kCapture, 1,
     I::kCapture, 1},
    {"workspaces", kind::kWorkSpaces, "", R"(Created By Amazon Workspaces.*)", A::kAny, false,
     N::kNameTagOrDescription, 0, I::kEniId, 0},
    {"glue", kind::kGlue, "", R"(Attached to Glue using role: (.+))", A::kAny, false,
     N::kDescription, 0, I::kEniId, 0},
    {"route53-resolver", kind::kRoute53Resolver, "",
     R"(Route 53 Resolver: (rslvr-(?:in|out)-[0-9a-f]+).*)", A::kAny, false, N::kCapture, 1,
     I::kCapture, 1},
    {"api-gateway", kind::kApiGateway, "api_gateway_managed", "", A::kAny, false,
     N::kNameTagOrDescription, 0, I::kEniId, 0},
    {"quicksight", kind::kQuickSight, "quicksight", "", A::kAny, false, N::kNameTagOrDescription, 0,
     I::kEniId, 0},
    {"global-accelerator", kind::kGlobalAccelerator, "global_accelerator_managed", "", A::kAny,
     false, N::kNameTagOrDescription, 0, I::kEniId, 0},
    {"instance-connect-endpoint", kind::kInstanceConnectEndpoint, "ec2_instance_connect_endpoint",
     "", A::kAny, false, N::kNameTagOrDescription, 0, I::kEniId, 0},
    // A customer's own instance (any ENI type: interface, efa, trunk...).
    {"ec2-instance", kind::kEc2Instance, "", "", A::kOwnInstance, false, N::kInstance, 0,
     I::kInstanceId, 0},
    // Load balancers known only by type.
    {"alb-or-classic-by-type", kind::kElbClassic, "load_balancer", "", A::kAny, false,
     N::kDescription, 0, I::kEniId, 0},
    {"nlb-by-type", kind::kNlb, "network_load_balancer", "", A::kAny, false, N::kDescription, 0,
     I::kEniId, 0},
    {"gwlb-by-type", kind::kGwlb, "gateway_load_balancer", "", A::kAny, false, N::kDescription, 0,
     I::kEniId, 0},
    {"efa-by-type", kind::kEfa, "efa,efa-only", "", A::kAny, false, N::kNameTagOrDescription, 0,
     I::kEniId, 0},
    // Anything else an AWS service created for itself.
    {"aws-managed", kind::kManaged, "", "", A::kAny, true, N::kNameTagOrDescription, 0, I::kEniId,
     0},
};

// The literal text a pattern starts with (up to its first special
// character): a description that does not start with it cannot match, and
// checking that first keeps std::regex (slow) off most rule/ENI pairs.
std::string literal_prefix(std::string_view pattern) {
  std::string out;
  for (char c : pattern) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) break;
    out += c;
  }
  // A quantifier applies to the character before it: drop that one.
  if (out.size() < pattern.size() && !out.empty() &&
      std::string_view("?*{").find(pattern[out.size()]) != std::string_view::npos) {
    out.pop_back();
  }
  return out;
}

struct Compiled {
  std::vector<std::regex> patterns;  // one per rule; unused when the rule has none
  std::vector<std::string> prefixes;
  Compiled() {
    patterns.reserve(std::size(kRules));
    for (const ClassifyRule& r : kRules) {
      patterns.emplace_back(r.description.empty() ? std::string(".*") : std::string(r.description),
                            std::regex::ECMAScript | std::regex::optimize);
      prefixes.push_back(literal_prefix(r.description));
    }
  }
};

const Compiled& compiled() {
  static const Compiled kCompiled;
  return kCompiled;
}

bool type_listed(std::string_view list, std::string_view type) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (list.substr(0, comma) == type) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool is_own_instance(const EniDescription& eni) {
  if (eni.instance_id.empty()) return false;
  for (char c : eni.instance_owner_id) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string first_tag(const EniDescription& eni, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    std::string v = eni.tag(key);
    if (!v.empty()) return v;
  }
  return {};
}

// EKS marks a cluster's resources with a "kubernetes.io/cluster/<name>" tag.
std::string eks_cluster(const EniDescription& eni) {
  std::string c = first_tag(eni, {"eks:cluster-name", "cluster.k8s.amazonaws.com/name"});
  if (!c.empty()) return c;
  constexpr std::string_view kPrefix = "kubernetes.io/cluster/";
  for (const auto& [k, v] : eni.tags) {
    if (k.size() > kPrefix.size() && k.compare(0, kPrefix.size(), kPrefix) == 0) {
      return k.substr(kPrefix.size());
    }
  }
  return {};
}

std::string join_nonempty(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

}  // namespace

std::span<const ClassifyRule> classification_rules() { return kRules; }

Classification classify_eni(const EniDescription& eni) {
  const Compiled& c = compiled();
  for (size_t i = 0; i < std::size(kRules); ++i) {
    const ClassifyRule& r = kRules[i];
    if (!r.interface_types.empty() && !type_listed(r.interface_types, eni.interface_type)) {
      continue;
    }
    if (r.attachment == Attachment::kOwnInstance && !is_own_instance(eni)) continue;
    if (r.requires_requester_managed && !eni.requester_managed) continue;
    std::smatch m;
    if (!r.description.empty() &&
        (eni.description.compare(0, c.prefixes[i].size(), c.prefixes[i]) != 0 ||
         !std::regex_match(eni.description, m, c.patterns[i]))) {
      continue;
    }

    auto group = [&m](int g) -> std::string {
      return g > 0 && static_cast<size_t>(g) < m.size() ? m[g].str() : std::string();
    };
    Classification out;
    out.kind = r.kind;
    out.rule = r.rule;
    switch (r.id_from) {
      case IdFrom::kCapture:
        out.id = group(r.id_group);
        break;
      case IdFrom::kEniId:
        out.id = eni.id;
        break;
      case IdFrom::kInstanceId:
        out.id = eni.instance_id;
        break;
    }
    switch (r.name_from) {
      case NameFrom::kCapture:
        out.name = group(r.name_group);
        break;
      case NameFrom::kNameTagOrCapture:
        out.name = eni.tag("Name");
        if (out.name.empty()) out.name = group(r.name_group);
        break;
      case NameFrom::kNameTagOrDescription:
        out.name = eni.tag("Name");
        break;
      case NameFrom::kInstance:
        out.pending = Pending::kInstanceName;
        out.name = out.id;
        break;
      case NameFrom::kFileSystem:
        out.pending = Pending::kFileSystemName;
        out.name = out.id;
        break;
      case NameFrom::kEndpoint:
        // Until the endpoint answers: the ENI's Name tag, else the endpoint id.
        out.pending = Pending::kEndpointName;
        out.name = eni.tag("Name");
        if (out.name.empty()) out.name = group(r.name_group);
        break;
      case NameFrom::kEcsTags: {
        const std::string cluster = first_tag(eni, {"aws:ecs:clusterName"});
        const std::string service = first_tag(eni, {"aws:ecs:serviceName"});
        out.name = join_nonempty({cluster, service});
        if (!cluster.empty() && service.empty()) out.name += "/task " + group(r.name_group);
        if (out.name.empty()) out.name = "ecs task " + group(r.name_group);
        break;
      }
      case NameFrom::kEksPodTags: {
        const std::string ns =
            first_tag(eni, {"eks:pod-namespace", "vpc.k8s.amazonaws.com/pod-namespace",
                            "vpcresources.k8s.aws/pod-namespace"});
        const std::string pod = first_tag(eni, {"eks:pod-name", "vpc.k8s.amazonaws.com/pod-name",
                                                "vpcresources.k8s.aws/pod-name"});
        out.name = join_nonempty({eks_cluster(eni), ns, pod});
        break;
      }
      case NameFrom::kDescription:
        break;
    }
    if (out.name.empty()) out.name = eni.description;
    if (out.name.empty()) out.name = eni.id;
    if (out.id.empty()) out.id = eni.id;
    return out;
  }
  Classification out;
  out.kind = kind::kEni;
  out.rule = "unmatched";
  out.id = eni.id;
  out.name = eni.description.empty() ? eni.id : eni.description + " (" + eni.id + ")";
  return out;
}

}  // namespace efstop::enrich
