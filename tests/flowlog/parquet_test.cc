// The Parquet reader's pieces on hand-made bytes: Snappy, ZSTD (frames
// made by libzstd's compressor here), the footer
// trailer, the thrift footer (flat and nested schemas, unknown fields
// skipped, bounds), column chunks read batch by batch (pages written here).
// Whole files from an independent writer are tested in
// tests/cloud/parquet_cli_test.cc.
#include "flowlog/parquet.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace efstop::flowlog::parquet {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

TEST(ParquetSnappy, LiteralsAndOverlappingCopies) {
  // 12 bytes: literal "abcd", then copy length 8 at offset 4 (overlapping).
  std::string out;
  ASSERT_TRUE(snappy_decompress(bytes({12, 0x0c, 'a', 'b', 'c', 'd', 0x11, 4}), 12, &out).ok());
  EXPECT_EQ(out, "abcdabcdabcd");
  // A 2-byte-offset copy: length (tag >> 2) + 1 = 3 at offset 2.
  ASSERT_TRUE(snappy_decompress(bytes({5, 0x04, 'x', 'y', 0x0a, 2, 0}), 5, &out).ok());
  EXPECT_EQ(out, "xyxyx");
}

TEST(ParquetSnappy, RefusesWhatDoesNotAddUp) {
  std::string out;
  // Length differs from the page header's.
  EXPECT_FALSE(snappy_decompress(bytes({12, 0x0c, 'a', 'b', 'c', 'd', 0x11, 4}), 13, &out).ok());
  // Copy before any output (offset beyond what was written).
  EXPECT_FALSE(snappy_decompress(bytes({8, 0x11, 4}), 8, &out).ok());
  // Literal longer than the data.
  EXPECT_FALSE(snappy_decompress(bytes({4, 0x0c, 'a'}), 4, &out).ok());
  // Output shorter than announced.
  EXPECT_FALSE(snappy_decompress(bytes({6, 0x0c, 'a', 'b', 'c', 'd'}), 6, &out).ok());
}

TEST(ParquetZstd, FramesDecodeToExactlyTheHeaderSize) {
  const std::string plain = "2 123456789012 eni-0a 10.0.0.1 10.0.9.10 40000 2049 6 1 100 0 0 OK\n";
  std::string text;
  for (int i = 0; i < 50; ++i) text += plain;
  std::string frame(ZSTD_compressBound(text.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), text.data(), text.size(), 3));
  ASSERT_LT(frame.size(), text.size());
  std::string out;
  ASSERT_TRUE(decompress(Codec::kZstd, "srcaddr", frame, text.size(), &out, 7).ok());
  EXPECT_EQ(out, text);
  // Two frames back to back are one page (the format allows it).
  ASSERT_TRUE(decompress(Codec::kZstd, "srcaddr", frame + frame, 2 * text.size(), &out, 7).ok());
  EXPECT_EQ(out, text + text);
  // The output never grows past the header's size, and a short one fails too.
  Status big = decompress(Codec::kZstd, "srcaddr", frame, text.size() - 1, &out, 7);
  EXPECT_EQ(big.message(),
            "parquet: column srcaddr: ZSTD page larger than its header says at offset 7");
  EXPECT_LE(out.size(), text.size() - 1);
  Status small = decompress(Codec::kZstd, "srcaddr", frame, text.size() + 1, &out, 7);
  EXPECT_EQ(small.message(),
            "parquet: column srcaddr: ZSTD page shorter than its header says at offset 7");
  // A broken frame names the column and libzstd's reason.
  std::string bad = frame;
  bad[0] = 0;
  Status corrupt = decompress(Codec::kZstd, "dstaddr", bad, text.size(), &out, 9);
  EXPECT_EQ(corrupt.message().rfind("parquet: column dstaddr: corrupt ZSTD page (", 0), 0u)
      << corrupt.message();
  EXPECT_FALSE(
      decompress(Codec::kZstd, "dstaddr", frame.substr(0, frame.size() - 3), text.size(), &out, 9)
          .ok());
  // Codecs not linked are refused by name.
  EXPECT_EQ(decompress(Codec::kLz4, "bytes", frame, 1, &out, 0).message(),
            "parquet: column bytes: compression codec LZ4 is not supported (UNCOMPRESSED, GZIP, "
            "SNAPPY, ZSTD are) at offset 0");
}

