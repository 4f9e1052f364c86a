// Local byte sources: files, stdin, memory; and directory expansion.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "flowlog/byte_source.h"
#include "flowlog/file_source_internal.h"

namespace efstop::flowlog {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

class FdSource final : public ByteSource {
 public:
  FdSource(std::string name, int fd, bool owned, uint64_t offset)
      : name_(std::move(name)), fd_(fd), owned_(owned), offset_(offset) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  const std::string& name() const override { return name_; }

  Result<size_t> read(char* buf, size_t capacity) override {
    while (true) {
      // pread for files (offset known, works for split ranges), read for pipes.
      ssize_t n = seekable_ ? ::pread(fd_, buf, capacity, static_cast<off_t>(offset_))
                            : ::read(fd_, buf, capacity);
      if (n >= 0) {
        offset_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno == EINTR) continue;
      if (errno == ESPIPE && seekable_) {
        seekable_ = false;
        continue;
      }
      return io_error("read " + name_ + ": " + errno_text(errno) + " after " +
                      std::to_string(offset_) + " bytes");
    }
  }

  void set_seekable(bool s) { seekable_ = s; }

 private:
  std::string name_;
  int fd_;
  bool owned_;
  uint64_t offset_;
  bool seekable_ = true;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string name, std::string data)
      : name_(std::move(name)), data_(std::move(data)) {}
  const std::string& name() const override { return name_; }
  Result<size_t> read(char* buf, size_t capacity) override {
    size_t n = std::min(capacity, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string name_;
  std::string data_;
  size_t pos_ = 0;
};

// pread over a local file; its size is taken once, when opened.
class FdRandom final : public RandomAccessSource {
 public:
  FdRandom(std::string name, int fd, uint64_t size)
      : name_(std::move(name)), fd_(fd), size_(size) {}
  ~FdRandom() override { ::close(fd_); }
  FdRandom(const FdRandom&) = delete;
  FdRandom& operator=(const FdRandom&) = delete;

  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }

  Status read_at(uint64_t offset, size_t len, std::string* out) override {
    if (offset > size_ || len > size_ - offset) {
      return io_error("read " + name_ + ": range beyond the end of the file");
    }
    out->resize(len);
    size_t done = 0;
    while (done < len) {
      const ssize_t n =
          ::pread(fd_, out->data() + done, len - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return io_error("read " + name_ + ": " + errno_text(errno) + " at offset " +
                        std::to_string(offset + done));
      }
      if (n == 0) {
        return io_error("read " + name_ + ": file shrank while read (at offset " +
                        std::to_string(offset + done) + ")");
      }
      done += static_cast<size_t>(n);
    }
    return Status();
  }

 private:
  std::string name_;
  int fd_;
  uint64_t size_;
};

class MemoryRandom final : public RandomAccessSource {
 public:
  MemoryRandom(std::string name, std::string data)
      : name_(std::move(name)), data_(std::move(data)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return data_.size(); }
  Status read_at(uint64_t offset, size_t len, std::string* out) override {
    if (offset > data_.size() || len > data_.size() - offset) {
      return io_error("read " + name_ + ": range beyond the end of the data");
    }
    out->assign(data_, static_cast<size_t>(offset), len);
    return Status();
  }

 private:
  std::string name_;
  std::string data_;
};

Result<int> open_fd(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return not_found_error("open " + path + ": no such file or directory");
    return io_error("open " + path + ": " + errno_text(err));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return io_error("open " + path + ": is a directory");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return fd;
}

}  // namespace

Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path) {
  if (path == "-") {
    auto src = std::make_unique<FdSource>("<stdin>", 0, false, 0);
    src->set_seekable(false);
    return std::unique_ptr<ByteSource>(std::move(src));
  }
  EFSTOP_ASSIGN_OR_RETURN(int fd, open_fd(path));
  struct stat st;
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  auto src = std::make_unique<FdSource>(path, fd, true, 0);
  src->set_seekable(regular);
  return std::unique_ptr<ByteSource>(std::move(src));
}

Result<std::unique_ptr<ByteSource>> open_file_range_source(const std::string& path,
                                                           uint64_t offset) {
  EFSTOP_ASSIGN_OR_RETURN(int fd, open_fd(path));
  return std::unique_ptr<ByteSource>(std::make_unique<FdSource>(path, fd, true, offset));
}

Result<FileProbe> probe_file(const std::string& path, size_t head_bytes) {
  EFSTOP_ASSIGN_OR_RETURN(int fd, open_fd(path));
  FileProbe probe;
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    probe.regular = S_ISREG(st.st_mode);
    probe.size = probe.regular ? static_cast<uint64_t>(st.st_size) : 0;
  }
  if (probe.regular) {
    probe.head.resize(head_bytes);
    size_t got = 0;
    while (got < head_bytes) {
      ssize_t n = ::pread(fd, probe.head.data() + got, head_bytes - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        return io_error("read " + path + ": " + errno_text(err));
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    probe.head.resize(got);
  }
  ::close(fd);
  return probe;
}

std::unique_ptr<ByteSource> make_memory_source(std::string name, std::string data) {
  return std::make_unique<MemorySource>(std::move(name), std::move(data));
}

ExpandedInputs expand_inputs(const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  ExpandedInputs out;
  for (const std::string& input : inputs) {
    if (input == "-") {
      out.files.push_back(input);
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st)) {
      out.failures.push_back(input + ": no such file or directory");
      continue;
    }
    if (!fs::is_directory(st)) {
      out.files.push_back(input);
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(input, fs::directory_options::follow_directory_symlink, ec);
    if (ec) {
      out.failures.push_back(input + ": cannot list directory: " + ec.message());
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        out.failures.push_back(input + ": cannot list directory: " + ec.message());
        break;
      }
      std::error_code ec2;
      if (it->is_regular_file(ec2)) found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
  }
  return out;
}

Result<std::unique_ptr<RandomAccessSource>> open_file_random(const std::string& path) {
  EFSTOP_ASSIGN_OR_RETURN(int fd, open_fd(path));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return io_error("open " + path + ": not a regular file (Parquet needs to seek)");
  }
  return std::unique_ptr<RandomAccessSource>(
      std::make_unique<FdRandom>(path, fd, static_cast<uint64_t>(st.st_size)));
}

std::unique_ptr<RandomAccessSource> make_memory_random(std::string name, std::string data) {
  return std::make_unique<MemoryRandom>(std::move(name), std::move(data));
}

}  // namespace efstop::flowlog
