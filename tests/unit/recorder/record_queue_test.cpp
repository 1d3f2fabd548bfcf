// Tests of RecordQueue: the bound, batch formation, and draining after close.
#include "record_queue.h"

#include <gtest/gtest.h>

#include "recorder_test_support.h"

namespace safemig::proxy::internal {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

RecordQueue::PushResult push(RecordQueue& q, std::int64_t n) {
  return q.push(testing::make_record("q", n));
}

TEST(RecordQueueTest, RefusesWhenFullAndLeavesTheRecordToTheCaller) {
  RecordQueue q(2, 10);
  EXPECT_EQ(push(q, 1), RecordQueue::PushResult::queued);
  EXPECT_EQ(push(q, 2), RecordQueue::PushResult::queued);
  dao::CompletionRequest third = testing::make_record("q", 3);
  EXPECT_EQ(q.push(std::move(third)), RecordQueue::PushResult::full);
  EXPECT_EQ(third.request_id, "q-3");  // Not moved from.
  EXPECT_EQ(q.size(), 2u);
}

TEST(RecordQueueTest, PopsAFullBatchOldestFirst) {
  RecordQueue q(100, 3);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(push(q, i), RecordQueue::PushResult::queued);
  const auto batch = q.pop_batch(milliseconds(60000), Clock::now() + std::chrono::hours(1));
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].request_id, "q-0");
  EXPECT_EQ(batch[2].request_id, "q-2");
  EXPECT_EQ(q.size(), 2u);
}

TEST(RecordQueueTest, PopsAPartialBatchAfterTheDelay) {
  RecordQueue q(100, 50);
  ASSERT_EQ(push(q, 1), RecordQueue::PushResult::queued);
  EXPECT_EQ(q.pop_batch(milliseconds(0), Clock::now() + std::chrono::hours(1)).size(), 1u);
}

TEST(RecordQueueTest, ReturnsEmptyAtTheWakeTime) {
  RecordQueue q(100, 50);
  EXPECT_TRUE(q.pop_batch(milliseconds(10), Clock::now()).empty());
  EXPECT_FALSE(q.closed());
}

TEST(RecordQueueTest, DrainsAfterCloseAndRefusesNewRecords) {
  RecordQueue q(100, 2);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(push(q, i), RecordQueue::PushResult::queued);
  q.close();
  EXPECT_EQ(push(q, 9), RecordQueue::PushResult::closed);
  const auto far = Clock::now() + std::chrono::hours(1);
  EXPECT_EQ(q.pop_batch(milliseconds(60000), far).size(), 2u);
  EXPECT_EQ(q.pop_batch(milliseconds(60000), far).size(), 1u);
  EXPECT_TRUE(q.pop_batch(milliseconds(60000), far).empty());
}

}  // namespace
}  // namespace safemig::proxy::internal
