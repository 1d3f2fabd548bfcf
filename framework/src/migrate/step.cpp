// MigrationStep: label, checksum and printable bodies of one step.
//
// Thread safety: pure functions of a step's value; safe to call concurrently on distinct or
// const steps.
#include "safemig/migrate/step.h"

#include <openssl/evp.h>

#include <array>
#include <string_view>

namespace safemig::migrate {
namespace {

constexpr std::string_view kCallableMarker = "-- C++ step";

// Appends `text` preceded by its length, so that no two sequences of parts serialise alike.
void append_part(std::string& out, std::string_view tag, std::string_view text) {
  out += tag;
  out += ' ';
  out += std::to_string(text.size());
  out += '\n';
  out += text;
  out += '\n';
}

}  // namespace

// SHA-256 of `data`, in lower-case hex.
std::string definition_checksum(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    // EVP_Digest with SHA-256 only fails when OpenSSL cannot allocate; no checksum can be
    // produced then, and an empty one never matches a stored checksum.
    return {};
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<std::size_t>(length) * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

std::string MigrationStep::label() const {
  return repeatable ? "R " + name : "V" + shown_version() + " " + name;
}

std::string MigrationStep::shown_version() const {
  return version_name.empty() ? version_text(version) : version_name;
}

std::string MigrationStep::body_text(const StepBody& body) {
  if (const auto* sql = std::get_if<std::string>(&body)) {
    return *sql;
  }
  return std::string(kCallableMarker);
}

std::string MigrationStep::body_description(const StepBody& body) const {
  if (const auto* sql = std::get_if<std::string>(&body)) {
    return *sql;
  }
  return std::string(kCallableMarker) + ": " + definition;
}

std::string MigrationStep::checksum() const {
  if (!definition.empty()) {
    return definition_checksum(definition);
  }
  std::string text = "safemig step definition 1\n";
  append_part(text, "up", body_text(up));
  if (down) {
    append_part(text, "down", body_text(*down));
  } else {
    text += "no down\n";
  }
  for (const std::string& query : verify_sql) {
    append_part(text, "verify", query);
  }
  return definition_checksum(text);
}

}  // namespace safemig::migrate
