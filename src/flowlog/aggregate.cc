#include "flowlog/aggregate.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <unordered_map>

namespace efstop::flowlog {

FlowStats& FlowStats::operator+=(const FlowStats& o) {
  lines += o.lines;
  records += o.records;
  used += o.used;
  skipped += o.skipped;
  nodata += o.nodata;
  skipdata += o.skipdata;
  not_efs += o.not_efs;
  outside_window += o.outside_window;
  duplicates += o.duplicates;
  unknown_address += o.unknown_address;
  unknown_bytes += o.unknown_bytes;
  outside_scopes += o.outside_scopes;
  files += o.files;
  files_failed += o.files_failed;
  return *this;
}

std::vector<BucketBytes> fold_series(const std::vector<BucketBytes>& series, int64_t to_width) {
  std::vector<BucketBytes> out;
  for (const BucketBytes& b : series) {
    const int64_t start = bucket_floor(b.start, to_width);
    if (out.empty() || out.back().start != start) out.push_back(BucketBytes{start, 0, 0});
    out.back().bytes_read += b.bytes_read;
    out.back().bytes_written += b.bytes_written;
  }
  return out;
}

std::vector<BucketBytes> merge_series(const std::vector<BucketBytes>& a,
                                      const std::vector<BucketBytes>& b) {
  std::vector<BucketBytes> out;
  out.reserve(a.size() + b.size());
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].start < b[j].start)) {
      out.push_back(a[i++]);
    } else if (i == a.size() || b[j].start < a[i].start) {
      out.push_back(b[j++]);
    } else {
      out.push_back(BucketBytes{a[i].start, a[i].bytes_read + b[j].bytes_read,
                                a[i].bytes_written + b[j].bytes_written});
      ++i;
      ++j;
    }
  }
  return out;
}

namespace {

// The bytes of one bucket while counting; which bucket is implied by the
// cell's place in its block (SeriesBuilder).
struct Cell {
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
};

// Zeroed blocks of kCells cells for the SeriesBuilders of one aggregator,
// cut from slabs that live as long as it: no allocation per block, nothing
// freed or copied while counting, and a slab's pages are touched only as
// its blocks are used. Slabs are 2 MiB anonymous mappings, whose pages the
// kernel gives zeroed (no memset of our own): page faults and the zeroing of
// 64 KiB heap slabs were about a third of what `--bucket 5m` added on
// bench/whole's file (docs/PERFORMANCE.md). They keep the kernel's 4 KiB
// pages: marked for transparent huge pages (until 2026-12-06), they cost
// more than they saved wherever the kernel had to compact memory or the host
// to back it first ("eighth pass" there). Where mmap fails, slabs come from
// the heap.
class CellArena {
 public:
  static constexpr int kShift = 4;
  static constexpr int64_t kCells = int64_t{1} << kShift;  // 256 bytes a block

  CellArena() = default;
  CellArena(const CellArena&) = delete;
  CellArena& operator=(const CellArena&) = delete;
  ~CellArena() {
    for (const Slab& s : slabs_) {
      if (s.mapped) {
        munmap(s.cells, kSlabBytes);
      } else {
        std::free(s.cells);
      }
    }
  }

  Cell* block() {
    if (used_ == kSlabBlocks) new_slab();
    Cell* cells = slabs_.back().cells + kCells * used_++;
    // The first block of each page writes to it before anyone reads it (see
    // SeriesTable::touch(): a page first read, then written, costs the other
    // CPU an interrupt; SeriesBuilder::add reads its cell first).
    if ((used_ - 1) % kPageBlocks == 0) *cells = Cell{};
    return cells;
  }

  // Takes `o`'s slabs (and so the blocks cut from them) into this arena,
  // which frees them; `o` is empty afterwards. The blocks of another
  // aggregator's series are then this one's without a copy.
  void adopt(CellArena&& o) {
    // Before this arena's own: block() cuts from the last slab.
    slabs_.insert(slabs_.begin(), o.slabs_.begin(), o.slabs_.end());
    o.slabs_.clear();
    o.used_ = kSlabBlocks;
  }

 private:
  static constexpr size_t kSlabBytes = size_t{2} << 20;
  static constexpr int64_t kSlabBlocks = kSlabBytes / (kCells * sizeof(Cell));
  static constexpr int64_t kPageBlocks = 4096 / (kCells * sizeof(Cell));
  struct Slab {
    Cell* cells;
    bool mapped;
  };

  void new_slab() {
    void* raw = mmap(nullptr, kSlabBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Slab slab{static_cast<Cell*>(raw), true};
    if (raw == MAP_FAILED) {
      slab = Slab{static_cast<Cell*>(std::calloc(kSlabBlocks * kCells, sizeof(Cell))), false};
      if (slab.cells == nullptr) std::abort();  // out of memory, as operator new would end
    }
    slabs_.push_back(slab);
    used_ = 0;
  }

  std::vector<Slab> slabs_;
  int64_t used_ = kSlabBlocks;
};

// Bytes per bucket of one (client, server[, ENI]), by bucket number
// (bucket_index()): the cold half of the series, beside BucketRing.
//
// Cells are dense in blocks of CellArena::kCells consecutive buckets (16
// bytes a bucket, the bucket implied by position), and the blocks of a key
// are found through a sorted directory; the latest block used is kept, so a
// bucket in it or the next is pointer arithmetic. Order of input does not
// matter: a bucket's cell is the same whenever its bytes come. Sparse input
// costs at most one block (256 bytes) per used bucket.
class SeriesBuilder {
 public:
  // Adds to the bucket's cell.
  void add(CellArena* arena, int64_t bucket, int64_t read, int64_t written) {
    Cell* c = cell(arena, bucket);
    c->bytes_read += read;
    c->bytes_written += written;
  }

  // A bucket's bytes as BucketRing gives them back. A bucket later than
  // every bucket put before has a cell still zero (the ring gives back each
  // bucket once, and bytes that miss the ring are older than every bucket
  // it will give back), so its bytes are stored, not added: a store to a line
  // not in cache does not wait for it, a load does, and input in time order
  // never reads a cell back.
  void put(CellArena* arena, int64_t bucket, const Cell& bytes) {
    Cell* c = cell(arena, bucket);
    if (bucket > flushed_) {
      *c = bytes;
      flushed_ = bucket;
    } else {
      c->bytes_read += bytes.bytes_read;
      c->bytes_written += bytes.bytes_written;
    }
  }

  bool empty() const { return blocks_.empty(); }

  // Adds `o`'s bytes to this builder's and leaves `o` empty. A block both
  // have is added 16 cells at a time; a block only `o` has is taken over
  // when `o`'s blocks are cut from `arena` (`same_arena`: the same
  // aggregator, or an arena adopted with CellArena::adopt), else copied into
  // one of `arena`. (Cell by cell through add(), the merge of two workers'
  // series cost about a third of what the second thread added with
  // `--bucket 5m` on bench/whole's file: docs/PERFORMANCE.md.)
  void merge(CellArena* arena, SeriesBuilder&& o, bool same_arena) {
    if (o.empty()) return;
    if (empty() && same_arena) {
      *this = std::move(o);
      o = SeriesBuilder();
      return;
    }
    std::vector<Block> merged;
    merged.reserve(blocks_.size() + o.blocks_.size());
    size_t i = 0;
    size_t j = 0;
    while (i < blocks_.size() || j < o.blocks_.size()) {
      if (j == o.blocks_.size() ||
          (i < blocks_.size() && blocks_[i].number < o.blocks_[j].number)) {
        merged.push_back(blocks_[i++]);
      } else if (i == blocks_.size() || o.blocks_[j].number < blocks_[i].number) {
        Block b = o.blocks_[j++];
        if (!same_arena) {
          Cell* copy = arena->block();
          std::memcpy(copy, b.cells, CellArena::kCells * sizeof(Cell));
          b.cells = copy;
        }
        merged.push_back(b);
      } else {
        Cell* to = blocks_[i].cells;
        const Cell* from = o.blocks_[j].cells;
        for (int64_t k = 0; k < CellArena::kCells; ++k) {
          to[k].bytes_read += from[k].bytes_read;
          to[k].bytes_written += from[k].bytes_written;
        }
        merged.push_back(blocks_[i++]);
        ++j;
      }
    }
    blocks_ = std::move(merged);
    last_number_ = blocks_.back().number;  // `o` had blocks
    // Cells past flushed_ may hold `o`'s bytes now: from here on put()
    // adds. block_ (this builder's, if any) is still valid: blocks never
    // move, and a block both had kept this builder's cells.
    flushed_ = kAlwaysAdd;
    o = SeriesBuilder();
  }

