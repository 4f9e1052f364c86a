#include "report/writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "report/safe_text.h"
#include "report/units.h"

namespace efstop::report {
namespace {

// 2026-11-26T14:00:00Z, computed with Python's datetime.
constexpr int64_t k1400 = 1795701600;

Row make_row(const std::string& client, const std::string& server, int64_t read, int64_t written,
             int64_t packets, int64_t flows, int64_t rejected, int64_t first, int64_t last) {
  Row row;
  row.client = end_from_ip(client);
  row.server = end_from_ip(server);
  row.counters = Counters{read, written, packets, flows, rejected, first, last};
  return row;
}

// Two pairs; the numbers are chosen so each unit rule shows:
// 1503238553 B = 1.39999 GiB, 3072 B = 3.0 KiB, 512 B.
Report two_pairs() {
  Report r;
  r.rows.push_back(
      make_row("10.0.1.15", "10.0.2.100", 1503238553, 3072, 1000, 4, 0, k1400, k1400 + 600));
  r.rows.push_back(make_row("10.0.1.7", "10.0.2.100", 512, 0, 2, 1, 1, k1400 + 300, k1400 + 360));
  r.total_rows = 2;
  for (const Row& row : r.rows) r.totals.merge(row.counters);
  r.stats = Stats{12, 11, 5, 1, 1, 1, 2, 0, 2, 0, 1, 0};
  return r;
}

std::string render(const Report& r, OutputFormat format) {
  std::ostringstream out;
  EXPECT_TRUE(write_report(r, format, out).ok());
  return out.str();
}

TEST(WriterTest, TableAlignsColumnsWithIecUnitsAndTotal) {
  EXPECT_EQ(render(two_pairs(), OutputFormat::kTable),
            "CLIENT     SERVER         READ  WRITTEN    TOTAL  PACKETS  FLOWS  REJECTED\n"
            "10.0.1.15  10.0.2.100  1.4 GiB  3.0 KiB  1.4 GiB     1000      4         0\n"
            "10.0.1.7   10.0.2.100    512 B      0 B    512 B        2      1         1\n"
            "TOTAL                  1.4 GiB  3.0 KiB  1.4 GiB     1002      5         1\n");
}

TEST(WriterTest, TableTotalSaysWhenTopCutRows) {
  Report r = two_pairs();
  r.total_rows = 7;  // five more rows were cut by --top
  const std::string table = render(r, OutputFormat::kTable);
  EXPECT_NE(table.find("\nTOTAL (all 7)  "), std::string::npos) << table;
}

TEST(WriterTest, TableWithoutRowsStillHasHeaderAndTotal) {
  Report r;
  EXPECT_EQ(render(r, OutputFormat::kTable),
            "CLIENT  SERVER  READ  WRITTEN  TOTAL  PACKETS  FLOWS  REJECTED\n"
            "TOTAL            0 B      0 B    0 B        0      0         0\n");
}

TEST(WriterTest, TableGroupedByClientHasNoServerColumn) {
  Report r = two_pairs();
  r.group_by = GroupBy::kClient;
  for (Row& row : r.rows) row.server.reset();
  const std::string table = render(r, OutputFormat::kTable);
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "CLIENT        READ  WRITTEN    TOTAL  PACKETS  FLOWS  REJECTED");
}

TEST(WriterTest, CsvIsRfc4180WithExactIntegersAndIsoTimes) {
  EXPECT_EQ(render(two_pairs(), OutputFormat::kCsv),
            "client,server,bytes_read,bytes_written,bytes_total,packets,flows,rejected,first_seen,"
            "last_seen\r\n"
            "10.0.1.15,10.0.2.100,1503238553,3072,1503241625,1000,4,0,2026-11-26T14:00:00Z,"
            "2026-11-26T14:10:00Z\r\n"
            "10.0.1.7,10.0.2.100,512,0,512,2,1,1,2026-11-26T14:05:00Z,2026-11-26T14:06:00Z\r\n");
}

TEST(WriterTest, TsvUsesTabsAndLf) {
  EXPECT_EQ(render(two_pairs(), OutputFormat::kTsv),
            "client\tserver\tbytes_read\tbytes_written\tbytes_total\tpackets\tflows\trejected\t"
            "first_seen\tlast_seen\n"
            "10.0.1.15\t10.0.2.100\t1503238553\t3072\t1503241625\t1000\t4\t0\t"
            "2026-11-26T14:00:00Z\t2026-11-26T14:10:00Z\n"
            "10.0.1.7\t10.0.2.100\t512\t0\t512\t2\t1\t1\t2026-11-26T14:05:00Z\t"
            "2026-11-26T14:06:00Z\n");
}

TEST(WriterTest, MissingTimesAreEmptyInCsvAndNullInJson) {
  Report r = two_pairs();
  r.rows.resize(1);
  r.rows[0].counters.first_seen.reset();
  EXPECT_NE(render(r, OutputFormat::kCsv).find(",0,,2026-11-26T14:10:00Z\r\n"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(render(r, OutputFormat::kJson));
  EXPECT_TRUE(j["rows"][0]["first_seen"].is_null());
}

TEST(WriterTest, JsonFollowsTheContract) {
  Report r = two_pairs();
  r.window.start = k1400;
  const std::string text = render(r, OutputFormat::kJson);
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["window"]["start"], "2026-11-26T14:00:00Z");
  EXPECT_TRUE(j["window"]["end"].is_null());
  // The records counted: the earliest start and latest end of all rows.
  EXPECT_EQ(j["window"]["first_seen"], "2026-11-26T14:00:00Z");
  EXPECT_EQ(j["window"]["last_seen"], "2026-11-26T14:10:00Z");
  ASSERT_EQ(j["rows"].size(), 2u);
  const nlohmann::json& row = j["rows"][0];
  EXPECT_EQ(row["client"], nlohmann::json({{"ip", "10.0.1.15"}}));
  EXPECT_EQ(row["server"], nlohmann::json({{"ip", "10.0.2.100"}}));
  EXPECT_EQ(row["bytes_read"], 1503238553);
  EXPECT_EQ(row["bytes_written"], 3072);
  EXPECT_EQ(row["bytes_total"], 1503241625);
  EXPECT_EQ(row["packets"], 1000);
  EXPECT_EQ(row["flows"], 4);
  EXPECT_EQ(row["rejected"], 0);
  EXPECT_EQ(row["first_seen"], "2026-11-26T14:00:00Z");
  EXPECT_EQ(row["last_seen"], "2026-11-26T14:10:00Z");
  EXPECT_EQ(j["stats"], nlohmann::json::parse(R"({"lines":12,"records":11,"used":5,"skipped":1,
      "nodata":1,"skipdata":1,"not_efs":2,"outside_window":0,"duplicates":2,"unknown_address":0,
      "unknown_bytes":0,"below_min_bytes":0,"files":1,"files_failed":0})"));
  EXPECT_FALSE(j.contains("notes"));
  EXPECT_EQ(j["query"], nlohmann::json::parse(R"({"group_by":"pair","sort":"total",
      "total_rows":2})"));
  EXPECT_FALSE(j.contains("efstop"));  // only when the CLI says who wrote it
  // Members in contract order.
  EXPECT_LT(text.find("\"window\""), text.find("\"rows\""));
  EXPECT_LT(text.find("\"rows\""), text.find("\"stats\""));
  EXPECT_LT(text.find("\"bytes_read\""), text.find("\"bytes_written\""));
  EXPECT_LT(text.find("\"lines\""), text.find("\"records\""));
}

TEST(WriterTest, JsonSaysWhetherTheReportIsPartialAfterStats) {
  Report whole = two_pairs();
  const std::string whole_text = render(whole, OutputFormat::kJson);
  nlohmann::json w = nlohmann::json::parse(whole_text);
  EXPECT_EQ(w["partial"], false);
  EXPECT_EQ(w["failed_inputs"], nlohmann::json::array());
  EXPECT_LT(whole_text.find("\"stats\""), whole_text.find("\"partial\""));
  EXPECT_LT(whole_text.find("\"partial\""), whole_text.find("\"failed_inputs\""));

  Report part = two_pairs();
  part.partial = true;
  part.failed_inputs = {{"s3://b/k.log.gz", "connection reset by peer (after 3 attempts)"},
                        {"b.log", "no such file or directory"}};
  nlohmann::json p = nlohmann::json::parse(render(part, OutputFormat::kJson));
  EXPECT_EQ(p["partial"], true);
  EXPECT_EQ(p["failed_inputs"], nlohmann::json::parse(R"j([
      {"input": "s3://b/k.log.gz", "error": "connection reset by peer (after 3 attempts)"},
      {"input": "b.log", "error": "no such file or directory"}])j"));
  EXPECT_EQ(p["rows"], w["rows"]);  // what was read is all there
}

TEST(WriterTest, SummaryOfAPartialReportSaysSoFirst) {
  Report r = two_pairs();
  r.stats.files = 3;
  r.stats.files_failed = 1;
  r.partial = true;
  r.failed_inputs = {{"b.log\x1b[2J", "no such file or directory"}};
  std::ostringstream out;
  write_summary(r, out);
  const std::string text = out.str();
  // The partial lines come first, before the window and the rows.
  EXPECT_EQ(text.rfind("partial: 1 of 3 inputs could not be read; the report leaves out its "
                       "records\npartial: b.log\\x1B[2J: no such file or directory\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("\nrows: "), std::string::npos) << text;
  std::ostringstream notice;
  write_partial_notice(two_pairs(), notice);
  EXPECT_EQ(notice.str(), "");  // a whole report: nothing
}

TEST(WriterTest, JsonKeepsLargeCountersExact) {
  Report r;
  r.rows.push_back(make_row("10.0.0.1", "10.0.0.2", int64_t{5} << 32, 1, 1, 1, 0, 0, 0));
  nlohmann::json j = nlohmann::json::parse(render(r, OutputFormat::kJson));
  EXPECT_EQ(j["rows"][0]["bytes_total"].get<int64_t>(), 21474836481);
}

TEST(WriterTest, JsonGroupedRowOmitsTheOtherEnd) {
  Report r = two_pairs();
  r.group_by = GroupBy::kServer;
  for (Row& row : r.rows) row.client.reset();
  nlohmann::json j = nlohmann::json::parse(render(r, OutputFormat::kJson));
  EXPECT_FALSE(j["rows"][0].contains("client"));
  EXPECT_TRUE(j["rows"][0].contains("server"));
}

TEST(WriterTest, NdjsonPrintsOneRowPerLineThenStats) {
  const std::string text = render(two_pairs(), OutputFormat::kNdjson);
  std::istringstream in(text);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["client"]["ip"], "10.0.1.15");
  EXPECT_EQ(lines[1]["bytes_read"], 512);
  ASSERT_EQ(lines[2].size(), 1u);
  EXPECT_EQ(lines[2]["stats"]["used"], 5);
  EXPECT_EQ(text.substr(0, 34), "{\"client\":{\"ip\":\"10.0.1.15\"},\"serv");
}

Report hostile_names() {
  Report r = two_pairs();
  r.rows[0].client->name = "=HYPERLINK(\"http://x\",\"a,b\")";
  r.rows[0].client->id = "i-0abc";
  r.rows[1].client->name = "evil\x1b[2J\nforged,row";
  r.rows[1].server->ips = {"10.0.2.100", "10.0.2.101"};
  return r;
}

TEST(WriterTest, CsvShowsOnlySetNameColumnsAndNeutralisesThem) {
  const std::string csv = render(hostile_names(), OutputFormat::kCsv);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "client,client_name,client_id,server,bytes_read,bytes_written,bytes_total,packets,"
            "flows,rejected,first_seen,last_seen");
  EXPECT_NE(
      csv.find("\r\n10.0.1.15,\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\",i-0abc,10.0.2.100,"),
      std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\r\n10.0.1.7,\"evil\\x1B[2J\\x0Aforged,row\",,\"10.0.2.100,10.0.2.101\","),
            std::string::npos)
      << csv;
  EXPECT_EQ(csv.find('\x1b'), std::string::npos);
}

// --bucket's long form: a line per row and bucket, each the row's own line
// (as written without buckets: quoted, neutralised) and the bucket's three
// cells. Enough buckets that a row's lines pass the writer's 64 KiB batches.
TEST(WriterTest, LongFormLinesAreTheRowsLineAndTheBucketsCells) {
  const int64_t width = 300;
  const int64_t start = k1400 - 600;
  const int64_t count = 1500;
  for (const OutputFormat f : {OutputFormat::kCsv, OutputFormat::kTsv}) {
    SCOPED_TRACE(f == OutputFormat::kCsv ? "csv" : "tsv");
    const std::string sep = f == OutputFormat::kCsv ? "," : "\t";
    const std::string eol = f == OutputFormat::kCsv ? "\r\n" : "\n";
    const std::string plain = render(hostile_names(), f);  // the rows' lines
    Report r = hostile_names();
    r.bucket_s = width;
    r.series_start = start;
    r.series_buckets = count;
    // Row 0: bytes in a few buckets, one past the last (left out); row 1: none.
    r.rows[0].series.cells = {{start, 5, 7},
                              {start + 700 * width, 11, 0},
                              {start + (count - 1) * width, 0, 13},
                              {start + count * width, 17, 19}};
    std::vector<std::string> lines;
    for (size_t at = 0; at < plain.size();) {
      const size_t end = plain.find(eol, at);
      lines.push_back(plain.substr(at, end - at));
      at = end + eol.size();
    }
    ASSERT_EQ(lines.size(), 3u);  // the header and two rows
    std::string want =
        lines[0] + sep + "bucket_start" + sep + "bucket_read" + sep + "bucket_written" + eol;
    for (size_t row = 0; row < 2; ++row) {
      for (int64_t k = 0; k < count; ++k) {
        int64_t read = 0;
        int64_t written = 0;
        for (const BucketCell& c : r.rows[row].series.cells) {
          if (c.start == start + k * width) {
            read = c.bytes_read;
            written = c.bytes_written;
          }
        }
        want += lines[row + 1] + sep + format_iso8601_utc(start + k * width) + sep +
                std::to_string(read) + sep + std::to_string(written) + eol;
      }
    }
    const std::string got = render(r, f);
    ASSERT_GT(got.size(), size_t{2} * (64 << 10));
    EXPECT_TRUE(got == want)
        << "first difference at byte "
        << std::mismatch(got.begin(), got.end(), want.begin(), want.end()).first - got.begin();
  }
}

// NDJSON's long form: a line per row and bucket, each the row's object as
// written without buckets with the bucket's four members before its closing
// brace; the stats line last, unchanged. Enough buckets that the lines pass
// the writer's 64 KiB batches.
TEST(WriterTest, NdjsonLongFormLinesAreTheRowsObjectAndTheBucketsMembers) {
  const int64_t width = 300;
  const int64_t start = k1400 - 600;
  const int64_t count = 1500;
  std::vector<std::string> plain;  // the rows' lines, then the stats line
  {
    std::istringstream in(render(hostile_names(), OutputFormat::kNdjson));
    for (std::string line; std::getline(in, line);) plain.push_back(line);
  }
  ASSERT_EQ(plain.size(), 3u);
  Report r = hostile_names();
  r.bucket_s = width;
  r.series_start = start;
  r.series_buckets = count;
  // Row 0: bytes in a few buckets, one before the first and one past the
  // last (both left out), two in one bucket; row 1: none.
  r.rows[0].series.cells = {{start - width, 3, 3},
                            {start, 5, 7},
                            {start + 700 * width, 11, 0},
                            {start + 700 * width + 60, 1, 2},  // off the grid, same bucket
                            {start + (count - 1) * width, 0, 13},
                            {start + count * width, 17, 19}};
  std::string want;
  for (size_t row = 0; row < 2; ++row) {
    const std::string& line = plain[row];
    ASSERT_EQ(line.back(), '}');
    for (int64_t k = 0; k < count; ++k) {
      const int64_t b = start + k * width;
      int64_t read = 0;
      int64_t written = 0;
      for (const BucketCell& c : r.rows[row].series.cells) {
        if (c.start >= b && c.start < b + width) {
          read += c.bytes_read;
          written += c.bytes_written;
        }
      }
      want += line.substr(0, line.size() - 1) + ",\"bucket_s\":300,\"bucket_start\":\"" +
              format_iso8601_utc(b) + "\",\"bucket_read\":" + std::to_string(read) +
              ",\"bucket_written\":" + std::to_string(written) + "}\n";
    }
  }
  want += plain[2] + "\n";
  const std::string got = render(r, OutputFormat::kNdjson);
  ASSERT_GT(got.size(), size_t{2} * (64 << 10));
  EXPECT_TRUE(got == want)
      << "first difference at byte "
      << std::mismatch(got.begin(), got.end(), want.begin(), want.end()).first - got.begin();
  // No bucket in the report at all: each row once, its bucket members null.
  r.series_buckets = 0;
  const std::string none = render(r, OutputFormat::kNdjson);
  EXPECT_EQ(none, plain[0].substr(0, plain[0].size() - 1) +
                      ",\"bucket_s\":300,\"bucket_start\":null,\"bucket_read\":null,"
                      "\"bucket_written\":null}\n" +
                      plain[1].substr(0, plain[1].size() - 1) +
                      ",\"bucket_s\":300,\"bucket_start\":null,\"bucket_read\":null,"
                      "\"bucket_written\":null}\n" +
                      plain[2] + "\n");
}

TEST(WriterTest, TsvAndTableCarryNoControlCharacters) {
  for (OutputFormat f : {OutputFormat::kTsv, OutputFormat::kTable}) {
    const std::string text = render(hostile_names(), f);
    for (char c : text) {
      const auto b = static_cast<unsigned char>(c);
      if (f == OutputFormat::kTsv && c == '\t') continue;
      if (c == '\n') continue;
      EXPECT_TRUE(b >= 0x20 && b != 0x7F) << "byte " << int(b) << " in " << text;
    }
    // 2 data lines + header (+ TOTAL for table): no forged line.
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), f == OutputFormat::kTable ? 4 : 3);
  }
  std::ostringstream wide;
  write_table(hostile_names(), wide, TableOptions{.wide = true});
  const std::string table = wide.str();
  EXPECT_EQ(table.substr(0, table.find('\n')),
            // Name column 28 wide (the HYPERLINK cell), server 21 (two addresses).
            "CLIENT     CLIENT NAME                   CLIENT ID  SERVER                    "
            "READ  WRITTEN    TOTAL  PACKETS  FLOWS  REJECTED");
}

