// The Parquet reader's pieces on hand-made bytes: Snappy, ZSTD (frames
// made by libzstd's compressor here), the footer
// trailer, the thrift footer (flat and nested schemas, unknown fields
// skipped, bounds). Whole files from an independent writer are tested in
// tests/cloud/parquet_cli_test.cc.
#include "flowlog/parquet.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>

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

}  // namespace
}  // namespace efstop::flowlog::parquet
