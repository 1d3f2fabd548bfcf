// Replay progress: how far the replay of a spill journal's ".replaying" file has been committed,
// kept in "<replay file>.progress" so that a process killed while replaying resumes where it
// stopped instead of reading the file again from its first line.
//
// The position is saved only after the records before it are committed (or counted as invalid
// or duplicate), so resuming never skips a record that is not in the database; a record committed
// after the last save is replayed again and skipped by its request_id. A saved position names the
// file it belongs to (device and inode, which a rename keeps): a position left beside another
// file, beyond the file's end, or torn is ignored and the replay starts from the first line.
//
// Thread safety: functions over paths; the writer thread is the only caller.
#pragma once

#include <cstdint>
#include <string>

#include "safemig/error.h"

namespace safemig::proxy::internal {

struct JournalPosition {
  std::uint64_t offset = 0;  // Bytes from the start of the file; always at a line boundary.
  std::uint64_t line = 0;    // Lines before `offset`.
  bool operator==(const JournalPosition&) const = default;
};

// "<replay_path>.progress".
std::string replay_progress_path(const std::string& replay_path);

// The saved position for `replay_path`, or the start of the file when there is none or it does
// not belong to that file (see above).
JournalPosition load_replay_progress(const std::string& replay_path);

// Saves `position` for `replay_path` with one write(2) of a fixed-size record at the start of the
// progress file: a kill -9 leaves the old record or the new one. Not fsynced: after a power loss
// the replay may start further back, never further on. Errors: io naming the file.
Result<void> save_replay_progress(const std::string& replay_path, JournalPosition position);

// Removes the progress file of `replay_path` (none is fine). Errors: io naming the file.
Result<void> remove_replay_progress(const std::string& replay_path);

}  // namespace safemig::proxy::internal
