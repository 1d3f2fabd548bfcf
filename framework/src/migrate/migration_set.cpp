// MigrationSet: validation, ordering and lookup of a list of steps.
//
// Thread safety: an immutable value once created; const methods may be called concurrently.
#include <algorithm>
#include <string_view>
#include <variant>

#include "safemig/migrate/step.h"

namespace safemig::migrate {
namespace {

constexpr std::size_t kMaxNameLength = 200;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

std::string describe_step(const MigrationStep& step) {
  return (step.repeatable ? "repeatable step '" : "step V" + step.shown_version() + " '") +
         step.name + "'";
}

Result<void> validate_body(const MigrationStep& step, const StepBody& body, std::string_view what) {
  // An empty SQL body is a step that changes nothing: every migration tool runs such files.
  if (std::holds_alternative<std::string>(body)) return {};
  if (!std::get<StepCallable>(body)) {
    return fail(ErrorCode::invalid_input, describe_step(step) + " has an empty " +
                                              std::string(what) +
                                              " callable; give it a function to run");
  }
  if (step.definition.empty()) {
    return fail(ErrorCode::invalid_input,
                describe_step(step) + " has a C++ " + std::string(what) +
                    " but no definition; set `definition` to a description that changes whenever "
                    "its behaviour does, so that an edited applied step is detected");
  }
  return {};
}

Result<void> validate_step(const MigrationStep& step) {
  if (!step.repeatable && step.version < 0) {
    return fail(ErrorCode::invalid_input,
                describe_step(step) + " has a negative version; versions start at 0");
  }
  if (step.name.empty()) {
    return fail(ErrorCode::invalid_input,
                describe_step(step) + " has an empty name; name it, e.g. 'create_users'");
  }
  if (step.name.size() > kMaxNameLength ||
      !std::all_of(step.name.begin(), step.name.end(), is_name_char)) {
    return fail(ErrorCode::invalid_input,
                describe_step(step) +
                    " has a malformed name; use at most 200 letters, digits, '_', '-' or '.'");
  }
  SAFEMIG_TRY_VOID(validate_body(step, step.up, "up"));
  if (step.down) {
    SAFEMIG_TRY_VOID(validate_body(step, *step.down, "down"));
  }
  for (const std::string& query : step.verify_sql) {
    if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
      return fail(ErrorCode::invalid_input,
                  describe_step(step) + " has an empty verify query; remove it or write one");
    }
  }
  return {};
}

// Flyway's order of repeatables: by description, which is the name with '_' read as ' '.
std::string description_key(const MigrationStep& step) {
  std::string key = step.name;
  std::replace(key.begin(), key.end(), '_', ' ');
  return key;
}

Result<void> validate_repeatables(std::vector<MigrationStep>& repeatables) {
  for (const MigrationStep& step : repeatables) {
    if (!step.repeatable) {
      return fail(ErrorCode::invalid_input,
                  describe_step(step) +
                      " is listed as repeatable but does not set `repeatable`; "
                      "set it, or pass the step with the versioned ones");
    }
    if (step.down) {
      return fail(ErrorCode::invalid_input,
                  describe_step(step) + " has a down; repeatable steps have none, remove it");
    }
    SAFEMIG_TRY_VOID(validate_step(step));
  }
  std::stable_sort(repeatables.begin(), repeatables.end(),
                   [](const MigrationStep& a, const MigrationStep& b) {
                     return description_key(a) < description_key(b);
                   });
  for (std::size_t i = 1; i < repeatables.size(); ++i) {
    if (description_key(repeatables[i - 1]) == description_key(repeatables[i])) {
      return fail(ErrorCode::invalid_input,
                  describe_step(repeatables[i - 1]) + " and " + describe_step(repeatables[i]) +
                      " have the same name; give each repeatable step its own name");
    }
  }
  return {};
}

}  // namespace

Result<MigrationSet> MigrationSet::create(std::vector<MigrationStep> steps, std::string source,
                                          std::string layout,
                                          std::vector<MigrationStep> repeatables) {
  for (const MigrationStep& step : steps) {
    if (step.repeatable) {
      return fail(ErrorCode::invalid_input,
                  describe_step(step) +
                      " is repeatable but listed with the versioned steps; pass it as a "
                      "repeatable");
    }
    if (!step.version_name.empty() && text_order_key(step.version_name) != step.version) {
      return fail(ErrorCode::invalid_input,
                  describe_step(step) + " is named by the text version '" + step.version_name +
                      "' but its version is " + std::to_string(step.version) +
                      "; set version to text_order_key(version_name)");
    }
    SAFEMIG_TRY_VOID(validate_step(step));
  }
  SAFEMIG_TRY_VOID(validate_repeatables(repeatables));
  std::stable_sort(steps.begin(), steps.end(), [](const MigrationStep& a, const MigrationStep& b) {
    return a.version < b.version;
  });
  for (std::size_t i = 1; i < steps.size(); ++i) {
    if (steps[i - 1].version == steps[i].version) {
      return fail(ErrorCode::invalid_input,
                  describe_step(steps[i - 1]) + " and " + describe_step(steps[i]) +
                      " have the same version; give each step its own version");
    }
  }
  MigrationSet set;
  set.steps_ = std::move(steps);
  set.repeatables_ = std::move(repeatables);
  set.source_ = std::move(source);
  set.layout_ = std::move(layout);
  return set;
}

const MigrationStep* MigrationSet::find(Version version) const {
  auto it = std::lower_bound(
      steps_.begin(), steps_.end(), version,
      [](const MigrationStep& step, Version wanted) { return step.version < wanted; });
  if (it == steps_.end() || it->version != version) {
    return nullptr;
  }
  return &*it;
}

const MigrationStep* MigrationSet::find_repeatable(std::string_view name) const {
  for (const MigrationStep& step : repeatables_) {
    if (step.name == name) return &step;
  }
  return nullptr;
}

std::string MigrationSet::version_name(Version version) const {
  const MigrationStep* step = find(version);
  return step != nullptr ? step->shown_version() : version_text(version);
}

Version MigrationSet::number_for_names(Version version) const {
  if (version == kNoVersion) return 0;
  const MigrationStep* step = find(version);
  if (step == nullptr || step->version_name.empty()) return version;
  return parse_version_number(step->version_name).value_or(version);
}

Result<Version> MigrationSet::parse_version(std::string_view text) const {
  bool named = false;
  for (const MigrationStep& step : steps_) {
    if (!step.version_name.empty()) named = true;
    if (step.shown_version() == text) return step.version;
  }
  // Where versions are names (Diesel's text), only "0" is read as a number: the empty database.
  const std::optional<Version> number =
      named ? (text == "0" ? std::optional<Version>(0) : std::nullopt) : parse_version_number(text);
  if (number) return *number;
  return fail(ErrorCode::invalid_input, "'" + std::string(text) + "' is not a version of " +
                                            (source_.empty() ? "the migrations" : source_));
}

std::optional<schema::Schema> MigrationSet::expected_schema_at(Version version) const {
  if (version == kNoVersion) {
    return schema::Schema{};
  }
  const MigrationStep* step = find(version);
  if (step == nullptr) {
    return std::nullopt;
  }
  return step->expected_schema;
}

}  // namespace safemig::migrate
