#include "step_execution.h"

#include <map>

#include "safemig/backup/backup_tables.h"
#include "safemig/db/transaction.h"
#include "safemig/schema/diff.h"
#include "safemig/schema/introspect.h"

namespace safemig::migrate {
namespace {

Error at_stage(const StepRun& run, Stage stage, const Error& cause) {
  std::string what = run.step.label() + (run.direction == Direction::down ? " (down)" : "") +
                     " failed at stage " + std::string(to_string(stage));
  return cause.with_prefix(what).with_step(run.step.label());
}

// Runs `work` as stage `stage`: first the fault-injection hook, then the work, prefixing any
// error with the stage.
template <typename F>
Result<void> stage(const StepRun& run, Stage s, F&& work) {
  SAFEMIG_TRY_VOID(run.enter(s));
  Result<void> result = work();
  if (!result) return fail(at_stage(run, s, result.error()));
  return {};
}

Result<bool> table_exists(db::Connection& conn, const std::string& table) {
  SAFEMIG_TRY(std::int64_t n,
              conn.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
                             {table}));
  return n > 0;
}

const StepBody& body_of(const StepRun& run) {
  return run.direction == Direction::up ? run.step.up : *run.step.down;
}

Result<void> run_body(const StepRun& run) {
  const StepBody& body = body_of(run);
  if (const auto* sql = std::get_if<std::string>(&body)) return run.conn.execute_script(*sql);
  return std::get<StepCallable>(body)(run.conn);
}

// Row counts of the touched tables before the step, from their backup tables.
using RowCounts = std::map<std::string, std::int64_t>;

Result<void> create_backup_tables(const StepRun& run, RowCounts& counts) {
  for (const std::string& table : run.step.touched_tables) {
    SAFEMIG_TRY(bool exists, table_exists(run.conn, table));
    if (!exists) continue;
    SAFEMIG_TRY(auto info, backup::create_backup_table(run.conn, run.from_version, table));
    counts[table] = info.row_count;
  }
  return {};
}

Result<void> validate_schema(const StepRun& run) {
  const std::optional<schema::Schema> expected = run.direction == Direction::up
                                                     ? run.step.expected_schema
                                                     : run.set.expected_schema_at(run.to_version);
  if (!expected) return {};
  SAFEMIG_TRY(schema::Schema live, schema::read_schema(run.conn));
  const schema::SchemaDiff diff = schema::diff_schemas(*expected, live);
  if (diff.empty()) return {};
  return fail(ErrorCode::schema_mismatch,
              "the schema after the step differs from the expected schema of version " +
                  std::to_string(run.to_version) + ":\n" + diff.to_string());
}

Result<void> validate_integrity(const StepRun& run) {
  SAFEMIG_TRY(auto rows, run.conn.query("PRAGMA quick_check"));
  if (!rows.empty() && rows.front().text(0) == "ok") return {};
  std::string problems;
  for (std::size_t i = 0; i < rows.size() && i < 5; ++i) problems += "\n  " + rows[i].text(0);
  return fail(ErrorCode::corrupt, "quick_check found problems:" + problems);
}

Result<void> validate_foreign_keys(const StepRun& run) {
  SAFEMIG_TRY(auto rows, run.conn.query("PRAGMA foreign_key_check"));
  if (rows.empty()) return {};
  std::string message = std::to_string(rows.size()) + " row(s) violate foreign keys, e.g.:";
  for (std::size_t i = 0; i < rows.size() && i < 5; ++i) {
    message += "\n  " + rows[i].text(0) + " rowid " + rows[i].text(1) + " references missing " +
               rows[i].text(2);
  }
  return fail(ErrorCode::constraint, message);
}

Result<void> validate_rows(const StepRun& run, const RowCounts& before) {
  if (run.step.row_policy != RowPolicy::preserve) return {};
  for (const auto& [table, count] : before) {
    SAFEMIG_TRY(bool exists, table_exists(run.conn, table));
    if (!exists) {
      // A downgrade that removes a table was asked for; an upgrade that does so under the
      // preserve policy loses rows.
      if (run.direction == Direction::down) continue;
      return fail(ErrorCode::constraint,
                  "table " + table + " (" + std::to_string(count) +
                      " rows) no longer exists but the row policy is preserve; declare "
                      "row_policy declared_change (SQL: -- safemig:rows-change) if intended");
    }
    SAFEMIG_TRY(std::int64_t now,
                run.conn.query_int("SELECT count(*) FROM " + db::quote_identifier(table)));
    if (now < count) {
      return fail(ErrorCode::constraint,
                  "table " + table + " had " + std::to_string(count) + " rows before and has " +
                      std::to_string(now) +
                      " after, but the row policy is preserve (no row may be lost); declare "
                      "row_policy declared_change (SQL: -- safemig:rows-change) if intended");
    }
  }
  return {};
}

Result<void> validate_verify_sql(const StepRun& run) {
  if (run.direction != Direction::up) return {};
  for (const std::string& query : run.step.verify_sql) {
    SAFEMIG_TRY(auto rows, run.conn.query(query));
    const bool ok = !rows.empty() && rows.front().size() > 0 && !rows.front().is_null(0) &&
                    rows.front().int64(0) != 0;
    if (!ok) {
      return fail(Error(ErrorCode::constraint, "the verify query did not return true: " + query)
                      .with_sql(query));
    }
  }
  return {};
}

Result<void> record_history(const StepRun& run, std::int64_t duration_ms) {
  SAFEMIG_TRY_VOID(ensure_history_table(run.conn));
  HistoryEntry entry;
  entry.version = run.step.version;
  entry.name = run.step.name;
  entry.checksum = run.step.checksum();
  entry.direction = run.direction;
  entry.applied_at = utc_timestamp_now();
  entry.duration_ms = duration_ms;
  entry.backup_path = run.backup_path;
  SAFEMIG_TRY_VOID(append_history(run.conn, entry));
  return run.conn.execute_script("PRAGMA user_version = " + std::to_string(run.to_version));
}

Result<void> validate_and_record(const StepRun& run, const RowCounts& before) {
  SAFEMIG_TRY_VOID(stage(run, Stage::validate_schema, [&] { return validate_schema(run); }));
  SAFEMIG_TRY_VOID(stage(run, Stage::validate_integrity, [&] { return validate_integrity(run); }));
  SAFEMIG_TRY_VOID(
      stage(run, Stage::validate_foreign_keys, [&] { return validate_foreign_keys(run); }));
  SAFEMIG_TRY_VOID(stage(run, Stage::validate_rows, [&] { return validate_rows(run, before); }));
  SAFEMIG_TRY_VOID(
      stage(run, Stage::validate_verify_sql, [&] { return validate_verify_sql(run); }));
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - run.started);
  return stage(run, Stage::record_history, [&] { return record_history(run, elapsed.count()); });
}

