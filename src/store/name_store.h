// NameStore: efstop's SQLite store for names. It keeps two things:
//
//  1. A lookup cache: typed rows (kind, key) -> value (an opaque string, in
//     practice JSON written by enrich/) with the time they were fetched, so a
//     second run inside the TTL makes no AWS call; --refresh ignores it and
//     --offline accepts any age.
//  2. History: every assignment IP -> ENI -> resource seen, with first and
//     last seen. assignment_at(ip, t) answers "who held this IP at time t", so
//     a flow from a Lambda or ECS ENI deleted since still gets its name.
//
// The file lives in a 0700 directory (default_store_dir) with mode 0600 (a
// symbolic link or another user's file there is refused),
// uses WAL with a busy timeout so two efstop processes can share it, and
// carries its schema version in PRAGMA user_version (migrations below). A
// file that SQLite reports as corrupt or not a database is renamed to
// "<file>.corrupt-<UTC time>", a warning is given, and a fresh store is built.
//
// Thread-safety: all methods may be called from several threads; calls are
// serialised by an internal mutex (one per connection: a store and its
// for_scope views share it). Two NameStore objects (in one or two
// processes) may share one file.
#ifndef EFSTOP_STORE_NAME_STORE_H_
#define EFSTOP_STORE_NAME_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "store/sqlite_db.h"

namespace efstop::store {

// Schema history (PRAGMA user_version):
//   1: lookup(kind, key, value, fetched_at); assignment(ip, eni_id, kind,
//      name, resource_id, first_seen, last_seen).
//   2: assignment gains az and account; index on (ip, first_seen).
//   3: collected history: collection, address, bucket_total
//      (history_store.h, docs/history.md).
//   4: collected_name: the names of a collection's addresses at collect time.
//   5: lookup and assignment gain `scope` in their keys: names are kept per
//      account and region (StoreOptions::scope); older rows get scope ''.
inline constexpr int kSchemaVersion = 5;

// The store file's name inside its directory.
inline constexpr std::string_view kStoreFileName = "efstop.sqlite3";

struct StoreOptions {
  // A file path, or ":memory:" for a private in-memory store (tests).
  std::string path;
  int busy_timeout_ms = 5000;
  // Receives warnings (a corrupt store set aside). May be empty.
  std::function<void(const std::string&)> warn;
  // Also run PRAGMA quick_check, which reads every page of the file (a
  // damaged page makes the open fail, and the file is set aside). Without
  // it an open reads the header and the schema only.
  bool full_check = false;
};

struct CachedLookup {
  std::string value;
  int64_t fetched_at = 0;  // unix seconds
};

// One IP -> ENI -> resource assignment. eni_id may be empty for names that do
// not come from an ENI (e.g. a label).
struct Assignment {
  std::string ip;
  std::string eni_id;
  std::string kind;
  std::string name;
  std::string resource_id;
  std::string az;
  std::string account;
  int64_t first_seen = 0;  // unix seconds
  int64_t last_seen = 0;
  // Set by assignment_at: true when first_seen <= t <= last_seen, false when
  // the answer is the nearest assignment outside its seen interval.
  bool covers_time = false;
};

class NameStore {
 public:
  // Opens or creates the store. Errors: kIo (cannot create/open), kInvalidArgument
  // (the file has a newer schema than this efstop knows), others from SQLite.
  // `scope`: the account and region whose names this NameStore reads and
  // writes ("111122223333/eu-west-1"; docs/multi-account.md); '' (the
  // default) is the caller's own account and region. Each scope sees only
  // its rows: one private address names different things in two accounts.
  static Result<std::unique_ptr<NameStore>> open(const StoreOptions& options,
                                                 std::string scope = "");

  NameStore(const NameStore&) = delete;
  NameStore& operator=(const NameStore&) = delete;