  // Sorted by start, one cell per bucket, buckets without bytes left out;
  // the builder is empty afterwards.
  std::vector<BucketBytes> take(int64_t width) {
    // Sized first (the cells are read twice, the second time from cache):
    // grown by doubling, the vectors of all pairs cost as many page faults
    // again as their final size.
    size_t n = 0;
    for_each([&](int64_t, const Cell&) { ++n; });
    std::vector<BucketBytes> out;
    out.reserve(n);
    for_each([&](int64_t bucket, const Cell& c) {
      out.push_back(BucketBytes{bucket * width, c.bytes_read, c.bytes_written});
    });
    *this = SeriesBuilder();
    return out;
  }

 private:
  static constexpr int64_t kNone = INT64_MIN;  // nothing put yet
  // flushed_ after a merge: no bucket is later, so every put adds.
  static constexpr int64_t kAlwaysAdd = INT64_MAX;
  struct Block {
    int64_t number;  // bucket >> CellArena::kShift
    Cell* cells;
  };

  // Calls f(bucket, cell) for every bucket with bytes, in bucket order.
  template <typename F>
  void for_each(F&& f) const {
    for (size_t n = 0; n < blocks_.size(); ++n) {
      // A key's blocks lie far apart (cut in time order, between other
      // keys'): each is a miss the hardware does not see coming, so the
      // lines of the block after next are asked for now.
      if (n + 2 < blocks_.size()) {
        const char* next = reinterpret_cast<const char*>(blocks_[n + 2].cells);
        for (size_t at = 0; at < CellArena::kCells * sizeof(Cell); at += 64) {
          __builtin_prefetch(next + at);
        }
      }
      const Block& b = blocks_[n];
      for (int64_t i = 0; i < CellArena::kCells; ++i) {
        const Cell& c = b.cells[i];
        if (c.bytes_read != 0 || c.bytes_written != 0) {
          f((b.number << CellArena::kShift) + i, c);
        }
      }
    }
  }

  Cell* cell(CellArena* arena, int64_t bucket) {
    const int64_t number = bucket >> CellArena::kShift;  // floor, also below 0
    if (block_ == nullptr || number != block_number_) [[unlikely]] {
      block_ = find_block(arena, number);
      block_number_ = number;
    }
    return block_ + (bucket & (CellArena::kCells - 1));
  }

  [[gnu::noinline]] Cell* find_block(CellArena* arena, int64_t number) {
    // Mostly the next block after the last (input in time order). The last
    // block's number is kept here: read from blocks_, it was a cache miss a
    // call (the directories of thousands of keys do not stay in cache).
    if (last_number_ < number) {
      Cell* cells = arena->block();
      blocks_.push_back(Block{number, cells});
      last_number_ = number;
      return cells;
    }
    auto it = std::lower_bound(blocks_.begin(), blocks_.end(), number,
                               [](const Block& b, int64_t n) { return b.number < n; });
    if (it == blocks_.end() || it->number != number) {
      it = blocks_.insert(it, Block{number, arena->block()});
    }
    return it->cells;
  }

  int64_t flushed_ = kNone;  // the latest bucket put into a zero cell
  Cell* block_ = nullptr;    // the cells of block_number_; null before the first bucket
  int64_t block_number_ = 0;
  int64_t last_number_ = INT64_MIN;  // blocks_.back().number; INT64_MIN when empty
  std::vector<Block> blocks_;        // sorted by number
};

// The series of every (client, server, ENI) of one aggregator while
// counting, numbered by the entry (TripleTable): the latest kRows buckets
// of all of them as rows of cells, a row per bucket and a cell per entry,
// and a SeriesBuilder per entry for the buckets the ring gave back.
//
// Records mostly come in time order, so nearly every record adds to a row
// of the last few buckets: a row is 16 bytes an entry (35 KB for bench/
// whole's 2,234 entries), the rows in use stay in cache, and an add is a
// load and a store at a computed place, without a branch that depends on
// the data, and a bit set in the row's marks (a bit an entry). When a
// record's bucket passes the newest row, the oldest rows are given back: the
// marked entries are put into their SeriesBuilders in one loop, in entry
// order, whose stores to lines not in cache overlap. (The marks replaced a
// list of the row's entries, whose length each add read and wrote after
// testing its cell: every add waited for the add before it, through the
// length, and for its own cell's load; docs/PERFORMANCE.md, "eighth pass".)
// Bytes older than the oldest row go to the entry's
// SeriesBuilder directly. This replaced the current bucket's sums kept
// inline in each entry and moved into its cell on every change of bucket
// (a mispredicted branch and a store to a line not in cache in the middle
// of the record loop, 1.5 M times on bench/whole's file; docs/
// PERFORMANCE.md).
class SeriesTable {
 public:
  static constexpr int64_t kRows = 8;  // a power of two
  static_assert((kRows & (kRows - 1)) == 0);

  SeriesTable() = default;
  SeriesTable(const SeriesTable&) = delete;
  SeriesTable& operator=(const SeriesTable&) = delete;

  // Adds bytes of bucket `bucket` to entry `n`'s series. Inline: once per
  // record (a call, as g++ chose on its own, was 2 % of the run).
  [[gnu::always_inline]] void add(uint32_t n, int64_t bucket, int64_t read, int64_t written) {
    if (static_cast<uint64_t>(bucket) - static_cast<uint64_t>(lo_) >= uint64_t{kRows} ||
        n >= touched_) [[unlikely]] {
      add_slow(n, bucket, read, written);
      return;
    }
    const size_t r = static_cast<size_t>(bucket) & (kRows - 1);
    Cell& c = rows_[r * cap_ + n];
    c.bytes_read += read;
    c.bytes_written += written;
    marks_[r * words_ + n / 64] |= uint64_t{1} << (n % 64);
  }

  // Gives every row back to the SeriesBuilders (before builder() is read).
  // The ring stays where it is, empty: a bucket of it may come again, and
  // put() adds what it had before.
  void flush() {
    for (int64_t i = 0; i < kRows; ++i) give_back(plus(lo_, i));
  }

  // Entry n's builder (after flush()). Entry numbers below `count` may be
  // asked for: their builders exist, so the references stay valid.
  void reserve(size_t count) {
    if (builders_.size() < count) builders_.resize(count);
  }
  SeriesBuilder& builder(uint32_t n) {
    reserve(size_t{n} + 1);
    return builders_[n];
  }

  CellArena* arena() { return &arena_; }

