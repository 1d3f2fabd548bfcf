// JSON forms of the command line's --json output.
//
// Thread safety: pure functions.
#include "json_output.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "text_table.h"

namespace safemig::cli {
namespace {

boost::json::value string_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return boost::json::value(text);
}

}  // namespace

boost::json::value history_entry_json(const migrate::HistoryEntry& entry) {
  boost::json::object o;
  o["version"] = version_json(entry.version, entry.version_name);
  o["name"] = entry.name;
  o["direction"] = std::string(migrate::to_string(entry.direction));
  o["checksum"] = entry.checksum;
  o["applied_at"] = entry.applied_at;
  o["duration_ms"] = entry.duration_ms;
  o["backup_path"] = string_or_null(entry.backup_path);
  return o;
}

boost::json::value backup_json(const backup::BackupInfo& info) {
  boost::json::object o;
  o["path"] = info.path;
  o["sha256"] = string_or_null(info.sha256);
  o["size_bytes"] = info.size_bytes;
  o["version"] = info.version;
  o["label"] = string_or_null(info.label);
  o["gzip"] = info.gzip;
  o["created_at"] = format_utc(info.created_at);
  return o;
}

boost::json::value mismatch_json(const migrate::ChecksumMismatch& mismatch) {
  boost::json::object o;
  o["version"] = mismatch.version;
  o["name"] = mismatch.name;
  o["applied_checksum"] = mismatch.applied_checksum;
  o["current_checksum"] = string_or_null(mismatch.current_checksum);
  o["message"] = mismatch.describe();
  return o;
}

boost::json::value backup_table_json(const backup::BackupTableInfo& info) {
  boost::json::object o;
  o["backup_table"] = info.backup_table;
  o["table"] = info.table;
  o["row_count"] = info.row_count;
  o["version"] = info.version;
  o["step"] = string_or_null(info.step);
  o["direction"] = string_or_null(info.direction);
  o["created_at"] = info.created_at;
  o["holds_removed_data"] = info.holds_removed_data;
  return o;
}

boost::json::value version_json(migrate::Version version, const std::string& name) {
  if (version == migrate::kNoVersion) return nullptr;
  if (!name.empty()) return boost::json::value(name);
  return boost::json::value(version);
}

boost::json::value recovery_json(const migrate::RecoveryReport& report) {
  boost::json::object o;
  o["step"] = report.step;
  o["action"] = report.action;
  o["restored_from"] = string_or_null(report.restored_from);
  o["failed_copy"] = string_or_null(report.failed_copy);
  o["version_after"] = version_json(report.version_after);
  return o;
}

void print_json(std::ostream& out, const boost::json::value& value) {
  out << boost::json::serialize(value) << '\n';
}

}  // namespace safemig::cli
