#include "flowlog/shared_stream.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace efstop::flowlog {

namespace {

// A line that StreamProcessor::handle_line may take for a header: its first
// byte is a lowercase letter, or a blank before one.
inline bool may_be_header(char first) {
  return (first >= 'a' && first <= 'z') || first == ' ' || first == '\t' || first == '\r';
}

class SharedStream {
 public:
  SharedStream(ByteSource& src, const EngineOptions& options,
               const std::optional<LogFormat>& forced, std::span<Aggregator> aggs,
               const std::string& name, uint64_t order_base)
      : src_(src),
        options_(options),
        forced_(forced.has_value()),
        block_bytes_(std::clamp<size_t>(options.block_bytes, 1, kMaxLineBytes)),
        outcomes_(aggs.size()) {
    for (size_t w = 0; w < aggs.size(); ++w) {
      processors_.push_back(std::make_unique<StreamProcessor>(
          options, forced, std::nullopt, &aggs[w], &outcomes_[w], name, order_base));
    }
    // Two blocks per thread in flight or ready, and two for the reader.
    slots_.resize(2 * aggs.size() + 2);
    for (Slot& s : slots_) {
      // Uninitialised: only the pages a block touches count as memory.
      s.data.reset(new char[kMaxLineBytes + kParsePadding]);
      s.ends.reset(new uint32_t[kMaxLineBytes + 1]);
      free_.push_back(&s);
    }
  }

  void run(ChunkOutcome* out) {
    {
      std::vector<std::jthread> parsers;
      for (size_t w = 1; w < processors_.size(); ++w) {
        parsers.emplace_back([this, w] { parse_blocks(w); });
      }
      read_blocks();
      parse_blocks(0);
    }
    merge_into(out);
  }

 private:
  struct Slot {
    std::unique_ptr<char[]> data;      // kMaxLineBytes + kParsePadding
    std::unique_ptr<uint32_t[]> ends;  // one per line, at most one per byte (+ a last line)
    // Set by the reader:
    uint64_t seq = 0;       // the block's number in the stream
    size_t len = 0;         // bytes of whole lines in `data`
    uint64_t offset = 0;    // stream offset of data[0]
    bool too_long = false;  // stands for one over-long line; no data
    // Set by cut():
    LineBlock block;
  };

