// v4 add_rollups: per-minute, per-hour and per-day rollups (counts, sums, latency histograms) and
// label counts per model and streaming flag, backfilled from existing rows, so range metrics cost
// O(days + hours + minutes at the edges) instead of O(rows). The writer DAO keeps them current.
//
// The SQL, the verify queries and the expected schema are frozen text (see
// safemig/app/history.h). They match the DAO's rollup layout (safemig/dao/rollup_layout.h,
// safemig/dao/latency_buckets.h) as v4 created it, but do not read it: databases that applied v4
// hold its checksum and its tables, which a later change of the layout does not alter. Such a
// change is a new step that migrates these tables, never an edit of this one;
// v5 is such a step; tests/unit/app/rollup_layout_test.cpp checks the latest one.
//
// Thread safety: pure functions returning values.
#include <array>
#include <string>

#include "steps.h"

namespace safemig::app::internal {
namespace {

constexpr const char* kMinuteRollupTable = "completion_rollups_minute";
constexpr const char* kHourRollupTable = "completion_rollups_hour";
constexpr const char* kDayRollupTable = "completion_rollups_day";
constexpr const char* kMinuteLabelTable = "completion_label_rollups_minute";
constexpr const char* kHourLabelTable = "completion_label_rollups_hour";
constexpr const char* kDayLabelTable = "completion_label_rollups_day";

// The value columns of the three rollup tables, in the order kUp creates them.
constexpr std::array<const char*, 62> kValueColumns = {"requests",
                                                       "successes",
                                                       "errors",
                                                       "prompt_tokens",
                                                       "completion_tokens",
                                                       "total_tokens",
                                                       "response_time_sum_ms",
                                                       "ttft_sum_ms",
                                                       "ttft_count",
                                                       "ttlt_sum_ms",
                                                       "ttlt_count",
                                                       "rt_b00",
                                                       "rt_b01",
                                                       "rt_b02",
                                                       "rt_b03",
                                                       "rt_b04",
                                                       "rt_b05",
                                                       "rt_b06",
                                                       "rt_b07",
                                                       "rt_b08",
                                                       "rt_b09",
                                                       "rt_b10",
                                                       "rt_b11",
                                                       "rt_b12",
                                                       "rt_b13",
                                                       "rt_b14",
                                                       "rt_b15",
                                                       "rt_b16",
                                                       "ttft_b00",
                                                       "ttft_b01",
                                                       "ttft_b02",
                                                       "ttft_b03",
                                                       "ttft_b04",
                                                       "ttft_b05",
                                                       "ttft_b06",
                                                       "ttft_b07",
                                                       "ttft_b08",
                                                       "ttft_b09",
                                                       "ttft_b10",
                                                       "ttft_b11",
                                                       "ttft_b12",
                                                       "ttft_b13",
                                                       "ttft_b14",
                                                       "ttft_b15",
                                                       "ttft_b16",
                                                       "ttlt_b00",
                                                       "ttlt_b01",
                                                       "ttlt_b02",
                                                       "ttlt_b03",
                                                       "ttlt_b04",
                                                       "ttlt_b05",
                                                       "ttlt_b06",
                                                       "ttlt_b07",
                                                       "ttlt_b08",
                                                       "ttlt_b09",
                                                       "ttlt_b10",
                                                       "ttlt_b11",
                                                       "ttlt_b12",
                                                       "ttlt_b13",
                                                       "ttlt_b14",
                                                       "ttlt_b15",
                                                       "ttlt_b16"};

constexpr const char* kUp =
    R"sql(CREATE TABLE completion_rollups_minute (
  minute_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  is_streaming INTEGER NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  successes INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  response_time_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttft_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttft_count INTEGER NOT NULL DEFAULT 0,
  ttlt_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttlt_count INTEGER NOT NULL DEFAULT 0,
  rt_b00 INTEGER NOT NULL DEFAULT 0,
  rt_b01 INTEGER NOT NULL DEFAULT 0,
  rt_b02 INTEGER NOT NULL DEFAULT 0,
  rt_b03 INTEGER NOT NULL DEFAULT 0,
  rt_b04 INTEGER NOT NULL DEFAULT 0,
  rt_b05 INTEGER NOT NULL DEFAULT 0,
  rt_b06 INTEGER NOT NULL DEFAULT 0,
  rt_b07 INTEGER NOT NULL DEFAULT 0,
  rt_b08 INTEGER NOT NULL DEFAULT 0,
  rt_b09 INTEGER NOT NULL DEFAULT 0,
  rt_b10 INTEGER NOT NULL DEFAULT 0,
  rt_b11 INTEGER NOT NULL DEFAULT 0,
  rt_b12 INTEGER NOT NULL DEFAULT 0,
  rt_b13 INTEGER NOT NULL DEFAULT 0,
  rt_b14 INTEGER NOT NULL DEFAULT 0,
  rt_b15 INTEGER NOT NULL DEFAULT 0,
  rt_b16 INTEGER NOT NULL DEFAULT 0,
  ttft_b00 INTEGER NOT NULL DEFAULT 0,
  ttft_b01 INTEGER NOT NULL DEFAULT 0,
  ttft_b02 INTEGER NOT NULL DEFAULT 0,
  ttft_b03 INTEGER NOT NULL DEFAULT 0,
  ttft_b04 INTEGER NOT NULL DEFAULT 0,
  ttft_b05 INTEGER NOT NULL DEFAULT 0,
  ttft_b06 INTEGER NOT NULL DEFAULT 0,
  ttft_b07 INTEGER NOT NULL DEFAULT 0,
  ttft_b08 INTEGER NOT NULL DEFAULT 0,
  ttft_b09 INTEGER NOT NULL DEFAULT 0,
  ttft_b10 INTEGER NOT NULL DEFAULT 0,
  ttft_b11 INTEGER NOT NULL DEFAULT 0,
  ttft_b12 INTEGER NOT NULL DEFAULT 0,
  ttft_b13 INTEGER NOT NULL DEFAULT 0,
  ttft_b14 INTEGER NOT NULL DEFAULT 0,
  ttft_b15 INTEGER NOT NULL DEFAULT 0,
  ttft_b16 INTEGER NOT NULL DEFAULT 0,
  ttlt_b00 INTEGER NOT NULL DEFAULT 0,
  ttlt_b01 INTEGER NOT NULL DEFAULT 0,
  ttlt_b02 INTEGER NOT NULL DEFAULT 0,
  ttlt_b03 INTEGER NOT NULL DEFAULT 0,
  ttlt_b04 INTEGER NOT NULL DEFAULT 0,
  ttlt_b05 INTEGER NOT NULL DEFAULT 0,
  ttlt_b06 INTEGER NOT NULL DEFAULT 0,
  ttlt_b07 INTEGER NOT NULL DEFAULT 0,
  ttlt_b08 INTEGER NOT NULL DEFAULT 0,
  ttlt_b09 INTEGER NOT NULL DEFAULT 0,
  ttlt_b10 INTEGER NOT NULL DEFAULT 0,
  ttlt_b11 INTEGER NOT NULL DEFAULT 0,
  ttlt_b12 INTEGER NOT NULL DEFAULT 0,
  ttlt_b13 INTEGER NOT NULL DEFAULT 0,
  ttlt_b14 INTEGER NOT NULL DEFAULT 0,
  ttlt_b15 INTEGER NOT NULL DEFAULT 0,
  ttlt_b16 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute_ms, model, is_streaming)
) WITHOUT ROWID;
CREATE TABLE completion_rollups_hour (
  hour_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  is_streaming INTEGER NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  successes INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  response_time_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttft_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttft_count INTEGER NOT NULL DEFAULT 0,
  ttlt_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttlt_count INTEGER NOT NULL DEFAULT 0,
  rt_b00 INTEGER NOT NULL DEFAULT 0,
  rt_b01 INTEGER NOT NULL DEFAULT 0,
  rt_b02 INTEGER NOT NULL DEFAULT 0,
  rt_b03 INTEGER NOT NULL DEFAULT 0,
  rt_b04 INTEGER NOT NULL DEFAULT 0,
  rt_b05 INTEGER NOT NULL DEFAULT 0,
  rt_b06 INTEGER NOT NULL DEFAULT 0,
  rt_b07 INTEGER NOT NULL DEFAULT 0,
  rt_b08 INTEGER NOT NULL DEFAULT 0,
  rt_b09 INTEGER NOT NULL DEFAULT 0,
  rt_b10 INTEGER NOT NULL DEFAULT 0,
  rt_b11 INTEGER NOT NULL DEFAULT 0,
  rt_b12 INTEGER NOT NULL DEFAULT 0,
  rt_b13 INTEGER NOT NULL DEFAULT 0,
  rt_b14 INTEGER NOT NULL DEFAULT 0,
  rt_b15 INTEGER NOT NULL DEFAULT 0,
  rt_b16 INTEGER NOT NULL DEFAULT 0,
  ttft_b00 INTEGER NOT NULL DEFAULT 0,
  ttft_b01 INTEGER NOT NULL DEFAULT 0,
  ttft_b02 INTEGER NOT NULL DEFAULT 0,
  ttft_b03 INTEGER NOT NULL DEFAULT 0,
  ttft_b04 INTEGER NOT NULL DEFAULT 0,
  ttft_b05 INTEGER NOT NULL DEFAULT 0,
  ttft_b06 INTEGER NOT NULL DEFAULT 0,
  ttft_b07 INTEGER NOT NULL DEFAULT 0,
  ttft_b08 INTEGER NOT NULL DEFAULT 0,
  ttft_b09 INTEGER NOT NULL DEFAULT 0,
  ttft_b10 INTEGER NOT NULL DEFAULT 0,
  ttft_b11 INTEGER NOT NULL DEFAULT 0,
  ttft_b12 INTEGER NOT NULL DEFAULT 0,
  ttft_b13 INTEGER NOT NULL DEFAULT 0,
  ttft_b14 INTEGER NOT NULL DEFAULT 0,
  ttft_b15 INTEGER NOT NULL DEFAULT 0,
  ttft_b16 INTEGER NOT NULL DEFAULT 0,
  ttlt_b00 INTEGER NOT NULL DEFAULT 0,
  ttlt_b01 INTEGER NOT NULL DEFAULT 0,
  ttlt_b02 INTEGER NOT NULL DEFAULT 0,
  ttlt_b03 INTEGER NOT NULL DEFAULT 0,
  ttlt_b04 INTEGER NOT NULL DEFAULT 0,
  ttlt_b05 INTEGER NOT NULL DEFAULT 0,
  ttlt_b06 INTEGER NOT NULL DEFAULT 0,
  ttlt_b07 INTEGER NOT NULL DEFAULT 0,
  ttlt_b08 INTEGER NOT NULL DEFAULT 0,
  ttlt_b09 INTEGER NOT NULL DEFAULT 0,
  ttlt_b10 INTEGER NOT NULL DEFAULT 0,
  ttlt_b11 INTEGER NOT NULL DEFAULT 0,
  ttlt_b12 INTEGER NOT NULL DEFAULT 0,
  ttlt_b13 INTEGER NOT NULL DEFAULT 0,
  ttlt_b14 INTEGER NOT NULL DEFAULT 0,
  ttlt_b15 INTEGER NOT NULL DEFAULT 0,
  ttlt_b16 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hour_ms, model, is_streaming)
) WITHOUT ROWID;
CREATE TABLE completion_rollups_day (
  day_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  is_streaming INTEGER NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  successes INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  response_time_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttft_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttft_count INTEGER NOT NULL DEFAULT 0,
  ttlt_sum_ms INTEGER NOT NULL DEFAULT 0,
  ttlt_count INTEGER NOT NULL DEFAULT 0,
  rt_b00 INTEGER NOT NULL DEFAULT 0,
  rt_b01 INTEGER NOT NULL DEFAULT 0,
  rt_b02 INTEGER NOT NULL DEFAULT 0,
  rt_b03 INTEGER NOT NULL DEFAULT 0,
  rt_b04 INTEGER NOT NULL DEFAULT 0,
  rt_b05 INTEGER NOT NULL DEFAULT 0,
  rt_b06 INTEGER NOT NULL DEFAULT 0,
  rt_b07 INTEGER NOT NULL DEFAULT 0,
  rt_b08 INTEGER NOT NULL DEFAULT 0,
  rt_b09 INTEGER NOT NULL DEFAULT 0,
  rt_b10 INTEGER NOT NULL DEFAULT 0,
  rt_b11 INTEGER NOT NULL DEFAULT 0,
  rt_b12 INTEGER NOT NULL DEFAULT 0,
  rt_b13 INTEGER NOT NULL DEFAULT 0,
  rt_b14 INTEGER NOT NULL DEFAULT 0,
  rt_b15 INTEGER NOT NULL DEFAULT 0,
  rt_b16 INTEGER NOT NULL DEFAULT 0,
  ttft_b00 INTEGER NOT NULL DEFAULT 0,
  ttft_b01 INTEGER NOT NULL DEFAULT 0,
  ttft_b02 INTEGER NOT NULL DEFAULT 0,
  ttft_b03 INTEGER NOT NULL DEFAULT 0,
  ttft_b04 INTEGER NOT NULL DEFAULT 0,
  ttft_b05 INTEGER NOT NULL DEFAULT 0,
  ttft_b06 INTEGER NOT NULL DEFAULT 0,
  ttft_b07 INTEGER NOT NULL DEFAULT 0,
  ttft_b08 INTEGER NOT NULL DEFAULT 0,
  ttft_b09 INTEGER NOT NULL DEFAULT 0,
  ttft_b10 INTEGER NOT NULL DEFAULT 0,
  ttft_b11 INTEGER NOT NULL DEFAULT 0,
  ttft_b12 INTEGER NOT NULL DEFAULT 0,
  ttft_b13 INTEGER NOT NULL DEFAULT 0,
  ttft_b14 INTEGER NOT NULL DEFAULT 0,
  ttft_b15 INTEGER NOT NULL DEFAULT 0,
  ttft_b16 INTEGER NOT NULL DEFAULT 0,
  ttlt_b00 INTEGER NOT NULL DEFAULT 0,
  ttlt_b01 INTEGER NOT NULL DEFAULT 0,
  ttlt_b02 INTEGER NOT NULL DEFAULT 0,
  ttlt_b03 INTEGER NOT NULL DEFAULT 0,
  ttlt_b04 INTEGER NOT NULL DEFAULT 0,
  ttlt_b05 INTEGER NOT NULL DEFAULT 0,
  ttlt_b06 INTEGER NOT NULL DEFAULT 0,
  ttlt_b07 INTEGER NOT NULL DEFAULT 0,
  ttlt_b08 INTEGER NOT NULL DEFAULT 0,
  ttlt_b09 INTEGER NOT NULL DEFAULT 0,
  ttlt_b10 INTEGER NOT NULL DEFAULT 0,
  ttlt_b11 INTEGER NOT NULL DEFAULT 0,
  ttlt_b12 INTEGER NOT NULL DEFAULT 0,
  ttlt_b13 INTEGER NOT NULL DEFAULT 0,
  ttlt_b14 INTEGER NOT NULL DEFAULT 0,
  ttlt_b15 INTEGER NOT NULL DEFAULT 0,
  ttlt_b16 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day_ms, model, is_streaming)
) WITHOUT ROWID;
CREATE TABLE completion_label_rollups_minute (
  minute_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  is_streaming INTEGER NOT NULL,
  label TEXT NOT NULL,
  value TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute_ms, model, is_streaming, label, value)
) WITHOUT ROWID;
CREATE TABLE completion_label_rollups_hour (
  hour_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  is_streaming INTEGER NOT NULL,
  label TEXT NOT NULL,
  value TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hour_ms, model, is_streaming, label, value)
) WITHOUT ROWID;
CREATE TABLE completion_label_rollups_day (
  day_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  is_streaming INTEGER NOT NULL,
  label TEXT NOT NULL,
  value TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day_ms, model, is_streaming, label, value)
) WITHOUT ROWID;
INSERT INTO completion_rollups_minute (minute_ms, model, is_streaming, requests, successes, )sql"
    R"sql(errors, prompt_tokens, completion_tokens, total_tokens, response_time_sum_ms, )sql"
    R"sql(ttft_sum_ms, ttft_count, ttlt_sum_ms, ttlt_count, rt_b00, rt_b01, rt_b02, rt_b03, )sql"
    R"sql(rt_b04, rt_b05, rt_b06, rt_b07, rt_b08, rt_b09, rt_b10, rt_b11, rt_b12, rt_b13, )sql"
    R"sql(rt_b14, rt_b15, rt_b16, ttft_b00, ttft_b01, ttft_b02, ttft_b03, ttft_b04, ttft_b05, )sql"
    R"sql(ttft_b06, ttft_b07, ttft_b08, ttft_b09, ttft_b10, ttft_b11, ttft_b12, ttft_b13, )sql"
    R"sql(ttft_b14, ttft_b15, ttft_b16, ttlt_b00, ttlt_b01, ttlt_b02, ttlt_b03, ttlt_b04, )sql"
    R"sql(ttlt_b05, ttlt_b06, ttlt_b07, ttlt_b08, ttlt_b09, ttlt_b10, ttlt_b11, ttlt_b12, )sql"
    R"sql(ttlt_b13, ttlt_b14, ttlt_b15, ttlt_b16)