 private:
  [[gnu::noinline]] void add_slow(uint32_t n, int64_t bucket, int64_t read, int64_t written) {
    if (!started_) {
      flush();  // rows of buckets near INT64_MIN (lo_'s first value) that fit by chance
      started_ = true;
      lo_ = bucket >= INT64_MIN + kRows ? bucket - (kRows - 1) : INT64_MIN;  // room for older
    } else if (bucket < lo_) {
      builder(n).add(&arena_, bucket, read, written);
      return;
    } else if (static_cast<uint64_t>(bucket) - static_cast<uint64_t>(lo_) >= uint64_t{kRows}) {
      // Gives back the rows of the buckets below the new lowest one.
      const int64_t to = bucket - (kRows - 1);
      const uint64_t steps =
          std::min(uint64_t{kRows}, static_cast<uint64_t>(to) - static_cast<uint64_t>(lo_));
      for (uint64_t i = 0; i < steps; ++i) give_back(plus(lo_, static_cast<int64_t>(i)));
      lo_ = to;
    }
    if (n >= touched_) touch(n);
    add(n, bucket, read, written);
  }

  // Writes zeros to the cells of entry `n` and of the entries before it, in
  // every row, a page's worth of entries at a time. An add reads its cell
  // before it writes it, and the first read of a page the kernel has not
  // given yet maps its shared zero page; the write after it then copies
  // that page and, the process having two threads, makes the other CPU
  // drop its mapping: an interrupt, waited for. (With CellArena::block()'s
  // first write, 160 such pages on bench/whole's file, their interrupts
  // 0.4-1 % of the run; docs/PERFORMANCE.md.) Written first, the page comes
  // with the first write. Only the entries that exist are touched, so a big
  // table's rows still cost only the pages of its entries.
  void touch(uint32_t n) {
    if (n >= cap_) grow(size_t{n} + 1);
    constexpr size_t kPageCells = 4096 / sizeof(Cell);
    const size_t to = std::min(cap_, (size_t{n} + kPageCells) / kPageCells * kPageCells);
    for (size_t r = 0; r < kRows; ++r) {
      std::memset(static_cast<void*>(rows_.get() + r * cap_ + touched_), 0,
                  (to - touched_) * sizeof(Cell));
    }
    touched_ = to;
  }

  // a + b, wrapping instead of overflowing (the ring's buckets near INT64_MAX).
  static int64_t plus(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  }

  void give_back(int64_t bucket) {
    const size_t r = static_cast<size_t>(bucket) & (kRows - 1);
    Cell* row = rows_.get() + r * cap_;
    uint64_t* marks = marks_.get() + r * words_;
    for (size_t w = 0; w < words_; ++w) {
      for (uint64_t bits = marks[w]; bits != 0; bits &= bits - 1) {
        const size_t n = w * 64 + static_cast<size_t>(std::countr_zero(bits));
        Cell& c = row[n];
        // Marked with no bytes: a part of a record split to nothing.
        if ((c.bytes_read | c.bytes_written) == 0) continue;
        builders_[n].put(&arena_, bucket, c);
        c = Cell{};
      }
      marks[w] = 0;
    }
  }

  void grow(size_t need) {
    // Whole words of marks: cap_ is a multiple of 64.
    const size_t cap = (std::max({need, cap_ * 2, size_t{1024}}) + 63) / 64 * 64;
    const size_t words = cap / 64;
    Buffer<Cell> rows(kRows * cap);
    Buffer<uint64_t> marks(kRows * words);
    // The marks are written whole (give_back reads every word; see touch()),
    // the rows only where entries were.
    std::memset(static_cast<void*>(marks.get()), 0, kRows * words * sizeof(uint64_t));
    for (size_t r = 0; r < kRows && cap_ > 0; ++r) {
      std::memcpy(rows.get() + r * cap, rows_.get() + r * cap_, touched_ * sizeof(Cell));
      std::memcpy(marks.get() + r * words, marks_.get() + r * words_, words_ * sizeof(uint64_t));
    }
    rows_ = std::move(rows);
    marks_ = std::move(marks);
    cap_ = cap;
    words_ = words;
    reserve(cap_);
  }

  // Zeroed memory from calloc: large blocks come from the kernel as
  // untouched pages, so the rows of a big table cost only the pages used.
  template <typename T>
  class Buffer {
   public:
    Buffer() = default;
    explicit Buffer(size_t n) : p_(static_cast<T*>(std::calloc(n, sizeof(T)))) {
      if (p_ == nullptr) std::abort();  // out of memory, as operator new would end
    }
    Buffer(Buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    Buffer& operator=(Buffer&& o) noexcept {
      std::swap(p_, o.p_);
      return *this;
    }
    ~Buffer() { std::free(p_); }
    T* get() const { return p_; }
    T& operator[](size_t i) const { return p_[i]; }

   private:
    T* p_ = nullptr;
  };

  // The rows hold buckets [lo_, lo_ + kRows), bucket b in row b % kRows.
  int64_t lo_ = INT64_MIN;
  bool started_ = false;
  size_t cap_ = 0;          // cells a row (entries that fit)
  size_t touched_ = 0;      // cells of each row written at least once (touch())
  Buffer<Cell> rows_;       // kRows rows of cap_ cells
  size_t words_ = 0;        // cap_ / 64
  Buffer<uint64_t> marks_;  // per row, words_ words: bit n set when entry n may have bytes
  std::vector<SeriesBuilder> builders_;
  CellArena arena_;
};

// floor(t / width) for times that mostly fall into the bucket of the
// previous call: a 64-bit division costs tens of cycles, once per record,
// and most records land in the bucket of the one before.
class BucketMemo {
 public:
  int64_t index(int64_t t, int64_t width) {
    if (static_cast<uint64_t>(t) - static_cast<uint64_t>(start_) < static_cast<uint64_t>(width)) {
      return index_;
    }
    index_ = bucket_index(t, width);
    start_ = index_ * width;
    return index_;
  }
  // The start of the bucket index() last returned.
  int64_t start() const { return start_; }

 private:
  int64_t index_ = 0;  // [start_, start_ + width) is bucket index_
  int64_t start_ = 0;
};

// The parts of a record's bytes per bucket (split_span), added to `out`
// (out->add(bucket number, read, written)) for the record's direction. The
// span ends at the record's end, or at the window's end when that comes
// first (the record was counted for the window by its start; its bytes stay
// inside it), or at its start when the end is unknown.
template <typename Out>
inline void add_parts(Out* out, const FlowRecord& r, bool server_is_dst, const AggregateConfig& cfg,
                      BucketMemo* memo) {
  if (r.action == Action::kReject || r.bytes == 0) return;
  if (r.bucket_parts != nullptr) {
    const int64_t first = bucket_index(r.first_bucket, cfg.bucket_s);
    for (uint32_t k = 0; k < r.bucket_part_count; ++k) {
      const int64_t part = r.bucket_parts[k];
      out->add(first + k, server_is_dst ? 0 : part, server_is_dst ? part : 0);
    }
    return;
  }
  int64_t end = (r.present & kHasEnd) != 0 ? r.end : r.start;
  if (cfg.window_end && end > *cfg.window_end) end = *cfg.window_end;
  split_span_indexed(r.start, end, r.bytes, cfg.bucket_s, memo->index(r.start, cfg.bucket_s),
                     [&](int64_t bucket, int64_t part) {
                       out->add(bucket, server_is_dst ? 0 : part, server_is_dst ? part : 0);
                     });
}

// A SeriesBuilder as add_parts' output.
struct SeriesOut {
  SeriesBuilder* series;
  CellArena* arena;
  void add(int64_t bucket, int64_t read, int64_t written) {
    series->add(arena, bucket, read, written);
  }
};

inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

// Partial sums of one (client, server, ENI), all records that reached step 5.
struct Sums {
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t packets = 0;
  int64_t flows = 0;
  int64_t rejected = 0;
  int64_t packets_unknown = 0;     // ACCEPT records (weighted) whose packets were unknown
  int64_t bytes_unknown = 0;       // ACCEPT records (weighted) whose bytes were unknown
  int64_t first_seen = INT64_MAX;  // INT64_MAX: no record had a start
  int64_t last_seen = INT64_MIN;   // INT64_MIN: no record had an end

