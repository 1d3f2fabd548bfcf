// The reader works on a read-only connection, which refuses writes at run time, and the reader
// type has no write method at all (checked at compile time).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dao_test_db.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::testing::_;

template <typename T>
concept HasInsert = requires(T& t, const CompletionRequest& r) {
  t.insert(r);
};
template <typename T>
concept HasInsertBatch = requires(T& t, std::span<const CompletionRequest> rs) {
  t.insert_batch(rs);
};

static_assert(!HasInsert<CompletionRequestsReader>, "the reader must not be able to insert");
static_assert(!HasInsertBatch<CompletionRequestsReader>, "the reader must not be able to insert");
static_assert(!HasInsert<const CompletionRequestsReader>);
// The check itself works: the writer has both.
static_assert(HasInsert<CompletionRequestsWriter>);
static_assert(HasInsertBatch<CompletionRequestsWriter>);

constexpr std::int64_t kT0 = 1795332600000;

db::SqliteOptions read_only_options() {
  db::SqliteOptions options;
  options.read_only = true;
  return options;
}

TEST(ReaderReadOnly, ReadsThroughAReadOnlyConnectionThatRefusesWrites) {
  safemig::testing::TempDir dir;
  const std::string path = dir.file("metrics.db");
  auto writable = testing::open_migrated(path);
  ASSERT_NE(writable, nullptr);
  auto writer = CompletionRequestsWriter::create(*writable);
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT(writer->insert_batch(testing::sample_records(50, from_epoch_ms(kT0), 600000, 9)),
              IsOk());

  auto read_only = db::open_sqlite(path, read_only_options());
  ASSERT_THAT(read_only, IsOk());
  CompletionRequestsReader reader(**read_only);
  const TimeRange range{from_epoch_ms(kT0), from_epoch_ms(kT0 + 600000)};
  auto page = reader.list({range, std::nullopt, 100, std::nullopt, ListOrder::newest_first});
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->records.size(), 50u);
  auto metrics = reader.metrics(range);
  ASSERT_THAT(metrics, IsOk());
  EXPECT_EQ(metrics->overall.requests, 50);

  EXPECT_THAT((*read_only)->execute("DELETE FROM completion_requests"),
              ErrorIs(ErrorCode::read_only, _));
  EXPECT_THAT((*read_only)
                  ->execute("INSERT INTO completion_rollups_minute (minute_ms, model, "
                            "is_streaming) VALUES (0, 'x', 0)"),
              ErrorIs(ErrorCode::read_only, _));
  auto rows = writable->query_int("SELECT count(*) FROM completion_requests");
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(*rows, 50);
}

}  // namespace
}  // namespace safemig::dao
