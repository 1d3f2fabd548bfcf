// Tests of CompletionRequestsReader::list: half-open ranges, keyset paging, limits, cursors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "dao_test_db.h"
#include "safemig/dao/completion_requests_reader.h"
#include "safemig/dao/completion_requests_writer.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::dao {
namespace {

using ::safemig::testing::ErrorIs;
using ::safemig::testing::IsOk;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1795332600000;

class ReaderListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testing::open_migrated(dir_.file("metrics.db"));
    ASSERT_NE(connection_, nullptr);
    auto writer = CompletionRequestsWriter::create(*connection_);
    ASSERT_THAT(writer, IsOk());
    // 5 timestamps, 7 rows each (ties), two models.
    std::vector<CompletionRequest> records;
    for (int t = 0; t < 5; ++t) {
      for (int k = 0; k < 7; ++k) {
        CompletionRequest r = testing::full_record(t * 7 + k, from_epoch_ms(kT0 + t * 1000));
        r.model = k % 2 == 0 ? "even" : "odd";
        records.push_back(r);
      }
    }
    ASSERT_THAT(writer->insert_batch(records), IsOk());
  }

  ListQuery query(std::int64_t from, std::int64_t to, int limit, ListOrder order) {
    return ListQuery{TimeRange{from_epoch_ms(from), from_epoch_ms(to)}, std::nullopt, limit,
                     std::nullopt, order};
  }

  // Pages through the whole query, checking order; returns the ids seen.
  std::vector<std::int64_t> page_through(ListQuery q) {
    CompletionRequestsReader reader(*connection_);
    std::vector<std::int64_t> ids;
    std::pair<std::int64_t, std::int64_t> previous{-1, -1};
    for (int pages = 0; pages < 100; ++pages) {
      auto page = reader.list(q);
      EXPECT_THAT(page, IsOk());
      if (!page) break;
      EXPECT_LE(page->records.size(), static_cast<std::size_t>(q.limit));
      for (const auto& r : page->records) {
        const std::pair<std::int64_t, std::int64_t> key{to_epoch_ms(r.timestamp), r.id};
        if (previous.first >= 0) {
          EXPECT_TRUE(q.order == ListOrder::oldest_first ? previous < key : key < previous);
        }
        previous = key;
        ids.push_back(r.id);
      }
      if (!page->next_cursor) break;
      q.cursor = page->next_cursor;
    }
    return ids;
  }

  safemig::testing::TempDir dir_;
  std::unique_ptr<db::Connection> connection_;
};

TEST_F(ReaderListTest, RangeIsHalfOpen) {
  CompletionRequestsReader reader(*connection_);
  auto page = reader.list(query(kT0 + 1000, kT0 + 3000, 1000, ListOrder::oldest_first));
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->records.size(), 14u);
  EXPECT_EQ(to_epoch_ms(page->records.front().timestamp), kT0 + 1000);
  EXPECT_EQ(to_epoch_ms(page->records.back().timestamp), kT0 + 2000);
  EXPECT_FALSE(page->next_cursor.has_value());
  auto empty = reader.list(query(kT0 + 1000, kT0 + 1000, 10, ListOrder::oldest_first));
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->records.empty());
}

TEST_F(ReaderListTest, PagesWithoutGapsOrRepeatsAcrossTies) {
  for (const ListOrder order : {ListOrder::oldest_first, ListOrder::newest_first}) {
    for (const int limit : {1, 3, 7, 10, 34, 35, 36}) {
      const auto ids = page_through(query(kT0, kT0 + 5000, limit, order));
      EXPECT_EQ(ids.size(), 35u) << "limit " << limit;
      EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), 35u) << "limit " << limit;
    }
  }
}

TEST_F(ReaderListTest, FiltersByModelWhilePaging) {
  ListQuery q = query(kT0, kT0 + 5000, 4, ListOrder::newest_first);
  q.model = "odd";
  const auto ids = page_through(q);
  EXPECT_EQ(ids.size(), 15u);
}

TEST_F(ReaderListTest, LimitBounds) {
  CompletionRequestsReader reader(*connection_);
  EXPECT_THAT(reader.list(query(kT0, kT0 + 5000, 0, ListOrder::oldest_first)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected 1 to 1000")));
  EXPECT_THAT(reader.list(query(kT0, kT0 + 5000, 1001, ListOrder::oldest_first)),
              ErrorIs(ErrorCode::invalid_input, HasSubstr("expected 1 to 1000")));
  EXPECT_THAT(reader.list(query(kT0, kT0 + 5000, 1000, ListOrder::oldest_first)), IsOk());
}

TEST_F(ReaderListTest, MalformedCursorIsInvalidInput) {
  CompletionRequestsReader reader(*connection_);
  // Only the form next_cursor takes: no leading zeros, no upper-case hex digits, no sign.
  for (const char* bad : {"", "garbage", "n12", "x1.2", "nzz.1", "n1.", "n.1", "n1.2.3", "n01.2",
                          "n1.02", "n1A.2", "n+1.2", "n1. 2"}) {
    ListQuery q = query(kT0, kT0 + 5000, 10, ListOrder::newest_first);
    q.cursor = bad;
    EXPECT_THAT(reader.list(q), ErrorIs(ErrorCode::invalid_input, HasSubstr("cursor"))) << bad;
  }
  ListQuery first = query(kT0, kT0 + 5000, 10, ListOrder::newest_first);
  auto page = reader.list(first);
  ASSERT_THAT(page, IsOk());
  ASSERT_TRUE(page->next_cursor.has_value());
  ListQuery other = query(kT0, kT0 + 5000, 10, ListOrder::oldest_first);
  other.cursor = page->next_cursor;
  EXPECT_THAT(reader.list(other), ErrorIs(ErrorCode::invalid_input, HasSubstr("other order")));
}

}  // namespace
}  // namespace safemig::dao
