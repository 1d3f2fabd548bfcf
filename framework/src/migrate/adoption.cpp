// Implements adoption.h; the contract and the thread-safety rule are stated there.
#include "adoption.h"

#include <spdlog/spdlog.h>

#include "safemig/migrate/foreign_history.h"

namespace safemig::migrate {

Result<std::optional<BaselineReport>> take_over_foreign_history(
    db::Connection& conn, const MigrationSet& set, const std::vector<HistoryEntry>& history) {
  if (!history.empty()) return std::optional<BaselineReport>{};
  SAFEMIG_TRY(std::optional<ForeignHistory> foreign, read_foreign_history(conn));
  if (!foreign) return std::optional<BaselineReport>{};
  if (foreign->dirty) {
    return fail(ErrorCode::failed_precondition,
                "the database was migrated by " + std::string(to_string(foreign->tool)) +
                    ", whose history table " + foreign->table +
                    " records a failed run; nothing was changed: " + foreign->dirty_message());
  }
  TakeOverOptions options;
  options.backup_marker = "(taken over from " + std::string(to_string(foreign->tool)) + ")";
  SAFEMIG_TRY(
      BaselineReport report, take_over(conn, set, *foreign, options).map_error([&](const Error& e) {
        return e.with_prefix("taking over the history of " + std::string(to_string(foreign->tool)) +
                             " (" + foreign->table + ")");
      }));
  spdlog::warn(
      "took over {} step(s) applied by {} from its table {}; safemig records the "
      "history from now on",
      report.recorded.size(), to_string(foreign->tool), foreign->table);
  return std::optional<BaselineReport>(std::move(report));
}

}  // namespace safemig::migrate
