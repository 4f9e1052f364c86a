// The Parquet reader's decoding: thrift compact protocol (only the fields a
// flat flow-log file needs; every other field is skipped by its type),
// pages, encodings and codecs. Format reference: the Apache Parquet format
// specification (parquet.thrift, Encodings.md) and the Thrift compact
// protocol specification; Snappy's format_description.txt; ZSTD pages go to
// libzstd (RFC 8878 frames).
#include "flowlog/parquet.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

namespace efstop::flowlog::parquet {

void ColumnValues::reset() {
  is_string = false;
  ints.clear();
  valid.clear();
  index.clear();
  entries.clear();
  pages_used_ = 0;
}

std::string& ColumnValues::next_page() {
  if (pages_used_ == storage_.size()) storage_.emplace_back();
  return storage_[pages_used_++];
}

namespace {

constexpr int kMaxDepth = 16;               // thrift struct/list nesting
constexpr uint64_t kMaxListSize = 1 << 24;  // thrift list elements
constexpr size_t kMaxColumns = 4096;

Status corrupt(std::string_view what, uint64_t offset) {
  return parse_error(std::string("parquet: ").append(what).append(" at offset ") +
                     std::to_string(offset));
}

// Thrift compact types.
enum : uint8_t {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// A cursor over thrift compact bytes. The first error sticks: later reads
// return zeros, so callers check ok() once per struct.
class Thrift {
 public:
  Thrift(std::string_view bytes, uint64_t base)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())),
        begin_(p_),
        end_(p_ + bytes.size()),
        base_(base) {}

  bool ok() const { return error_.ok(); }
  const Status& error() const { return error_; }
  uint64_t offset() const { return base_ + static_cast<uint64_t>(p_ - begin_); }
  size_t consumed() const { return static_cast<size_t>(p_ - begin_); }

  void fail(std::string_view what) {
    if (error_.ok()) error_ = corrupt(what, offset());
    p_ = end_;
  }

  uint8_t byte() {
    if (p_ >= end_) {
      fail("truncated thrift data");
      return 0;
    }
    return *p_++;
  }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = byte();
      if (!ok()) return 0;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("varint longer than 10 bytes");
    return 0;
  }

  int64_t zigzag() {
    const uint64_t v = varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

  int32_t i32() {
    const int64_t v = zigzag();
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      fail("i32 out of range");
      return 0;
    }
    return static_cast<int32_t>(v);
  }

  std::string_view binary() {
    const uint64_t n = varint();
    if (!ok()) return {};
    if (n > static_cast<uint64_t>(end_ - p_)) {
      fail("string longer than its struct");
      return {};
    }
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }

  // Reads a field header; returns false at the struct's STOP. `*id` is the
  // field id (delta or explicit), `*type` its compact type.
  bool field(int16_t* last_id, int16_t* id, uint8_t* type) {
    const uint8_t h = byte();
    if (!ok() || h == kStop) return false;
    *type = h & 0x0f;
    const uint8_t delta = h >> 4;
    if (delta != 0) {
      *id = static_cast<int16_t>(*last_id + delta);
    } else {
      const int64_t v = zigzag();
      if (v < INT16_MIN || v > INT16_MAX) {
        fail("field id out of range");
        return false;
      }
      *id = static_cast<int16_t>(v);
    }
    *last_id = *id;
    return ok();
  }

  // A list header: element count and element type.
  uint64_t list(uint8_t* elem_type) {
    const uint8_t h = byte();
    *elem_type = h & 0x0f;
    uint64_t n = h >> 4;
    if (n == 15) n = varint();
    // Every element takes at least one byte (or none for... no type does).
    if (ok() && (n > kMaxListSize || n > static_cast<uint64_t>(end_ - p_))) {
      fail("list longer than its struct");
      return 0;
    }
    return ok() ? n : 0;
  }

  // Skips a value of `type`, nested at most kMaxDepth deep.
  void skip(uint8_t type, int depth = 0) {
    if (depth > kMaxDepth) {
      fail("thrift nesting deeper than 16");
      return;
    }
    switch (type) {
      case kTrue:
      case kFalse:
        return;  // the value is in the field header
      case kByte:
        byte();
        return;
      case kI16:
      case kI32:
      case kI64:
        varint();
        return;
      case kDouble:
        for (int i = 0; i < 8; ++i) byte();
        return;
      case kBinary:
        binary();
        return;
      case kList:
      case kSet: {
        uint8_t et = 0;
        const uint64_t n = list(&et);
        for (uint64_t i = 0; i < n && ok(); ++i) {
          if (et == kTrue || et == kFalse) {
            byte();  // list booleans take a byte each
          } else {
            skip(et, depth + 1);
          }
        }
        return;
      }
      case kMap: {
        const uint64_t n = varint();
        if (n == 0) return;
        if (n > kMaxListSize || n > static_cast<uint64_t>(end_ - p_)) {
          fail("map longer than its struct");
          return;
        }
        const uint8_t kv = byte();
        for (uint64_t i = 0; i < n && ok(); ++i) {
          skip(kv >> 4, depth + 1);
          skip(kv & 0x0f, depth + 1);
        }
        return;
      }
      case kStruct: {
        int16_t last = 0, id = 0;
        uint8_t t = 0;
        while (field(&last, &id, &t)) skip(t, depth + 1);
        return;
      }
      default:
        fail("unknown thrift type " + std::to_string(type));
    }
  }

  // Reads an integer field of compact type `type` (i16/i32/i64 or byte).
  int64_t integer(uint8_t type) {
    if (type == kI16 || type == kI32 || type == kI64) return zigzag();
    if (type == kByte) return static_cast<int8_t>(byte());
    fail("integer field of another type");
    return 0;
  }

  const uint8_t* p_;
  const uint8_t* begin_;
  const uint8_t* end_;
  uint64_t base_;
  Status error_;
};

struct SchemaElement {
  int32_t type = -1;
  int32_t repetition = 0;  // REQUIRED
  std::string name;
  int32_t num_children = 0;
  bool has_children = false;
};

void read_schema_element(Thrift& t, SchemaElement* e) {
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (t.field(&last, &id, &type)) {
    if (id == 1 && type == kI32) {
      e->type = t.i32();
    } else if (id == 3 && type == kI32) {
      e->repetition = t.i32();
    } else if (id == 4 && type == kBinary) {
      e->name = std::string(t.binary());
    } else if (id == 5 && type == kI32) {
      e->num_children = t.i32();
      e->has_children = true;
    } else {
      t.skip(type, 1);
    }
  }
}

