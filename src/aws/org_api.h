// The calls that say where efstop should look beyond one account and one
// region (issue 18, docs/multi-account.md): EC2 DescribeRegions (the
// account's enabled regions) and Organizations ListAccounts (the member
// accounts, from the management or a delegated administrator account).
// Thread-safe as the AwsClient is.
#ifndef EFSTOP_AWS_ORG_API_H_
#define EFSTOP_AWS_ORG_API_H_

#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

// DescribeRegions with AllRegions=false: the regions enabled for the
// caller's account (opt-in regions not opted in are left out), sorted by
// name. Errors as the client's, naming describe-regions.
Result<std::vector<std::string>> describe_enabled_regions(AwsClient* client);

struct OrgAccount {
  std::string id;  // 12 digits
  std::string name;
  std::string status;  // ACTIVE, SUSPENDED, PENDING_CLOSURE
};

// Organizations ListAccounts, every page (NextToken), signed for the
// partition's Organizations region whatever the client's region is.
// Errors as the client's, naming list-accounts.
Result<std::vector<OrgAccount>> list_organization_accounts(AwsClient* client);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_ORG_API_H_
