// The SQLite implementation of Connection over the C API.
#include "safemig/db/sqlite_connection.h"

#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "sqlite_statement.h"

namespace safemig::db {
namespace {

// The directory a database file is in, as the user named it.
std::string directory_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

struct DatabaseDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseDeleter>;

// Statements kept prepared per connection; the cache is cleared when it grows past this, which
// only happens for ad hoc SQL (the services use a fixed set of statements).
constexpr std::size_t kMaxCachedStatements = 128;

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(DatabasePtr db, std::string path, bool read_only)
      : db_(std::move(db)), path_(std::move(path)), read_only_(read_only) {}

  ~SqliteConnection() override {
    // Statements must be finalised before the database handle is closed.
    cache_.clear();
  }

  Dialect dialect() const override { return Dialect::sqlite; }
  bool read_only() const override { return read_only_; }
  std::string location() const override { return path_; }

  Result<void> execute_params(std::string_view sql, std::span<const Value> params) override {
    SAFEMIG_TRY(sqlite3_stmt * stmt, cached(sql));
    SAFEMIG_TRY_VOID(bind_all(db_.get(), stmt, params, sql));
    return run_statement(db_.get(), stmt, nullptr, sql);
  }

  Result<std::vector<Row>> query_params(std::string_view sql,
                                        std::span<const Value> params) override {
    SAFEMIG_TRY(sqlite3_stmt * stmt, cached(sql));
    SAFEMIG_TRY_VOID(bind_all(db_.get(), stmt, params, sql));
    std::vector<Row> rows;
    SAFEMIG_TRY_VOID(run_statement(db_.get(), stmt, &rows, sql));
    return rows;
  }

  Result<void> execute_script(std::string_view sql) override {
    std::string_view rest = sql;
    while (!rest.empty()) {
      std::string_view tail;
      SAFEMIG_TRY(StatementPtr stmt, prepare_statement(db_.get(), rest, &tail));
      const std::string_view text = rest.substr(0, rest.size() - tail.size());
      if (stmt) SAFEMIG_TRY_VOID(run_statement(db_.get(), stmt.get(), nullptr, text));
      if (tail.size() == rest.size()) break;
      rest = tail;
    }
    return {};
  }

  Result<void> begin(TransactionMode mode) override {
    return execute_script(mode == TransactionMode::immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  Result<void> commit() override { return execute_script("COMMIT"); }
  Result<void> rollback() override { return execute_script("ROLLBACK"); }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_.get()) == 0; }

  Result<void> savepoint(std::string_view name) override {
    return execute_script("SAVEPOINT " + quote_identifier(name));
  }
  Result<void> release(std::string_view name) override {
    return execute_script("RELEASE " + quote_identifier(name));
  }
  Result<void> rollback_to(std::string_view name) override {
    return execute_script("ROLLBACK TO " + quote_identifier(name));
  }

  std::int64_t last_insert_id() const override { return sqlite3_last_insert_rowid(db_.get()); }
  std::int64_t changes() const override { return sqlite3_changes64(db_.get()); }

  void set_progress_handler(std::function<void()> handler, int every_n_steps) override {
    progress_ = std::move(handler);
    if (!progress_ || every_n_steps <= 0) {
      sqlite3_progress_handler(db_.get(), 0, nullptr, nullptr);
      progress_ = nullptr;
      return;
    }
    sqlite3_progress_handler(db_.get(), every_n_steps, &SqliteConnection::on_progress, this);
  }

  sqlite3* handle() const { return db_.get(); }

 private:
  Result<sqlite3_stmt*> cached(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second.get();
    std::string_view tail;
    SAFEMIG_TRY(StatementPtr stmt, prepare_statement(db_.get(), sql, &tail));
    if (!stmt) {
      return fail(Error(ErrorCode::invalid_input, "the SQL text holds no statement")
                      .with_sql(std::string(sql)));
    }
    if (tail.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      return fail(Error(ErrorCode::invalid_input,
                        "only one statement can take parameters; run several statements with "
                        "execute_script")
                      .with_sql(std::string(sql)));
    }
    if (cache_.size() >= kMaxCachedStatements) cache_.clear();
    sqlite3_stmt* raw = stmt.get();
    cache_.emplace(std::string(sql), std::move(stmt));
    return raw;
  }

  // Returns 0 so that SQLite goes on: the handler observes and never interrupts. An exception
  // must not unwind through SQLite's C frames, so one is dropped here.
  static int on_progress(void* self) noexcept {
    try {
      static_cast<SqliteConnection*>(self)->progress_();
    } catch (...) {
    }
    return 0;
  }

