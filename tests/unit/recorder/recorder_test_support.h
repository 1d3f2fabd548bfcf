// Test helpers for the recorder: a migrated database, records, reading everything back, waiting
// on a condition, and connections that stall or lie, to drive the recorder into each state.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "safemig/dao/completion_request.h"
#include "safemig/db/connection.h"
#include "safemig/db/sqlite_connection.h"
#include "safemig/proxy/recorder.h"

namespace safemig::proxy::testing {

// Creates `path` and applies every step of the application history (each step's up SQL).
// Returns false (with a test failure) when that fails.
bool create_migrated(const std::string& path, const db::SqliteOptions& options = {});

// A valid record with every field set, request_id "<prefix>-<n>".
dao::CompletionRequest make_record(const std::string& prefix, std::int64_t n);

// Every row of completion_requests, oldest first (id cleared), read through the reader DAO.
std::vector<dao::CompletionRequest> read_all(const std::string& db_path);

// Polls `condition` every millisecond for up to 10 s; true as soon as it holds.
bool eventually(const std::function<bool()>& condition);

// Lines in a file (0 when it does not exist).
std::size_t count_lines(const std::string& path);

// A factory opening `path` with `options` (the recorder's real use).
ConnectionFactory sqlite_factory(const std::string& path, db::SqliteOptions options = {});

// A gate a stalled connection waits at until the test opens it.
class Gate {
 public:
  // Called by the stalled thread: records that it arrived, then waits until open().
  void pass();
  // True once a thread is waiting in pass().
  bool has_waiter();
  void open();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;     // Guarded by mutex_.
  bool waiting_ = false;  // Guarded by mutex_.
};

// Forwards every call to a real connection; subclasses change one call.
class ForwardingConnection : public db::Connection {
 public:
  explicit ForwardingConnection(std::unique_ptr<db::Connection> inner) : inner_(std::move(inner)) {}
  db::Dialect dialect() const override { return inner_->dialect(); }
  bool read_only() const override { return inner_->read_only(); }
  std::string location() const override { return inner_->location(); }
  db::Connection* decorated() override { return inner_.get(); }
  Result<void> execute_params(std::string_view sql, std::span<const db::Value> p) override {
    return inner_->execute_params(sql, p);
  }
  Result<std::vector<db::Row>> query_params(std::string_view sql,
                                            std::span<const db::Value> p) override {
    return inner_->query_params(sql, p);
  }
  Result<void> execute_script(std::string_view sql) override { return inner_->execute_script(sql); }
  Result<void> begin(db::TransactionMode mode) override { return inner_->begin(mode); }
  Result<void> commit() override { return inner_->commit(); }
  Result<void> rollback() override { return inner_->rollback(); }
  bool in_transaction() const override { return inner_->in_transaction(); }
  Result<void> savepoint(std::string_view n) override { return inner_->savepoint(n); }
  Result<void> release(std::string_view n) override { return inner_->release(n); }
  Result<void> rollback_to(std::string_view n) override { return inner_->rollback_to(n); }
  std::int64_t last_insert_id() const override { return inner_->last_insert_id(); }
  std::int64_t changes() const override { return inner_->changes(); }

 private:
  std::unique_ptr<db::Connection> inner_;
};

// Waits at `gate` in its first begin(), as a database stuck on a lock or a slow disk would.
class StallingConnection : public ForwardingConnection {
 public:
  StallingConnection(std::unique_ptr<db::Connection> inner, std::shared_ptr<Gate> gate)
      : ForwardingConnection(std::move(inner)), gate_(std::move(gate)) {}
  Result<void> begin(db::TransactionMode mode) override {
    gate_->pass();
    return ForwardingConnection::begin(mode);
  }

 private:
  std::shared_ptr<Gate> gate_;
};

// Commits for real, then reports the first commit as failed (io), as a commit whose
// acknowledgement was lost: the batch is in the database but the recorder must assume not.
class LostCommitAckConnection : public ForwardingConnection {
 public:
  using ForwardingConnection::ForwardingConnection;
  Result<void> commit() override {
    SAFEMIG_TRY_VOID(ForwardingConnection::commit());
    if (lied_) return {};
    lied_ = true;
    return fail(ErrorCode::io, "disk I/O error (injected after a successful commit)");
  }

 private:
  bool lied_ = false;
};

}  // namespace safemig::proxy::testing