// A named report as resolution leaves it: an instance in one AZ using a
// mount target in another, a Lambda function, and an end that stayed
// unresolved.
Report named_pairs() {
  Report r = two_pairs();
  r.rows.push_back(make_row("10.0.1.9", "10.0.2.100", 100, 0, 1, 1, 2, k1400, k1400 + 60));
  r.total_rows = 3;
  r.totals = Counters{};
  for (const Row& row : r.rows) r.totals.merge(row.counters);
  const auto name = [](End& e, std::string n, std::string kind, std::string id, std::string az) {
    e.name = std::move(n);
    e.kind = std::move(kind);
    e.id = std::move(id);
    e.az = std::move(az);
    e.account = "123456789012";
  };
  name(*r.rows[0].client, "web-01", "ec2-instance", "i-0abc", "us-east-1a");
  name(*r.rows[1].client, "thumbnailer", "lambda", "thumbnailer", "us-east-1b");
  name(*r.rows[2].client, "unresolved: denied ec2:DescribeNetworkInterfaces", "unresolved", "", "");
  r.rows[2].client->account.clear();
  for (Row& row : r.rows) {
    name(*row.server, "home", "efs-mount-target", "fs-0123", "us-east-1b");
  }
  r.rows[0].cross_az_bytes = r.rows[0].counters.bytes_total();
  r.rows[1].cross_az_bytes = 0;
  r.rows[2].cross_az_unknown_bytes = r.rows[2].counters.bytes_total();  // no AZ
  return r;
}