TEST(ParquetFooter, TrailerNeedsMagicAndAPlausibleLength) {
  EXPECT_EQ(*footer_length(bytes({10, 0, 0, 0}) + "PAR1", 100), 10u);
  Result<uint64_t> no_magic = footer_length(bytes({10, 0, 0, 0}) + "PAR0", 100);
  ASSERT_FALSE(no_magic.ok());
  EXPECT_NE(no_magic.status().message().find("no PAR1 magic at the end"), std::string::npos);
  EXPECT_NE(no_magic.status().message().find("at offset 96"), std::string::npos);
  EXPECT_FALSE(footer_length(bytes({100, 0, 0, 0}) + "PAR1", 100).ok());
  EXPECT_FALSE(footer_length(bytes({1, 0, 0, 0}) + "PAR1", 11).ok());
}

// FileMetaData with a root and leaves; `extra` goes before the stop byte.
std::string file_meta(const std::string& elements, int count, const std::string& extra = "") {
  return bytes({0x15, 0x02, 0x19, 0x0c | (count << 4)}) + elements + bytes({0x16, 0x00}) + extra +
         bytes({0x00});
}

TEST(ParquetFooter, FlatSchemaAndUnknownFieldsSkipped) {
  const std::string root = bytes({0x48, 6, 's', 'c', 'h', 'e', 'm', 'a', 0x15, 0x04, 0x00});
  // srcaddr: BYTE_ARRAY (6), OPTIONAL; an unknown field 10 (a struct) is skipped.
  const std::string a = bytes({0x15, 0x0c, 0x25, 0x02, 0x18, 7, 's', 'r', 'c', 'a', 'd', 'd', 'r',
                               0x6c, 0x15, 0x02, 0x00, 0x00});
  // bytes: INT64 (2), REQUIRED.
  const std::string b = bytes({0x15, 0x04, 0x25, 0x00, 0x18, 5, 'b', 'y', 't', 'e', 's', 0x00});
  // An unknown top-level field 7 (a list of i32) is skipped too.
  Result<FileMeta> meta = parse_file_meta(file_meta(root + a + b, 3, bytes({0x49, 0x25, 2, 4})), 0);
  ASSERT_TRUE(meta.ok()) << meta.status().to_string();
  ASSERT_EQ(meta->columns.size(), 2u);
  EXPECT_EQ(meta->columns[0].name, "srcaddr");
  EXPECT_EQ(meta->columns[0].type, PhysicalType::kByteArray);
  EXPECT_TRUE(meta->columns[0].optional);
  EXPECT_EQ(meta->columns[1].name, "bytes");
  EXPECT_EQ(meta->columns[1].type, PhysicalType::kInt64);
  EXPECT_FALSE(meta->columns[1].optional);
}

TEST(ParquetFooter, NestedSchemaIsRefusedByName) {
  const std::string root = bytes({0x48, 6, 's', 'c', 'h', 'e', 'm', 'a', 0x15, 0x02, 0x00});
  const std::string group = bytes({0x35, 0x02, 0x18, 1, 'g', 0x15, 0x02, 0x00});
  const std::string leaf = bytes({0x15, 0x02, 0x25, 0x00, 0x18, 1, 'x', 0x00});
  Result<FileMeta> meta = parse_file_meta(file_meta(root + group + leaf, 3), 500);
  ASSERT_FALSE(meta.ok());
  EXPECT_NE(meta.status().message().find("nested schema"), std::string::npos)
      << meta.status().message();
  EXPECT_NE(meta.status().message().find("flat flow-log files only at offset 500"),
            std::string::npos)
      << meta.status().message();
}

