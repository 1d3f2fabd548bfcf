// Tests of CompletionRequestsReader::token_counts_after: id order whatever the timestamps,
// paging without gaps or repeats, only the token columns (absent when NULL), rows committed
// after an earlier call, and invalid input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dao_test_db.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/completion_requests_writer.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kT0 = 1795332600000;
constexpr std::int64_t kTwoDaysMs = 2 * 86'400'000;
constexpr std::size_t kRows = 35;

class ReaderTokenCountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testing::open_migrated(dir_.file("tokens.db"));
    ASSERT_NE(connection_, nullptr);
    // Timestamps fall as ids grow, so id order is not timestamp order.
    std::vector<CompletionRequest> records;
    for (std::size_t n = 0; n < kRows; ++n) {
      const auto i = static_cast<std::int64_t>(n);
      CompletionRequest r = testing::full_record(i, from_epoch_ms(kT0 - i * 60'000));
      r.model = n % 2 == 0 ? "even" : "odd";
      if (n % 5 == 1) r.prompt_tokens = std::nullopt;
      if (n % 5 == 2) r.completion_tokens = std::nullopt;
      if (n % 5 == 3) r.prompt_tokens = r.completion_tokens = std::nullopt;
      records.push_back(r);
    }
    insert(records);
  }

  void insert(const std::vector<CompletionRequest>& records) {
    auto writer = CompletionRequestsWriter::create(*connection_);
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT(writer->insert_batch(records), IsOk());
  }

  // Every row after `after_id`, read in pages of `limit`, checking each page's size and order.
  std::vector<RequestTokenCounts> read_all(std::int64_t after_id, std::size_t limit) {
    const CompletionRequestsReader reader(*connection_);
    std::vector<RequestTokenCounts> out;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = reader.token_counts_after(after_id, limit);
      EXPECT_THAT(page, IsOk());
      if (!page) break;
      EXPECT_LE(page->size(), limit);
      for (const RequestTokenCounts& row : *page) {
        EXPECT_GT(row.id, after_id);
        after_id = row.id;
        out.push_back(row);
      }
      if (page->size() < limit) break;
    }
    return out;
  }

  safemig::testing::TempDir dir_;
  std::unique_ptr<db::Connection> connection_;
};

TEST_F(ReaderTokenCountsTest, PagesInIdOrderWithoutGapsOrRepeats) {
  const auto expected = connection_->query_params("SELECT id FROM completion_requests ORDER BY id",
                                                  std::vector<db::Value>{});
  ASSERT_THAT(expected, IsOk());
  ASSERT_EQ(expected->size(), kRows);
  for (const std::size_t limit : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{34},
                                  kRows, kRows + 1, kMaxTokenCountsLimit}) {
    const auto rows = read_all(0, limit);
    ASSERT_EQ(rows.size(), kRows) << "limit " << limit;
    for (std::size_t i = 0; i < kRows; ++i) {
      EXPECT_EQ(rows[i].id, (*expected)[i].int64(0)) << "limit " << limit;
    }
  }
}

TEST_F(ReaderTokenCountsTest, ReturnsTheModelAndTokenCountsAbsentWhenNull) {
  const auto rows = read_all(0, kMaxTokenCountsLimit);
  ASSERT_EQ(rows.size(), kRows);
  for (std::size_t n = 0; n < kRows; ++n) {
    const auto i = static_cast<std::int64_t>(n);
    const RequestTokenCounts& row = rows[n];
    EXPECT_EQ(row.model, n % 2 == 0 ? "even" : "odd");
    const bool no_prompt = n % 5 == 1 || n % 5 == 3;
    const bool no_completion = n % 5 == 2 || n % 5 == 3;
    EXPECT_EQ(row.prompt_tokens, no_prompt ? std::nullopt : std::optional<std::int64_t>(10 + i))
        << n;
    EXPECT_EQ(row.completion_tokens, no_completion ? std::nullopt : std::optional<std::int64_t>(20))
        << n;
  }
}

TEST_F(ReaderTokenCountsTest, StartsAfterTheGivenId) {
  const auto all = read_all(0, kMaxTokenCountsLimit);
  ASSERT_EQ(all.size(), kRows);
  const CompletionRequestsReader reader(*connection_);
  auto rest = reader.token_counts_after(all[9].id, 3);
  ASSERT_THAT(rest, IsOk());
  EXPECT_THAT(*rest, ElementsAre(all[10], all[11], all[12]));
  EXPECT_THAT(reader.token_counts_after(all.back().id, 10), IsOkAndHolds(IsEmpty()));
}

TEST_F(ReaderTokenCountsTest, ReturnsRowsCommittedAfterAnEarlierCallWhateverTheirTimestamp) {
  const auto before = read_all(0, 10);
  ASSERT_EQ(before.size(), kRows);
  // Two days older than every row already there, as a replayed journal writes it.
  CompletionRequest late = testing::full_record(1000, from_epoch_ms(kT0 - kTwoDaysMs));
  late.model = "late";
  insert({late});
  const auto after = read_all(before.back().id, 10);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_GT(after[0].id, before.back().id);
  EXPECT_EQ(after[0].model, "late");
  EXPECT_EQ(after[0].prompt_tokens, 1010);
  EXPECT_EQ(after[0].completion_tokens, 20);
}

TEST_F(ReaderTokenCountsTest, InvalidLimitOrIdIsInvalidInput) {
  const CompletionRequestsReader reader(*connection_);
  EXPECT_THAT(reader.token_counts_after(0, 0),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected 1 to 10000")));
  EXPECT_THAT(reader.token_counts_after(0, kMaxTokenCountsLimit + 1),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected 1 to 10000")));
  EXPECT_THAT(reader.token_counts_after(-1, 10),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("invalid after_id -1")));
  EXPECT_THAT(reader.token_counts_after(0, kMaxTokenCountsLimit), IsOk());
}

TEST_F(ReaderTokenCountsTest, JoinsTheCallersTransaction) {
  ASSERT_THAT(connection_->begin(db::TransactionMode::deferred), IsOk());
  const CompletionRequestsReader reader(*connection_);
  EXPECT_THAT(reader.token_counts_after(0, 5), IsOk());
  EXPECT_TRUE(connection_->in_transaction());
  EXPECT_THAT(connection_->commit(), IsOk());
}

}  // namespace
}  // namespace safemig::dao