TEST(WriterTest, TableWithNamesIsCompactByDefault) {
  // 1503241625 B at $0.02/GiB = $0.0280 (1503241625 / 2^30 = 1.40000286);
  // the unresolved client's AZ is unknown, so the TOTAL cost is a lower bound.
  EXPECT_EQ(render(named_pairs(), OutputFormat::kTable),
            "CLIENT       KIND          CLIENT AZ   FILE SYSTEM  SERVER AZ      READ  WRITTEN  "
            "  TOTAL  FLOWS  REJECTED   CROSS-AZ\n"
            "web-01       ec2-instance  us-east-1a  home         us-east-1b  1.4 GiB  3.0 KiB  "
            "1.4 GiB      4         0    $0.0280\n"
            "thumbnailer  lambda        us-east-1b  home         us-east-1b    512 B      0 B  "
            "  512 B      1         1         no\n"
            "10.0.1.9     unresolved                home         us-east-1b    100 B      0 B  "
            "  100 B      1         2          ?\n"
            "TOTAL                                                           1.4 GiB  3.0 KiB  "
            "1.4 GiB      6         3  $0.0280+?\n");
}

// Merged rows: 2 GiB crossed (known) and 1 GiB of unknown AZ -> the cost
// is a lower bound ("+?"); none crossed but some unknown -> "?", not "no".
Report merged_cross_az() {
  Report r = named_pairs();
  r.rows[0].cross_az_bytes = int64_t{2} << 30;
  r.rows[0].cross_az_unknown_bytes = int64_t{1} << 30;
  r.rows[1].cross_az_bytes = 0;
  r.rows[1].cross_az_unknown_bytes = 512;
  r.rows[2].cross_az_bytes.reset();
  r.rows[2].cross_az_unknown_bytes = 100;
  return r;
}

