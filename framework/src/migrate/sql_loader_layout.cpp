// Implements sql_loader_layout.h.
#include "migrate/sql_loader_layout.h"

namespace safemig::migrate::loader {

std::string_view layout_name(Layout layout) {
  switch (layout) {
    case Layout::flyway:
      return "Flyway";
    case Layout::golang_migrate:
      return "golang-migrate";
    case Layout::goose:
      return "goose";
    case Layout::dbmate:
      return "dbmate";
    case Layout::sqlx:
      return "sqlx";
    case Layout::diesel:
      return "Diesel";
  }
  return "unknown";
}

std::string expected_names(std::optional<Layout> layout) {
  if (!layout) {
    return "expected one layout: Flyway V<n>__<name>.sql (U<n>__<name>.sql undoes it); "
           "golang-migrate or sqlx <n>_<name>.up.sql / <n>_<name>.down.sql; goose "
           "<n>_<name>.sql with -- +goose Up / -- +goose Down; dbmate "
           "<YYYYMMDDHHMMSS>_<name>.sql with -- migrate:up / -- migrate:down; sqlx "
           "<n>_<name>.sql; or Diesel <version>_<name>/up.sql (and down.sql)";
  }
  switch (*layout) {
    case Layout::flyway:
      return "expected V<n>__<name>.sql, or U<n>__<name>.sql to undo it, e.g. "
             "V1__create_users.sql (Flyway)";
    case Layout::golang_migrate:
      return "expected <n>_<name>.up.sql, or <n>_<name>.down.sql to undo it, e.g. "
             "1_create_users.up.sql (golang-migrate)";
    case Layout::goose:
      return "expected <n>_<name>.sql (n >= 1) holding a -- +goose Up section and optionally a "
             "-- +goose Down section, e.g. 20240313170000_create_users.sql (goose)";
    case Layout::dbmate:
      return "expected <YYYYMMDDHHMMSS>_<name>.sql holding a -- migrate:up section followed by "
             "a -- migrate:down section, e.g. 20240313170000_create_users.sql (dbmate)";
    case Layout::sqlx:
      return "expected <n>_<name>.sql, or <n>_<name>.up.sql with <n>_<name>.down.sql, e.g. "
             "20240313170000_create_users.sql (sqlx)";
    case Layout::diesel:
      return "expected folders <version>_<name>/ holding up.sql and optionally down.sql, e.g. "
             "2024-03-13-170000_create_users/up.sql (Diesel)";
  }
  return "";
}

}  // namespace safemig::migrate::loader
