#include "safemig/db/connection.h"

namespace safemig::db {

Result<Row> Connection::query_one(std::string_view sql, std::initializer_list<Value> params) {
  SAFEMIG_TRY(std::vector<Row> rows, query(sql, params));
  if (rows.empty()) {
    return fail(
        Error(ErrorCode::not_found, "the query returned no row").with_sql(std::string(sql)));
  }
  return std::move(rows.front());
}

Result<std::int64_t> Connection::query_int(std::string_view sql,
                                           std::initializer_list<Value> params) {
  SAFEMIG_TRY(Row row, query_one(sql, params));
  if (row.size() == 0) {
    return fail(
        Error(ErrorCode::internal, "the query returned no column").with_sql(std::string(sql)));
  }
  return row.int64(0);
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace safemig::db
