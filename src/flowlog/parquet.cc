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

// Reads the RLE/bit-packed hybrid encoding (Encodings.md) of `count` values
// of `bit_width` (0..32) bits from [p, end) into `out`.
Status decode_hybrid(const uint8_t* p, const uint8_t* end, int bit_width, size_t count,
                     uint32_t* out, uint64_t offset) {
  const uint8_t* const begin = p;
  auto at = [&] { return offset + static_cast<uint64_t>(p - begin); };
  if (bit_width < 0 || bit_width > 32) return corrupt("bit width over 32", at());
  const size_t value_bytes = (static_cast<size_t>(bit_width) + 7) / 8;
  const uint32_t mask = bit_width == 32 ? UINT32_MAX : (uint32_t{1} << bit_width) - 1;
  size_t n = 0;
  while (n < count) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (p >= end) return corrupt("truncated level or index run", at());
      if (shift > 35) return corrupt("run header too long", at());
      header |= static_cast<uint64_t>(*p & 0x7f) << shift;
      if ((*p++ & 0x80) == 0) break;
    }
    if ((header & 1) == 0) {
      const uint64_t run = header >> 1;
      if (static_cast<size_t>(end - p) < value_bytes) return corrupt("truncated RLE run", at());
      uint32_t v = 0;
      for (size_t i = 0; i < value_bytes; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
      p += value_bytes;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(run, count - n));
      std::fill(out + n, out + n + take, v & mask);
      n += take;
    } else {
      const uint64_t groups = header >> 1;
      const uint64_t bytes = groups * static_cast<uint64_t>(bit_width);  // groups of 8 values
      if (groups > (uint64_t{1} << 32) || bytes > static_cast<uint64_t>(end - p)) {
        return corrupt("truncated bit-packed run", at());
      }
      const uint64_t values = groups * 8;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(values, count - n));
      if (bit_width == 0) {
        std::fill(out + n, out + n + take, 0u);
      } else {
        uint64_t bitpos = 0;
        size_t i = 0;
        // Fast lane: one unaligned 8-byte load per value while 8 bytes remain
        // in the run (a 32-bit value at any shift spans at most 5 of them).
        const uint64_t lane_end = bytes >= 8 ? (bytes - 8) * 8 : 0;
        for (; i < take && bitpos <= lane_end && bytes >= 8; ++i) {
          uint64_t v;
          std::memcpy(&v, p + (bitpos >> 3), 8);  // little-endian hosts only
          out[n + i] = static_cast<uint32_t>(v >> (bitpos & 7)) & mask;
          bitpos += static_cast<uint64_t>(bit_width);
        }
        for (; i < take; ++i) {
          uint64_t v = 0;
          const size_t byte = static_cast<size_t>(bitpos >> 3);
          const int shift = static_cast<int>(bitpos & 7);
          // Up to 5 bytes hold 32 bits at any shift; stay inside the run.
          const size_t avail = static_cast<size_t>(bytes) - byte;
          for (size_t k = 0; k < 5 && k < avail; ++k)
            v |= static_cast<uint64_t>(p[byte + k]) << (8 * k);
          out[n + i] = static_cast<uint32_t>(v >> shift) & mask;
          bitpos += static_cast<uint64_t>(bit_width);
        }
      }
      p += bytes;
      n += take;
    }
  }
  return Status();
}

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

