// Tests of BatchWriter: a batch commits whole; refused records are isolated and counted; a
// database failure reports exactly which records are not yet handled.
#include "batch_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "recorder_test_support.h"
#include "support/fault_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::proxy::internal {
namespace {

using ::safemig::testing::IsOk;

class BatchWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::create_migrated(db_)); }

  std::unique_ptr<BatchWriter> make(std::unique_ptr<db::Connection> connection) {
    auto writer = BatchWriter::create(std::move(connection),
                                      [this](const dao::CompletionRequest& r, const Error&) {
                                        invalid_.push_back(r.request_id);
                                      });
    EXPECT_THAT(writer, IsOk());
    return writer ? std::move(*writer) : nullptr;
  }
  std::unique_ptr<db::Connection> open() {
    auto c = db::open_sqlite(db_);
    EXPECT_THAT(c, IsOk());
    return c ? std::move(*c) : nullptr;
  }

  safemig::testing::TempDir dir_;
  std::string db_ = dir_.file("metrics.db");
  std::vector<std::string> invalid_;
};

TEST_F(BatchWriterTest, CommitsABatchInOneTransaction) {
  auto writer = make(open());
  std::vector<dao::CompletionRequest> batch;
  for (int i = 0; i < 20; ++i) batch.push_back(testing::make_record("b", i));
  const BatchOutcome outcome = writer->write(batch, DuplicatePolicy::skip);
  EXPECT_EQ(outcome.written, 20u);
  EXPECT_EQ(outcome.processed, 20u);
  EXPECT_EQ(outcome.transactions, 1u);
  EXPECT_FALSE(outcome.database_error.has_value());
  EXPECT_EQ(testing::read_all(db_), batch);
}

TEST_F(BatchWriterTest, IsolatesInvalidAndDuplicateRecords) {
  auto writer = make(open());
  std::vector<dao::CompletionRequest> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(testing::make_record("b", i));
  batch[3].prompt_tokens = -1;
  batch[6].request_id = batch[1].request_id;
  const BatchOutcome outcome = writer->write(batch, DuplicatePolicy::skip);
  EXPECT_EQ(outcome.written, 8u);
  EXPECT_EQ(outcome.invalid, 1u);
  EXPECT_EQ(outcome.duplicates, 1u);
  EXPECT_EQ(outcome.processed, 10u);
  EXPECT_FALSE(outcome.database_error.has_value());
  EXPECT_EQ(invalid_, std::vector<std::string>{"b-3"});
  EXPECT_EQ(testing::read_all(db_).size(), 8u);
}

TEST_F(BatchWriterTest, LiveRecordWithAReusedIdIsKeptUnderASuffixedId) {
  auto writer = make(open());
  std::vector<dao::CompletionRequest> first{testing::make_record("b", 0)};
  ASSERT_EQ(writer->write(first, DuplicatePolicy::rename).written, 1u);
  // An upstream that answers every request with the same id.
  std::vector<dao::CompletionRequest> batch;
  for (int i = 1; i <= 3; ++i) {
    batch.push_back(testing::make_record("b", i));
    batch.back().request_id = first[0].request_id;
  }
  const BatchOutcome outcome = writer->write(batch, DuplicatePolicy::rename);
  EXPECT_EQ(outcome.written, 3u);
  EXPECT_EQ(outcome.renamed, 3u);
  EXPECT_EQ(outcome.duplicates, 0u);
  EXPECT_FALSE(outcome.database_error.has_value());
  for (const auto& record : batch) {
    EXPECT_THAT(record.request_id, ::testing::StartsWith(first[0].request_id + "~"));
  }
  EXPECT_EQ(testing::read_all(db_).size(), 4u);
}

TEST_F(BatchWriterTest, ReplayedRecordAlreadyStoredIsSkipped) {
  auto writer = make(open());
  std::vector<dao::CompletionRequest> batch{testing::make_record("b", 0)};
  ASSERT_EQ(writer->write(batch, DuplicatePolicy::rename).written, 1u);
  const BatchOutcome outcome = writer->write(batch, DuplicatePolicy::skip);
  EXPECT_EQ(outcome.written, 0u);
  EXPECT_EQ(outcome.duplicates, 1u);
  EXPECT_EQ(testing::read_all(db_).size(), 1u);
}

TEST_F(BatchWriterTest, ReportsWhereTheDatabaseFailed) {
  auto faulty = std::make_unique<safemig::testing::FaultConnection>(open());
  // The first batch fails for a record, the halves commit; the second half's COMMIT fails.
  faulty->fail_on("COMMIT", 2, Error(ErrorCode::io, "disk I/O error"));
  auto writer = make(std::move(faulty));
  std::vector<dao::CompletionRequest> batch;
  for (int i = 0; i < 4; ++i) batch.push_back(testing::make_record("b", i));
  batch[0].model.clear();
  const BatchOutcome outcome = writer->write(batch, DuplicatePolicy::skip);
  ASSERT_TRUE(outcome.database_error.has_value());
  EXPECT_EQ(outcome.database_error->code, ErrorCode::io);
  // [0,2) splits into b-0 (invalid) and b-1 (COMMIT 1); [2,4) fails at COMMIT 2.
  EXPECT_EQ(outcome.invalid, 1u);
  EXPECT_EQ(outcome.written, 1u);
  EXPECT_EQ(outcome.processed, 2u);
  EXPECT_EQ(testing::read_all(db_).size(), 1u);
}

TEST(BatchWriterErrorTest, ClassifiesErrors) {
  EXPECT_TRUE(BatchWriter::is_record_error(Error(ErrorCode::invalid_input, "x")));
  EXPECT_TRUE(BatchWriter::is_record_error(Error(ErrorCode::constraint, "x")));
  EXPECT_FALSE(BatchWriter::is_record_error(Error(ErrorCode::busy, "x")));
  EXPECT_FALSE(BatchWriter::is_record_error(Error(ErrorCode::io, "x")));
  EXPECT_TRUE(BatchWriter::is_duplicate_request_id(
      Error(ErrorCode::constraint, "UNIQUE constraint failed: completion_requests.request_id")));
  EXPECT_FALSE(BatchWriter::is_duplicate_request_id(
      Error(ErrorCode::constraint, "CHECK constraint failed: prompt_tokens >= 0")));
}

}  // namespace
}  // namespace safemig::proxy::internal
