// ProgressBar: an in-place progress line for terminals.
//
// Thread safety: see progress_bar.h.
#include "progress_bar.h"

#include <algorithm>
#include <utility>

#include "text_table.h"

namespace safemig::cli {
namespace {

constexpr int kWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

}  // namespace

std::string progress_bar_text(std::uint64_t done, std::uint64_t total) {
  std::string text = "[";
  if (total > 0) {
    const std::uint64_t capped = std::min(done, total);
    const int filled = static_cast<int>(capped * kWidth / total);
    text += std::string(static_cast<std::size_t>(filled), '#');
    text += std::string(static_cast<std::size_t>(kWidth - filled), '.');
    text += "] " + std::to_string(capped * 100 / total) + "%  " + format_size(capped) + " / " +
            format_size(total);
  } else {
    text += std::string(kWidth, '?') + "]  " + format_size(done);
  }
  return text;
}

ProgressBar::ProgressBar(std::ostream& stream, std::string label)
    : stream_(stream), label_(std::move(label)) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::relabel(std::string label) {
  finish();
  label_ = std::move(label);
  last_draw_ = {};
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
  const auto now = std::chrono::steady_clock::now();
  const bool complete = total > 0 && done >= total;
  if (drawn_ && !complete && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  stream_ << '\r' << label_ << ' ' << progress_bar_text(done, total) << "\033[K" << std::flush;
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  stream_ << '\n' << std::flush;
  drawn_ = false;
}

backup::Progress ProgressBar::callback() {
  return [this](std::uint64_t done, std::uint64_t total) { update(done, total); };
}

}  // namespace safemig::cli
