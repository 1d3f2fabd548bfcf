// v1 create_completion_requests: the seed's table of recorded completion requests and its time
// index.
//
// The SQL is frozen text (see safemig/app/history.h): databases that applied v1 hold its
// checksum, so it is never edited or generated.
//
// Thread safety: pure functions returning values.
#include "steps.h"

namespace safemig::app::internal {
namespace {

constexpr const char* kUp = R"sql(CREATE TABLE completion_requests (
  id INTEGER PRIMARY KEY,
  timestamp_ms INTEGER NOT NULL,
  success INTEGER NOT NULL,
  status_code INTEGER,
  response_time_ms INTEGER NOT NULL,
  model TEXT,
  origin TEXT,
  is_streaming INTEGER NOT NULL DEFAULT 0,
  max_tokens INTEGER,
  temperature REAL,
  top_p REAL,
  message_count INTEGER,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  total_tokens INTEGER,
  finish_reason TEXT,
  error_type TEXT,
  error_message TEXT
);
CREATE INDEX completion_requests_by_time ON completion_requests (timestamp_ms);
)sql";

constexpr const char* kDown = R"sql(DROP INDEX completion_requests_by_time;
DROP TABLE completion_requests;
)sql";

}  // namespace

schema::Schema schema_v1() {
  return schema::SchemaBuilder()
      .table(kRequestsTable,
             [](schema::TableBuilder& t) {
               t.column("id", "INTEGER").primary_key();
               t.column("timestamp_ms", "INTEGER").not_null();
               t.column("success", "INTEGER").not_null();
               t.column("status_code", "INTEGER");
               t.column("response_time_ms", "INTEGER").not_null();
               t.column("model", "TEXT");
               t.column("origin", "TEXT");
               t.column("is_streaming", "INTEGER").not_null().default_value("0");
               t.column("max_tokens", "INTEGER");
               t.column("temperature", "REAL");
               t.column("top_p", "REAL");
               t.column("message_count", "INTEGER");
               t.column("prompt_tokens", "INTEGER");
               t.column("completion_tokens", "INTEGER");
               t.column("total_tokens", "INTEGER");
               t.column("finish_reason", "TEXT");
               t.column("error_type", "TEXT");
               t.column("error_message", "TEXT");
               t.index("completion_requests_by_time", {"timestamp_ms"});
             })
      .build();
}

migrate::MigrationStep step_v1() {
  migrate::MigrationStep step;
  step.version = 1;
  step.name = "create_completion_requests";
  step.up = std::string(kUp);
  step.down = std::string(kDown);
  step.down_touched_tables = {kRequestsTable};
  step.expected_schema = schema_v1();
  return step;
}

}  // namespace safemig::app::internal
