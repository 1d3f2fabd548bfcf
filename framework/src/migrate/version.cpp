// Implements safemig/migrate/version.h.
#include "safemig/migrate/version.h"

namespace safemig::migrate {

std::string version_text(Version version) {
  return version == kNoVersion ? std::string("none") : std::to_string(version);
}

}  // namespace safemig::migrate
