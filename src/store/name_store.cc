#include "store/name_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/resource_error.h"

namespace efstop::store {

namespace {

// Migration i (1-based) brings a store from version i-1 to version i.
constexpr std::string_view kMigrations[] = {
    // 1: the first layout.
    "CREATE TABLE IF NOT EXISTS lookup("
    " kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " fetched_at INTEGER NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS assignment("
    " ip TEXT NOT NULL, eni_id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
    " resource_id TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " PRIMARY KEY(ip, eni_id, kind, resource_id));",
    // 2: the AZ and account of each end, and point-in-time lookups by index.
    "ALTER TABLE assignment ADD COLUMN az TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE assignment ADD COLUMN account TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX IF NOT EXISTS assignment_by_time ON assignment(ip, first_seen);",
    // 3: collected history (history_store.h, docs/history.md). Addresses
    // are numbered once (address), so the 3.6 M rows of 30 days x 24 h x
    // 5,000 pairs carry small integers; bucket rows are keyed by (bucket
    // start, client, server) WITHOUT ROWID: the key is the table, time
    // ranges are contiguous for reading, replacing and pruning, and no
    // second index is kept.
    "CREATE TABLE IF NOT EXISTS collection("
    " id INTEGER PRIMARY KEY, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,"
    " bucket_s INTEGER NOT NULL, collected_at INTEGER NOT NULL, source TEXT NOT NULL,"
    " status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS address(id INTEGER PRIMARY KEY, ip TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS bucket_total("
    " bucket_start INTEGER NOT NULL, client INTEGER NOT NULL, server INTEGER NOT NULL,"
    " bytes_read INTEGER NOT NULL, bytes_written INTEGER NOT NULL, packets INTEGER NOT NULL,"
    " flows INTEGER NOT NULL, rejected INTEGER NOT NULL, packets_unknown INTEGER NOT NULL,"
    " bytes_unknown INTEGER NOT NULL, collection INTEGER NOT NULL,"
    " PRIMARY KEY(bucket_start, client, server)) WITHOUT ROWID;",
    // 4: the names each address had when a collection stored its buckets
    // (history_store.h), so `top --from-store` shows them as they were. A
    // row lasts while the name stays the same ([first_seen, last_seen) of
    // the collected windows): 5,000 addresses whose names do not change
    // cost 5,000 rows, not one per address and hour.
    "CREATE TABLE IF NOT EXISTS collected_name("
    " address INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " name TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, az TEXT NOT NULL,"
    " account TEXT NOT NULL, PRIMARY KEY(address, first_seen)) WITHOUT ROWID;",
    // 5: names keyed by account and region (issue 18, docs/multi-account.md):
    // every lookup and assignment belongs to the scope it was read in
    // ("<account>/<region>"; '' is the caller's own account and region, as
    // every row before this version was). A key column of a WITHOUT ROWID
    // table cannot be added in place, so both tables are rebuilt. A store
    // of version 3 takes migration 4 first, one of version 4 this one only.
    "CREATE TABLE lookup_v5("
    " scope TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " fetched_at INTEGER NOT NULL, PRIMARY KEY(scope, kind, key)) WITHOUT ROWID;"
    "INSERT INTO lookup_v5 SELECT '', kind, key, value, fetched_at FROM lookup;"
    "DROP TABLE lookup;"
    "ALTER TABLE lookup_v5 RENAME TO lookup;"
    "CREATE TABLE assignment_v5("
    " scope TEXT NOT NULL, ip TEXT NOT NULL, eni_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " name TEXT NOT NULL, resource_id TEXT NOT NULL, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, az TEXT NOT NULL DEFAULT '', account TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY(scope, ip, eni_id, kind, resource_id));"
    "INSERT INTO assignment_v5 SELECT '', ip, eni_id, kind, name, resource_id, first_seen,"
    " last_seen, az, account FROM assignment;"
    "DROP TABLE assignment;"
    "ALTER TABLE assignment_v5 RENAME TO assignment;"
    "CREATE INDEX assignment_by_time ON assignment(scope, ip, first_seen);",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

std::string errno_text() { return std::strerror(errno); }

// Why an open failed, with what to do: a process (or system) out of
// descriptors is told what to raise, since another directory would fail
// alike; any other cause as strerror followed by `advice` ("" for none).
std::string open_failure_text(int err, std::string_view advice) {
  if (err == EMFILE || err == ENFILE) return std::string(*resource_shortage_words(err));
  return std::string(std::strerror(err)) + std::string(advice);
}

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Creates the file with mode 0600 before SQLite sees it (SQLite would use
// 0644 minus umask), and tightens an existing file. SQLite gives the -wal and
// -shm files the database file's mode.
// A symbolic link or a file of another user is refused (O_NOFOLLOW, fstat):
// either would let someone else read or redirect what efstop stores.
Status ensure_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 && errno == ELOOP) {
    return io_error("open store " + path +
                    ": it is a symbolic link, which efstop refuses (it could point anywhere); "
                    "remove it, or pass --cache-dir DIR");
  }
  if (fd < 0) return io_error("create store " + path + ": " + open_failure_text(errno, ""));
  struct stat st {};
  int rc = ::fstat(fd, &st);
  if (rc == 0 && st.st_uid != ::geteuid()) {
    ::close(fd);
    return io_error("open store " + path + ": it is owned by uid " + std::to_string(st.st_uid) +
                    ", not by you (uid " + std::to_string(::geteuid()) +
                    "); remove it, or pass --cache-dir DIR");
  }
  rc = ::fchmod(fd, 0600);
  ::close(fd);
  if (rc != 0) return io_error("chmod 0600 " + path + ": " + errno_text());
  return Status();
}

