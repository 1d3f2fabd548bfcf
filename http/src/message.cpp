// JSON and text responses, and OpenAI-style error bodies.
//
// Thread safety: pure functions.
#include "safemig/http/message.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <utility>

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
  return make_response(request, status, "application/json", boost::json::serialize(body));
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

}  // namespace safemig::http
