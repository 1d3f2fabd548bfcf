// parse_listen_address and format_listen_address: "host:port" and "[v6]:port".
//
// Thread safety: a pure function.
#include <charconv>
#include <string>

#include "safemig/http/server.h"

namespace safemig::http {

namespace {

tl::unexpected<Error> bad_address(std::string_view text, std::string_view why) {
  return fail(ErrorCode::invalid_input, "invalid listen address \"" + std::string(text) +
                                            "\": " + std::string(why) +
                                            "; expected HOST:PORT such as 127.0.0.1:8080");
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return bad_address(text, "missing ']' after the IPv6 host");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad_address(text, "missing :PORT");
    port_text = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad_address(text, "missing :PORT");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return bad_address(text, "an IPv6 host must be in brackets, as in [::1]:8080");
    }
  }
  if (host.empty()) return bad_address(text, "missing HOST");
  if (port_text.empty()) return bad_address(text, "missing PORT");
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad_address(text, "PORT must be a number from 0 to 65535");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

std::string format_listen_address(const ListenAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace safemig::http