TEST(WriterTest, CrossAzOfUnknownAzIsShownAsUnknown) {
  std::istringstream compact(render(merged_cross_az(), OutputFormat::kTable));
  std::vector<std::string> ends;
  for (std::string line; std::getline(compact, line);) {
    ends.push_back(line.substr(line.find_last_of(' ') + 1));
  }
  // $0.0400 = 2 GiB * $0.02; the TOTAL is a lower bound as well.
  EXPECT_EQ(ends, (std::vector<std::string>{"CROSS-AZ", "$0.0400+?", "?", "?", "$0.0400+?"}));

  std::ostringstream wide;
  write_table(merged_cross_az(), wide, TableOptions{.wide = true});
  EXPECT_NE(wide.str().find("  yes+?  $0.0400+?\n"), std::string::npos) << wide.str();

  const auto json = nlohmann::json::parse(render(merged_cross_az(), OutputFormat::kJson));
  const auto& rows = json["rows"];
  EXPECT_EQ(rows[0]["cross_az"], true);
  EXPECT_EQ(rows[0]["cross_az_bytes"], int64_t{2} << 30);
  EXPECT_EQ(rows[0]["cross_az_cost_usd"], 0.04);
  EXPECT_EQ(rows[0]["cross_az_unknown_bytes"], int64_t{1} << 30);
  EXPECT_FALSE(rows[1].contains("cross_az"));  // none known to cross, some unknown
  EXPECT_EQ(rows[1]["cross_az_bytes"], 0);
  EXPECT_EQ(rows[1]["cross_az_unknown_bytes"], 512);
  EXPECT_FALSE(rows[2].contains("cross_az"));
  EXPECT_FALSE(rows[2].contains("cross_az_bytes"));
  EXPECT_EQ(rows[2]["cross_az_unknown_bytes"], 100);
  // A row all known keeps the three members and no unknown one.
  const auto plain = nlohmann::json::parse(render(named_pairs(), OutputFormat::kJson));
  EXPECT_EQ(plain["rows"][1]["cross_az"], false);
  EXPECT_FALSE(plain["rows"][1].contains("cross_az_unknown_bytes"));
}

TEST(WriterTest, CsvCarriesTheCrossAzFiguresWithNames) {
  const std::string csv = render(merged_cross_az(), OutputFormat::kCsv);
  std::vector<std::string> lines;
  for (size_t at = 0; at < csv.size();) {
    const size_t end = csv.find("\r\n", at);
    lines.push_back(csv.substr(at, end - at));
    at = end + 2;
  }
  ASSERT_EQ(lines.size(), 4u);
  const auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  EXPECT_TRUE(ends_with(lines[0],
                        ",last_seen,cross_az_bytes,cross_az_unknown_bytes,"
                        "cross_az_cost_usd"))
      << lines[0];
  EXPECT_TRUE(ends_with(lines[1], ",2147483648,1073741824,0.0400")) << lines[1];
  EXPECT_TRUE(ends_with(lines[2], ",0,512,0.0000")) << lines[2];
  EXPECT_TRUE(ends_with(lines[3], ",,100,")) << lines[3];  // no pair with both AZs known
  // Without names, no such columns.
  EXPECT_EQ(render(two_pairs(), OutputFormat::kCsv).find("cross_az"), std::string::npos);
}

TEST(WriterTest, TableWideShowsEveryColumn) {
  Report r = named_pairs();
  r.rows[1].cross_az_bytes = 512;  // crossed, $0.00000095: not shown as $0.0000
  std::ostringstream out;
  write_table(r, out, TableOptions{.wide = true});
  EXPECT_NE(out.str().find("  yes   <$0.0001\n"), std::string::npos) << out.str();
  const std::string header = out.str().substr(0, out.str().find('\n'));
  for (const char* column :
       {"CLIENT ", "CLIENT NAME", "CLIENT KIND", "CLIENT ID", "CLIENT AZ", "CLIENT ACCOUNT",
        "SERVER ", "SERVER NAME", "SERVER KIND", "SERVER ID", "SERVER AZ", "SERVER ACCOUNT",
        "PACKETS", "FLOWS", "REJECTED", "XAZ ", "XAZ COST"}) {
    EXPECT_NE(header.find(column), std::string::npos) << column << " in " << header;
  }
  // The unresolved end's reason and every address are there in full.
  EXPECT_NE(out.str().find("unresolved: denied ec2:DescribeNetworkInterfaces"), std::string::npos);
  EXPECT_NE(out.str().find("10.0.1.15"), std::string::npos);
}