  // Lookup cache. ttl_seconds < 0 accepts any age (--offline). A row older
  // than the TTL is reported absent.
  Status put_lookup(std::string_view kind, std::string_view key, std::string_view value,
                    int64_t fetched_at);
  Status put_lookups(std::string_view kind,
                     const std::vector<std::pair<std::string, std::string>>& key_values,
                     int64_t fetched_at);
  Result<std::optional<CachedLookup>> get_lookup(std::string_view kind, std::string_view key,
                                                 int64_t now, int64_t ttl_seconds);
  Result<std::map<std::string, CachedLookup>> get_lookups(std::string_view kind,
                                                          const std::vector<std::string>& keys,
                                                          int64_t now, int64_t ttl_seconds);

  // History. Records each assignment as seen at `seen_at` (first_seen and
  // last_seen of the arguments are ignored): a new row starts with
  // first_seen = last_seen = seen_at, an existing one (same ip, eni_id, kind,
  // resource_id) widens its interval and takes the newer name/az/account.
  Status record_assignments(const std::vector<Assignment>& seen, int64_t seen_at);

  // The assignment that held `ip` at time t. An assignment holds from its
  // first_seen until the next assignment of the same IP begins, so: among
  // rows with first_seen <= t, the one that began last; if none began by t,
  // the earliest known row (the IP's first owner we know of). nullopt when
  // the IP has no history.
  Result<std::optional<Assignment>> assignment_at(std::string_view ip, int64_t t);
  // Every assignment of `ip`, oldest first.
  Result<std::vector<Assignment>> history(std::string_view ip);
  // Every assignment of every IP of this scope, by IP then oldest first
  // (inventory dumps).
  Result<std::vector<Assignment>> all_history();

  // This store's view for another scope: the same SQLite connection (its
  // descriptors, its mutex), that scope's rows. A run across hundreds of
  // scopes opens the file once instead of once per scope, each connection
  // costing the db and -wal descriptors (docs/multi-account.md, "Scale").
  // The view and this store may be used from several threads and outlive
  // each other; calls on both are serialised by the one mutex.
  std::unique_ptr<NameStore> for_scope(std::string scope) const;

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }

 private:
  struct Connection {
    explicit Connection(SqliteDb d) : db(std::move(d)) {}
    std::mutex mutex;
    SqliteDb db;  // guarded by mutex
  };
  NameStore(std::shared_ptr<Connection> connection, std::string path, int version,
            std::string scope)
      : connection_(std::move(connection)),
        mutex_(connection_->mutex),
        db_(connection_->db),
        path_(std::move(path)),
        schema_version_(version),
        scope_(std::move(scope)) {}

  const std::shared_ptr<Connection> connection_;  // shared with for_scope's views
  std::mutex& mutex_;                             // connection_->mutex
  SqliteDb& db_;                                  // connection_->db, guarded by mutex_
  const std::string path_;
  const int schema_version_;
  const std::string scope_;
};

// Opens the store file (creating it 0600, WAL, corrupt file set aside with
// a warning, schema migrated to kSchemaVersion) and returns the connection
// and its schema version. NameStore::open and HistoryStore::open both use
// it: names and history share one file.
Result<std::pair<SqliteDb, int>> open_store_file(const StoreOptions& options);

// The directory the store lives in: `cache_dir_flag` when not empty, else
// $XDG_CACHE_HOME/efstop when XDG_CACHE_HOME is set and absolute, else
// $HOME/.cache/efstop. Errors with kInvalidArgument when no HOME is known.
Result<std::string> default_store_dir(std::string_view cache_dir_flag);

// Creates `dir` and its missing parents, each mode 0700 whatever the umask,
// and makes `dir` itself mode 0700. Refuses (kIo naming the directory and
// saying what to do) a `dir` that is a symbolic link, not a directory, or
// owned by another user: someone else could read or redirect the store.
Status prepare_store_dir(const std::string& dir);

}  // namespace efstop::store

#endif  // EFSTOP_STORE_NAME_STORE_H_
