// Fuzzes the JSON-wrapped record reader (flowlog/json_source_internal.h):
// - JsonMessageExtractor: wherever the focused scanner decides a value, its
//   decision (kind, reason, messages, per-event skips) must be nlohmann's,
//   decided on the same bytes (the reference it replaced); a difference
//   aborts;
// - the whole unwrapping source over the input as a stream (the value cutter,
//   line numbers, the size bound), read to the end: no crash, no read outside
//   a buffer (ASan), and every value accounted for.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "flowlog/json_source_internal.h"

namespace {

using efstop::flowlog::JsonMessageExtractor;

void check_extractor(std::string_view value) {
  JsonMessageExtractor fast;
  JsonMessageExtractor reference;
  fast.extract(value, /*fast=*/true);
  if (!fast.decided_fast) return;
  reference.extract(value, /*fast=*/false);
  if (reference.decided_fast) std::abort();
  if (fast.kind != reference.kind || fast.reason != reference.reason ||
      fast.messages != reference.messages || fast.event_skips != reference.event_skips) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace efstop::flowlog;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check_extractor(bytes);
  JsonUnwrapReport report;
  // A small read block (the product reads 256 KiB, zeroed per read): cheap
  // per input, and values of a few hundred bytes already span blocks. Its
  // size follows the input's length, so block boundaries fall everywhere.
  const size_t read_block = 64 + size % 449;
  std::unique_ptr<ByteSource> src =
      make_json_unwrap_source(make_memory_source("fuzz.json", bytes), &report, 4096, read_block);
  char buf[4096];
  while (true) {
    efstop::Result<size_t> n = src->read(buf, sizeof buf);
    if (!n.ok()) {
      // Only a stream in which no value held a record fails.
      if (report.messages != 0) std::abort();
      break;
    }
    if (*n == 0) break;
  }
  if (report.diagnostics.size() > report.max_diagnostics) std::abort();
  return 0;
}
