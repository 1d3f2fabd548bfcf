// Tests of CompletionRequestsWriter: round trips, NULLs, atomic batches, refusals.
#include "safemig/dao/completion_requests_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dao_test_db.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/db/sqlite_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1795332600000;

db::SqliteOptions read_only_options() {
  db::SqliteOptions options;
  options.read_only = true;
  return options;
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testing::open_migrated(dir_.file("metrics.db"));
    ASSERT_NE(connection_, nullptr);
  }

  std::vector<CompletionRequest> read_all() {
    CompletionRequestsReader reader(*connection_);
    ListQuery q{TimeRange{from_epoch_ms(0), from_epoch_ms(kT0 * 2)}, std::nullopt, 1000,
                std::nullopt, ListOrder::oldest_first};
    auto page = reader.list(q);
    EXPECT_THAT(page, IsOk());
    return page ? page->records : std::vector<CompletionRequest>{};
  }

  std::int64_t count(const std::string& sql) {
    auto n = connection_->query_int(sql);
    EXPECT_THAT(n, IsOk());
    return n.value_or(-1);
  }

  safemig::testing::TempDir dir_;
  std::unique_ptr<db::Connection> connection_;
};

TEST_F(WriterTest, RoundTripsEveryField) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  CompletionRequest r = testing::full_record(1, from_epoch_ms(kT0 + 17));
  r.success = false;
  r.error_type = "rate_limit";
  r.error_message = "slow down";
  auto id = writer->insert(r);
  ASSERT_THAT(id, IsOk());
  r.id = *id;
  const auto rows = read_all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], r);
}

TEST_F(WriterTest, RoundTripsNulls) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  CompletionRequest r;
  r.timestamp = from_epoch_ms(kT0);
  r.request_id = "minimal";
  r.model = "unknown";
  auto id = writer->insert(r);
  ASSERT_THAT(id, IsOk());
  r.id = *id;
  const auto rows = read_all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], r);
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests WHERE status_code IS NULL AND "
                  "origin IS NULL AND upstream IS NULL AND temperature IS NULL AND "
                  "tokens_per_second IS NULL AND time_to_first_token_ms IS NULL"),
            1);
}

TEST_F(WriterTest, BatchWritesRowsAndRollupsInOneGo) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  const auto records = testing::sample_records(500, from_epoch_ms(kT0), 3 * 3600000, 1);
  ASSERT_THAT(writer->insert_batch(records), IsOk());
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 500);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_minute"), 500);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_hour"), 500);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_day"), 500);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_label_rollups_minute "
                  "WHERE label = 'error_type'"),
            count("SELECT count(*) FROM completion_requests WHERE error_type IS NOT NULL"));
  ASSERT_THAT(writer->insert_batch(testing::sample_records(100, from_epoch_ms(kT0), 60000, 2)),
              IsOk());
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_hour"), 600);
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_day"), 600);
}

TEST_F(WriterTest, FailedBatchWritesNothing) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  auto records = testing::sample_records(10, from_epoch_ms(kT0), 60000, 3);
  records[7].request_id = records[2].request_id;
  EXPECT_THAT(writer->insert_batch(records), ErrorIs(ErrorCode::constraint, HasSubstr("")));
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM completion_rollups_minute"), 0);
  EXPECT_FALSE(connection_->in_transaction());
}

TEST_F(WriterTest, RejectsRecordsTheSchemaWouldRefuse) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  CompletionRequest r = testing::full_record(1, from_epoch_ms(kT0));
  r.prompt_tokens = -1;
  EXPECT_THAT(writer->insert(r), ErrorIs(ErrorCode::invalid_input, HasSubstr("prompt_tokens")));
  r = testing::full_record(2, from_epoch_ms(kT0));
  r.request_id.clear();
  EXPECT_THAT(writer->insert(r), ErrorIs(ErrorCode::invalid_input, HasSubstr("request_id")));
  r = testing::full_record(3, from_epoch_ms(kT0));
  r.model.clear();
  EXPECT_THAT(writer->insert(r), ErrorIs(ErrorCode::invalid_input, HasSubstr("model")));
  r = testing::full_record(4, from_epoch_ms(kT0));
  r.endpoint.clear();
  EXPECT_THAT(writer->insert(r),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("needs a non-empty endpoint")));
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 0);
}

TEST_F(WriterTest, JoinsTheCallersTransaction) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT(connection_->begin(db::TransactionMode::immediate), IsOk());
  EXPECT_THAT(writer->insert(testing::full_record(1, from_epoch_ms(kT0))), IsOk());
  ASSERT_THAT(connection_->rollback(), IsOk());
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM completion_rollups_minute"), 0);
}

TEST_F(WriterTest, BatchOfSeveralStatementsIsWrittenWholeAndInOrder) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  // 37 rows: statements of 16, 16 and 5 rows. Every field of every row comes back.
  std::vector<CompletionRequest> records;
  for (int i = 0; i < 37; ++i) {
    CompletionRequest r = testing::full_record(100 + i, from_epoch_ms(kT0 + i));
    if (i % 3 == 0) r.error_message.reset();
    records.push_back(std::move(r));
  }
  ASSERT_THAT(writer->insert_batch(records), IsOk());
  const auto rows = read_all();
  ASSERT_EQ(rows.size(), records.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CompletionRequest expected = records[i];
    expected.id = rows[i].id;
    EXPECT_EQ(rows[i], expected) << "row " << i;
  }
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_day"), 37);
  // insert() still returns the id of the row it wrote.
  auto id = writer->insert(testing::full_record(200, from_epoch_ms(kT0 + 50)));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(*id, count("SELECT max(id) FROM completion_requests"));
}

