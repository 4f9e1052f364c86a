// The bytes of one time bucket, as flowlog counts them (flowlog::BucketBytes)
// and as a report keeps them (report::BucketCell): one type, so that a
// pair's series moves from the aggregation into its report row instead of
// being copied cell by cell (with --bucket 5m on bench/whole's file, 17 MB;
// docs/PERFORMANCE.md).
#ifndef EFSTOP_CORE_BUCKET_BYTES_H_
#define EFSTOP_CORE_BUCKET_BYTES_H_

#include <cstdint>

namespace efstop {

// The bytes of one bucket [start, start + width).
struct BucketBytes {
  int64_t start = 0;  // Unix seconds, a multiple of the width (UTC-aligned)
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;

  int64_t bytes_total() const { return bytes_read + bytes_written; }
  friend bool operator==(const BucketBytes&, const BucketBytes&) = default;
};

}  // namespace efstop

#endif  // EFSTOP_CORE_BUCKET_BYTES_H_
