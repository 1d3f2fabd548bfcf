// Tests of SpillJournal and JournalReader: appends, the replay hand-over, torn lines.
#include "spill_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "journal_reader.h"
#include "recorder_test_support.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::proxy::internal {
namespace {

using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;

std::vector<dao::CompletionRequest> records(const std::string& prefix, int from, int to) {
  std::vector<dao::CompletionRequest> out;
  for (int i = from; i < to; ++i) out.push_back(testing::make_record(prefix, i));
  return out;
}

std::vector<dao::CompletionRequest> read_everything(const std::string& path) {
  auto reader = JournalReader::open(path);
  EXPECT_THAT(reader, IsOk());
  if (!reader) return {};
  auto chunk = (*reader)->next(1000000);
  EXPECT_THAT(chunk, IsOk());
  return chunk ? chunk->records : std::vector<dao::CompletionRequest>{};
}

class SpillJournalTest : public ::testing::Test {
 protected:
  safemig::testing::TempDir dir_;
  std::string path_ = dir_.file("metrics.db.recorder-spill");
};

TEST_F(SpillJournalTest, AppendsOneLinePerRecord) {
  SpillJournal journal(path_);
  EXPECT_FALSE(journal.pending());
  const auto batch = records("a", 0, 3);
  ASSERT_THAT(journal.append(batch, Durability::sync_now), IsOk());
  ASSERT_THAT(journal.append(records("a", 3, 4), Durability::deferred), IsOk());
  EXPECT_TRUE(journal.needs_sync());
  ASSERT_THAT(journal.sync(), IsOk());
  EXPECT_FALSE(journal.needs_sync());
  EXPECT_TRUE(journal.pending());
  EXPECT_EQ(testing::count_lines(path_), 4u);
  EXPECT_EQ(read_everything(path_), records("a", 0, 4));
}

TEST_F(SpillJournalTest, HandsOverForReplayWhileAppendsGoOn) {
  SpillJournal journal(path_);
  ASSERT_THAT(journal.append(records("a", 0, 3), Durability::sync_now), IsOk());
  ASSERT_THAT(journal.take_for_replay(), IsOkAndHolds(true));
  EXPECT_FALSE(std::filesystem::exists(path_));
  // Still pending: a replay that fails is taken up again from the replay file.
  EXPECT_TRUE(journal.pending());
  ASSERT_THAT(journal.append(records("b", 0, 2), Durability::sync_now), IsOk());
  // The replay file is kept until finished, even when asked again.
  ASSERT_THAT(journal.take_for_replay(), IsOkAndHolds(true));
  EXPECT_EQ(read_everything(journal.replay_path()), records("a", 0, 3));
  ASSERT_THAT(journal.finish_replay(), IsOk());
  EXPECT_FALSE(std::filesystem::exists(journal.replay_path()));
  EXPECT_TRUE(journal.pending());
  ASSERT_THAT(journal.take_for_replay(), IsOkAndHolds(true));
  EXPECT_EQ(read_everything(journal.replay_path()), records("b", 0, 2));
  ASSERT_THAT(journal.finish_replay(), IsOk());
  EXPECT_FALSE(journal.pending());
  EXPECT_THAT(journal.take_for_replay(), IsOkAndHolds(false));
}

TEST_F(SpillJournalTest, SeesAJournalLeftByAnEarlierProcess) {
  {
    SpillJournal earlier(path_);
    ASSERT_THAT(earlier.append(records("a", 0, 1), Durability::sync_now), IsOk());
  }
  SpillJournal journal(path_);
  EXPECT_TRUE(journal.pending());
}

TEST_F(SpillJournalTest, AppendAfterATornLastLineKeepsTheNewRecordsWhole) {
  {
    SpillJournal earlier(path_);
    ASSERT_THAT(earlier.append(records("a", 0, 2), Durability::sync_now), IsOk());
  }
  // The earlier process was killed in the middle of its next write.
  safemig::testing::write_file(path_, safemig::testing::read_file(path_) + "{\"timestamp_ms\":17");
  SpillJournal journal(path_);
  ASSERT_THAT(journal.append(records("b", 0, 2), Durability::sync_now), IsOk());
  auto reader = JournalReader::open(path_);
  ASSERT_THAT(reader, IsOk());
  auto chunk = (*reader)->next(100);
  ASSERT_THAT(chunk, IsOk());
  auto expected = records("a", 0, 2);
  const auto appended = records("b", 0, 2);
  expected.insert(expected.end(), appended.begin(), appended.end());
  EXPECT_EQ(chunk->records, expected);
  EXPECT_EQ(chunk->unreadable, 1u);
}

TEST_F(SpillJournalTest, ReaderReturnsChunksAndCountsTornLines) {
  SpillJournal journal(path_);
  ASSERT_THAT(journal.append(records("a", 0, 5), Durability::sync_now), IsOk());
  std::string contents = safemig::testing::read_file(path_) + "{\"timestamp_ms\":17";
  safemig::testing::write_file(path_, contents);
  auto reader = JournalReader::open(path_);
  ASSERT_THAT(reader, IsOk());
  auto first = (*reader)->next(3);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->records, records("a", 0, 3));
  EXPECT_FALSE(first->at_end);
  auto second = (*reader)->next(3);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->records, records("a", 3, 5));
  EXPECT_EQ(second->unreadable, 1u);
  EXPECT_THAT(second->first_problem, ::testing::HasSubstr("line 6"));
  EXPECT_TRUE(second->at_end);
}

}  // namespace
}  // namespace safemig::proxy::internal
