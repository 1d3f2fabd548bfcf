// TempDir: a fresh directory per test, removed with everything in it on destruction.
#pragma once

#include <filesystem>
#include <string>

namespace safemig::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Path of `name` inside the directory, as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Whole contents of a file (binary); empty when it cannot be read.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& contents);

}  // namespace safemig::testing
