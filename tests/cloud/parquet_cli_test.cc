// Issue 16, item 2: Parquet flow logs. The test generates flow-log records,
// writes them as a text file and has DuckDB (@duckdb/node-api, an
// independent writer: tests/flowlog/parquet_write.js) write the same rows as
// Parquet in each variant: codec (UNCOMPRESSED, GZIP as AWS writes, SNAPPY,
// ZSTD),
// data page v1/v2, dictionary or plain/delta values, several row groups,
// column subsets in another order. Through the efstop binary:
// - every variant's report (JSON: rows and stats) equals the text file's;
// - the same from s3rver (`--s3`, ranged GETs behind the signature-checking
//   front), and from stdin;
// - a truncated or corrupted file is a failed input with a
//   "parquet: ... at offset N" message (partial result, exit 3), never a
//   crash; a corrupt ZSTD frame names the file and the column chunk.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cloud/cloud_test_util.h"
#include "harness/harness_process.h"
#include "harness/s3_server.h"
#include "harness/test_endpoint.h"

namespace efstop::cloud {
namespace {

namespace t = efstop::testing;

constexpr char kBucket[] = "efstop-parquet";
constexpr int kRecords = 5000;

const std::vector<std::string> kAllColumns = {
    "version",  "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets",    "bytes",        "start",   "end",     "action",  "log-status"};

// One record: a value per column, "" for NULL (Parquet) / `-` (text). A
// literal "-" string stays "-" in both.
using Row = std::vector<std::string>;

std::vector<Row> make_records(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const std::vector<std::string> servers = {"10.0.9.10", "10.0.9.11", "fd00::9:12"};
  const std::vector<std::string> enis = {"eni-0aaa0000000000001", "eni-0bbb0000000000002",
                                         "eni-0ccc0000000000003"};
  std::vector<Row> rows;
  for (int i = 0; i < kRecords; ++i) {
    const int kind = pick(100);
    const int64_t start = 1795946400 + pick(3600);  // 2026-11-29T10:00Z + up to 1 h
    if (kind < 3) {  // NODATA / SKIPDATA rows carry '-' (as strings or NULLs)
      rows.push_back({"2", "111122223333", enis[static_cast<size_t>(pick(3))], "-", "", "", "", "",
                      "", "", std::to_string(start), std::to_string(start + 60), pick(2) ? "-" : "",
                      kind == 0 ? "SKIPDATA" : "NODATA"});
      continue;
    }
    const bool v6 = pick(5) == 0;
    const std::string client =
        v6 ? "fd00::1:" + std::to_string(pick(40))
           : "10.0." + std::to_string(pick(4)) + "." + std::to_string(1 + pick(60));
    const std::string server = v6 ? servers[2] : servers[static_cast<size_t>(pick(2))];
    const bool to_server = pick(2) == 0;
    const bool efs = pick(10) != 0;
    const std::string eport = std::to_string(1000 + pick(60000));
    const std::string sport = efs ? "2049" : "443";
    Row r = {"2",
             "111122223333",
             pick(20) == 0 ? "-" : enis[static_cast<size_t>(pick(3))],
             to_server ? client : server,
             to_server ? server : client,
             to_server ? eport : sport,
             to_server ? sport : eport,
             "6",
             std::to_string(1 + pick(5000)),
             std::to_string(static_cast<int64_t>(rng() % 100000000) * (pick(50) == 0 ? 50 : 1)),
             std::to_string(start),
             std::to_string(start + pick(60)),
             pick(15) == 0 ? "REJECT" : "ACCEPT",
             "OK"};
    if (pick(25) == 0) r[8] = "";   // unknown packets
    if (pick(40) == 0) r[5] = "";   // unknown srcport
    if (pick(60) == 0) r[9] = "";   // unknown bytes
    if (pick(80) == 0) r[12] = "";  // unknown action on an OK row: ACCEPT
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string column_underscored(std::string name) {
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

// `columns` (indices into kAllColumns) of every row: text with a header
// line (NULL as '-'), and CSV (NULL as an empty cell) for DuckDB.
void write_inputs(const std::vector<Row>& rows, const std::vector<size_t>& columns,
                  const std::string& text_path, const std::string& csv_path) {
  std::ofstream text(text_path), csv(csv_path);
  for (size_t i = 0; i < columns.size(); ++i) {
    text << (i ? " " : "") << kAllColumns[columns[i]];
    csv << (i ? "," : "") << column_underscored(kAllColumns[columns[i]]);
  }
  text << '\n';
  csv << '\n';
  for (const Row& r : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string& v = r[columns[i]];
      text << (i ? " " : "") << (v.empty() ? "-" : v);
      csv << (i ? "," : "") << v;
    }
    text << '\n';
    csv << '\n';
  }
}

// The report without what names its inputs (paths and command line, and
// the sources read from AWS with their sizes: docs/json.md "sources").
nlohmann::json comparable(const std::string& out) {
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) return j;
  j.erase("efstop");
  j.erase("sources");
  j.erase("failed_inputs");
  j["stats"].erase("files");
  return j;
}

class ParquetCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<t::ScopedAwsEnv>();
    dir_ = env_->home();
  }