TEST(WriterTest, TableWithoutNamesIsTheSameCompactOrWide) {
  std::ostringstream wide;
  write_table(two_pairs(), wide, TableOptions{.wide = true});
  EXPECT_EQ(render(two_pairs(), OutputFormat::kTable), wide.str());
}

TEST(WriterTest, CompactTableTruncatesLongNamesButNoOtherFormatDoes) {
  Report r = named_pairs();
  const std::string long_client = "analytics-batch-worker-eu-reporting-07";  // 38
  const std::string long_fs = "shared-home-directories-prod";                // 28
  r.rows[0].client->name = long_client;
  r.rows[0].server->name = long_fs;
  const std::string table = render(r, OutputFormat::kTable);
  EXPECT_NE(table.find("analytics-batch-worke\xE2\x80\xA6  ec2-instance"), std::string::npos)
      << table;
  EXPECT_NE(table.find("shared-home-directo\xE2\x80\xA6  us-east-1b"), std::string::npos) << table;
  EXPECT_EQ(table.find(long_client), std::string::npos);
  for (OutputFormat f : {OutputFormat::kTsv, OutputFormat::kCsv, OutputFormat::kJson}) {
    const std::string text = render(r, f);
    EXPECT_NE(text.find(long_client), std::string::npos) << output_format_name(f);
    EXPECT_NE(text.find(long_fs), std::string::npos) << output_format_name(f);
    EXPECT_EQ(text.find("\xE2\x80\xA6"), std::string::npos) << output_format_name(f);
  }
}

// A realistic worst case: names and kinds past their caps, long AZ names,
// hundreds of TiB, millions of flows, thousands of dollars: the compact
// table stays within 160 columns.
TEST(WriterTest, CompactTableFitsA160ColumnTerminal) {
  Report r = named_pairs();
  for (Row& row : r.rows) {
    row.client->name = std::string(60, 'c');
    row.client->kind = "ec2-instance-connect-endpoint";
    row.client->az = "ap-southeast-2c";
    row.server->name = std::string(60, 's');
    row.server->az = "ap-southeast-2a";
    row.counters.bytes_read = int64_t{99} << 40;
    row.counters.bytes_written = int64_t{99} << 40;
    row.counters.flows = 999999;
    row.counters.rejected = 99999;
  }
  r.rows[0].cross_az_bytes = r.rows[0].counters.bytes_total();
  r.totals = Counters{};
  for (const Row& row : r.rows) r.totals.merge(row.counters);
  std::istringstream lines(render(r, OutputFormat::kTable));
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(display_width(line), 160u) << line;
}

TEST(WriterTest, CompactTableNamesAServerThatIsNotEfs) {
  Report r = named_pairs();
  r.rows[1].server->name = "nfs-legacy";
  r.rows[1].server->kind = "ec2-instance";
  const std::string table = render(r, OutputFormat::kTable);
  const std::string header = table.substr(0, table.find('\n'));
  EXPECT_NE(header.find("  SERVER  "), std::string::npos) << header;
  EXPECT_NE(header.find("SERVER KIND"), std::string::npos) << header;
  EXPECT_EQ(header.find("FILE SYSTEM"), std::string::npos) << header;
}

TEST(WriterTest, CompactTableGroupedByAzShowsOneColumnPerEnd) {
  Report r = named_pairs();
  for (Row& row : r.rows) {
    for (End* e : {&*row.client, &*row.server}) {
      e->kind = "az";
      e->name = e->az.empty() ? "?" : e->az;
      e->id.clear();
      e->account.clear();
    }
  }
  const std::string table = render(r, OutputFormat::kTable);
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "CLIENT AZ   SERVER AZ      READ  WRITTEN    TOTAL  FLOWS  REJECTED   CROSS-AZ");
}

TEST(WriterTest, JsonEscapesNamesAndListsMergedAddresses) {
  const std::string text = render(hostile_names(), OutputFormat::kJson);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find(R"("name": "evil\u001b[2J\nforged,row")"), std::string::npos) << text;
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["rows"][1]["server"]["ips"], nlohmann::json({"10.0.2.100", "10.0.2.101"}));
  EXPECT_FALSE(j["rows"][1]["server"].contains("ip"));
  EXPECT_EQ(j["rows"][0]["client"], nlohmann::json({{"ip", "10.0.1.15"},
                                                    {"name", "=HYPERLINK(\"http://x\",\"a,b\")"},
                                                    {"id", "i-0abc"}}));
}

TEST(WriterTest, JsonIsAsciiEvenForUtf8AndInvalidBytes) {
  Report r = two_pairs();
  r.rows[0].client->name = "Caf\xC3\xA9 \xE2\x80\xAE \xFF";
  const std::string text = render(r, OutputFormat::kJson);
  for (char c : text) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
  EXPECT_NE(text.find(R"("Caf\u00e9 \u202e \ufffd")"), std::string::npos) << text;
}

// The JSON writer writes rows as text directly; these rows, built as a
// nlohmann tree the way docs/json.md describes them and dumped, must give
// the same bytes: indentation, escaping (controls, quotes, backslashes,
// DEL, UTF-8, invalid bytes), merged addresses, booleans, and the cost's
// floating-point formatting.
nlohmann::ordered_json end_tree(const End& end) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (end.ips.size() == 1) {
    j["ip"] = end.ips.front();
  } else {
    j["ips"] = end.ips;
  }
  const std::pair<const char*, std::string End::*> fields[] = {
      {"name", &End::name}, {"kind", &End::kind}, {"id", &End::id},
      {"az", &End::az},     {"account", &End::account}};
  for (const auto& [key, member] : fields) {
    if (!(end.*member).empty()) j[key] = end.*member;
  }
  return j;
}

nlohmann::ordered_json row_tree(const Row& row, double usd_per_gib) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (row.client) j["client"] = end_tree(*row.client);
  if (row.server) j["server"] = end_tree(*row.server);
  const Counters& c = row.counters;
  j["bytes_read"] = c.bytes_read;
  j["bytes_written"] = c.bytes_written;
  j["bytes_total"] = c.bytes_read + c.bytes_written;
  j["packets"] = c.packets;
  j["flows"] = c.flows;
  j["rejected"] = c.rejected;
  const auto time = [](const std::optional<int64_t>& t) {
    return t ? nlohmann::ordered_json(format_iso8601_utc(*t)) : nlohmann::ordered_json(nullptr);
  };
  j["first_seen"] = time(c.first_seen);
  j["last_seen"] = time(c.last_seen);
  if (row.cross_az_bytes) {
    if (*row.cross_az_bytes > 0 || row.cross_az_unknown_bytes == 0) {
      j["cross_az"] = *row.cross_az_bytes > 0;
    }
    j["cross_az_bytes"] = *row.cross_az_bytes;
    j["cross_az_cost_usd"] =
        std::round(static_cast<double>(*row.cross_az_bytes) / (1 << 30) * usd_per_gib * 10000.0) /
        10000.0;
  }
  if (row.cross_az_unknown_bytes > 0) j["cross_az_unknown_bytes"] = row.cross_az_unknown_bytes;
  return j;
}

