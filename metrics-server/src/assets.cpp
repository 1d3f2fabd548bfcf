// Lookup and serving of the embedded dashboard files (see assets.h).
//
// Thread safety: pure functions over constant data.
#include "safemig/metrics_server/assets.h"

#include <algorithm>
#include <array>
#include <utility>

namespace safemig::metrics_server {

std::optional<EmbeddedAsset> find_asset(std::string_view name) {
  for (const EmbeddedAsset& asset : embedded_assets()) {
    if (asset.name == name) return asset;
  }
  return std::nullopt;
}

std::string_view content_type_for(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (name.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

namespace {

// True when an If-None-Match header value ("a", "b" or *) names `etag`.
bool matches_etag(std::string_view header, std::string_view etag) {
  if (header == "*") return true;
  std::size_t pos = 0;
  while (pos < header.size()) {
    const std::size_t comma = std::min(header.find(',', pos), header.size());
    std::string_view item = header.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

http::Response serve_asset(const http::Request& request, const EmbeddedAsset& asset) {
  namespace bhttp = boost::beast::http;
  const auto if_none_match = request[bhttp::field::if_none_match];
  if (!if_none_match.empty() && matches_etag(if_none_match, asset.etag)) {
    http::Response response{bhttp::status::not_modified, request.version()};
    response.set(bhttp::field::etag, asset.etag);
    response.set(bhttp::field::cache_control, "no-cache");
    response.keep_alive(request.keep_alive());
    return response;
  }
  http::Response response = http::text_response(
      request, bhttp::status::ok, content_type_for(asset.name), std::string(asset.data));
  response.set(bhttp::field::etag, asset.etag);
  response.set(bhttp::field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace safemig::metrics_server
