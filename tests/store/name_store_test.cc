#include "store/name_store.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/no_descriptors.h"

namespace efstop::store {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<NameStore> open_memory() {
  auto store = NameStore::open(StoreOptions{":memory:", 1000, {}});
  EXPECT_TRUE(store.ok()) << store.status().to_string();
  return std::move(store).value();
}

Assignment make(std::string ip, std::string eni, std::string kind, std::string name,
                std::string id) {
  Assignment a;
  a.ip = std::move(ip);
  a.eni_id = std::move(eni);
  a.kind = std::move(kind);
  a.name = std::move(name);
  a.resource_id = std::move(id);
  a.az = "us-east-1a";
  a.account = "123456789012";
  return a;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "efstop-store-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(NameStoreTest, FreshStoreHasCurrentSchema) {
  auto store = open_memory();
  EXPECT_EQ(store->schema_version(), kSchemaVersion);
}

TEST(NameStoreTest, LookupRoundTripsWithinTtl) {
  auto store = open_memory();
  ASSERT_TRUE(store->put_lookup("eni-by-ip", "10.0.0.5", R"({"eni":"eni-1"})", 1000).ok());
  auto hit = store->get_lookup("eni-by-ip", "10.0.0.5", 1500, 600);
  ASSERT_TRUE(hit.ok());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->value, R"({"eni":"eni-1"})");
  EXPECT_EQ((*hit)->fetched_at, 1000);
  // Other kinds do not see it.
  auto other = store->get_lookup("instance", "10.0.0.5", 1500, 600);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST(NameStoreTest, ExpiredLookupIsAbsentUnlessTtlIgnored) {
  auto store = open_memory();
  ASSERT_TRUE(store->put_lookup("eni-by-ip", "10.0.0.5", "v", 1000).ok());
  auto expired = store->get_lookup("eni-by-ip", "10.0.0.5", 1601, 600);
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());
  auto edge = store->get_lookup("eni-by-ip", "10.0.0.5", 1600, 600);
  ASSERT_TRUE(edge.ok());
  EXPECT_TRUE(edge->has_value());
  auto offline = store->get_lookup("eni-by-ip", "10.0.0.5", 999999, -1);
  ASSERT_TRUE(offline.ok());
  EXPECT_TRUE(offline->has_value());
}

TEST(NameStoreTest, NewerLookupReplacesOlderButNotTheReverse) {
  auto store = open_memory();
  ASSERT_TRUE(store->put_lookup("k", "a", "new", 2000).ok());
  ASSERT_TRUE(store->put_lookup("k", "a", "old", 1000).ok());
  auto hit = store->get_lookup("k", "a", 2000, -1);
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->value, "new");
  ASSERT_TRUE(store->put_lookup("k", "a", "newer", 3000).ok());
  hit = store->get_lookup("k", "a", 3000, -1);
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->value, "newer");
}

TEST(NameStoreTest, BatchLookupsReturnOnlyFreshHits) {
  auto store = open_memory();
  ASSERT_TRUE(store->put_lookups("ip", {{"10.0.0.1", "a"}, {"10.0.0.2", "b"}}, 100).ok());
  ASSERT_TRUE(store->put_lookups("ip", {{"10.0.0.3", "c"}}, 10).ok());
  auto hits = store->get_lookups("ip", {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}, 150, 60);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ(hits->at("10.0.0.1").value, "a");
  EXPECT_EQ(hits->at("10.0.0.2").value, "b");
}

TEST(NameStoreTest, HistoryWidensSeenInterval) {
  auto store = open_memory();
  const Assignment a = make("10.0.0.5", "eni-1", "lambda", "fn-a", "fn-a");
  ASSERT_TRUE(store->record_assignments({a}, 200).ok());
  ASSERT_TRUE(store->record_assignments({a}, 100).ok());
  ASSERT_TRUE(store->record_assignments({a}, 300).ok());
  auto rows = store->history("10.0.0.5");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).first_seen, 100);
  EXPECT_EQ(rows->at(0).last_seen, 300);
  EXPECT_EQ(rows->at(0).az, "us-east-1a");
  EXPECT_EQ(rows->at(0).account, "123456789012");
}