void read_column_meta(Thrift& t, ChunkMeta* m) {
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (t.field(&last, &id, &type)) {
    switch (id) {
      case 1:
        m->type = static_cast<PhysicalType>(t.integer(type));
        break;
      case 4:
        m->codec = static_cast<Codec>(t.integer(type));
        break;
      case 5:
        m->num_values = t.integer(type);
        break;
      case 7:
        m->total_compressed_size = t.integer(type);
        break;
      case 9:
        m->data_page_offset = t.integer(type);
        break;
      case 11:
        m->dictionary_page_offset = t.integer(type);
        break;
      default:
        t.skip(type, 2);
    }
  }
}

void read_column_chunk(Thrift& t, ChunkMeta* m, bool* other_file, bool* has_meta) {
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (t.field(&last, &id, &type)) {
    if (id == 1 && type == kBinary) {
      *other_file = true;
      t.binary();
    } else if (id == 3 && type == kStruct) {
      *has_meta = true;
      read_column_meta(t, m);
    } else {
      t.skip(type, 1);
    }
  }
}

Status read_row_group(Thrift& t, size_t columns, RowGroup* rg) {
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (t.field(&last, &id, &type)) {
    if (id == 1 && type == kList) {
      uint8_t et = 0;
      const uint64_t n = t.list(&et);
      if (!t.ok()) break;
      if (et != kStruct) {
        t.fail("row group columns are not structs");
        break;
      }
      if (n != columns) {
        return corrupt("row group has " + std::to_string(n) + " column chunks for " +
                           std::to_string(columns) + " columns",
                       t.offset());
      }
      rg->chunks.resize(n);
      for (uint64_t i = 0; i < n && t.ok(); ++i) {
        const uint64_t at = t.offset();
        bool other_file = false, has_meta = false;
        read_column_chunk(t, &rg->chunks[i], &other_file, &has_meta);
        if (!t.ok()) break;
        if (other_file) return corrupt("column chunk stored in another file (unsupported)", at);
        if (!has_meta) return corrupt("column chunk without metadata", at);
      }
    } else if (id == 3) {
      rg->num_rows = t.integer(type);
    } else {
      t.skip(type, 1);
    }
  }
  return t.error();
}

// ---- Bit-level decoders ----

// The RLE/bit-packed hybrid encoding (Encodings.md) of values of
// `bit_width` (0..32) bits in [p, end), decoded a few at a time: a run is
// left where a call stops and taken up by the next, so that a page's levels
// and dictionary indices can be read batch by batch.
class Hybrid {
 public:
  Status init(const uint8_t* p, const uint8_t* end, int bit_width, uint64_t offset) {
    p_ = p;
    begin_ = p;
    end_ = end;
    offset_ = offset;
    rle_left_ = 0;
    packed_left_ = 0;
    if (bit_width < 0 || bit_width > 32) return corrupt("bit width over 32", at());
    width_ = bit_width;
    value_bytes_ = (static_cast<size_t>(bit_width) + 7) / 8;
    mask_ = bit_width == 32 ? UINT32_MAX : (uint32_t{1} << bit_width) - 1;
    return Status();
  }

  // The values of the current run, at most `max` (> 0) of them: an RLE run's
  // are consumed here (*packed false, *len values of *value); a bit-packed
  // run's are left for next() (*packed true, *len of them there). So a
  // caller can take a run of equal levels without writing them out.
  Status run(size_t max, size_t* len, bool* packed, uint32_t* value) {
    if (rle_left_ == 0 && packed_left_ == 0) EFSTOP_RETURN_IF_ERROR(header());
    if (rle_left_ > 0) {
      *len = static_cast<size_t>(std::min<uint64_t>(rle_left_, max));
      rle_left_ -= *len;
      *packed = false;
      *value = rle_value_;
    } else {
      *len = static_cast<size_t>(std::min<uint64_t>(packed_left_, max));
      *packed = true;
      *value = 0;
    }
    return Status();
  }

  // The next `count` values into `out`.
  Status next(size_t count, uint32_t* out) {
    size_t n = 0;
    while (n < count) {
      if (rle_left_ > 0) {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(rle_left_, count - n));
        std::fill(out + n, out + n + take, rle_value_);
        rle_left_ -= take;
        n += take;
        continue;
      }
      if (packed_left_ > 0) {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(packed_left_, count - n));
        unpack(take, out + n);
        packed_left_ -= take;
        n += take;
        continue;
      }
      EFSTOP_RETURN_IF_ERROR(header());
    }
    return Status();
  }

 private:
  uint64_t at() const { return offset_ + static_cast<uint64_t>(p_ - begin_); }

  // Reads the next run's header (and an RLE run's value).
  Status header() {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (p_ >= end_) return corrupt("truncated level or index run", at());
      if (shift > 35) return corrupt("run header too long", at());
      header |= static_cast<uint64_t>(*p_ & 0x7f) << shift;
      if ((*p_++ & 0x80) == 0) break;
    }
    if ((header & 1) == 0) {
      if (static_cast<size_t>(end_ - p_) < value_bytes_) return corrupt("truncated RLE run", at());
      uint32_t v = 0;
      for (size_t i = 0; i < value_bytes_; ++i) v |= static_cast<uint32_t>(p_[i]) << (8 * i);
      p_ += value_bytes_;
      rle_value_ = v & mask_;
      rle_left_ = header >> 1;
    } else {
      const uint64_t groups = header >> 1;
      const uint64_t bytes = groups * static_cast<uint64_t>(width_);  // groups of 8 values
      if (groups > (uint64_t{1} << 32) || bytes > static_cast<uint64_t>(end_ - p_)) {
        return corrupt("truncated bit-packed run", at());
      }
      packed_ = p_;
      packed_bytes_ = bytes;
      bitpos_ = 0;
      packed_left_ = groups * 8;
      p_ += bytes;
    }
    return Status();
  }

  // `take` values of the current bit-packed run.
  void unpack(size_t take, uint32_t* out) {
    if (width_ == 0) {
      std::fill(out, out + take, 0u);
      return;
    }
    const uint64_t w = static_cast<uint64_t>(width_);
    uint64_t bitpos = bitpos_;
    size_t i = 0;
    // Fast lane: one unaligned 8-byte load per value while 8 bytes remain in
    // the run (a 32-bit value at any shift spans at most 5 of them).
    if (packed_bytes_ >= 8) {
      const uint64_t lane_end = (packed_bytes_ - 8) * 8;
      for (; i < take && bitpos <= lane_end; ++i) {
        uint64_t v;
        std::memcpy(&v, packed_ + (bitpos >> 3), 8);  // little-endian hosts only
        out[i] = static_cast<uint32_t>(v >> (bitpos & 7)) & mask_;
        bitpos += w;
      }
    }
    for (; i < take; ++i) {
      uint64_t v = 0;
      const size_t byte = static_cast<size_t>(bitpos >> 3);
      const int shift = static_cast<int>(bitpos & 7);
      // Up to 5 bytes hold 32 bits at any shift; stay inside the run.
      const size_t avail = static_cast<size_t>(packed_bytes_) - byte;
      for (size_t k = 0; k < 5 && k < avail; ++k) {
        v |= static_cast<uint64_t>(packed_[byte + k]) << (8 * k);
      }
      out[i] = static_cast<uint32_t>(v >> shift) & mask_;
      bitpos += w;
    }
    bitpos_ = bitpos;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* begin_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t offset_ = 0;
  int width_ = 0;
  size_t value_bytes_ = 0;
  uint32_t mask_ = 0;
  uint64_t rle_left_ = 0;  // values left in the current RLE run
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;  // values left in the current bit-packed run
  const uint8_t* packed_ = nullptr;
  uint64_t packed_bytes_ = 0;
  uint64_t bitpos_ = 0;
};

