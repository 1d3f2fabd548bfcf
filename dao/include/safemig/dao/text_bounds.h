// The byte bound of every text field of a CompletionRequest that comes from a request or an
// upstream, so that no client or upstream can grow the database, its rollups or the metrics
// labels made from them by sending long strings. The writer applies the bounds to each record
// before it stores it and before the rollups (which key on the model) see it.
//
// A value over its bound is cut at a UTF-8 character boundary and ends with kTruncationMark, so
// that it stays valid text and the cut is visible. A cut request_id also keeps a hash of the
// whole id, so that distinct long ids stay distinct (the column is unique).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "safemig/dao/completion_request.h"

namespace safemig::dao {

inline constexpr std::size_t kMaxModelBytes = 256;
inline constexpr std::size_t kMaxEndpointBytes = 64;
inline constexpr std::size_t kMaxOriginBytes = 256;
inline constexpr std::size_t kMaxUpstreamBytes = 1024;
inline constexpr std::size_t kMaxRequestIdBytes = 256;
inline constexpr std::size_t kMaxFinishReasonBytes = 64;
inline constexpr std::size_t kMaxErrorTypeBytes = 128;
inline constexpr std::size_t kMaxErrorMessageBytes = 4096;

// Ends every value that was cut ("…", U+2026, 3 bytes).
inline constexpr std::string_view kTruncationMark = "\xE2\x80\xA6";

// `text` when it has at most `max_bytes` bytes; otherwise its longest prefix that ends on a UTF-8
// character boundary and leaves room for kTruncationMark, followed by the mark (at most
// `max_bytes` bytes in all). REQUIRES: max_bytes >= kTruncationMark.size().
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// As truncate_utf8, the cut text ending in the mark and 16 hex digits of a hash of the whole
// `text`. REQUIRES: max_bytes >= kTruncationMark.size() + 16.
std::string truncate_utf8_keeping_identity(std::string_view text, std::size_t max_bytes);

// True when some text field of `record` is over its bound.
bool exceeds_text_bounds(const CompletionRequest& record);

// Cuts every text field of `record` that is over its bound.
void apply_text_bounds(CompletionRequest& record);

}  // namespace safemig::dao