TEST(NameStoreTest, RenameKeepsLatestNameOnly) {
  auto store = open_memory();
  ASSERT_TRUE(
      store->record_assignments({make("10.0.0.5", "eni-1", "ec2", "old", "i-1")}, 100).ok());
  ASSERT_TRUE(
      store->record_assignments({make("10.0.0.5", "eni-1", "ec2", "new", "i-1")}, 200).ok());
  // An older observation arriving late does not bring the old name back.
  ASSERT_TRUE(
      store->record_assignments({make("10.0.0.5", "eni-1", "ec2", "old", "i-1")}, 150).ok());
  auto rows = store->history("10.0.0.5");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).name, "new");
  EXPECT_EQ(rows->at(0).first_seen, 100);
  EXPECT_EQ(rows->at(0).last_seen, 200);
}

TEST(NameStoreTest, AssignmentAtPicksTheOwnerAtThatTime) {
  auto store = open_memory();
  const Assignment lambda = make("10.0.0.5", "eni-l", "lambda", "resize", "resize");
  const Assignment ecs = make("10.0.0.5", "eni-e", "ecs-task", "prod/web", "task");
  ASSERT_TRUE(store->record_assignments({lambda}, 100).ok());
  ASSERT_TRUE(store->record_assignments({lambda}, 200).ok());
  ASSERT_TRUE(store->record_assignments({ecs}, 300).ok());
  ASSERT_TRUE(store->record_assignments({ecs}, 400).ok());

  struct Case {
    int64_t t;
    std::string eni;
    bool covers;
  };
  for (const Case& c :
       {Case{50, "eni-l", false}, Case{100, "eni-l", true}, Case{150, "eni-l", true},
        Case{250, "eni-l", false}, Case{300, "eni-e", true}, Case{500, "eni-e", false}}) {
    auto at = store->assignment_at("10.0.0.5", c.t);
    ASSERT_TRUE(at.ok());
    ASSERT_TRUE(at->has_value()) << c.t;
    EXPECT_EQ((*at)->eni_id, c.eni) << "t=" << c.t;
    EXPECT_EQ((*at)->covers_time, c.covers) << "t=" << c.t;
  }
  auto all = store->all_history();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->at(0).eni_id, "eni-l");
  auto none = store->assignment_at("10.9.9.9", 100);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(NameStoreTest, DefaultDirFollowsFlagThenXdgThenHome) {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const char* old_home = std::getenv("HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "";
  const std::string saved_home = old_home ? old_home : "";

  ::setenv("XDG_CACHE_HOME", "/x/cache", 1);
  ::setenv("HOME", "/test-home/u", 1);
  EXPECT_EQ(*default_store_dir("/flag"), "/flag");
  EXPECT_EQ(*default_store_dir(""), "/x/cache/efstop");
  ::setenv("XDG_CACHE_HOME", "relative/ignored", 1);
  EXPECT_EQ(*default_store_dir(""), "/test-home/u/.cache/efstop");
  ::unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(*default_store_dir(""), "/test-home/u/.cache/efstop");
  ::unsetenv("HOME");
  auto none = default_store_dir("");
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);

  if (old_xdg) ::setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
  if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
}

// ---- on disk ----