  // Records (weighted) behind these sums: every record is ACCEPT or REJECT.
  int64_t records() const { return flows + rejected; }

  void merge(const Sums& o) {
    bytes_read += o.bytes_read;
    bytes_written += o.bytes_written;
    packets += o.packets;
    flows += o.flows;
    rejected += o.rejected;
    packets_unknown += o.packets_unknown;
    bytes_unknown += o.bytes_unknown;
    first_seen = std::min(first_seen, o.first_seen);
    last_seen = std::max(last_seen, o.last_seen);
  }
};

// The direction of consecutive records is as good as random (a request and
// its response alternate), so it picks by masks, not by branches. An
// unknown value (present bit clear) is 0 in the record (parser.h), so it
// adds nothing to the sums; it is counted instead, and an unknown start or
// end leaves first_seen/last_seen alone.
inline void add_record(Sums* s, const FlowRecord& r, bool server_is_dst) {
  if (r.action == Action::kReject) {
    s->rejected += r.flows;
  } else {
    const int64_t to_server = -static_cast<int64_t>(server_is_dst);
    s->bytes_written += r.bytes & to_server;
    s->bytes_read += r.bytes & ~to_server;
    s->packets += r.packets;
    s->flows += r.flows;
    s->packets_unknown += r.flows & -static_cast<int64_t>((r.present & kHasPackets) == 0);
    s->bytes_unknown += r.flows & -static_cast<int64_t>((r.present & kHasBytes) == 0);
  }
  s->first_seen = std::min(s->first_seen, (r.present & kHasStart) != 0 ? r.start : INT64_MAX);
  s->last_seen = std::max(s->last_seen, (r.present & kHasEnd) != 0 ? r.end : INT64_MIN);
}

// `first` if `which`, else `second`, by masks (see add_record).
inline IpAddress pick(bool which, const IpAddress& first, const IpAddress& second) {
  const uint64_t mask = -static_cast<uint64_t>(which);
  return IpAddress::from_words((first.hi() & mask) | (second.hi() & ~mask),
                               (first.lo() & mask) | (second.lo() & ~mask));
}

// own(e): the addresses present in every record of ENI e (at most two).
struct OwnSet {
  int count = -1;  // -1: no record yet
  IpAddress a;
  IpAddress b;

  void observe(const IpAddress& src, const IpAddress& dst) {
    if (count < 0) {
      a = src;
      b = dst;
      count = (src == dst) ? 1 : 2;
      return;
    }
    intersect_with(src, dst, src == dst ? 1 : 2);
  }
  void intersect_with(const IpAddress& x, const IpAddress& y, int n) {
    auto in = [&](const IpAddress& v) { return v == x || (n == 2 && v == y); };
    IpAddress keep[2];
    int k = 0;
    if (count >= 1 && in(a)) keep[k++] = a;
    if (count >= 2 && in(b)) keep[k++] = b;
    count = k;
    if (k >= 1) a = keep[0];
    if (k >= 2) b = keep[1];
  }
  bool is_only(const IpAddress& v) const { return count == 1 && a == v; }
};

// A record kept for the 5-tuple overlap rule (formats without interface-id).
// Unknown values, for the rule: packets and bytes -1 (equal only to another
// unknown one), start INT64_MIN and end INT64_MAX (a record whose time is
// unknown overlaps every record of its flow key, so it is never counted
// twice); `present` keeps the record's PresentBit mask for the sums.
struct Observation {
  IpAddress src;
  IpAddress dst;
  int64_t packets;
  int64_t bytes;
  int64_t start;
  int64_t end;
  int64_t flows;
  uint64_t order;
  uint32_t present;
  uint16_t src_port;
  uint16_t dst_port;
  uint8_t protocol;
  bool reject;
  bool server_is_dst;

  auto flow_key() const { return std::tie(src, dst, src_port, dst_port, protocol, packets, bytes); }
};

// Flow order for the overlap rule: by flow key, then (start, end, input order).
inline bool observation_less(const Observation& x, const Observation& y) {
  if (x.flow_key() != y.flow_key()) return x.flow_key() < y.flow_key();
  return std::tie(x.start, x.end, x.order) < std::tie(y.start, y.end, y.order);
}

// The overlap rule's records, in bounded memory. They cannot be decided
// until every record is in (a duplicate may come from another file), so
// they are kept; past kRunRecords the batch is sorted and written out as a
// run to an unlinked temporary file (mode 0600, in $TMPDIR or /tmp), and
// visit() merges the runs. Memory is then about kRunRecords records per
// aggregator plus a small read buffer per run, whatever the input size.
// If a temporary file cannot be written, records stay in memory (correct,
// only bigger; no more spills are tried) and spill_error() says why, for a
// warning. Not thread-safe.
class ObservationStore {
 public:
  static constexpr size_t kRunRecords = size_t{1} << 16;  // ~5.5 MiB of records

  void add(const Observation& o) {
    batch_.push_back(o);
    if (batch_.size() >= kRunRecords && spill_error_.empty()) spill();
  }

  void merge(ObservationStore&& other) {
    if (spill_error_.empty()) spill_error_ = std::move(other.spill_error_);
    for (const Observation& o : other.batch_) add(o);
    for (RunFile& run : other.runs_) runs_.push_back(std::move(run));
    other.batch_.clear();
    other.runs_.clear();
    other.spill_error_.clear();
  }

  // Why records were kept in memory instead of a temporary file; empty if
  // they were not.
  const std::string& spill_error() const { return spill_error_; }
  size_t size_in_memory() const { return batch_.size(); }

  // Where the runs go: $TMPDIR, else /tmp.
  static std::string temp_dir() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
  }

