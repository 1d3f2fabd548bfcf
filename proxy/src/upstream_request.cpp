// Translation of client requests into upstream requests (see upstream_request.h).
//
// Thread safety: pure functions.
#include "safemig/proxy/upstream_request.h"

#include <algorithm>
#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <set>

#include "safemig/http/header_list.h"
#include "safemig/http/utf8.h"

namespace safemig::proxy {
namespace {

namespace bhttp = http::bhttp;

// Header names compare ASCII case-insensitively.
using boost::beast::iequals;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The header names listed in Connection headers (lower case), which are hop-by-hop too.
std::set<std::string> connection_tokens(const bhttp::fields& fields) {
  std::set<std::string> tokens;
  for (const std::string_view token : http::list_elements(fields, bhttp::field::connection)) {
    tokens.insert(lower(token));
  }
  return tokens;
}

// Calls `use` with each end-to-end field of `from`, in order, except those `skip` names.
template <typename Skip, typename Use>
void for_each_end_to_end(const bhttp::fields& from, Skip skip, Use use) {
  const std::set<std::string> named = connection_tokens(from);
  for (const auto& field : from) {
    const std::string_view name(field.name_string().data(), field.name_string().size());
    if (is_hop_by_hop(name) || skip(name)) continue;
    if (!named.empty() && named.count(lower(name)) != 0) continue;
    use(field);
  }
}

std::string target_path(const UpstreamTarget& target, std::string_view client_target) {
  std::string_view base = target.base_path;
  if (base.ends_with("/v1") && (client_target == "/v1" || client_target.starts_with("/v1/") ||
                                client_target.starts_with("/v1?"))) {
    base.remove_suffix(3);
  }
  return std::string(base) + std::string(client_target);
}

}  // namespace

std::optional<std::string> request_origin(const http::Request& request,
                                          std::string_view peer_address) {
  constexpr std::size_t kMaxOrigin = 200;
  const auto it = request.find("X-Origin");
  if (it != request.end()) {
    const std::string_view value =
        http::trim_ows(std::string_view(it->value().data(), it->value().size()));
    // Header values may hold any byte (obs-text); what is stored is UTF-8, cut on a character.
    if (!value.empty()) return std::string(http::utf8_prefix(http::valid_utf8(value), kMaxOrigin));
  }
  if (peer_address.empty()) return std::nullopt;
  return std::string(peer_address);
}

bool may_send_again(const http::Request& request) {
  switch (request.method()) {
    case bhttp::verb::get:
    case bhttp::verb::head:
    case bhttp::verb::options:
    case bhttp::verb::trace:
    case bhttp::verb::put:
    case bhttp::verb::delete_:
      return true;
    default:
      return request.find("Idempotency-Key") != request.end();
  }
}

bool is_hop_by_hop(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "connection",        "keep-alive", "te",     "trailer",
      "transfer-encoding", "upgrade",    "expect", "trailers"};
  for (const std::string_view n : kNames) {
    if (iequals(name, n)) return true;
  }
  return name.size() >= 6 && iequals(name.substr(0, 6), "proxy-");
}

Result<UpstreamTarget> parse_upstream_url(std::string_view url) {
  const std::string expected =
      "expected an http or https base URL such as http://127.0.0.1:8000 "
      "or https://api.openai.com/v1";
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return fail(ErrorCode::invalid_input, "invalid upstream URL '" + std::string(url) +
                                              "': " + parsed.error().message() + "; " + expected);
  }
  const boost::urls::url_view& u = *parsed;
  UpstreamTarget t;
  const std::string scheme = lower(u.scheme());
  if (scheme != "http" && scheme != "https") {
    return fail(ErrorCode::invalid_input, "unsupported upstream scheme '" + scheme + "' in '" +
                                              std::string(url) + "'; " + expected);
  }
  if (u.has_query() || u.has_fragment() || u.has_userinfo()) {
    // The message never repeats the credentials: it is printed and logged.
    boost::urls::url shown(u);
    shown.remove_userinfo();
    return fail(ErrorCode::invalid_input,
                "the upstream URL '" + std::string(shown.buffer()) +
                    "' must not have a query, a fragment or credentials (send an API key as the "
                    "clients' Authorization header instead); " +
                    expected);
  }
  t.tls = scheme == "https";
  t.host = std::string(u.encoded_host_address());
  if (t.host.size() >= 2 && t.host.front() == '[' && t.host.back() == ']') {
    t.host = t.host.substr(1, t.host.size() - 2);
  }
  if (t.host.empty()) {
    return fail(ErrorCode::invalid_input,
                "the upstream URL '" + std::string(url) + "' has no host; " + expected);
  }
  const std::uint16_t default_port = t.tls ? 443 : 80;
  t.port = u.has_port() ? u.port_number() : default_port;
  if (u.has_port() && t.port == 0) {
    return fail(ErrorCode::invalid_input,
                "the upstream URL '" + std::string(url) + "' has an invalid port; " + expected);
  }
  t.authority = std::string(u.encoded_host_and_port());
  if (u.has_port() && t.port == default_port) t.authority = std::string(u.encoded_host());
  t.base_path = std::string(u.encoded_path());
  while (!t.base_path.empty() && t.base_path.back() == '/') t.base_path.pop_back();
  t.url = std::string(url);
  while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
  return t;
}

std::string upstream_request_head(const http::Request& client, const UpstreamTarget& target,
                                  std::size_t body_size, bool drop_accept_encoding) {
  const auto view = [](boost::core::string_view v) { return std::string_view(v.data(), v.size()); };
  std::string out;
  out.reserve(512);
  out += view(client.method_string());
  out += ' ';
  out += target_path(target, view(client.target()));
  out += " HTTP/1.1\r\nHost: ";
  out += target.authority;
  out += "\r\n";
  for_each_end_to_end(
      client.base(),
      [&](std::string_view name) {
        return iequals(name, "host") || iequals(name, "content-length") ||
               (drop_accept_encoding && iequals(name, "accept-encoding"));
      },
      [&](const auto& field) {
        out += view(field.name_string());
        out += ": ";
        out += view(field.value());
        out += "\r\n";
      });
  const bhttp::verb method = client.method();
  if (body_size > 0 || method == bhttp::verb::post || method == bhttp::verb::put ||
      method == bhttp::verb::options) {
    out += "Content-Length: ";
    out += std::to_string(body_size);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

bhttp::response_header<> build_client_head(const bhttp::response_header<>& upstream,
                                           bool keep_length) {
  bhttp::response_header<> head;
  head.version(11);
  head.result(upstream.result_int());
  head.reason(upstream.reason());
  for_each_end_to_end(
      upstream,
      [&](std::string_view name) { return !keep_length && iequals(name, "content-length"); },
      // The parser already named each field: inserting by name would look it up again.
      [&](const auto& field) { head.insert(field.name(), field.name_string(), field.value()); });
  return head;
}

}  // namespace safemig::proxy
