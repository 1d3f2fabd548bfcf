// JournalReader: reads a spill journal file back in chunks of records, in file order, from its
// start or from a saved position (replay_progress.h), and says where each record's line ends so
// that the caller can save the position after the records it has committed.
//
// A line that does not parse (a line torn by a crash in the middle of an append, or damage) is
// not returned: it is counted in the chunk's `unreadable` so the caller can count and log it.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "replay_progress.h"
#include "safemig/dao/completion_request.h"
#include "safemig/error.h"

namespace safemig::proxy::internal {

struct JournalChunk {
  std::vector<dao::CompletionRequest> records;
  // ends[i]: the position just after records[i]'s line (same size as records).
  std::vector<JournalPosition> ends;
  std::size_t unreadable = 0;  // Lines skipped because they do not parse.
  std::string first_problem;   // Why the first of them did not (no record values).
  bool at_end = false;         // The whole file has been read.
};

class JournalReader {
 public:
  // Opens `path` and moves to `start` (a line boundary: the file's start, or a position this
  // reader returned for the same file). Errors: io when the file cannot be opened or sought.
  static Result<std::unique_ptr<JournalReader>> open(const std::string& path,
                                                     JournalPosition start = {});

  // Reads up to `max_records` records (fewer at the end of the file). Errors: io on a read
  // failure.
  Result<JournalChunk> next(std::size_t max_records);

  const std::string& path() const { return path_; }
  std::uint64_t line_number() const { return position_.line; }

 private:
  JournalReader(std::string path, std::ifstream in, JournalPosition start)
      : path_(std::move(path)), in_(std::move(in)), position_(start) {}

  std::string path_;
  std::ifstream in_;
  JournalPosition position_;  // After the lines consumed so far.
  std::string line_;          // Reused buffer.
};

}  // namespace safemig::proxy::internal