Result<int> read_version(SqliteDb& db) {
  EFSTOP_ASSIGN_OR_RETURN(const std::string v, db.query_text("PRAGMA user_version"));
  return std::atoi(v.c_str());
}

// Brings the schema up to kSchemaVersion. The check and the migration run in
// one IMMEDIATE transaction so two processes opening a fresh store at once
// do not both migrate.
Result<int> migrate(SqliteDb& db, const std::string& path) {
  EFSTOP_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  auto fail = [&db](Status s) {
    (void)db.exec("ROLLBACK");
    return s;
  };
  Result<int> version = read_version(db);
  if (!version.ok()) return fail(version.status());
  if (*version > kSchemaVersion) {
    return fail(invalid_argument_error(
        "open store " + path + ": schema version " + std::to_string(*version) +
        " is newer than this efstop supports (" + std::to_string(kSchemaVersion) +
        "); upgrade efstop or use --cache-dir for a separate store"));
  }
  for (int v = *version; v < kSchemaVersion; ++v) {
    Status s = db.exec(kMigrations[v]);
    if (!s.ok()) {
      return fail(s.with_context("migrate store " + path + " to version " + std::to_string(v + 1)));
    }
  }
  Status s = db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  if (!s.ok()) return fail(s);
  EFSTOP_RETURN_IF_ERROR(db.exec("COMMIT"));
  return kSchemaVersion;
}

Result<std::pair<SqliteDb, int>> open_once(const StoreOptions& options) {
  const bool in_memory = options.path == ":memory:";
  if (!in_memory) EFSTOP_RETURN_IF_ERROR(ensure_private_file(options.path));
  EFSTOP_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::open(options.path));
  db.set_busy_timeout(options.busy_timeout_ms);
  if (!in_memory) {
    // A garbage file passes sqlite3_open (it reads lazily); the first real
    // statement reports NOTADB.
    EFSTOP_ASSIGN_OR_RETURN(const std::string mode, db.query_text("PRAGMA journal_mode=WAL"));
    (void)mode;
    // Every open reads the header and the whole schema (a damaged schema
    // page is SQLITE_CORRUPT here). The full page check reads every page of
    // the file: 200 MB for 30 days of 5,000 pairs, seconds that a report
    // should not pay each time; the writer (full_check: `efstop collect`,
    // hourly) pays it, and a reader that meets a damaged page later gets
    // SQLite's own error for that statement (docs/history.md, "Integrity").
    EFSTOP_ASSIGN_OR_RETURN(const std::string tables,
                            db.query_text("SELECT count(*) FROM sqlite_schema"));
    (void)tables;
    if (options.full_check) {
      // quick_check answers one row "ok", or rows describing the damage.
      Result<std::string> check = db.query_text("PRAGMA quick_check");
      if (!check.ok()) return check.status();
      const std::string& verdict = check.value();
      if (verdict.size() != 2 || verdict[0] != 'o' || verdict[1] != 'k') {
        return parse_error("check store " + options.path + ": database corrupt: " +
                           (verdict.empty() ? std::string("no answer") : verdict));
      }
    }
    EFSTOP_RETURN_IF_ERROR(db.exec("PRAGMA synchronous=NORMAL"));
  }
  EFSTOP_ASSIGN_OR_RETURN(const int version, migrate(db, options.path));
  return std::pair<SqliteDb, int>(std::move(db), version);
}

