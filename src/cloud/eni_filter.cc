#include "cloud/eni_filter.h"

#include <algorithm>
#include <cstring>

namespace efstop::cloud {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The `column`-th whitespace-separated token of `line` (empty when absent).
std::string_view token_at(std::string_view line, int column) {
  size_t i = 0;
  for (int c = 0;; ++c) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i >= line.size()) return {};
    const size_t begin = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (c == column) return line.substr(begin, i - begin);
  }
}

class EniFilterSource : public flowlog::ByteSource {
 public:
  EniFilterSource(std::unique_ptr<flowlog::ByteSource> inner,
                  std::shared_ptr<const EniFilter> filter,
                  std::shared_ptr<std::atomic<int64_t>> left_out)
      : inner_(std::move(inner)), filter_(std::move(filter)), left_out_(std::move(left_out)) {
    const flowlog::LogFormat& f =
        filter_->format() ? *filter_->format() : flowlog::LogFormat::default_v2();
    column_ = f.column_of(flowlog::FieldId::kInterfaceId);
  }

  const std::string& name() const override { return inner_->name(); }

  Result<size_t> read(char* buf, size_t capacity) override {
    while (out_pos_ == out_.size()) {
      if (eof_) return size_t{0};
      EFSTOP_RETURN_IF_ERROR(fill());
    }
    const size_t n = std::min(capacity, out_.size() - out_pos_);
    std::memcpy(buf, out_.data() + out_pos_, n);
    out_pos_ += n;
    return n;
  }

 private:
  // Reads the next block of `inner_` and moves its complete lines (all of
  // them at the end of the stream) through the filter into out_.
  Status fill() {
    out_.clear();
    out_pos_ = 0;
    char block[1 << 16];
    EFSTOP_ASSIGN_OR_RETURN(size_t n, inner_->read(block, sizeof block));
    if (n == 0) {
      eof_ = true;
      if (!pending_.empty()) {
        pass(pending_);
        pending_.clear();
      }
      return Status();
    }
    if (passthrough_) {
      out_.assign(block, n);
      return Status();
    }
    pending_.append(block, n);
    if (first_) {
      first_ = false;
      // Parquet is not lines: the engine reads it by ranges and applies the
      // same filter to its rows (InputSource::keep_eni).
      if (flowlog::has_parquet_magic(pending_)) {
        passthrough_ = true;
        out_.swap(pending_);
        return Status();
      }
    }
    size_t begin = 0;
    for (size_t nl; (nl = pending_.find('\n', begin)) != std::string::npos; begin = nl + 1) {
      pass(std::string_view(pending_).substr(begin, nl + 1 - begin));
    }
    pending_.erase(0, begin);
    return Status();
  }

  void pass(std::string_view line) {
    if (!filter_->format() && flowlog::looks_like_header(line)) {
      // A header line: it sets this stream's layout (the engine does the same).
      if (std::optional<flowlog::LogFormat> f = flowlog::parse_header_line(line)) {
        column_ = f->column_of(flowlog::FieldId::kInterfaceId);
      }
      out_.append(line);
      return;
    }
    if (column_ >= 0) {
      const std::string_view eni = token_at(line, column_);
      if (eni.substr(0, 4) == "eni-" && !filter_->keeps(eni)) {
        left_out_->fetch_add(1);
        return;
      }
    }
    out_.append(line);
  }

  std::unique_ptr<flowlog::ByteSource> inner_;
  std::shared_ptr<const EniFilter> filter_;
  std::shared_ptr<std::atomic<int64_t>> left_out_;
  int column_ = -1;
  std::string pending_;  // an incomplete last line
  std::string out_;
  size_t out_pos_ = 0;
  bool eof_ = false;
  bool first_ = true;
  bool passthrough_ = false;  // a Parquet stream
};

}  // namespace

EniFilter::EniFilter(std::vector<std::string> enis, std::optional<flowlog::LogFormat> format)
    : enis_(enis.begin(), enis.end()), format_(std::move(format)) {}

bool EniFilter::keeps(std::string_view eni) const { return enis_.find(eni) != enis_.end(); }

std::unique_ptr<flowlog::ByteSource> make_eni_filter_source(
    std::unique_ptr<flowlog::ByteSource> inner, std::shared_ptr<const EniFilter> filter,
    std::shared_ptr<std::atomic<int64_t>> left_out) {
  return std::make_unique<EniFilterSource>(flowlog::make_decoding_source(std::move(inner)),
                                           std::move(filter), std::move(left_out));
}

std::vector<flowlog::InputSource> filter_sources_by_eni(
    std::vector<flowlog::InputSource> sources, std::shared_ptr<const EniFilter> filter,
    std::shared_ptr<std::atomic<int64_t>> left_out) {
  for (flowlog::InputSource& s : sources) {
    s.open = [open = std::move(s.open), filter,
              left_out]() -> Result<std::unique_ptr<flowlog::ByteSource>> {
      EFSTOP_ASSIGN_OR_RETURN(std::unique_ptr<flowlog::ByteSource> raw, open());
      return make_eni_filter_source(std::move(raw), filter, left_out);
    };
    s.keep_eni = [filter](std::string_view eni) { return filter->keeps(eni); };
    s.left_out = left_out;
  }
  return sources;
}

}  // namespace efstop::cloud
