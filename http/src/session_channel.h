// Private to safemig_http: the ResponseChannel a session hands to a StreamingHandler, writing
// straight to the client socket.
//
// Thread safety: used only on the session's strand, by one handler at a time.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "safemig/http/router.h"
#include "safemig/http/socket_deadline.h"

namespace safemig::http::detail {

// What the channel needs to know about the request it answers.
struct ChannelRequest {
  unsigned version = 11;   // 10 or 11.
  bool keep_alive = true;  // The client allows another request on this connection.
  bool head_only = false;  // A HEAD request: no body is sent.
};

class SessionChannel final : public ResponseChannel {
 public:
  // `stopping` is read when the head is written: a stopping server answers Connection: close.
  // `deadline` is the one bounding `socket`'s operations.
  SessionChannel(boost::asio::ip::tcp::socket& socket, SocketDeadline& deadline,
                 ChannelRequest request, std::chrono::seconds write_timeout,
                 const std::atomic<bool>& stopping)
      : socket_(socket),
        deadline_(deadline),
        request_(request),
        write_timeout_(write_timeout),
        stopping_(stopping) {}

  boost::asio::awaitable<Result<void>> write_response(Response response) override;
  boost::asio::awaitable<Result<void>> write_head(bhttp::response_header<> head) override;
  boost::asio::awaitable<Result<void>> write_body(std::string_view data) override;
  boost::asio::awaitable<Result<void>> finish() override;
  ~SessionChannel() override { stop_watching(); }
  SessionChannel(const SessionChannel&) = delete;
  SessionChannel& operator=(const SessionChannel&) = delete;

  void watch_client(std::function<void()> on_leave) override;
  void stop_watching() override;

  // Nothing has been sent yet.
  bool untouched() const { return phase_ == Phase::idle; }
  // A whole response was sent and the connection may serve another request.
  bool reusable() const { return phase_ == Phase::finished && keep_alive_; }

 private:
  enum class Phase { idle, head_sent, finished, failed };
  enum class BodyMode { none, length, chunked, until_close };

  struct ClientWatch;

  // Marks the channel failed and returns the io error for `what`.
  Error broken(std::string_view what, const boost::system::error_code& ec);

  boost::asio::ip::tcp::socket& socket_;
  SocketDeadline& deadline_;
  const ChannelRequest request_;
  const std::chrono::seconds write_timeout_;
  const std::atomic<bool>& stopping_;
  Phase phase_ = Phase::idle;
  BodyMode mode_ = BodyMode::none;
  bool keep_alive_ = false;
  std::uint64_t remaining_ = 0;  // Body bytes still owed when mode_ is length.
  // A head with a Content-Length body waits here for the first body piece, so that a small
  // response leaves in one write (one segment, one wakeup of the client). Heads of streamed
  // (chunked or close-delimited) bodies are sent at once: a client sees the status before the
  // first event.
  std::string pending_head_;
  // Shared with the wait on the socket, whose completion may come after the channel is gone.
  std::shared_ptr<ClientWatch> watch_;
};

// Sets `response`'s version to the request's and its keep-alive to what both sides allow (and
// not while stopping); adds Content-Length when neither it nor chunked is set. Returns whether
// the connection may serve another request after this response.
bool finalize_response(Response& response, const ChannelRequest& request, bool stopping);

}  // namespace safemig::http::detail