SELECT timestamp_ms / 60000 * 60000, model, is_streaming != 0, count(*),
  coalesce(sum(success != 0), 0), coalesce(sum(success = 0), 0),
  coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
  coalesce(sum(total_tokens), 0), coalesce(sum(response_time_ms), 0),
  coalesce(sum(time_to_first_token_ms), 0), count(time_to_first_token_ms),
  coalesce(sum(time_to_last_token_ms), 0), count(time_to_last_token_ms),
  coalesce(sum(response_time_ms <= 1), 0),
  coalesce(sum(response_time_ms > 1 AND response_time_ms <= 2), 0),
  coalesce(sum(response_time_ms > 2 AND response_time_ms <= 5), 0),
  coalesce(sum(response_time_ms > 5 AND response_time_ms <= 10), 0),
  coalesce(sum(response_time_ms > 10 AND response_time_ms <= 20), 0),
  coalesce(sum(response_time_ms > 20 AND response_time_ms <= 50), 0),
  coalesce(sum(response_time_ms > 50 AND response_time_ms <= 100), 0),
  coalesce(sum(response_time_ms > 100 AND response_time_ms <= 200), 0),
  coalesce(sum(response_time_ms > 200 AND response_time_ms <= 500), 0),
  coalesce(sum(response_time_ms > 500 AND response_time_ms <= 1000), 0),
  coalesce(sum(response_time_ms > 1000 AND response_time_ms <= 2000), 0),
  coalesce(sum(response_time_ms > 2000 AND response_time_ms <= 5000), 0),
  coalesce(sum(response_time_ms > 5000 AND response_time_ms <= 10000), 0),
  coalesce(sum(response_time_ms > 10000 AND response_time_ms <= 20000), 0),
  coalesce(sum(response_time_ms > 20000 AND response_time_ms <= 50000), 0),
  coalesce(sum(response_time_ms > 50000 AND response_time_ms <= 100000), 0),
  coalesce(sum(response_time_ms > 100000), 0),
  coalesce(sum(time_to_first_token_ms <= 1), 0),
  coalesce(sum(time_to_first_token_ms > 1 AND time_to_first_token_ms <= 2), 0),
  coalesce(sum(time_to_first_token_ms > 2 AND time_to_first_token_ms <= 5), 0),
  coalesce(sum(time_to_first_token_ms > 5 AND time_to_first_token_ms <= 10), 0),
  coalesce(sum(time_to_first_token_ms > 10 AND time_to_first_token_ms <= 20), 0),
  coalesce(sum(time_to_first_token_ms > 20 AND time_to_first_token_ms <= 50), 0),
  coalesce(sum(time_to_first_token_ms > 50 AND time_to_first_token_ms <= 100), 0),
  coalesce(sum(time_to_first_token_ms > 100 AND time_to_first_token_ms <= 200), 0),
  coalesce(sum(time_to_first_token_ms > 200 AND time_to_first_token_ms <= 500), 0),
  coalesce(sum(time_to_first_token_ms > 500 AND time_to_first_token_ms <= 1000), 0),
  coalesce(sum(time_to_first_token_ms > 1000 AND time_to_first_token_ms <= 2000), 0),
  coalesce(sum(time_to_first_token_ms > 2000 AND time_to_first_token_ms <= 5000), 0),
  coalesce(sum(time_to_first_token_ms > 5000 AND time_to_first_token_ms <= 10000), 0),
  coalesce(sum(time_to_first_token_ms > 10000 AND time_to_first_token_ms <= 20000), 0),
  coalesce(sum(time_to_first_token_ms > 20000 AND time_to_first_token_ms <= 50000), 0),
  coalesce(sum(time_to_first_token_ms > 50000 AND time_to_first_token_ms <= 100000), 0),
  coalesce(sum(time_to_first_token_ms > 100000), 0),
  coalesce(sum(time_to_last_token_ms <= 1), 0),
  coalesce(sum(time_to_last_token_ms > 1 AND time_to_last_token_ms <= 2), 0),
  coalesce(sum(time_to_last_token_ms > 2 AND time_to_last_token_ms <= 5), 0),
  coalesce(sum(time_to_last_token_ms > 5 AND time_to_last_token_ms <= 10), 0),
  coalesce(sum(time_to_last_token_ms > 10 AND time_to_last_token_ms <= 20), 0),
  coalesce(sum(time_to_last_token_ms > 20 AND time_to_last_token_ms <= 50), 0),
  coalesce(sum(time_to_last_token_ms > 50 AND time_to_last_token_ms <= 100), 0),
  coalesce(sum(time_to_last_token_ms > 100 AND time_to_last_token_ms <= 200), 0),
  coalesce(sum(time_to_last_token_ms > 200 AND time_to_last_token_ms <= 500), 0),
  coalesce(sum(time_to_last_token_ms > 500 AND time_to_last_token_ms <= 1000), 0),
  coalesce(sum(time_to_last_token_ms > 1000 AND time_to_last_token_ms <= 2000), 0),
  coalesce(sum(time_to_last_token_ms > 2000 AND time_to_last_token_ms <= 5000), 0),
  coalesce(sum(time_to_last_token_ms > 5000 AND time_to_last_token_ms <= 10000), 0),
  coalesce(sum(time_to_last_token_ms > 10000 AND time_to_last_token_ms <= 20000), 0),
  coalesce(sum(time_to_last_token_ms > 20000 AND time_to_last_token_ms <= 50000), 0),
  coalesce(sum(time_to_last_token_ms > 50000 AND time_to_last_token_ms <= 100000), 0),
  coalesce(sum(time_to_last_token_ms > 100000), 0)
