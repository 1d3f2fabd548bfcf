// ProgressBar: a one-line bar on a terminal ("label [#####.....]  45%  12.0 MiB / 26.7 MiB"),
// redrawn in place with '\r' as long work reports progress.
//
// Only built when stderr is a terminal; elsewhere commands pass no progress callback at all, so
// logs and pipes never see control characters.
//
// Thread safety: the callback must be called from one thread at a time (the backup functions
// call it on the calling thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "safemig/backup/backup_info.h"

namespace safemig::cli {

// "[#####.....]  45%  12.0 MiB / 26.7 MiB"; "[??????????]  12.0 MiB" when the total is unknown (0).
std::string progress_bar_text(std::uint64_t done, std::uint64_t total);

class ProgressBar {
 public:
  ProgressBar(std::ostream& stream, std::string label);
  // Ends the line if anything was drawn.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Starts a new task on the same bar (e.g. the next backup to verify); ends the previous line.
  void relabel(std::string label);
  // Redraws the bar (at most every 100 ms, and always at 100%).
  void update(std::uint64_t done, std::uint64_t total);
  // Ends the current line if anything was drawn.
  void finish();
  // A callback for the backup functions that updates this bar. REQUIRES: the bar outlives it.
  backup::Progress callback();

 private:
  std::ostream& stream_;
  std::string label_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace safemig::cli