// Reads unsigned LEB128 from [*p, end).
bool uleb(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return false;
    const uint8_t b = *(*p)++;
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// DELTA_BINARY_PACKED (Encodings.md): decodes `count` values (or all the
// header announces when count is SIZE_MAX) into `out`; advances *p past the
// encoded block.
Status decode_delta(const uint8_t** pp, const uint8_t* end, size_t count, RawVector<int64_t>* out,
                    uint64_t offset) {
  const uint8_t* p = *pp;
  const uint8_t* const begin = p;
  auto at = [&] { return offset + static_cast<uint64_t>(p - begin); };
  uint64_t block = 0, miniblocks = 0, total = 0, zz = 0;
  if (!uleb(&p, end, &block) || !uleb(&p, end, &miniblocks) || !uleb(&p, end, &total) ||
      !uleb(&p, end, &zz)) {
    return corrupt("truncated delta header", at());
  }
  if (block == 0 || block % 128 != 0 || block > 65536 || miniblocks == 0 ||
      block % miniblocks != 0 || (block / miniblocks) % 32 != 0) {
    return corrupt("bad delta block size", at());
  }
  if (count == SIZE_MAX) {
    if (total > static_cast<uint64_t>(end - begin) * 64 + 1) {
      return corrupt("delta value count beyond its page", at());
    }
    count = static_cast<size_t>(total);
  } else if (total < count) {
    return corrupt("delta block holds fewer values than the page", at());
  }
  const uint64_t per_mini = block / miniblocks;
  int64_t value = static_cast<int64_t>(zz >> 1) ^ -static_cast<int64_t>(zz & 1);
  out->clear();
  out->reserve(count);
  if (count > 0) out->push_back(value);
  while (out->size() < total) {
    uint64_t mzz = 0;
    if (!uleb(&p, end, &mzz)) return corrupt("truncated delta block", at());
    const int64_t min_delta = static_cast<int64_t>(mzz >> 1) ^ -static_cast<int64_t>(mzz & 1);
    if (static_cast<uint64_t>(end - p) < miniblocks) return corrupt("truncated delta block", at());
    const uint8_t* widths = p;
    p += miniblocks;
    for (uint64_t m = 0; m < miniblocks && out->size() < total; ++m) {
      const int w = widths[m];
      if (w > 64) return corrupt("delta bit width over 64", at());
      const uint64_t bytes = per_mini * static_cast<uint64_t>(w) / 8;
      if (bytes > static_cast<uint64_t>(end - p)) return corrupt("truncated delta miniblock", at());
      uint64_t bitpos = 0;
      for (uint64_t i = 0; i < per_mini && out->size() < total; ++i) {
        uint64_t d = 0;
        if (w > 0) {
          // Gather w bits starting at bitpos (little-endian bit order).
          for (int got = 0; got < w;) {
            const uint64_t byte = (bitpos + static_cast<uint64_t>(got)) >> 3;
            const int shift = static_cast<int>((bitpos + static_cast<uint64_t>(got)) & 7);
            const int take = std::min(8 - shift, w - got);
            const uint64_t bits = (static_cast<uint64_t>(p[byte]) >> shift) & ((1u << take) - 1);
            d |= bits << got;
            got += take;
          }
        }
        bitpos += static_cast<uint64_t>(w);
        // Wrapping arithmetic, as the format defines it.
        value = static_cast<int64_t>(static_cast<uint64_t>(value) +
                                     static_cast<uint64_t>(min_delta) + d);
        out->push_back(value);
      }
      p += bytes;
    }
  }
  out->resize(std::min(out->size(), count));
  *pp = p;
  return Status();
}

}  // namespace

// ---- Decompression ----

// Sizes a reused page buffer to n bytes. A buffer that must grow is emptied
// first (growing a string copies what it held) and gets 1/8 more than asked:
// the same column's page in the next row group is about as large, and a
// fresh allocation costs page faults and zero-filling (docs/PERFORMANCE.md).
static void size_for_page(std::string* out, size_t n) {
  if (out->capacity() < n) {
    out->clear();
    out->reserve(n + n / 8);
  }
  out->resize(n);
}

static Status inflate_gzip(std::string_view in, size_t expected, std::string* out,
                           const std::string& where, uint64_t offset) {
  size_for_page(out, expected);
  inflate_state state;
  isal_inflate_init(&state);
  const auto* b = reinterpret_cast<const uint8_t*>(in.data());
  if (in.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
    state.crc_flag = ISAL_GZIP;
  } else if (in.size() >= 2 && (b[0] & 0x0f) == 8 && ((b[0] << 8) | b[1]) % 31 == 0) {
    state.crc_flag = ISAL_ZLIB;
  } else {
    state.crc_flag = ISAL_DEFLATE;
  }
  state.next_in = const_cast<uint8_t*>(b);
  state.avail_in = static_cast<uint32_t>(in.size());
  state.next_out = reinterpret_cast<uint8_t*>(out->data());
  state.avail_out = static_cast<uint32_t>(expected);
  const int ret = isal_inflate(&state);
  if (ret != ISAL_DECOMP_OK) return corrupt(where + "corrupt gzip page", offset);
  if (state.block_state != ISAL_BLOCK_FINISH && state.avail_out == 0 && state.avail_in > 0) {
    return corrupt(where + "gzip page larger than its header says", offset);
  }
  if (state.avail_out != 0)
    return corrupt(where + "gzip page shorter than its header says", offset);
  return Status();
}