  // Runs efstop through the shell (stdin redirections); sets *code.
  std::string run(const std::string& args, int* code) {
    const std::string cmd = "AWS_ACCESS_KEY_ID=" + std::string(t::kS3rverAccessKeyId) +
                            " AWS_SECRET_ACCESS_KEY=" + t::kS3rverSecretAccessKey + " " +
                            EFSTOP_BINARY_DIR + "/efstop " + args + " 2>" + dir_ + "/stderr.txt";
    return t::run_shell(cmd, code);
  }
  std::string stderr_text() const {
    std::ifstream in(dir_ + "/stderr.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // DuckDB writes `csv` as Parquet; returns what it reports it wrote.
  std::string duckdb_write(const std::string& csv, const std::string& out, const std::string& codec,
                           const std::string& version, const std::string& dict, int row_group = 0) {
    int code = -1;
    std::string cmd = "node " + std::string(EFSTOP_SOURCE_DIR) +
                      "/tests/flowlog/parquet_write.js " + csv + " " + out + " " + codec + " " +
                      version + " " + dict;
    if (row_group > 0) cmd += " " + std::to_string(row_group);
    const std::string info = t::run_shell(cmd + " 2>&1", &code);
    EXPECT_EQ(code, 0) << cmd << "\n" << info;
    return info;
  }
  nlohmann::json report(const std::string& inputs, const std::string& extra = "") {
    int code = -1;
    const std::string out = run("--no-names --output json" + extra + " " + inputs, &code);
    EXPECT_EQ(code, 0) << inputs << "\n" << stderr_text();
    return comparable(out);
  }

  std::unique_ptr<t::ScopedAwsEnv> env_;
  std::string dir_;
};

TEST_F(ParquetCliTest, EveryDuckDbVariantGivesTheTextReport) {
  const std::vector<Row> rows = make_records(16);
  std::vector<size_t> all;
  for (size_t i = 0; i < kAllColumns.size(); ++i) all.push_back(i);
  write_inputs(rows, all, dir_ + "/all.log", dir_ + "/all.csv");
  const nlohmann::json text = report(dir_ + "/all.log");
  ASSERT_FALSE(text.is_discarded());
  // Not a vacuous comparison: rows, REJECTs, NODATA, unknowns all occur.
  ASSERT_GE(text["rows"].size(), 20u);
  ASSERT_GT(text["stats"]["nodata"].get<int>(), 0);
  ASSERT_GT(text["stats"]["skipdata"].get<int>(), 0);
  ASSERT_GT(text["stats"]["unknown_bytes"].get<int>(), 0);
  ASSERT_GT(text["stats"]["not_efs"].get<int>(), 0);
  for (const char* codec : {"uncompressed", "gzip", "snappy", "zstd"}) {
    for (const char* version : {"V1", "V2"}) {
      for (const char* dict : {"dict", "plain"}) {
        SCOPED_TRACE(std::string(codec) + " " + version + " " + dict);
        const std::string path = dir_ + "/all-" + codec + "-" + version + "-" + dict + ".parquet";
        const std::string info = duckdb_write(dir_ + "/all.csv", path, codec, version, dict, 2048);
        // The variant is what it says: codec, page encodings, row groups.
        std::string upper = codec;
        for (char& c : upper) c = static_cast<char>(std::toupper(c));
        EXPECT_NE(info.find(upper), std::string::npos) << info;
        EXPECT_NE(info.find("row_groups=3"), std::string::npos) << info;
        if (std::string(dict) == "plain") {
          // V1 writes plain pages (PLAIN among the encodings), V2 the DELTA_ ones.
          const std::string encodings = "," + info.substr(0, info.find(' ')) + ",";
          EXPECT_NE(encodings.find(std::string(version) == "V1" ? ",PLAIN," : ",DELTA_"),
                    std::string::npos)
              << info;
        }
        EXPECT_EQ(report(path), text);
      }
    }
  }
  // One row group of every row (DuckDB's default size): the reader decodes
  // and counts a row group a batch of rows at a time (2048), so batches
  // begin and end inside runs and pages here.
  for (const char* variant : {"gzip V1 dict", "snappy V2 plain"}) {
    SCOPED_TRACE(std::string("one row group: ") + variant);
    std::istringstream words(variant);
    std::string codec, version, dict;
    words >> codec >> version >> dict;
    const std::string path = dir_ + "/one-" + codec + "-" + version + "-" + dict + ".parquet";
    const std::string info = duckdb_write(dir_ + "/all.csv", path, codec, version, dict);
    EXPECT_NE(info.find("row_groups=1"), std::string::npos) << info;
    EXPECT_EQ(report(path), text);
  }
  // Stdin (read into memory: Parquet needs to seek).
  int code = -1;
  const std::string out =
      run("--no-names --output json - < " + dir_ + "/all-gzip-V1-dict.parquet", &code);
  EXPECT_EQ(code, 0) << stderr_text();
  EXPECT_EQ(comparable(out), text);
  // A window applies to Parquet rows as to text lines.
  const std::string window = " --start 2026-11-29T10:20:00Z --end 2026-11-29T10:40:00Z";
  const nlohmann::json text_window = report(dir_ + "/all.log", window);
  EXPECT_GT(text_window["stats"]["outside_window"].get<int>(), 0);
  EXPECT_EQ(report(dir_ + "/all-snappy-V2-plain.parquet", window), text_window);
}

TEST_F(ParquetCliTest, ColumnSubsetsInAnyOrder) {
  const std::vector<Row> rows = make_records(7);
  // No packets, no interface-id (the overlap rule), columns reordered.
  const std::vector<size_t> subset_a = {9, 4, 3, 12, 6, 5, 13, 10, 11, 7};
  // Only what is required, plus dstport.
  const std::vector<size_t> subset_b = {3, 9, 4, 6};
  // Without ports only the mount targets' addresses tell EFS traffic.
  const std::string ips = " --server-ips 10.0.9.10,10.0.9.11,fd00::9:12";
  int n = 0;
  for (const std::vector<size_t>& columns : {subset_a, subset_b}) {
    SCOPED_TRACE("subset " + std::to_string(n));
    const std::string base = dir_ + "/subset" + std::to_string(n++);
    write_inputs(rows, columns, base + ".log", base + ".csv");
    const nlohmann::json text = report(base + ".log", ips);
    ASSERT_FALSE(text["rows"].empty());
    duckdb_write(base + ".csv", base + ".parquet", "gzip", "V1", "dict");
    EXPECT_EQ(report(base + ".parquet", ips), text);
  }
  // Without start a window cannot be applied: refused as for text (exit 2).
  int code = -1;
  run("--no-names --since 1h " + dir_ + "/subset1.parquet", &code);
  EXPECT_EQ(code, 2) << stderr_text();
  EXPECT_NE(stderr_text().find("lacks the start field"), std::string::npos) << stderr_text();
}

TEST_F(ParquetCliTest, CorruptFilesFailAloneWithTheirOffset) {
  const std::vector<Row> rows = make_records(3);
  std::vector<size_t> all;
  for (size_t i = 0; i < kAllColumns.size(); ++i) all.push_back(i);
  write_inputs(rows, all, dir_ + "/good.log", dir_ + "/all.csv");
  duckdb_write(dir_ + "/all.csv", dir_ + "/full.parquet", "gzip", "V1", "dict");
  std::ifstream in(dir_ + "/full.parquet", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(bytes.size(), 1000u);
  std::ofstream(dir_ + "/cut.parquet", std::ios::binary) << bytes.substr(0, bytes.size() - 100);
  const nlohmann::json good = report(dir_ + "/good.log");

  int code = -1;
  std::string out =
      run("--no-names --output json " + dir_ + "/good.log " + dir_ + "/cut.parquet", &code);
  EXPECT_EQ(code, 3) << stderr_text();  // partial result
  EXPECT_NE(stderr_text().find("efstop: read " + dir_ + "/cut.parquet: parquet: "),
            std::string::npos)
      << stderr_text();
  EXPECT_NE(stderr_text().find(" at offset "), std::string::npos) << stderr_text();
  nlohmann::json partial = comparable(out);
  EXPECT_EQ(partial["partial"], true);
  partial.erase("partial");
  nlohmann::json expected = good;
  expected.erase("partial");
  EXPECT_EQ(partial["rows"], expected["rows"]);

  // Bytes flipped all over the data: each file is read or refused, never a
  // crash (exit 0 or 3; the fuzz targets go further).
  for (size_t step : {97u, 389u, 1021u}) {
    std::string bad = bytes;
    for (size_t i = 4; i + 8 < bad.size(); i += step) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    std::ofstream(dir_ + "/bad.parquet", std::ios::binary) << bad;
    run("--no-names --output json " + dir_ + "/good.log " + dir_ + "/bad.parquet", &code);
    EXPECT_TRUE(code == 0 || code == 3) << step << ": " << code << "\n" << stderr_text();
  }

  // A corrupt ZSTD frame fails the file, naming it and the column chunk:
  // every frame's magic (28 b5 2f fd, RFC 8878) is broken, so the first
  // chunk efstop reads (srcaddr) is the one that fails.
  duckdb_write(dir_ + "/all.csv", dir_ + "/zstd.parquet", "zstd", "V1", "dict");
  std::ifstream zin(dir_ + "/zstd.parquet", std::ios::binary);
  std::string zstd((std::istreambuf_iterator<char>(zin)), {});
  const std::string magic("\x28\xb5\x2f\xfd", 4);
  int frames = 0;
  for (size_t at = zstd.find(magic); at != std::string::npos; at = zstd.find(magic, at + 4)) {
    zstd[at] = 0;
    ++frames;
  }
  ASSERT_GT(frames, 0);
  std::ofstream(dir_ + "/zstd-bad.parquet", std::ios::binary) << zstd;
  out = run("--no-names --output json " + dir_ + "/good.log " + dir_ + "/zstd-bad.parquet", &code);
  EXPECT_EQ(code, 3) << stderr_text();
  EXPECT_NE(stderr_text().find("efstop: read " + dir_ +
                               "/zstd-bad.parquet: parquet: column "
                               "srcaddr: corrupt ZSTD page ("),
            std::string::npos)
      << stderr_text();
  EXPECT_EQ(comparable(out)["rows"], expected["rows"]);
}

TEST_F(ParquetCliTest, FromS3WithRangedGets) {
  t::S3ServerOptions so;
  so.buckets = {kBucket};
  Result<std::unique_ptr<t::S3Server>> s = t::S3Server::start(so);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  std::unique_ptr<t::S3Server> s3 = std::move(s).value();

  const std::vector<Row> rows = make_records(29);
  std::vector<size_t> all;
  for (size_t i = 0; i < kAllColumns.size(); ++i) all.push_back(i);
  // Two deliveries each way: the records split in halves.
  const std::string day = "AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/29/";
  for (int half = 0; half < 2; ++half) {
    std::vector<Row> part(rows.begin() + half * kRecords / 2,
                          rows.begin() + (half + 1) * kRecords / 2);
    const std::string base = dir_ + "/half" + std::to_string(half);
    write_inputs(part, all, base + ".log", base + ".csv");
    duckdb_write(base + ".csv", base + ".parquet", "gzip", "V1", "dict");
    std::ifstream tin(base + ".log", std::ios::binary), pin(base + ".parquet", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(tin)), {});
    const std::string pq((std::istreambuf_iterator<char>(pin)), {});
    const std::string name = "111122223333_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261129T10" +
                             std::to_string(15 + half * 20) + "Z_h" + std::to_string(half);
    ASSERT_TRUE(s3->put_object(kBucket, "text/" + day + name + ".log.gz", test::gzip(text)).ok());
    ASSERT_TRUE(s3->put_object(kBucket, "pq/" + day + name + ".log.parquet", pq).ok());
  }
  // --no-metrics: the file systems' metrics are not what this compares (a
  // local read has none).
  const std::string common = " --no-metrics --region us-east-1 --endpoint-url " + s3->url() +
                             " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z --s3 s3://" +
                             kBucket + "/";
  const nlohmann::json text = report("", common + "text");
  ASSERT_FALSE(text["rows"].empty());
  const int64_t gets_before = s3->endpoint()->count("s3:GetObject");
  const nlohmann::json pq = report("", common + "pq");
  EXPECT_EQ(pq, text);
  // Per object: the streamed GET dropped after the magic, the footer, then
  // one ranged GET per needed column chunk (not the whole object).
  const int64_t gets = s3->endpoint()->count("s3:GetObject") - gets_before;
  EXPECT_GE(gets, 2 * (2 + 1));
  EXPECT_LE(gets, 2 * (2 + 12)) << gets;
  // Local Parquet files give the same report.
  EXPECT_EQ(report(dir_ + "/half0.parquet " + dir_ + "/half1.parquet",
                   " --start 2026-11-29T10:00:00Z --end 2026-11-29T11:00:00Z"),
            text);
}

}  // namespace
}  // namespace efstop::cloud
