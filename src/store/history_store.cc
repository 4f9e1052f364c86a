#include "store/history_store.h"

#include <algorithm>
#include <unordered_map>

namespace efstop::store {

namespace {

constexpr std::string_view kCollectionColumns =
    "id, window_start, window_end, bucket_s, collected_at, source, status, detail";

Collection read_collection(const SqliteStatement& st) {
  Collection c;
  c.id = st.column_int(0);
  c.window_start = st.column_int(1);
  c.window_end = st.column_int(2);
  c.bucket_s = st.column_int(3);
  c.collected_at = st.column_int(4);
  c.source = st.column_text(5);
  c.status = st.column_text(6);
  c.detail = st.column_text(7);
  return c;
}

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back on error. The
// IMMEDIATE lock is taken before anything is read, so two writers cannot
// both read, then both write (the second waits for the busy timeout).
template <typename Body>
Status in_write_transaction(SqliteDb& db, Body&& body) {
  EFSTOP_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s.ok()) {
    (void)db.exec("ROLLBACK");
    return s;
  }
  s = db.exec("COMMIT");
  if (!s.ok()) (void)db.exec("ROLLBACK");
  return s;
}

Status insert_collection(SqliteDb& db, const Collection& c, int64_t* id) {
  EFSTOP_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db.prepare("INSERT INTO collection(window_start, window_end, bucket_s, collected_at, "
                 "source, status, detail) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id"));
  st.bind(1, c.window_start).bind(2, c.window_end).bind(3, c.bucket_s).bind(4, c.collected_at);
  st.bind(5, c.source).bind(6, c.status).bind(7, c.detail);
  EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
  if (!has_row) return internal_error("insert collection: no id returned");
  *id = st.column_int(0);
  st.reset();
  return Status();
}

}  // namespace

Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const StoreOptions& options) {
  EFSTOP_ASSIGN_OR_RETURN(auto opened, open_store_file(options));
  return std::unique_ptr<HistoryStore>(new HistoryStore(std::move(opened.first), options.path));
}

Result<std::optional<Collection>> HistoryStore::last_ok_collection() {
  EFSTOP_ASSIGN_OR_RETURN(SqliteStatement st,
                          db_.prepare("SELECT " + std::string(kCollectionColumns) +
                                      " FROM collection WHERE status = 'ok' "
                                      "ORDER BY window_end DESC, id DESC LIMIT 1"));
  EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
  if (!has_row) return std::optional<Collection>();
  return std::optional<Collection>(read_collection(st));
}

Result<std::optional<int64_t>> HistoryStore::bucket_width() {
  EFSTOP_ASSIGN_OR_RETURN(std::optional<Collection> last, last_ok_collection());
  if (!last) return std::optional<int64_t>();
  return std::optional<int64_t>(last->bucket_s);
}

Result<int64_t> HistoryStore::address_id(const std::string& ip) {
  EFSTOP_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_.prepare("INSERT INTO address(ip) VALUES(?1) ON CONFLICT(ip) DO UPDATE SET ip = ip "
                  "RETURNING id"));
  st.bind(1, ip);
  EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
  if (!has_row) return internal_error("number address " + ip + ": no id returned");
  const int64_t id = st.column_int(0);
  st.reset();
  return id;
}

