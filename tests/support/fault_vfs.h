// FaultVfs: a SQLite VFS that forwards to the default one and fails chosen file operations,
// so tests can see what safemig does when the disk itself fails (a write or an fsync during a
// step or its COMMIT), as leveldb's FaultInjectionTestEnv does for its Env.
//
// Thread safety: the counters are atomics; arm it before opening connections through it.
#pragma once

#include <string>

namespace safemig::testing {

class FaultVfs {
 public:
  // Registers the VFS (once per process) under kName.
  static FaultVfs& instance();
  static constexpr const char* kName = "safemig-fault";

  // From now on, writes (xWrite) to files whose name ends with `suffix` ("-wal", ".db") fail
  // with SQLITE_IOERR_WRITE once `writes_before_failure` more of them have succeeded.
  void fail_writes_after(const std::string& suffix, int writes_before_failure);
  // Likewise for xSync (SQLITE_IOERR_FSYNC).
  void fail_syncs_after(const std::string& suffix, int syncs_before_failure);
  // From now on, main database files open read-only whatever the caller asked, as a file the
  // process may not write does (SQLite then falls back to read-only without an error).
  void open_main_files_read_only();
  // Stops failing anything.
  void disarm();
  // How many operations were failed since the last arm.
  int failures() const;

 private:
  FaultVfs();
};

}  // namespace safemig::testing
