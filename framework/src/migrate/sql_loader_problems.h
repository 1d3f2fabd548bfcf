// Problems: every problem a migration directory has, reported together as one error.
//
// The loader keeps going after a bad file so that a person fixes a directory in one pass
// instead of one file per run.
//
// Thread safety: plain value type.
#pragma once

#include <string>
#include <vector>

#include "safemig/error.h"

namespace safemig::migrate::loader {

class Problems {
 public:
  void add(Error error) { errors_.push_back(std::move(error)); }
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }

  // One error for all problems of `dir`: a single problem is returned as it is; several are
  // listed one per line, in directory order, under the code of the first one (the file
  // context is then the directory).
  Error combined(const std::string& dir) const;

 private:
  std::vector<Error> errors_;
};

}  // namespace safemig::migrate::loader