TEST(NameStoreDiskTest, FilesArePrivateWhateverTheUmask) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/cache/efstop";
  const mode_t old_umask = ::umask(0);
  ASSERT_TRUE(prepare_store_dir(dir).ok());
  const std::string path = dir + "/" + std::string(kStoreFileName);
  {
    auto store = NameStore::open(StoreOptions{path, 1000, {}});
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    ASSERT_TRUE((*store)->put_lookup("k", "a", "v", 1).ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // While the store is open in WAL mode, SQLite's -wal and -shm exist:
    // they hold the same data and get the database file's mode.
    for (const char* suffix : {"-wal", "-shm"}) {
      ASSERT_EQ(::stat((path + suffix).c_str(), &st), 0) << suffix;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << suffix;
    }
  }
  ::umask(old_umask);
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // The missing parent made on the way is private too (XDG base dir spec).
  ASSERT_EQ(::stat((tmp.path() + "/cache").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // A file left readable by others is tightened on the next open.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(NameStore::open(StoreOptions{path, 1000, {}}).ok());
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// A cache directory that is a symbolic link is refused, with the path and
// what to do: it could point to a directory other users can read, and
// following it would chmod someone else's directory.
TEST(NameStoreDiskTest, SymlinkedCacheDirIsRefused) {
  TempDir tmp;
  const std::string target = tmp.path() + "/elsewhere";
  ASSERT_TRUE(fs::create_directory(target));
  ASSERT_EQ(::chmod(target.c_str(), 0755), 0);
  const std::string link = tmp.path() + "/efstop";
  fs::create_directory_symlink(target, link);
  const Status s = prepare_store_dir(link);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cache directory " + link +
                             ": it is a symbolic link, which efstop refuses (it could point to a "
                             "directory others can read); replace it with a directory of your "
                             "own, or pass --cache-dir DIR");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);  // the target was not touched
}

// The store file itself as a symbolic link is refused too.
TEST(NameStoreDiskTest, SymlinkedStoreFileIsRefused) {
  TempDir tmp;
  ASSERT_TRUE(prepare_store_dir(tmp.path()).ok());
  const std::string other = tmp.path() + "/other.sqlite3";
  std::ofstream(other).put('x');
  const std::string path = tmp.path() + "/" + std::string(kStoreFileName);
  fs::create_symlink(other, path);
  auto store = NameStore::open(StoreOptions{path, 1000, {}});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("open store " + path + ": it is a symbolic link"),
            std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("--cache-dir DIR"), std::string::npos);
}

// A cache directory owned by another user is refused. Needs root to give
// a directory away (chown to nobody); skipped otherwise.
TEST(NameStoreDiskTest, CacheDirOfAnotherUserIsRefused) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to chown a directory to another user (uid 65534, nobody)";
  }
  TempDir tmp;
  const std::string dir = tmp.path() + "/theirs";
  ASSERT_TRUE(fs::create_directory(dir));
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  const Status s = prepare_store_dir(dir);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cache directory " + dir +
                             ": it is owned by uid 65534, not by you (uid 0), so efstop refuses "
                             "to keep names there; remove it, or pass --cache-dir DIR");
  // And a store file of another user inside a directory of ours.
  const std::string path = tmp.path() + "/" + std::string(kStoreFileName);
  std::ofstream(path).put('x');
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  auto store = NameStore::open(StoreOptions{path, 1000, {}});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("it is owned by uid 65534, not by you"),
            std::string::npos)
      << store.status().message();
}

// A process out of descriptors can open neither the cache directory nor the
// store file: it is told to raise its limit, not to pass another
// --cache-dir (which would fail alike).
TEST(NameStoreDiskTest, OutOfDescriptorsSaysRaiseTheLimitNotAnotherCacheDir) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/efstop";
  ASSERT_TRUE(prepare_store_dir(dir).ok());
  const std::string path = dir + "/" + std::string(kStoreFileName);
  Result<std::string> got = efstop::testing::run_without_descriptors([&] {
    const Status prepared = prepare_store_dir(dir);
    auto store = NameStore::open(StoreOptions{path, 1000, {}});
    return prepared.message() + "\n" + (store.ok() ? "ok" : store.status().message());
  });
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(*got, "open cache directory " + dir +
                      ": too many open files: raise `ulimit -n`\n"
                      "create store " +
                      path + ": too many open files: raise `ulimit -n`");
  // With descriptors left, the same directory and store open.
  EXPECT_TRUE(prepare_store_dir(dir).ok());
  auto store = NameStore::open(StoreOptions{path, 1000, {}});
  EXPECT_TRUE(store.ok()) << store.status().to_string();
}

