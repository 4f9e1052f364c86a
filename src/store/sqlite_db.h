// A thin RAII adapter over the SQLite C API: the one place where sqlite3
// result codes become Status values (STYLE.md section 4).
//
// SqliteDb owns a sqlite3* connection; SqliteStatement owns a prepared
// statement and must not outlive the SqliteDb it came from. Neither class is
// thread-safe: NameStore serialises access with its own mutex.
#ifndef EFSTOP_STORE_SQLITE_DB_H_
#define EFSTOP_STORE_SQLITE_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace efstop::store {

class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&&) noexcept = default;
  SqliteStatement& operator=(SqliteStatement&&) noexcept = default;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binds a parameter by 1-based index. Binding errors surface at step().
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind_null(int index);

  // Runs one step. Returns true when a row is available, false when done.
  Result<bool> step();
  // Steps until done, discarding rows.
  Status run();
  // Makes the statement runnable again with fresh bindings.
  void reset();

  // Column accessors for the current row (0-based).
  std::string column_text(int col) const;
  int64_t column_int(int col) const;
  bool column_is_null(int col) const;

 private:
  friend class SqliteDb;
  struct Deleter {
    void operator()(sqlite3_stmt* s) const;
  };
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string sql)
      : db_(db), stmt_(stmt), sql_(std::move(sql)) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Deleter> stmt_;
  std::string sql_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path`; ":memory:" gives a
  // private in-memory database. Errors: kIo when the file cannot be opened,
  // kParse when it is not a database.
  static Result<SqliteDb> open(const std::string& path);

  SqliteDb(SqliteDb&&) noexcept = default;
  SqliteDb& operator=(SqliteDb&&) noexcept = default;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Executes one or more statements without results.
  Status exec(std::string_view sql);
  Result<SqliteStatement> prepare(std::string_view sql);
  // Runs a single-value query (e.g. a PRAGMA) and returns its first column as
  // text; empty when it returns no row.
  Result<std::string> query_text(std::string_view sql);
  void set_busy_timeout(int milliseconds);

  sqlite3* raw() const { return db_.get(); }

 private:
  struct Deleter {
    void operator()(sqlite3* db) const;
  };
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Deleter> db_;
};

// Converts a SQLite result code into a Status: SQLITE_BUSY/LOCKED ->
// kThrottled (retryable), SQLITE_CORRUPT/NOTADB -> kParse, I/O-type codes ->
// kIo, everything else kInternal. `what` names the operation.
Status sqlite_status(int rc, sqlite3* db, std::string_view what);

// True when `status` came from a corrupt or non-database file.
bool is_corruption(const Status& status);

// The SQLite library's version ("3.40.1"), for `efstop --version`.
std::string sqlite_version();

}  // namespace efstop::store

#endif  // EFSTOP_STORE_SQLITE_DB_H_
