// Version: the identity and order of a migration step.
//
// Versions are the migration tool's own numbers, 64-bit so that timestamps (20240313170000)
// fit, and 0 is a version like any other (golang-migrate numbers from 0). A database on which no
// step is applied is at kNoVersion, which sorts below every step.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>

namespace safemig::migrate {

using Version = std::int64_t;

// The version of a database on which no step is applied.
inline constexpr Version kNoVersion = -1;

// "3", or "none" for kNoVersion: how versions are shown to people.
std::string version_text(Version version);

}  // namespace safemig::migrate