TEST(NameStoreDiskTest, UsesWriteAheadLog) {
  TempDir tmp;
  const std::string path = tmp.path() + "/s.sqlite3";
  ASSERT_TRUE(NameStore::open(StoreOptions{path, 1000, {}}).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

int open_descriptors() {
  return static_cast<int>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                        std::filesystem::directory_iterator()));
}

// for_scope: each scope's view reads and writes its own rows over the one
// connection, opens no descriptor of its own (docs/multi-account.md,
// "Scale"), and outlives the store it came from.
TEST(NameStoreDiskTest, ScopeViewsShareOneConnection) {
  TempDir tmp;
  auto base = NameStore::open(StoreOptions{tmp.path() + "/s.sqlite3", 1000, {}});
  ASSERT_TRUE(base.ok()) << base.status().to_string();
  const int before = open_descriptors();
  std::vector<std::unique_ptr<NameStore>> views;
  for (int i = 0; i < 100; ++i) {
    views.push_back((*base)->for_scope("2000000000" + std::to_string(10 + i) + "/eu-west-1"));
    ASSERT_TRUE(views.back()->put_lookup("eni-by-ip", "10.1.1.10", std::to_string(i), 1000).ok());
  }
  EXPECT_EQ(open_descriptors(), before);
  base->reset();
  for (int i = 0; i < 100; ++i) {
    auto hit = views[i]->get_lookup("eni-by-ip", "10.1.1.10", 1000, 600);
    ASSERT_TRUE(hit.ok() && hit->has_value()) << i;
    EXPECT_EQ((*hit)->value, std::to_string(i));
  }
  // The default scope ('') saw none of them.
  auto own = views[0]->for_scope("")->get_lookup("eni-by-ip", "10.1.1.10", 1000, 600);
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(own->has_value());
}

// A store written by the first schema (kept here verbatim as a fixture)
// migrates to the current one and keeps its rows.
TEST(NameStoreDiskTest, MigratesVersion1StoreKeepingRows) {
  TempDir tmp;
  const std::string path = tmp.path() + "/v1.sqlite3";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* v1 =
      "CREATE TABLE lookup(kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
      " fetched_at INTEGER NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID;"
      "CREATE TABLE assignment(ip TEXT NOT NULL, eni_id TEXT NOT NULL, kind TEXT NOT NULL,"
      " name TEXT NOT NULL, resource_id TEXT NOT NULL, first_seen INTEGER NOT NULL,"
      " last_seen INTEGER NOT NULL, PRIMARY KEY(ip, eni_id, kind, resource_id));"
      "INSERT INTO lookup VALUES('k', 'a', 'v1-value', 5);"
      "INSERT INTO assignment VALUES('10.0.0.7', 'eni-7', 'lambda', 'old-fn', 'old-fn', 10, 20);"
      "PRAGMA user_version = 1;";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto store = NameStore::open(StoreOptions{path, 1000, {}});
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ((*store)->schema_version(), kSchemaVersion);
  auto hit = (*store)->get_lookup("k", "a", 5, -1);
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->value, "v1-value");
  auto at = (*store)->assignment_at("10.0.0.7", 15);
  ASSERT_TRUE(at.ok() && at->has_value());
  EXPECT_EQ((*at)->name, "old-fn");
  EXPECT_EQ((*at)->az, "");  // new column, default
  // The new columns work.
  Assignment a = make("10.0.0.7", "eni-7", "lambda", "old-fn", "old-fn");
  ASSERT_TRUE((*store)->record_assignments({a}, 30).ok());
  at = (*store)->assignment_at("10.0.0.7", 30);
  ASSERT_TRUE(at.ok() && at->has_value());
  EXPECT_EQ((*at)->az, "us-east-1a");
  EXPECT_EQ((*at)->first_seen, 10);
}

