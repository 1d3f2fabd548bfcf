// JournalReader (see journal_reader.h).
//
// Thread safety: one thread at a time.
#include "journal_reader.h"

#include "record_json.h"

namespace safemig::proxy::internal {

Result<std::unique_ptr<JournalReader>> JournalReader::open(const std::string& path,
                                                           JournalPosition start) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return fail(Error(ErrorCode::io, "cannot open spill journal '" + path + "' for replay")
                    .with_file(path));
  }
  if (start.offset > 0 && !in.seekg(static_cast<std::streamoff>(start.offset))) {
    return fail(Error(ErrorCode::io, "cannot seek spill journal '" + path + "' to byte " +
                                         std::to_string(start.offset) + " to resume its replay")
                    .with_file(path));
  }
  return std::unique_ptr<JournalReader>(new JournalReader(path, std::move(in), start));
}

Result<JournalChunk> JournalReader::next(std::size_t max_records) {
  JournalChunk chunk;
  while (chunk.records.size() < max_records) {
    if (!std::getline(in_, line_)) {
      if (in_.bad()) {
        return fail(Error(ErrorCode::io, "cannot read spill journal '" + path_ + "' after line " +
                                             std::to_string(position_.line))
                        .with_file(path_));
      }
      chunk.at_end = true;
      break;
    }
    // getline() stops at end of file without a newline only on a torn last line.
    position_.offset += line_.size() + (in_.eof() ? 0 : 1);
    ++position_.line;
    if (line_.empty()) continue;
    auto record = parse_record_line(line_);
    if (record) {
      chunk.records.push_back(std::move(*record));
      chunk.ends.push_back(position_);
      continue;
    }
    if (chunk.unreadable++ == 0) {
      chunk.first_problem =
          "line " + std::to_string(position_.line) + ": " + record.error().message;
    }
  }
  return chunk;
}

}  // namespace safemig::proxy::internal
