// LogCapture: while alive, the default spdlog logger writes into memory so that a test can assert
// on what the code logged; the previous default logger is restored on destruction.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace safemig::proxy::testing {

class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The messages logged so far (without pattern decoration), oldest first.
  std::vector<std::string> messages() const;
  // How many of them contain `fragment`.
  std::size_t count(const std::string& fragment) const;

 private:
  class Sink;
  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace safemig::proxy::testing