FROM completion_requests GROUP BY 1, 2, 3;
INSERT INTO completion_rollups_hour (hour_ms, model, is_streaming, requests, successes, )sql"
    R"sql(errors, prompt_tokens, completion_tokens, total_tokens, response_time_sum_ms, )sql"
    R"sql(ttft_sum_ms, ttft_count, ttlt_sum_ms, ttlt_count, rt_b00, rt_b01, rt_b02, rt_b03, )sql"
    R"sql(rt_b04, rt_b05, rt_b06, rt_b07, rt_b08, rt_b09, rt_b10, rt_b11, rt_b12, rt_b13, )sql"
    R"sql(rt_b14, rt_b15, rt_b16, ttft_b00, ttft_b01, ttft_b02, ttft_b03, ttft_b04, ttft_b05, )sql"
    R"sql(ttft_b06, ttft_b07, ttft_b08, ttft_b09, ttft_b10, ttft_b11, ttft_b12, ttft_b13, )sql"
    R"sql(ttft_b14, ttft_b15, ttft_b16, ttlt_b00, ttlt_b01, ttlt_b02, ttlt_b03, ttlt_b04, )sql"
    R"sql(ttlt_b05, ttlt_b06, ttlt_b07, ttlt_b08, ttlt_b09, ttlt_b10, ttlt_b11, ttlt_b12, )sql"
    R"sql(ttlt_b13, ttlt_b14, ttlt_b15, ttlt_b16)
