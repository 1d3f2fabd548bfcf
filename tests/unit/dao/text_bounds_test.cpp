// The byte bounds of text fields: cutting at a UTF-8 boundary with a visible mark, and the writer
// storing bounded rows and rollups whatever the length of what a request or an upstream sent.
#include "safemig/dao/text_bounds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "dao_test_db.h"
#include "safemig/dao/completion_requests_writer.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::IsOk;
using ::testing::EndsWith;
using ::testing::StartsWith;

constexpr std::int64_t kT0 = 1795332600000;
constexpr std::size_t kEightMiB = std::size_t{8} * 1024 * 1024;

TEST(TruncateUtf8, LeavesTextWithinTheBoundAsItIs) {
  EXPECT_EQ(truncate_utf8("gpt-4o", 6), "gpt-4o");
  EXPECT_EQ(truncate_utf8("", 3), "");
}

TEST(TruncateUtf8, CutsToTheBoundAndEndsWithTheMark) {
  const std::string cut = truncate_utf8(std::string(100, 'm'), 10);
  EXPECT_EQ(cut, std::string(7, 'm') + std::string(kTruncationMark));
}

// "é" is two bytes: a cut between them would leave invalid UTF-8, so the cut moves before it.
TEST(TruncateUtf8, NeverCutsInsideACharacter) {
  const std::string text = "abcdé" + std::string(20, 'x');
  EXPECT_EQ(truncate_utf8(text, 8), "abcd" + std::string(kTruncationMark));
  EXPECT_EQ(truncate_utf8(text, 9), "abcdé" + std::string(kTruncationMark));
}

TEST(TruncateUtf8KeepingIdentity, DistinctLongTextsStayDistinctWithinTheBound) {
  const std::string a = std::string(1000, 'r') + "a";
  const std::string b = std::string(1000, 'r') + "b";
  const std::string cut_a = truncate_utf8_keeping_identity(a, 64);
  EXPECT_EQ(cut_a.size(), 64u);
  EXPECT_THAT(cut_a, StartsWith(std::string(45, 'r') + std::string(kTruncationMark)));
  EXPECT_NE(cut_a, truncate_utf8_keeping_identity(b, 64));
  EXPECT_EQ(cut_a, truncate_utf8_keeping_identity(a, 64));
}

std::uintmax_t database_bytes(const std::string& path) {
  std::uintmax_t total = 0;
  for (const std::string& file : {path, path + "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec) total += size;
  }
  return total;
}

class BoundedWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testing::open_migrated(path_);
    ASSERT_NE(connection_, nullptr);
  }

  std::string text(const std::string& sql) {
    auto rows = connection_->query(sql);
    EXPECT_THAT(rows, IsOk());
    return rows && !rows->empty() ? rows->front().text(0) : std::string();
  }

  safemig::testing::TempDir dir_;
  std::string path_ = dir_.file("metrics.db");
  std::unique_ptr<db::Connection> connection_;
};

TEST_F(BoundedWriteTest, EveryTextFieldIsStoredWithinItsBoundAndTheRollupsKeyOnTheCutModel) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  ASSERT_THAT(writer->insert(testing::full_record(1, from_epoch_ms(kT0))), IsOk());
  const std::uintmax_t before = database_bytes(path_);

  CompletionRequest r = testing::full_record(2, from_epoch_ms(kT0 + 1));
  r.model = std::string(kEightMiB, 'm');
  r.origin = std::string(kEightMiB, 'o');
  r.upstream = std::string(kEightMiB, 'u');
  r.request_id = std::string(kEightMiB, 'i');
  r.finish_reason = std::string(kEightMiB, 'f');
  r.error_type = std::string(kEightMiB, 't');
  r.error_message = std::string(kEightMiB, 'e');
  ASSERT_THAT(writer->insert(r), IsOk());

  const std::string model = text("SELECT model FROM completion_requests WHERE id = 2");
  EXPECT_EQ(model.size(), kMaxModelBytes);
  EXPECT_THAT(model, EndsWith(std::string(kTruncationMark)));
  EXPECT_EQ(text("SELECT length(CAST(origin AS BLOB)) || ',' || length(CAST(upstream AS BLOB)) || "
                 "',' || length(CAST(request_id AS BLOB)) || ',' || "
                 "length(CAST(finish_reason AS BLOB)) || ',' || "
                 "length(CAST(error_type AS BLOB)) || ',' || "
                 "length(CAST(error_message AS BLOB)) FROM completion_requests WHERE id = 2"),
            std::to_string(kMaxOriginBytes) + "," + std::to_string(kMaxUpstreamBytes) + "," +
                std::to_string(kMaxRequestIdBytes) + "," + std::to_string(kMaxFinishReasonBytes) +
                "," + std::to_string(kMaxErrorTypeBytes) + "," +
                std::to_string(kMaxErrorMessageBytes));
  for (const std::string table :
       {"completion_rollups_minute", "completion_rollups_hour", "completion_rollups_day",
        "completion_label_rollups_minute", "completion_label_rollups_hour",
        "completion_label_rollups_day"}) {
    EXPECT_EQ(text("SELECT max(length(CAST(model AS BLOB))) FROM " + table),
              std::to_string(kMaxModelBytes))
        << table;
  }
  EXPECT_EQ(text("SELECT max(length(CAST(value AS BLOB))) FROM completion_label_rollups_day"),
            std::to_string(kMaxErrorTypeBytes));
  EXPECT_LT(database_bytes(path_) - before, std::uintmax_t{64} * 1024);
}

TEST_F(BoundedWriteTest, RequestIdsThatDifferOnlyPastTheBoundAreBothStored) {
  auto writer = CompletionRequestsWriter::create(*connection_);
  ASSERT_THAT(writer, IsOk());
  CompletionRequest a = testing::full_record(1, from_epoch_ms(kT0));
  CompletionRequest b = testing::full_record(2, from_epoch_ms(kT0));
  a.request_id = std::string(1000, 'i') + "a";
  b.request_id = std::string(1000, 'i') + "b";
  EXPECT_THAT(writer->insert_batch(std::vector<CompletionRequest>{a, b}), IsOk());
  EXPECT_EQ(text("SELECT count(DISTINCT request_id) FROM completion_requests"), "2");
}

}  // namespace
}  // namespace safemig::dao
