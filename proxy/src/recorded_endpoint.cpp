// Classifying forwarded requests by the API they call (see recorded_endpoint.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/recorded_endpoint.h"

#include <array>
#include <utility>

namespace safemig::proxy {
namespace {

constexpr std::array<std::pair<std::string_view, Endpoint>, 4> kRecordedPaths = {{
    {"/v1/chat/completions", Endpoint::chat_completions},
    {"/v1/completions", Endpoint::completions},
    {"/v1/responses", Endpoint::responses},
    {"/v1/embeddings", Endpoint::embeddings},
}};

}  // namespace

std::optional<Endpoint> recorded_endpoint(const http::Request& request) {
  if (request.method() != http::bhttp::verb::post) return std::nullopt;
  std::string_view path(request.target().data(), request.target().size());
  path = path.substr(0, path.find('?'));
  for (const auto& [recorded, endpoint] : kRecordedPaths) {
    if (path == recorded) return endpoint;
  }
  return std::nullopt;
}

std::string_view endpoint_name(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::completions:
      return "completions";
    case Endpoint::responses:
      return "responses";
    case Endpoint::embeddings:
      return "embeddings";
    case Endpoint::chat_completions:
      break;
  }
  return "chat/completions";
}

bool usage_needs_stream_options(Endpoint endpoint) {
  return endpoint == Endpoint::chat_completions || endpoint == Endpoint::completions;
}

}  // namespace safemig::proxy
