// ENI classification: one data-driven table of rules that turns what
// DescribeNetworkInterfaces says about an ENI into kind + name + id.
//
// Each rule lists conditions (interface types, a description pattern, the
// instance attachment and requester-managed flag); the first rule whose
// conditions all hold wins. Rules go from the most specific evidence (a
// description that names the resource) to the least (the interface type
// alone). Facts and their sources: docs/names.md "Where the rules come
// from". Adding a kind is adding a row, plus a fixture in
// tests/enrich/classify_test.cc.
//
// Some names need a second lookup: an EC2 instance's Name tag
// (DescribeInstances), an EFS file system's Name (DescribeFileSystems) or
// an interface VPC endpoint's Name tag or service (DescribeVpcEndpoints).
// classify_eni then returns the id and says which lookup is pending; the
// resolver fills the name in, falling back to the id.
//
// Thread-safe: the table is immutable and the patterns are compiled once.
#ifndef EFSTOP_ENRICH_CLASSIFY_H_
#define EFSTOP_ENRICH_CLASSIFY_H_

#include <span>
#include <string>
#include <string_view>

#include "enrich/eni.h"

namespace efstop::enrich {

enum class Attachment {
  kAny,
  // Attached to an instance that is not an AWS service's (instanceOwnerId
  // absent or an account number, unlike "amazon-elb" or "amazon-rds").
  kOwnInstance,
};

enum class NameFrom {
  kCapture,           // the description pattern's group name_group
  kNameTagOrCapture,  // the ENI's Name tag, else the capture
  kNameTagOrDescription,
  kInstance,    // pending: the instance's Name tag (or --name-tag)
  kFileSystem,  // pending: the EFS file system's Name
  kEndpoint,    // pending: the VPC endpoint's Name tag, else its service (DescribeVpcEndpoints)
  kEcsTags,     // aws:ecs:clusterName / aws:ecs:serviceName tags
  kEksPodTags,  // cluster / namespace / pod tags of a branch ENI
  kDescription,
};

enum class IdFrom {
  kCapture,  // the description pattern's group id_group
  kEniId,
  kInstanceId,  // attachment.instanceId
};

struct ClassifyRule {
  std::string_view rule;             // stable rule name (tests, --debug, docs)
  std::string_view kind;             // one of kind::* (endpoint_name.h)
  std::string_view interface_types;  // comma-separated; empty = any type
  std::string_view description;  // ECMAScript pattern matching the WHOLE description; empty = any
  Attachment attachment = Attachment::kAny;
  bool requires_requester_managed = false;
  NameFrom name_from = NameFrom::kDescription;
  int name_group = 0;
  IdFrom id_from = IdFrom::kEniId;
  int id_group = 0;
};

// What is still to be looked up to finish the name.
enum class Pending { kNone, kInstanceName, kFileSystemName, kEndpointName };

struct Classification {
  std::string kind;
  std::string name;  // never empty: the description or the ENI id when nothing better
  std::string id;    // never empty
  std::string rule;  // the rule that matched; "unmatched" for the fallback
  Pending pending = Pending::kNone;
};

// The table, in evaluation order.
std::span<const ClassifyRule> classification_rules();

// Classifies `eni` with the table. An ENI no rule fits gets kind "eni", its
// description (or its id) as name and its id as id: never a blank.
Classification classify_eni(const EniDescription& eni);

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_CLASSIFY_H_
