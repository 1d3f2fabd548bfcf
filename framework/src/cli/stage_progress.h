// StagePrinter: the stages of each step of `migrate` and `downgrade` on stderr as they happen.
//
// On a terminal each stage is one line, redrawn in place while it runs (the file backup with a
// bar, SQL work with a spinner and the elapsed time) and ended with "done in …" or "failed
// after …". Elsewhere (logs, CI) each stage is one plain line written when it ends
// ("V2 rebuild: run done in 5.1 s"), with no carriage returns or escape codes.
//
// Thread safety: its callbacks must be called from one thread at a time (the manager calls them
// on its own thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "console.h"
#include "safemig/backup/backup_info.h"
#include "safemig/migrate/safe_migration_manager.h"

namespace safemig::cli {

class StagePrinter {
 public:
  explicit StagePrinter(Console& console);
  // Ends a line still being drawn.
  ~StagePrinter();
  StagePrinter(const StagePrinter&) = delete;
  StagePrinter& operator=(const StagePrinter&) = delete;

  void on_stage(const migrate::StageEvent& event);
  // Bytes copied by a file backup, or by the restore of one after a failed step.
  void on_bytes(std::uint64_t done, std::uint64_t total);

  // Callbacks for WriterOptions. REQUIRES: the printer outlives them (and the manager).
  std::function<void(const migrate::StageEvent&)> stage_callback();
  // Empty when stderr is not a terminal: logs get no byte counts.
  backup::Progress progress_callback();

 private:
  // Redraws the current line as `text` (terminal only).
  void draw(const std::string& text);
  // Ends the line being drawn, if any.
  void end_line();

  Console& console_;
  bool terminal_;
  std::string label_;          // "V2 rebuild: run" for the open stage; "" between stages.
  bool in_file_copy_ = false;  // The open stage is the file backup.
  bool drawn_ = false;         // A line is being drawn and has not ended.
  std::size_t spin_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

// "850 ms" below a second, "5.1 s" from there.
std::string format_elapsed(std::chrono::milliseconds elapsed);

}  // namespace safemig::cli