Assignment read_assignment(const SqliteStatement& st) {
  Assignment a;
  a.ip = st.column_text(0);
  a.eni_id = st.column_text(1);
  a.kind = st.column_text(2);
  a.name = st.column_text(3);
  a.resource_id = st.column_text(4);
  a.az = st.column_text(5);
  a.account = st.column_text(6);
  a.first_seen = st.column_int(7);
  a.last_seen = st.column_int(8);
  return a;
}

constexpr std::string_view kAssignmentColumns =
    "ip, eni_id, kind, name, resource_id, az, account, first_seen, last_seen";

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on error.
template <typename Body>
Status in_transaction(SqliteDb& db, Body&& body) {
  EFSTOP_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s.ok()) {
    (void)db.exec("ROLLBACK");
    return s;
  }
  return db.exec("COMMIT");
}

}  // namespace

Result<std::pair<SqliteDb, int>> open_store_file(const StoreOptions& options) {
  Result<std::pair<SqliteDb, int>> opened = open_once(options);
  if (!opened.ok() && is_corruption(opened.status()) && options.path != ":memory:") {
    // Set the damaged file aside (never delete what a user may want to
    // inspect), then build a fresh one.
    const std::string aside = options.path + ".corrupt-" + utc_stamp();
    if (std::rename(options.path.c_str(), aside.c_str()) != 0) {
      return io_error("set aside corrupt store " + options.path + ": " + errno_text());
    }
    for (const char* suffix : {"-wal", "-shm"}) {
      const std::string side = options.path + suffix;
      if (::access(side.c_str(), F_OK) == 0) std::rename(side.c_str(), (aside + suffix).c_str());
    }
    if (options.warn) {
      options.warn("warning: store " + options.path + " is corrupt (" + opened.status().message() +
                   "); moved it to " + aside + " and started a new one");
    }
    opened = open_once(options);
  }
  return opened;
}

Result<std::unique_ptr<NameStore>> NameStore::open(const StoreOptions& options, std::string scope) {
  Result<std::pair<SqliteDb, int>> opened = open_store_file(options);
  if (!opened.ok()) return opened.status();
  auto [db, version] = std::move(opened).value();
  return std::unique_ptr<NameStore>(new NameStore(std::make_shared<Connection>(std::move(db)),
                                                  options.path, version, std::move(scope)));
}

std::unique_ptr<NameStore> NameStore::for_scope(std::string scope) const {
  return std::unique_ptr<NameStore>(
      new NameStore(connection_, path_, schema_version_, std::move(scope)));
}

Status NameStore::put_lookup(std::string_view kind, std::string_view key, std::string_view value,
                             int64_t fetched_at) {
  return put_lookups(kind, {{std::string(key), std::string(value)}}, fetched_at);
}

Status NameStore::put_lookups(std::string_view kind,
                              const std::vector<std::pair<std::string, std::string>>& key_values,
                              int64_t fetched_at) {
  if (key_values.empty()) return Status();
  std::lock_guard lock(mutex_);
  return in_transaction(db_, [&]() -> Status {
    EFSTOP_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_.prepare("INSERT INTO lookup(kind, key, value, fetched_at, scope) "
                    "VALUES(?1, ?2, ?3, ?4, ?5) "
                    "ON CONFLICT(scope, kind, key) DO UPDATE SET value = excluded.value, "
                    "fetched_at = excluded.fetched_at WHERE excluded.fetched_at >= fetched_at"));
    for (const auto& [key, value] : key_values) {
      st.bind(1, kind).bind(2, key).bind(3, value).bind(4, fetched_at).bind(5, scope_);
      EFSTOP_RETURN_IF_ERROR(st.run());
    }
    return Status();
  });
}

