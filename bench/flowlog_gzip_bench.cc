// Decompressing flow-log text: the engine's source (ISA-L igzip inflate
// behind make_decoding_source) against zlib's inflate on the same bytes, the
// measured reason for using ISA-L. Bytes processed = decompressed bytes.
#include <benchmark/benchmark.h>
#include <zlib.h>

#include "bench_lines.h"
#include "flowlog/byte_source.h"

namespace efstop::flowlog {
namespace {

const std::string& plain_text() {
  static const std::string text = bench::join_lines(bench::make_lines(1 << 17, 3000));
  return text;
}

const std::string& gzip_text() {
  static const std::string gz = [] {
    const std::string& in = plain_text();
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, in.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
  }();
  return gz;
}

void BM_GzipReadIsal(benchmark::State& state) {
  std::vector<char> buf(1 << 20);
  (void)gzip_text();  // build the input outside the timed loop
  for (auto _ : state) {
    std::unique_ptr<ByteSource> src = make_decoding_source(make_memory_source("gz", gzip_text()));
    size_t total = 0;
    while (true) {
      Result<size_t> n = src->read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      total += *n;
    }
    if (total != plain_text().size()) state.SkipWithError("short read");
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(plain_text().size()));
}
BENCHMARK(BM_GzipReadIsal)->Unit(benchmark::kMillisecond);

void BM_GzipReadZlib(benchmark::State& state) {
  std::vector<char> buf(1 << 20);
  (void)gzip_text();  // build the input outside the timed loop
  for (auto _ : state) {
    z_stream zs{};
    inflateInit2(&zs, 15 + 16);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip_text().data()));
    zs.avail_in = static_cast<uInt>(gzip_text().size());
    size_t total = 0;
    int ret = Z_OK;
    while (ret == Z_OK) {
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = static_cast<uInt>(buf.size());
      ret = inflate(&zs, Z_NO_FLUSH);
      total += buf.size() - zs.avail_out;
    }
    inflateEnd(&zs);
    if (total != plain_text().size()) state.SkipWithError("short read");
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(plain_text().size()));
}
BENCHMARK(BM_GzipReadZlib)->Unit(benchmark::kMillisecond);

// Plain text through the same decoding source (sniff + pass-through cost).
void BM_PlainReadThroughDecoder(benchmark::State& state) {
  std::vector<char> buf(1 << 20);
  (void)gzip_text();  // build the input outside the timed loop
  for (auto _ : state) {
    std::unique_ptr<ByteSource> src = make_decoding_source(make_memory_source("txt", plain_text()));
    size_t total = 0;
    while (true) {
      Result<size_t> n = src->read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      total += *n;
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(plain_text().size()));
}
BENCHMARK(BM_PlainReadThroughDecoder)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace efstop::flowlog

BENCHMARK_MAIN();
