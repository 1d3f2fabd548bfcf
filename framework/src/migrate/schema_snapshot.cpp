#include "safemig/migrate/schema_snapshot.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "safemig/schema/schema_json.h"

namespace safemig::migrate {

namespace fs = std::filesystem;

std::string schema_snapshot_path(const std::string& dir, Version version) {
  return (fs::path(dir) / ("V" + std::to_string(version) + ".schema.json")).string();
}

Result<std::optional<schema::Schema>> read_schema_snapshot(const std::string& dir,
                                                           Version version) {
  const std::string path = schema_snapshot_path(dir, version);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<schema::Schema>{};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Error(ErrorCode::io,
                      "cannot read the schema snapshot '" + path + "': " + std::strerror(errno))
                    .with_file(path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = schema::schema_from_json(text.str());
  if (!parsed) {
    return fail(parsed.error()
                    .with_prefix("the schema snapshot '" + path +
                                 "' is not valid (rewrite it with 'safemig schema snapshot "
                                 "--force' at that version, or delete it)")
                    .with_file(path));
  }
  return std::optional<schema::Schema>(std::move(*parsed));
}

Result<std::string> write_schema_snapshot(const std::string& dir, Version version,
                                          const schema::Schema& schema, bool overwrite) {
  const std::string path = schema_snapshot_path(dir, version);
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec)) {
    return fail(Error(ErrorCode::invalid_input,
                      "the schema snapshot '" + path +
                          "' already exists; pass --force to replace it after reviewing the "
                          "difference ('safemig verify' shows it)")
                    .with_file(path));
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << schema::to_json(schema);
    out.flush();
    if (!out) {
      return fail(Error(ErrorCode::io, "cannot write '" + tmp + "': " + std::strerror(errno) +
                                           "; check that the migrations directory is writable")
                      .with_file(tmp));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    return fail(Error(ErrorCode::io, "cannot rename '" + tmp + "' to '" + path + "': " + reason)
                    .with_file(path));
  }
  return path;
}

}  // namespace safemig::migrate
