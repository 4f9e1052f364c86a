// FlowRecord: one parsed flow-log line, in the fixed-width form the
// aggregator consumes. Produced by LineParser (parser.h) from text, and later
// by other sources (e.g. pre-aggregated CloudWatch Logs Insights rows, which
// set `flows` to the number of records a row stands for).
#ifndef EFSTOP_FLOWLOG_RECORD_H_
#define EFSTOP_FLOWLOG_RECORD_H_

#include <cstdint>
#include <string_view>

#include "flowlog/ip_address.h"

namespace efstop::flowlog {

enum class Action : uint8_t {
  kAccept = 0,  // also assumed when the format has no action column
  kReject = 1,
  kNone = 2,  // `-` (NODATA/SKIPDATA rows)
};

enum class LogStatus : uint8_t {
  kOk = 0,  // also assumed when the format has no log-status column
  kNoData = 1,
  kSkipData = 2,
};

// Bits of FlowRecord::present: which fields had a value (column present in
// the format and not `-`). A field without its bit is unknown: the parser
// leaves it 0 (and the action ACCEPT), and the aggregator counts it as
// unknown rather than as that value (docs/flow-counting.md).
enum PresentBit : uint32_t {
  kHasSrcAddr = 1u << 0,
  kHasDstAddr = 1u << 1,
  kHasSrcPort = 1u << 2,
  kHasDstPort = 1u << 3,
  kHasProtocol = 1u << 4,
  kHasPackets = 1u << 5,
  kHasBytes = 1u << 6,
  kHasStart = 1u << 7,
  kHasEnd = 1u << 8,
  kHasAction = 1u << 9,
  kHasInterfaceId = 1u << 10,
  kHasAll = (1u << 11) - 1,
};

struct FlowRecord {
  IpAddress src;  // srcaddr
  IpAddress dst;  // dstaddr
  int64_t packets = 0;
  int64_t bytes = 0;  // 64-bit: single records over 4 GiB exist
  int64_t start = 0;  // Unix seconds
  int64_t end = 0;    // Unix seconds
  // How many flow-log records this record stands for (1 for a text line).
  int64_t flows = 1;
  // The ENI id ("eni-0a1b..."); a view into the parsed line, valid only until
  // the caller's line buffer changes. Empty when absent.
  std::string_view interface_id;
  // With time buckets (AggregateConfig::bucket_s): the bytes already split
  // per bucket by the source (a Logs Insights row: docs/flow-counting.md),
  // bucket_parts[k] for the bucket starting at first_bucket + k * bucket_s;
  // they sum to `bytes`. Null: the aggregator splits by start..end.
  const int64_t* bucket_parts = nullptr;
  uint32_t bucket_part_count = 0;
  int64_t first_bucket = 0;
  uint32_t present = 0;  // PresentBit mask
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t protocol = 0;
  Action action = Action::kAccept;
  LogStatus log_status = LogStatus::kOk;
};

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_RECORD_H_
