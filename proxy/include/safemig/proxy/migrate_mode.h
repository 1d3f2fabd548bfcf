// What the proxy does with the schema at startup (--migrate): see startup.h.
//
// Thread safety: pure function.
#pragma once

#include <string_view>

#include "safemig/error.h"

namespace safemig::proxy {

enum class MigrateMode { automatic, check, off };

// "auto", "check", "off". Errors: invalid_input listing the accepted values.
Result<MigrateMode> parse_migrate_mode(std::string_view text);

}  // namespace safemig::proxy
