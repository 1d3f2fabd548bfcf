// MockConnection: a GoogleMock Connection, to inject a failure at an exact call.
#pragma once

#include <gmock/gmock.h>

#include "safemig/db/connection.h"

namespace safemig::testing {

class MockConnection : public db::Connection {
 public:
  MOCK_METHOD(db::Dialect, dialect, (), (const, override));
  MOCK_METHOD(bool, read_only, (), (const, override));
  MOCK_METHOD(std::string, location, (), (const, override));
  MOCK_METHOD(Result<void>, execute_params, (std::string_view, std::span<const db::Value>),
              (override));
  MOCK_METHOD(Result<std::vector<db::Row>>, query_params,
              (std::string_view, std::span<const db::Value>), (override));
  MOCK_METHOD(Result<void>, execute_script, (std::string_view), (override));
  MOCK_METHOD(Result<void>, begin, (db::TransactionMode), (override));
  MOCK_METHOD(Result<void>, commit, (), (override));
  MOCK_METHOD(Result<void>, rollback, (), (override));
  MOCK_METHOD(bool, in_transaction, (), (const, override));
  MOCK_METHOD(Result<void>, savepoint, (std::string_view), (override));
  MOCK_METHOD(Result<void>, release, (std::string_view), (override));
  MOCK_METHOD(Result<void>, rollback_to, (std::string_view), (override));
  MOCK_METHOD(std::int64_t, last_insert_id, (), (const, override));
  MOCK_METHOD(std::int64_t, changes, (), (const, override));
};

}  // namespace safemig::testing
