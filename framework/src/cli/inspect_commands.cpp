// `history` and `schema`: read-only views of the database.
//
// Thread safety: see commands.h.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <string_view>

#include "commands.h"
#include "json_output.h"
#include "safemig/migrate/history.h"
#include "safemig/migrate/repeatables.h"
#include "safemig/migrate/schema_snapshot.h"
#include "safemig/schema/introspect.h"
#include "safemig/schema/schema_json.h"
#include "text_table.h"

namespace safemig::cli {

namespace {

// `history` text fits a terminal of this many columns: the full checksum and backup path are in
// --json.
constexpr std::size_t kHistoryColumns = 100;
constexpr std::size_t kShortChecksum = 12;  // Hex digits: unique among any realistic history.
constexpr std::size_t kMaxAppliedAt = 24;   // 2026-11-22T07:33:14.123Z
constexpr std::size_t kMaxDuration = 12;    // 123456789 ms
constexpr std::string_view kEllipsis = "...";
constexpr std::string_view kBackupPrefix = "  backup: ";
constexpr std::string_view kPruned = " (pruned)";

// The longest prefix of `text` of at most `size` bytes that does not end inside a UTF-8
// character.
std::size_t utf8_prefix(const std::string& text, std::size_t size) {
  if (size >= text.size()) return text.size();
  while (size > 0 && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80) --size;
  return size;
}

// `text` cut to `width` bytes, ending in "..." when it was cut.
std::string cut_end(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  if (width <= kEllipsis.size()) return text.substr(0, utf8_prefix(text, width));
  return text.substr(0, utf8_prefix(text, width - kEllipsis.size())) + std::string(kEllipsis);
}

// `text` cut to `width` bytes by removing its middle, "..." in its place: both ends of a backup's
// name (the database, and the stamp, version and sequence) stay readable.
std::string cut_middle(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  if (width <= kEllipsis.size()) return cut_end(text, width);
  const std::size_t keep = width - kEllipsis.size();
  const std::size_t head = utf8_prefix(text, keep / 2);
  std::size_t tail_start = text.size() - (keep - head);
  while (tail_start < text.size() &&
         (static_cast<unsigned char>(text[tail_start]) & 0xC0) == 0x80) {
    ++tail_start;
  }
  return text.substr(0, head) + std::string(kEllipsis) + text.substr(tail_start);
}

// Whether the backup a history row names is gone (pruned, or removed by hand). Backups are
// written beside the database, so it is looked for there by name — the recorded path may be
// relative to another working directory, or the database may have moved with its backups — and
// at the recorded path itself when that is absolute. Backup names are never reused, so a file
// found under the name is that backup.
bool backup_pruned(const std::string& db_path, const std::string& recorded) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path beside = fs::path(db_path).parent_path() / fs::path(recorded).filename();
  if (fs::exists(beside, ec)) return false;
  const fs::path as_recorded(recorded);
  return !(as_recorded.is_absolute() && fs::exists(as_recorded, ec));
}

// A row of `history`: a versioned step's (`_safemig_history`) or a repeatable step's run
// (`_safemig_repeatables`, shown with "R" for its version and direction up).
struct HistoryRow {
  migrate::HistoryEntry entry;
  bool repeatable = false;
};

// Both tables' rows, oldest first by applied_at (each table's own order kept; a versioned row
// before a repeatable one of the same instant, as migrate runs repeatables last).
std::vector<HistoryRow> merged_history(const std::vector<migrate::HistoryEntry>& history,
                                       const std::vector<migrate::RepeatableRun>& runs) {
  std::vector<HistoryRow> rows;
  rows.reserve(history.size() + runs.size());
  for (const migrate::HistoryEntry& entry : history) rows.push_back(HistoryRow{entry, false});
  const auto versioned = static_cast<std::ptrdiff_t>(rows.size());
  for (const migrate::RepeatableRun& run : runs) {
    migrate::HistoryEntry entry;
    entry.id = run.id;
    entry.version = migrate::kNoVersion;
    entry.name = run.name;
    entry.checksum = run.checksum;
    entry.applied_at = run.applied_at;
    entry.duration_ms = run.duration_ms;
    entry.backup_path = run.backup_path;
    rows.push_back(HistoryRow{std::move(entry), true});
  }
  std::inplace_merge(rows.begin(), rows.begin() + versioned, rows.end(),
                     [](const HistoryRow& a, const HistoryRow& b) {
                       return a.entry.applied_at < b.entry.applied_at;
                     });
  return rows;
}

// One line per step, then an indented line naming its backup; every line fits kHistoryColumns
// (the name is cut with "..." when the other columns leave it too little room).
std::string format_history(const std::string& db_path, const std::vector<HistoryRow>& history) {
  const std::vector<std::string> header = {"version",  "direction", "applied_at",
                                           "duration", "checksum",  "name"};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> backups;
  std::vector<std::size_t> widths(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const HistoryRow& h : history) {
    const migrate::HistoryEntry& e = h.entry;
    std::vector<std::string> row = {h.repeatable ? std::string("R") : e.shown_version(),
                                    std::string(migrate::to_string(e.direction)),
                                    cut_end(e.applied_at, kMaxAppliedAt),
                                    cut_end(std::to_string(e.duration_ms) + " ms", kMaxDuration),
                                    e.checksum.substr(0, utf8_prefix(e.checksum, kShortChecksum)),
                                    e.name};
    for (std::size_t i = 0; i + 1 < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    rows.push_back(std::move(row));
    if (e.backup_path.empty() || migrate::is_backup_note(e.backup_path)) {
      backups.push_back(std::string(kBackupPrefix) + "none" +
                        (e.backup_path.empty() ? "" : " " + e.backup_path));
      continue;
    }
    const bool pruned = backup_pruned(db_path, e.backup_path);
    const std::size_t room = kHistoryColumns - kBackupPrefix.size() - (pruned ? kPruned.size() : 0);
    backups.push_back(std::string(kBackupPrefix) +
                      cut_middle(std::filesystem::path(e.backup_path).filename().string(), room) +
                      (pruned ? std::string(kPruned) : std::string()));
  }
  std::size_t used = 0;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) used += widths[i] + 2;
  const std::size_t name_room = kHistoryColumns > used ? kHistoryColumns - used : 0;
  for (auto& row : rows) row.back() = cut_end(row.back(), name_room);

  const std::string table = format_table(header, rows);
  std::string out;
  std::size_t line = 0;
  for (std::size_t start = 0; start < table.size();) {
    const std::size_t end = table.find('\n', start);
    out.append(table, start, end - start + 1);
    if (line > 0 && line <= backups.size()) out += backups[line - 1] + '\n';
    start = end + 1;
    ++line;
  }
  return out;
}

}  // namespace

