// Tests of the replay progress file and of JournalReader resuming from a saved position: a saved
// position is used only for the file it was saved for, and is removed with its replay file.
#include "replay_progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "journal_reader.h"
#include "recorder_test_support.h"
#include "spill_journal.h"
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

class ReplayProgressTest : public ::testing::Test {
 protected:
  // A replay file holding records r-0 .. r-(count-1); returns its reader's positions.
  std::vector<JournalPosition> write_replay_file(int count) {
    SpillJournal journal(dir_.file("j"));
    EXPECT_THAT(journal.append(records("r", 0, count), Durability::sync_now), IsOk());
    EXPECT_THAT(journal.take_for_replay(), IsOkAndHolds(true));
    auto reader = JournalReader::open(replay_);
    EXPECT_THAT(reader, IsOk());
    auto chunk = (*reader)->next(static_cast<std::size_t>(count));
    EXPECT_THAT(chunk, IsOk());
    return chunk->ends;
  }

  safemig::testing::TempDir dir_;
  std::string replay_ = dir_.file("j.replaying");
};

TEST_F(ReplayProgressTest, NoProgressFileMeansTheStart) {
  write_replay_file(3);
  EXPECT_EQ(load_replay_progress(replay_), JournalPosition{});
}

TEST_F(ReplayProgressTest, SavedPositionIsLoadedAndTheReaderResumesThere) {
  const auto ends = write_replay_file(10);
  ASSERT_THAT(save_replay_progress(replay_, ends[1]), IsOk());
  ASSERT_THAT(save_replay_progress(replay_, ends[3]), IsOk());  // Overwrites the first.
  const JournalPosition loaded = load_replay_progress(replay_);
  EXPECT_EQ(loaded, ends[3]);
  EXPECT_EQ(loaded.line, 4u);

  auto reader = JournalReader::open(replay_, loaded);
  ASSERT_THAT(reader, IsOk());
  auto chunk = (*reader)->next(100);
  ASSERT_THAT(chunk, IsOk());
  EXPECT_EQ(chunk->records, records("r", 4, 10));
  EXPECT_EQ(chunk->ends.back(), ends.back());
  EXPECT_EQ((*reader)->line_number(), 10u);
}

TEST_F(ReplayProgressTest, PositionSavedForAnotherFileIsIgnored) {
  const auto ends = write_replay_file(5);
  ASSERT_THAT(save_replay_progress(replay_, ends[2]), IsOk());
  // Same name, same contents, another file: the position says nothing about its records.
  const std::string copy = dir_.file("copy");
  std::filesystem::copy_file(replay_, copy);
  std::filesystem::rename(copy, replay_);
  EXPECT_EQ(load_replay_progress(replay_), JournalPosition{});
}

TEST_F(ReplayProgressTest, TornOrOutOfRangeProgressIsIgnored) {
  const auto ends = write_replay_file(5);
  ASSERT_THAT(save_replay_progress(replay_, ends[2]), IsOk());
  const std::string progress = replay_progress_path(replay_);
  const std::string whole = safemig::testing::read_file(progress);
  safemig::testing::write_file(progress, whole.substr(0, whole.size() - 5));
  EXPECT_EQ(load_replay_progress(replay_), JournalPosition{});

  JournalPosition beyond = ends.back();
  beyond.offset += 1;
  ASSERT_THAT(save_replay_progress(replay_, beyond), IsOk());
  EXPECT_EQ(load_replay_progress(replay_), JournalPosition{});
}

TEST_F(ReplayProgressTest, FinishingTheReplayRemovesItsProgress) {
  SpillJournal journal(dir_.file("j"));
  ASSERT_THAT(journal.append(records("r", 0, 3), Durability::sync_now), IsOk());
  ASSERT_THAT(journal.take_for_replay(), IsOkAndHolds(true));
  ASSERT_THAT(save_replay_progress(replay_, {10, 1}), IsOk());
  ASSERT_THAT(journal.finish_replay(), IsOk());
  EXPECT_FALSE(std::filesystem::exists(replay_progress_path(replay_)));
  EXPECT_FALSE(std::filesystem::exists(replay_));
}

TEST_F(ReplayProgressTest, ANewReplayFileDoesNotInheritALeftoverProgressFile) {
  safemig::testing::write_file(replay_progress_path(replay_), "left over");
  SpillJournal journal(dir_.file("j"));
  ASSERT_THAT(journal.append(records("r", 0, 3), Durability::sync_now), IsOk());
  ASSERT_THAT(journal.take_for_replay(), IsOkAndHolds(true));
  EXPECT_FALSE(std::filesystem::exists(replay_progress_path(replay_)));
}

}  // namespace
}  // namespace safemig::proxy::internal