// One or more Zstandard frames into exactly `expected` bytes (the page
// header's uncompressed size): libzstd never writes past the buffer given, so
// a frame that claims (or holds) more fails instead of growing memory.
static Status zstd_decompress(std::string_view in, size_t expected, std::string* out,
                              const std::string& where, uint64_t offset) {
  // One context per thread, reused across pages (creating one costs ~100 KiB
  // of allocations); a failed call leaves it reusable.
  struct Free {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, Free> ctx(ZSTD_createDCtx());
  if (!ctx) return corrupt("out of memory for a ZSTD page", offset);
  size_for_page(out, expected);
  const size_t n = ZSTD_decompressDCtx(ctx.get(), out->data(), expected, in.data(), in.size());
  if (ZSTD_isError(n)) {
    if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
      return corrupt(where + "ZSTD page larger than its header says", offset);
    }
    return corrupt(where + "corrupt ZSTD page (" + ZSTD_getErrorName(n) + ")", offset);
  }
  if (n != expected) return corrupt(where + "ZSTD page shorter than its header says", offset);
  return Status();
}

Status decompress(Codec codec, const std::string& column, std::string_view in, size_t expected,
                  std::string* out, uint64_t offset) {
  const std::string where = "column " + column + ": ";
  switch (codec) {
    case Codec::kUncompressed:
      if (in.size() != expected) return corrupt(where + "page size mismatch", offset);
      out->assign(in);
      return Status();
    case Codec::kGzip:
      return inflate_gzip(in, expected, out, where, offset);
    case Codec::kSnappy: {
      Status st = snappy_decompress(in, expected, out);
      if (!st.ok()) return corrupt(where + st.message(), offset);
      return Status();
    }
    case Codec::kZstd:
      return zstd_decompress(in, expected, out, where, offset);
    default:
      return corrupt(where + "compression codec " + std::string(codec_name(codec)) +
                         " is not supported (UNCOMPRESSED, GZIP, SNAPPY, ZSTD are)",
                     offset);
  }
}

namespace {

// ---- Pages ----

enum PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };
enum Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
};

struct PageHeader {
  int32_t type = -1;
  int32_t uncompressed = -1;
  int32_t compressed = -1;
  int32_t num_values = -1;
  int32_t encoding = -1;
  int32_t def_encoding = kRle;
  int32_t num_nulls = 0;
  int32_t def_bytes = 0;  // v2
  int32_t rep_bytes = 0;  // v2
  bool v2_compressed = true;
};

void read_sub_header(Thrift& t, PageHeader* h, int16_t which) {
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (t.field(&last, &id, &type)) {
    if (type == kTrue || type == kFalse) {
      if (which == 8 && id == 7) h->v2_compressed = type == kTrue;
      continue;
    }
    if (type != kI32) {
      t.skip(type, 2);
      continue;
    }
    const int32_t v = t.i32();
    if (which == 5) {  // DataPageHeader
      if (id == 1) h->num_values = v;
      if (id == 2) h->encoding = v;
      if (id == 3) h->def_encoding = v;
    } else if (which == 7) {  // DictionaryPageHeader
      if (id == 1) h->num_values = v;
      if (id == 2) h->encoding = v;
    } else {  // DataPageHeaderV2
      if (id == 1) h->num_values = v;
      if (id == 2) h->num_nulls = v;
      if (id == 4) h->encoding = v;
      if (id == 5) h->def_bytes = v;
      if (id == 6) h->rep_bytes = v;
    }
  }
}

void read_page_header(Thrift& t, PageHeader* h) {
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (t.field(&last, &id, &type)) {
    if (id >= 1 && id <= 3 && type == kI32) {
      const int32_t v = t.i32();
      if (id == 1) h->type = v;
      if (id == 2) h->uncompressed = v;
      if (id == 3) h->compressed = v;
    } else if ((id == 5 || id == 7 || id == 8) && type == kStruct) {
      read_sub_header(t, h, id);
    } else {
      t.skip(type, 1);
    }
  }
}

}  // namespace

// The decoder state for one chunk: the page being read and where its levels
// and values stand, so that rows come out a batch at a time.
class ChunkReader::Impl {
 public:
  Status start(std::string_view bytes, uint64_t offset, const ChunkMeta& meta, const Column& column,
               int64_t rows, ColumnValues* out) {
    out->reset();
    bytes_ = bytes;
    offset_ = offset;
    meta_ = &meta;
    column_ = &column;
    out_ = out;
    rows_ = 0;
    done_ = 0;
    paged_ = 0;
    pos_ = 0;
    page_left_ = 0;
    have_dict_ = false;
    dict_size_ = 0;
    dict_base_ = 0;
    if (rows < 0 || rows > (int64_t{1} << 31)) return corrupt("bad row count", offset);
    if (meta.type != column.type) {
      return corrupt("column " + column.name + ": chunk type differs from the schema", offset);
    }
    out_->is_string = column.type == PhysicalType::kByteArray;
    if (!out_->is_string && column.type != PhysicalType::kInt32 &&
        column.type != PhysicalType::kInt64) {
      return corrupt("column " + column.name + " has an unsupported physical type " +
                         std::to_string(static_cast<int>(column.type)),
                     offset);
    }
    rows_ = static_cast<size_t>(rows);
    return Status();
  }

  size_t rows_left() const { return rows_ - done_; }

  Status next(size_t n) {
    if (n > rows_left())
      return corrupt("column " + column_->name + ": rows asked past the chunk", offset_);
    if (out_->is_string) {
      out_->index.resize(n);
    } else {
      out_->ints.resize(n);
      out_->valid.resize(n);
    }
    size_t at = 0;
    while (at < n) {
      if (page_left_ == 0) {
        EFSTOP_RETURN_IF_ERROR(next_page());
        continue;
      }
      const size_t m = std::min(n - at, page_left_);
      if (!column_->optional) {
        EFSTOP_RETURN_IF_ERROR(take(m, m, at));
      } else {
        // Run by run of the levels: a run of equal levels (a column with
        // few NULLs is mostly one) is taken whole, without writing them out.
        for (size_t got = 0; got < m;) {
          size_t len = 0;
          bool packed = false;
          uint32_t level = 0;
          EFSTOP_RETURN_IF_ERROR(levels_cursor_.run(m - got, &len, &packed, &level));
          if (len == 0) continue;
          size_t k = level != 0 ? len : 0;
          if (packed) {
            levels_.resize(len);
            EFSTOP_RETURN_IF_ERROR(levels_cursor_.next(len, levels_.data()));
            k = 0;
            for (size_t i = 0; i < len; ++i) k += levels_[i] != 0;
          }
          EFSTOP_RETURN_IF_ERROR(take(len, k, at + got));
          got += len;
        }
      }
      page_left_ -= m;
      at += m;
    }
    done_ += n;
    return Status();
  }

 private:
  // How each page's values are read (set up by values()).
  enum class Mode {
    kDictionary,  // indices (RLE/bit-packed) into the dictionary
    kPlainInt32,  // little-endian values read in place
    kPlainInt64,
    kPageInts,    // the page's values decoded whole into page_ints_ (DELTA)
    kPageEntries  // the page's strings appended to entries whole (PLAIN, DELTA)
  };

