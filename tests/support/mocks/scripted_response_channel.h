// ScriptedResponseChannel: a ResponseChannel (http/router.h) that keeps what the client got and
// breaks on cue, as Beast's test::stream does with its fail_count: the Nth write fails, or the
// client leaves after the Nth write (a watch then reports it, as the session's does).
//
// Writes are counted from 1 across write_response, write_head, write_body and finish.
//
// Thread safety: one io_context thread, as the session's channel.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "safemig/http/router.h"

namespace safemig::testing {

class ScriptedResponseChannel final : public http::ResponseChannel {
 public:
  // `executor`: where a watch reports the client's leaving.
  explicit ScriptedResponseChannel(boost::asio::any_io_executor executor)
      : executor_(std::move(executor)) {}
  ~ScriptedResponseChannel() override;
  ScriptedResponseChannel(const ScriptedResponseChannel&) = delete;
  ScriptedResponseChannel& operator=(const ScriptedResponseChannel&) = delete;

  // Write number `n` fails with `code` (io: the client went away; aborted: it read nothing for
  // the write timeout), and so does every write after it.
  void fail_write(std::size_t n, ErrorCode code = ErrorCode::io);
  // The client leaves once write number `n` succeeded (0: before any write). A watch reports it
  // through the executor, as the session does; writes after it fail with io.
  void leave_after_write(std::size_t n);

  boost::asio::awaitable<Result<void>> write_response(http::Response response) override;
  boost::asio::awaitable<Result<void>> write_head(http::bhttp::response_header<> head) override;
  boost::asio::awaitable<Result<void>> write_body(std::string_view data) override;
  boost::asio::awaitable<Result<void>> finish() override;
  void watch_client(std::function<void()> on_leave) override;
  void stop_watching() override;

  // What the client got.
  std::optional<http::Response> response;  // A whole response (write_response).
  std::optional<http::bhttp::response_header<>> head;
  std::string body;        // Body pieces written, in order.
  bool finished = false;   // finish() succeeded.
  std::size_t writes = 0;  // Writes attempted.
  bool left = false;       // The client has left.
  bool watched = false;    // watch_client() was called.

 private:
  struct Watch {
    std::function<void()> on_leave;
    bool active = true;
  };
  // Counts a write; an error when it is to fail.
  boost::asio::awaitable<Result<void>> count_write();
  // Reports the client's leaving to an active watch, through the executor.
  void report_leaving();

  std::optional<std::size_t> fail_from_;
  ErrorCode fail_code_ = ErrorCode::io;
  std::optional<std::size_t> leave_after_;
  std::shared_ptr<Watch> watch_;
  boost::asio::any_io_executor executor_;
};

}  // namespace safemig::testing