  // Calls f(observation) for every record in observation_less order; the
  // store is empty afterwards. False if a run could not be read back.
  template <typename F>
  bool visit(F&& f) {
    std::sort(batch_.begin(), batch_.end(), observation_less);
    struct Cursor {
      std::FILE* file = nullptr;  // null: the in-memory batch
      std::vector<Observation> buf;
      size_t at = 0;
      bool refill() {
        if (file == nullptr) return false;
        buf.resize(kReadRecords);
        const size_t n = std::fread(buf.data(), sizeof(Observation), kReadRecords, file);
        buf.resize(n);
        at = 0;
        return n > 0;
      }
    };
    std::vector<Cursor> cursors(runs_.size() + 1);
    cursors[0].buf = std::move(batch_);
    bool ok = true;
    for (size_t i = 0; i < runs_.size(); ++i) {
      cursors[i + 1].file = runs_[i].get();
      if (std::fseek(runs_[i].get(), 0, SEEK_SET) != 0) ok = false;
      cursors[i + 1].refill();
    }
    // A min-heap of cursor numbers by their current record.
    auto greater = [&](size_t a, size_t b) {
      return observation_less(cursors[b].buf[cursors[b].at], cursors[a].buf[cursors[a].at]);
    };
    std::vector<size_t> heap;
    for (size_t i = 0; i < cursors.size(); ++i) {
      if (cursors[i].at < cursors[i].buf.size()) heap.push_back(i);
    }
    std::make_heap(heap.begin(), heap.end(), greater);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), greater);
      Cursor& c = cursors[heap.back()];
      f(c.buf[c.at]);
      if (++c.at < c.buf.size() || c.refill()) {
        std::push_heap(heap.begin(), heap.end(), greater);
      } else {
        if (c.file != nullptr && std::ferror(c.file)) ok = false;
        heap.pop_back();
      }
    }
    batch_.clear();
    runs_.clear();
    return ok;
  }

 private:
  static constexpr size_t kReadRecords = 256;
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  using RunFile = std::unique_ptr<std::FILE, FileCloser>;

  static RunFile temp_file() {
    std::string path = temp_dir() + "/efstop-overlap-XXXXXX";
    const int fd = ::mkstemp(path.data());  // 0600
    if (fd < 0) return nullptr;
    ::unlink(path.c_str());
    std::FILE* f = ::fdopen(fd, "w+b");
    if (f == nullptr) ::close(fd);
    return RunFile(f);
  }

  void spill() {
    errno = 0;
    RunFile f = temp_file();
    std::sort(batch_.begin(), batch_.end(), observation_less);
    if (f == nullptr ||
        std::fwrite(batch_.data(), sizeof(Observation), batch_.size(), f.get()) != batch_.size() ||
        std::fflush(f.get()) != 0) {
      // Keep them in memory.
      spill_error_ = errno != 0 ? std::strerror(errno) : "write failed";
      return;
    }
    runs_.push_back(std::move(f));
    batch_.clear();
  }

  std::vector<Observation> batch_;
  std::vector<RunFile> runs_;
  std::string spill_error_;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct PairKey {
  IpAddress client;
  IpAddress server;
  friend auto operator<=>(const PairKey&, const PairKey&) = default;
};

// An interface id as three words and a length, so that keys hash and
// compare as fixed-size data. Ids of up to 24 bytes ("eni-" + 17 hex digits
// is 21) are stored inline, read by 8-byte loads that may overlap (the same
// bytes always give the same words, and the loads never pass the id's end).
// Longer ids are numbered per aggregator (kLongId set in `len`).
struct EniWords {
  static constexpr uint32_t kLongId = 1u << 31;
  uint64_t w[3] = {0, 0, 0};
  uint32_t len = 0;
  friend bool operator==(const EniWords&, const EniWords&) = default;
};

inline uint64_t load_word(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// `id` must be at most 24 bytes.
inline EniWords inline_eni(std::string_view id) {
  EniWords e;
  const char* p = id.data();
  const size_t n = id.size();
  e.len = static_cast<uint32_t>(n);
  if (n > 16) {
    e.w[0] = load_word(p);
    e.w[1] = load_word(p + 8);
    e.w[2] = load_word(p + n - 8);
  } else if (n >= 8) {
    e.w[0] = load_word(p);
    e.w[1] = load_word(p + n - 8);
  } else {
    for (size_t i = 0; i < n; ++i) e.w[0] |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return e;
}

// The inverse of inline_eni.
inline std::string inline_eni_name(const EniWords& e) {
  char buf[24];
  const size_t n = e.len;
  if (n > 16) {
    std::memcpy(buf, &e.w[0], 8);
    std::memcpy(buf + 8, &e.w[1], 8);
    std::memcpy(buf + n - 8, &e.w[2], 8);
  } else if (n >= 8) {
    std::memcpy(buf, &e.w[0], 8);
    std::memcpy(buf + n - 8, &e.w[1], 8);
  } else {
    for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(e.w[0] >> (8 * i));
  }
  return std::string(buf, n);
}

// (client, server, interface id): what step 5 sums per.
struct TripleKey {
  IpAddress client;
  IpAddress server;
  EniWords eni;
  // All words at once, not a branch per word: whether a record continues
  // the previous one's key is as good as random, and one mispredicted
  // branch costs less than several.
  friend bool operator==(const TripleKey& x, const TripleKey& y) {
    return ((x.client.hi() ^ y.client.hi()) | (x.client.lo() ^ y.client.lo()) |
            (x.server.hi() ^ y.server.hi()) | (x.server.lo() ^ y.server.lo()) |
            (x.eni.w[0] ^ y.eni.w[0]) | (x.eni.w[1] ^ y.eni.w[1]) | (x.eni.w[2] ^ y.eni.w[2]) |
            (x.eni.len ^ y.eni.len)) == 0;
  }
};

inline uint64_t hash_of(const TripleKey& k) {
  // Independent multiplies (they overlap in the pipeline), one final mix.
  const uint64_t h =
      (k.client.lo() * 0x9E3779B97F4A7C15ull) ^ (k.client.hi() * 0xC2B2AE3D27D4EB4Full) ^
      (k.server.lo() * 0x165667B19E3779F9ull) ^ (k.server.hi() * 0xD6E8FEB86659FD93ull) ^
      (k.eni.w[0] * 0xFF51AFD7ED558CCDull) ^ (k.eni.w[1] * 0xC4CEB9FE1A85EC53ull) ^
      (k.eni.w[2] * 0x27D4EB2F165667C5ull) ^ k.eni.len;
  return mix(h);
}

// Map from (client, server, ENI) to Sums in two levels: an open-addressing
// (linear probing) index of 8-byte slots, each a 32-bit hash tag and an
// entry number, over entries stored densely in fixed-size chunks. The index
// stays small enough for the caches (a probe rarely misses), a tag mismatch
// never touches an entry, the entries take no room for empty slots, and
// growing rehashes only the index (entries never move, so growth does not
// double the memory even for a moment). Not thread-safe.
class TripleTable {
 public:
  // Aligned to cache lines: the key in the first, the sums after it.
  struct alignas(64) Entry {
    TripleKey key;
    uint64_t hash;
    uint32_t number;  // its place in the table: 0, 1, ... in the order added
    Sums sums;
  };

  TripleTable() : slots_(kInitialSlots, 0) {}

  // Hints the CPU to fetch the index slot `hash` starts probing at.
  void prefetch_slot(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask()]); }

  // The entry the probe for `hash` is likely to end at (the first with its
  // tag; the key is not compared, so the entry itself is not read), or null
  // when none has the tag. The index slot should be in cache by now. Entries
  // never move, so the pointer stays valid while the table grows.
  Entry* candidate(uint64_t hash) {
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask();; i = (i + 1) & mask()) {
      const uint64_t s = slots_[i];
      if (s == 0) return nullptr;
      if (static_cast<uint32_t>(s >> 32) == tag) return &entry(static_cast<uint32_t>(s) - 1);
    }
  }

  Entry& find_or_insert(const TripleKey& key, uint64_t hash) {
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    size_t i = hash & mask();
    while (true) {
      const uint64_t s = slots_[i];
      if (s == 0) break;
      if (static_cast<uint32_t>(s >> 32) == tag) {
        Entry& e = entry(static_cast<uint32_t>(s) - 1);
        if (e.key == key) return e;
      }
      i = (i + 1) & mask();
    }
    if ((size_ + 1) * 2 > slots_.size()) {
      grow();
      return find_or_insert(key, hash);
    }
    if (size_ % kChunk == 0) chunks_.push_back(std::make_unique<Entry[]>(kChunk));
    Entry& e = entry(size_);
    e.key = key;
    e.hash = hash;
    e.number = static_cast<uint32_t>(size_);
    ++size_;
    slots_[i] = (uint64_t{tag} << 32) | size_;  // entry number + 1: 0 is a free slot
    return e;
  }

  template <typename F>
  void for_each(F&& f) const {
    for (size_t n = 0; n < size_; ++n) f(entry(n));
  }
  template <typename F>
  void for_each(F&& f) {
    for (size_t n = 0; n < size_; ++n) f(entry(n));
  }
  size_t size() const { return size_; }

 private:
  static constexpr size_t kInitialSlots = 1024;
  static constexpr size_t kChunk = 1024;

  size_t mask() const { return slots_.size() - 1; }
  Entry& entry(size_t n) { return chunks_[n / kChunk][n % kChunk]; }
  const Entry& entry(size_t n) const { return chunks_[n / kChunk][n % kChunk]; }

  void grow() {
    std::vector<uint64_t>(slots_.size() * 2, 0).swap(slots_);
    for (size_t n = 0; n < size_; ++n) {
      const uint64_t hash = entry(n).hash;
      size_t i = hash & mask();
      while (slots_[i] != 0) i = (i + 1) & mask();
      slots_[i] = ((hash >> 32) << 32) | (n + 1);
    }
  }

  std::vector<uint64_t> slots_;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace

