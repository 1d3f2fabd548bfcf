// Plain-text formatting for command output: aligned tables, times and sizes.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace safemig::cli {

// Left-aligned columns separated by two spaces, a header row first, no trailing spaces, each
// row ending with a newline. Rows shorter than the header are padded with empty cells.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

// "2024-05-01T12:00:00Z" (UTC, to the second).
std::string format_utc(std::chrono::system_clock::time_point time);

// "1234 bytes", "12.3 KiB", "4.5 MiB", "1.2 GiB".
std::string format_size(std::uint64_t bytes);

}  // namespace safemig::cli