// PRAGMA foreign_keys is ignored inside a transaction, so a table rebuild switches it off
// before BEGIN and back on after COMMIT or ROLLBACK (SQLite's 12-step procedure), checking the
// keys itself before commit.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(db::Connection& conn, bool active) : conn_(active ? &conn : nullptr) {}
  Result<void> enter() {
    return conn_ != nullptr ? conn_->execute_script("PRAGMA foreign_keys=OFF") : Result<void>{};
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
  ~ForeignKeysOff() {
    if (conn_ != nullptr && !conn_->in_transaction()) {
      (void)conn_->execute_script("PRAGMA foreign_keys=ON");
    }
  }

 private:
  db::Connection* conn_;
};

}  // namespace

Result<void> run_transactional(const StepRun& run) {
  ForeignKeysOff fk_off(run.conn, run.step.rebuilds_tables);
  std::optional<db::Transaction> tx;
  RowCounts before;
  SAFEMIG_TRY_VOID(stage(run, Stage::backup_tables, [&]() -> Result<void> {
    SAFEMIG_TRY_VOID(fk_off.enter());
    SAFEMIG_TRY(auto begun, db::Transaction::begin(run.conn, db::TransactionMode::immediate));
    tx.emplace(std::move(begun));
    return create_backup_tables(run, before);
  }));
  SAFEMIG_TRY_VOID(stage(run, Stage::run, [&] { return run_body(run); }));
  SAFEMIG_TRY_VOID(validate_and_record(run, before));
  return stage(run, Stage::commit, [&] { return tx->commit(); });
}

Result<void> run_outside_transaction(const StepRun& run) {
  RowCounts before;
  SAFEMIG_TRY_VOID(stage(run, Stage::backup_tables, [&]() -> Result<void> {
    SAFEMIG_TRY(auto tx, db::Transaction::begin(run.conn, db::TransactionMode::immediate));
    SAFEMIG_TRY_VOID(create_backup_tables(run, before));
    return tx.commit();
  }));
  SAFEMIG_TRY_VOID(stage(run, Stage::run, [&] { return run_body(run); }));
  std::optional<db::Transaction> tx;
  SAFEMIG_TRY_VOID(stage(run, Stage::validate_schema, [&]() -> Result<void> {
    SAFEMIG_TRY(auto begun, db::Transaction::begin(run.conn, db::TransactionMode::immediate));
    tx.emplace(std::move(begun));
    return {};
  }));
  SAFEMIG_TRY_VOID(validate_and_record(run, before));
  return stage(run, Stage::commit, [&] { return tx->commit(); });
}

Result<void> prune_backup_tables_in_transaction(db::Connection& conn, int keep_versions) {
  SAFEMIG_TRY(auto tx, db::Transaction::begin(conn, db::TransactionMode::immediate));
  SAFEMIG_TRY_VOID(backup::prune_backup_tables(conn, keep_versions));
  return tx.commit();
}

}  // namespace safemig::migrate
