// The dashboard's static files, compiled into the binary (see cmake/embed_assets.cmake), and the
// handler that serves them with their content type and ETag.
//
// Thread safety: constant data and pure functions.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "safemig/http/message.h"

namespace safemig::metrics_server {

struct EmbeddedAsset {
  std::string_view name;  // File name in metrics-server/web/, e.g. "app.js".
  std::string_view data;  // The file's bytes.
  std::string_view etag;  // Quoted strong validator derived from the bytes' SHA-256.
};

// Every embedded file, ordered by name. Defined by the generated source.
std::span<const EmbeddedAsset> embedded_assets();

// The embedded file called `name`, if there is one.
std::optional<EmbeddedAsset> find_asset(std::string_view name);

// The Content-Type for a file name, from its extension (application/octet-stream when unknown).
std::string_view content_type_for(std::string_view name);

// Serves `asset`: 200 with the body, its content type, ETag and `Cache-Control: no-cache`; or
// 304 without a body when the request's If-None-Match names the ETag.
http::Response serve_asset(const http::Request& request, const EmbeddedAsset& asset);

}  // namespace safemig::metrics_server