// Cache-line aligned: each worker thread writes its own on every record,
// and two allocated side by side must not share a line.
struct alignas(64) Aggregator::Impl {
  const AggregateConfig* config;
  std::vector<IpAddress> server_ips;  // sorted copy for binary search
  FlowStats stats;
  TripleTable triples;
  SeriesTable series;  // the triples' series, by entry number (with buckets only)
  BucketMemo memo;
  ObservationStore observations;
  // Interface ids over 24 bytes (never AWS's own), numbered.
  std::vector<std::string> long_enis;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> long_ids;

  // Records on their way into `triples`, through a short pipeline. The
  // table outgrows the caches on big inputs, so each lookup is a likely
  // miss. add() computes the hash and prefetches the index slot; kSlotLead
  // records later the slot is in cache, the record's likely entry is picked
  // from it by tag, kept and prefetched; kEntryLead records after that the
  // entry is in cache and the record is applied. One step of each kind per
  // record keeps the misses spread out and every slot read ahead of its use
  // (resolving 16 at once when a batch filled read the last slots right
  // after their prefetch: ~3 % more time). The pointer is kept, not just
  // prefetched: a loop whose only effect was the prefetch was removed whole
  // by the compiler, which left every entry a miss.
  static constexpr uint64_t kSlotLead = 4;
  static constexpr uint64_t kEntryLead = 8;
  static constexpr int kPendingParts = 4;
  // A record's bytes in one bucket (by number, bucket_index()).
  struct Part {
    int64_t bucket;
    int64_t bytes_read;
    int64_t bytes_written;
  };
  static constexpr uint64_t kRing = 16;  // a power of two > kSlotLead + kEntryLead + 1
  static_assert(kRing > kSlotLead + kEntryLead + 1 && (kRing & (kRing - 1)) == 0);
  // The sums of one record, or of consecutive records of the same key
  // (both directions of a flow at one ENI are often written next to each
  // other: they then take one trip into the table).
  // With buckets, `parts` holds their bytes per bucket when they fit
  // (nearly always: a record spans one or two buckets); the parts that do
  // not go straight into the table (add_part).
  struct Pending {
    TripleKey key;
    uint64_t hash;
    TripleTable::Entry* candidate;  // null until resolved, and when no tag matched
    Sums sums;
    int nparts;
    Part parts[kPendingParts];
  };
  Pending ring[kRing];
  uint64_t added = 0;    // records ever written to the ring
  uint64_t applied = 0;  // of those, applied; the others are [applied, added)

  Pending& next_pending() { return ring[added % kRing]; }

  // After add() wrote next_pending().
  void pending_added() {
    ++added;
    if (added - applied > kSlotLead) {
      Pending& p = ring[(added - 1 - kSlotLead) % kRing];
      p.candidate = triples.candidate(p.hash);
      if (p.candidate != nullptr) {
        __builtin_prefetch(&p.candidate->key);
        __builtin_prefetch(&p.candidate->sums);
      }
    }
    if (added - applied > kSlotLead + kEntryLead) apply(ring[applied++ % kRing]);
  }

  void apply(const Pending& p) {
    // A candidate whose key differs, or none (not resolved yet, or the key
    // was new when it was, and may have been added since): the full probe.
    TripleTable::Entry& e = p.candidate != nullptr && p.candidate->key == p.key
                                ? *p.candidate
                                : triples.find_or_insert(p.key, p.hash);
    e.sums.merge(p.sums);
    for (int i = 0; i < p.nparts; ++i) {
      series.add(e.number, p.parts[i].bucket, p.parts[i].bytes_read, p.parts[i].bytes_written);
    }
  }

  // Adds the bucket parts of `r` to `p` (with buckets only). Nearly every
  // record ends in the bucket it starts in (flow logs aggregate over 1 or 10
  // minutes): that part is the whole of its bytes, found with no division
  // (BucketMemo) and written straight into `p`; the rest are split out of
  // line. (The parts used to go through a buffer first, and copying them
  // out of it as 16-byte vectors right after it was written as 8-byte
  // words stalled on store forwarding: half of this function's time.)
  //
  // Both inlined into add(): out of line they took about 60 instructions a
  // record (calls, saved registers, and the part count of a record just put
  // in the ring, which add() knows is 0); inlined, about 20 fewer
  // (callgrind, bench/whole's first 2 M records, --bucket 5m: 2.20 -> 2.17 G
  // instructions; without buckets 2.00 G both; docs/PERFORMANCE.md).
  [[gnu::always_inline]] void add_series(Pending* p, const FlowRecord& r, bool server_is_dst) {
    if (r.action == Action::kReject || r.bytes == 0) return;
    if (r.bucket_parts == nullptr) [[likely]] {
      const AggregateConfig& cfg = *config;
      int64_t end = (r.present & kHasEnd) != 0 ? r.end : r.start;
      if (cfg.window_end && end > *cfg.window_end) end = *cfg.window_end;
      const int64_t first = memo.index(r.start, cfg.bucket_s);
      const int64_t boundary = memo.start() + cfg.bucket_s;  // the first bucket's end
      // As split_span_indexed's own first test: one part, all the bytes.
      if (end <= boundary) [[likely]] {
        add_part(p, first, r.bytes, server_is_dst);
        return;
      }
      // Two buckets, in 64 bits: split_span_indexed's steps for that case
      // (C(boundary), then the rest), without its call and loop. About one
      // record in thirteen on bench/whole's file (minute records, 5-minute
      // buckets).
      const int64_t span = end - r.start;  // > 0: start < boundary < end
      if (end <= boundary + cfg.bucket_s && r.bytes <= INT32_MAX && span <= INT32_MAX) {
        const int64_t before = r.bytes * (boundary - r.start) / span;
        add_part(p, first, before, server_is_dst);
        add_part(p, first + 1, r.bytes - before, server_is_dst);
        return;
      }
    }
    add_series_split(p, r, server_is_dst);
  }

  // `bytes` in bucket `bucket` for the record's direction, into `p`.
  [[gnu::always_inline]] void add_part(Pending* p, int64_t bucket, int64_t bytes,
                                       bool server_is_dst) {
    const int64_t to_server = -static_cast<int64_t>(server_is_dst);
    const int64_t written = bytes & to_server;
    const int64_t read = bytes & ~to_server;
    const int n = p->nparts;
    if (n > 0 && p->parts[n - 1].bucket == bucket) {
      p->parts[n - 1].bytes_read += read;
      p->parts[n - 1].bytes_written += written;
    } else if (n < kPendingParts) {
      p->parts[n].bucket = bucket;
      p->parts[n].bytes_read = read;
      p->parts[n].bytes_written = written;
      p->nparts = n + 1;
    } else {
      series.add(triples.find_or_insert(p->key, p->hash).number, bucket, read, written);
    }
  }

