// HistoryStore: collected history in the same SQLite file as the names
// (name_store.h: 0600, WAL, corrupt file set aside, PRAGMA user_version;
// the tables are migration 3). `efstop collect` writes it, `efstop top
// --from-store` reads it. docs/history.md describes the schema and the rules.
//
//   collection(id, window_start, window_end, bucket_s, collected_at, source,
//              status, detail)   one row per collect run, "ok" or not
//   address(id, ip)              each address numbered once
//   bucket_total(bucket_start, client, server, bytes_read, bytes_written,
//                packets, flows, rejected, packets_unknown, bytes_unknown,
//                collection)     per (bucket, client, server) sums
//   collected_name(address, first_seen, last_seen, name, kind, id, az,
//                  account)      the names at collect time (migration 4)
//
// Idempotence: a collection over [start, end) replaces, in one transaction,
// every bucket_total row whose bucket_start lies in [start, end) with what
// it counted; the caller only passes whole buckets, so a bucket is never
// summed from two runs.
//
// Not thread-safe; one object per thread. Several processes may share the
// file: writes are BEGIN IMMEDIATE transactions that wait up to the busy
// timeout for another writer.
#ifndef EFSTOP_STORE_HISTORY_STORE_H_
#define EFSTOP_STORE_HISTORY_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "store/name_store.h"
#include "store/sqlite_db.h"

namespace efstop::store {

// The sums of one (client, server) pair in one bucket [bucket_start,
// bucket_start + width).
struct BucketTotals {
  int64_t bucket_start = 0;  // Unix seconds, a multiple of the width
  std::string client;        // address text, as IpAddress::to_string
  std::string server;
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t packets = 0;
  int64_t flows = 0;
  int64_t rejected = 0;
  int64_t packets_unknown = 0;
  int64_t bytes_unknown = 0;
  // Set by read_buckets: the store's numbers for client and server (equal
  // ids, equal addresses), a cheap key for the reader. Ignored when storing.
  int64_t client_id = 0;
  int64_t server_id = 0;
};

// An address's name as a collection resolved it (enrich::EndpointName's
// fields, as the report shows them: `name` may be "unresolved: <reason>").
struct CollectedName {
  std::string ip;
  std::string name;
  std::string kind;
  std::string id;
  std::string az;
  std::string account;
};

struct Collection {
  int64_t id = 0;
  int64_t window_start = 0;  // [window_start, window_end), whole buckets
  int64_t window_end = 0;
  int64_t bucket_s = 0;
  int64_t collected_at = 0;  // Unix seconds
  std::string source;        // what was read ("files: a.log, b/")
  std::string status;        // "ok", or "partial" (some input unreadable: nothing stored)
  std::string detail;        // why not ok
};

class HistoryStore {
 public:
  // Opens or creates the store file (open_store_file). Errors as NameStore::open.
  static Result<std::unique_ptr<HistoryStore>> open(const StoreOptions& options);

  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // The newest collection with status "ok" (largest window_end, then id),
  // nullopt when none.
  Result<std::optional<Collection>> last_ok_collection();
  // The bucket width of the store: that of its newest "ok" collection;
  // nullopt when nothing was collected yet.
  Result<std::optional<int64_t>> bucket_width();

  // In one BEGIN IMMEDIATE transaction: deletes the rows with bucket_start in
  // [c.window_start, c.window_end), inserts `rows` (each must lie in that
  // range), and adds the collection row. Returns the new collection's id.
  // `names`: the names of the addresses at collect time (may be empty),
  // stored for the collection's window: a name row that held at
  // window_start with the same fields is widened to window_end, else a
  // new one starts at window_start.
  Result<int64_t> store_collection(const Collection& c, const std::vector<BucketTotals>& rows,
                                   const std::vector<CollectedName>& names = {});
  // Records a run that stored nothing (status != "ok"), so it shows in the
  // history without advancing the last successful window.
  Status record_failed_collection(const Collection& c);

  // Deletes bucket rows that start before `cutoff`, collections whose window
  // ended by `cutoff`, and addresses no row uses any more. Returns the number
  // of bucket rows deleted.
  Result<int64_t> prune_before(int64_t cutoff);

  // Every bucket row with bucket_start in [from, to), by bucket_start, then
  // client id, then server id. `each` is called per row (no copy of the whole
  // range is held).
  Status read_buckets(int64_t from, int64_t to,
                      const std::function<void(const BucketTotals&)>& each);

  // The name of each address as collected: among the name rows whose
  // collected windows overlap [from, to), the one that started last (the
  // name at the end of the window). Keyed by address text; empty when none.
  Result<std::map<std::string, CollectedName>> collected_names(int64_t from, int64_t to);

  // Every collection, oldest window first.
  Result<std::vector<Collection>> collections();

  const std::string& path() const { return path_; }

 private:
  HistoryStore(SqliteDb db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  Result<int64_t> address_id(const std::string& ip);

  SqliteDb db_;
  const std::string path_;
};

}  // namespace efstop::store

#endif  // EFSTOP_STORE_HISTORY_STORE_H_
