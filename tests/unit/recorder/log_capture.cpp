// LogCapture (see log_capture.h).
#include "log_capture.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

namespace safemig::proxy::testing {

class LogCapture::Sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 protected:
  // Called by base_sink with its own mutex held.
  void sink_it_(const spdlog::details::log_msg& msg) override {
    messages_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> messages_;
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
}

LogCapture::~LogCapture() { spdlog::set_default_logger(previous_); }

std::vector<std::string> LogCapture::messages() const { return sink_->messages(); }

std::size_t LogCapture::count(const std::string& fragment) const {
  const auto all = messages();
  return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const std::string& m) {
    return m.find(fragment) != std::string::npos;
  }));
}

}  // namespace safemig::proxy::testing
