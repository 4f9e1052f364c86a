// The Athena pushdown's SQL, pinned (athena_query.h): the DDL with
// partition projection for each delivery layout, the one aggregating
// SELECT, and the decoding of its rows. tests/cloud/athena_e2e_test.cc runs
// the same SQL in DuckDB and compares the report with streaming.
#include "cloud/athena_query.h"

#include <gtest/gtest.h>

#include <string>

namespace efstop::cloud {
namespace {

AthenaTable plain_table() {
  AthenaTable t;
  t.bucket = "flow-logs";
  t.prefix = "vpc/";
  t.region = "eu-west-1";
  t.accounts = {"111122223333", "444455556666"};
  return t;
}

TEST(AthenaQueryTest, CreateTablePinned) {
  Result<std::string> ddl = athena_create_table_sql(plain_table(), "default");
  ASSERT_TRUE(ddl.ok()) << ddl.status().to_string();
  const std::string name = athena_table_name(plain_table());
  EXPECT_EQ(*ddl, "CREATE EXTERNAL TABLE IF NOT EXISTS `default`.`" + name +
                      "` (\n"
                      "  `version` int,\n"
                      "  `account_id` string,\n"
                      "  `interface_id` string,\n"
                      "  `srcaddr` string,\n"
                      "  `dstaddr` string,\n"
                      "  `srcport` int,\n"
                      "  `dstport` int,\n"
                      "  `protocol` int,\n"
                      "  `packets` bigint,\n"
                      "  `bytes` bigint,\n"
                      "  `start` bigint,\n"
                      "  `end` bigint,\n"
                      "  `action` string,\n"
                      "  `log_status` string\n"
                      ")\n"
                      "PARTITIONED BY (`aws_account` string, `year` int, `month` int, `day` int)\n"
                      "ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '\n"
                      "LOCATION 's3://flow-logs/vpc/AWSLogs/'\n"
                      "TBLPROPERTIES (\n"
                      "  'skip.header.line.count'='1',\n"
                      "  'projection.enabled'='true',\n"
                      "  'projection.aws_account.type'='enum',\n"
                      "  'projection.aws_account.values'='111122223333,444455556666',\n"
                      "  'projection.year.type'='integer',\n"
                      "  'projection.year.range'='2000,2100',\n"
                      "  'projection.year.digits'='4',\n"
                      "  'projection.month.type'='integer',\n"
                      "  'projection.month.range'='1,12',\n"
                      "  'projection.month.digits'='2',\n"
                      "  'projection.day.type'='integer',\n"
                      "  'projection.day.range'='1,31',\n"
                      "  'projection.day.digits'='2',\n"
                      "  'storage.location.template'='s3://flow-logs/vpc/AWSLogs/${aws_account}/"
                      "vpcflowlogs/eu-west-1/${year}/${month}/${day}',\n"
                      "  'efstop.definition'='" +
                      name.substr(16) + "'\n)");
  EXPECT_EQ(name.rfind("efstop_flowlogs_", 0), 0u);
  EXPECT_EQ(name.size(), 16u + 16u);
}

TEST(AthenaQueryTest, TheNameFollowsTheDefinition) {
  const std::string base = athena_table_name(plain_table());
  EXPECT_EQ(athena_table_name(plain_table()), base);  // reused: same definition, same name
  AthenaTable t = plain_table();
  t.accounts.push_back("777788889999");
  EXPECT_NE(athena_table_name(t), base);
  t = plain_table();
  t.per_hour = true;
  EXPECT_NE(athena_table_name(t), base);
  t = plain_table();
  t.parquet = true;
  EXPECT_NE(athena_table_name(t), base);
}

TEST(AthenaQueryTest, HivePerHourParquetLayout) {
  AthenaTable t = plain_table();
  t.hive = true;
  t.per_hour = true;
  t.parquet = true;
  Result<std::string> ddl = athena_create_table_sql(t, "flows");
  ASSERT_TRUE(ddl.ok());
  EXPECT_NE(ddl->find("PARTITIONED BY (`aws_account` string, `year` int, `month` int, `day` int, "
                      "`hour` int)\nSTORED AS PARQUET\n"),
            std::string::npos)
      << *ddl;
  EXPECT_EQ(ddl->find("skip.header.line.count"), std::string::npos);
  EXPECT_NE(ddl->find("'projection.hour.range'='0,23',\n  'projection.hour.digits'='2',"),
            std::string::npos);
  EXPECT_NE(ddl->find("'storage.location.template'='s3://flow-logs/vpc/AWSLogs/"
                      "aws-account-id=${aws_account}/aws-service=vpcflowlogs/aws-region=eu-west-1/"
                      "year=${year}/month=${month}/day=${day}/hour=${hour}'"),
            std::string::npos)
      << *ddl;
}

TEST(AthenaQueryTest, SelectPinned) {
  AthenaSelectOptions o;
  o.server_ips = {*flowlog::IpAddress::parse("10.0.9.10"), *flowlog::IpAddress::parse("fd00::9")};
  o.window_start = 1795996800 - 600;  // 2026-11-29T23:50Z: the window crosses midnight
  o.window_end = 1795996800 + 600;
  Result<std::string> sql = athena_select_sql(plain_table(), "default", o);
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql,
            "SELECT \"interface_id\", \"srcaddr\", \"dstaddr\", \"action\", \"log_status\",\n"
            "  CASE WHEN \"srcport\" = 2049 THEN 0 ELSE 1 END AS src_not_nfs,\n"
            "  CASE WHEN \"dstport\" = 2049 THEN 0 ELSE 1 END AS dst_not_nfs,\n"
            "  CASE WHEN \"start\" >= 1795996200 AND \"start\" < 1795997400 THEN 1 ELSE 0 END "
            "AS in_window,\n"
            "  CASE WHEN \"bytes\" IS NULL THEN 0 ELSE 1 END AS bytes_known,\n"
            "  CASE WHEN \"packets\" IS NULL THEN 0 ELSE 1 END AS packets_known,\n"
            "  sum(\"bytes\") AS sum_bytes, sum(\"packets\") AS sum_packets, count(*) AS records,\n"
            "  min(\"start\") AS min_start, max(\"end\") AS max_end\n"
            "FROM \"default\".\"" +
                athena_table_name(plain_table()) +
                "\"\n"
                "WHERE ((\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29) OR (\"year\" = 2026 "
                "AND \"month\" = 11 AND \"day\" = 30))\n"
                "  AND (\"log_status\" IN ('NODATA', 'SKIPDATA') OR \"srcaddr\" IN ('10.0.9.10', "
                "'fd00::9') OR \"dstaddr\" IN ('10.0.9.10', 'fd00::9'))\n"
                "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\n"
                "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10");
  // Without addresses: the port-2049 rule; per hour: the hours, with the
  // listing's margins (15 min before, 30 min after).
  AthenaTable hourly = plain_table();
  hourly.per_hour = true;
  o.server_ips.clear();
  o.window_start = 1795946400;  // 10:00Z
  o.window_end = 1795950000;    // 11:00Z
  sql = athena_select_sql(hourly, "default", o);
  ASSERT_TRUE(sql.ok());
  EXPECT_NE(
      sql->find("WHERE ((\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29 AND \"hour\" = 9) "
                "OR (\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29 AND \"hour\" = 10) "
                "OR (\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29 AND \"hour\" = 11))\n"),
      std::string::npos)
      << *sql;
  EXPECT_NE(sql->find("OR (\"protocol\" = 6 AND (\"srcport\" = 2049 OR \"dstport\" = 2049)))"),
            std::string::npos)
      << *sql;
}

TEST(AthenaQueryTest, RefusesWhatItCannotQuery) {
  AthenaTable t = plain_table();
  t.format = *flowlog::parse_log_format("${srcaddr} ${dstaddr} ${bytes} ${start}");
  Result<std::string> ddl = athena_create_table_sql(t, "default");
  ASSERT_FALSE(ddl.ok());
  EXPECT_NE(ddl.status().message().find("lacks the interface-id field"), std::string::npos);
  EXPECT_FALSE(athena_create_table_sql(plain_table(), "Bad-Name").ok());
  t = plain_table();
  t.bucket = "it's";
  EXPECT_FALSE(athena_create_table_sql(t, "default").ok());
  t = plain_table();
  t.accounts = {"x1"};
  EXPECT_FALSE(athena_create_table_sql(t, "default").ok());
}

const std::vector<std::string> kHeader = {
    "interface_id", "srcaddr",     "dstaddr",   "action",      "log_status",
    "src_not_nfs",  "dst_not_nfs", "in_window", "bytes_known", "packets_known",
    "sum_bytes",    "sum_packets", "records",   "min_start",   "max_end"};

TEST(AthenaQueryTest, DecodesRows) {
  Result<InsightsRecord> r =
      parse_athena_row(kHeader, {"eni-1", "10.0.0.1", "10.0.9.10", "ACCEPT", "OK", "1", "0", "1",
                                 "1", "0", "1000", std::nullopt, "3", "1795946400", "1795946460"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->interface_id, "eni-1");
  EXPECT_EQ(r->record.bytes, 1000);
  EXPECT_EQ(r->record.flows, 3);
  EXPECT_EQ(r->record.dst_port, 2049);
  EXPECT_EQ(r->record.src_port, 0);
  EXPECT_TRUE(r->record.present & flowlog::kHasBytes);
  EXPECT_FALSE(r->record.present & flowlog::kHasPackets);  // packets unknown in this row
  EXPECT_EQ(r->record.start, 1795946400);
  // NULL end: unknown; NODATA.
  r = parse_athena_row(kHeader, {"eni-1", "-", "-", "-", "NODATA", "1", "1", "1", "0", "0",
                                 std::nullopt, std::nullopt, "1", "1795946400", std::nullopt});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->record.log_status, flowlog::LogStatus::kNoData);
  EXPECT_FALSE(r->record.present & (flowlog::kHasEnd | flowlog::kHasSrcAddr));
  // Bad values are named.
  r = parse_athena_row(kHeader, {"eni-1", "10.0.0.x", "10.0.9.10", "ACCEPT", "OK", "1", "0", "1",
                                 "1", "1", "1", "1", "1", "1", "1"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("srcaddr is not an address: '10.0.0.x'"), std::string::npos);
  r = parse_athena_row(kHeader, {"eni-1", "10.0.0.1", "10.0.9.10", "ACCEPT", "OK", "1", "0", "1",
                                 "1", "1", "many", "1", "1", "1", "1"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sum_bytes is not a whole number"), std::string::npos);
  std::vector<std::string> short_header(kHeader.begin(), kHeader.end() - 1);
  EXPECT_FALSE(
      parse_athena_row(short_header, std::vector<std::optional<std::string>>(14, "1")).ok());
}

// Across scopes (a central bucket, docs/athena.md "Across accounts and
// regions"): the region is a projected partition too, and the SELECT
// groups by the attribution rule's inputs (the fields, the folder) and
// collapses the non-EFS records instead of filtering them out.
TEST(AthenaQueryTest, SelectAcrossScopesPinned) {
  AthenaTable t = plain_table();
  t.regions = {"eu-west-1", "us-west-2"};
  Result<std::string> ddl = athena_create_table_sql(t, "default");
  ASSERT_TRUE(ddl.ok()) << ddl.status().to_string();
  EXPECT_NE(ddl->find("PARTITIONED BY (`aws_account` string, `aws_region` string, `year` int, "
                      "`month` int, `day` int)\n"),
            std::string::npos)
      << *ddl;
  EXPECT_NE(ddl->find("  'projection.aws_region.type'='enum',\n"
                      "  'projection.aws_region.values'='eu-west-1,us-west-2',\n"),
            std::string::npos)
      << *ddl;
  EXPECT_NE(ddl->find("'storage.location.template'='s3://flow-logs/vpc/AWSLogs/${aws_account}/"
                      "vpcflowlogs/${aws_region}/${year}/${month}/${day}'"),
            std::string::npos)
      << *ddl;
  // Another definition than the one-region table: another name.
  EXPECT_NE(athena_table_name(t), athena_table_name(plain_table()));
  AthenaTable hive = t;
  hive.hive = true;
  ddl = athena_create_table_sql(hive, "default");
  ASSERT_TRUE(ddl.ok());
  EXPECT_NE(ddl->find("AWSLogs/aws-account-id=${aws_account}/aws-service=vpcflowlogs/"
                      "aws-region=${aws_region}/year=${year}/"),
            std::string::npos)
      << *ddl;

  AthenaSelectOptions o;
  o.scoped = true;
  o.server_ips = {*flowlog::IpAddress::parse("10.0.9.10")};
  o.port_rule_too = true;  // some scope has no mount target
  o.window_start = 1795946400;
  o.window_end = 1795950000;
  Result<std::string> sql = athena_select_sql(t, "default", o);
  ASSERT_TRUE(sql.ok()) << sql.status().to_string();
  EXPECT_EQ(*sql,
            "SELECT\n"
            "  CASE WHEN \"efs\" = 1 THEN \"interface_id\" END AS interface_id,\n"
            "  CASE WHEN \"efs\" = 1 THEN \"srcaddr\" END AS srcaddr,\n"
            "  CASE WHEN \"efs\" = 1 THEN \"dstaddr\" END AS dstaddr,\n"
            "  CASE WHEN \"efs\" = 1 THEN \"action\" END AS action,\n"
            "  CASE WHEN \"efs\" = 1 THEN \"log_status\" END AS log_status,\n"
            "  CASE WHEN \"efs\" = 1 AND \"srcport\" = 2049 THEN 0 ELSE 1 END AS src_not_nfs,\n"
            "  CASE WHEN \"efs\" = 1 AND \"dstport\" = 2049 THEN 0 ELSE 1 END AS dst_not_nfs,\n"
            "  CASE WHEN \"start\" >= 1795946400 AND \"start\" < 1795950000 THEN 1 ELSE 0 END "
            "AS in_window,\n"
            "  CASE WHEN \"bytes\" IS NULL THEN 0 ELSE 1 END AS bytes_known,\n"
            "  CASE WHEN \"packets\" IS NULL THEN 0 ELSE 1 END AS packets_known,\n"
            "  \"efs\",\n"
            "  \"account_id\" AS record_account,\n"
            "  CAST(NULL AS varchar) AS record_region,\n"
            "  \"aws_account\", \"aws_region\",\n"
            "  sum(\"bytes\") AS sum_bytes, sum(\"packets\") AS sum_packets, count(*) AS records,\n"
            "  min(\"start\") AS min_start, max(\"end\") AS max_end\n"
            "FROM (SELECT *,\n"
            "  CASE WHEN \"log_status\" IN ('NODATA', 'SKIPDATA') OR \"srcaddr\" IN ('10.0.9.10') "
            "OR \"dstaddr\" IN ('10.0.9.10') OR (\"protocol\" = 6 AND (\"srcport\" = 2049 OR "
            "\"dstport\" = 2049))\n"
            "    OR \"srcaddr\" IS NULL OR \"dstaddr\" IS NULL OR \"srcaddr\" = '-' OR \"dstaddr\" "
            "= '-'\n"
            "    THEN 1 ELSE 0 END AS \"efs\"\n"
            "  FROM \"default\".\"" +
                athena_table_name(t) +
                "\"\n"
                "  WHERE \"aws_account\" IN ('111122223333', '444455556666')\n"
                "    AND \"aws_region\" IN ('eu-west-1', 'us-west-2')\n"
                "    AND ((\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29))) AS r\n"
                "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
                "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15");
  // With a region field the record's own region is grouped by.
  AthenaTable v5 = t;
  v5.format = *flowlog::parse_log_format(
      "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
      "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${region}");
  sql = athena_select_sql(v5, "default", o);
  ASSERT_TRUE(sql.ok());
  EXPECT_NE(sql->find("  \"region\" AS record_region,\n"), std::string::npos) << *sql;
  // A scoped query needs the table across regions; a region folder must be a region name.
  EXPECT_FALSE(athena_select_sql(plain_table(), "default", o).ok());
  t.regions = {"eu-west-1,x"};
  EXPECT_FALSE(athena_create_table_sql(t, "default").ok());
}

// The scope columns of a scoped row, apart from the record's.
TEST(AthenaQueryTest, DecodesScopeColumns) {
  const std::vector<std::string> header = {"interface_id",   "in_window",     "efs",
                                           "record_account", "record_region", "aws_account",
                                           "aws_region"};
  Result<AthenaRowScope> s = parse_athena_row_scope(
      header, {std::nullopt, "0", "0", "777788889999", std::nullopt, "444455556666", "eu-west-1"});
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_FALSE(s->efs);
  EXPECT_FALSE(s->in_window);
  EXPECT_EQ(s->account_field, "777788889999");
  EXPECT_EQ(s->region_field, "");
  EXPECT_EQ(s->key_account, "444455556666");
  EXPECT_EQ(s->key_region, "eu-west-1");
  // A row of the one-account query has no scope columns.
  EXPECT_FALSE(
      parse_athena_row_scope(kHeader, std::vector<std::optional<std::string>>(15, "1")).ok());
  Result<AthenaRowScope> bad = parse_athena_row_scope(
      header, {std::nullopt, "1", "x", "-", std::nullopt, "444455556666", "eu-west-1"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("efs is not a whole number"), std::string::npos);
}

// --sample (docs/athena.md, "--sample"): only the records starting in the
// slices' ranges, only the partitions (hours here) that hold them, each
// record split over the buckets in the query with the in_sample key, as
// the Logs Insights pushdown does; the bucket arithmetic in integers and
// CASE only (DuckDB's least/greatest skip NULLs, Trino's do not).
TEST(AthenaQueryTest, SelectSampledPinned) {
  AthenaTable t = plain_table();
  t.per_hour = true;
  AthenaSelectOptions o;
  o.server_ips = {*flowlog::IpAddress::parse("10.0.9.10")};
  o.window_start = 1795946400;  // 10:00Z
  o.window_end = 1795953600;    // 12:00Z
  o.bucket_s = 300;
  o.sample = flowlog::SampleSpec{300, 3600};  // 5m/1h
  // 10:00-10:05, and 10:49-11:05 (11:00-11:05 with the 11 minutes before).
  o.start_ranges =
      std::vector<std::pair<int64_t, int64_t>>{{1795946400, 1795946700}, {1795949340, 1795950300}};
  Result<std::string> sql = athena_select_sql(t, "default", o);
  ASSERT_TRUE(sql.ok()) << sql.status().to_string();
  EXPECT_EQ(
      *sql,
      "SELECT \"interface_id\", \"srcaddr\", \"dstaddr\", \"action\", \"log_status\",\n"
      "  CASE WHEN \"srcport\" = 2049 THEN 0 ELSE 1 END AS src_not_nfs,\n"
      "  CASE WHEN \"dstport\" = 2049 THEN 0 ELSE 1 END AS dst_not_nfs,\n"
      "  CASE WHEN \"start\" >= 1795946400 AND \"start\" < 1795953600 THEN 1 ELSE 0 END AS in_w"
      "indow,\n"
      "  CASE WHEN \"bytes\" IS NULL THEN 0 ELSE 1 END AS bytes_known,\n"
      "  CASE WHEN \"packets\" IS NULL THEN 0 ELSE 1 END AS packets_known,\n"
      "  \"bucket0\", CASE WHEN \"end\" IS NULL THEN 0 ELSE 1 END AS end_known,\n"
      "  CASE WHEN \"start\" + \"span_s\" - \"bucket0\" > 1200 THEN 1 ELSE 0 END AS beyond,\n"
      "  CASE WHEN \"bucket0\" % 3600 < 300 OR \"start\" + \"span_s\" > \"bucket0\" - \"bucket0"
      "\" % 3600 + 3600 THEN 1 ELSE 0 END AS in_sample,\n"
      "  sum(\"bytes\") AS sum_bytes, sum(\"packets\") AS sum_packets, count(*) AS records,\n"
      "  min(\"start\") AS min_start, max(\"end\") AS max_end,\n"
      "  sum(CASE WHEN \"bucket0\" + 300 - \"start\" < \"span_s\" THEN CAST((\"bytes\" * (\"buc"
      "ket0\" + 300 - \"start\") - \"bytes\" * (\"bucket0\" + 300 - \"start\") % \"span_s\") / "
      "\"span_s\" AS bigint) ELSE \"bytes\" END) AS upto_1,\n"
      "  sum(CASE WHEN \"bucket0\" + 600 - \"start\" < \"span_s\" THEN CAST((\"bytes\" * (\"buc"
      "ket0\" + 600 - \"start\") - \"bytes\" * (\"bucket0\" + 600 - \"start\") % \"span_s\") / "
      "\"span_s\" AS bigint) ELSE \"bytes\" END) AS upto_2,\n"
      "  sum(CASE WHEN \"bucket0\" + 900 - \"start\" < \"span_s\" THEN CAST((\"bytes\" * (\"buc"
      "ket0\" + 900 - \"start\") - \"bytes\" * (\"bucket0\" + 900 - \"start\") % \"span_s\") / "
      "\"span_s\" AS bigint) ELSE \"bytes\" END) AS upto_3\n"
      "FROM (SELECT *,\n"
      "  CASE WHEN \"end\" IS NULL OR \"end\" <= \"start\" OR \"start\" >= 1795953600 THEN 1 WH"
      "EN \"end\" > 1795953600 THEN 1795953600 - \"start\" ELSE \"end\" - \"start\" END AS \"sp"
      "an_s\",\n"
      "  \"start\" - \"start\" % 300 AS \"bucket0\"\n"
      "  FROM \"default\".\"" +
          athena_table_name(t) +
          "\"\n"
          "  WHERE ((\"year\" = 2026 AND \"month\" = 11 AND \"day\" = 29 AND \"hour\" = 9) OR (\"ye"
          "ar\" = 2026 AND \"month\" = 11 AND \"day\" = 29 AND \"hour\" = 10) OR (\"year\" = 2026 A"
          "ND \"month\" = 11 AND \"day\" = 29 AND \"hour\" = 11))\n"
          "    AND ((\"start\" >= 1795946400 AND \"start\" < 1795946700) OR (\"start\" >= 179594934"
          "0 AND \"start\" < 1795950300))\n"
          "    AND (\"log_status\" IN ('NODATA', 'SKIPDATA') OR \"srcaddr\" IN ('10.0.9.10') OR \"d"
          "staddr\" IN ('10.0.9.10'))) AS r\n"
          "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14\n"
          "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14");
  // The window's hours would be 9 to 12 (the listing's margins); the
  // ranges' are 9 to 11.
  EXPECT_EQ(athena_partitions(t, o),
            (std::vector<std::string>{"2026/11/29/09/", "2026/11/29/10/", "2026/11/29/11/"}));
  o.start_ranges.reset();
  EXPECT_EQ(athena_partitions(t, o).size(), 4u);
  // Buckets that do not divide the sample's span and period: the caller's bug, refused.
  o.bucket_s = 120;
  EXPECT_FALSE(athena_select_sql(t, "default", o).ok());
}

// The partition of a delivered key, both layouts.
TEST(AthenaQueryTest, KeyPartition) {
  EXPECT_EQ(
      s3_key_partition("vpc/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/x.log.gz", false),
      "2026/11/29/");
  EXPECT_EQ(
      s3_key_partition("AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/29/07/x.log.gz", true),
      "2026/11/29/07/");
  EXPECT_EQ(s3_key_partition("AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/"
                             "aws-region=eu-west-1/year=2026/month=11/day=29/hour=07/x.parquet",
                             true),
            "2026/11/29/07/");
  EXPECT_EQ(s3_key_partition("AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/"
                             "aws-region=eu-west-1/year=2026/month=11/day=29/x.parquet",
                             false),
            "2026/11/29/");
  EXPECT_EQ(s3_key_partition("firehose/2026/11/29/07/x.gz", false), "");
  EXPECT_EQ(s3_key_partition("AWSLogs/1/vpcflowlogs/eu-west-1/2026/11/x.gz", false), "");
}

}  // namespace
}  // namespace efstop::cloud