Result<int64_t> HistoryStore::store_collection(const Collection& c,
                                               const std::vector<BucketTotals>& rows,
                                               const std::vector<CollectedName>& names) {
  int64_t id = 0;
  Status s = in_write_transaction(db_, [&]() -> Status {
    EFSTOP_ASSIGN_OR_RETURN(
        SqliteStatement del,
        db_.prepare("DELETE FROM bucket_total WHERE bucket_start >= ?1 AND bucket_start < ?2"));
    del.bind(1, c.window_start).bind(2, c.window_end);
    EFSTOP_RETURN_IF_ERROR(del.run());
    EFSTOP_RETURN_IF_ERROR(insert_collection(db_, c, &id));
    EFSTOP_ASSIGN_OR_RETURN(
        SqliteStatement ins,
        db_.prepare("INSERT INTO bucket_total(bucket_start, client, server, bytes_read, "
                    "bytes_written, packets, flows, rejected, packets_unknown, bytes_unknown, "
                    "collection) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    std::unordered_map<std::string, int64_t> ids;
    auto id_of = [&](const std::string& ip) -> Result<int64_t> {
      auto it = ids.find(ip);
      if (it != ids.end()) return it->second;
      EFSTOP_ASSIGN_OR_RETURN(const int64_t n, address_id(ip));
      ids.emplace(ip, n);
      return n;
    };
    for (const BucketTotals& r : rows) {
      if (r.bucket_start < c.window_start || r.bucket_start >= c.window_end) {
        return internal_error("store bucket " + std::to_string(r.bucket_start) +
                              ": outside the collection's window");
      }
      EFSTOP_ASSIGN_OR_RETURN(const int64_t client, id_of(r.client));
      EFSTOP_ASSIGN_OR_RETURN(const int64_t server, id_of(r.server));
      ins.bind(1, r.bucket_start).bind(2, client).bind(3, server).bind(4, r.bytes_read);
      ins.bind(5, r.bytes_written).bind(6, r.packets).bind(7, r.flows).bind(8, r.rejected);
      ins.bind(9, r.packets_unknown).bind(10, r.bytes_unknown).bind(11, id);
      EFSTOP_RETURN_IF_ERROR(ins.run());
    }
    // Names: the row that held at the window's start is widened when the
    // name is the same; otherwise a new row starts at the window's start
    // (replacing one that started there: a window collected again).
    EFSTOP_ASSIGN_OR_RETURN(
        SqliteStatement name_get,
        db_.prepare("SELECT first_seen, name, kind, id, az, account FROM collected_name "
                    "WHERE address = ?1 AND first_seen <= ?2 ORDER BY first_seen DESC LIMIT 1"));
    EFSTOP_ASSIGN_OR_RETURN(SqliteStatement name_widen,
                            db_.prepare("UPDATE collected_name SET last_seen = max(last_seen, ?3) "
                                        "WHERE address = ?1 AND first_seen = ?2"));
    EFSTOP_ASSIGN_OR_RETURN(
        SqliteStatement name_ins,
        db_.prepare("INSERT OR REPLACE INTO collected_name(address, first_seen, last_seen, name, "
                    "kind, id, az, account) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    for (const CollectedName& n : names) {
      EFSTOP_ASSIGN_OR_RETURN(const int64_t address, id_of(n.ip));
      name_get.bind(1, address).bind(2, c.window_start);
      EFSTOP_ASSIGN_OR_RETURN(const bool has_row, name_get.step());
      const bool same = has_row && name_get.column_text(1) == n.name &&
                        name_get.column_text(2) == n.kind && name_get.column_text(3) == n.id &&
                        name_get.column_text(4) == n.az && name_get.column_text(5) == n.account;
      const int64_t first_seen = has_row ? name_get.column_int(0) : 0;
      name_get.reset();
      if (same) {
        name_widen.bind(1, address).bind(2, first_seen).bind(3, c.window_end);
        EFSTOP_RETURN_IF_ERROR(name_widen.run());
        continue;
      }
      name_ins.bind(1, address).bind(2, c.window_start).bind(3, c.window_end).bind(4, n.name);
      name_ins.bind(5, n.kind).bind(6, n.id).bind(7, n.az).bind(8, n.account);
      EFSTOP_RETURN_IF_ERROR(name_ins.run());
    }
    return Status();
  });
  if (!s.ok()) return s.with_context("store collection in " + path_);
  return id;
}

Status HistoryStore::record_failed_collection(const Collection& c) {
  int64_t id = 0;
  Status s = in_write_transaction(db_, [&]() { return insert_collection(db_, c, &id); });
  if (!s.ok()) return s.with_context("record collection in " + path_);
  return Status();
}

Result<int64_t> HistoryStore::prune_before(int64_t cutoff) {
  int64_t deleted = 0;
  Status s = in_write_transaction(db_, [&]() -> Status {
    EFSTOP_ASSIGN_OR_RETURN(SqliteStatement del,
                            db_.prepare("DELETE FROM bucket_total WHERE bucket_start < ?1"));
    del.bind(1, cutoff);
    EFSTOP_RETURN_IF_ERROR(del.run());
    EFSTOP_ASSIGN_OR_RETURN(const std::string n, db_.query_text("SELECT changes()"));
    deleted = std::stoll(n);
    EFSTOP_ASSIGN_OR_RETURN(SqliteStatement col,
                            db_.prepare("DELETE FROM collection WHERE window_end <= ?1"));
    col.bind(1, cutoff);
    EFSTOP_RETURN_IF_ERROR(col.run());
    // Names that ended by the cutoff; then the addresses that neither a
    // bucket row nor a kept name uses: one pass over each table.
    EFSTOP_ASSIGN_OR_RETURN(SqliteStatement names,
                            db_.prepare("DELETE FROM collected_name WHERE last_seen <= ?1"));
    names.bind(1, cutoff);
    EFSTOP_RETURN_IF_ERROR(names.run());
    return db_.exec(
        "DELETE FROM address WHERE id NOT IN (SELECT client FROM bucket_total UNION "
        "SELECT server FROM bucket_total UNION SELECT address FROM collected_name)");
  });
  if (!s.ok()) return s.with_context("prune " + path_);
  return deleted;
}

Status HistoryStore::read_buckets(int64_t from, int64_t to,
                                  const std::function<void(const BucketTotals&)>& each) {
  // One read transaction, so rows and addresses come from one snapshot.
  EFSTOP_RETURN_IF_ERROR(db_.exec("BEGIN"));
  auto body = [&]() -> Status {
    // Addresses by id: ids are numbered from 1 as addresses are added (and
    // a few left as gaps by prune), so a vector indexed by id, looked up for
    // every row without hashing; a map where the ids are far apart.
    std::vector<std::string> by_id;
    std::vector<bool> known;
    std::unordered_map<int64_t, std::string> ips;
    EFSTOP_ASSIGN_OR_RETURN(SqliteStatement addr, db_.prepare("SELECT id, ip FROM address"));
    for (;;) {
      EFSTOP_ASSIGN_OR_RETURN(const bool has_row, addr.step());
      if (!has_row) break;
      ips.emplace(addr.column_int(0), addr.column_text(1));
    }
    int64_t max_id = 0;
    for (const auto& [id, ip] : ips) max_id = std::max(max_id, id);
    if (max_id < 4 * static_cast<int64_t>(ips.size()) + 1024) {
      by_id.resize(static_cast<size_t>(max_id) + 1);
      known.resize(static_cast<size_t>(max_id) + 1);
      for (auto& [id, ip] : ips) {
        if (id < 0) continue;  // not from this store's numbering: the map keeps it
        by_id[static_cast<size_t>(id)] = std::move(ip);
        known[static_cast<size_t>(id)] = true;
      }
      std::erase_if(ips, [&](const auto& e) { return e.first >= 0; });
    }
    // The address of id `n`, or null when the store has none.
    auto ip_of = [&](int64_t n) -> const std::string* {
      if (n >= 0 && static_cast<size_t>(n) < known.size()) {
        return known[static_cast<size_t>(n)] ? &by_id[static_cast<size_t>(n)] : nullptr;
      }
      auto it = ips.find(n);
      return it == ips.end() ? nullptr : &it->second;
    };
    EFSTOP_ASSIGN_OR_RETURN(
        SqliteStatement st,
        db_.prepare("SELECT bucket_start, client, server, bytes_read, bytes_written, packets, "
                    "flows, rejected, packets_unknown, bytes_unknown FROM bucket_total "
                    "WHERE bucket_start >= ?1 AND bucket_start < ?2"));
    st.bind(1, from).bind(2, to);
    BucketTotals row;
    int64_t client_id = -1;
    int64_t server_id = -1;
    for (;;) {
      EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
      if (!has_row) break;
      row.bucket_start = st.column_int(0);
      const int64_t c = st.column_int(1);
      const int64_t s = st.column_int(2);
      if (c != client_id) {
        const std::string* ip = ip_of(c);
        if (ip == nullptr)
          return parse_error("read history: address id " + std::to_string(c) + " unknown");
        row.client = *ip;
        client_id = c;
      }
      if (s != server_id) {
        const std::string* ip = ip_of(s);
        if (ip == nullptr)
          return parse_error("read history: address id " + std::to_string(s) + " unknown");
        row.server = *ip;
        server_id = s;
      }
      row.client_id = c;
      row.server_id = s;
      row.bytes_read = st.column_int(3);
      row.bytes_written = st.column_int(4);
      row.packets = st.column_int(5);
      row.flows = st.column_int(6);
      row.rejected = st.column_int(7);
      row.packets_unknown = st.column_int(8);
      row.bytes_unknown = st.column_int(9);
      each(row);
    }
    return Status();
  };
  Status s = body();
  (void)db_.exec("COMMIT");
  if (!s.ok()) return s.with_context("read history " + path_);
  return Status();
}

Result<std::vector<Collection>> HistoryStore::collections() {
  EFSTOP_ASSIGN_OR_RETURN(SqliteStatement st,
                          db_.prepare("SELECT " + std::string(kCollectionColumns) +
                                      " FROM collection ORDER BY window_start, id"));
  std::vector<Collection> out;
  for (;;) {
    EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
    if (!has_row) break;
    out.push_back(read_collection(st));
  }
  return out;
}

Result<std::map<std::string, CollectedName>> HistoryStore::collected_names(int64_t from,
                                                                           int64_t to) {
  EFSTOP_ASSIGN_OR_RETURN(
      SqliteStatement st,
      db_.prepare("SELECT a.ip, n.name, n.kind, n.id, n.az, n.account FROM collected_name n "
                  "JOIN address a ON a.id = n.address "
                  "WHERE n.first_seen < ?2 AND n.last_seen > ?1 ORDER BY n.address, n.first_seen"));
  st.bind(1, from).bind(2, to);
  std::map<std::string, CollectedName> out;
  for (;;) {
    EFSTOP_ASSIGN_OR_RETURN(const bool has_row, st.step());
    if (!has_row) break;
    CollectedName n;
    n.ip = st.column_text(0);
    n.name = st.column_text(1);
    n.kind = st.column_text(2);
    n.id = st.column_text(3);
    n.az = st.column_text(4);
    n.account = st.column_text(5);
    out[n.ip] = std::move(n);  // the newest row of an address comes last and wins
  }
  return out;
}

}  // namespace efstop::store