SELECT minute_ms / 3600000 * 3600000, model, is_streaming, sum(requests), sum(successes), )sql"
    R"sql(sum(errors), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), )sql"
    R"sql(sum(response_time_sum_ms), sum(ttft_sum_ms), sum(ttft_count), sum(ttlt_sum_ms), )sql"
    R"sql(sum(ttlt_count), sum(rt_b00), sum(rt_b01), sum(rt_b02), sum(rt_b03), sum(rt_b04), )sql"
    R"sql(sum(rt_b05), sum(rt_b06), sum(rt_b07), sum(rt_b08), sum(rt_b09), sum(rt_b10), )sql"
    R"sql(sum(rt_b11), sum(rt_b12), sum(rt_b13), sum(rt_b14), sum(rt_b15), sum(rt_b16), )sql"
    R"sql(sum(ttft_b00), sum(ttft_b01), sum(ttft_b02), sum(ttft_b03), sum(ttft_b04), )sql"
    R"sql(sum(ttft_b05), sum(ttft_b06), sum(ttft_b07), sum(ttft_b08), sum(ttft_b09), )sql"
    R"sql(sum(ttft_b10), sum(ttft_b11), sum(ttft_b12), sum(ttft_b13), sum(ttft_b14), )sql"
    R"sql(sum(ttft_b15), sum(ttft_b16), sum(ttlt_b00), sum(ttlt_b01), sum(ttlt_b02), )sql"
    R"sql(sum(ttlt_b03), sum(ttlt_b04), sum(ttlt_b05), sum(ttlt_b06), sum(ttlt_b07), )sql"
    R"sql(sum(ttlt_b08), sum(ttlt_b09), sum(ttlt_b10), sum(ttlt_b11), sum(ttlt_b12), )sql"
    R"sql(sum(ttlt_b13), sum(ttlt_b14), sum(ttlt_b15), sum(ttlt_b16)
