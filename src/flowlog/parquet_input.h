// Parquet flow-log files into the engine (internal to flowlog): reads the
// footer, then per row group only the column chunks the counting rule uses,
// turns rows into FlowRecords exactly as LineParser turns text lines, and
// feeds the aggregator. docs/parquet.md is the user-facing contract.
#ifndef EFSTOP_FLOWLOG_PARQUET_INPUT_H_
#define EFSTOP_FLOWLOG_PARQUET_INPUT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "flowlog/aggregate.h"
#include "flowlog/byte_source.h"
#include "flowlog/engine.h"
#include "flowlog/stream_processor.h"

namespace efstop::flowlog {

// A Parquet stream that cannot seek (stdin, a streamed source without
// random access) is read into memory first, up to this many bytes.
inline constexpr uint64_t kMaxParquetInMemory = uint64_t{1} << 30;

// Reads the Parquet file `src` into `agg`. Rows count as lines (diagnostics
// number them from 1). A corrupt or unreadable file fails the item
// ("<name>: parquet: <what> at offset N") after the rows before the bad
// batch were counted (a row group is decoded and counted 2048 rows at a
// time, every needed column in turn); a file without start under a window
// is a usage error, like a text header line without it. Memory: one row
// group's needed column chunks, compressed and decompressed, and one batch
// of decoded values.
// InputSource::keep_eni and left_out (both null: every row is read).
struct ParquetRowFilter {
  std::function<bool(std::string_view)> keep_eni;
  std::shared_ptr<std::atomic<int64_t>> left_out;
};

// With `router` (a read with scopes), each row goes to the aggregator its
// account_id and region columns (else the input's key) attribute it to, as
// a text line does (RecordRouter), and `agg` is unused; those two columns
// are read only then.
void run_parquet(RandomAccessSource& src, const EngineOptions& options,
                 const ParquetRowFilter& filter, Aggregator* agg, ChunkOutcome* out,
                 uint64_t order_base, RecordRouter* router = nullptr);

// Reads the rest of `raw` after `head` (its first bytes, already read) into
// memory, up to kMaxParquetInMemory, for run_parquet.
Result<std::unique_ptr<RandomAccessSource>> slurp_parquet(std::string head, ByteSource& raw);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_PARQUET_INPUT_H_
