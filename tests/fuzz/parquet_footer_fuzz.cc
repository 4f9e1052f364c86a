// Fuzzes the Parquet footer decoder (thrift compact FileMetaData) and the
// Snappy decoder on their own, where the whole-file target seldom reaches
// deep: the first byte picks which.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "flowlog/parquet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pq = efstop::flowlog::parquet;
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    // Snappy: the expected size comes from the next two bytes (bounded).
    if (bytes.size() < 2) return 0;
    const size_t expected = static_cast<uint8_t>(bytes[0]) | (static_cast<uint8_t>(bytes[1]) << 8);
    std::string out;
    efstop::Status st = pq::snappy_decompress(bytes.substr(2), expected, &out);
    if (st.ok() && out.size() != expected) std::abort();
    return 0;
  }
  efstop::Result<pq::FileMeta> meta = pq::parse_file_meta(bytes, 1000);
  if (!meta.ok()) {
    if (meta.status().message().find(" at offset ") == std::string::npos) std::abort();
    return 0;
  }
  for (const pq::RowGroup& rg : meta->row_groups) {
    if (rg.num_rows > 0 && rg.chunks.size() != meta->columns.size()) std::abort();
  }
  return 0;
}
