#include "support/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

namespace safemig::testing {
namespace {

struct Arming {
  std::mutex mutex;
  std::string write_suffix;
  std::string sync_suffix;
  std::atomic<int> writes_left{-1};
  std::atomic<int> syncs_left{-1};
  std::atomic<int> failures{0};
  std::atomic<bool> main_read_only{false};
};

Arming& arming() {
  static Arming a;
  return a;
}

sqlite3_vfs* g_base = nullptr;

// A file of the fault VFS: the base file's methods, preceded by our own header.
struct FaultFile {
  sqlite3_file base_header;  // Must be first: SQLite sees this as the sqlite3_file.
  std::string* name;
  sqlite3_file* real;  // Allocated right after this struct.
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return !suffix.empty() && s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Consumes one allowance of `counter` for a file matching `suffix`; true when this call fails.
bool should_fail(const std::string& name, const std::string& suffix, std::atomic<int>& counter) {
  if (!ends_with(name, suffix)) return false;
  int left = counter.load();
  if (left < 0) return false;
  if (left == 0) {
    arming().failures.fetch_add(1);
    return true;
  }
  counter.fetch_sub(1);
  return false;
}

FaultFile* as_fault(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }

int x_close(sqlite3_file* f) {
  FaultFile* ff = as_fault(f);
  int rc = ff->real->pMethods != nullptr ? ff->real->pMethods->xClose(ff->real) : SQLITE_OK;
  delete ff->name;
  return rc;
}
int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return as_fault(f)->real->pMethods->xRead(as_fault(f)->real, buf, amount, offset);
}
int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  FaultFile* ff = as_fault(f);
  std::string suffix;
  {
    std::lock_guard lock(arming().mutex);
    suffix = arming().write_suffix;
  }
  if (should_fail(*ff->name, suffix, arming().writes_left)) return SQLITE_IOERR_WRITE;
  return ff->real->pMethods->xWrite(ff->real, buf, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return as_fault(f)->real->pMethods->xTruncate(as_fault(f)->real, size);
}
int x_sync(sqlite3_file* f, int flags) {
  FaultFile* ff = as_fault(f);
  std::string suffix;
  {
    std::lock_guard lock(arming().mutex);
    suffix = arming().sync_suffix;
  }
  if (should_fail(*ff->name, suffix, arming().syncs_left)) return SQLITE_IOERR_FSYNC;
  return ff->real->pMethods->xSync(ff->real, flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return as_fault(f)->real->pMethods->xFileSize(as_fault(f)->real, size);
}
int x_lock(sqlite3_file* f, int level) {
  return as_fault(f)->real->pMethods->xLock(as_fault(f)->real, level);
}
int x_unlock(sqlite3_file* f, int level) {
  return as_fault(f)->real->pMethods->xUnlock(as_fault(f)->real, level);
}
int x_check_reserved(sqlite3_file* f, int* out) {
  return as_fault(f)->real->pMethods->xCheckReservedLock(as_fault(f)->real, out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return as_fault(f)->real->pMethods->xFileControl(as_fault(f)->real, op, arg);
}
int x_sector_size(sqlite3_file* f) {
  return as_fault(f)->real->pMethods->xSectorSize(as_fault(f)->real);
}
int x_device_characteristics(sqlite3_file* f) {
  return as_fault(f)->real->pMethods->xDeviceCharacteristics(as_fault(f)->real);
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return as_fault(f)->real->pMethods->xShmMap(as_fault(f)->real, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return as_fault(f)->real->pMethods->xShmLock(as_fault(f)->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { as_fault(f)->real->pMethods->xShmBarrier(as_fault(f)->real); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  return as_fault(f)->real->pMethods->xShmUnmap(as_fault(f)->real, delete_flag);
}

const sqlite3_io_methods kMethods = {2,
                                     x_close,
                                     x_read,
                                     x_write,
                                     x_truncate,
                                     x_sync,
                                     x_file_size,
                                     x_lock,
                                     x_unlock,
                                     x_check_reserved,
                                     x_file_control,
                                     x_sector_size,
                                     x_device_characteristics,
                                     x_shm_map,
                                     x_shm_lock,
                                     x_shm_barrier,
                                     x_shm_unmap,
                                     nullptr,
                                     nullptr};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  FaultFile* ff = as_fault(f);
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  ff->name = new std::string(name != nullptr ? name : "");
  if (arming().main_read_only.load() && (flags & SQLITE_OPEN_MAIN_DB) != 0) {
    flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
  }
  int rc = g_base->xOpen(g_base, name, ff->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    delete ff->name;
    ff->base_header.pMethods = nullptr;
    return rc;
  }
  ff->base_header.pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_base->xDelete(g_base, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_base->xAccess(g_base, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_base->xFullPathname(g_base, name, n, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void x_dl_error(sqlite3_vfs*, int n, char* out) { g_base->xDlError(g_base, n, out); }
void (*x_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return g_base->xDlSym(g_base, h, sym);
}
void x_dl_close(sqlite3_vfs*, void* h) { g_base->xDlClose(g_base, h); }
int x_randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int x_sleep(sqlite3_vfs*, int us) { return g_base->xSleep(g_base, us); }
int x_current_time(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int x_get_last_error(sqlite3_vfs*, int n, char* out) {
  return g_base->xGetLastError(g_base, n, out);
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_base->xCurrentTimeInt64(g_base, out);
}

sqlite3_vfs g_vfs;

}  // namespace

FaultVfs::FaultVfs() {
  g_base = sqlite3_vfs_find(nullptr);
  std::memset(&g_vfs, 0, sizeof g_vfs);
  g_vfs.iVersion = 2;
  g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_base->szOsFile;
  g_vfs.mxPathname = g_base->mxPathname;
  g_vfs.zName = kName;
  g_vfs.xOpen = x_open;
  g_vfs.xDelete = x_delete;
  g_vfs.xAccess = x_access;
  g_vfs.xFullPathname = x_full_pathname;
  g_vfs.xDlOpen = x_dl_open;
  g_vfs.xDlError = x_dl_error;
  g_vfs.xDlSym = x_dl_sym;
  g_vfs.xDlClose = x_dl_close;
  g_vfs.xRandomness = x_randomness;
  g_vfs.xSleep = x_sleep;
  g_vfs.xCurrentTime = x_current_time;
  g_vfs.xGetLastError = x_get_last_error;
  g_vfs.xCurrentTimeInt64 = x_current_time_int64;
  sqlite3_vfs_register(&g_vfs, 0);
}

FaultVfs& FaultVfs::instance() {
  static FaultVfs vfs;
  return vfs;
}

void FaultVfs::fail_writes_after(const std::string& suffix, int writes_before_failure) {
  std::lock_guard lock(arming().mutex);
  arming().write_suffix = suffix;
  arming().writes_left = writes_before_failure;
  arming().failures = 0;
}

void FaultVfs::fail_syncs_after(const std::string& suffix, int syncs_before_failure) {
  std::lock_guard lock(arming().mutex);
  arming().sync_suffix = suffix;
  arming().syncs_left = syncs_before_failure;
  arming().failures = 0;
}

void FaultVfs::open_main_files_read_only() { arming().main_read_only = true; }

void FaultVfs::disarm() {
  std::lock_guard lock(arming().mutex);
  arming().writes_left = -1;
  arming().syncs_left = -1;
  arming().main_read_only = false;
}

int FaultVfs::failures() const { return arming().failures.load(); }

}  // namespace safemig::testing