  // Reads page headers up to the next data page and sets it up (levels and
  // values cursors); dictionary pages are read on the way, index pages
  // skipped. Fails when the chunk ends before its rows.
  Status next_page() {
    while (true) {
      if (pos_ >= bytes_.size()) {
        return corrupt("column " + column_->name + " ends after " + std::to_string(paged_) +
                           " of " + std::to_string(rows_) + " values",
                       offset_ + pos_);
      }
      Thrift t(bytes_.substr(pos_), offset_ + pos_);
      PageHeader h;
      read_page_header(t, &h);
      if (!t.ok()) return t.error();
      const uint64_t page_at = offset_ + pos_ + t.consumed();
      pos_ += t.consumed();
      if (h.compressed < 0 || h.uncompressed < 0 ||
          static_cast<uint64_t>(h.uncompressed) > kMaxPageBytes) {
        return corrupt("bad page sizes", page_at);
      }
      if (static_cast<size_t>(h.compressed) > bytes_.size() - pos_) {
        return corrupt("page runs past its column chunk", page_at);
      }
      std::string_view body = bytes_.substr(pos_, static_cast<size_t>(h.compressed));
      pos_ += static_cast<size_t>(h.compressed);
      if (h.type == kDictionaryPage) {
        EFSTOP_RETURN_IF_ERROR(dictionary_page(h, body, page_at));
      } else if (h.type == kDataPage) {
        return data_page_v1(h, body, page_at);
      } else if (h.type == kDataPageV2) {
        return data_page_v2(h, body, page_at);
      } else if (h.type != kIndexPage) {
        return corrupt("unknown page type " + std::to_string(h.type), page_at);
      }
    }
  }

  // A page body decompressed, or the body itself when the chunk is
  // UNCOMPRESSED (read in place: bytes_ outlives the chunk's reading).
  Status page_data(std::string_view body, size_t expected, uint64_t at, std::string_view* data) {
    if (meta_->codec == Codec::kUncompressed) {
      if (body.size() != expected) {
        return corrupt("column " + column_->name + ": page size mismatch", at);
      }
      *data = body;
      return Status();
    }
    std::string& buf = out_->next_page();
    EFSTOP_RETURN_IF_ERROR(decompress(meta_->codec, column_->name, body, expected, &buf, at));
    *data = buf;
    return Status();
  }

  Status dictionary_page(const PageHeader& h, std::string_view body, uint64_t at) {
    if (have_dict_) return corrupt("second dictionary page", at);
    if (h.encoding != kPlain && h.encoding != kPlainDictionary) {
      return corrupt("dictionary encoding " + std::to_string(h.encoding), at);
    }
    if (h.num_values < 0) return corrupt("bad dictionary size", at);
    std::string_view data;
    EFSTOP_RETURN_IF_ERROR(page_data(body, static_cast<size_t>(h.uncompressed), at, &data));
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    const auto* end = p + data.size();
    const size_t n = static_cast<size_t>(h.num_values);
    if (out_->is_string) {
      dict_base_ = out_->entries.size();
      EFSTOP_RETURN_IF_ERROR(plain_strings(&p, end, n, at));
    } else {
      dict_ints_.clear();
      EFSTOP_RETURN_IF_ERROR(plain_ints(&p, end, n, &dict_ints_, at));
    }
    dict_size_ = n;
    have_dict_ = true;
    return Status();
  }

  Status data_page_v1(const PageHeader& h, std::string_view body, uint64_t at) {
    if (h.num_values < 0) return corrupt("bad value count", at);
    std::string_view data;
    EFSTOP_RETURN_IF_ERROR(page_data(body, static_cast<size_t>(h.uncompressed), at, &data));
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    const auto* end = p + data.size();
    const size_t n = static_cast<size_t>(h.num_values);
    if (n > rows_ - paged_) return corrupt("page holds more values than the row group", at);
    if (column_->optional) {
      if (h.def_encoding != kRle) {
        return corrupt("definition levels not RLE-encoded (" + std::to_string(h.def_encoding) + ")",
                       at);
      }
      if (end - p < 4) return corrupt("truncated definition levels", at);
      uint32_t len = 0;
      std::memcpy(&len, p, 4);  // little-endian hosts only (x86-64, arm64)
      p += 4;
      if (len > static_cast<uint64_t>(end - p)) return corrupt("truncated definition levels", at);
      EFSTOP_RETURN_IF_ERROR(levels_cursor_.init(p, p + len, 1, at));
      p += len;
    }
    return values(h.encoding, p, end, n, at);
  }

  Status data_page_v2(const PageHeader& h, std::string_view body, uint64_t at) {
    if (h.num_values < 0 || h.def_bytes < 0 || h.rep_bytes != 0 ||
        static_cast<size_t>(h.def_bytes) > body.size()) {
      return corrupt("bad v2 page levels", at);
    }
    const size_t n = static_cast<size_t>(h.num_values);
    if (n > rows_ - paged_) return corrupt("page holds more values than the row group", at);
    const auto* lp = reinterpret_cast<const uint8_t*>(body.data());
    if (column_->optional) {
      EFSTOP_RETURN_IF_ERROR(levels_cursor_.init(lp, lp + h.def_bytes, 1, at));
    }
    std::string_view rest = body.substr(static_cast<size_t>(h.def_bytes));
    const int64_t rest_size = static_cast<int64_t>(h.uncompressed) - h.def_bytes;
    if (rest_size < 0) return corrupt("bad v2 page sizes", at);
    std::string_view data = rest;  // v2 values may be stored uncompressed: read in place
    if (h.v2_compressed) {
      EFSTOP_RETURN_IF_ERROR(page_data(rest, static_cast<size_t>(rest_size), at, &data));
    }
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    return values(h.encoding, p, p + data.size(), n, at);
  }

  // How many of the page's n slots hold a value (definition level 1), for
  // the encodings read whole: the levels are decoded once for the count and
  // again batch by batch (a copy of the cursor).
  Status defined(size_t n, size_t* k) {
    if (!column_->optional) {
      *k = n;
      return Status();
    }
    Hybrid count = levels_cursor_;
    levels_.resize(n);
    EFSTOP_RETURN_IF_ERROR(count.next(n, levels_.data()));
    *k = 0;
    for (size_t i = 0; i < n; ++i) *k += levels_[i] != 0;
    return Status();
  }