TEST(ParquetFooter, TruncatedAndDeepInputFailsWithOffset) {
  const std::string root = bytes({0x48, 6, 's', 'c', 'h', 'e', 'm', 'a', 0x15, 0x02, 0x00});
  const std::string full = file_meta(root, 1);
  for (size_t n = 0; n + 1 < full.size(); ++n) {
    Result<FileMeta> meta = parse_file_meta(full.substr(0, n), 1000);
    ASSERT_FALSE(meta.ok()) << n;
    EXPECT_NE(meta.status().message().find(" at offset 10"), std::string::npos)
        << meta.status().message();
  }
  // Structs nested 40 deep in an unknown field: refused, not recursed into.
  std::string deep = bytes({0x15, 0x02, 0x7c});
  for (int i = 0; i < 40; ++i) deep += bytes({0x1c});
  Result<FileMeta> meta = parse_file_meta(deep + std::string(41, '\0'), 0);
  ASSERT_FALSE(meta.ok());
  EXPECT_NE(meta.status().message().find("nesting deeper than 16"), std::string::npos)
      << meta.status().message();
}

// ---- Column chunks written here, read a batch at a time ----

// Thrift compact protocol, the few pieces a page header needs.
void varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void i32_field(std::string* out, int delta, int32_t v) {
  out->push_back(static_cast<char>((delta << 4) | 5));
  varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 31));
}

// A PageHeader: type, sizes (uncompressed = compressed), then the data page
// header (field 5) or the dictionary page header (field 7).
std::string page(int32_t type, int32_t values, int32_t encoding, const std::string& body) {
  std::string h;
  i32_field(&h, 1, type);
  i32_field(&h, 1, static_cast<int32_t>(body.size()));
  i32_field(&h, 1, static_cast<int32_t>(body.size()));
  h.push_back(static_cast<char>(((type == 2 ? 4 : 2) << 4) | 12));  // struct field 7 or 5
  i32_field(&h, 1, values);
  i32_field(&h, 1, encoding);
  if (type == 0) {
    i32_field(&h, 1, 3);  // definition levels: RLE
    i32_field(&h, 1, 3);  // repetition levels: RLE
  }
  h.push_back(0);  // end of the sub-header
  h.push_back(0);  // end of the page header
  return h + body;
}

// The RLE/bit-packed hybrid (Encodings.md) of `v`, `width` bits each: runs
// of 8 or more equal values starting on a group boundary as RLE runs, the
// rest bit-packed in groups of 8 (the last group padded), so that both kinds
// alternate wherever the values do.
std::string hybrid(const std::vector<uint32_t>& v, int width) {
  auto run_at = [&](size_t i) {
    size_t same = 1;
    while (i + same < v.size() && v[i + same] == v[i]) ++same;
    return same;
  };
  std::string out;
  size_t i = 0;
  while (i < v.size()) {
    const size_t same = run_at(i);
    if (same >= 8) {
      varint(&out, same << 1);
      for (int b = 0; b < (width + 7) / 8; ++b) out.push_back(static_cast<char>(v[i] >> (8 * b)));
      i += same;
      continue;
    }
    // Groups of 8 up to one that starts a run of 8 equal values, or the end.
    size_t j = std::min(i + 8, v.size());
    while (j < v.size() && run_at(j) < 8) j = std::min(j + 8, v.size());
    const size_t groups = (j - i + 7) / 8;
    varint(&out, (groups << 1) | 1);
    std::string bits(groups * static_cast<size_t>(width), '\0');
    for (size_t k = 0; k < j - i; ++k) {
      for (int b = 0; b < width; ++b) {
        const size_t bit = k * static_cast<size_t>(width) + static_cast<size_t>(b);
        if ((v[i + k] >> b) & 1)
          bits[bit / 8] = static_cast<char>(bits[bit / 8] | (1 << (bit % 8)));
      }
    }
    out += bits;
    i = j;
  }
  return out;
}

