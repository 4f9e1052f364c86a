// Fuzzes the Parquet reader over whole files, as the engine reads them:
// footer, column chunks, pages, codecs, rows into an Aggregator. No crash, no
// read outside a buffer (ASan), and a failure always says where.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "flowlog/aggregate.h"
#include "flowlog/parquet_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace efstop::flowlog;
  std::unique_ptr<RandomAccessSource> src =
      make_memory_random("fuzz.parquet", std::string(reinterpret_cast<const char*>(data), size));
  EngineOptions options;
  AggregateConfig config;
  Aggregator agg(&config);
  ChunkOutcome out;
  run_parquet(*src, options, ParquetRowFilter(), &agg, &out, 0);
  if (out.failed && out.error.find("fuzz.parquet: ") != 0) std::abort();
  if (out.failed && !out.usage_error && out.error.find("parquet") == std::string::npos) {
    std::abort();
  }
  if (out.lines < out.skipped) std::abort();
  FlowStats stats;
  agg.finish(&stats);
  if (stats.records + out.skipped != out.lines) std::abort();
  return 0;
}
