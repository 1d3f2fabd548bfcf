// Router resolution: exact routes per method, 405 with Allow, longest prefix, 404.
//
// Thread safety: add*/resolve follow the header's rule (configure, then share const).
#include "safemig/http/router.h"

#include <algorithm>
#include <string>
#include <utility>

namespace safemig::http {

namespace {

// The path part of a request target: everything before '?' or '#'.
std::string_view path_of(std::string_view target) {
  const auto end = target.find_first_of("?#");
  return end == std::string_view::npos ? target : target.substr(0, end);
}

// True for "." and ".." and their percent-encoded spellings ("%2e", "%2E%2e", ...).
bool is_dot_segment(std::string_view segment) {
  int dots = 0;
  for (std::size_t i = 0; i < segment.size(); ++dots) {
    if (segment[i] == '.') {
      ++i;
    } else if (segment.size() - i >= 3 && segment[i] == '%' && segment[i + 1] == '2' &&
               (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
      i += 3;
    } else {
      return false;
    }
  }
  return dots == 1 || dots == 2;
}

bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (is_dot_segment(path.substr(start, end - start))) return true;
    start = end + 1;
  }
  return false;
}

// "GET, HEAD, POST": the Allow header value for `methods`.
std::string allow_header(const std::vector<bhttp::verb>& methods) {
  std::string out;
  for (const auto method : methods) {
    if (!out.empty()) out += ", ";
    out += bhttp::to_string(method);
  }
  return out;
}

}  // namespace

void Router::add(bhttp::verb method, std::string path, Handler handler) {
  exact_[std::move(path)][method] = std::move(handler);
}

void Router::add_prefix(std::string prefix, StreamingHandler handler) {
  for (auto& [existing, existing_handler] : prefixes_) {
    if (existing == prefix) {
      existing_handler = std::move(handler);
      return;
    }
  }
  prefixes_.emplace_back(std::move(prefix), std::move(handler));
}

Router::Match Router::resolve(bhttp::verb method, std::string_view target) const {
  Match match;
  const std::string_view path = path_of(target);
  if (has_dot_segment(path)) {
    match.dot_segment = true;
    return match;
  }
  if (const auto it = exact_.find(path); it != exact_.end()) {
    const auto& by_method = it->second;
    auto found = by_method.find(method);
    // HEAD is answered by the GET handler; the session sends only the head.
    if (found == by_method.end() && method == bhttp::verb::head) {
      found = by_method.find(bhttp::verb::get);
    }
    if (found != by_method.end()) {
      match.handler = &found->second;
      return match;
    }
    for (const auto& [allowed, handler] : by_method) {
      match.allowed.push_back(allowed);
      if (allowed == bhttp::verb::get && by_method.count(bhttp::verb::head) == 0) {
        match.allowed.push_back(bhttp::verb::head);
      }
    }
    std::sort(match.allowed.begin(), match.allowed.end(), [](bhttp::verb a, bhttp::verb b) {
      return bhttp::to_string(a) < bhttp::to_string(b);
    });
    return match;
  }
  std::size_t best_length = 0;
  for (const auto& [prefix, handler] : prefixes_) {
    if (path.substr(0, prefix.size()) == prefix &&
        (match.streaming == nullptr || prefix.size() > best_length)) {
      match.streaming = &handler;
      best_length = prefix.size();
    }
  }
  return match;
}

Response Router::respond(const Request& request, const RequestContext& context) const {
  const Match match = resolve(request.method(), request.target());
  if (match.handler != nullptr) return (*match.handler)(request, context);
  const std::string route =
      std::string(request.method_string()) + " " + std::string(path_of(request.target()));
  if (match.dot_segment) {
    return json_error(
        request, bhttp::status::bad_request, "invalid_request_error",
        "the path of " + route + " has a '.' or '..' segment; send the path with those resolved");
  }
  if (!match.allowed.empty()) {
    const std::string allow = allow_header(match.allowed);
    Response response = json_error(request, bhttp::status::method_not_allowed, "method_not_allowed",
                                   route + " is not supported; allowed methods: " + allow);
    response.set(bhttp::field::allow, allow);
    return response;
  }
  if (match.streaming != nullptr) {
    // A prefix route is run by the session through a ResponseChannel, never here.
    return json_error(request, bhttp::status::internal_server_error, "server_error",
                      route + " has a streaming route that this caller cannot run");
  }
  return json_error(request, bhttp::status::not_found, "not_found", "no route for " + route);
}

}  // namespace safemig::http