Result<std::optional<CachedLookup>> NameStore::get_lookup(std::string_view kind,
                                                          std::string_view key, int64_t now,
                                                          int64_t ttl_seconds) {
  EFSTOP_ASSIGN_OR_RETURN(auto found, get_lookups(kind, {std::string(key)}, now, ttl_seconds));
  if (found.empty()) return std::optional<CachedLookup>();
  return std::optional<CachedLookup>(std::move(found.begin()->second));
}

Result<std::map<std::string, CachedLookup>> NameStore::get_lookups(
    std::string_view kind, const std::vector<std::string>& keys, int64_t now, int64_t ttl_seconds) {
  std::lock_guard lock(mutex_);
  std::map<std::string, CachedLookup> out;
  EFSTOP_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_.prepare("SELECT value, fetched_at FROM lookup WHERE kind = ?1 AND key = ?2 "
                  "AND scope = ?3"));
  for (const std::string& key : keys) {
    st.bind(1, kind).bind(2, key).bind(3, scope_);
    EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
    if (has_row) {
      CachedLookup row{st.column_text(0), st.column_int(1)};
      // A row from the future (clock moved back) counts as fresh.
      if (ttl_seconds < 0 || now - row.fetched_at <= ttl_seconds) out.emplace(key, std::move(row));
    }
    st.reset();
  }
  return out;
}

Status NameStore::record_assignments(const std::vector<Assignment>& seen, int64_t seen_at) {
  if (seen.empty()) return Status();
  std::lock_guard lock(mutex_);
  return in_transaction(db_, [&]() -> Status {
    EFSTOP_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_.prepare(
            "INSERT INTO assignment(ip, eni_id, kind, name, resource_id, az, account, "
            "first_seen, last_seen, scope) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) "
            "ON CONFLICT(scope, ip, eni_id, kind, resource_id) DO UPDATE SET "
            "first_seen = min(first_seen, excluded.first_seen), "
            "name = CASE WHEN excluded.last_seen >= last_seen THEN excluded.name ELSE name END, "
            "az = CASE WHEN excluded.last_seen >= last_seen THEN excluded.az ELSE az END, "
            "account = CASE WHEN excluded.last_seen >= last_seen THEN excluded.account "
            "ELSE account END, "
            "last_seen = max(last_seen, excluded.last_seen)"));
    for (const Assignment& a : seen) {
      st.bind(1, a.ip).bind(2, a.eni_id).bind(3, a.kind).bind(4, a.name);
      st.bind(5, a.resource_id).bind(6, a.az).bind(7, a.account).bind(8, seen_at).bind(9, scope_);
      EFSTOP_RETURN_IF_ERROR(st.run());
    }
    return Status();
  });
}

Result<std::optional<Assignment>> NameStore::assignment_at(std::string_view ip, int64_t t) {
  std::lock_guard lock(mutex_);
  // Began by t, latest first; ties (one IP on two rows seen together) go to
  // the one seen last, then by ENI id for a deterministic answer.
  EFSTOP_ASSIGN_OR_RETURN(
      SqliteStatement before,
      db_.prepare("SELECT " + std::string(kAssignmentColumns) +
                  " FROM assignment WHERE scope = ?3 AND ip = ?1 AND first_seen <= ?2 "
                  "ORDER BY first_seen DESC, last_seen DESC, eni_id LIMIT 1"));
  before.bind(1, ip).bind(2, t).bind(3, scope_);
  EFSTOP_ASSIGN_OR_RETURN(bool has_row, before.step());
  if (has_row) {
    Assignment a = read_assignment(before);
    a.covers_time = t <= a.last_seen;
    return std::optional<Assignment>(std::move(a));
  }
  EFSTOP_ASSIGN_OR_RETURN(SqliteStatement after,
                          db_.prepare("SELECT " + std::string(kAssignmentColumns) +
                                      " FROM assignment WHERE scope = ?2 AND ip = ?1 "
                                      "ORDER BY first_seen, eni_id LIMIT 1"));
  after.bind(1, ip).bind(2, scope_);
  EFSTOP_ASSIGN_OR_RETURN(has_row, after.step());
  if (!has_row) return std::optional<Assignment>();
  Assignment a = read_assignment(after);
  a.covers_time = false;
  return std::optional<Assignment>(std::move(a));
}