  // Sets up the values of a data page of n slots: [p, end) after its levels.
  Status values(int32_t encoding, const uint8_t* p, const uint8_t* end, size_t n, uint64_t at) {
    page_at_ = at;
    paged_ += n;
    page_left_ = n;
    if (encoding == kPlainDictionary || encoding == kRleDictionary) {
      if (!have_dict_) return corrupt("dictionary-encoded page without a dictionary", at);
      mode_ = Mode::kDictionary;
      // A page of NULLs only may hold no index bytes at all (not even the width).
      ids_missing_ = p >= end;
      if (!ids_missing_) {
        const int width = *p++;
        EFSTOP_RETURN_IF_ERROR(ids_cursor_.init(p, end, width, at));
      }
      return Status();
    }
    if (out_->is_string) {
      size_t k = 0;
      EFSTOP_RETURN_IF_ERROR(defined(n, &k));
      next_entry_ = out_->entries.size();
      mode_ = Mode::kPageEntries;
      if (encoding == kPlain) return plain_strings(&p, end, k, at);
      if (encoding == kDeltaLengthByteArray) return delta_length_strings(&p, end, k, at);
      if (encoding == kDeltaByteArray) return delta_strings(&p, end, k, at);
      return unsupported_encoding(encoding, at);
    }
    if (encoding == kPlain) {
      mode_ = column_->type == PhysicalType::kInt32 ? Mode::kPlainInt32 : Mode::kPlainInt64;
      plain_p_ = p;
      plain_end_ = end;
      return Status();
    }
    if (encoding == kDeltaBinaryPacked) {
      size_t k = 0;
      EFSTOP_RETURN_IF_ERROR(defined(n, &k));
      mode_ = Mode::kPageInts;
      page_int_next_ = 0;
      return decode_delta(&p, end, k, &page_ints_, at);
    }
    return unsupported_encoding(encoding, at);
  }

  Status unsupported_encoding(int32_t encoding, uint64_t at) {
    return corrupt("column " + column_->name + ": value encoding " + std::to_string(encoding) +
                       " is not supported",
                   at);
  }

  // The current page's next m rows, k of them defined, into the batch at row
  // `at`; when 0 < k < m, levels_ holds their m levels.
  Status take(size_t m, size_t k, size_t at) {
    if (k == 0) {  // every row NULL: no value is read
      if (out_->is_string) {
        std::fill(out_->index.data() + at, out_->index.data() + at + m, ColumnValues::kNull);
      } else {
        std::fill(out_->ints.data() + at, out_->ints.data() + at + m, int64_t{0});
        std::memset(out_->valid.data() + at, 0, m);
      }
      return Status();
    }
    switch (mode_) {
      case Mode::kDictionary: {
        if (ids_missing_) return corrupt("truncated dictionary indices", page_at_);
        // Without NULLs the indices are decoded straight into the batch.
        uint32_t* ids = k == m && out_->is_string ? out_->index.data() + at : nullptr;
        if (ids == nullptr) {
          ids_.resize(k);
          ids = ids_.data();
        }
        EFSTOP_RETURN_IF_ERROR(ids_cursor_.next(k, ids));
        uint32_t top = 0;
        for (size_t i = 0; i < k; ++i) top = std::max(top, ids[i]);
        if (top >= dict_size_) return corrupt("dictionary index out of range", page_at_);
        if (out_->is_string) {
          const auto base = static_cast<uint32_t>(dict_base_);
          for (size_t i = 0; i < k; ++i) ids[i] += base;
          if (k != m) spread(ids, m, k, ColumnValues::kNull, out_->index.data() + at, nullptr);
        } else if (k == m) {
          const int64_t* dict = dict_ints_.data();
          int64_t* o = out_->ints.data() + at;
          for (size_t i = 0; i < k; ++i) o[i] = dict[ids[i]];
          std::memset(out_->valid.data() + at, 1, m);
        } else {
          tmp_ints_.resize(k);
          const int64_t* dict = dict_ints_.data();
          for (size_t i = 0; i < k; ++i) tmp_ints_[i] = dict[ids[i]];
          spread(tmp_ints_.data(), m, k, int64_t{0}, out_->ints.data() + at,
                 out_->valid.data() + at);
        }
        return Status();
      }
      case Mode::kPlainInt32:
      case Mode::kPlainInt64: {
        const size_t width = mode_ == Mode::kPlainInt32 ? 4 : 8;
        if (static_cast<size_t>(plain_end_ - plain_p_) / width < k) {
          return corrupt("truncated plain values", page_at_);
        }
        // Without NULLs the values are read straight into the batch.
        int64_t* o = out_->ints.data() + at;
        if (k != m) {
          tmp_ints_.resize(k);
          o = tmp_ints_.data();
        }
        if (width == 4) {
          for (size_t i = 0; i < k; ++i) {
            int32_t v;
            std::memcpy(&v, plain_p_ + 4 * i, 4);
            o[i] = v;
          }
        } else {
          std::memcpy(o, plain_p_, 8 * k);
        }
        plain_p_ += width * k;
        if (k == m) {
          std::memset(out_->valid.data() + at, 1, m);
        } else {
          spread(tmp_ints_.data(), m, k, int64_t{0}, out_->ints.data() + at,
                 out_->valid.data() + at);
        }
        return Status();
      }
      case Mode::kPageInts:
        if (page_ints_.size() - page_int_next_ < k) {
          return corrupt("delta block holds fewer values than the page", page_at_);
        }
        spread(page_ints_.data() + page_int_next_, m, k, int64_t{0}, out_->ints.data() + at,
               out_->valid.data() + at);
        page_int_next_ += k;
        return Status();
      case Mode::kPageEntries: {
        if (out_->entries.size() - next_entry_ < k) {
          return corrupt("page holds fewer strings than its levels say", page_at_);
        }
        ids_.resize(k);
        for (size_t i = 0; i < k; ++i) ids_[i] = static_cast<uint32_t>(next_entry_ + i);
        next_entry_ += k;
        spread(ids_.data(), m, k, ColumnValues::kNull, out_->index.data() + at, nullptr);
        return Status();
      }
    }
    return Status();
  }

  // Writes m rows to `o` (and their flags to `valid` for integers) from the
  // k values in `src`, one per defined level, `null` where the level says
  // NULL. One path for strings (indices) and integers.
  template <typename T>
  void spread(const T* src, size_t m, size_t k, T null, T* o, uint8_t* valid) {
    if (k == m) {  // REQUIRED, or OPTIONAL without a NULL in these rows
      std::copy(src, src + m, o);
      if (valid != nullptr) std::memset(valid, 1, m);
      return;
    }
    size_t j = 0;
    for (size_t i = 0; i < m; ++i) {
      const bool d = levels_[i] != 0;
      o[i] = d ? src[j] : null;
      if (valid != nullptr) valid[i] = d;
      j += d;
    }
  }

