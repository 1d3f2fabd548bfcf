// StageReporter: begin, progress and end of each stage for ManagerOptions::on_stage.
//
// Thread safety: see stage_reporter.h.
#include "stage_reporter.h"

#include <string>

namespace safemig::migrate {
namespace {

constexpr auto kProgressInterval = std::chrono::milliseconds(100);
// Virtual machine steps between two calls of the progress handler: a call costs one clock read,
// and SQLite runs a thousand steps in well under a millisecond.
constexpr int kStepsPerTick = 1000;

}  // namespace

StageReporter::StageReporter(const ManagerOptions& options, const MigrationStep& step,
                             Direction direction)
    : options_(options), step_(step), direction_(direction) {}

Result<void> StageReporter::begin(Stage stage) {
  begin_unchecked(stage);
  if (!options_.before_stage) return {};
  auto allowed = options_.before_stage(stage, step_);
  if (allowed) return {};
  end(true);
  return fail(at_stage(stage, allowed.error()));
}

void StageReporter::begin_unchecked(Stage stage) {
  stage_ = stage;
  open_ = true;
  began_ = std::chrono::steady_clock::now();
  last_report_ = began_;
  report(StageEvent::Kind::begin, began_, false);
}

void StageReporter::end(bool failed) {
  if (!open_) return;
  open_ = false;
  report(StageEvent::Kind::end, std::chrono::steady_clock::now(), failed);
}

void StageReporter::tick() {
  if (!open_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_report_ < kProgressInterval) return;
  last_report_ = now;
  report(StageEvent::Kind::progress, now, false);
}

void StageReporter::report(StageEvent::Kind kind, std::chrono::steady_clock::time_point now,
                           bool failed) {
  if (!options_.on_stage) return;
  StageEvent event;
  event.step = &step_;
  event.direction = direction_;
  event.stage = stage_;
  event.kind = kind;
  event.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - began_);
  event.failed = failed;
  options_.on_stage(event);
}

Error StageReporter::at_stage(Stage stage, const Error& cause) const {
  std::string what = step_.label() + (direction_ == Direction::down ? " (down)" : "") +
                     " failed at stage " + std::string(to_string(stage));
  return cause.with_prefix(what).with_step(step_.label());
}

StageTicks::StageTicks(db::Connection& conn, StageReporter& reporter)
    : conn_(reporter.observed() ? &conn : nullptr) {
  if (conn_ != nullptr)
    conn_->set_progress_handler([&reporter] { reporter.tick(); }, kStepsPerTick);
}

StageTicks::~StageTicks() {
  if (conn_ != nullptr) conn_->set_progress_handler(nullptr, 0);
}

}  // namespace safemig::migrate