struct Written {
  std::string chunk;
  std::vector<bool> defined;
  std::vector<int64_t> ints;         // per row (0 when NULL)
  std::vector<std::string> strings;  // per row ("" when NULL)
};

// An OPTIONAL column of `rows` rows: a dictionary page of 37 values, then
// data pages of the given sizes with dictionary indices (width 6); NULLs in
// runs and alone, so that level runs of both kinds cross every batch size.
// Strings when `strings`, else INT64.
Written write_chunk(bool strings, const std::vector<int>& pages, uint32_t seed) {
  std::mt19937 rng(seed);
  constexpr int kDict = 37;
  Written w;
  std::string dict;
  std::vector<std::string> dict_strings;
  for (int d = 0; d < kDict; ++d) {
    if (strings) {
      const std::string s = "10.0." + std::to_string(d) + ".7";
      dict_strings.push_back(s);
      const auto len = static_cast<uint32_t>(s.size());
      dict.append(reinterpret_cast<const char*>(&len), 4);
      dict += s;
    } else {
      const int64_t v = int64_t{1} << 40 | d * 1000;
      dict.append(reinterpret_cast<const char*>(&v), 8);
    }
  }
  w.chunk = page(2, kDict, 0, dict);
  for (int rows : pages) {
    std::vector<uint32_t> levels, ids;
    for (int r = 0; r < rows; ++r) {
      // Long stretches defined, some NULL stretches, some lone NULLs.
      const uint32_t x = rng() % 100;
      const bool def = (r / 50) % 4 == 3 ? x < 10 : x < 97;
      levels.push_back(def ? 1 : 0);
      if (!def) {
        w.defined.push_back(false);
        w.ints.push_back(0);
        w.strings.emplace_back();
        continue;
      }
      // Repeated indices for a while (RLE runs), then random ones.
      const uint32_t id = (r / 40) % 2 == 0 ? (r / 40) % kDict : rng() % kDict;
      ids.push_back(id);
      w.defined.push_back(true);
      w.ints.push_back(strings ? 0 : (int64_t{1} << 40 | id * 1000));
      w.strings.push_back(strings ? dict_strings[id] : "");
    }
    const std::string lv = hybrid(levels, 1);
    std::string body;
    const auto len = static_cast<uint32_t>(lv.size());
    body.append(reinterpret_cast<const char*>(&len), 4);
    body += lv;
    body.push_back(6);  // index bit width
    body += hybrid(ids, 6);
    w.chunk += page(0, rows, 8, body);  // RLE_DICTIONARY
  }
  return w;
}

TEST(ParquetChunkReader, BatchesOfAnySizeGiveTheWrittenValues) {
  const std::vector<int> pages = {300, 451, 1, 249};
  const size_t rows = 1001;
  for (bool strings : {false, true}) {
    const Written w = write_chunk(strings, pages, strings ? 7 : 11);
    ASSERT_EQ(w.defined.size(), rows);
    size_t nulls = 0;
    for (bool d : w.defined) nulls += d ? 0 : 1;
    ASSERT_GT(nulls, 30u);  // NULLs occur, alone and in runs
    Column column{"c", strings ? PhysicalType::kByteArray : PhysicalType::kInt64, true};
    ChunkMeta meta;
    meta.type = column.type;
    meta.num_values = static_cast<int64_t>(rows);
    for (size_t batch : {size_t{1}, size_t{3}, size_t{8}, size_t{64}, size_t{449}, rows}) {
      SCOPED_TRACE((strings ? "strings, batch " : "integers, batch ") + std::to_string(batch));
      ChunkReader reader;
      ColumnValues out;
      ASSERT_TRUE(reader.start(w.chunk, 1000, meta, column, static_cast<int64_t>(rows), &out).ok());
      size_t row = 0;
      while (reader.rows_left() > 0) {
        const size_t n = std::min(batch, reader.rows_left());
        const Status st = reader.next(n);
        ASSERT_TRUE(st.ok()) << st.message();
        for (size_t i = 0; i < n; ++i, ++row) {
          if (strings) {
            const uint32_t id = out.index[i];
            ASSERT_EQ(id == ColumnValues::kNull, !w.defined[row]) << row;
            if (w.defined[row]) {
              ASSERT_EQ(out.entries[id], w.strings[row]) << row;
            }
          } else {
            ASSERT_EQ(out.valid[i] != 0, w.defined[row]) << row;
            ASSERT_EQ(out.ints[i], w.ints[row]) << row;
          }
        }
      }
      EXPECT_EQ(row, rows);
      // Asking past the chunk fails rather than reading on.
      EXPECT_FALSE(reader.next(1).ok());
    }
  }
}