Result<std::vector<Assignment>> NameStore::history(std::string_view ip) {
  std::lock_guard lock(mutex_);
  EFSTOP_ASSIGN_OR_RETURN(SqliteStatement st,
                          db_.prepare("SELECT " + std::string(kAssignmentColumns) +
                                      " FROM assignment WHERE scope = ?2 AND ip = ?1 "
                                      "ORDER BY first_seen, last_seen, eni_id"));
  st.bind(1, ip).bind(2, scope_);
  std::vector<Assignment> out;
  for (;;) {
    EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
    if (!has_row) break;
    out.push_back(read_assignment(st));
  }
  return out;
}

Result<std::vector<Assignment>> NameStore::all_history() {
  std::lock_guard lock(mutex_);
  EFSTOP_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_.prepare("SELECT " + std::string(kAssignmentColumns) +
                  " FROM assignment WHERE scope = ?1 ORDER BY ip, first_seen, last_seen, eni_id"));
  st.bind(1, scope_);
  std::vector<Assignment> out;
  for (;;) {
    EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
    if (!has_row) break;
    out.push_back(read_assignment(st));
  }
  return out;
}

Result<std::string> default_store_dir(std::string_view cache_dir_flag) {
  if (!cache_dir_flag.empty()) return std::string(cache_dir_flag);
  // The XDG spec says relative values are invalid and must be ignored.
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/efstop";
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] == '\0') {
    return invalid_argument_error(
        "find cache directory: neither XDG_CACHE_HOME nor HOME is set; pass --cache-dir DIR");
  }
  return std::string(home) + "/.cache/efstop";
}

Status prepare_store_dir(const std::string& dir) {
  if (dir.empty()) return invalid_argument_error("cache directory: the path is empty");
  // Missing directories (parents included) are made 0700, whatever the
  // umask, as the XDG base directory spec asks; existing parents are left
  // as they are.
  std::string built;
  size_t i = 0;
  while (i <= dir.size()) {
    size_t slash = dir.find('/', i);
    if (slash == std::string::npos) slash = dir.size();
    built = dir.substr(0, slash);
    i = slash + 1;
    if (built.empty()) continue;  // the root of an absolute path
    if (::mkdir(built.c_str(), 0700) == 0) {
      (void)::chmod(built.c_str(), 0700);  // a umask may have taken bits off
    } else if (errno != EEXIST) {
      return io_error("create cache directory " + built + ": " + errno_text() +
                      "; pass --cache-dir DIR to use another");
    }
  }
  // The directory itself: not a symbolic link (O_NOFOLLOW), a directory,
  // ours; then 0700 through the descriptor (no race with a swapped link).
  const std::string what = "cache directory " + dir;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int open_errno = errno;
    struct stat lst {};
    if (::lstat(dir.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
      return io_error(what +
                      ": it is a symbolic link, which efstop refuses (it could point to a "
                      "directory others can read); replace it with a directory of your own, or "
                      "pass --cache-dir DIR");
    }
    return io_error("open " + what + ": " +
                    open_failure_text(open_errno, "; pass --cache-dir DIR to use another"));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string e = errno_text();
    ::close(fd);
    return io_error("stat " + what + ": " + e);
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    return io_error(what + ": it is owned by uid " + std::to_string(st.st_uid) +
                    ", not by you (uid " + std::to_string(::geteuid()) +
                    "), so efstop refuses to keep names there; remove it, or pass --cache-dir "
                    "DIR");
  }
  const int rc = ::fchmod(fd, 0700);
  const std::string e = rc != 0 ? errno_text() : "";
  ::close(fd);
  if (rc != 0) return io_error("chmod 0700 " + what + ": " + e);
  return Status();
}

}  // namespace efstop::store
