// Reading one destination for some ENIs only.
//
// When discovery reads several destinations in one run (docs/sources.md,
// "More than one destination"), each mount-target ENI is read from exactly
// one of them, and every other ENI's records are left out of that
// destination: two flow logs covering the same ENI would otherwise deliver
// the same records twice. Leaving client-ENI records out changes no row: a
// known mount-target ENI is the vantage point of each of its pairs anyway
// (counting rule, step 5), so only `duplicates` would differ, and those are
// what this avoids.
//
// EniFilter decides per line; make_eni_filter_source applies it to a
// stream of flow-log text (after gzip decoding) and counts the records it
// leaves out. Lines it cannot place (no interface-id column, a value that is
// not an ENI id, a malformed line) pass through, so the engine still counts
// and reports them as it would.
// Thread-safety: an EniFilter is immutable after construction and may be
// shared; each source is used by one thread; the counter is atomic.
#ifndef EFSTOP_CLOUD_ENI_FILTER_H_
#define EFSTOP_CLOUD_ENI_FILTER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/byte_source.h"
#include "flowlog/engine.h"
#include "flowlog/format.h"

namespace efstop::cloud {

class EniFilter {
 public:
  // `format`: the flow log's LogFormat when the engine is given one (it then
  // wins over header lines, so it does here); nullopt: each stream's header
  // line, else the default format.
  EniFilter(std::vector<std::string> enis, std::optional<flowlog::LogFormat> format);

  const std::optional<flowlog::LogFormat>& format() const { return format_; }
  // True when `eni` (an "eni-..." id) is one of the filter's.
  bool keeps(std::string_view eni) const;

 private:
  std::set<std::string, std::less<>> enis_;
  std::optional<flowlog::LogFormat> format_;
};

// Wraps `inner` (plain or gzip bytes: it is decoded first) so that lines
// whose interface-id is an ENI id outside `filter` are left out; each one
// adds 1 to `*left_out`.
std::unique_ptr<flowlog::ByteSource> make_eni_filter_source(
    std::unique_ptr<flowlog::ByteSource> inner, std::shared_ptr<const EniFilter> filter,
    std::shared_ptr<std::atomic<int64_t>> left_out);

// The same applied to every source of `sources` (opened lazily as before).
std::vector<flowlog::InputSource> filter_sources_by_eni(
    std::vector<flowlog::InputSource> sources, std::shared_ptr<const EniFilter> filter,
    std::shared_ptr<std::atomic<int64_t>> left_out);

}  // namespace efstop::cloud

#endif  // EFSTOP_CLOUD_ENI_FILTER_H_