// Builds a store file the way efstop left it at schema `version` (3: the
// name tables of version 2 and the history tables; 4: also collected_name),
// with one lookup, one assignment and, at 4, one collected name.
void write_old_store(const std::string& path, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "CREATE TABLE lookup(kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
      " fetched_at INTEGER NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID;"
      "CREATE TABLE assignment(ip TEXT NOT NULL, eni_id TEXT NOT NULL, kind TEXT NOT NULL,"
      " name TEXT NOT NULL, resource_id TEXT NOT NULL, first_seen INTEGER NOT NULL,"
      " last_seen INTEGER NOT NULL, PRIMARY KEY(ip, eni_id, kind, resource_id));"
      "ALTER TABLE assignment ADD COLUMN az TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE assignment ADD COLUMN account TEXT NOT NULL DEFAULT '';"
      "CREATE INDEX assignment_by_time ON assignment(ip, first_seen);"
      "CREATE TABLE collection(id INTEGER PRIMARY KEY, window_start INTEGER NOT NULL,"
      " window_end INTEGER NOT NULL, bucket_s INTEGER NOT NULL, collected_at INTEGER NOT NULL,"
      " source TEXT NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
      "CREATE TABLE address(id INTEGER PRIMARY KEY, ip TEXT NOT NULL UNIQUE);"
      "CREATE TABLE bucket_total(bucket_start INTEGER NOT NULL, client INTEGER NOT NULL,"
      " server INTEGER NOT NULL, bytes_read INTEGER NOT NULL, bytes_written INTEGER NOT NULL,"
      " packets INTEGER NOT NULL, flows INTEGER NOT NULL, rejected INTEGER NOT NULL,"
      " packets_unknown INTEGER NOT NULL, bytes_unknown INTEGER NOT NULL,"
      " collection INTEGER NOT NULL, PRIMARY KEY(bucket_start, client, server)) WITHOUT ROWID;"
      "INSERT INTO lookup VALUES('eni-by-ip', '10.0.0.7', 'old-value', 5);"
      "INSERT INTO assignment VALUES('10.0.0.7', 'eni-7', 'ec2-instance', 'web', 'i-7', 10, 20,"
      " 'eu-west-1a', '111122223333');"
      "INSERT INTO address VALUES(1, '10.0.0.7');";
  if (version >= 4) {
    sql +=
        "CREATE TABLE collected_name(address INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
        " last_seen INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
        " az TEXT NOT NULL, account TEXT NOT NULL, PRIMARY KEY(address, first_seen))"
        " WITHOUT ROWID;"
        "INSERT INTO collected_name VALUES(1, 0, 3600, 'web', 'ec2-instance', 'i-7',"
        " 'eu-west-1a', '111122223333');";
  }
  sql += "PRAGMA user_version = " + std::to_string(version) + ";";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// The rows of `sql` (one text column each), read with SQLite directly.
std::vector<std::string> column_of(const std::string& path, const char* sql) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    out.emplace_back(t == nullptr ? "" : reinterpret_cast<const char*>(t));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// A store of `version` (before names were kept per account and region)
// migrates to the current one: its rows become the default scope's, a
// member account's scope sees none of them and keeps its own apart, and
// the history tables (collected_name at 4) are kept as they were.
void expect_migrates_to_scopes(int version) {
  TempDir tmp;
  const std::string path = tmp.path() + "/old.sqlite3";
  write_old_store(path, version);
  auto own = NameStore::open(StoreOptions{path, 1000, {}});
  ASSERT_TRUE(own.ok()) << own.status().to_string();
  EXPECT_EQ((*own)->schema_version(), 5);
  auto hit = (*own)->get_lookup("eni-by-ip", "10.0.0.7", 5, -1);
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->value, "old-value");
  auto at = (*own)->assignment_at("10.0.0.7", 15);
  ASSERT_TRUE(at.ok() && at->has_value());
  EXPECT_EQ((*at)->name, "web");
  EXPECT_EQ((*at)->account, "111122223333");
  EXPECT_EQ((*at)->az, "eu-west-1a");

  auto member = NameStore::open(StoreOptions{path, 1000, {}}, "444455556666/us-west-2");
  ASSERT_TRUE(member.ok()) << member.status().to_string();
  hit = (*member)->get_lookup("eni-by-ip", "10.0.0.7", 5, -1);
  ASSERT_TRUE(hit.ok());
  EXPECT_FALSE(hit->has_value());  // the default scope's row is not the member's
  at = (*member)->assignment_at("10.0.0.7", 15);
  ASSERT_TRUE(at.ok());
  EXPECT_FALSE(at->has_value());
  // The same address and kind in the member's scope: a row of its own.
  ASSERT_TRUE((*member)->put_lookup("eni-by-ip", "10.0.0.7", "member-value", 6).ok());
  Assignment a = make("10.0.0.7", "eni-9", "lambda", "fn", "fn");
  ASSERT_TRUE((*member)->record_assignments({a}, 30).ok());
  hit = (*member)->get_lookup("eni-by-ip", "10.0.0.7", 6, -1);
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->value, "member-value");
  hit = (*own)->get_lookup("eni-by-ip", "10.0.0.7", 6, -1);
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->value, "old-value");
  auto history = (*own)->all_history();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].name, "web");
  history = (*member)->all_history();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].name, "fn");
  own->reset();
  member->reset();

  // Both scopes' rows are on disk under their scope; the old row in ''.
  EXPECT_EQ(column_of(path, "SELECT scope || '|' || value FROM lookup ORDER BY scope"),
            (std::vector<std::string>{"|old-value", "444455556666/us-west-2|member-value"}));
  EXPECT_EQ(column_of(path, "SELECT scope || '|' || name FROM assignment ORDER BY scope"),
            (std::vector<std::string>{"|web", "444455556666/us-west-2|fn"}));
  // The history tables are untouched: the address numbering, and at 4 the
  // collected name; at 3, migration 4 made collected_name (empty).
  EXPECT_EQ(column_of(path, "SELECT ip FROM address"), std::vector<std::string>{"10.0.0.7"});
  EXPECT_EQ(column_of(path, "SELECT name || '|' || last_seen FROM collected_name"),
            version >= 4 ? std::vector<std::string>{"web|3600"} : std::vector<std::string>{});
}