TEST_F(WriterTest, DuplicateInALaterStatementFailsTheWholeBatch) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  auto records = testing::sample_records(37, from_epoch_ms(kT0), 60000, 8);
  records[35].request_id = records[2].request_id;  // In the third statement; its twin in the first.
  EXPECT_THAT(writer->insert_batch(records), ErrorIs(ErrorCode::constraint, HasSubstr("UNIQUE")));
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM completion_rollups_minute"), 0);
}

TEST_F(WriterTest, PausesEveryNRowsInsideTheBatchTransaction) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  // Each pause sees the rows written so far through the writer's own connection, inside the
  // batch's still-open transaction.
  std::vector<std::int64_t> rows_at_pause;
  writer->set_pause(4, [&] {
    EXPECT_TRUE(connection_->in_transaction());
    rows_at_pause.push_back(count("SELECT count(*) FROM completion_requests"));
  });
  ASSERT_THAT(writer->insert_batch(testing::sample_records(10, from_epoch_ms(kT0), 60000, 4)),
              IsOk());
  EXPECT_EQ(rows_at_pause, (std::vector<std::int64_t>{4, 8}));
  EXPECT_FALSE(connection_->in_transaction());
  EXPECT_EQ(count("SELECT sum(requests) FROM completion_rollups_day"), 10);

  rows_at_pause.clear();  // A batch of exactly N rows ends without a pause.
  ASSERT_THAT(writer->insert_batch(testing::sample_records(4, from_epoch_ms(kT0), 60000, 5)),
              IsOk());
  EXPECT_TRUE(rows_at_pause.empty());

  writer->set_pause(0, [&] { rows_at_pause.push_back(-1); });  // 0 turns pausing off.
  ASSERT_THAT(writer->insert_batch(testing::sample_records(9, from_epoch_ms(kT0), 60000, 6)),
              IsOk());
  EXPECT_TRUE(rows_at_pause.empty());
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 23);
}

TEST_F(WriterTest, AFailedBatchAfterAPauseWritesNothing) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  int pauses = 0;
  writer->set_pause(2, [&] { ++pauses; });
  auto records = testing::sample_records(8, from_epoch_ms(kT0), 60000, 7);
  records[6].request_id = records[1].request_id;
  EXPECT_THAT(writer->insert_batch(records), ErrorIs(ErrorCode::constraint, HasSubstr("UNIQUE")));
  EXPECT_EQ(pauses, 3);
  EXPECT_EQ(count("SELECT count(*) FROM completion_requests"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM completion_rollups_minute"), 0);
}

TEST_F(WriterTest, KeepsRollupsPerEndpointWithTheirMaximaAcrossBatches) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  // Three batches into the same minute: the maxima must be combined by MAX, not summed.
  for (const auto& [n, ms] :
       std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 900}, {2, 300}, {3, 500}}) {
    CompletionRequest r = testing::full_record(n, from_epoch_ms(kT0 + n));
    r.endpoint = "embeddings";
    r.response_time_ms = ms;
    r.time_to_first_token_ms = ms / 10;
    r.time_to_last_token_ms = ms / 2;
    ASSERT_THAT(writer->insert(r), IsOk());
  }
  CompletionRequest chat = testing::full_record(4, from_epoch_ms(kT0 + 4));
  chat.endpoint = "chat/completions";
  chat.response_time_ms = 7000;
  ASSERT_THAT(writer->insert(chat), IsOk());
  for (const char* table :
       {"completion_rollups_minute", "completion_rollups_hour", "completion_rollups_day"}) {
    const std::string where = std::string(" FROM ") + table + " WHERE endpoint = 'embeddings'";
    EXPECT_EQ(count("SELECT requests" + where), 3) << table;
    EXPECT_EQ(count("SELECT response_time_max_ms" + where), 900) << table;
    EXPECT_EQ(count("SELECT ttft_max_ms" + where), 90) << table;
    EXPECT_EQ(count("SELECT ttlt_max_ms" + where), 450) << table;
    EXPECT_EQ(count(std::string("SELECT response_time_max_ms FROM ") + table +
                    " WHERE endpoint = 'chat/completions'"),
              7000)
        << table;
  }
  EXPECT_EQ(count("SELECT count(*) FROM completion_label_rollups_minute WHERE endpoint = "
                  "'embeddings' AND label = 'status_code' AND requests = 3"),
            1);
}

TEST_F(WriterTest, RefusesAReadOnlyConnection) {
  auto read_only = db::open_sqlite(dir_.file("metrics.db"), read_only_options());
  ASSERT_THAT(read_only, IsOk());
  EXPECT_THAT(CompletionRequestsWriter::create(**read_only),
              ErrorIs(ErrorCode::read_only, HasSubstr("read-only")));
}

}  // namespace
}  // namespace safemig::dao
