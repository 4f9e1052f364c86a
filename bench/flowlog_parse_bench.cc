// LineParser::parse on default-format and custom-format lines.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "bench_lines.h"
#include "flowlog/parser.h"

namespace efstop::flowlog {
namespace {

void BM_ParseLineDefaultV2(benchmark::State& state) {
  const std::vector<std::string> lines = bench::make_lines(4096, 3000);
  const LineParser parser(LogFormat::default_v2());
  FlowRecord r;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ & 4095];
    benchmark::DoNotOptimize(parser.parse(line, &r));
    bytes += static_cast<int64_t>(line.size() + 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ParseLineDefaultV2);

// The engine's path: lines inside one buffer with kParsePadding bytes after
// the last, parsed in place (parse() above copies each line first). 2^18
// distinct lines (31 MB), not a few thousand repeated: with those the
// branch predictor learns the lines by heart and the general loop (lane 3)
// looked 1.5x faster than on real input.
void BM_ParseLinePaddedDefaultV2(benchmark::State& state) {
  constexpr size_t kLines = size_t{1} << 18;
  const std::vector<std::string> lines = bench::make_lines(kLines, 3000);
  std::string buffer;
  std::vector<std::string_view> views;
  std::vector<size_t> offsets;
  for (const std::string& l : lines) {
    offsets.push_back(buffer.size());
    buffer += l;
    buffer += '\n';
  }
  buffer.append(kParsePadding, '\0');
  for (size_t k = 0; k < lines.size(); ++k) {
    views.emplace_back(buffer.data() + offsets[k], lines[k].size());
  }
  // Arg: the ParseLane (0 best for this CPU, 1 SSE4.1, 2 baseline, 3 none).
  const LineParser parser(LogFormat::default_v2(), LineParser::kDefaultRequired,
                          static_cast<ParseLane>(state.range(0)));
  FlowRecord r;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string_view line = views[i++ & (kLines - 1)];
    benchmark::DoNotOptimize(parser.parse_padded(line, &r));
    bytes += static_cast<int64_t>(line.size() + 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ParseLinePaddedDefaultV2)->DenseRange(0, 3)->ArgName("lane");

// The same fields spread over a 29-column version-5 layout (most ignored).
void BM_ParseLineCustomV5(benchmark::State& state) {
  const LogFormat format = *parse_log_format(
      "${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${type} "
      "${packets} ${bytes} ${account-id} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} "
      "${region} ${az-id} ${sublocation-type} ${sublocation-id} ${action} ${tcp-flags} "
      "${pkt-srcaddr} ${pkt-dstaddr} ${pkt-src-aws-service} ${pkt-dst-aws-service} "
      "${traffic-path} ${flow-direction} ${log-status}");
  std::vector<std::string> lines;
  for (const std::string& l : bench::make_lines(4096, 3000)) {
    // Re-lay the default line's fields into the v5 order.
    std::vector<std::string> f;
    size_t p = 0;
    while (p < l.size()) {
      size_t q = l.find(' ', p);
      if (q == std::string::npos) q = l.size();
      f.push_back(l.substr(p, q - p));
      p = q + 1;
    }
    lines.push_back("5 " + f[3] + " " + f[4] + " " + f[5] + " " + f[6] + " " + f[7] + " " + f[10] +
                    " " + f[11] + " IPv4 " + f[8] + " " + f[9] + " " + f[1] +
                    " vpc-0abcdef0123456789 subnet-0abcdef0123456789 i-0123456789abcdef0 " + f[2] +
                    " us-east-1 use1-az4 - - " + f[12] + " 19 " + f[3] + " " + f[4] +
                    " - - 1 ingress " + f[13]);
  }
  const LineParser parser(format);
  FlowRecord r;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ & 4095];
    ParseOutcome o = parser.parse(line, &r);
    if (!o.ok()) state.SkipWithError("custom line did not parse");
    benchmark::DoNotOptimize(o);
    bytes += static_cast<int64_t>(line.size() + 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ParseLineCustomV5);

}  // namespace
}  // namespace efstop::flowlog

BENCHMARK_MAIN();
