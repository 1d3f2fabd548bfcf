// v2 add_streaming_timings: time to first and last token and tokens per second, added with
// ALTER TABLE ADD COLUMN (down: ALTER TABLE DROP COLUMN, SQLite >= 3.35).
//
// The SQL is frozen text (see safemig/app/history.h): databases that applied v2 hold its
// checksum, so it is never edited or generated.
//
// Thread safety: pure functions returning values.
#include "steps.h"

namespace safemig::app::internal {
namespace {

constexpr const char* kUp =
    R"sql(ALTER TABLE completion_requests ADD COLUMN time_to_first_token_ms INTEGER;
ALTER TABLE completion_requests ADD COLUMN time_to_last_token_ms INTEGER;
ALTER TABLE completion_requests ADD COLUMN tokens_per_second REAL;
)sql";

constexpr const char* kDown = R"sql(ALTER TABLE completion_requests DROP COLUMN tokens_per_second;
ALTER TABLE completion_requests DROP COLUMN time_to_last_token_ms;
ALTER TABLE completion_requests DROP COLUMN time_to_first_token_ms;
)sql";

}  // namespace

schema::Schema schema_v2() {
  schema::Schema s = schema_v1();
  schema::Table& t = s.tables.at(kRequestsTable);
  t.columns.push_back({"time_to_first_token_ms", "INTEGER", false, std::nullopt, 0});
  t.columns.push_back({"time_to_last_token_ms", "INTEGER", false, std::nullopt, 0});
  t.columns.push_back({"tokens_per_second", "REAL", false, std::nullopt, 0});
  return s;
}

migrate::MigrationStep step_v2() {
  migrate::MigrationStep step;
  step.version = 2;
  step.name = "add_streaming_timings";
  step.touched_tables = {kRequestsTable};
  step.up = std::string(kUp);
  step.down = std::string(kDown);
  step.down_touched_tables = {kRequestsTable};
  step.expected_schema = schema_v2();
  return step;
}

}  // namespace safemig::app::internal
