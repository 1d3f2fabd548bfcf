// The vocabulary shared by every backup operation: a progress callback and the description of
// one file backup.
//
// Thread safety: plain value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace safemig::backup {

// Called as long work advances, with the bytes done so far and the total expected (the total may
// be 0 when it is unknown). Called on the calling thread; it must not throw.
using Progress = std::function<void(std::uint64_t done_bytes, std::uint64_t total_bytes)>;

// One file backup of a database, as named on disk:
// <db>.backup-YYYYMMDD-HHMMSS-v<version>[-<label>]-<n>[.gz] (n: a number that grows with every
// backup of the database; names of earlier releases may lack it), with a <backup>.sha256 sidecar.
struct BackupInfo {
  std::string path;              // Full path of the backup file.
  std::string sha256;            // Lower-case hex SHA-256 of the stored file ("" when unknown).
  std::uint64_t size_bytes = 0;  // Size of the stored (possibly compressed) file.
  std::int64_t version = 0;      // Schema version of the database when it was backed up.
  std::string label;             // "" or a tag such as "before_restore".
  bool gzip = false;             // The file is a gzip stream of the database.
  std::chrono::system_clock::time_point created_at;  // UTC, to the second (from the name).
};

}  // namespace safemig::backup