TEST(ParquetChunkReader, ABadPageFailsTheBatchThatReachesIt) {
  Written w = write_chunk(false, {500, 500}, 3);
  Column column{"c", PhysicalType::kInt64, true};
  ChunkMeta meta;
  meta.type = column.type;
  // The chunk says 1200 rows; its pages hold 1000.
  ChunkReader reader;
  ColumnValues out;
  ASSERT_TRUE(reader.start(w.chunk, 0, meta, column, 1200, &out).ok());
  ASSERT_TRUE(reader.next(999).ok());
  const Status st = reader.next(2);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("column c ends after 1000 of 1200 values"), std::string::npos)
      << st.message();
  // A dictionary index out of range: the index width is 6 bits, the
  // dictionary 37 values; index 63 is written into the second page.
  std::vector<uint32_t> ids(100, 63);
  std::vector<uint32_t> levels(100, 1);
  const std::string lv = hybrid(levels, 1);
  std::string body;
  const auto len = static_cast<uint32_t>(lv.size());
  body.append(reinterpret_cast<const char*>(&len), 4);
  body += lv;
  body.push_back(6);
  body += hybrid(ids, 6);
  Written bad = write_chunk(false, {100}, 3);
  bad.chunk += page(0, 100, 8, body);
  ASSERT_TRUE(reader.start(bad.chunk, 0, meta, column, 200, &out).ok());
  ASSERT_TRUE(reader.next(100).ok());
  const Status st2 = reader.next(100);
  ASSERT_FALSE(st2.ok());
  EXPECT_NE(st2.message().find("dictionary index out of range"), std::string::npos)
      << st2.message();
}

// Pages that hold no value at all: an empty dictionary, and pages whose
// rows are all NULL, PLAIN and RLE_DICTIONARY. Every row reads as NULL
// (found by parquet_file_fuzz: copying zero values from an empty dictionary
// passed a null pointer to memcpy, which the sanitizers stop).
TEST(ParquetChunkReader, PagesWithoutValuesGiveNulls) {
  const std::vector<uint32_t> levels(20, 0);
  const std::string lv = hybrid(levels, 1);
  std::string nulls;
  const auto len = static_cast<uint32_t>(lv.size());
  nulls.append(reinterpret_cast<const char*>(&len), 4);
  nulls += lv;
  std::string dict_nulls = nulls;
  dict_nulls.push_back(6);  // index bit width, and no index
  Column column{"c", PhysicalType::kInt64, true};
  ChunkMeta meta;
  meta.type = column.type;
  meta.num_values = 40;
  const std::string chunks[] = {
      page(2, 0, 0, "") + page(0, 20, 8, dict_nulls) + page(0, 20, 8, dict_nulls),
      page(0, 20, 0, nulls) + page(0, 20, 0, nulls),  // PLAIN
  };
  for (const std::string& chunk : chunks) {
    ChunkReader reader;
    ColumnValues out;
    ASSERT_TRUE(reader.start(chunk, 0, meta, column, 40, &out).ok());
    for (int batch = 0; batch < 2; ++batch) {
      const Status st = reader.next(20);
      ASSERT_TRUE(st.ok()) << st.message();
      for (size_t i = 0; i < 20; ++i) EXPECT_EQ(out.valid[i], 0) << i;
    }
    EXPECT_EQ(reader.rows_left(), 0u);
  }
}

}  // namespace
}  // namespace efstop::flowlog::parquet
