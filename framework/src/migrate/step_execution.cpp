#include "step_execution.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "data_loss.h"
#include "safemig/backup/backup_tables.h"
#include "safemig/db/transaction.h"
#include "safemig/migrate/repeatables.h"
#include "safemig/schema/diff.h"
#include "safemig/schema/introspect.h"

namespace safemig::migrate {
namespace {

// Runs `work` as stage `s` (StageReporter::run).
template <typename F>
Result<void> stage(const StepRun& run, Stage s, F&& work) {
  return run.stages.run(s, std::forward<F>(work));
}

const StepBody& body_of(const StepRun& run) {
  return run.direction == Direction::up ? run.step.up : *run.step.down;
}

Result<void> run_body(const StepRun& run) {
  const StepBody& body = body_of(run);
  if (const auto* sql = std::get_if<std::string>(&body)) return run.conn.execute_script(*sql);
  return std::get<StepCallable>(body)(run.conn);
}

// What the run guards: a census of every table it backs up, taken with the copy, and the tables
// that existed before it.
struct Guard {
  Census before;
  std::set<std::string> tables_before;
  std::map<std::string, std::string> backup_of;  // Table -> its backup table of this run.
};

// Backs up every table the direction declares it changes, and the tables whose foreign keys
// cascade from them, and counts what each holds.
Result<void> create_backup_tables(const StepRun& run, Guard& guard) {
  SAFEMIG_TRY(guard.tables_before, user_tables(run.conn));
  SAFEMIG_TRY(std::vector<std::string> guarded,
              with_dependent_tables(run.conn, touched_tables_of(run.step, run.direction)));
  backup::BackupTableOrigin origin;
  origin.version = run.set.number_for_names(run.from_version);
  origin.step = run.step.label();
  origin.direction = std::string(to_string(run.direction));
  origin.run = backup::new_backup_run();
  for (const std::string& table : guarded) {
    SAFEMIG_TRY(auto info, backup::create_backup_table(run.conn, origin, table));
    guard.backup_of[table] = info.backup_table;
    SAFEMIG_TRY(TableCensus census, take_census(run.conn, table));
    census.copy = info.backup_table;
    guard.before[table] = std::move(census);
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

RowPolicy row_policy_of(const StepRun& run) {
  return run.direction == Direction::up ? run.step.row_policy : run.step.down_row_policy;
}

// Refuses a run that removed rows or values, unless it is allowed; allowed, the backup tables
// holding what was removed are marked, so that retention keeps them until a person drops them.
Result<void> validate_rows(const StepRun& run, const Guard& guard) {
  SAFEMIG_TRY(std::vector<DataLoss> losses,
              find_data_loss(run.conn, guard.before, guard.tables_before));
  if (losses.empty()) return {};
  if (!run.allow_data_loss && row_policy_of(run) == RowPolicy::preserve) {
    std::string what;
    for (const DataLoss& loss : losses) what += "\n  " + loss.describe();
    return fail(ErrorCode::constraint,
                "the step would remove data:" + what +
                    "\nnothing was changed; to run it anyway, allow the loss (safemig: "
                    "--allow-data-loss) or declare it in the step (SQL: -- safemig:rows-change, "
                    "C++: row_policy declared_change); the removed data then stays in a backup "
                    "table of the run, which 'safemig backups' lists, until you drop it");
  }
  std::string kept;
  for (const DataLoss& loss : losses) {
    const std::string& copy = guard.backup_of.at(loss.table);
    SAFEMIG_TRY_VOID(backup::mark_holds_removed_data(run.conn, copy));
    kept += "\n  " + loss.describe() + " (kept in " + copy + ")";
  }
  spdlog::warn("{} removed data, as allowed; it is kept in backup tables:{}", run.step.label(),
               kept);
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

// A repeatable step's run goes to its own table: it changes no version, and
// `_safemig_history` holds versions only.
Result<void> record_repeatable_run(const StepRun& run, std::int64_t duration_ms) {
  SAFEMIG_TRY_VOID(ensure_repeatables_table(run.conn));
  RepeatableRun entry;
  entry.name = run.step.name;
  entry.checksum = run.step.checksum();
  entry.applied_at = utc_timestamp_now();
  entry.duration_ms = duration_ms;
  entry.backup_path = run.backup_path;
  SAFEMIG_TRY_VOID(append_repeatable_run(run.conn, entry));
  return {};
}

Result<void> record_history(const StepRun& run, std::int64_t duration_ms) {
  if (run.step.repeatable) return record_repeatable_run(run, duration_ms);
  SAFEMIG_TRY_VOID(ensure_history_table(run.conn));
  HistoryEntry entry;
  entry.version = run.step.version;
  entry.version_name = run.step.version_name;
  entry.name = run.step.name;
  entry.checksum = run.step.checksum();
  entry.direction = run.direction;
  entry.applied_at = utc_timestamp_now();
  entry.duration_ms = duration_ms;
  entry.backup_path = run.backup_path;
  SAFEMIG_TRY_VOID(append_history(run.conn, entry));
  // user_version is 32-bit: a version it cannot hold (a timestamp) is recorded as 0 there; the
  // history table is the record.
  const bool fits =
      run.to_version >= 0 && run.to_version <= std::numeric_limits<std::int32_t>::max();
  return run.conn.execute_script("PRAGMA user_version = " +
                                 std::to_string(fits ? run.to_version : 0));
}

// `open_transaction` runs first in the validate_schema stage (a non-transactional step's
// validation begins its transaction there).
Result<void> validate_and_record(const StepRun& run, const Guard& guard,
                                 const std::function<Result<void>()>& open_transaction) {
  SAFEMIG_TRY_VOID(stage(run, Stage::validate_schema, [&]() -> Result<void> {
    SAFEMIG_TRY_VOID(open_transaction());
    return validate_schema(run);
  }));
  SAFEMIG_TRY_VOID(stage(run, Stage::validate_integrity, [&] { return validate_integrity(run); }));
  SAFEMIG_TRY_VOID(
      stage(run, Stage::validate_foreign_keys, [&] { return validate_foreign_keys(run); }));
  SAFEMIG_TRY_VOID(stage(run, Stage::validate_rows, [&] { return validate_rows(run, guard); }));
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
  Guard guard;
  SAFEMIG_TRY_VOID(stage(run, Stage::backup_tables, [&]() -> Result<void> {
    SAFEMIG_TRY_VOID(fk_off.enter());
    SAFEMIG_TRY(auto begun, db::Transaction::begin(run.conn, db::TransactionMode::immediate));
    tx.emplace(std::move(begun));
    return create_backup_tables(run, guard);
  }));
  SAFEMIG_TRY_VOID(stage(run, Stage::run, [&] { return run_body(run); }));
  SAFEMIG_TRY_VOID(validate_and_record(run, guard, [] { return Result<void>{}; }));
  return stage(run, Stage::commit, [&] { return tx->commit(); });
}

Result<void> run_outside_transaction(const StepRun& run) {
  Guard guard;
  SAFEMIG_TRY_VOID(stage(run, Stage::backup_tables, [&]() -> Result<void> {
    SAFEMIG_TRY(auto tx, db::Transaction::begin(run.conn, db::TransactionMode::immediate));
    SAFEMIG_TRY_VOID(create_backup_tables(run, guard));
    return tx.commit();
  }));
  SAFEMIG_TRY_VOID(stage(run, Stage::run, [&] { return run_body(run); }));
  std::optional<db::Transaction> tx;
  SAFEMIG_TRY_VOID(validate_and_record(run, guard, [&]() -> Result<void> {
    SAFEMIG_TRY(auto begun, db::Transaction::begin(run.conn, db::TransactionMode::immediate));
    tx.emplace(std::move(begun));
    return {};
  }));
  return stage(run, Stage::commit, [&] { return tx->commit(); });
}

const std::vector<std::string>& touched_tables_of(const MigrationStep& step, Direction direction) {
  return direction == Direction::up ? step.touched_tables : step.down_touched_tables;
}

Result<void> prune_backup_tables_in_transaction(db::Connection& conn, int keep_runs) {
  SAFEMIG_TRY(auto tx, db::Transaction::begin(conn, db::TransactionMode::immediate));
  SAFEMIG_TRY_VOID(backup::prune_backup_tables(conn, keep_runs));
  return tx.commit();
}

}  // namespace safemig::migrate
