// Which region a run uses, and where that came from (whoami prints it).
// Order, as the AWS CLI v2 resolves it: --region, AWS_REGION,
// AWS_DEFAULT_REGION, the profile's `region`, then the EC2 instance's own
// region from instance metadata (placement/region) when IMDS is not
// disabled. No region at all is an error that says how to set one.
#ifndef EFSTOP_AWS_REGION_H_
#define EFSTOP_AWS_REGION_H_

#include <functional>
#include <memory>
#include <string>

#include "aws/config_file.h"
#include "aws/env_vars.h"
#include "aws/imds_client.h"

namespace efstop::aws {

struct ResolvedRegion {
  std::string region;  // "eu-west-1"
  // "--region", "AWS_REGION", "AWS_DEFAULT_REGION",
  // "profile dev (~/.aws/config line 3)" or "EC2 instance metadata".
  std::string source;
};

struct RegionOptions {
  std::string cli_region;  // --region; empty when not given
  EnvVars env;
  std::shared_ptr<const SharedConfig> config;  // may be null (no files)
  std::string profile;                         // the chosen profile's name
  // Asked last; null skips IMDS. make_region_options() wires it up.
  std::shared_ptr<ImdsClient> imds;
};

// Resolves the region. Errors: kInvalidArgument for a value that is not a
// region name (names its origin); kNotFound when nothing sets one (lists
// what was checked and how to set it); kIo when instance metadata was the
// last place left and could not be asked (out of descriptors or memory:
// said as that, not as "no region").
Result<ResolvedRegion> resolve_region(const RegionOptions& options);

// True for names shaped like regions: lowercase letters, digits and '-',
// starting with a letter, 1..64 characters ("us-east-1", "cn-north-1",
// "local" for test endpoints).
bool is_valid_region_name(std::string_view region);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_REGION_H_
