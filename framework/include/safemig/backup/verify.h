// Verification of a file backup: its checksum sidecar, its hash, and that it is a database.
//
// Thread safety: reentrant; the backup must not be written while it is verified.
#pragma once

#include <string>

#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

namespace safemig::backup {

struct VerifyOptions {
  bool deep = false;  // Also run PRAGMA integrity_check (slow on large databases).
  Progress progress;  // Optional; reports the hashing of the stored file.
};

// Verifies the backup at `backup_path`: reads <backup>.sha256, hashes the file, and opens it
// read-only as a SQLite database (a .gz backup is first decompressed into a temporary file, which
// is removed afterwards); `deep` adds integrity_check.
// On success the backup is intact. On failure: not_found (the backup or its sidecar is missing),
// corrupt (hash mismatch — the message names the file, the expected and the actual hash —, a
// damaged gzip stream, a truncated file, integrity_check findings), not_a_database, io.
Result<void> verify_backup(const std::string& backup_path, const VerifyOptions& options = {});

}  // namespace safemig::backup
