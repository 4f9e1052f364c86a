// The facts about one elastic network interface (ENI) that naming needs.
// It is the type DescribeNetworkInterfaces is parsed into (aws/ec2_api.h),
// used unchanged by the classification table (classify.h), the inventory
// dump (inventory.h) and the tests, so there is one struct to keep in step
// with the API.
#ifndef EFSTOP_ENRICH_ENI_H_
#define EFSTOP_ENRICH_ENI_H_

#include "aws/ec2_api.h"

namespace efstop::enrich {

using EniDescription = aws::NetworkInterface;

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_ENI_H_