FROM completion_rollups_minute GROUP BY 1, 2, 3;
INSERT INTO completion_rollups_day (day_ms, model, is_streaming, requests, successes, errors, )sql"
    R"sql(prompt_tokens, completion_tokens, total_tokens, response_time_sum_ms, ttft_sum_ms, )sql"
    R"sql(ttft_count, ttlt_sum_ms, ttlt_count, rt_b00, rt_b01, rt_b02, rt_b03, rt_b04, )sql"
    R"sql(rt_b05, rt_b06, rt_b07, rt_b08, rt_b09, rt_b10, rt_b11, rt_b12, rt_b13, rt_b14, )sql"
    R"sql(rt_b15, rt_b16, ttft_b00, ttft_b01, ttft_b02, ttft_b03, ttft_b04, ttft_b05, )sql"
    R"sql(ttft_b06, ttft_b07, ttft_b08, ttft_b09, ttft_b10, ttft_b11, ttft_b12, ttft_b13, )sql"
    R"sql(ttft_b14, ttft_b15, ttft_b16, ttlt_b00, ttlt_b01, ttlt_b02, ttlt_b03, ttlt_b04, )sql"
    R"sql(ttlt_b05, ttlt_b06, ttlt_b07, ttlt_b08, ttlt_b09, ttlt_b10, ttlt_b11, ttlt_b12, )sql"
    R"sql(ttlt_b13, ttlt_b14, ttlt_b15, ttlt_b16)
