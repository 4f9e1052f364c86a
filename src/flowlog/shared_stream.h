// run_shared_stream: one stream (a gzip file, stdin, an S3 object) parsed by
// several threads. A stream that cannot be split by byte ranges would
// otherwise be parsed by one thread while the others wait; here the calling
// thread reads (inflates) it and cuts it into blocks of whole lines, and
// every thread, the reader included whenever it is ahead, parses blocks.
//
// The order-dependent parts are done block after block in stream order, by
// the thread that takes the block, before it parses it: where lines end,
// how many came before the block (diagnostics keep the stream's line
// numbers) and the format in force at its start (a header line changes it
// for every later line). The reader only inflates and cuts at the last
// newline, so a stream slower to inflate than to parse goes at the
// inflater's pace. The aggregators do not depend on the order records come
// in. Internal to flowlog (engine.cc).
#ifndef EFSTOP_FLOWLOG_SHARED_STREAM_H_
#define EFSTOP_FLOWLOG_SHARED_STREAM_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "flowlog/aggregate.h"
#include "flowlog/byte_source.h"
#include "flowlog/engine.h"
#include "flowlog/format.h"
#include "flowlog/stream_processor.h"

namespace efstop::flowlog {

// Reads `src` to its end with aggs.size() threads (aggs[0] on the calling
// thread), adding to `aggs` and writing what was read, skipped and failed to
// `*out` (line numbers from the stream's start), as StreamProcessor::run
// over the whole stream would.
void run_shared_stream(ByteSource& src, const EngineOptions& options,
                       const std::optional<LogFormat>& forced, std::span<Aggregator> aggs,
                       ChunkOutcome* out, const std::string& name, uint64_t order_base);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_SHARED_STREAM_H_
