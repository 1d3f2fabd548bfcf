// GoogleMock matchers for Result<T>: IsOk(), IsOkAndHolds(m), ErrorIs(code, message_matcher).
// There is deliberately no "is some error" matcher: a test names the error it expects.
#pragma once

#include <gmock/gmock.h>

#include "safemig/error.h"

namespace safemig::testing {

MATCHER(IsOk, "is a success") {
  if (arg.has_value()) return true;
  *result_listener << "error " << to_string(arg.error().code) << ": " << arg.error().describe();
  return false;
}

MATCHER_P(IsOkAndHolds, inner, "is a success holding a matching value") {
  if (!arg.has_value()) {
    *result_listener << "error " << to_string(arg.error().code) << ": " << arg.error().describe();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

MATCHER_P2(ErrorIs, code, message_matcher,
           std::string("is an error with code ") + std::string(to_string(code))) {
  if (arg.has_value()) {
    *result_listener << "is a success";
    return false;
  }
  if (arg.error().code != code) {
    *result_listener << "has code " << to_string(arg.error().code) << ": "
                     << arg.error().describe();
    return false;
  }
  return ::testing::ExplainMatchResult(message_matcher, arg.error().message, result_listener);
}

}  // namespace safemig::testing