static Status inflate_gzip(std::string_view in, size_t expected, std::string* out,
                           const std::string& where, uint64_t offset) {
  out->resize(expected);
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
  out->resize(expected);
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

// The decoder state for one chunk.
class ChunkDecoder {
 public:
  ChunkDecoder(const ChunkMeta& meta, const Column& column, int64_t rows, ColumnValues* out)
      : meta_(meta), column_(column), rows_(static_cast<size_t>(rows)), out_(out) {}

  Status run(std::string_view bytes, uint64_t offset) {
    out_->is_string = column_.type == PhysicalType::kByteArray;
    if (!out_->is_string && column_.type != PhysicalType::kInt32 &&
        column_.type != PhysicalType::kInt64) {
      return corrupt("column " + column_.name + " has an unsupported physical type " +
                         std::to_string(static_cast<int>(column_.type)),
                     offset);
    }
    if (out_->is_string) {
      out_->index.reserve(rows_);
    } else {
      out_->ints.reserve(rows_);
      out_->valid.reserve(rows_);
    }
    size_t pos = 0;
    while (filled() < rows_) {
      if (pos >= bytes.size()) {
        return corrupt("column " + column_.name + " ends after " + std::to_string(filled()) +
                           " of " + std::to_string(rows_) + " values",
                       offset + pos);
      }
      Thrift t(bytes.substr(pos), offset + pos);
      PageHeader h;
      read_page_header(t, &h);
      if (!t.ok()) return t.error();
      const uint64_t page_at = offset + pos + t.consumed();
      pos += t.consumed();
      if (h.compressed < 0 || h.uncompressed < 0 ||
          static_cast<uint64_t>(h.uncompressed) > kMaxPageBytes) {
        return corrupt("bad page sizes", page_at);
      }
      if (static_cast<size_t>(h.compressed) > bytes.size() - pos) {
        return corrupt("page runs past its column chunk", page_at);
      }
      std::string_view body = bytes.substr(pos, static_cast<size_t>(h.compressed));
      pos += static_cast<size_t>(h.compressed);
      Status st;
      if (h.type == kDictionaryPage) {
        st = dictionary_page(h, body, page_at);
      } else if (h.type == kDataPage) {
        st = data_page_v1(h, body, page_at);
      } else if (h.type == kDataPageV2) {
        st = data_page_v2(h, body, page_at);
      } else if (h.type == kIndexPage) {
        continue;
      } else {
        st = corrupt("unknown page type " + std::to_string(h.type), page_at);
      }
      if (!st.ok()) return st;
    }
    return Status();
  }

 private:
  size_t filled() const { return out_->is_string ? out_->index.size() : out_->ints.size(); }

  Status dictionary_page(const PageHeader& h, std::string_view body, uint64_t at) {
    if (have_dict_) return corrupt("second dictionary page", at);
    if (h.encoding != kPlain && h.encoding != kPlainDictionary) {
      return corrupt("dictionary encoding " + std::to_string(h.encoding), at);
    }
    if (h.num_values < 0) return corrupt("bad dictionary size", at);
    std::string& data = out_->next_page();
    EFSTOP_RETURN_IF_ERROR(decompress(meta_.codec, column_.name, body,
                                      static_cast<size_t>(h.uncompressed), &data, at));
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
    std::string& data = out_->next_page();
    EFSTOP_RETURN_IF_ERROR(decompress(meta_.codec, column_.name, body,
                                      static_cast<size_t>(h.uncompressed), &data, at));
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    const auto* end = p + data.size();
    const size_t n = static_cast<size_t>(h.num_values);
    if (n > rows_ - filled()) return corrupt("page holds more values than the row group", at);
    if (column_.optional) {
      if (h.def_encoding != kRle) {
        return corrupt("definition levels not RLE-encoded (" + std::to_string(h.def_encoding) + ")",
                       at);
      }
      if (end - p < 4) return corrupt("truncated definition levels", at);
      uint32_t len = 0;
      std::memcpy(&len, p, 4);  // little-endian hosts only (x86-64, arm64)
      p += 4;
      if (len > static_cast<uint64_t>(end - p)) return corrupt("truncated definition levels", at);
      levels_.resize(n);
      EFSTOP_RETURN_IF_ERROR(decode_hybrid(p, p + len, 1, n, levels_.data(), at));
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
    if (n > rows_ - filled()) return corrupt("page holds more values than the row group", at);
    const auto* lp = reinterpret_cast<const uint8_t*>(body.data());
    if (column_.optional) {
      levels_.resize(n);
      EFSTOP_RETURN_IF_ERROR(decode_hybrid(lp, lp + h.def_bytes, 1, n, levels_.data(), at));
    }
    std::string_view rest = body.substr(static_cast<size_t>(h.def_bytes));
    const int64_t rest_size = static_cast<int64_t>(h.uncompressed) - h.def_bytes;
    if (rest_size < 0) return corrupt("bad v2 page sizes", at);
    std::string& data = out_->next_page();
    if (h.v2_compressed) {
      EFSTOP_RETURN_IF_ERROR(
          decompress(meta_.codec, column_.name, rest, static_cast<size_t>(rest_size), &data, at));
    } else {
      data.assign(rest);
    }
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    return values(h.encoding, p, p + data.size(), n, at);
  }

  // How many of the page's n slots hold a value (definition level 1).
  size_t defined(size_t n) const {
    if (!column_.optional) return n;
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) k += levels_[i] != 0;
    return k;
  }

  Status values(int32_t encoding, const uint8_t* p, const uint8_t* end, size_t n, uint64_t at) {
    const size_t k = defined(n);
    if (encoding == kPlainDictionary || encoding == kRleDictionary) {
      if (!have_dict_) return corrupt("dictionary-encoded page without a dictionary", at);
      if (p >= end && k > 0) return corrupt("truncated dictionary indices", at);
      const int width = k > 0 ? *p++ : 0;
      ids_.resize(k);
      EFSTOP_RETURN_IF_ERROR(decode_hybrid(p, end, width, k, ids_.data(), at));
      for (size_t i = 0; i < k; ++i) {
        if (ids_[i] >= dict_size_) return corrupt("dictionary index out of range", at);
      }
      if (out_->is_string) {
        for (uint32_t& id : ids_) id += static_cast<uint32_t>(dict_base_);
        spread(ids_.data(), n, k, ColumnValues::kNull, &out_->index);
      } else {
        tmp_ints_.resize(k);
        for (size_t i = 0; i < k; ++i) tmp_ints_[i] = dict_ints_[ids_[i]];
        spread(tmp_ints_.data(), n, k, int64_t{0}, &out_->ints);
      }
      return Status();
    }
    if (out_->is_string) {
      const size_t base = out_->entries.size();
      if (encoding == kPlain) {
        EFSTOP_RETURN_IF_ERROR(plain_strings(&p, end, k, at));
      } else if (encoding == kDeltaLengthByteArray) {
        EFSTOP_RETURN_IF_ERROR(delta_length_strings(&p, end, k, at));
      } else if (encoding == kDeltaByteArray) {
        EFSTOP_RETURN_IF_ERROR(delta_strings(&p, end, k, at));
      } else {
        return unsupported_encoding(encoding, at);
      }
      ids_.resize(k);
      for (size_t i = 0; i < k; ++i) ids_[i] = static_cast<uint32_t>(base + i);
      spread(ids_.data(), n, k, ColumnValues::kNull, &out_->index);
      return Status();
    }
    if (encoding == kPlain) {
      EFSTOP_RETURN_IF_ERROR(plain_ints(&p, end, k, &tmp_ints_, at));
    } else if (encoding == kDeltaBinaryPacked) {
      EFSTOP_RETURN_IF_ERROR(decode_delta(&p, end, k, &tmp_ints_, at));
    } else {
      return unsupported_encoding(encoding, at);
    }
    spread(tmp_ints_.data(), n, k, int64_t{0}, &out_->ints);
    return Status();
  }

  Status unsupported_encoding(int32_t encoding, uint64_t at) {
    return corrupt("column " + column_.name + ": value encoding " + std::to_string(encoding) +
                       " is not supported",
                   at);
  }

  // Appends a page's n rows to *dst from the k values in `src`, one per
  // defined level, `null` where the level says NULL; integer columns also get
  // their `valid` flags. One path for strings (indices) and integers. Writes
  // into resized storage rather than pushing row by row: the row loop was a
  // tenth of a Parquet read (docs/PERFORMANCE.md).
  template <typename T>
  void spread(const T* src, size_t n, size_t k, T null, RawVector<T>* dst) {
    const size_t base = dst->size();
    dst->resize(base + n);
    T* o = dst->data() + base;
    uint8_t* valid = nullptr;
    if constexpr (std::is_same_v<T, int64_t>) {
      out_->valid.resize(base + n);
      valid = out_->valid.data() + base;
    }
    if (k == n) {  // REQUIRED, or OPTIONAL without a NULL on this page
      std::copy(src, src + n, o);
      if (valid != nullptr) std::memset(valid, 1, n);
      return;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; ++i) {
      const bool d = levels_[i] != 0;
      o[i] = d ? src[j] : null;
      if (valid != nullptr) valid[i] = d;
      j += d;
    }
  }

  Status plain_ints(const uint8_t** pp, const uint8_t* end, size_t n, RawVector<int64_t>* out,
                    uint64_t at) {
    const size_t width = column_.type == PhysicalType::kInt32 ? 4 : 8;
    if (static_cast<size_t>(end - *pp) / width < n) return corrupt("truncated plain values", at);
    out->resize(n);
    const uint8_t* p = *pp;
    if (width == 4) {
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        (*out)[i] = v;
      }
    } else {
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
    RawVector<int64_t> lengths;
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

  const ChunkMeta& meta_;
  const Column& column_;
  size_t rows_;
  ColumnValues* out_;
  bool have_dict_ = false;
  size_t dict_size_ = 0;
  size_t dict_base_ = 0;
  // The per-page scratch: one set per thread, shared by every column (each
  // ColumnValues holding its own set made a row group's first touch of
  // memory, page faults included, the largest cost of a read;
  // docs/PERFORMANCE.md). A chunk is decoded whole before the next begins.
  struct Scratch {
    RawVector<uint32_t> levels, ids;
    RawVector<int64_t> ints, dict_ints;
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }
  RawVector<int64_t>& dict_ints_ = scratch().dict_ints;
  RawVector<uint32_t>& levels_ = scratch().levels;
  RawVector<uint32_t>& ids_ = scratch().ids;
  RawVector<int64_t>& tmp_ints_ = scratch().ints;
};

}  // namespace

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

Status decode_chunk(std::string_view bytes, uint64_t offset, const ChunkMeta& meta,
                    const Column& column, int64_t rows, ColumnValues* out) {
  out->reset();
  if (rows < 0 || rows > (int64_t{1} << 31)) return corrupt("bad row count", offset);
  if (meta.type != column.type) {
    return corrupt("column " + column.name + ": chunk type differs from the schema", offset);
  }
  ChunkDecoder d(meta, column, rows, out);
  return d.run(bytes, offset);
}

Status snappy_decompress(std::string_view in, size_t expected, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const auto* end = p + in.size();
  uint64_t len = 0;
  if (!uleb(&p, end, &len)) return parse_error("truncated snappy length");
  if (len != expected) return parse_error("snappy length differs from the page header");
  out->resize(expected);
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
