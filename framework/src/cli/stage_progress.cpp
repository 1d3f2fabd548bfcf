// StagePrinter: stage lines for migrate and downgrade.
//
// Thread safety: see stage_progress.h.
#include "stage_progress.h"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "progress_bar.h"

namespace safemig::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr char kSpinner[] = {'|', '/', '-', '\\'};

// "V2 rebuild (down): file backup".
std::string stage_label(const migrate::StageEvent& event) {
  std::string stage(migrate::to_string(event.stage));
  std::replace(stage.begin(), stage.end(), '_', ' ');
  return event.step->label() + (event.direction == migrate::Direction::down ? " (down)" : "") +
         ": " + stage;
}

}  // namespace

std::string format_elapsed(std::chrono::milliseconds elapsed) {
  if (elapsed < std::chrono::seconds(1)) return std::to_string(elapsed.count()) + " ms";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(elapsed.count()) / 1000.0);
  return text;
}

StagePrinter::StagePrinter(Console& console) : console_(console), terminal_(console.terminal()) {}

StagePrinter::~StagePrinter() { end_line(); }

void StagePrinter::on_stage(const migrate::StageEvent& event) {
  using Kind = migrate::StageEvent::Kind;
  switch (event.kind) {
    case Kind::begin:
      end_line();
      label_ = stage_label(event);
      in_file_copy_ = event.stage == migrate::Stage::file_backup;
      spin_ = 0;
      draw(label_);
      return;
    case Kind::progress:
      draw(label_ + "  " + kSpinner[spin_++ % sizeof kSpinner] + ' ' +
           format_elapsed(event.elapsed));
      return;
    case Kind::end: {
      const std::string outcome = event.failed ? console_.paint(Colour::red, "failed") + " after "
                                               : console_.paint(Colour::green, "done") + " in ";
      std::ostream& err = console_.err();
      if (terminal_) err << '\r';
      err << stage_label(event) << ' ' << outcome << format_elapsed(event.elapsed);
      if (terminal_) err << "\033[K";
      err << '\n' << std::flush;
      drawn_ = false;
      label_.clear();
      in_file_copy_ = false;
      return;
    }
  }
}

void StagePrinter::on_bytes(std::uint64_t done, std::uint64_t total) {
  if (!terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool complete = total > 0 && done >= total;
  if (drawn_ && !complete && now - last_draw_ < kRedrawInterval) return;
  // Outside the file backup stage, bytes are the restore of the backup after a failed step.
  const std::string label = in_file_copy_ ? label_ : "restoring the file backup";
  draw(label + ' ' + progress_bar_text(done, total));
}

std::function<void(const migrate::StageEvent&)> StagePrinter::stage_callback() {
  return [this](const migrate::StageEvent& event) { on_stage(event); };
}

backup::Progress StagePrinter::progress_callback() {
  if (!terminal_) return {};
  return [this](std::uint64_t done, std::uint64_t total) { on_bytes(done, total); };
}

void StagePrinter::draw(const std::string& text) {
  if (!terminal_) return;
  console_.err() << '\r' << text << "\033[K" << std::flush;
  drawn_ = true;
  last_draw_ = std::chrono::steady_clock::now();
}

void StagePrinter::end_line() {
  if (!drawn_) return;
  console_.err() << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace safemig::cli
