// v3 rebuild_completion_requests: a table rebuild in SQLite's documented order (create new_X,
// copy, drop X, rename new_X to X, recreate indexes) that adds CHECKs against negative tokens
// and times, a UNIQUE request_id (backfilled 'legacy-<id>' for earlier rows), `upstream`, and
// makes model NOT NULL (backfilled 'unknown'). Down rebuilds the v2 shape the same way.
//
// The SQL and verify queries are frozen text (see safemig/app/history.h): databases that applied
// v3 hold their checksum, so they are never edited or generated.
//
// Thread safety: pure functions returning values.
#include <array>
#include <string>

#include "steps.h"

namespace safemig::app::internal {
namespace {

// The CHECKs of the expected schema, as kUp spells them.
constexpr std::array<const char*, 10> kChecks = {
    "timestamp_ms >= 0",     "response_time_ms >= 0",       "max_tokens >= 0",
    "message_count >= 0",    "prompt_tokens >= 0",          "completion_tokens >= 0",
    "total_tokens >= 0",     "time_to_first_token_ms >= 0", "time_to_last_token_ms >= 0",
    "tokens_per_second >= 0"};

constexpr const char* kUp =
    R"sql(CREATE TABLE new_completion_requests (
  id INTEGER PRIMARY KEY,
  timestamp_ms INTEGER NOT NULL,
  request_id TEXT NOT NULL UNIQUE,
  success INTEGER NOT NULL,
  status_code INTEGER,
  response_time_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  origin TEXT,
  upstream TEXT,
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
  error_message TEXT,
  time_to_first_token_ms INTEGER,
  time_to_last_token_ms INTEGER,
  tokens_per_second REAL,
  CHECK (timestamp_ms >= 0),
  CHECK (response_time_ms >= 0),
  CHECK (max_tokens >= 0),
  CHECK (message_count >= 0),
  CHECK (prompt_tokens >= 0),
  CHECK (completion_tokens >= 0),
  CHECK (total_tokens >= 0),
  CHECK (time_to_first_token_ms >= 0),
  CHECK (time_to_last_token_ms >= 0),
  CHECK (tokens_per_second >= 0)
);
INSERT INTO new_completion_requests (id, timestamp_ms,
  request_id, success, status_code, response_time_ms, model, origin, upstream, is_streaming,
  max_tokens, temperature, top_p, message_count, prompt_tokens, completion_tokens, total_tokens,
  finish_reason, error_type, error_message, time_to_first_token_ms, time_to_last_token_ms,
  tokens_per_second)
SELECT id, timestamp_ms, 'legacy-' || id, success, status_code, response_time_ms,
  coalesce(model, 'unknown'), origin, NULL, is_streaming, max_tokens, temperature, top_p,
  message_count, prompt_tokens, completion_tokens, total_tokens, finish_reason, error_type,
  error_message, time_to_first_token_ms, time_to_last_token_ms, tokens_per_second
FROM completion_requests;
DROP TABLE completion_requests;
ALTER TABLE new_completion_requests RENAME TO completion_requests;
CREATE INDEX completion_requests_by_time ON completion_requests (timestamp_ms);
CREATE INDEX completion_requests_by_model_time ON completion_requests (model, timestamp_ms);
)sql";

constexpr const char* kDown =
    R"sql(CREATE TABLE new_completion_requests (
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
  error_message TEXT,
  time_to_first_token_ms INTEGER,
  time_to_last_token_ms INTEGER,
  tokens_per_second REAL
);
INSERT INTO new_completion_requests (id, timestamp_ms, success, status_code, response_time_ms,
  model, origin, is_streaming, max_tokens, temperature, top_p, message_count, prompt_tokens,
  completion_tokens, total_tokens, finish_reason, error_type, error_message,
  time_to_first_token_ms, time_to_last_token_ms, tokens_per_second)
SELECT id, timestamp_ms, success, status_code, response_time_ms, model, origin, is_streaming,
  max_tokens, temperature, top_p, message_count, prompt_tokens, completion_tokens, total_tokens,
  finish_reason, error_type, error_message, time_to_first_token_ms, time_to_last_token_ms,
  tokens_per_second
FROM completion_requests;
DROP TABLE completion_requests;
ALTER TABLE new_completion_requests RENAME TO completion_requests;
CREATE INDEX completion_requests_by_time ON completion_requests (timestamp_ms);
)sql";

}  // namespace

schema::Schema schema_v3() {
  return schema::SchemaBuilder(schema_v2())
      .table(kRequestsTable,
             [](schema::TableBuilder& t) {
               t.column("id", "INTEGER").primary_key();
               t.column("timestamp_ms", "INTEGER").not_null();
               t.column("request_id", "TEXT").not_null();
               t.column("success", "INTEGER").not_null();
               t.column("status_code", "INTEGER");
               t.column("response_time_ms", "INTEGER").not_null();
               t.column("model", "TEXT").not_null();
               t.column("origin", "TEXT");
               t.column("upstream", "TEXT");
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
               t.column("time_to_first_token_ms", "INTEGER");
               t.column("time_to_last_token_ms", "INTEGER");
               t.column("tokens_per_second", "REAL");
               t.unique({"request_id"});
               for (const char* check : kChecks) t.check(check);
               t.index("completion_requests_by_time", {"timestamp_ms"});
               t.index("completion_requests_by_model_time", {"model", "timestamp_ms"});
             })
      .build();
}

migrate::MigrationStep step_v3() {
  migrate::MigrationStep step;
  step.version = 3;
  step.name = "rebuild_completion_requests";
  step.touched_tables = {kRequestsTable};
  step.up = std::string(kUp);
  step.down = std::string(kDown);
  step.down_touched_tables = {kRequestsTable};
  step.rebuilds_tables = true;
  step.row_policy = migrate::RowPolicy::preserve;
  step.verify_sql = {"SELECT count(*) = 0 FROM completion_requests WHERE model IS NULL",
                     "SELECT count(*) = count(DISTINCT request_id) FROM completion_requests"};
  step.expected_schema = schema_v3();
  return step;
}

}  // namespace safemig::app::internal
