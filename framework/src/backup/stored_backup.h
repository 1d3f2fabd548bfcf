// Verification of a stored backup file against a known hash: the shared core of verify_backup,
// of the re-read after a backup is written, and of restore.
//
// Thread safety: reentrant.
#pragma once

#include <string>

#include "posix_file.h"
#include "safemig/backup/backup_info.h"
#include "safemig/error.h"

namespace safemig::backup::internal {

// The message of a checksum mismatch, naming the file and both hashes.
Error hash_mismatch(const std::string& path, const std::string& expected,
                    const std::string& actual);

// Hashes the file at `path` and compares with `expected_hex`, then proves it is a database: in
// place for a plain file; for `gzip`, decompressed into a temporary file (beside it, or in the
// system temporary directory when its directory is read-only) that is removed afterwards.
// On failure: corrupt (mismatch first, then a damaged stream), not_a_database, not_found, io.
Result<void> verify_stored_file(const std::string& path, const std::string& expected_hex, bool gzip,
                                bool deep, const Progress& progress);

// True when the backup is stored gzipped: its name ends in ".gz" or it starts with the gzip magic.
Result<bool> is_gzip_backup(const std::string& path);

// Creates an empty private temporary file for decompressing `near_path`: beside it when its
// directory is writable, else in $TMPDIR (or /tmp). Returns the open descriptor and the path.
Result<std::pair<UniqueFd, std::string>> make_scratch_file(const std::string& near_path);

}  // namespace safemig::backup::internal
