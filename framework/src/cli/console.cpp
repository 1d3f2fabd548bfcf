// Console: error and warning lines, colour on terminals only.
//
// Thread safety: see console.h.
#include "console.h"

#include <utility>

namespace safemig::cli {
namespace {

std::string_view escape_of(Colour colour) {
  switch (colour) {
    case Colour::red:
      return "\033[1;31m";
    case Colour::green:
      return "\033[32m";
    case Colour::yellow:
      return "\033[33m";
    case Colour::bold:
      return "\033[1m";
  }
  return "";
}

constexpr std::size_t kMaxSqlShown = 300;

}  // namespace

Console::Console(std::ostream& out, std::ostream& err, bool terminal, std::string program)
    : out_(out), err_(err), terminal_(terminal), program_(std::move(program)) {}

std::string Console::paint(Colour colour, std::string_view text) const {
  if (!terminal_) return std::string(text);
  return std::string(escape_of(colour)) + std::string(text) + "\033[0m";
}

void Console::error(const Error& error, const std::vector<std::string>& hints) {
  err_ << program_ << ": " << paint(Colour::red, "error:") << ' ' << error.message << '\n';
  if (!error.sql.empty() && error.message.find(error.sql) == std::string::npos) {
    std::string sql = error.sql;
    const auto first = sql.find_first_not_of(" \t\r\n");
    const auto last = sql.find_last_not_of(" \t\r\n");
    sql = first == std::string::npos ? std::string() : sql.substr(first, last - first + 1);
    if (sql.size() > kMaxSqlShown) sql = sql.substr(0, kMaxSqlShown) + " …";
    err_ << "while running: " << sql << '\n';
  }
  for (const std::string& hint : hints) {
    err_ << paint(Colour::yellow, "hint:") << ' ' << hint << '\n';
  }
}

void Console::warning(std::string_view message) {
  err_ << program_ << ": " << paint(Colour::yellow, "warning:") << ' ' << message << '\n';
}

}  // namespace safemig::cli
