// Version: the identity and order of a migration step.
//
// Versions are the migration tool's own numbers, 64-bit so that timestamps (20240313170000)
// fit, and 0 is a version like any other (golang-migrate numbers from 0). A database on which no
// step is applied is at kNoVersion, which sorts below every step.
//
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace safemig::migrate {

using Version = std::int64_t;

// The version of a database on which no step is applied.
inline constexpr Version kNoVersion = -1;

// "3", or "none" for kNoVersion: how versions are shown to people.
std::string version_text(Version version);

// A whole number of decimal digits that fits a Version ("0042" is 42); nullopt when `digits` is
// empty, holds anything but digits, or is larger than 9223372036854775807.
std::optional<Version> parse_version_number(std::string_view digits);

// Versions a tool compares as text (Diesel: "20240313" sorts after "20221117064726") are kept
// as a Version whose numeric order is that text order: the rank of `digits` among all strings of
// at most kTextVersionDigits decimal digits, sorted as text. Distinct texts get distinct keys
// (leading zeros count), every key is > 0, and nullopt means `digits` is empty, holds a
// non-digit or is longer than kTextVersionDigits.
inline constexpr std::size_t kTextVersionDigits = 18;
std::optional<Version> text_order_key(std::string_view digits);

}  // namespace safemig::migrate
