// Fuzzes LineParser::parse against an independent, slow oracle written from
// the contract (split on runs of spaces/tabs, std::from_chars, IpAddress::parse),
// so the fast path (SWAR scanning, fused digit decoding) must agree with it
// on every input. Then feeds the same bytes through the whole engine
// (line splitting, gzip detection, aggregation) to look for crashes.
//
// Input: the first byte picks a format; the rest is lines.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "flowlog/engine.h"
#include "flowlog/parser.h"

namespace fl = efstop::flowlog;

namespace {

const char* const kFormats[] = {
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status",
    "srcaddr dstaddr srcport dstport protocol packets bytes start end",
    "interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status tcp-flags future-field",
    "bytes packets end start dstaddr srcaddr action",
};

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool number(std::string_view t, uint64_t max, uint64_t* v) {
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *v);
  return ec == std::errc() && p == t.data() + t.size() && *v <= max;
}

// What parse() must return, from the contract's rules.
// `strict`: a `-` in a decoded field is kMissingField (a parser built with
// every field required); else it is an unknown value, 0 in the record.
fl::ParseError oracle(const fl::LogFormat& f, std::string_view line, fl::FlowRecord* r,
                      bool strict) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> t = split(line);
  if (t.size() != f.column_count()) return fl::ParseError::kWrongFieldCount;
  int status = 0;
  fl::ParseError first = fl::ParseError::kOk;
  bool missing = false;
  auto fail = [&](fl::ParseError e) {
    if (first == fl::ParseError::kOk) first = e;
  };
  for (size_t c = 0; c < t.size(); ++c) {
    const fl::FieldId id = f.column_field(c);
    const std::string_view v = t[c];
    uint64_t n = 0;
    const bool dash = v == "-";
    switch (id) {
      case fl::FieldId::kSrcAddr:
      case fl::FieldId::kDstAddr: {
        if (dash) {
          missing = true;
          break;
        }
        std::optional<fl::IpAddress> ip = fl::IpAddress::parse(v);
        if (!ip)
          fail(fl::ParseError::kBadAddress);
        else
          (id == fl::FieldId::kSrcAddr ? r->src : r->dst) = *ip;
        break;
      }
      case fl::FieldId::kSrcPort:
      case fl::FieldId::kDstPort:
        if (dash) {
          missing = true;
          break;
        }
        if (!number(v, 65535, &n))
          fail(fl::ParseError::kBadNumber);
        else
          (id == fl::FieldId::kSrcPort ? r->src_port : r->dst_port) = static_cast<uint16_t>(n);
        break;
      case fl::FieldId::kProtocol:
        if (dash) {
          missing = true;
          break;
        }
        if (!number(v, 255, &n))
          fail(fl::ParseError::kBadNumber);
        else
          r->protocol = static_cast<uint8_t>(n);
        break;
      case fl::FieldId::kPackets:
      case fl::FieldId::kBytes:
      case fl::FieldId::kStart:
      case fl::FieldId::kEnd: {
        if (dash) {
          missing = true;
          break;
        }
        if (!number(v, INT64_MAX, &n)) {
          fail(fl::ParseError::kBadNumber);
          break;
        }
        int64_t& dst = id == fl::FieldId::kPackets ? r->packets
                       : id == fl::FieldId::kBytes ? r->bytes
                       : id == fl::FieldId::kStart ? r->start
                                                   : r->end;
        dst = static_cast<int64_t>(n);
        break;
      }
      case fl::FieldId::kAction:
        if (dash) {
          missing = true;
          break;
        }
        if (v != "ACCEPT" && v != "REJECT") fail(fl::ParseError::kBadAction);
        break;
      case fl::FieldId::kLogStatus:
        if (v == "OK")
          status = 0;
        else if (v == "NODATA")
          status = 1;
        else if (v == "SKIPDATA")
          status = 2;
        else if (!dash)
          fail(fl::ParseError::kBadLogStatus);
        break;
      case fl::FieldId::kInterfaceId:
        if (dash) missing = true;
        break;
      default:
        break;
    }
  }
  if (status != 0) return fl::ParseError::kOk;
  if (first != fl::ParseError::kOk) return first;
  if (missing && strict) return fl::ParseError::kMissingField;
  return fl::ParseError::kOk;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const fl::LogFormat format =
      *fl::parse_header_line(kFormats[data[0] % (sizeof kFormats / sizeof kFormats[0])]);
  const fl::LineParser lenient(format);
  const fl::LineParser strict(format, fl::kHasAll);

  size_t i = 0;
  while (i <= text.size()) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(i, eol - i);
    i = eol + 1;
    for (const bool is_strict : {false, true}) {
      const fl::LineParser& parser = is_strict ? strict : lenient;
      fl::FlowRecord got;
      fl::FlowRecord want;
      const fl::ParseOutcome outcome = parser.parse(line, &got);
      const fl::ParseError expected = oracle(format, line, &want, is_strict);
      if (outcome.error != expected) std::abort();
      if (outcome.ok() && got.log_status == fl::LogStatus::kOk) {
        if (format.has(fl::FieldId::kSrcAddr) && !(got.src == want.src)) std::abort();
        if (format.has(fl::FieldId::kDstAddr) && !(got.dst == want.dst)) std::abort();
        if (format.has(fl::FieldId::kBytes) && got.bytes != want.bytes) std::abort();
        if (format.has(fl::FieldId::kStart) && got.start != want.start) std::abort();
        if (format.has(fl::FieldId::kSrcPort) && got.src_port != want.src_port) std::abort();
      }
      if (!outcome.ok() && fl::describe_parse_error(outcome, line, format).empty()) std::abort();
    }
  }

  // The whole engine on the raw bytes (which may be gzip): no crash, and the
  // stats invariants hold. Only for one input in eight: a run allocates a
  // 1 MiB block and the tables, which would slow the parser fuzzing 20x.
  if ((data[0] & 0x70) != 0x70) return 0;
  std::vector<fl::InputSource> sources;
  std::string bytes(text);
  sources.push_back({"fuzz", [bytes] {
                       return efstop::Result<std::unique_ptr<fl::ByteSource>>(
                           fl::make_memory_source("fuzz", bytes));
                     }});
  fl::EngineOptions options;
  options.threads = 1;
  if (data[0] & 0x80) options.server_ips = {fl::IpAddress::from_v4(0x0a000001)};
  efstop::Result<fl::EngineResult> r = fl::run_engine_sources(std::move(sources), options);
  if (r.ok()) {
    const fl::FlowStats& s = r->stats;
    if (s.records != s.used + s.duplicates + s.not_efs + s.outside_window + s.nodata + s.skipdata +
                         s.unknown_address)
      std::abort();
    if (s.lines != s.records + s.skipped) std::abort();
  }
  return 0;
}