  // The reader: fills free slots in stream order. When every slot is taken
  // (the parsers are behind), it parses a ready block itself. It does
  // nothing else, so that a stream slower to inflate than to parse is read
  // as fast as the inflater goes.
  void read_blocks() {
    while (true) {
      Slot* slot = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        while (free_.empty()) {
          if (!ready_.empty()) {
            Slot* ready = ready_.front();
            ready_.pop_front();
            lock.unlock();
            handle(*ready, 0);
            lock.lock();
            continue;
          }
          cv_.wait(lock, [&] { return !free_.empty() || !ready_.empty(); });
        }
        slot = free_.back();
        free_.pop_back();
      }
      const bool filled = fill(*slot);
      const bool last = !filled || end_of_stream_ || stop_reading_.load(std::memory_order_relaxed);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (filled) {
          ready_.push_back(slot);
        } else {
          free_.push_back(slot);
        }
        if (last) done_ = true;
      }
      cv_.notify_all();
      if (last) return;
    }
  }

  // A parser: takes ready blocks until the reader is done and none is left.
  void parse_blocks(size_t worker) {
    while (true) {
      Slot* slot = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !ready_.empty() || done_; });
        if (ready_.empty()) return;
        slot = ready_.front();
        ready_.pop_front();
      }
      handle(*slot, worker);
    }
  }

  // Cuts `slot` (in stream order: it waits for the blocks before it to be
  // cut), parses it, and gives the slot back.
  void handle(Slot& slot, size_t worker) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return cut_seq_ == slot.seq; });
    }
    // This thread alone runs cut() now, so it alone reads and writes the
    // state cut() keeps between blocks. A header that failed in an earlier
    // block ends the stream there: nothing after it counts.
    const bool counts = !stop_reading_.load(std::memory_order_relaxed);
    if (counts) cut(slot);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++cut_seq_;
    }
    cv_.notify_all();
    if (counts) processors_[worker]->run_block(slot.block);
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(&slot);
    }
    cv_.notify_all();
  }

  // Reads the next block of whole lines into `slot`. False when the stream
  // has nothing more.
  bool fill(Slot& slot) {
    char* d = slot.data.get();
    size_t have = carry_.size();
    std::memcpy(d, carry_.data(), have);
    carry_.clear();
    uint64_t offset = next_offset_;
    size_t want = block_bytes_;
    while (true) {
      while (!end_of_stream_ && have < want) {
        Result<size_t> n = src_.read(d + have, want - have);
        if (!n.ok()) {
          read_error_ = n.status().message();
          end_of_stream_ = true;
        } else if (*n == 0) {
          end_of_stream_ = true;
        } else {
          have += *n;
        }
      }
      if (discarding_) {
        // The rest of an over-long line, already counted, up to its '\n'.
        const char* nl = static_cast<const char*>(std::memchr(d, '\n', have));
        const size_t drop = nl == nullptr ? have : static_cast<size_t>(nl - d) + 1;
        std::memmove(d, d + drop, have - drop);
        have -= drop;
        offset += drop;
        if (nl != nullptr) discarding_ = false;
        if (end_of_stream_ && (discarding_ || have == 0)) return false;
        continue;
      }
      if (have == 0) return false;
      size_t len = have;  // at the end of the stream: the last line may lack its '\n'
      if (!end_of_stream_ || !read_error_.empty()) {
        const char* last = static_cast<const char*>(memrchr(d, '\n', have));
        if (last == nullptr && !end_of_stream_) {
          if (have < kMaxLineBytes) {
            want = kMaxLineBytes;  // a long line: read on
            continue;
          }
          // No newline in kMaxLineBytes: one over-long line, counted once.
          slot.seq = next_seq_++;
          slot.len = 0;
          slot.offset = offset;
          slot.too_long = true;
          discarding_ = true;
          next_offset_ = offset + have;
          return true;
        }
        // After a read error only whole lines count, as in run().
        len = last == nullptr ? 0 : static_cast<size_t>(last - d) + 1;
        if (len == 0) return false;
      }
      carry_.assign(d + len, have - len);
      next_offset_ = offset + len;
      slot.seq = next_seq_++;
      slot.len = len;
      slot.offset = offset;
      slot.too_long = false;
      return true;
    }
  }

  // Finds where the block's lines end and follows its header lines: the
  // order-dependent part of parsing, run for one block at a time in stream
  // order (see handle()).
  void cut(Slot& slot) {
    LineBlock& block = slot.block;
    block = LineBlock{};
    block.offset = slot.offset;
    if (slot.too_long) {
      block.too_long_line = true;
      block.first_line = lines_before_++;
      return;
    }
    const char* d = slot.data.get();
    const size_t len = slot.len;
    uint32_t* ends = slot.ends.get();
    size_t n = find_newlines(d, len, ends);
    if (d[len - 1] != '\n') ends[n++] = static_cast<uint32_t>(len);
    block.data = d;
    block.ends = ends;
    block.line_count = n;
    block.first_line = lines_before_;
    block.start_format = format_;
    lines_before_ += static_cast<int64_t>(n);
    if (forced_) return;
    uint32_t begin = 0;
    for (size_t i = 0; i < n; ++i) {
      if (may_be_header(d[begin])) follow_header(std::string_view(d + begin, ends[i] - begin));
      begin = ends[i] + 1;
    }
  }

  // The format a header line sets for the lines after it, decided as
  // StreamProcessor::handle_line decides (parse_header_line; a line it
  // rejects is read as a record).
  void follow_header(std::string_view line) {
    std::optional<LogFormat> format = parse_header_line(line);
    if (!format) return;
    if (!check_format(*format, options_).ok()) {
      // The parser of this block stops there with the message.
      stop_reading_.store(true, std::memory_order_relaxed);
      return;
    }
    format_ = std::make_shared<const LogFormat>(std::move(*format));
  }

  void merge_into(ChunkOutcome* out) {
    for (ChunkOutcome& o : outcomes_) {
      out->physical_lines += o.physical_lines;
      out->lines += o.lines;
      out->skipped += o.skipped;
      out->used_interface_rule |= o.used_interface_rule;
      out->used_overlap_rule |= o.used_overlap_rule;
      for (auto& d : o.diagnostics) out->diagnostics.push_back(std::move(d));
      if (o.failed && !out->failed) {
        out->failed = true;
        out->error = std::move(o.error);
        out->usage_error = o.usage_error;
      }
    }
    // Each parser kept its first few; the stream's first few are among them.
    std::stable_sort(out->diagnostics.begin(), out->diagnostics.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    if (out->diagnostics.size() > static_cast<size_t>(options_.max_diagnostics_per_file)) {
      out->diagnostics.resize(static_cast<size_t>(options_.max_diagnostics_per_file));
    }
    if (!read_error_.empty() && !out->failed) {
      out->failed = true;
      out->error = read_error_;
    }
  }

  ByteSource& src_;
  const EngineOptions& options_;
  const bool forced_;
  const size_t block_bytes_;
  std::vector<ChunkOutcome> outcomes_;  // one per thread
  std::vector<std::unique_ptr<StreamProcessor>> processors_;
  std::vector<Slot> slots_;

  // The reader's state (one thread).
  std::string carry_;  // the start of a line cut off at the previous block's end
  uint64_t next_offset_ = 0;
  uint64_t next_seq_ = 0;
  bool discarding_ = false;
  bool end_of_stream_ = false;
  std::string read_error_;

  // cut()'s state, used by one thread at a time (the one whose block's
  // number is cut_seq_).
  int64_t lines_before_ = 0;
  std::shared_ptr<const LogFormat> format_;
  // A header line failed check_format: blocks after its own do not count,
  // and the reader stops.
  std::atomic<bool> stop_reading_ = false;

  // Shared, guarded by mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot*> free_;
  std::deque<Slot*> ready_;  // in stream order
  bool done_ = false;        // no block will be added to ready_
  uint64_t cut_seq_ = 0;     // the next block to cut
};

}  // namespace

void run_shared_stream(ByteSource& src, const EngineOptions& options,
                       const std::optional<LogFormat>& forced, std::span<Aggregator> aggs,
                       ChunkOutcome* out, const std::string& name, uint64_t order_base) {
  SharedStream(src, options, forced, aggs, name, order_base).run(out);
}

}  // namespace efstop::flowlog
