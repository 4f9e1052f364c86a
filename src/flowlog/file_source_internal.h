// Engine-internal helpers over local files (not part of the public API).
#ifndef EFSTOP_FLOWLOG_FILE_SOURCE_INTERNAL_H_
#define EFSTOP_FLOWLOG_FILE_SOURCE_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "flowlog/byte_source.h"

namespace efstop::flowlog {

// What the engine needs to plan a file before reading it.
struct FileProbe {
  bool regular = false;
  uint64_t size = 0;
  std::string head;  // the first bytes (up to the requested count)
};
Result<FileProbe> probe_file(const std::string& path, size_t head_bytes);

// A plain-file source starting at byte `offset` (for newline-split ranges).
Result<std::unique_ptr<ByteSource>> open_file_range_source(const std::string& path,
                                                           uint64_t offset);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_FILE_SOURCE_INTERNAL_H_