TEST(NameStoreDiskTest, MigratesVersion3StoreToScopes) { expect_migrates_to_scopes(3); }

TEST(NameStoreDiskTest, MigratesVersion4StoreToScopes) { expect_migrates_to_scopes(4); }

TEST(NameStoreDiskTest, RefusesStoreFromNewerEfstop) {
  TempDir tmp;
  const std::string path = tmp.path() + "/future.sqlite3";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = NameStore::open(StoreOptions{path, 1000, {}});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
  EXPECT_TRUE(fs::exists(path));  // left untouched
}

TEST(NameStoreDiskTest, CorruptStoreIsSetAsideWithWarningAndRebuilt) {
  TempDir tmp;
  const std::string path = tmp.path() + "/bad.sqlite3";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(8192, 'x');
  }
  std::vector<std::string> warnings;
  StoreOptions options{path, 1000, [&](const std::string& w) { warnings.push_back(w); }};
  auto store = NameStore::open(options);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("corrupt"), std::string::npos);
  EXPECT_NE(warnings[0].find(path), std::string::npos);
  int aside = 0;
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    if (entry.path().filename().string().rfind("bad.sqlite3.corrupt-", 0) == 0) {
      ++aside;
      EXPECT_EQ(fs::file_size(entry.path()), 8192u);
    }
  }
  EXPECT_EQ(aside, 1);
  ASSERT_TRUE((*store)->put_lookup("k", "a", "v", 1).ok());
}