  Status plain_ints(const uint8_t** pp, const uint8_t* end, size_t n, RawVector<int64_t>* out,
                    uint64_t at) {
    const size_t width = column_->type == PhysicalType::kInt32 ? 4 : 8;
    if (static_cast<size_t>(end - *pp) / width < n) return corrupt("truncated plain values", at);
    out->resize(n);
    const uint8_t* p = *pp;
    if (width == 4) {
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        (*out)[i] = v;
      }
    } else if (n > 0) {  // an empty vector's data() may be null, which memcpy must not get
      std::memcpy(out->data(), p, 8 * n);
    }
    *pp = p + width * n;
    return Status();
  }

  Status plain_strings(const uint8_t** pp, const uint8_t* end, size_t n, uint64_t at) {
    const uint8_t* p = *pp;
    if (n > static_cast<size_t>(end - p) / 4) return corrupt("truncated plain strings", at);
    out_->entries.reserve(out_->entries.size() + n);
    for (size_t i = 0; i < n; ++i) {
      if (end - p < 4) return corrupt("truncated plain string", at);
      uint32_t len;
      std::memcpy(&len, p, 4);
      p += 4;
      if (len > static_cast<size_t>(end - p)) return corrupt("truncated plain string", at);
      out_->entries.emplace_back(reinterpret_cast<const char*>(p), len);
      p += len;
    }
    *pp = p;
    return Status();
  }

  Status delta_length_strings(const uint8_t** pp, const uint8_t* end, size_t n, uint64_t at) {
    RawVector<int64_t>& lengths = page_ints_;
    EFSTOP_RETURN_IF_ERROR(decode_delta(pp, end, n, &lengths, at));
    const uint8_t* p = *pp;
    for (int64_t len : lengths) {
      if (len < 0 || static_cast<uint64_t>(len) > static_cast<uint64_t>(end - p)) {
        return corrupt("truncated delta-length string", at);
      }
      out_->entries.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
      p += len;
    }
    *pp = p;
    return Status();
  }

  // DELTA_BYTE_ARRAY: prefix lengths, then suffixes (DELTA_LENGTH_BYTE_ARRAY);
  // value i = value i-1's first prefix[i] bytes + suffix i. The values are
  // rebuilt into a buffer of their own.
  Status delta_strings(const uint8_t** pp, const uint8_t* end, size_t n, uint64_t at) {
    RawVector<int64_t> prefixes, suffixes;
    EFSTOP_RETURN_IF_ERROR(decode_delta(pp, end, n, &prefixes, at));
    EFSTOP_RETURN_IF_ERROR(decode_delta(pp, end, n, &suffixes, at));
    const uint8_t* p = *pp;
    uint64_t total = 0;
    size_t prev = 0;
    for (size_t i = 0; i < n; ++i) {
      const int64_t pre = prefixes[i], suf = suffixes[i];
      if (pre < 0 || suf < 0 || static_cast<uint64_t>(pre) > prev ||
          static_cast<uint64_t>(suf) > static_cast<uint64_t>(end - p)) {
        return corrupt("bad delta string lengths", at);
      }
      prev = static_cast<size_t>(pre + suf);
      total += prev;
      if (total > kMaxPageBytes) return corrupt("delta strings too long", at);
      p += suf;
    }
    std::string& buf = out_->next_page();
    buf.clear();
    buf.reserve(static_cast<size_t>(total));
    p = *pp;
    size_t prev_at = 0, prev_len = 0;
    std::vector<std::pair<size_t, size_t>> spans;
    spans.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const size_t pre = static_cast<size_t>(prefixes[i]);
      const size_t suf = static_cast<size_t>(suffixes[i]);
      const size_t at_now = buf.size();
      buf.append(buf, prev_at, std::min(pre, prev_len));
      buf.append(reinterpret_cast<const char*>(p), suf);
      p += suf;
      prev_at = at_now;
      prev_len = pre + suf;
      spans.emplace_back(at_now, prev_len);
    }
    for (auto [b, len] : spans) out_->entries.emplace_back(buf.data() + b, len);
    *pp = p;
    return Status();
  }

  std::string_view bytes_;
  uint64_t offset_ = 0;
  const ChunkMeta* meta_ = nullptr;
  const Column* column_ = nullptr;
  ColumnValues* out_ = nullptr;
  size_t rows_ = 0;   // the row group's rows
  size_t done_ = 0;   // rows handed out
  size_t paged_ = 0;  // rows of the data pages begun
  size_t pos_ = 0;    // the next page header in bytes_
  // The current data page.
  uint64_t page_at_ = 0;
  size_t page_left_ = 0;  // its rows not handed out yet
  Mode mode_ = Mode::kDictionary;
  Hybrid levels_cursor_;
  Hybrid ids_cursor_;
  bool ids_missing_ = false;
  const uint8_t* plain_p_ = nullptr;
  const uint8_t* plain_end_ = nullptr;
  size_t next_entry_ = 0;         // kPageEntries: the next value's index in entries
  RawVector<int64_t> page_ints_;  // kPageInts: the page's values
  size_t page_int_next_ = 0;
  bool have_dict_ = false;
  size_t dict_size_ = 0;
  size_t dict_base_ = 0;
  RawVector<int64_t> dict_ints_;  // an integer column's dictionary
  // The per-batch scratch: one set per thread, shared by every column (a
  // set per column made a row group's first touch of memory, page faults
  // included, the largest cost of a read; docs/PERFORMANCE.md). Only used
  // within one next() call.
  struct Scratch {
    RawVector<uint32_t> levels, ids;
    RawVector<int64_t> ints;
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }
  RawVector<uint32_t>& levels_ = scratch().levels;
  RawVector<uint32_t>& ids_ = scratch().ids;
  RawVector<int64_t>& tmp_ints_ = scratch().ints;
};