  [[gnu::noinline]] void add_series_split(Pending* p, const FlowRecord& r, bool server_is_dst) {
    struct Out {
      Impl* m;
      Pending* p;
      bool server_is_dst;
      void add(int64_t bucket, int64_t read, int64_t written) {
        m->add_part(p, bucket, read + written, server_is_dst);
      }
    } out{this, p, server_is_dst};
    add_parts(&out, r, server_is_dst, *config, &memo);
  }

  // The last record added, while it waits in the ring (null when none
  // does); its sums may still grow.
  Pending* last_pending() { return added > applied ? &ring[(added - 1) % kRing] : nullptr; }

  // Applies everything pending (sums do not depend on the order).
  void flush() {
    while (applied < added) apply(ring[applied++ % kRing]);
  }

  explicit Impl(const AggregateConfig* c) : config(c), server_ips(c->server_ips) {
    std::sort(server_ips.begin(), server_ips.end());
  }

  bool is_server_ip(const IpAddress& ip) const {
    return std::binary_search(server_ips.begin(), server_ips.end(), ip);
  }

  // Inline: once per record.
  [[gnu::always_inline]] EniWords eni_words(std::string_view id) {
    return id.size() <= 24 ? inline_eni(id) : long_eni_words(id);
  }

  [[gnu::noinline]] EniWords long_eni_words(std::string_view id) {
    auto it = long_ids.find(id);
    uint32_t n;
    if (it != long_ids.end()) {
      n = it->second;
    } else {
      n = static_cast<uint32_t>(long_enis.size());
      long_enis.emplace_back(id);
      long_ids.emplace(std::string(id), n);
    }
    EniWords e;
    e.w[0] = n;
    e.len = EniWords::kLongId;
    return e;
  }

  std::string eni_name(const EniWords& e) const {
    return e.len == EniWords::kLongId ? long_enis[e.w[0]] : inline_eni_name(e);
  }
};

Aggregator::Aggregator(const AggregateConfig* config) : impl_(std::make_unique<Impl>(config)) {}
Aggregator::~Aggregator() = default;
Aggregator::Aggregator(Aggregator&&) noexcept = default;
Aggregator& Aggregator::operator=(Aggregator&&) noexcept = default;

void Aggregator::add(const FlowRecord& r, uint64_t order) {
  Impl& m = *impl_;
  m.stats.records += r.flows;
  // 2. NODATA / SKIPDATA (not subject to the window).
  if (r.log_status != LogStatus::kOk) {
    (r.log_status == LogStatus::kNoData ? m.stats.nodata : m.stats.skipdata) += r.flows;
    return;
  }
  // 3. Window on start; a record whose start is unknown cannot be shown to
  // lie inside one, nor be put into a bucket.
  const AggregateConfig& cfg = *m.config;
  if ((cfg.window_start || cfg.window_end || cfg.bucket_s > 0) &&
      ((r.present & kHasStart) == 0 || (cfg.window_start && r.start < *cfg.window_start) ||
       (cfg.window_end && r.start >= *cfg.window_end))) {
    m.stats.outside_window += r.flows;
    return;
  }
  if (cfg.sample) [[unlikely]] {
    int64_t end = (r.present & kHasEnd) != 0 ? r.end : r.start;
    if (cfg.window_end && end > *cfg.window_end) end = *cfg.window_end;
    if (!span_touches_sample(r.start, end, *cfg.sample)) {
      m.stats.outside_window += r.flows;
      return;
    }
  }
  // An unknown address: no pair to count the record for.
  if ((r.present & (kHasSrcAddr | kHasDstAddr)) != (kHasSrcAddr | kHasDstAddr)) [[unlikely]] {
    m.stats.unknown_address += r.flows;
    return;
  }
  // 4. EFS filter; decides which end is the server.
  bool server_is_dst;
  if (!m.server_ips.empty()) {
    const bool src_is = m.is_server_ip(r.src);
    const bool dst_is = m.is_server_ip(r.dst);
    if (!src_is && !dst_is) {
      m.stats.not_efs += r.flows;
      return;
    }
    if (src_is && dst_is) {
      server_is_dst = !(r.src_port == kNfsPort && r.dst_port != kNfsPort);
    } else {
      server_is_dst = dst_is;
    }
  } else {
    // One branch (nearly always taken the same way), not one per port.
    const bool dst_nfs = r.dst_port == kNfsPort;
    const bool src_nfs = r.src_port == kNfsPort;
    if ((r.protocol != 6) | !(dst_nfs | src_nfs)) {
      m.stats.not_efs += r.flows;
      return;
    }
    server_is_dst = dst_nfs;
  }
  // 5. Once per flow: collected here, decided in finish().
  if (!r.interface_id.empty()) {
    const TripleKey key{pick(server_is_dst, r.src, r.dst), pick(server_is_dst, r.dst, r.src),
                        m.eni_words(r.interface_id)};
    if (Impl::Pending* last = m.last_pending(); last != nullptr && last->key == key) {
      add_record(&last->sums, r, server_is_dst);
      if (cfg.bucket_s > 0) m.add_series(last, r, server_is_dst);
      return;
    }
    Impl::Pending& p = m.next_pending();
    p.key = key;
    p.hash = hash_of(p.key);
    p.candidate = nullptr;
    m.triples.prefetch_slot(p.hash);
    p.sums = Sums{};
    p.nparts = 0;
    // The parts before the sums: add_record is a call, after which the
    // part count just set to 0 would have to be read back and tested.
    if (cfg.bucket_s > 0) m.add_series(&p, r, server_is_dst);
    add_record(&p.sums, r, server_is_dst);
    m.pending_added();
  } else {
    const auto known = [&](uint32_t bit, int64_t value, int64_t unknown) {
      return (r.present & bit) != 0 ? value : unknown;
    };
    m.observations.add(Observation{
        r.src, r.dst, known(kHasPackets, r.packets, -1), known(kHasBytes, r.bytes, -1),
        known(kHasStart, r.start, INT64_MIN), known(kHasEnd, r.end, INT64_MAX), r.flows, order,
        r.present, r.src_port, r.dst_port, r.protocol, r.action == Action::kReject, server_is_dst});
  }
}

void Aggregator::merge(Aggregator&& other) {
  Impl& m = *impl_;
  Impl& o = *other.impl_;
  m.flush();
  o.flush();
  m.series.flush();
  o.series.flush();
  // `o`'s cells stay where they are: its slabs become this one's.
  m.series.arena()->adopt(std::move(*o.series.arena()));
  m.stats += o.stats;
  o.triples.for_each([&](TripleTable::Entry& e) {
    TripleKey k = e.key;
    uint64_t hash = e.hash;
    if (k.eni.len == EniWords::kLongId) {
      // Numbered per aggregator: renumber in this one.
      k.eni = m.eni_words(o.long_enis[k.eni.w[0]]);
      hash = hash_of(k);
    }
    TripleTable::Entry& into = m.triples.find_or_insert(k, hash);
    into.sums.merge(e.sums);
    if (m.config->bucket_s > 0) {
      m.series.builder(into.number)
          .merge(m.series.arena(), std::move(o.series.builder(e.number)), /*same_arena=*/true);
    }
  });
  m.observations.merge(std::move(o.observations));
  other.impl_ = std::make_unique<Impl>(o.config);
}

