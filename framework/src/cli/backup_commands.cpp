// `backup`, `backups`, `restore` and `prune`: the file backups and backup tables of the database.
//
// Thread safety: see commands.h.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <filesystem>

#include "commands.h"
#include "json_output.h"
#include "progress_bar.h"
#include "safemig/backup/backup_tables.h"
#include "safemig/backup/file_backup.h"
#include "safemig/backup/restore.h"
#include "safemig/backup/retention.h"
#include "safemig/db/writer_lock.h"
#include "text_table.h"

namespace safemig::cli {
namespace {

// Backup, restore and prune need no migrations, but opening as the writer takes a set: recovery
// of an interrupted run does not depend on it.
CliResult<migrate::MigrationSet> no_migrations() {
  return lift(migrate::MigrationSet::create({}, "none"));
}

// The backup tables inside the database, read-only; none when the database does not exist yet.
CliResult<std::vector<backup::BackupTableInfo>> backup_tables_of(const Context& ctx,
                                                                 const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<backup::BackupTableInfo>{};
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  return lift(backup::list_backup_tables(*conn));
}

void print_restored(std::ostream& out, const std::string& db_path,
                    const backup::RestoreResult& result) {
  out << "restored " << db_path << " from " << result.restored_from << '\n';
  if (result.before_restore) {
    out << "the previous database was saved as " << result.before_restore->path << '\n';
  }
  if (!result.preserved_non_database.empty()) {
    out << "the file that was not a database was kept as " << result.preserved_non_database << '\n';
  }
}

}  // namespace

CliResult<ExitCode> run_backup(Context& ctx, const BackupArgs& args) {
  SAFEMIG_TRY(auto set, no_migrations());
  ProgressBar bar(ctx.console.err(), "backing up");
  WriterOptions options;
  options.progress = ctx.progress(&bar);
  SAFEMIG_TRY(auto manager, open_writer(ctx, set, "backup", options));
  print_recovery(ctx, *manager);
  SAFEMIG_TRY(migrate::Version version, lift(manager->current_version()));
  backup::BackupOptions backup_options;
  backup_options.from_version = std::max<migrate::Version>(version, 0);
  backup_options.gzip = args.gzip;
  backup_options.progress = options.progress;
  auto info = backup::create_file_backup(manager->connection(), backup_options);
  bar.finish();
  if (!info) return cli_fail(ExitCode::failed, info.error(), {"the database was not changed"});
  std::ostream& out = ctx.console.out();
  out << "backup: " << info->path << '\n';
  out << "sha256: " << info->sha256 << '\n';
  out << "size: " << format_size(info->size_bytes) << '\n';
  out << "version: " << info->version << '\n';
  return ExitCode::ok;
}

CliResult<ExitCode> run_backups(Context& ctx, const BackupsArgs& args) {
  SAFEMIG_TRY(std::string path, ctx.database());
  SAFEMIG_TRY(auto backups, lift(backup::list_backups(path)));
  SAFEMIG_TRY(auto tables, backup_tables_of(ctx, path));
  std::ostream& out = ctx.console.out();
  if (args.json) {
    boost::json::array files;
    for (const auto& info : backups) files.push_back(backup_json(info));
    boost::json::array copies;
    for (const auto& info : tables) copies.push_back(backup_table_json(info));
    print_json(out,
               boost::json::object{{"files", std::move(files)}, {"tables", std::move(copies)}});
    return ExitCode::ok;
  }
  if (backups.empty()) {
    out << path << ": no file backups\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : backups) {
      rows.push_back({b.path, std::to_string(b.version), b.label.empty() ? "-" : b.label,
                      format_utc(b.created_at), format_size(b.size_bytes),
                      b.sha256.empty() ? "(unreadable .sha256)" : b.sha256});
    }
    out << format_table({"backup", "version", "label", "created_at", "size", "sha256"}, rows);
  }
  if (tables.empty()) {
    out << path << ": no backup tables\n";
    return ExitCode::ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : tables) {
    rows.push_back({t.backup_table, t.table, std::to_string(t.row_count),
                    t.step.empty() ? "-" : t.step + (t.direction == "down" ? " (down)" : ""),
                    t.created_at, t.holds_removed_data ? "kept: holds removed data" : "-"});
  }
  out << '\n'
      << format_table({"backup table", "of table", "rows", "made by", "created_at", "retention"},
                      rows);
  return ExitCode::ok;
}