TEST(WriterTest, JsonRowsAreByteForByteWhatATreeDumpPrints) {
  std::vector<Row> rows;
  for (const Report& r : {hostile_names(), named_pairs(), merged_cross_az()}) {
    rows.insert(rows.end(), r.rows.begin(), r.rows.end());
  }
  Report odd = two_pairs();
  odd.rows[0].client->name =
      "q\"uote \\ back\x7f del \x01\t tab Caf\xC3\xA9 \xF0\x9F\x98\x80 \xFF\xFE end";
  odd.rows[0].server->ips = {"2001:db8::1", "10.0.2.100", "10.0.2.101"};
  // One special character each, so none hides behind another.
  odd.rows[0].client->kind = "back\\slash";
  odd.rows[0].client->id = "quo\"te";
  odd.rows[0].client->az = "del\x7f";
  odd.rows[0].client->account = "tab\there";
  odd.rows[1].client->name = "Caf\xC3\xA9";
  odd.rows[1].client->kind = "nul\x00byte";
  odd.rows[1].client->kind.push_back('\0');
  odd.rows[1].client->id = "";
  odd.rows[1].counters.first_seen.reset();
  odd.rows[1].cross_az_bytes = int64_t{123456789};
  rows.insert(rows.end(), odd.rows.begin(), odd.rows.end());
  Report r = two_pairs();
  r.rows = rows;
  r.cross_az_usd_per_gib = 0.013;

  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  doc["window"]["start"] = nullptr;
  doc["window"]["end"] = nullptr;
  doc["window"]["first_seen"] = format_iso8601_utc(*r.totals.first_seen);
  doc["window"]["last_seen"] = format_iso8601_utc(*r.totals.last_seen);
  nlohmann::ordered_json tree_rows = nlohmann::ordered_json::array();
  std::string ndjson;
  for (const Row& row : r.rows) {
    tree_rows.push_back(row_tree(row, r.cross_az_usd_per_gib));
    ndjson += row_tree(row, r.cross_az_usd_per_gib)
                  .dump(-1, ' ', true, nlohmann::ordered_json::error_handler_t::replace) +
              "\n";
  }
  doc["rows"] = tree_rows;
  const std::string text = render(r, OutputFormat::kJson);
  const std::string expected_rows =
      doc.dump(2, ' ', true, nlohmann::ordered_json::error_handler_t::replace);
  // Everything up to the stats (which the writer dumps through nlohmann).
  const std::string cut = "\n  ]";
  ASSERT_NE(text.find(cut), std::string::npos);
  ASSERT_NE(expected_rows.find(cut), std::string::npos);
  EXPECT_EQ(text.substr(0, text.find(cut)), expected_rows.substr(0, expected_rows.find(cut)));
  const std::string nd = render(r, OutputFormat::kNdjson);
  EXPECT_EQ(nd.substr(0, ndjson.size()), ndjson);
}

// The rows' series (--bucket) against the same tree dumped: indentation
// of the number arrays, empty arrays, and --sample's nulls for buckets no
// slice overlaps. (NDJSON writes a series in long form, one line a bucket.)
TEST(WriterTest, JsonSeriesAreByteForByteWhatATreeDumpPrints) {
  const int64_t start = k1400 - 600;
  auto series_tree = [&](const Report& r, const Row& row) {
    nlohmann::ordered_json s = nlohmann::ordered_json::object();
    s["bucket_s"] = r.bucket_s;
    s["start"] = r.series_buckets > 0 ? nlohmann::ordered_json(format_iso8601_utc(r.series_start))
                                      : nlohmann::ordered_json(nullptr);
    const std::vector<BucketCell> dense =
        row.series.dense(r.series_start, r.bucket_s, r.series_buckets);
    for (const bool read : {true, false}) {
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (const BucketCell& c : dense) {
        if (r.sample && !r.sample->covers_bucket(c.start, r.bucket_s)) {
          a.push_back(nullptr);
        } else {
          a.push_back(read ? c.bytes_read : c.bytes_written);
        }
      }
      s[read ? "read" : "written"] = a;
    }
    return s;
  };
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE(variant);
    Report r = two_pairs();
    r.bucket_s = 300;
    r.series_start = start;
    r.series_buckets = variant == 1 ? 0 : 5;
    r.rows[0].series.cells = {{start, 1503238553, 7}, {start + 900, 0, 3065}};
    if (variant == 3) {
      // Cells before the first bucket and after the last are left out, as
      // Series::dense leaves them out (the writer walks the cells itself).
      r.rows[0].series.cells.insert(r.rows[0].series.cells.begin(),
                                    {start - 600, 1100011, 1300013});
      r.rows[0].series.cells.push_back({start + 1200, 1700017, 1900019});
      r.rows[0].series.cells.push_back({start + 1500, 2300023, 2900029});
      r.rows[1].series.cells = {{start - 300, 3100031, 3700037}, {start + 1800, 4100041, 4300043}};
    }
    // Row 1 has no bytes in any bucket: zeros (or nothing, without buckets).
    if (variant == 2) {
      SampleInfo sample;
      sample.span_s = 300;
      sample.period_s = 900;
      sample.factor = 3;
      r.sample = sample;
    }
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const Row& row : r.rows) {
      nlohmann::ordered_json j = row_tree(row, r.cross_az_usd_per_gib);
      j["series"] = series_tree(r, row);
      rows.push_back(j);
    }
    doc["rows"] = rows;
    const std::string expected =
        doc.dump(2, ' ', true, nlohmann::ordered_json::error_handler_t::replace);
    const std::string text = render(r, OutputFormat::kJson);
    // From the rows to their end: the other members are written elsewhere.
    const std::string from = "\n  \"rows\": [";
    const std::string cut = "\n  ]";
    ASSERT_NE(text.find(from), std::string::npos);
    ASSERT_NE(expected.find(from), std::string::npos);
    const std::string got_rows =
        text.substr(text.find(from), text.find(cut, text.find(from)) - text.find(from));
    const std::string want_rows = expected.substr(
        expected.find(from), expected.find(cut, expected.find(from)) - expected.find(from));
    EXPECT_EQ(got_rows, want_rows);
    EXPECT_NE(got_rows.find(variant == 2 ? "null" : "1503238553"), std::string::npos);
    if (variant == 3) {
      EXPECT_NE(got_rows.find("1700017"), std::string::npos);  // the last bucket's
      for (const char* outside :
           {"1100011", "1300013", "2300023", "2900029", "3100031", "4300043"}) {
        EXPECT_EQ(got_rows.find(outside), std::string::npos) << outside;
      }
    }
  }
}

