// A focused Apache Parquet reader for flow logs (docs/parquet.md): flat
// schemas of INT32, INT64 and BYTE_ARRAY columns; data pages v1 and v2 and
// dictionary pages; PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY and
// DELTA_BINARY_PACKED / DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY values;
// RLE/bit-packed definition levels; UNCOMPRESSED, GZIP, SNAPPY and ZSTD pages.
// Anything else is refused with a message naming it, never guessed at.
//
// Internal to flowlog: parquet_input.cc turns the decoded columns into
// FlowRecords, and the fuzz targets call these functions directly.
// Every function is bounded (sizes, counts, nesting depth) and fails with
// kParse "parquet: <what> at offset N" on bytes it cannot use; none reads
// outside the buffers it is given. Thread-safe: no shared state (a
// ChunkReader is used by one thread at a time).
#ifndef EFSTOP_FLOWLOG_PARQUET_H_
#define EFSTOP_FLOWLOG_PARQUET_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace efstop::flowlog::parquet {

// The 4-byte magic at the start and the end of every Parquet file.
inline constexpr std::string_view kMagic = "PAR1";
// Footer = FileMetaData + 4-byte little-endian length + magic.
inline constexpr size_t kTrailerBytes = 8;
// Bounds on what is accepted (a flow-log file is at most a few hundred MB).
inline constexpr uint64_t kMaxFooterBytes = uint64_t{64} << 20;
inline constexpr uint64_t kMaxPageBytes = uint64_t{256} << 20;
inline constexpr uint64_t kMaxChunkBytes = uint64_t{1} << 30;

enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

// One leaf column of a flat schema.
struct Column {
  std::string name;
  PhysicalType type = PhysicalType::kInt32;
  bool optional = false;  // OPTIONAL (definition levels present) vs REQUIRED
};

// Where one column's data lies in one row group.
struct ChunkMeta {
  PhysicalType type = PhysicalType::kInt32;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t data_page_offset = -1;
  int64_t dictionary_page_offset = -1;
  int64_t total_compressed_size = 0;
  // The byte range holding the chunk's pages: [start, start + size).
  uint64_t start() const {
    return dictionary_page_offset > 0 && dictionary_page_offset < data_page_offset
               ? static_cast<uint64_t>(dictionary_page_offset)
               : static_cast<uint64_t>(data_page_offset);
  }
};

struct RowGroup {
  int64_t num_rows = 0;
  std::vector<ChunkMeta> chunks;  // one per Column, in schema order
};

struct FileMeta {
  int64_t num_rows = 0;
  std::vector<Column> columns;
  std::vector<RowGroup> row_groups;
};

// Reads the footer length from the file's last 8 bytes (`trailer`): the
// FileMetaData length. Fails when the magic is missing or the length is
// beyond `file_size` or kMaxFooterBytes.
Result<uint64_t> footer_length(std::string_view trailer, uint64_t file_size);

// Decodes a FileMetaData (thrift compact protocol). `offset` is the file
// offset of its first byte, for messages. Refuses nested schemas, repeated
// columns and column chunks stored in other files.
Result<FileMeta> parse_file_meta(std::string_view bytes, uint64_t offset);

// std::allocator that leaves a resized vector's new elements uninitialized
// (no zero fill): a decoder resizes its buffers to a page's value count and
// then writes every element. Zero-filling them first cost about a fifth of a
// Parquet read's CPU (docs/PERFORMANCE.md).
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) {}
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }
};
template <typename T>
using RawVector = std::vector<T, UninitializedAllocator<T>>;

// A batch of rows of one column chunk (ChunkReader::next()): a value per
// row. Integers are widened to int64; strings are indices into `entries` (a
// dictionary's values, or the plain values themselves), so that a caller can
// parse each distinct value once.
struct ColumnValues {
  static constexpr uint32_t kNull = UINT32_MAX;
  bool is_string = false;
  RawVector<int64_t> ints;    // !is_string: per row of the batch (0 when null)
  RawVector<uint8_t> valid;   // !is_string: per row of the batch, 0 = null
  RawVector<uint32_t> index;  // is_string: per row of the batch, kNull when null
  // Every string value of the chunk so far (grows batch by batch; an index
  // stays valid until reset()): views into the chunk's bytes or into the
  // decompressed pages (next_page()).
  std::vector<std::string_view> entries;

  // Empties the values, keeping every buffer's memory: a reader decodes
  // chunk after chunk into the same ColumnValues, and fresh memory for each
  // (zeroed, page-faulted in) cost more than the decoding (docs/PERFORMANCE.md).
  void reset();
  // A buffer for one more decompressed page, alive and in place until
  // reset(): a deque, so that views into earlier pages stay valid as it grows
  // (a short page lives inside its std::string, which a vector would move).
  std::string& next_page();

 private:
  std::deque<std::string> storage_;
  size_t pages_used_ = 0;
};

// Decodes the pages of one column chunk a batch of rows at a time, so that a
// reader can take a few thousand rows of every column in turn and keep them
// in cache, rather than a whole row group of each column (which went out to
// memory and back: docs/PERFORMANCE.md). Page headers are read, pages
// decompressed and their levels and values decoded only as the rows are
// asked for. Not thread-safe; one reader per column, reused chunk after
// chunk (its buffers are kept), on the thread that made it (its per-batch
// scratch is that thread's).
class ChunkReader {
 public:
  ChunkReader();
  ~ChunkReader();
  ChunkReader(ChunkReader&&) noexcept;
  ChunkReader& operator=(ChunkReader&&) noexcept;

  // Starts on one column chunk. `bytes` is the chunk's byte range
  // (ChunkMeta::start(), total_compressed_size) read from the file at
  // `offset`; it must stay valid and unchanged until the next start()
  // (UNCOMPRESSED pages are read in place). `rows` is the row group's row
  // count (the chunk must hold exactly that many values). `*out` is reset()
  // (its buffers reused) and receives every batch; `meta`, `column` and `out`
  // must outlive the chunk's reading.
  Status start(std::string_view bytes, uint64_t offset, const ChunkMeta& meta, const Column& column,
               int64_t rows, ColumnValues* out);

  // Decodes the chunk's next `n` rows (at most rows_left()) into `out`'s
  // ints/valid or index, replacing the previous batch; `entries` grows.
  // kParse on bytes it cannot use, as for the whole chunk.
  Status next(size_t n);

  size_t rows_left() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes a whole column chunk into `out` (ChunkReader::start(), then every
// row in one batch): for callers that want all rows at once.
Status decode_chunk(std::string_view bytes, uint64_t offset, const ChunkMeta& meta,
                    const Column& column, int64_t rows, ColumnValues* out);

// Decompresses one page body of `codec` into exactly `expected` bytes (the
// page header's uncompressed size; no codec writes past it). `column` names
// the column chunk in messages ("parquet: column srcaddr: corrupt ZSTD page
// (...) at offset N"; the reader adds the file's name). kParse on a corrupt
// page or a size other than `expected`; LZ4, BROTLI, LZO are refused by name.
Status decompress(Codec codec, const std::string& column, std::string_view in, size_t expected,
                  std::string* out, uint64_t offset);

// Snappy raw-format decompression into exactly `expected` bytes (the page
// header's uncompressed size). kParse on malformed input.
Status snappy_decompress(std::string_view in, size_t expected, std::string* out);

// "GZIP", "ZSTD", ... for messages.
std::string_view codec_name(Codec codec);

// The Zstandard library's version as it runs ("1.5.4"), for `efstop --version`.
std::string zstd_version();

}  // namespace efstop::flowlog::parquet

#endif  // EFSTOP_FLOWLOG_PARQUET_H_
