// make_decoding_source: gzip detection by magic bytes and streaming inflate
// with ISA-L (igzip). ISA-L's inflate is about twice as fast as zlib's on
// flow-log text, and decompression is the floor of the whole pipeline for
// .log.gz input (see bench/gzip_read_bench.cc and docs/PERFORMANCE.md).
#include <isa-l.h>
#include <isa-l/igzip_lib.h>

#include <cstring>
#include <vector>

#include "flowlog/byte_source.h"

namespace efstop::flowlog {

namespace {

constexpr size_t kInBlock = size_t{256} << 10;

std::string isal_error_text(int ret) {
  switch (ret) {
    case ISAL_INVALID_BLOCK:
      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:
      return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:
      return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER:
      return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
      return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM:
      return "checksum mismatch";
    case ISAL_NEED_DICT:
      return "preset dictionary required";
    default:
      return "inflate error " + std::to_string(ret);
  }
}

class DecodingSource final : public ByteSource {
 public:
  explicit DecodingSource(std::unique_ptr<ByteSource> raw) : raw_(std::move(raw)) {}

  const std::string& name() const override { return raw_->name(); }

  Result<size_t> read(char* buf, size_t capacity) override {
    if (mode_ == Mode::kUnknown) EFSTOP_RETURN_IF_ERROR(sniff());
    if (mode_ == Mode::kPlain) {
      if (head_pos_ < head_.size()) {
        size_t n = std::min(capacity, head_.size() - head_pos_);
        std::memcpy(buf, head_.data() + head_pos_, n);
        head_pos_ += n;
        return n;
      }
      return raw_->read(buf, capacity);
    }
    return inflate_into(buf, capacity);
  }

 private:
  enum class Mode { kUnknown, kPlain, kGzip, kDone };

  // Reads at least two bytes (or to EOF) to look for the gzip magic.
  Status sniff() {
    head_.resize(kInBlock);
    size_t got = 0;
    while (got < 2) {
      Result<size_t> n = raw_->read(head_.data() + got, head_.size() - got);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      got += *n;
    }
    head_.resize(got);
    if (!has_gzip_magic(head_)) {
      mode_ = Mode::kPlain;
      return Status();
    }
    mode_ = Mode::kGzip;
    in_.assign(head_.begin(), head_.end());
    in_.resize(std::max(in_.size(), kInBlock));
    raw_total_ = got;
    state_ = std::make_unique<inflate_state>();
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    state_->next_in = reinterpret_cast<uint8_t*>(in_.data());
    state_->avail_in = static_cast<uint32_t>(got);
    head_.clear();
    head_.shrink_to_fit();
    return Status();
  }

  // Refills the input block; false at end of the raw stream.
  Result<bool> refill() {
    if (raw_eof_) return false;
    // Keep unconsumed bytes (ISA-L leaves them at next_in).
    const size_t keep = state_->avail_in;
    std::memmove(in_.data(), state_->next_in, keep);
    Result<size_t> n = raw_->read(in_.data() + keep, in_.size() - keep);
    if (!n.ok()) return n.status();
    if (*n == 0) raw_eof_ = true;
    raw_total_ += *n;
    state_->next_in = reinterpret_cast<uint8_t*>(in_.data());
    state_->avail_in = static_cast<uint32_t>(keep + *n);
    return *n > 0;
  }

  uint64_t consumed() const { return raw_total_ - state_->avail_in; }

  Status corrupt(const std::string& cause) const {
    return parse_error(raw_->name() + ": " + cause + " after " + std::to_string(consumed()) +
                       " compressed bytes, " + std::to_string(decoded_) + " bytes decoded");
  }

  Result<size_t> inflate_into(char* buf, size_t capacity) {
    if (mode_ == Mode::kDone) return size_t{0};
    state_->next_out = reinterpret_cast<uint8_t*>(buf);
    state_->avail_out = static_cast<uint32_t>(std::min<size_t>(capacity, UINT32_MAX));
    const uint32_t start_out = state_->avail_out;
    while (true) {
      if (state_->block_state == ISAL_BLOCK_FINISH) {
        // One member ended. Another may follow (cat a.gz b.gz). Deliver this
        // member's tail first so an error in what follows loses nothing.
        if (state_->avail_out != start_out) break;
        if (state_->avail_in < 2) {
          EFSTOP_ASSIGN_OR_RETURN(bool more, refill());
          (void)more;
        }
        if (state_->avail_in == 0) {
          mode_ = Mode::kDone;
          break;
        }
        if (state_->avail_in < 2 || state_->next_in[0] != 0x1f || state_->next_in[1] != 0x8b) {
          return corrupt("trailing data that is not a gzip member");
        }
        uint8_t* next = state_->next_in;
        uint32_t avail = state_->avail_in;
        isal_inflate_reset(state_.get());
        state_->crc_flag = ISAL_GZIP;
        state_->next_in = next;
        state_->avail_in = avail;
        ++members_;
      }
      if (state_->avail_out == 0) break;
      const uint32_t before_in = state_->avail_in;
      const uint32_t before_out = state_->avail_out;
      int ret = isal_inflate(state_.get());
      if (ret < 0) return corrupt("corrupt gzip data (" + isal_error_text(ret) + ")");
      decoded_ += before_out - state_->avail_out;
      if (state_->block_state == ISAL_BLOCK_FINISH) continue;
      if (state_->avail_out == 0) break;
      // ISA-L stopped short of a full buffer: its input ran out. Hand over
      // what this call produced first, refill on the next call.
      if (state_->avail_out != start_out) break;
      EFSTOP_ASSIGN_OR_RETURN(bool more, refill());
      if (!more && state_->avail_in == before_in && state_->avail_out == before_out) {
        return corrupt("truncated gzip data (unexpected end of file)");
      }
    }
    return static_cast<size_t>(start_out - state_->avail_out);
  }

  std::unique_ptr<ByteSource> raw_;
  Mode mode_ = Mode::kUnknown;
  std::string head_;
  size_t head_pos_ = 0;
  std::vector<char> in_;
  std::unique_ptr<inflate_state> state_;
  bool raw_eof_ = false;
  uint64_t raw_total_ = 0;
  uint64_t decoded_ = 0;
  int members_ = 1;
};

}  // namespace

std::unique_ptr<ByteSource> make_decoding_source(std::unique_ptr<ByteSource> raw) {
  return std::make_unique<DecodingSource>(std::move(raw));
}

std::string inflater_version() {
  return "isa-l " + std::to_string(ISAL_MAJOR_VERSION) + "." + std::to_string(ISAL_MINOR_VERSION) +
         "." + std::to_string(ISAL_PATCH_VERSION);
}

}  // namespace efstop::flowlog