SELECT hour_ms / 86400000 * 86400000, model, is_streaming, sum(requests), sum(successes), )sql"
    R"sql(sum(errors), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), )sql"
    R"sql(sum(response_time_sum_ms), sum(ttft_sum_ms), sum(ttft_count), sum(ttlt_sum_ms), )sql"
    R"sql(sum(ttlt_count), sum(rt_b00), sum(rt_b01), sum(rt_b02), sum(rt_b03), sum(rt_b04), )sql"
    R"sql(sum(rt_b05), sum(rt_b06), sum(rt_b07), sum(rt_b08), sum(rt_b09), sum(rt_b10), )sql"
    R"sql(sum(rt_b11), sum(rt_b12), sum(rt_b13), sum(rt_b14), sum(rt_b15), sum(rt_b16), )sql"
    R"sql(sum(ttft_b00), sum(ttft_b01), sum(ttft_b02), sum(ttft_b03), sum(ttft_b04), )sql"
    R"sql(sum(ttft_b05), sum(ttft_b06), sum(ttft_b07), sum(ttft_b08), sum(ttft_b09), )sql"
    R"sql(sum(ttft_b10), sum(ttft_b11), sum(ttft_b12), sum(ttft_b13), sum(ttft_b14), )sql"
    R"sql(sum(ttft_b15), sum(ttft_b16), sum(ttlt_b00), sum(ttlt_b01), sum(ttlt_b02), )sql"
    R"sql(sum(ttlt_b03), sum(ttlt_b04), sum(ttlt_b05), sum(ttlt_b06), sum(ttlt_b07), )sql"
    R"sql(sum(ttlt_b08), sum(ttlt_b09), sum(ttlt_b10), sum(ttlt_b11), sum(ttlt_b12), )sql"
    R"sql(sum(ttlt_b13), sum(ttlt_b14), sum(ttlt_b15), sum(ttlt_b16)