CliResult<ExitCode> run_restore(Context& ctx, const RestoreArgs& args) {
  SAFEMIG_TRY(std::string path, ctx.database());
  std::error_code ec;
  if (!std::filesystem::exists(args.file, ec)) {
    return cli_fail(ExitCode::failed,
                    Error(ErrorCode::not_found, "backup '" + args.file + "' does not exist"),
                    {"'" + ctx.env.program_name + " backups' lists the backups"});
  }
  ProgressBar bar(ctx.console.err(), "restoring");
  backup::RestoreOptions options;
  options.force = args.force;
  options.progress = ctx.progress(&bar);
  backup::RestoreResult result;
  auto restore = [&]() -> Result<void> {
    SAFEMIG_TRY(result, backup::restore_backup(args.file, path, options));
    return {};
  };
  // An existing database is opened as the writer first, so an interrupted run is recovered
  // before it is replaced; a missing file, or one that is not a database (which restore keeps
  // aside), only needs the writer lock.
  std::optional<Result<void>> restored;
  SAFEMIG_TRY(auto set, no_migrations());
  if (std::filesystem::exists(path, ec)) {
    auto manager = open_writer(ctx, set, "restore", {});
    if (manager) {
      print_recovery(ctx, **manager);
      SAFEMIG_TRY(migrate::Version version, lift((*manager)->current_version()));
      options.current_version = std::max<migrate::Version>(version, 0);
      options.writer_lock = &(*manager)->writer_lock();
      restored = (*manager)->with_database_closed(restore);
    } else if (manager.error().error.code != ErrorCode::not_a_database) {
      return tl::make_unexpected(manager.error());
    }
  }
  if (!restored) {
    SAFEMIG_TRY(auto lock, lift(db::WriterLock::acquire(path, ctx.command_label("restore"))));
    options.writer_lock = &lock;
    restored = restore();
  }
  bar.finish();
  if (!*restored) {
    const Error& error = restored->error();
    std::vector<std::string> hints{"the database was not changed"};
    if (error.code == ErrorCode::corrupt || (error.code == ErrorCode::not_found && !args.force)) {
      hints.push_back(
          "--force restores a backup whose .sha256 is missing or does not match, or that fails "
          "integrity_check");
    }
    return cli_fail(exit_code_for(error), error, std::move(hints));
  }
  print_restored(ctx.console.out(), path, result);
  return ExitCode::ok;
}

CliResult<ExitCode> run_prune(Context& ctx, const PruneArgs& args) {
  if (!args.keep && args.tables.empty()) {
    return usage_fail("prune needs --keep N, --table NAME, or both",
                      {"--keep N keeps the newest N file backups and backup-table runs; --table "
                       "drops one backup table by name, even the last copy of removed rows"});
  }
  if (args.keep && *args.keep < 1) {
    return usage_fail("--keep " + std::to_string(*args.keep) + " must be at least 1",
                      {"prune keeps the newest N backups and removes the rest"});
  }
  SAFEMIG_TRY(std::string path, ctx.database());
  std::error_code ec;
  if (!args.tables.empty() && !std::filesystem::exists(path, ec)) {
    return cli_fail(ExitCode::failed,
                    Error(ErrorCode::not_found, "database '" + path + "' does not exist"),
                    {"backup tables live inside the database; nothing was changed"});
  }
  std::ostream& out = ctx.console.out();
  SAFEMIG_TRY(auto set, no_migrations());
  std::unique_ptr<migrate::SafeMigrationManager> manager;
  std::optional<db::WriterLock> lock;
  if (std::filesystem::exists(path, ec)) {
    SAFEMIG_TRY(manager, open_writer(ctx, set, "prune", {}));
    print_recovery(ctx, *manager);
  } else {
    SAFEMIG_TRY(lock, lift(db::WriterLock::acquire(path, ctx.command_label("prune"))));
  }
  if (manager) {
    db::Connection& conn = manager->connection();
    SAFEMIG_TRY_VOID(lift(conn.begin(db::TransactionMode::immediate)));
    auto changed = [&]() -> Result<std::vector<std::string>> {
      std::vector<std::string> dropped;
      for (const std::string& table : args.tables) {
        SAFEMIG_TRY(auto info, backup::drop_backup_table(conn, table));
        dropped.push_back(info.backup_table + " (" + std::to_string(info.row_count) + " rows of " +
                          info.table + ")");
      }
      if (args.keep) {
        SAFEMIG_TRY(auto pruned, backup::prune_backup_tables(conn, *args.keep));
        dropped.insert(dropped.end(), pruned.begin(), pruned.end());
      }
      return dropped;
    }();
    if (!changed) {
      (void)conn.rollback();
      return cli_fail(
          exit_code_for(changed.error()), changed.error(),
          {"nothing was changed; '" + ctx.env.program_name + " backups' lists the backup tables"});
    }
    SAFEMIG_TRY_VOID(lift(conn.commit()));
    for (const auto& table : *changed) out << "dropped backup table " << table << '\n';
  }
  if (args.keep) {
    SAFEMIG_TRY(auto removed, lift(backup::prune_backups(path, *args.keep)));
    for (const auto& file : removed) out << "removed " << file << '\n';
    out << "kept the newest " << *args.keep << " backup(s); removed " << removed.size() << '\n';
  }
  return ExitCode::ok;
}

}  // namespace safemig::cli
