// DatabaseCheck: proof that a file is a usable SQLite database, without changing it.
//
// The file is opened read-only as immutable (no locks, no -wal/-shm created beside it), which is
// right for backups and for files about to replace a database.
//
// Thread safety: reentrant.
#pragma once

#include <string>

#include "safemig/error.h"

namespace safemig::backup::internal {

// Checks the SQLite header, that the file holds every page the header promises, that the schema
// reads, and with `deep` that PRAGMA integrity_check is "ok".
// On failure: not_a_database (no SQLite header, or SQLite refuses the file), corrupt (truncated,
// unreadable schema, integrity_check findings — the first few are in the message), not_found, io.
Result<void> check_database_file(const std::string& path, bool deep);

}  // namespace safemig::backup::internal