FROM completion_rollups_hour GROUP BY 1, 2, 3;
INSERT INTO completion_label_rollups_minute (minute_ms, model, is_streaming, label, value, requests)
SELECT timestamp_ms / 60000 * 60000, model, is_streaming != 0, 'error_type', error_type, count(*)
FROM completion_requests WHERE error_type IS NOT NULL GROUP BY 1, 2, 3, 5;
INSERT INTO completion_label_rollups_minute (minute_ms, model, is_streaming, label, value, requests)
SELECT timestamp_ms / 60000 * 60000, model, is_streaming != 0, 'finish_reason', )sql"
    R"sql(finish_reason, count(*)
FROM completion_requests WHERE finish_reason IS NOT NULL GROUP BY 1, 2, 3, 5;
INSERT INTO completion_label_rollups_minute (minute_ms, model, is_streaming, label, value, requests)
SELECT timestamp_ms / 60000 * 60000, model, is_streaming != 0, 'status_code', )sql"
    R"sql(CAST(status_code AS TEXT), count(*)
FROM completion_requests WHERE status_code IS NOT NULL GROUP BY 1, 2, 3, 5;
INSERT INTO completion_label_rollups_hour (hour_ms, model, is_streaming, label, value, requests)
SELECT minute_ms / 3600000 * 3600000, model, is_streaming, label, value, sum(requests)
FROM completion_label_rollups_minute GROUP BY 1, 2, 3, 4, 5;
INSERT INTO completion_label_rollups_day (day_ms, model, is_streaming, label, value, requests)
SELECT hour_ms / 86400000 * 86400000, model, is_streaming, label, value, sum(requests)
FROM completion_label_rollups_hour GROUP BY 1, 2, 3, 4, 5;
)sql";

