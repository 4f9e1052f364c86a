// ByteSource: the one seam between where flow-log bytes come from and the
// engine that parses them. Local files, stdin, gzip decoding and (later)
// CloudWatch events or S3 objects streamed over HTTP are all ByteSources, so
// a new origin plugs in without touching the parser or the aggregator.
//
// A ByteSource is used by one thread at a time (not thread-safe); it may be
// moved to another thread between calls.
#ifndef EFSTOP_FLOWLOG_BYTE_SOURCE_H_
#define EFSTOP_FLOWLOG_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace efstop::flowlog {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // The name used in diagnostics ("logs/a.log.gz", "<stdin>", "s3://b/k").
  virtual const std::string& name() const = 0;

  // Reads up to `capacity` (> 0) bytes into `buf`. Returns the number read;
  // 0 means end of stream. An error (kIo, kParse for corrupt compressed data,
  // kNetwork...) ends the stream; its message says how far it got.
  virtual Result<size_t> read(char* buf, size_t capacity) = 0;
};

// RandomAccessSource: bytes read at offsets, for formats that must seek
// (Parquet keeps its index at the end). Local files read with pread, S3
// objects with ranged GETs, stdin through memory. Used by one thread at a
// time, like ByteSource.
class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;
  virtual const std::string& name() const = 0;
  // The total size in bytes.
  virtual uint64_t size() const = 0;
  // Reads exactly `len` bytes at `offset` into `*out` (replacing its
  // contents). A range beyond size() or a short read is an error (kIo,
  // kNetwork...) whose message says what failed.
  virtual Status read_at(uint64_t offset, size_t len, std::string* out) = 0;
};

// A local regular file for random access (kNotFound / kIo naming the path).
Result<std::unique_ptr<RandomAccessSource>> open_file_random(const std::string& path);

// Random access over bytes held in memory (stdin read whole, tests).
std::unique_ptr<RandomAccessSource> make_memory_random(std::string name, std::string data);

// True when `bytes` starts with the Parquet magic "PAR1" (docs/parquet.md).
inline bool has_parquet_magic(std::string_view bytes) {
  return bytes.size() >= 4 && bytes.substr(0, 4) == "PAR1";
}

// Opens a local file for streaming; `path` "-" is standard input (named
// "<stdin>"). Fails with kNotFound / kIo naming the path. The file is read
// in blocks, never loaded whole.
Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path);

// A source over bytes held in memory (tests, CloudWatch event batches).
std::unique_ptr<ByteSource> make_memory_source(std::string name, std::string data);

// Returns a source that yields `raw`'s bytes decompressed when they start
// with the gzip magic (1f 8b), else `raw`'s bytes unchanged. Detection looks
// at the bytes, never the name. Multi-member gzip (concatenated .gz files) is
// decoded member after member with ISA-L's igzip inflate, in blocks.
// A corrupt or truncated stream fails with kParse: "<name>: corrupt gzip data
// (invalid deflate block) after N compressed bytes, M bytes decoded".
std::unique_ptr<ByteSource> make_decoding_source(std::unique_ptr<ByteSource> raw);

// Returns a source that reads `inner` ahead on a background thread into a
// small ring of blocks (bounded memory: `block_count` x `block_size`), so
// e.g. gzip inflate runs on one core while the caller parses on another.
std::unique_ptr<ByteSource> make_prefetch_source(std::unique_ptr<ByteSource> inner,
                                                 size_t block_size = size_t{1} << 20,
                                                 size_t block_count = 4);

// True when `bytes` starts with the gzip magic number.
inline bool has_gzip_magic(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

// Expands command-line inputs into the list of files to read: a directory
// is walked recursively (regular files only, hidden entries included,
// sorted by path for determinism), a file stays as given, "-" stays "-".
// A path that does not exist or cannot be listed is returned in `failures`
// as "<path>: <cause>" instead of failing the whole list.
struct ExpandedInputs {
  std::vector<std::string> files;
  std::vector<std::string> failures;
};
ExpandedInputs expand_inputs(const std::vector<std::string>& inputs);

// The gzip inflater linked in ("isa-l 2.30.0"), for `efstop --version`.
std::string inflater_version();

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_BYTE_SOURCE_H_
