// The stages of migrate and downgrade on stderr: one plain line per stage when stderr is not a
// terminal (stdout unchanged), and lines redrawn in place on a terminal.
#include "stage_progress.h"

#include <gmock/gmock.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.h"
#include "console.h"

namespace safemig::cli::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr const char* kStages[] = {"lock",
                                   "file backup",
                                   "journal",
                                   "backup tables",
                                   "run",
                                   "validate schema",
                                   "validate integrity",
                                   "validate foreign keys",
                                   "validate rows",
                                   "validate verify sql",
                                   "record history",
                                   "commit",
                                   "retention"};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The lines' text up to " done in" / " failed after", each checked to end with a duration.
std::vector<std::string> stage_lines(const std::string& err) {
  std::vector<std::string> out;
  for (const std::string& line : lines_of(err)) {
    EXPECT_THAT(line, MatchesRegex(".* (done in|failed after) [0-9.]+ m?s")) << line;
    const auto at =
        line.find(line.find(" done in ") != std::string::npos ? " done in " : " failed after ");
    out.push_back(line.substr(0, at) +
                  (line.find(" failed after ") != std::string::npos ? " failed" : ""));
  }
  return out;
}

// "<label>: <stage>" for every stage of a step, up to `last` (marked failed when `fails`).
void add_stages(std::vector<std::string>& out, const std::string& label,
                const std::string& last = "retention", bool fails = false) {
  for (const char* stage : kStages) {
    out.push_back(label + ": " + stage + (fails && stage == last ? " failed" : ""));
    if (stage == last) return;
  }
}

class StageProgressTest : public CliTest {};

TEST_F(StageProgressTest, MigrateWritesOnePlainLinePerStageWhenStderrIsNoTerminal) {
  write_two_steps();
  CliRun r = run_sql({"migrate"});
  ASSERT_EQ(r.code, 0) << r;
  std::vector<std::string> expected;
  add_stages(expected, "V1 create");
  add_stages(expected, "V2 add");
  EXPECT_THAT(stage_lines(r.err), ElementsAreArray(expected)) << r;
  EXPECT_THAT(r.err, Not(HasSubstr("\r")));
  EXPECT_THAT(r.err, Not(HasSubstr("\033")));
  // Stdout is what it always was.
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u) << r;
  EXPECT_THAT(out[0], MatchesRegex("applied V1 create in [0-9]+ ms \\(backup: .*\\)"));
  EXPECT_THAT(out[1], MatchesRegex("applied V2 add in [0-9]+ ms \\(backup: .*\\)"));
  EXPECT_THAT(out[2], HasSubstr("at version 2"));
}

TEST_F(StageProgressTest, DowngradeWritesOnePlainLinePerStage) {
  write_two_steps();
  write_migration("U2__add.sql", "ALTER TABLE t DROP COLUMN w;\n");
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"downgrade", "--to", "1"});
  ASSERT_EQ(r.code, 0) << r;
  std::vector<std::string> expected;
  add_stages(expected, "V2 add (down)");
  EXPECT_THAT(stage_lines(r.err), ElementsAreArray(expected)) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("(down):")));
}

TEST_F(StageProgressTest, TheFailingStageIsTheLastLineAboveTheError) {
  write_two_steps();
  write_migration("V3__bad.sql", "INSERT INTO no_such_table VALUES (1);\n");
  CliRun r = run_sql({"migrate"});
  ASSERT_EQ(r.code, 1) << r;
  // The error and its hints follow the stage lines.
  const std::string err = r.err.substr(0, r.err.find("safemig: "));
  std::vector<std::string> expected;
  add_stages(expected, "V1 create");
  add_stages(expected, "V2 add");
  add_stages(expected, "V3 bad", "run", true);
  EXPECT_THAT(stage_lines(err), ElementsAreArray(expected)) << r;
  EXPECT_THAT(r.err, HasSubstr("V3 bad failed at stage run"));
}

