// StageReporter: the stages of one step's safe run as the manager's hooks see them. Each stage
// is reported to ManagerOptions::on_stage as it begins and ends, is offered to before_stage
// (fault injection) as it begins, and has its error prefixed with the step and the stage.
// Internal to the SafeMigrationManager.
//
// Thread safety: one step's run, on the manager's thread.
#pragma once

#include <chrono>
#include <type_traits>
#include <utility>

#include "safemig/db/connection.h"
#include "safemig/migrate/safe_migration_manager.h"
#include "safemig/migrate/step.h"

namespace safemig::migrate {

class StageReporter {
 public:
  // REQUIRES: `options` and `step` outlive the reporter.
  StageReporter(const ManagerOptions& options, const MigrationStep& step, Direction direction);
  StageReporter(const StageReporter&) = delete;
  StageReporter& operator=(const StageReporter&) = delete;

  // Runs `work` (returning a Result) as stage `stage`: reports its begin, asks before_stage,
  // runs it and reports its end. The error of either is returned prefixed with the stage.
  template <typename F>
  std::invoke_result_t<F> run(Stage stage, F&& work) {
    if (auto entered = begin(stage); !entered) return fail(std::move(entered).error());
    auto result = std::forward<F>(work)();
    end(!result.has_value());
    if (!result) return fail(at_stage(stage, result.error()));
    return result;
  }

  // Reports a stage whose failure does not fail the step (retention): no before_stage.
  void begin_unchecked(Stage stage);
  void end(bool failed);

  // Reports progress of the open stage, at most every 100 ms. Cheap enough to be called from
  // SQLite's progress handler.
  void tick();
  bool observed() const { return static_cast<bool>(options_.on_stage); }

  // `cause` prefixed with "<step> failed at stage <stage>" and naming the step.
  Error at_stage(Stage stage, const Error& cause) const;

 private:
  // Reports the begin and asks before_stage; on its error the stage ends failed.
  Result<void> begin(Stage stage);
  void report(StageEvent::Kind kind, std::chrono::steady_clock::time_point now, bool failed);

  const ManagerOptions& options_;
  const MigrationStep& step_;
  Direction direction_;
  Stage stage_ = Stage::lock;
  bool open_ = false;
  std::chrono::steady_clock::time_point began_{};
  std::chrono::steady_clock::time_point last_report_{};
};

// While it lives, the connection's progress handler drives reporter.tick() (when anyone observes
// the stages); removed again when it is destroyed.
// REQUIRES: `conn` and `reporter` outlive it.
class StageTicks {
 public:
  StageTicks(db::Connection& conn, StageReporter& reporter);
  ~StageTicks();
  StageTicks(const StageTicks&) = delete;
  StageTicks& operator=(const StageTicks&) = delete;

 private:
  db::Connection* conn_;  // nullptr when no handler was installed.
};

}  // namespace safemig::migrate
