// The opaque keyset cursor of CompletionRequestsReader::list (internal to dao): the
// (timestamp_ms, id) of the last row of a page and the order it was produced for.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "safemig/dao/completion_requests_reader.h"
#include "safemig/error.h"

namespace safemig::dao::internal {

struct CursorPosition {
  std::int64_t timestamp_ms = 0;
  std::int64_t id = 0;
  ListOrder order = ListOrder::newest_first;
};

std::string encode_cursor(const CursorPosition& position);

// Errors: invalid_input when `text` is not a cursor encode_cursor produced.
Result<CursorPosition> decode_cursor(std::string_view text);

}  // namespace safemig::dao::internal
