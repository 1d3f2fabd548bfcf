// Tests of the integrity findings reported by `safemig verify`.
#include "safemig/dao/integrity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dao_test_db.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::IsOk;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kT0 = 1795332600000;

TEST(Integrity, CleanDataHasNoFindings) {
  safemig::testing::TempDir dir;
  auto connection = testing::open_migrated(dir.file("metrics.db"));
  ASSERT_NE(connection, nullptr);
  auto writer = CompletionRequestsWriter::create(*connection);
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT(writer->insert_batch(testing::sample_records(300, from_epoch_ms(kT0), 7200000, 4)),
              IsOk());
  auto findings = find_integrity_issues(*connection);
  ASSERT_THAT(findings, IsOk());
  EXPECT_THAT(*findings, IsEmpty());
}

TEST(Integrity, EmptyDatabaseHasNoFindings) {
  safemig::testing::TempDir dir;
  auto connection = db::open_sqlite(dir.file("empty.db"));
  ASSERT_THAT(connection, IsOk());
  auto findings = find_integrity_issues(**connection);
  ASSERT_THAT(findings, IsOk());
  EXPECT_THAT(*findings, IsEmpty());
}

TEST(Integrity, ReportsNegativeValuesAndTokenMismatchBeforeV3) {
  safemig::testing::TempDir dir;
  auto connection = db::open_sqlite(dir.file("v1.db"));
  ASSERT_THAT(connection, IsOk());
  ASSERT_THAT((*connection)
                  ->execute_script(
                      "CREATE TABLE completion_requests (id INTEGER PRIMARY KEY, timestamp_ms "
                      "INTEGER NOT NULL, success INTEGER NOT NULL, response_time_ms INTEGER NOT "
                      "NULL, prompt_tokens INTEGER, completion_tokens INTEGER, total_tokens "
                      "INTEGER);"
                      "INSERT INTO completion_requests VALUES (1, 1, 1, -5, 1, 2, 3);"
                      "INSERT INTO completion_requests VALUES (2, 1, 1, 5, -1, 2, 9);"),
              IsOk());
  auto findings = find_integrity_issues(**connection);
  ASSERT_THAT(findings, IsOk());
  EXPECT_THAT(*findings,
              ElementsAre(AllOf(HasSubstr("negative response_time_ms"), HasSubstr("first id 1")),
                          AllOf(HasSubstr("negative prompt_tokens"), HasSubstr("first id 2")),
                          AllOf(HasSubstr("total_tokens != prompt_tokens + completion_tokens"),
                                HasSubstr("first id 2"))));
}

TEST(Integrity, ReportsRollupsOutOfSync) {
  safemig::testing::TempDir dir;
  auto connection = testing::open_migrated(dir.file("metrics.db"));
  ASSERT_NE(connection, nullptr);
  auto writer = CompletionRequestsWriter::create(*connection);
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT(writer->insert_batch(testing::sample_records(100, from_epoch_ms(kT0), 600000, 5)),
              IsOk());
  ASSERT_THAT(connection->execute("DELETE FROM completion_requests WHERE id = 7"), IsOk());
  auto findings = find_integrity_issues(*connection);
  ASSERT_THAT(findings, IsOk());
  EXPECT_THAT(*findings, Contains(HasSubstr("per-minute rollups count 100 requests but "
                                            "completion_requests holds 99")));
  EXPECT_THAT(*findings, Contains(HasSubstr("differ from the completion_requests rows")));
}

}  // namespace
}  // namespace safemig::dao