TEST(WriterTest, NameStatsAppearInJsonStatsOnlyWithNames) {
  Report r = two_pairs();
  EXPECT_EQ(render(r, OutputFormat::kJson).find("\"names\""), std::string::npos);
  r.names = NameStats{10, 2, 3, 1, 0, 0, 1, 3, {}};
  r.names->unresolved_reasons = {
      {"denied ec2:DescribeNetworkInterfaces", 2, "ec2:DescribeNetworkInterfaces"},
      {"throttled ec2:DescribeNetworkInterfaces", 1, ""}};
  const nlohmann::ordered_json expected = nlohmann::ordered_json::parse(R"({
    "ips": 10, "mount_targets": 2, "looked_up": 3, "cached": 1, "from_history": 0,
    "labelled": 0, "external": 1, "unresolved": 3,
    "unresolved_reasons": [
      {"reason": "denied ec2:DescribeNetworkInterfaces", "ips": 2,
       "iam_action": "ec2:DescribeNetworkInterfaces"},
      {"reason": "throttled ec2:DescribeNetworkInterfaces", "ips": 1}
    ]})");
  const auto json = nlohmann::ordered_json::parse(render(r, OutputFormat::kJson));
  EXPECT_EQ(json["stats"]["names"], expected);
  EXPECT_EQ(json["stats"].back(), expected);  // after the flow-log counters
  std::istringstream ndjson(render(r, OutputFormat::kNdjson));
  std::string line, last;
  while (std::getline(ndjson, line)) last = line;
  EXPECT_EQ(nlohmann::ordered_json::parse(last)["stats"]["names"], expected);
}

TEST(WriterTest, NotesAppearInJsonOnlyWhenPresent) {
  Report r = two_pairs();
  r.notes.push_back("no EFS traffic found");
  nlohmann::json j = nlohmann::json::parse(render(r, OutputFormat::kJson));
  EXPECT_EQ(j["notes"], nlohmann::json({"no EFS traffic found"}));
}

TEST(WriterTest, SummaryShowsWhereEveryRecordWent) {
  Report r = two_pairs();
  r.window.end = k1400;
  r.total_rows = 9;
  r.stats.below_min_bytes = 3;
  r.notes.push_back("a\nb");
  std::ostringstream out;
  write_summary(r, out);
  EXPECT_EQ(out.str(),
            "window: open .. 2026-11-26T14:00:00Z\n"
            "rows: 9 pairs, top 2 shown (sorted by total)\n"
            "files: 1 read, 0 failed\n"
            "lines: 12 (1 skipped)\n"
            "records: 11 = 5 used + 2 duplicates + 2 not efs + 0 outside window + 1 nodata + "
            "1 skipdata\n"
            "rejected: 1 REJECT record (REJECTED column; --sort rejected lists those rows first)\n"
            "min-bytes: 3 pairs below the minimum left out\n"
            "note: a\\x0Ab\n");
}

TEST(WriterTest, FormatNamesRoundTrip) {
  for (const char* name : {"table", "tsv", "csv", "json", "ndjson", "html"}) {
    ASSERT_TRUE(parse_output_format(name).has_value()) << name;
    EXPECT_EQ(output_format_name(*parse_output_format(name)), name);
  }
  EXPECT_FALSE(parse_output_format("text").has_value());
  EXPECT_FALSE(parse_output_format("JSON").has_value());
}

TEST(WriterTest, JsonSaysWhoWroteTheReportAndHow) {
  Report r = two_pairs();
  r.total_rows = 9;
  r.run = RunInfo{"1.2.3", {"efstop", "--group-by", "name", "logs/"}, "name"};
  const std::string text = render(r, OutputFormat::kJson);
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["query"], nlohmann::json::parse(R"({"group_by":"name","sort":"total",
      "total_rows":9})"));
  EXPECT_EQ(j["efstop"], nlohmann::json::parse(R"({"version":"1.2.3",
      "command":["efstop","--group-by","name","logs/"]})"));
  // Added after the members that were there first.
  EXPECT_LT(text.find("\"stats\""), text.find("\"query\""));
  EXPECT_LT(text.find("\"query\""), text.find("\"efstop\""));
}

// The text of the one element `<tag ...>` whose opening tag contains `attr`.
std::string element_text(const std::string& page, const std::string& open, size_t* count) {
  *count = 0;
  std::string text;
  for (size_t at = page.find(open); at != std::string::npos; at = page.find(open, at + 1)) {
    ++*count;
    const size_t from = page.find('>', at) + 1;
    text = page.substr(from, page.find("</script>", from) - from);
  }
  return text;
}

TEST(WriterTest, HtmlEmbedsTheJsonOnceAndNoNameCanEndItsScript) {
  Report r = two_pairs();
  r.rows[0].client->name = "</script><script>alert(1)</script><!-- & >";
  r.rows[1].client->name = "line\xE2\x80\xA8sep";
  r.rows[0].server->name = "</SCRIPT ><img src=x onerror=alert(2)>";
  r.run = RunInfo{"1.2.3", {"efstop", "--output", "html"}, "pair"};
  const std::string page = render(r, OutputFormat::kHtml);
  size_t blocks = 0;
  const std::string json = element_text(page, "<script type=\"application/json\"", &blocks);
  EXPECT_EQ(blocks, 1u);
  // The block holds no '<', '>' or '&' at all, so the HTML parser cannot end
  // it early or see a comment; its JSON is write_json's, exactly.
  EXPECT_EQ(json.find_first_of("<>&"), std::string::npos) << json;
  std::ostringstream direct;
  write_json(r, direct);
  EXPECT_EQ(nlohmann::json::parse(json), nlohmann::json::parse(direct.str()));
  EXPECT_EQ(nlohmann::json::parse(json)["rows"][0]["client"]["name"], r.rows[0].client->name);
  // The two scripts (data and code) and nothing else; no name outside the JSON.
  size_t scripts = 0;
  for (size_t at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1))
    ++scripts;
  EXPECT_EQ(scripts, 2u);
  std::string outside = page;
  outside.erase(outside.find(json), json.size());
  EXPECT_EQ(outside.find("alert("), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
}

