// The JSON forms of what the command line prints with --json (Boost.JSON).
//
// Thread safety: pure functions.
#pragma once

#include <ostream>

#include <boost/json/value.hpp>

#include "safemig/backup/backup_info.h"
#include "safemig/backup/backup_tables.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/safe_migration_manager.h"

namespace safemig::cli {

// {"version", "name", "direction", "checksum", "applied_at", "duration_ms", "backup_path"};
// version as version_json() shows it; backup_path is null when the step had none.
boost::json::value history_entry_json(const migrate::HistoryEntry& entry);
// {"path", "sha256", "size_bytes", "version", "label", "gzip", "created_at"}; sha256 and label are
// null when unknown or absent.
boost::json::value backup_json(const backup::BackupInfo& info);
// {"backup_table", "table", "row_count", "version", "step", "direction", "created_at",
// "holds_removed_data"}; step and direction are null for copies of earlier releases.
boost::json::value backup_table_json(const backup::BackupTableInfo& info);
// {"version", "name", "applied_checksum", "current_checksum", "message"}; current_checksum is
// null when the step is no longer among the migrations.
boost::json::value mismatch_json(const migrate::ChecksumMismatch& mismatch);
// {"step", "action", "restored_from", "failed_copy", "version_after"}; the paths are null when
// empty.
boost::json::value recovery_json(const migrate::RecoveryReport& report);

// A version as a JSON number, null for kNoVersion (nothing applied); as a string when the steps
// name it by text (`name`, Diesel's version), as the tool itself stores it.
boost::json::value version_json(migrate::Version version, const std::string& name = {});

// Writes `value` compactly, followed by a newline.
void print_json(std::ostream& out, const boost::json::value& value);

}  // namespace safemig::cli
