// Parsing of the JSON API's query parameters (see query.h).
//
// Thread safety: pure functions.
#include "safemig/metrics_server/query.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "safemig/http/utf8.h"

namespace safemig::metrics_server {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kMaxStepMs = std::int64_t{3650} * 24 * 60 * kMinuteMs;  // 3650d.

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

tl::unexpected<Error> bad(std::string_view parameter, std::string_view value,
                          std::string_view expected) {
  return fail(ErrorCode::invalid_input, "invalid " + std::string(parameter) + " '" +
                                            std::string(value) + "': expected " +
                                            std::string(expected));
}

// Parses all-digit text as a non-negative integer of at most 12 digits.
std::optional<std::int64_t> parse_digits(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<dao::TimePoint> parse_end(const QueryParameters& query, std::string_view name) {
  const std::string_view text = *query.get(name);
  auto parsed = dao::parse_time(text);
  if (!parsed) {
    return fail(ErrorCode::invalid_input,
                "invalid " + std::string(name) + ": " + parsed.error().message);
  }
  return *parsed;
}

}  // namespace

Result<QueryParameters> QueryParameters::parse(std::string_view target,
                                               std::span<const std::string_view> allowed) {
  QueryParameters out;
  const auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    return fail(ErrorCode::invalid_input,
                "malformed request target '" + std::string(target) +
                    "': expected a path and a query of name=value pairs, percent-encoded");
  }
  boost::urls::encoding_opts options;
  options.space_as_plus = false;  // So that "+01:00" offsets may be sent unencoded.
  for (const auto& param : url->params(options)) {
    if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2", a bare "?".
    const std::string& key = param.key;
    if (!http::is_utf8(key) || !http::is_utf8(param.value)) {
      return fail(ErrorCode::invalid_input,
                  "a query parameter is not UTF-8 text once percent-decoded: expected names and "
                  "values as percent-encoded UTF-8");
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return fail(ErrorCode::invalid_input,
                  "unknown parameter '" + key + "': expected only " + join(allowed));
    }
    if (!param.has_value) {
      return fail(ErrorCode::invalid_input,
                  "parameter '" + key + "' has no value: expected " + key + "=VALUE");
    }
    if (!out.values_.emplace(key, param.value).second) {
      return fail(ErrorCode::invalid_input,
                  "parameter '" + key + "' is given more than once: expected it at most once");
    }
  }
  return out;
}

std::optional<std::string_view> QueryParameters::get(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return std::string_view(it->second);
}

Result<dao::TimeRange> parse_range(const QueryParameters& query, dao::TimePoint now) {
  dao::TimePoint end = now;
  if (query.get("end")) {
    SAFEMIG_TRY(end, parse_end(query, "end"));
  }
  dao::TimePoint start = end - kDefaultRangeLength;
  if (query.get("start")) {
    SAFEMIG_TRY(start, parse_end(query, "start"));
  }
  if (start > end) {
    return fail(ErrorCode::invalid_input,
                "invalid range: start " + dao::format_time(start) + " is after end " +
                    dao::format_time(end) + ": expected start <= end (the range is [start, end))");
  }
  return dao::TimeRange{start, end};
}

Result<std::optional<std::string>> parse_model(const QueryParameters& query) {
  const auto model = query.get("model");
  if (!model) return std::optional<std::string>();
  if (model->empty()) return bad("model", *model, "a model name (omit model for all models)");
  return std::optional<std::string>(std::string(*model));
}

Result<int> parse_limit(const QueryParameters& query) {
  const auto text = query.get("limit");
  if (!text) return 100;
  const auto value = parse_digits(*text);
  if (!value || *value < 1 || *value > dao::kMaxListLimit) {
    return bad("limit", *text,
               "a whole number from 1 to " + std::to_string(dao::kMaxListLimit) + " (default 100)");
  }
  return static_cast<int>(*value);
}

Result<dao::ListOrder> parse_order(const QueryParameters& query) {
  const auto text = query.get("order");
  if (!text || *text == "desc") return dao::ListOrder::newest_first;
  if (*text == "asc") return dao::ListOrder::oldest_first;
  return bad("order", *text, "desc (newest first, the default) or asc (oldest first)");
}

Result<std::chrono::milliseconds> parse_step(std::string_view text) {
  constexpr std::string_view kExpected =
      "a positive whole number of minutes: 60s, 5m, 1h, 1d or plain seconds such as 300";
  std::int64_t unit_ms = 1000;  // Plain digits are seconds.
  std::string_view digits = text;
  if (!text.empty() && (text.back() < '0' || text.back() > '9')) {
    switch (text.back()) {
      case 's':
        unit_ms = 1000;
        break;
      case 'm':
        unit_ms = kMinuteMs;
        break;
      case 'h':
        unit_ms = 60 * kMinuteMs;
        break;
      case 'd':
        unit_ms = 24 * 60 * kMinuteMs;
        break;
      default:
        return bad("step", text, kExpected);
    }
    digits.remove_suffix(1);
  }
  const auto value = parse_digits(digits);
  if (!value || *value <= 0) return bad("step", text, kExpected);
  // A step longer than any range gives one bucket; the cap also keeps the product in range.
  if (*value > kMaxStepMs / unit_ms) return bad("step", text, "at most 3650d");
  const std::int64_t step_ms = *value * unit_ms;
  if (step_ms % kMinuteMs != 0) return bad("step", text, kExpected);
  return std::chrono::milliseconds(step_ms);
}

Result<std::chrono::milliseconds> parse_step_parameter(const QueryParameters& query,
                                                       const dao::TimeRange& range) {
  const auto text = query.get("step");
  if (!text) return default_step(range);
  return parse_step(*text);
}

std::chrono::milliseconds default_step(const dao::TimeRange& range) {
  constexpr std::int64_t kTargetBuckets = 360;
  constexpr std::int64_t kDayMs = 24 * 60 * kMinuteMs;
  constexpr std::array<std::int64_t, 7> kLadder = {
      kMinuteMs,          5 * kMinuteMs, 15 * kMinuteMs, 60 * kMinuteMs,
      6 * 60 * kMinuteMs, kDayMs,        7 * kDayMs};
  const std::int64_t length = dao::to_epoch_ms(range.end) - dao::to_epoch_ms(range.start);
  for (std::int64_t step : kLadder) {
    if (length <= step * kTargetBuckets) return std::chrono::milliseconds(step);
  }
  const std::int64_t days = (length / (dao::kMaxTimeseriesBuckets - 2)) / kDayMs + 1;
  return std::chrono::milliseconds(std::max<std::int64_t>(7, days) * kDayMs);
}

}  // namespace safemig::metrics_server