constexpr const char* kDown =
    R"sql(DROP TABLE completion_label_rollups_day;
DROP TABLE completion_label_rollups_hour;
DROP TABLE completion_label_rollups_minute;
DROP TABLE completion_rollups_day;
DROP TABLE completion_rollups_hour;
DROP TABLE completion_rollups_minute;
)sql";

void values_table(schema::TableBuilder& t, const char* key) {
  t.column(key, "INTEGER").not_null().primary_key(1);
  t.column("model", "TEXT").not_null().primary_key(2);
  t.column("is_streaming", "INTEGER").not_null().primary_key(3);
  for (const char* c : kValueColumns) t.column(c, "INTEGER").not_null().default_value("0");
}

void label_table(schema::TableBuilder& t, const char* key) {
  t.column(key, "INTEGER").not_null().primary_key(1);
  t.column("model", "TEXT").not_null().primary_key(2);
  t.column("is_streaming", "INTEGER").not_null().primary_key(3);
  t.column("label", "TEXT").not_null().primary_key(4);
  t.column("value", "TEXT").not_null().primary_key(5);
  t.column("requests", "INTEGER").not_null().default_value("0");
}

}  // namespace

schema::Schema schema_v4() {
  return schema::SchemaBuilder(schema_v3())
      .table(kMinuteRollupTable, [](schema::TableBuilder& t) { values_table(t, "minute_ms"); })
      .table(kHourRollupTable, [](schema::TableBuilder& t) { values_table(t, "hour_ms"); })
      .table(kDayRollupTable, [](schema::TableBuilder& t) { values_table(t, "day_ms"); })
      .table(kMinuteLabelTable, [](schema::TableBuilder& t) { label_table(t, "minute_ms"); })
      .table(kHourLabelTable, [](schema::TableBuilder& t) { label_table(t, "hour_ms"); })
      .table(kDayLabelTable, [](schema::TableBuilder& t) { label_table(t, "day_ms"); })
      .build();
}

migrate::MigrationStep step_v4() {
  migrate::MigrationStep step;
  step.version = 4;
  step.name = "add_rollups";
  step.touched_tables = {kRequestsTable};
  step.up = std::string(kUp);
  step.down = std::string(kDown);
  step.row_policy = migrate::RowPolicy::preserve;
  // The rollups are derived from completion_requests, which keeps every row: dropping them on
  // the way down removes nothing that cannot be computed again.
  step.down_touched_tables = {kMinuteRollupTable, kHourRollupTable, kDayRollupTable,
                              kMinuteLabelTable,  kHourLabelTable,  kDayLabelTable};
  step.down_row_policy = migrate::RowPolicy::declared_change;
  step.verify_sql = {
      "SELECT (SELECT coalesce(sum(requests), 0) FROM completion_rollups_minute) = "
      "(SELECT count(*) FROM completion_requests)",
      "SELECT (SELECT coalesce(sum(requests), 0) FROM completion_rollups_hour) = "
      "(SELECT count(*) FROM completion_requests)",
      "SELECT (SELECT coalesce(sum(requests), 0) FROM completion_rollups_day) = "
      "(SELECT count(*) FROM completion_requests)"};
  step.expected_schema = schema_v4();
  return step;
}

}  // namespace safemig::app::internal