  // Declared before db_ so that it outlives the handle it is registered with.
  std::function<void()> progress_;
  DatabasePtr db_;
  std::string path_;
  bool read_only_;
  // Looked up by string_view: a statement run per row costs no key copy.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  std::unordered_map<std::string, StatementPtr, SqlHash, std::equal_to<>> cache_;
};

std::string_view synchronous_pragma(Synchronous s) {
  switch (s) {
    case Synchronous::off:
      return "PRAGMA synchronous=OFF";
    case Synchronous::full:
      return "PRAGMA synchronous=FULL";
    case Synchronous::normal:
      break;
  }
  return "PRAGMA synchronous=NORMAL";
}

Result<void> apply_options(SqliteConnection& conn, const SqliteOptions& options) {
  // Reading the header proves the file is a database before anything is written to it.
  auto probe = conn.query_params("PRAGMA schema_version", {});
  if (!probe) {
    Error e = probe.error();
    if (sqlite3_extended_errcode(sqlite_handle(conn)) == SQLITE_READONLY_DIRECTORY) {
      // A WAL database is read through its -wal and -shm files. A writer keeps them while it has
      // the database open; a reader creates them when they are missing, if it may.
      e.code = ErrorCode::io;
      e.message = "cannot read '" + conn.location() +
                  "': it is a WAL database, read through its -wal and -shm files, which do not "
                  "exist while no writer has it open, and this user may not create them in " +
                  directory_of(conn.location()) +
                  "; read it while its writer runs, or let this user write to that directory";
    } else if (e.code == ErrorCode::not_a_database) {
      e.message = std::string("'")
                      .append(conn.location())
                      .append(
                          "' is not a SQLite database (file is encrypted or is not a database); "
                          "check the path: nothing was changed");
    }
    e.sql.clear();
    return fail(e.with_file(conn.location()));
  }
  if (options.read_only) return conn.execute_script("PRAGMA query_only=ON");
  if (options.wal) {
    SAFEMIG_TRY(auto mode, conn.query_params("PRAGMA journal_mode=WAL", {}));
    if (mode.empty() || mode.front().text(0) != "wal") {
      return fail(Error(ErrorCode::io, "could not switch '" + conn.location() +
                                           "' to WAL mode; check that its directory is writable")
                      .with_file(conn.location()));
    }
  }
  SAFEMIG_TRY_VOID(conn.execute_script(synchronous_pragma(options.synchronous)));
  return conn.execute_script(options.foreign_keys ? "PRAGMA foreign_keys=ON"
                                                  : "PRAGMA foreign_keys=OFF");
}

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path,
                                                const SqliteOptions& options) {
  if (path.empty()) {
    return fail(ErrorCode::invalid_input, "no database path given; pass --db PATH");
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  const bool exists = std::filesystem::exists(status);
  if (exists && std::filesystem::is_directory(status)) {
    return fail(Error(ErrorCode::invalid_input,
                      "'" + path + "' is a directory, not a database file; pass a file path")
                    .with_file(path));
  }
  if (!exists && (options.read_only || !options.create)) {
    return fail(Error(ErrorCode::not_found, "database '" + path +
                                                "' does not exist; check the path or create it by "
                                                "running the migrations (safemig migrate)")
                    .with_file(path));
  }
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0);
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  DatabasePtr db(raw);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db.get(), rc, "");
    e.message = "cannot open database '" + path + "': " + e.message;
    return fail(e.with_file(path));
  }
  // SQLite opens a file the process may not write read-only, without an error; a writer would
  // only find out at its first write.
  if (!options.read_only && sqlite3_db_readonly(db.get(), "main") == 1) {
    return fail(Error(ErrorCode::read_only,
                      "database '" + path +
                          "' is read-only for this process; give the user running it write "
                          "permission on the file and its directory")
                    .with_file(path));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
  auto conn = std::make_unique<SqliteConnection>(std::move(db), path, options.read_only);
  SAFEMIG_TRY_VOID(apply_options(*conn, options));
  return std::unique_ptr<Connection>(std::move(conn));
}

sqlite3* sqlite_handle(Connection& connection) {
  for (Connection* c = &connection; c != nullptr; c = c->decorated()) {
    if (auto* sqlite = dynamic_cast<SqliteConnection*>(c)) return sqlite->handle();
  }
  return nullptr;
}

ErrorCode map_sqlite_code(int result_code) {
  switch (result_code & 0xFF) {
    case SQLITE_BUSY:
      return ErrorCode::busy;
    case SQLITE_LOCKED:
      return ErrorCode::locked;
    case SQLITE_CONSTRAINT:
      return ErrorCode::constraint;
    case SQLITE_CORRUPT:
      return ErrorCode::corrupt;
    case SQLITE_NOTADB:
      return ErrorCode::not_a_database;
    case SQLITE_READONLY:
      return ErrorCode::read_only;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
      return ErrorCode::io;
    case SQLITE_NOTFOUND:
      return ErrorCode::not_found;
    case SQLITE_ABORT:
    case SQLITE_INTERRUPT:
      return ErrorCode::aborted;
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return ErrorCode::invalid_input;
    default:
      return ErrorCode::internal;
  }
}

}  // namespace safemig::db
