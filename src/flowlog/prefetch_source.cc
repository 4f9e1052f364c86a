// make_prefetch_source: read-ahead on a background thread, so the producer
// (typically gzip inflate) and the consumer (the line parser) run on two
// cores at once. Memory is bounded by block_count x block_size.
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "flowlog/byte_source.h"

namespace efstop::flowlog {

namespace {

class PrefetchSource final : public ByteSource {
 public:
  PrefetchSource(std::unique_ptr<ByteSource> inner, size_t block_size, size_t block_count)
      : inner_(std::move(inner)), name_(inner_->name()), block_size_(block_size) {
    for (size_t i = 0; i < std::max<size_t>(block_count, 2); ++i) {
      free_.push_back(std::vector<char>(block_size_));
    }
    worker_ = std::jthread([this](std::stop_token stop) { produce(stop); });
  }

  ~PrefetchSource() override {
    worker_.request_stop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
    // jthread joins here; produce() exits at its next check.
  }

  const std::string& name() const override { return name_; }

  Result<size_t> read(char* buf, size_t capacity) override {
    while (true) {
      if (current_pos_ < current_len_) {
        size_t n = std::min(capacity, current_len_ - current_pos_);
        std::memcpy(buf, current_.data() + current_pos_, n);
        current_pos_ += n;
        return n;
      }
      std::unique_lock<std::mutex> lock(mu_);
      if (!current_.empty()) {
        free_.push_back(std::move(current_));
        current_ = {};
        cv_.notify_all();
      }
      cv_.wait(lock, [&] { return !full_.empty() || done_; });
      if (full_.empty()) {
        if (!error_.ok()) return error_;
        return size_t{0};
      }
      current_ = std::move(full_.front().data);
      current_len_ = full_.front().len;
      current_pos_ = 0;
      full_.pop_front();
    }
  }

 private:
  struct Block {
    std::vector<char> data;
    size_t len;
  };

  void produce(std::stop_token stop) {
    while (true) {
      std::vector<char> block;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !free_.empty() || stop.stop_requested(); });
        if (stop.stop_requested()) break;
        block = std::move(free_.back());
        free_.pop_back();
      }
      // Fill the whole block: fewer hand-offs, and inflate works best on
      // large outputs.
      size_t len = 0;
      Status status;
      bool eof = false;
      while (len < block.size()) {
        Result<size_t> n = inner_->read(block.data() + len, block.size() - len);
        if (!n.ok()) {
          status = n.status();
          break;
        }
        if (*n == 0) {
          eof = true;
          break;
        }
        len += *n;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (len > 0) full_.push_back(Block{std::move(block), len});
      if (!status.ok() || eof) {
        error_ = std::move(status);
        done_ = true;
        cv_.notify_all();
        break;
      }
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

  std::unique_ptr<ByteSource> inner_;
  std::string name_;
  size_t block_size_;
  // Consumer-only state.
  std::vector<char> current_;
  size_t current_len_ = 0;
  size_t current_pos_ = 0;
  // Shared state, guarded by mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<char>> free_;
  std::deque<Block> full_;
  bool done_ = false;
  Status error_;
  std::jthread worker_;  // last: started after, joined before, the rest
};

}  // namespace

std::unique_ptr<ByteSource> make_prefetch_source(std::unique_ptr<ByteSource> inner,
                                                 size_t block_size, size_t block_count) {
  return std::make_unique<PrefetchSource>(std::move(inner), block_size, block_count);
}

}  // namespace efstop::flowlog
