// Tests of how Recorder replays a spill journal across restarts: it resumes from the saved
// progress (never writing a record twice, never skipping one that is not committed), saves that
// progress as it commits, and replays a journal left at an earlier location.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "recorder_test_support.h"
#include "replay_progress.h"
#include "safemig/dao/completion_requests_writer.h"
#include "safemig/proxy/recorder.h"
#include "spill_journal.h"
#include "support/fault_connection.h"
#include "support/matchers.h"
#include "support/temp_dir.h"

namespace safemig::proxy {
namespace {

using ::safemig::testing::FaultConnection;
using ::safemig::testing::IsOk;
using ::safemig::testing::IsOkAndHolds;
using std::chrono::milliseconds;

std::vector<dao::CompletionRequest> records(int from, int to) {
  std::vector<dao::CompletionRequest> out;
  for (int i = from; i < to; ++i) out.push_back(testing::make_record("j", i));
  return out;
}

class RecorderReplayTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::create_migrated(db_)); }

  RecorderOptions options(ConnectionFactory connect) {
    RecorderOptions o;
    o.connect = std::move(connect);
    o.spill_path = spill_;
    o.max_batch_rows = 10;
    o.max_batch_delay = milliseconds(5);
    o.retry_backoff_min = milliseconds(1);
    o.retry_backoff_max = milliseconds(20);
    return o;
  }

  std::unique_ptr<Recorder> start(RecorderOptions o) {
    auto recorder = Recorder::start(std::move(o));
    EXPECT_THAT(recorder, IsOk());
    return recorder ? std::move(*recorder) : nullptr;
  }

  // Writes records [0, count) to the journal at `path` and, with `to_replay`, moves it aside as
  // a replay file as a replay under way does.
  void write_journal(const std::string& path, int count, bool to_replay) {
    internal::SpillJournal journal(path);
    ASSERT_THAT(journal.append(records(0, count), internal::Durability::sync_now), IsOk());
    if (to_replay) {
      ASSERT_THAT(journal.take_for_replay(), IsOkAndHolds(true));
    }
  }

  // The position after the first `lines` lines of `path`.
  static internal::JournalPosition after_lines(const std::string& path, std::uint64_t lines) {
    const std::string text = safemig::testing::read_file(path);
    internal::JournalPosition position;
    while (position.line < lines) {
      position.offset = text.find('\n', position.offset) + 1;
      ++position.line;
    }
    return position;
  }

  void commit_directly(const std::vector<dao::CompletionRequest>& rows) {
    auto connection = db::open_sqlite(db_);
    ASSERT_THAT(connection, IsOk());
    auto writer = dao::CompletionRequestsWriter::create(**connection);
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT(writer->insert_batch(rows), IsOk());
  }

  bool gone(const std::string& journal) const {
    return !std::filesystem::exists(journal) && !std::filesystem::exists(journal + ".replaying") &&
           !std::filesystem::exists(journal + ".replaying.progress");
  }

  safemig::testing::TempDir dir_;
  std::string db_ = dir_.file("metrics.db");
  std::string spill_ = Recorder::default_spill_path(db_);
  std::string replay_ = spill_ + ".replaying";
};

TEST_F(RecorderReplayTest, ResumesFromTheSavedProgress) {
  write_journal(spill_, 50, /*to_replay=*/true);
  ASSERT_THAT(internal::save_replay_progress(replay_, after_lines(replay_, 20)), IsOk());

  auto recorder = start(options(testing::sqlite_factory(db_)));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(testing::eventually([&] { return gone(spill_); }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_replayed, 30u);
  EXPECT_EQ(s.rows_skipped_duplicate, 0u);
  // Lines 1..20 were taken as committed by the progress; only 21..50 were written.
  EXPECT_EQ(testing::read_all(db_), records(20, 50));
}

TEST_F(RecorderReplayTest, RecordsCommittedAfterTheLastSavedProgressAreNotWrittenTwice) {
  write_journal(spill_, 50, /*to_replay=*/true);
  commit_directly(records(0, 30));
  ASSERT_THAT(internal::save_replay_progress(replay_, after_lines(replay_, 20)), IsOk());

  auto recorder = start(options(testing::sqlite_factory(db_)));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(testing::eventually([&] { return gone(spill_); }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_skipped_duplicate, 10u);
  EXPECT_EQ(s.rows_replayed, 20u);
  EXPECT_EQ(testing::read_all(db_), records(0, 50));
}

TEST_F(RecorderReplayTest, AReplayStoppedMidwayIsResumedByTheNextProcess) {
  write_journal(spill_, 100, /*to_replay=*/false);
  {
    // The database fails at the fourth replayed chunk and cannot be reopened: the process stops
    // with 30 records committed.
    auto first = std::make_shared<std::atomic<bool>>(true);
    auto recorder = start(options([this, first]() -> Result<std::unique_ptr<db::Connection>> {
      if (!first->exchange(false)) return fail(ErrorCode::io, "disk I/O error (injected)");
      SAFEMIG_TRY(auto connection, db::open_sqlite(db_));
      auto faulty = std::make_unique<FaultConnection>(std::move(connection));
      faulty->fail_on("COMMIT", 4, Error(ErrorCode::io, "disk I/O error (injected)"));
      return std::unique_ptr<db::Connection>(std::move(faulty));
    }));
    ASSERT_NE(recorder, nullptr);
    ASSERT_TRUE(testing::eventually([&] { return recorder->stats().write_errors >= 2; }));
    ASSERT_THAT(recorder->flush_and_stop(milliseconds(0)), IsOk());
    ASSERT_EQ(recorder->stats().rows_replayed, 30u);
  }
  ASSERT_EQ(testing::read_all(db_), records(0, 30));
  EXPECT_EQ(internal::load_replay_progress(replay_).line, 30u);

  auto recorder = start(options(testing::sqlite_factory(db_)));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(testing::eventually([&] { return gone(spill_); }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  const RecorderStats s = recorder->stats();
  EXPECT_EQ(s.rows_replayed, 70u);
  EXPECT_EQ(s.rows_skipped_duplicate, 0u);
  EXPECT_EQ(testing::read_all(db_), records(0, 100));
}

TEST_F(RecorderReplayTest, JournalAtAnEarlierLocationIsReplayed) {
  write_journal(spill_, 25, /*to_replay=*/false);
  std::filesystem::create_directory(dir_.file("spill"));
  RecorderOptions o = options(testing::sqlite_factory(db_));
  o.spill_path = dir_.file("spill/metrics.db.recorder-spill");
  o.earlier_spill_paths = {spill_};
  auto recorder = start(std::move(o));
  ASSERT_NE(recorder, nullptr);
  ASSERT_TRUE(testing::eventually([&] { return gone(spill_); }));
  ASSERT_THAT(recorder->flush_and_stop(milliseconds(30000)), IsOk());
  EXPECT_EQ(recorder->stats().rows_replayed, 25u);
  EXPECT_EQ(testing::read_all(db_), records(0, 25));
}

}  // namespace
}  // namespace safemig::proxy
