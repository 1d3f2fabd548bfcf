// JSON and text responses, and OpenAI-style error bodies.
//
// Thread safety: pure functions.
#include "safemig/http/message.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <utility>
#include "safemig/http/json_text.h"

namespace safemig::http {

namespace {

// A response with the request's version and keep-alive, `body` and a Content-Length.
Response make_response(const Request& request, bhttp::status status, std::string_view content_type,
                       std::string body) {
  Response response{status, request.version()};
  response.set(bhttp::field::content_type, content_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

Response json_response(const Request& request, bhttp::status status,
                       const boost::json::value& body) {
  return make_response(request, status, "application/json", json_text(body));
}

Response json_error(const Request& request, bhttp::status status, std::string_view type,
                    std::string_view message) {
  boost::json::object error;
  error["message"] = message;
  error["type"] = type;
  error["code"] = nullptr;
  boost::json::object body;
  body["error"] = std::move(error);
  return json_response(request, status, body);
}

Response text_response(const Request& request, bhttp::status status, std::string_view content_type,
                       std::string body) {
  return make_response(request, status, content_type, std::move(body));
}

void to_origin_form(Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::size_t scheme_end = target.find("://");
  if (target.empty() || target.front() == '/' || scheme_end == std::string_view::npos) return;
  const std::string_view scheme = target.substr(0, scheme_end);
  if (!boost::beast::iequals(scheme, "http") && !boost::beast::iequals(scheme, "https")) return;
  const std::size_t authority_begin = scheme_end + 3;
  const std::size_t authority_end =
      std::min(target.find_first_of("/?", authority_begin), target.size());
  const std::string authority(target.substr(authority_begin, authority_end - authority_begin));
  std::string origin(target.substr(authority_end));
  if (origin.empty() || origin.front() == '?') origin.insert(0, "/");
  request.target(origin);
  if (!authority.empty()) request.set(bhttp::field::host, authority);
}

}  // namespace safemig::http
