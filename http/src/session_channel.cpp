// SessionChannel: a response written piece by piece to the client socket — whole, with a
// Content-Length, chunked (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
//
// Thread safety: one handler on the session's strand.
#include "session_channel.h"

#include <array>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <charconv>
#include <string>

#include "safemig/http/head_text.h"
#include "safemig/http/write_all.h"

namespace safemig::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// Whether a response with `status` may carry a body at all (not 1xx, 204, 304).
bool status_allows_body(unsigned status) { return status >= 200 && status != 204 && status != 304; }

// The Content-Length of `message`, or nullopt when missing or not a number.
template <class Message>
std::optional<std::uint64_t> content_length_of(const Message& message) {
  const auto text = message[bhttp::field::content_length];
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

bool finalize_response(Response& response, const ChannelRequest& request, bool stopping) {
  const bool keep = request.keep_alive && response.keep_alive() && !stopping;
  response.version(request.version);
  if (!status_allows_body(response.result_int())) {
    // 1xx, 204 and 304 carry no body, and no framing fields: RFC 9110 §8.6 forbids a
    // Content-Length on 1xx and 204, and on a 304 it would state the length of the stored
    // representation, which a cache takes as the new one.
    response.body().clear();
    response.erase(bhttp::field::content_length);
    response.erase(bhttp::field::transfer_encoding);
  } else if (!response.has_content_length() && !response.chunked()) {
    response.prepare_payload();
  }
  response.keep_alive(keep);
  return keep && !response.need_eof();
}

Error SessionChannel::broken(std::string_view what, const boost::system::error_code& ec) {
  phase_ = Phase::failed;
  keep_alive_ = false;
  if (deadline_.expired()) {
    return {ErrorCode::aborted, std::string(what) + " timed out: the client read nothing for " +
                                    std::to_string(write_timeout_.count()) +
                                    " s, so the connection was closed"};
  }
  return {ErrorCode::io, std::string(what) + " failed, the client is gone: " + ec.message()};
}

asio::awaitable<Result<void>> SessionChannel::write_response(Response response) {
  if (phase_ != Phase::idle) {
    co_return fail(ErrorCode::failed_precondition, "write_response after the response started");
  }
  keep_alive_ = finalize_response(response, request_, stopping_.load());
  const std::string head = head_text(response.base());
  const std::string& body = response.body();
  const std::array<asio::const_buffer, 2> message{
      asio::buffer(head), asio::buffer(body.data(), request_.head_only ? 0 : body.size())};
  const auto bound = deadline_.bound(write_timeout_);
  const auto [ec, written] = co_await write_all(socket_, message);
  if (ec) co_return fail(broken("writing the response", ec));
  phase_ = Phase::finished;
  co_return Result<void>{};
}

asio::awaitable<Result<void>> SessionChannel::write_head(bhttp::response_header<> head) {
  if (phase_ != Phase::idle) {
    co_return fail(ErrorCode::failed_precondition, "write_head after the response started");
  }
  bhttp::response<bhttp::empty_body> message{std::move(head)};
  const bool keep = request_.keep_alive && message.keep_alive() && !stopping_.load();
  message.version(request_.version);
  const auto length = content_length_of(message);
  if (request_.head_only || !status_allows_body(message.result_int())) {
    mode_ = BodyMode::none;
  } else if (length) {
    mode_ = BodyMode::length;
    remaining_ = *length;
  } else if (request_.version >= 11) {
    message.chunked(true);
    mode_ = BodyMode::chunked;
  } else {
    message.chunked(false);
    mode_ = BodyMode::until_close;
  }
  keep_alive_ = keep && mode_ != BodyMode::until_close;
  message.keep_alive(keep_alive_);
  std::string text = head_text(message.base());
  if (mode_ == BodyMode::length && remaining_ > 0) {
    pending_head_ = std::move(text);
    phase_ = Phase::head_sent;
    co_return Result<void>{};
  }
  const auto bound = deadline_.bound(write_timeout_);
  const auto [ec, written] = co_await write_all(socket_, asio::buffer(text));
  if (ec) co_return fail(broken("writing the response head", ec));
  phase_ = Phase::head_sent;
  co_return Result<void>{};
}

asio::awaitable<Result<void>> SessionChannel::write_body(std::string_view data) {
  if (phase_ != Phase::head_sent) {
    co_return fail(ErrorCode::failed_precondition, "write_body without an open response body");
  }
  if (data.empty() || mode_ == BodyMode::none) co_return Result<void>{};
  const auto buffer = asio::buffer(data.data(), data.size());
  const auto bound = deadline_.bound(write_timeout_);
  boost::system::error_code ec;
  if (mode_ == BodyMode::chunked) {
    std::tie(ec, std::ignore) = co_await write_all(socket_, bhttp::make_chunk(buffer));
  } else {
    if (mode_ == BodyMode::length) {
      if (data.size() > remaining_) {
        phase_ = Phase::failed;
        keep_alive_ = false;
        co_return fail(ErrorCode::invalid_input, "response body longer than its Content-Length");
      }
      remaining_ -= data.size();
    }
    if (pending_head_.empty()) {
      std::tie(ec, std::ignore) = co_await write_all(socket_, buffer);
    } else {
      const std::array<asio::const_buffer, 2> head_and_body{asio::buffer(pending_head_), buffer};
      std::tie(ec, std::ignore) = co_await write_all(socket_, head_and_body);
      pending_head_.clear();
    }
  }
  if (ec) co_return fail(broken("writing the response body", ec));
  co_return Result<void>{};
}

asio::awaitable<Result<void>> SessionChannel::finish() {
  if (phase_ != Phase::head_sent) {
    co_return fail(ErrorCode::failed_precondition, "finish without an open response body");
  }
  if (mode_ == BodyMode::length && remaining_ > 0) {
    phase_ = Phase::failed;
    keep_alive_ = false;
    co_return fail(ErrorCode::invalid_input, "response body shorter than its Content-Length by " +
                                                 std::to_string(remaining_) + " bytes");
  }
  if (mode_ == BodyMode::chunked) {
    const auto bound = deadline_.bound(write_timeout_);
    const auto [ec, written] = co_await write_all(socket_, bhttp::make_chunk_last());
    if (ec) co_return fail(broken("writing the last chunk", ec));
  }
  phase_ = Phase::finished;
  co_return Result<void>{};
}

struct SessionChannel::ClientWatch {
  explicit ClientWatch(std::function<void()> callback) : on_leave(std::move(callback)) {}
  std::function<void()> on_leave;
  // The look at the client socket is pending and its answer still wanted: until
  // stop_watching() or the look's completion.
  bool active = true;
  char next = 0;  // Where the look copies the next byte (it stays in the socket).
};

void SessionChannel::watch_client(std::function<void()> on_leave) {
  if (phase_ != Phase::idle || watch_ != nullptr) return;
  watch_ = std::make_shared<ClientWatch>(std::move(on_leave));
  // A look at the next byte without taking it (MSG_PEEK) tells bytes (a pipelined request, left
  // for the session) from an end of stream or an error. Asio tries it at once, which also
  // catches an end of stream that arrived with the request, and otherwise when the socket
  // becomes readable; the look costs one recv and no change to the epoll registration.
  auto on_peeked = [watch = watch_](const boost::system::error_code& ec, std::size_t peeked) {
    // Inactive: the channel, and maybe the socket, may be gone.
    if (!watch->active) return;
    watch->active = false;
    // Bytes: a pipelined request. Aborted: this side cancelled or closed the socket, which is not
    // the client leaving.
    if ((!ec && peeked > 0) || ec == asio::error::operation_aborted) return;
    watch->on_leave();
  };
  socket_.async_receive(asio::buffer(&watch_->next, 1), tcp::socket::message_peek,
                        std::move(on_peeked));
}

void SessionChannel::stop_watching() {
  if (watch_ == nullptr) return;
  if (watch_->active) {
    watch_->active = false;
    boost::system::error_code ignored;
    // Called by the handler between its writes: nothing else is pending on the client socket.
    socket_.cancel(ignored);
  }
  watch_.reset();
}

}  // namespace safemig::http::detail