TEST_F(StageProgressTest, NothingToApplyPrintsNoStage) {
  write_two_steps();
  ASSERT_EQ(run_sql({"migrate"}).code, 0);
  CliRun r = run_sql({"migrate"});
  ASSERT_EQ(r.code, 0) << r;
  EXPECT_EQ(r.err, "");
}

// On a terminal: each stage's line is redrawn in place ('\r', erased to its end): the file
// backup with a bar, SQL work with a spinner and the time so far; it ends once, coloured.
TEST(StagePrinter, RedrawsTheStageLineInPlaceOnATerminal) {
  std::ostringstream out;
  std::ostringstream err;
  Console console(out, err, /*terminal=*/true, "safemig");
  migrate::MigrationStep step;
  step.version = 2;
  step.name = "rebuild";
  {
    StagePrinter printer(console);
    auto on_stage = printer.stage_callback();
    auto on_bytes = printer.progress_callback();
    ASSERT_TRUE(on_bytes);
    migrate::StageEvent event;
    event.step = &step;
    event.stage = migrate::Stage::file_backup;
    event.kind = migrate::StageEvent::Kind::begin;
    on_stage(event);
    on_bytes(50, 100);
    on_bytes(100, 100);
    event.kind = migrate::StageEvent::Kind::end;
    event.elapsed = std::chrono::milliseconds(1200);
    on_stage(event);
    event.stage = migrate::Stage::run;
    event.kind = migrate::StageEvent::Kind::begin;
    event.elapsed = {};
    on_stage(event);
    event.kind = migrate::StageEvent::Kind::progress;
    event.elapsed = std::chrono::milliseconds(2300);
    on_stage(event);
    event.kind = migrate::StageEvent::Kind::end;
    event.elapsed = std::chrono::milliseconds(5100);
    event.failed = true;
    on_stage(event);
  }
  const std::string text = err.str();
  // Redrawn at most every 100 ms, but always at 100%.
  EXPECT_THAT(text, Not(HasSubstr("50%")));
  EXPECT_THAT(text, HasSubstr("\rV2 rebuild: file backup [##############################] 100%"));
  EXPECT_THAT(text, HasSubstr("\rV2 rebuild: file backup \033[32mdone\033[0m in 1.2 s\033[K\n"));
  EXPECT_THAT(text, HasSubstr("\rV2 rebuild: run  | 2.3 s\033[K"));
  EXPECT_THAT(text, HasSubstr("\rV2 rebuild: run \033[1;31mfailed\033[0m after 5.1 s\033[K\n"));
  EXPECT_EQ(out.str(), "");
}

TEST(StagePrinter, GivesNoByteProgressAndNoRedrawsElsewhere) {
  std::ostringstream out;
  std::ostringstream err;
  Console console(out, err, /*terminal=*/false, "safemig");
  StagePrinter printer(console);
  EXPECT_FALSE(printer.progress_callback());
  migrate::MigrationStep step;
  step.version = 7;
  step.name = "big";
  migrate::StageEvent event;
  event.step = &step;
  event.direction = migrate::Direction::down;
  event.stage = migrate::Stage::run;
  event.kind = migrate::StageEvent::Kind::begin;
  printer.on_stage(event);
  event.kind = migrate::StageEvent::Kind::progress;
  event.elapsed = std::chrono::milliseconds(100);
  printer.on_stage(event);
  EXPECT_EQ(err.str(), "");
  event.kind = migrate::StageEvent::Kind::end;
  event.elapsed = std::chrono::milliseconds(850);
  printer.on_stage(event);
  EXPECT_EQ(err.str(), "V7 big (down): run done in 850 ms\n");
}

TEST(StagePrinter, FormatsElapsedTime) {
  EXPECT_EQ(format_elapsed(std::chrono::milliseconds(0)), "0 ms");
  EXPECT_EQ(format_elapsed(std::chrono::milliseconds(999)), "999 ms");
  EXPECT_EQ(format_elapsed(std::chrono::milliseconds(1000)), "1.0 s");
  EXPECT_EQ(format_elapsed(std::chrono::milliseconds(61240)), "61.2 s");
}

}  // namespace
}  // namespace safemig::cli::testing
