// JournalReader: reads a spill journal file back in chunks of records, in file order.
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

#include "safemig/dao/completion_request.h"
#include "safemig/error.h"

namespace safemig::proxy::internal {

struct JournalChunk {
  std::vector<dao::CompletionRequest> records;
  std::size_t unreadable = 0;  // Lines skipped because they do not parse.
  std::string first_problem;   // Why the first of them did not (no record values).
  bool at_end = false;         // The whole file has been read.
};

class JournalReader {
 public:
  // Errors: io when the file cannot be opened.
  static Result<std::unique_ptr<JournalReader>> open(const std::string& path);

  // Reads up to `max_records` records (fewer at the end of the file). Errors: io on a read
  // failure.
  Result<JournalChunk> next(std::size_t max_records);

  const std::string& path() const { return path_; }
  std::size_t line_number() const { return line_number_; }

 private:
  JournalReader(std::string path, std::ifstream in) : path_(std::move(path)), in_(std::move(in)) {}

  std::string path_;
  std::ifstream in_;
  std::size_t line_number_ = 0;  // Lines consumed so far.
  std::string line_;             // Reused buffer.
};

}  // namespace safemig::proxy::internal
