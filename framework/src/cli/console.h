// Console: where the command line writes — normal output, errors with hints, and colour that
// appears only when the stream is a terminal.
//
// Thread safety: one Console per run_cli call; not shared between threads.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "safemig/error.h"

namespace safemig::cli {

enum class Colour { red, green, yellow, bold };

class Console {
 public:
  // `terminal` is whether `err` is a terminal. It enables colour, which is only ever written to
  // `err` (whether `out` is a terminal is not known, and piped output must stay plain).
  Console(std::ostream& out, std::ostream& err, bool terminal, std::string program);

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  bool terminal() const { return terminal_; }
  const std::string& program() const { return program_; }

  // `text` wrapped in the colour's escape codes when err is a terminal; `text` unchanged
  // otherwise. Use it only for text written to err.
  std::string paint(Colour colour, std::string_view text) const;

  // Writes "<program>: error: <message>" and one "hint: <hint>" line per hint to err. A
  // multi-line message keeps its lines. When the error names SQL, a "while running:" line
  // shows its start.
  void error(const Error& error, const std::vector<std::string>& hints = {});
  // Writes "<program>: warning: <message>" to err.
  void warning(std::string_view message);

 private:
  std::ostream& out_;
  std::ostream& err_;
  bool terminal_;
  std::string program_;
};

}  // namespace safemig::cli
