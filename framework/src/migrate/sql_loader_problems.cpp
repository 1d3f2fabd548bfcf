// Implements sql_loader_problems.h.
#include "migrate/sql_loader_problems.h"

namespace safemig::migrate::loader {

Error Problems::combined(const std::string& dir) const {
  if (errors_.size() == 1) {
    return errors_.front();
  }
  std::string message = "the migration directory '" + dir + "' has " +
                        std::to_string(errors_.size()) +
                        " problems; fix each of them and run the command again:";
  for (const Error& error : errors_) {
    message += "\n  - " + error.message;
  }
  return Error(errors_.front().code, std::move(message)).with_file(dir);
}

}  // namespace safemig::migrate::loader
