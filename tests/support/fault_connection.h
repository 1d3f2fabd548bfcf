// FaultConnection: a Connection that forwards to a real one and fails one chosen call.
//
// Like leveldb's ErrorEnv over EnvWrapper: a test names the statement (by a fragment of its
// SQL, or a transaction call) and which occurrence fails, and gets exactly that failure with
// everything else real.
#pragma once

#include <memory>
#include <string>

#include "safemig/db/connection.h"

namespace safemig::testing {

class FaultConnection : public db::Connection {
 public:
  explicit FaultConnection(std::unique_ptr<db::Connection> inner) : inner_(std::move(inner)) {}

  // Fails the `occurrence`-th (1-based) call whose SQL contains `sql_fragment` with `error`,
  // without forwarding it. "COMMIT", "ROLLBACK" and "BEGIN" match the transaction calls.
  void fail_on(std::string sql_fragment, int occurrence, Error error) {
    fragment_ = std::move(sql_fragment);
    remaining_ = occurrence;
    error_ = std::move(error);
  }
  bool fired() const { return fired_; }

  db::Dialect dialect() const override { return inner_->dialect(); }
  bool read_only() const override { return inner_->read_only(); }
  std::string location() const override { return inner_->location(); }
  Result<void> execute_params(std::string_view sql, std::span<const db::Value> params) override {
    if (should_fail(sql)) return fail(error_);
    return inner_->execute_params(sql, params);
  }
  Result<std::vector<db::Row>> query_params(std::string_view sql,
                                            std::span<const db::Value> params) override {
    if (should_fail(sql)) return fail(error_);
    return inner_->query_params(sql, params);
  }
  Result<void> execute_script(std::string_view sql) override {
    if (should_fail(sql)) return fail(error_);
    return inner_->execute_script(sql);
  }
  Result<void> begin(db::TransactionMode mode) override {
    if (should_fail("BEGIN")) return fail(error_);
    return inner_->begin(mode);
  }
  Result<void> commit() override {
    if (should_fail("COMMIT")) return fail(error_);
    return inner_->commit();
  }
  Result<void> rollback() override {
    if (should_fail("ROLLBACK")) return fail(error_);
    return inner_->rollback();
  }
  bool in_transaction() const override { return inner_->in_transaction(); }
  Result<void> savepoint(std::string_view name) override { return inner_->savepoint(name); }
  Result<void> release(std::string_view name) override { return inner_->release(name); }
  Result<void> rollback_to(std::string_view name) override { return inner_->rollback_to(name); }
  std::int64_t last_insert_id() const override { return inner_->last_insert_id(); }
  std::int64_t changes() const override { return inner_->changes(); }

  db::Connection& inner() { return *inner_; }
  db::Connection* decorated() override { return inner_.get(); }

 private:
  bool should_fail(std::string_view sql) {
    if (remaining_ <= 0 || fragment_.empty() || sql.find(fragment_) == std::string_view::npos) {
      return false;
    }
    if (--remaining_ > 0) return false;
    fired_ = true;
    return true;
  }

  std::unique_ptr<db::Connection> inner_;
  std::string fragment_;
  int remaining_ = 0;
  Error error_;
  bool fired_ = false;
};

}  // namespace safemig::testing
