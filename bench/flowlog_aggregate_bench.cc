// Aggregator::add on parsed records; the argument is the number of distinct
// clients (3000 clients x 6 servers x 2 vantage points = 36k table entries,
// larger than the L2 cache: the case the prefetching batch is for).
#include <benchmark/benchmark.h>

#include "bench_lines.h"
#include "flowlog/aggregate.h"
#include "flowlog/engine.h"
#include "flowlog/parser.h"

namespace efstop::flowlog {
namespace {

void BM_AggregateAdd(benchmark::State& state) {
  const std::vector<std::string> lines =
      bench::make_lines(1 << 16, static_cast<uint32_t>(state.range(0)));
  const LineParser parser(LogFormat::default_v2());
  std::vector<FlowRecord> records(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) (void)parser.parse(lines[i], &records[i]);
  AggregateConfig config;
  Aggregator agg(&config);
  size_t i = 0;
  for (auto _ : state) {
    agg.add(records[i & (records.size() - 1)], i);
    ++i;
  }
  FlowStats stats;
  benchmark::DoNotOptimize(agg.finish(&stats));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AggregateAdd)->Arg(100)->Arg(3000)->Arg(30000);

// Aggregator::add with time buckets (--bucket), the argument the width in
// seconds (0: none, for the comparison). 3,000 clients; the records' starts
// ascend (as in a flow log) over a day per pass of the 2^16 records, and
// each pass continues the day after, so the buckets move on as in a long
// input. Each record spans 60 s, so some cross a bucket edge.
void BM_AggregateAddBucketed(benchmark::State& state) {
  const std::vector<std::string> lines = bench::make_lines(1 << 16, 3000);
  const LineParser parser(LogFormat::default_v2());
  std::vector<FlowRecord> records(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    (void)parser.parse(lines[i], &records[i]);
    records[i].start = 1764115200 + static_cast<int64_t>(i * 86400 / lines.size());
    records[i].end = records[i].start + 60;
  }
  AggregateConfig config;
  config.bucket_s = state.range(0);
  Aggregator agg(&config);
  size_t i = 0;
  for (auto _ : state) {
    FlowRecord r = records[i & (records.size() - 1)];
    const int64_t day = static_cast<int64_t>(i / records.size()) * 86400;
    r.start += day;
    r.end += day;
    agg.add(r, i);
    ++i;
  }
  FlowStats stats;
  benchmark::DoNotOptimize(agg.finish(&stats));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AggregateAddBucketed)->Arg(0)->Arg(300)->Arg(3600);

// finish(): once-per-flow selection and the pair sums, per input record.
void BM_AggregateFinish(benchmark::State& state) {
  const std::vector<std::string> lines = bench::make_lines(1 << 16, 3000);
  const LineParser parser(LogFormat::default_v2());
  std::vector<FlowRecord> records(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) (void)parser.parse(lines[i], &records[i]);
  AggregateConfig config;
  for (auto _ : state) {
    Aggregator agg(&config);
    for (size_t i = 0; i < records.size(); ++i) agg.add(records[i], i);
    FlowStats stats;
    benchmark::DoNotOptimize(agg.finish(&stats));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
}
BENCHMARK(BM_AggregateFinish);

// The whole per-stream path in memory (line splitting, parse, aggregate,
// finish), one thread: the engine's ceiling per core without I/O.
void BM_EngineInMemory(benchmark::State& state) {
  const std::string text = bench::join_lines(bench::make_lines(1 << 18, 3000));
  for (auto _ : state) {
    std::vector<InputSource> sources;
    sources.push_back(
        {"mem",
         [&text] { return Result<std::unique_ptr<ByteSource>>(make_memory_source("mem", text)); }});
    EngineOptions options;
    options.threads = 1;
    Result<EngineResult> r = run_engine_sources(std::move(sources), options);
    if (!r.ok()) state.SkipWithError("engine failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * (1 << 18));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_EngineInMemory)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace efstop::flowlog

BENCHMARK_MAIN();