// Text: see format_history. JSON: history_entry_json of each row (merged_history) plus
// "repeatable" (a repeatable step's run: "version" is null) and "backup_pruned" (true when the
// row's backup no longer exists, false when it does, null when the step had none).
CliResult<ExitCode> run_history(Context& ctx, const HistoryArgs& args) {
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  SAFEMIG_TRY(auto versioned, lift(migrate::read_history(*conn)));
  SAFEMIG_TRY(auto runs, lift(migrate::read_repeatable_runs(*conn)));
  const std::vector<HistoryRow> history = merged_history(versioned, runs);
  std::ostream& out = ctx.console.out();
  if (args.json) {
    boost::json::array entries;
    for (const auto& [entry, repeatable] : history) {
      boost::json::value json = history_entry_json(entry);
      json.as_object()["repeatable"] = repeatable;
      if (repeatable) json.as_object()["version"] = nullptr;
      boost::json::value& pruned = json.as_object()["backup_pruned"];
      if (entry.backup_path.empty() || migrate::is_backup_note(entry.backup_path)) {
        pruned = nullptr;
      } else {
        pruned = backup_pruned(ctx.db_path, entry.backup_path);
      }
      entries.push_back(std::move(json));
    }
    print_json(out, entries);
    return ExitCode::ok;
  }
  if (history.empty()) {
    out << ctx.db_path << ": no migration has been applied\n";
    return ExitCode::ok;
  }
  out << format_history(ctx.db_path, history);
  return ExitCode::ok;
}

namespace {

CliResult<ExitCode> run_schema_snapshot(Context& ctx, const SchemaArgs& args) {
  if (ctx.dir.empty()) {
    return usage_fail("'schema snapshot' needs the migrations directory",
                      {"pass --dir MIGRATIONS_DIR, where V<version>.schema.json is written"});
  }
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  SAFEMIG_TRY(migrate::Version version, lift(migrate::read_current_version(*conn)));
  if (version == migrate::kNoVersion) {
    return cli_fail(ExitCode::failed,
                    Error(ErrorCode::failed_precondition,
                          "no migration has been applied to " + ctx.db_path +
                              ", so there is no version to snapshot; run 'migrate' first"));
  }
  SAFEMIG_TRY(auto live, lift(schema::read_schema(*conn)));
  auto written = migrate::write_schema_snapshot(ctx.dir, version, live, args.force);
  if (!written) {
    const bool usage = written.error().code == ErrorCode::invalid_input;
    return cli_fail(usage ? ExitCode::usage : ExitCode::failed, written.error());
  }
  ctx.console.out() << "wrote " << *written << " (the expected schema of version " << version
                    << "; review it and commit it with the migrations)\n";
  return ExitCode::ok;
}

}  // namespace

CliResult<ExitCode> run_schema(Context& ctx, const SchemaArgs& args) {
  if (args.action == "snapshot") return run_schema_snapshot(ctx, args);
  SAFEMIG_TRY(auto conn, open_reader(ctx));
  SAFEMIG_TRY(auto live, lift(schema::read_schema(*conn)));
  ctx.console.out() << (args.json ? schema::to_json(live) : schema::describe(live));
  return ExitCode::ok;
}

}  // namespace safemig::cli