TEST(WriterTest, HtmlPolicyAllowsOnlyItsOwnScriptAndStyle) {
  const std::string page = render(two_pairs(), OutputFormat::kHtml);
  const std::string policy = html_content_security_policy();
  EXPECT_EQ(policy.rfind("default-src 'none'; script-src 'sha256-", 0), 0u) << policy;
  EXPECT_EQ(policy.find("unsafe"), std::string::npos);
  EXPECT_EQ(policy.find("http"), std::string::npos);
  EXPECT_NE(page.find("<meta http-equiv=\"Content-Security-Policy\" content=\"" + policy + "\">"),
            std::string::npos);
  // Nothing that would load anything (the SVG namespace is a name, not a load).
  std::string rest = page;
  const std::string svg_namespace = "'http://www.w3.org/2000/svg'";
  ASSERT_NE(rest.find(svg_namespace), std::string::npos);
  rest.erase(rest.find(svg_namespace), svg_namespace.size());
  for (const char* word : {"src=", "href", "url(", "@import", "http:", "https:", "fetch(",
                           "XMLHttpRequest", "eval(", "innerHTML", "new Function"}) {
    EXPECT_EQ(rest.find(word), std::string::npos) << word;
  }
}

TEST(WriterTest, JsonWindowOfNoRecordsHasNullTimes) {
  Report r;
  const nlohmann::json j = nlohmann::json::parse(render(r, OutputFormat::kJson));
  EXPECT_EQ(j["window"], nlohmann::json::parse(R"({"start":null,"end":null,"first_seen":null,
      "last_seen":null})"));
}

TEST(WriterTest, SummaryWithoutAWindowSaysWhatTimeTheRecordsCover) {
  Report r = two_pairs();
  std::ostringstream out;
  write_summary(r, out);
  EXPECT_NE(out.str().find("window: none given; records counted from 2026-11-26T14:00:00Z to "
                           "2026-11-26T14:10:00Z\n"),
            std::string::npos)
      << out.str();
  r.window.start = k1400;
  std::ostringstream asked;
  write_summary(r, asked);
  EXPECT_NE(asked.str().find("window: 2026-11-26T14:00:00Z .. open\n"), std::string::npos);
}

// Two instances named "web" (ids i-0ab1c..., i-0ab1d...) and one file system
// reached over two addresses of one mount target in one AZ.
Report look_alikes() {
  Report r;
  const auto end = [](std::string ip, std::string name, std::string kind, std::string id) {
    End e = end_from_ip(std::move(ip));
    e.name = std::move(name);
    e.kind = std::move(kind);
    e.id = std::move(id);
    e.az = "us-east-1a";
    return e;
  };
  const End web1 = end("10.0.0.14", "web", "ec2-instance", "i-0ab1c0000000000001");
  const End web2 = end("10.0.0.18", "web", "ec2-instance", "i-0ab1d0000000000002");
  const End fs4 = end("10.0.0.202", "builds", "efs-mount-target", "fs-0001");
  const End fs6 = end("2600:1f18::e003", "builds", "efs-mount-target", "fs-0001");
  const End api = end("10.0.0.20", "api", "ec2-instance", "i-0c00000000000000003");
  for (const auto& [client, server, bytes] :
       {std::tuple{web1, fs4, 500}, {web2, fs4, 400}, {api, fs4, 300}, {api, fs6, 200}}) {
    Row row;
    row.client = client;
    row.server = server;
    row.counters.bytes_read = bytes;
    r.rows.push_back(row);
    r.totals.merge(row.counters);
  }
  r.total_rows = 4;
  return r;
}

TEST(WriterTest, CompactTableShowsNoTwoRowsAlike) {
  const std::string table = render(look_alikes(), OutputFormat::kTable);
  // Same name, different instances: the shortest id prefix that tells them
  // apart (at least "i-" and 4 characters); one api over two addresses of
  // one file system: the server's address.
  EXPECT_EQ(table,
            "CLIENT         KIND          CLIENT AZ   FILE SYSTEM               SERVER AZ      READ  "
            "WRITTEN    TOTAL  FLOWS  REJECTED\n"
            "web (i-0ab1c)  ec2-instance  us-east-1a  builds                    us-east-1a    500 B  "
            "    0 B    500 B      0         0\n"
            "web (i-0ab1d)  ec2-instance  us-east-1a  builds                    us-east-1a    400 B  "
            "    0 B    400 B      0         0\n"
            "api            ec2-instance  us-east-1a  builds (10.0.0.202)       us-east-1a    300 B  "
            "    0 B    300 B      0         0\n"
            "api            ec2-instance  us-east-1a  builds (2600:1f18::e003)  us-east-1a    200 B  "
            "    0 B    200 B      0         0\n"
            "TOTAL                                                                          1.4 KiB  "
            "    0 B  1.4 KiB      0         0\n")
      << table;
}

TEST(WriterTest, CompactTableKeepsTheIdOfACutName) {
  Report r = look_alikes();
  r.rows[0].client->name = std::string(40, 'w');
  r.rows[1].client->name = std::string(40, 'w');
  const std::string table = render(r, OutputFormat::kTable);
  EXPECT_NE(table.find("wwwwwwww\u2026 (i-0ab1c)"), std::string::npos) << table;
  EXPECT_NE(table.find("wwwwwwww\u2026 (i-0ab1d)"), std::string::npos) << table;
}

// docs/report-html.md: a 500-row report with every member of both ends
// (names of 40 characters, cross-AZ figures) stays under 2 MB.
TEST(WriterTest, HtmlOfFiveHundredNamedRowsIsUnderTwoMegabytes) {
  Report r;
  for (int i = 0; i < 500; ++i) {
    Row row = make_row("10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250),
                       "2600:1f18:4e2a:12::e" + std::to_string(i % 4), 1234567890123 + i,
                       98765432100 + i, 123456789, 12345, 12, k1400, k1400 + 86400);
    for (End* end : {&*row.client, &*row.server}) {
      end->name = std::string(36, 'n') + std::to_string(1000 + i);
      end->kind = "ec2-instance";
      end->id = "i-0123456789abcdef" + std::to_string(i % 10);
      end->az = "us-east-1a";
      end->account = "123456789012";
    }
    row.cross_az_bytes = int64_t{987654321};
    row.cross_az_unknown_bytes = 12345;
    r.rows.push_back(row);
  }
  r.total_rows = 500;
  r.run = RunInfo{"0.1.0", {"efstop", "--output", "html", "logs/"}, "pair"};
  const std::string page = render(r, OutputFormat::kHtml);
  EXPECT_LT(page.size(), 2u * 1024 * 1024);
  EXPECT_GT(page.size(), 500u * 400);  // every row is in it
}

TEST(WriterTest, FailedStreamIsAnIoError) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  Status s = write_report(two_pairs(), OutputFormat::kCsv, out);
  EXPECT_EQ(s.code(), StatusCode::kIo);
}

}  // namespace
}  // namespace efstop::report