std::string_view codec_name(Codec codec) {
  // Indexed by the codec's number in parquet.thrift's CompressionCodec.
  static constexpr std::string_view kNames[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                                "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
  const auto i = static_cast<size_t>(static_cast<int32_t>(codec));
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

Result<uint64_t> footer_length(std::string_view trailer, uint64_t file_size) {
  if (file_size < 12)
    return corrupt("file too short for Parquet (" + std::to_string(file_size) + " bytes)", 0);
  if (trailer.size() != kTrailerBytes || trailer.substr(4) != kMagic) {
    return corrupt("no PAR1 magic at the end (truncated file?)", file_size - 4);
  }
  uint32_t len = 0;
  std::memcpy(&len, trailer.data(), 4);
  if (len > kMaxFooterBytes || len > file_size - 12) {
    return corrupt("footer length " + std::to_string(len) + " beyond the file", file_size - 8);
  }
  return static_cast<uint64_t>(len);
}

Result<FileMeta> parse_file_meta(std::string_view bytes, uint64_t offset) {
  Thrift t(bytes, offset);
  FileMeta meta;
  std::vector<SchemaElement> schema;
  bool have_schema = false;
  uint64_t row_groups_at = 0;
  std::string_view row_groups_bytes;
  int16_t last = 0, id = 0;
  uint8_t type = 0;
  while (t.field(&last, &id, &type)) {
    if (id == 2 && type == kList) {
      uint8_t et = 0;
      const uint64_t n = t.list(&et);
      if (et != kStruct && n > 0) t.fail("schema elements are not structs");
      schema.resize(static_cast<size_t>(n));
      for (uint64_t i = 0; i < n && t.ok(); ++i) read_schema_element(t, &schema[i]);
      have_schema = true;
    } else if (id == 3) {
      meta.num_rows = t.integer(type);
    } else if (id == 4 && type == kList) {
      // Row groups need the column count: remember where they are.
      row_groups_at = t.offset();
      const size_t from = t.consumed();
      t.skip(type, 0);
      row_groups_bytes = bytes.substr(from, t.consumed() - from);
    } else {
      t.skip(type, 0);
    }
    if (!t.ok()) return t.error();
  }
  if (!t.ok()) return t.error();
  if (!have_schema || schema.empty()) return corrupt("file metadata without a schema", offset);
  const SchemaElement& root = schema[0];
  if (root.num_children < 0 || static_cast<size_t>(root.num_children) != schema.size() - 1) {
    return corrupt("nested schema (" + std::to_string(schema.size() - 1) +
                       " schema elements under a root of " + std::to_string(root.num_children) +
                       "): efstop reads flat flow-log files only",
                   offset);
  }
  if (schema.size() - 1 > kMaxColumns) return corrupt("more than 4096 columns", offset);
  for (size_t i = 1; i < schema.size(); ++i) {
    const SchemaElement& e = schema[i];
    if (e.has_children && e.num_children != 0) {
      return corrupt("nested schema (column " + e.name +
                         " is a group): efstop reads flat "
                         "flow-log files only",
                     offset);
    }
    if (e.repetition == 2) {
      return corrupt("repeated column " + e.name + ": efstop reads flat flow-log files only",
                     offset);
    }
    if (e.repetition != 0 && e.repetition != 1) return corrupt("bad repetition type", offset);
    Column c;
    c.name = e.name;
    c.type = static_cast<PhysicalType>(e.type);
    c.optional = e.repetition == 1;
    meta.columns.push_back(std::move(c));
  }
  if (!row_groups_bytes.empty()) {
    Thrift rt(row_groups_bytes, row_groups_at);
    uint8_t et = 0;
    const uint64_t n = rt.list(&et);
    if (rt.ok() && et != kStruct && n > 0) rt.fail("row groups are not structs");
    for (uint64_t i = 0; i < n && rt.ok(); ++i) {
      RowGroup rg;
      EFSTOP_RETURN_IF_ERROR(read_row_group(rt, meta.columns.size(), &rg));
      if (rg.num_rows < 0) return corrupt("negative row count", rt.offset());
      if (rg.num_rows > 0 && rg.chunks.size() != meta.columns.size()) {
        return corrupt("row group without its column chunks", rt.offset());
      }
      meta.row_groups.push_back(std::move(rg));
    }
    if (!rt.ok()) return rt.error();
  }
  return meta;
}

ChunkReader::ChunkReader() : impl_(std::make_unique<Impl>()) {}
ChunkReader::~ChunkReader() = default;
ChunkReader::ChunkReader(ChunkReader&&) noexcept = default;
ChunkReader& ChunkReader::operator=(ChunkReader&&) noexcept = default;

Status ChunkReader::start(std::string_view bytes, uint64_t offset, const ChunkMeta& meta,
                          const Column& column, int64_t rows, ColumnValues* out) {
  return impl_->start(bytes, offset, meta, column, rows, out);
}

Status ChunkReader::next(size_t n) { return impl_->next(n); }

size_t ChunkReader::rows_left() const { return impl_->rows_left(); }

Status decode_chunk(std::string_view bytes, uint64_t offset, const ChunkMeta& meta,
                    const Column& column, int64_t rows, ColumnValues* out) {
  ChunkReader reader;
  EFSTOP_RETURN_IF_ERROR(reader.start(bytes, offset, meta, column, rows, out));
  return reader.next(reader.rows_left());
}

Status snappy_decompress(std::string_view in, size_t expected, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const auto* end = p + in.size();
  uint64_t len = 0;
  if (!uleb(&p, end, &len)) return parse_error("truncated snappy length");
  if (len != expected) return parse_error("snappy length differs from the page header");
  size_for_page(out, expected);
  char* o = out->data();
  size_t n = 0;
  while (p < end) {
    const uint8_t tag = *p++;
    size_t length = 0, off = 0;
    switch (tag & 3) {
      case 0: {
        length = (tag >> 2) + 1;
        if (length > 60) {
          const size_t extra = length - 60;
          if (static_cast<size_t>(end - p) < extra) return parse_error("truncated snappy literal");
          length = 0;
          for (size_t i = 0; i < extra; ++i) length |= static_cast<size_t>(p[i]) << (8 * i);
          length += 1;
          p += extra;
        }
        if (length > static_cast<size_t>(end - p) || length > expected - n) {
          return parse_error("snappy literal beyond its data");
        }
        std::memcpy(o + n, p, length);
        p += length;
        n += length;
        continue;
      }
      case 1:
        if (p >= end) return parse_error("truncated snappy copy");
        length = 4 + ((tag >> 2) & 7);
        off = (static_cast<size_t>(tag >> 5) << 8) | *p++;
        break;
      case 2:
        if (end - p < 2) return parse_error("truncated snappy copy");
        length = (tag >> 2) + 1;
        off = p[0] | (static_cast<size_t>(p[1]) << 8);
        p += 2;
        break;
      default:
        if (end - p < 4) return parse_error("truncated snappy copy");
        length = (tag >> 2) + 1;
        off = p[0] | (static_cast<size_t>(p[1]) << 8) | (static_cast<size_t>(p[2]) << 16) |
              (static_cast<size_t>(p[3]) << 24);
        p += 4;
        break;
    }
    if (off == 0 || off > n) return parse_error("snappy copy offset out of range");
    if (length > expected - n) return parse_error("snappy copy beyond the expected size");
    // Byte by byte: the source may overlap the destination (a run).
    const char* src = o + n - off;
    for (size_t i = 0; i < length; ++i) o[n + i] = src[i];
    n += length;
  }
  if (n != expected) return parse_error("snappy data shorter than the page header says");
  return Status();
}

std::string zstd_version() { return ZSTD_versionString(); }

}  // namespace efstop::flowlog::parquet
