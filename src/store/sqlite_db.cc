#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <cerrno>

#include "core/resource_error.h"

namespace efstop::store {

namespace {
constexpr std::string_view kCorruptPrefix = "database corrupt: ";
}  // namespace

Status sqlite_status(int rc, sqlite3* db, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status();
  std::string msg(what);
  msg += ": ";
  const int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) msg += kCorruptPrefix;
  msg += (db != nullptr) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // SQLite says "unable to open database file" whatever the reason: a
  // process (or system) out of descriptors is told as what it is.
  if (db != nullptr) {
    const int system_errno = sqlite3_system_errno(db);
    if (system_errno == EMFILE || system_errno == ENFILE) {
      msg += " (" + std::string(*resource_shortage_words(system_errno)) + ")";
    }
  }
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return throttled_error(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return parse_error(std::move(msg));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_PERM:
      return io_error(std::move(msg));
    default:
      return internal_error(std::move(msg));
  }
}

bool is_corruption(const Status& status) {
  return status.code() == StatusCode::kParse &&
         status.message().find(kCorruptPrefix) != std::string::npos;
}

void SqliteStatement::Deleter::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
void SqliteDb::Deleter::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(rc, db_, "sqlite step");
}

Status SqliteStatement::run() {
  for (;;) {
    EFSTOP_ASSIGN_OR_RETURN(const bool has_row, step());
    if (!has_row) break;
  }
  reset();
  return Status();
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string SqliteStatement::column_text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), col)));
}

int64_t SqliteStatement::column_int(int col) const {
  return sqlite3_column_int64(stmt_.get(), col);
}

bool SqliteStatement::column_is_null(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}

Result<SqliteDb> SqliteDb::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteDb db(raw);  // closes even on failure
  if (rc != SQLITE_OK) return sqlite_status(rc, raw, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status SqliteDb::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  return sqlite_status(rc, db_.get(), "sqlite exec");
}

Result<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqlite_status(rc, db_.get(), "sqlite prepare");
  }
  return SqliteStatement(db_.get(), stmt, std::string(sql));
}

Result<std::string> SqliteDb::query_text(std::string_view sql) {
  EFSTOP_ASSIGN_OR_RETURN(SqliteStatement stmt, prepare(sql));
  EFSTOP_ASSIGN_OR_RETURN(const bool has_row, stmt.step());
  if (!has_row) return std::string();
  return stmt.column_text(0);
}

void SqliteDb::set_busy_timeout(int milliseconds) { sqlite3_busy_timeout(db_.get(), milliseconds); }

std::string sqlite_version() { return sqlite3_libversion(); }

}  // namespace efstop::store