TEST(NameStoreDiskTest, DamagedPagesAreDetected) {
  TempDir tmp;
  const std::string path = tmp.path() + "/damaged.sqlite3";
  {
    auto store = NameStore::open(StoreOptions{path, 1000, {}});
    ASSERT_TRUE(store.ok());
    std::vector<std::pair<std::string, std::string>> rows;
    for (int i = 0; i < 2000; ++i)
      rows.emplace_back("key" + std::to_string(i), std::string(100, 'v'));
    ASSERT_TRUE((*store)->put_lookups("k", rows, 1).ok());
  }
  // Checkpointed on close; overwrite the middle of the file (a b-tree page)
  // but keep the header so SQLite opens it.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 3);
    const std::string junk(4096 * 4, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  std::vector<std::string> warnings;
  // A reader's open reads the header and the schema only (docs/history.md,
  // "Integrity"): it opens without noticing damage in pages it does not
  // read (here the roots of other tables), and no lookup answers a wrong
  // value (one that met a damaged page would fail with SQLite's error).
  {
    auto reader = NameStore::open(
        StoreOptions{path, 1000, [&](const std::string& w) { warnings.push_back(w); }});
    ASSERT_TRUE(reader.ok()) << reader.status().to_string();
    EXPECT_TRUE(warnings.empty());
    int failed = 0;
    for (int i = 0; i < 2000; ++i) {
      auto got = (*reader)->get_lookup("k", "key" + std::to_string(i), 1, -1);
      if (!got.ok()) {
        ++failed;
        continue;
      }
      if (got->has_value()) {
        EXPECT_EQ((*got)->value, std::string(100, 'v')) << i;
      }
    }
    EXPECT_LT(failed, 2000);
  }
  // The full check (the writer's, `efstop collect`) reads every page: the
  // file is set aside and a fresh store built.
  StoreOptions full{path, 1000, [&](const std::string& w) { warnings.push_back(w); }};
  full.full_check = true;
  auto store = NameStore::open(full);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ(warnings.size(), 1u);
  auto hit = (*store)->get_lookup("k", "key1", 1, -1);
  ASSERT_TRUE(hit.ok());
  EXPECT_FALSE(hit->has_value());  // a fresh store
}

// Two processes write to one store at once; every write lands.
TEST(NameStoreDiskTest, TwoProcessesShareOneStore) {
  TempDir tmp;
  const std::string path = tmp.path() + "/shared.sqlite3";
  ASSERT_TRUE(NameStore::open(StoreOptions{path, 10000, {}}).ok());
  constexpr int kRounds = 60;
  std::vector<pid_t> children;
  for (int proc = 0; proc < 2; ++proc) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = NameStore::open(StoreOptions{path, 10000, {}});
      if (!store.ok()) ::_exit(10);
      for (int i = 0; i < kRounds; ++i) {
        const std::string ip = "10." + std::to_string(proc) + ".0." + std::to_string(i);
        if (!(*store)->record_assignments({make(ip, "eni", "ec2", "n", "i")}, 100 + i).ok()) {
          ::_exit(11);
        }
        if (!(*store)->put_lookup("p", ip, "v", 1).ok()) ::_exit(12);
        auto read = (*store)->assignment_at(ip, 100 + i);
        if (!read.ok() || !read->has_value()) ::_exit(13);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto store = NameStore::open(StoreOptions{path, 1000, {}});
  ASSERT_TRUE(store.ok());
  for (int proc = 0; proc < 2; ++proc) {
    for (int i = 0; i < kRounds; ++i) {
      const std::string ip = "10." + std::to_string(proc) + ".0." + std::to_string(i);
      auto h = (*store)->history(ip);
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(h->size(), 1u) << ip;
      auto hit = (*store)->get_lookup("p", ip, 1, -1);
      ASSERT_TRUE(hit.ok());
      EXPECT_TRUE(hit->has_value()) << ip;
    }
  }
}

}  // namespace
}  // namespace efstop::store
