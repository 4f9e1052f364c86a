// HistoryStore's names at collect time (schema 4, collected_name) and the
// integrity check that only the writer pays (docs/history.md, "Integrity").
#include "store/history_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace efstop::store {
namespace {

std::unique_ptr<HistoryStore> open_memory() {
  StoreOptions o;
  o.path = ":memory:";
  auto store = HistoryStore::open(o);
  EXPECT_TRUE(store.ok()) << store.status().to_string();
  return std::move(store).value();
}

BucketTotals row(int64_t start, std::string client, std::string server, int64_t bytes) {
  BucketTotals r;
  r.bucket_start = start;
  r.client = std::move(client);
  r.server = std::move(server);
  r.bytes_read = bytes;
  return r;
}

CollectedName name(std::string ip, std::string n) {
  return CollectedName{std::move(ip), std::move(n), "ec2-instance", "i-1", "eu-west-1a", "1"};
}

Collection window(int64_t start, int64_t end) {
  return Collection{0, start, end, 3600, end + 900, "test", "ok", ""};
}

int64_t count_name_rows(HistoryStore& store, const std::string& path) {
  (void)store;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM collected_name", -1, &st, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
  const int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST(HistoryStoreNamesTest, NamesAreTheOnesOfTheWindowAndUnchangedNamesShareARow) {
  auto store = open_memory();
  // Hours 0-2 name 10.0.0.1 "old", hour 3 "new".
  for (int64_t h = 0; h < 3; ++h) {
    ASSERT_TRUE(store
                    ->store_collection(window(h * 3600, (h + 1) * 3600),
                                       {row(h * 3600, "10.0.0.1", "10.0.9.9", 5)},
                                       {name("10.0.0.1", "old"), name("10.0.9.9", "home")})
                    .ok());
  }
  ASSERT_TRUE(store
                  ->store_collection(window(3 * 3600, 4 * 3600),
                                     {row(3 * 3600, "10.0.0.1", "10.0.9.9", 5)},
                                     {name("10.0.0.1", "new"), name("10.0.9.9", "home")})
                  .ok());
  auto early = store->collected_names(0, 2 * 3600);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->at("10.0.0.1").name, "old");
  EXPECT_EQ(early->at("10.0.9.9").name, "home");
  auto late = store->collected_names(3 * 3600, 4 * 3600);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->at("10.0.0.1").name, "new");
  // A window over both: the name at its end.
  auto both = store->collected_names(0, 4 * 3600);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->at("10.0.0.1").name, "new");
  // After the last collection: nothing is claimed.
  auto after = store->collected_names(5 * 3600, 6 * 3600);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
}

TEST(HistoryStoreNamesTest, PruneDropsNamesThatEndedAndKeepsTheirAddressesOnlyWhileUsed) {
  const std::string dir = ::testing::TempDir() + "/history_names_prune";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StoreOptions o;
  o.path = dir + "/s.sqlite3";
  auto opened = HistoryStore::open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  HistoryStore& store = **opened;
  ASSERT_TRUE(store
                  .store_collection(window(0, 3600), {row(0, "10.0.0.1", "10.0.9.9", 5)},
                                    {name("10.0.0.1", "gone")})
                  .ok());
  for (int64_t h = 1; h < 4; ++h) {
    ASSERT_TRUE(store
                    .store_collection(window(h * 3600, (h + 1) * 3600),
                                      {row(h * 3600, "10.0.0.2", "10.0.9.9", 5)},
                                      {name("10.0.0.2", "kept")})
                    .ok());
  }
  EXPECT_EQ(count_name_rows(store, o.path), 2);  // 3 hours of "kept" are one row
  auto pruned = store.prune_before(3600);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(count_name_rows(store, o.path), 1);
  auto names = store.collected_names(0, 4 * 3600);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->count("10.0.0.1"), 0u);
  EXPECT_EQ(names->at("10.0.0.2").name, "kept");
}

void exec_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// read_buckets looks addresses up by id in a vector when the ids are close
// together (as the store numbers them), in a map when they are not; both
// give each row its own addresses, and an id without an address is an error.
TEST(HistoryStoreReadTest, RowsCarryTheirAddressesWhateverTheIds) {
  const std::string dir = ::testing::TempDir() + "/history_read_ids";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StoreOptions o;
  o.path = dir + "/s.sqlite3";
  auto opened = HistoryStore::open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  HistoryStore& store = **opened;
  ASSERT_TRUE(
      store
          .store_collection(window(0, 3600),
                            {row(0, "10.0.0.1", "10.0.9.9", 5), row(0, "10.0.0.2", "10.0.9.8", 7),
                             row(0, "10.0.0.2", "10.0.9.9", 11)},
                            {})
          .ok());
  auto read = [&](std::vector<std::string>* got) {
    return store.read_buckets(0, 3600, [&](const BucketTotals& b) {
      got->push_back(b.client + ">" + b.server + "=" + std::to_string(b.bytes_read));
    });
  };
  const std::vector<std::string> want = {"10.0.0.1>10.0.9.9=5", "10.0.0.2>10.0.9.8=7",
                                         "10.0.0.2>10.0.9.9=11"};
  std::vector<std::string> got;
  ASSERT_TRUE(read(&got).ok());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  // Ids far apart (not the store's own numbering, but a valid store).
  exec_sql(o.path,
           "UPDATE address SET id = id * 1000000000000;"
           "UPDATE bucket_total SET client = client * 1000000000000, "
           "server = server * 1000000000000;");
  got.clear();
  ASSERT_TRUE(read(&got).ok());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  // An address row gone: the read fails and says which id.
  exec_sql(o.path, "DELETE FROM address WHERE ip = '10.0.9.8'");
  got.clear();
  Status s = read(&got);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("address id"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("unknown"), std::string::npos) << s.message();
}

// A damaged data page: a reader's open does not read it (no full check),
// the writer's does, and sets the file aside with a warning.
TEST(HistoryStoreIntegrityTest, OnlyTheFullCheckReadsEveryPage) {
  const std::string dir = ::testing::TempDir() + "/history_integrity";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/s.sqlite3";
  {
    StoreOptions o;
    o.path = path;
    auto store = HistoryStore::open(o);
    ASSERT_TRUE(store.ok());
    std::vector<BucketTotals> rows;
    for (int i = 0; i < 5000; ++i)
      rows.push_back(
          row(0, "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250), "10.0.9.9", i));
    ASSERT_TRUE((*store)->store_collection(window(0, 3600), rows).ok());
  }
  {  // checkpoint, so the pages are in the main file
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  // Overwrite the last page (bucket rows: not the schema) with garbage.
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 8192u);
  {
    std::FILE* f = std::fopen(path.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, static_cast<long>(size - 4096), SEEK_SET);
    const std::string junk(4096, '\x5a');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  std::vector<std::string> warnings;
  StoreOptions reader;
  reader.path = path;
  reader.warn = [&](const std::string& w) { warnings.push_back(w); };
  ASSERT_TRUE(HistoryStore::open(reader).ok());
  EXPECT_TRUE(warnings.empty());
  EXPECT_TRUE(std::filesystem::exists(path));
  StoreOptions writer = reader;
  writer.full_check = true;
  auto opened = HistoryStore::open(writer);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("corrupt"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace efstop::store