Status Aggregator::status() const { return status_; }

const std::vector<std::string>& Aggregator::warnings() const { return warnings_; }

std::vector<PairTotals> Aggregator::finish(FlowStats* stats) {
  Impl& m = *impl_;
  m.flush();
  m.series.flush();
  // Every entry's builder exists before pointers to them are taken.
  m.series.reserve(m.triples.size());
  struct PairSums {
    Sums sums;
    SeriesBuilder series;
  };
  std::map<PairKey, PairSums> pairs;

  // Interface-id rule: group (client, server, ENI) by pair, pick one ENI.
  // ENIs are numbered here, in one pass, so the rest works on small ints.
  struct Entry {
    const TripleKey* key;
    const Sums* sums;
    SeriesBuilder* series;  // moved out when chosen
    uint32_t eni;
  };
  std::vector<Entry> entries;
  entries.reserve(m.triples.size());
  std::vector<std::string> eni_names;
  {
    struct WordsHash {
      size_t operator()(const EniWords& e) const {
        return static_cast<size_t>(mix(e.w[0] ^ mix(e.w[1] ^ mix(e.w[2] + e.len))));
      }
    };
    std::unordered_map<EniWords, uint32_t, WordsHash> numbers;
    m.triples.for_each([&](TripleTable::Entry& e) {
      auto [it, added] = numbers.try_emplace(e.key.eni, static_cast<uint32_t>(eni_names.size()));
      if (added) eni_names.push_back(m.eni_name(e.key.eni));
      entries.push_back({&e.key, &e.sums, &m.series.builder(e.number), it->second});
    });
  }
  // own(e, family) from the triples: a record's address set is {client,
  // server} of its triple, so intersecting over triples equals intersecting
  // over records. One set per address family: a dual-stack mount target's
  // ENI has an IPv4 and an IPv6 own address, and no address is common to
  // all its records.
  std::vector<OwnSet> own(eni_names.size() * 2);
  auto own_of = [&](uint32_t eni, const IpAddress& any_end) -> OwnSet& {
    return own[eni * 2 + (any_end.is_v4() ? 0 : 1)];
  };
  for (const Entry& e : entries) own_of(e.eni, e.key->client).observe(e.key->client, e.key->server);
  std::sort(entries.begin(), entries.end(), [&](const Entry& x, const Entry& y) {
    if (x.key->client != y.key->client) return x.key->client < y.key->client;
    if (x.key->server != y.key->server) return x.key->server < y.key->server;
    return eni_names[x.eni] < eni_names[y.eni];
  });
  std::vector<std::string> known = m.config->server_enis;
  std::sort(known.begin(), known.end());
  auto is_known = [&](uint32_t eni) {
    return std::binary_search(known.begin(), known.end(), eni_names[eni]);
  };
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    while (j < entries.size() && entries[j].key->client == entries[i].key->client &&
           entries[j].key->server == entries[i].key->server) {
      ++j;
    }
    // Entries [i, j) are one pair, sorted by interface-id: the first match
    // of each rule is the smallest id.
    const IpAddress& client = entries[i].key->client;
    const IpAddress& server = entries[i].key->server;
    size_t chosen = j;
    for (size_t k = i; k < j && chosen == j; ++k) {
      if (is_known(entries[k].eni)) chosen = k;
    }
    for (size_t k = i; k < j && chosen == j; ++k) {
      if (own_of(entries[k].eni, server).is_only(server)) chosen = k;
    }
    for (size_t k = i; k < j && chosen == j; ++k) {
      if (own_of(entries[k].eni, server).is_only(client)) chosen = k;
    }
    if (chosen == j) chosen = i;
    for (size_t k = i; k < j; ++k) {
      if (k == chosen) {
        m.stats.used += entries[k].sums->records();
        PairSums& p = pairs[PairKey{client, server}];
        p.sums.merge(*entries[k].sums);
        // Most pairs have one chosen entry: its cells are taken, not copied.
        if (p.series.empty()) {
          p.series = std::move(*entries[k].series);
        } else {
          p.series.merge(m.series.arena(), std::move(*entries[k].series), /*same_arena=*/true);
        }
      } else {
        m.stats.duplicates += entries[k].sums->records();
      }
    }
    i = j;
  }

  // 5-tuple overlap rule: within one flow key, sorted by (start, end, input
  // order), keep a record unless it overlaps one already kept.
  // The records come in flow order; a group is a run of equal flow keys.
  std::vector<Observation> kept;
  int64_t max_kept_end = INT64_MIN;
  auto decide = [&](const Observation& o) {
    if (kept.empty() || o.flow_key() != kept.front().flow_key()) {
      kept.clear();
      max_kept_end = INT64_MIN;
    }
    bool overlaps;
    if (o.start <= o.end) {
      // Every kept record starts no later than o, so it overlaps o exactly
      // when it ends at or after o's start.
      overlaps = !kept.empty() && max_kept_end >= o.start;
    } else {
      overlaps = std::any_of(kept.begin(), kept.end(), [&](const Observation& q) {
        return q.start <= o.end && o.start <= q.end;
      });
    }
    if (overlaps) {
      m.stats.duplicates += o.flows;
      return;
    }
    kept.push_back(o);
    max_kept_end = std::max(max_kept_end, o.end);
    m.stats.used += o.flows;
    FlowRecord r;
    r.present = o.present;
    r.bytes = (o.present & kHasBytes) != 0 ? o.bytes : 0;
    r.packets = (o.present & kHasPackets) != 0 ? o.packets : 0;
    r.start = o.start;
    r.end = o.end;
    r.flows = o.flows;
    r.action = o.reject ? Action::kReject : Action::kAccept;
    const PairKey key{o.server_is_dst ? o.src : o.dst, o.server_is_dst ? o.dst : o.src};
    PairSums& p = pairs[key];
    add_record(&p.sums, r, o.server_is_dst);
    if (m.config->bucket_s > 0) {
      SeriesOut out{&p.series, m.series.arena()};
      add_parts(&out, r, o.server_is_dst, *m.config, &m.memo);
    }
  };
  if (!m.observations.spill_error().empty()) {
    warnings_.push_back("could not write the overlap rule's temporary files in " +
                        ObservationStore::temp_dir() + " (" + m.observations.spill_error() +
                        "): " + std::to_string(m.observations.size_in_memory()) +
                        " records without interface-id were kept in memory instead, so memory "
                        "grew with the input; free space there or set TMPDIR");
  }
  if (!m.observations.visit(decide)) {
    status_ = io_error("could not read back the overlap rule's temporary files (in " +
                       ObservationStore::temp_dir() +
                       "): the totals would be incomplete; free space there or set TMPDIR");
  }

  std::vector<PairTotals> out;
  out.reserve(pairs.size());
  for (auto& [key, ps] : pairs) {
    const Sums& s = ps.sums;
    PairTotals t;
    t.client = key.client;
    t.server = key.server;
    t.bytes_read = s.bytes_read;
    t.bytes_written = s.bytes_written;
    t.packets = s.packets;
    t.flows = s.flows;
    t.rejected = s.rejected;
    t.packets_unknown = s.packets_unknown;
    t.bytes_unknown = s.bytes_unknown;
    m.stats.unknown_bytes += s.bytes_unknown;
    t.first_seen = s.first_seen;
    t.last_seen = s.last_seen;
    t.series = ps.series.take(m.config->bucket_s);
    out.push_back(std::move(t));
  }
  *stats += m.stats;
  impl_ = std::make_unique<Impl>(m.config);
  return out;
}

}  // namespace efstop::flowlog
