// Server over real loopback sockets with a synchronous Beast client: round trips, keep-alive,
// limits, malformed input, incremental streaming, and stop() finishing an in-flight request.
#include "safemig/http/server.h"

#include "http_test_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace safemig::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using testing::Client;
using ::testing::HasSubstr;

Request get(std::string target, unsigned version = 11) {
  Request request{bhttp::verb::get, target, version};
  request.set(bhttp::field::host, "localhost");
  return request;
}

// A gate a streaming handler waits on until the test opens it. Used on the server's thread.
class Gate {
 public:
  explicit Gate(asio::io_context& io)
      : io_(io), timer_(io, asio::steady_timer::time_point::max()) {}
  asio::awaitable<void> wait() { co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable)); }
  // Opens the gate for current and future waiters; callable from any thread.
  void open() {
    asio::post(io_, [this] { timer_.expires_at(asio::steady_timer::time_point::min()); });
  }

 private:
  asio::io_context& io_;
  asio::steady_timer timer_;
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : gate_(io_) {
    router_->add(bhttp::verb::get, "/hello", [](const Request& r, const RequestContext& c) {
      return text_response(r, bhttp::status::ok, "text/plain", "hello " + c.peer_address);
    });
    router_->add(bhttp::verb::post, "/echo", [](const Request& r, const RequestContext&) {
      return text_response(r, bhttp::status::ok, "text/plain", r.body());
    });
    router_->add(bhttp::verb::get, "/unchanged", [](const Request& r, const RequestContext&) {
      return text_response(r, bhttp::status::not_modified, "text/plain", "");
    });
    router_->add(bhttp::verb::get, "/throw", [](const Request&, const RequestContext&) -> Response {
      throw std::runtime_error("handler bug");
    });
    router_->add_prefix(
        "/stream/",
        [this](Request request, RequestContext, ResponseChannel& channel) -> asio::awaitable<void> {
          return stream(std::move(request), channel);
        });
    router_->add_prefix(
        "/sized/",
        [this](Request request, RequestContext, ResponseChannel& channel) -> asio::awaitable<void> {
          return sized(std::move(request), channel);
        });
    router_->add_prefix(
        "/slow/",
        [this](Request request, RequestContext, ResponseChannel& channel) -> asio::awaitable<void> {
          return slow(std::move(request), channel);
        });
    router_->add_prefix(
        "/flood/",
        [this](Request, RequestContext, ResponseChannel& channel) -> asio::awaitable<void> {
          return flood(channel);
        });
    router_->add_prefix(
        "/watch/",
        [this](Request request, RequestContext, ResponseChannel& channel) -> asio::awaitable<void> {
          return watch(std::move(request), channel);
        });
  }

  ~ServerTest() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  void start(ServerOptions options = {}, const std::string& host = "127.0.0.1") {
    auto server = Server::listen(io_, ListenAddress{host, 0}, router_, options);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }

  // Writes "first", waits for the gate, writes "second".
  asio::awaitable<void> stream(Request, ResponseChannel& channel) {
    bhttp::response_header<> head;
    head.result(bhttp::status::ok);
    head.set(bhttp::field::content_type, "text/plain");
    if (!co_await channel.write_head(std::move(head))) co_return;
    if (!co_await channel.write_body("first")) co_return;
    co_await gate_.wait();
    if (!co_await channel.write_body("second")) co_return;
    co_await channel.finish();
  }

  // Sends a head with Content-Length 11, waits for the gate, then writes "first" and "second".
  asio::awaitable<void> sized(Request, ResponseChannel& channel) {
    bhttp::response_header<> head;
    head.result(bhttp::status::ok);
    head.set(bhttp::field::content_type, "text/plain");
    head.set(bhttp::field::content_length, "11");
    if (!co_await channel.write_head(std::move(head))) co_return;
    co_await gate_.wait();
    if (!co_await channel.write_body("first")) co_return;
    if (!co_await channel.write_body("second")) co_return;
    co_await channel.finish();
  }

  // Reports that it started, waits for the gate, answers whole.
  asio::awaitable<void> slow(Request request, ResponseChannel& channel) {
    slow_started_.set_value();
    co_await gate_.wait();
    co_await channel.write_response(
        text_response(request, bhttp::status::ok, "text/plain", "finished"));
  }

  // Writes 64 KiB pieces until a write fails; reports that failure.
  asio::awaitable<void> flood(ResponseChannel& channel) {
    bhttp::response_header<> head;
    head.result(bhttp::status::ok);
    head.set(bhttp::field::content_type, "text/plain");
    Result<void> written = co_await channel.write_head(std::move(head));
    const std::string piece(std::size_t{64} * 1024, 'x');
    while (written) written = co_await channel.write_body(piece);
    flood_failure_.set_value(written.error());
  }

  // Watches the client until the gate opens (reporting a client that leaves), then answers whole.
  asio::awaitable<void> watch(Request request, ResponseChannel& channel) {
    channel.watch_client([this] { client_left_.set_value(); });
    co_await gate_.wait();
    channel.stop_watching();
    co_await channel.write_response(
        text_response(request, bhttp::status::ok, "text/plain", "watched"));
  }

  // Whether the /watch/ handler saw its client leave, waiting up to `wait`.
  bool client_left(std::chrono::milliseconds wait) {
    return client_left_future_.wait_for(wait) == std::future_status::ready;
  }

  asio::io_context io_;
  std::shared_ptr<Router> router_ = std::make_shared<Router>();
  Gate gate_;
  std::promise<void> slow_started_;
  std::promise<void> client_left_;
  std::promise<Error> flood_failure_;
  std::future<void> client_left_future_ = client_left_.get_future();
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, GetRoundTrip) {
  start();
  Client client(server_->port());
  const auto response = client.round_trip(get("/hello"));
  EXPECT_EQ(response.result(), bhttp::status::ok);
  EXPECT_EQ(response.body(), "hello 127.0.0.1");
  EXPECT_EQ(response[bhttp::field::content_type], "text/plain");
  EXPECT_TRUE(response.keep_alive());
}

TEST_F(ServerTest, KeepAliveServesThreeRequestsOnOneConnection) {
  start();
  Client client(server_->port());
  for (int i = 0; i < 3; ++i) {
    Request request{bhttp::verb::post, "/echo", 11};
    request.body() = "body " + std::to_string(i);
    const auto response = client.round_trip(std::move(request));
    EXPECT_EQ(response.body(), "body " + std::to_string(i));
    EXPECT_TRUE(response.keep_alive());
  }
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  start();
  Client client(server_->port());
  auto request = get("/hello");
  request.keep_alive(false);
  const auto response = client.round_trip(std::move(request));
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, Http10GetsAnHttp10AnswerAndAClose) {
  start();
  Client client(server_->port());
  const auto response = client.round_trip(get("/hello", 10));
  EXPECT_EQ(response.version(), 10u);
  EXPECT_EQ(response.body(), "hello 127.0.0.1");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, OversizedBodyIs413AndCloses) {
  ServerOptions options;
  options.body_limit = 1024;
  start(options);
  Client client(server_->port());
  Request request{bhttp::verb::post, "/echo", 11};
  request.body() = std::string(4096, 'x');
  const auto response = client.round_trip(std::move(request));
  EXPECT_EQ(response.result(), bhttp::status::payload_too_large);
  const auto body = boost::json::parse(response.body());
  EXPECT_EQ(body.at("error").at("type"), "request_too_large");
  EXPECT_THAT(std::string(body.at("error").at("message").as_string()), HasSubstr("1024 bytes"));
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
}

// The refusal is reported with the request's head and client, whether the limit is found in
// the middle of the body (chunked) or from its Content-Length before the body (Expect).
TEST_F(ServerTest, OversizedBodiesAreReportedToTheRefusalHook) {
  std::mutex mutex;
  std::vector<std::string> refused;
  ServerOptions options;
  options.body_limit = 16;
  options.on_body_too_large = [&](const Request& head, const RequestContext& context) {
    std::lock_guard lock(mutex);
    refused.push_back(std::string(head.method_string()) + " " + std::string(head.target()) +
                      " from " + context.peer_address);
  };
  start(options);
  Client chunked(server_->port());
  chunked.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.read_response().result(), bhttp::status::payload_too_large);
  Client expecting(server_->port());
  expecting.write_raw(
      "PUT /big?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(expecting.read_response().result(), bhttp::status::payload_too_large);
  std::lock_guard lock(mutex);
  EXPECT_EQ(refused,
            (std::vector<std::string>{"POST /echo from 127.0.0.1", "PUT /big?x=1 from 127.0.0.1"}));
}

TEST_F(ServerTest, HeadOverTheLimitIs431AndALongUrl414) {
  start();
  {
    Client client(server_->port());
    client.write_raw("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100'000, 'a') +
                     "\r\n\r\n");
    const Response response = client.read_response();
    EXPECT_EQ(response.result(), bhttp::status::request_header_fields_too_large);
    EXPECT_THAT(response.body(), HasSubstr("request head is larger than the limit"));
  }
  Client client(server_->port());
  client.write_raw("GET /hello?q=" + std::string(100'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::uri_too_long);
  EXPECT_THAT(response.body(), HasSubstr("shorten the URL"));
}

TEST_F(ServerTest, AbsoluteFormTargetIsServedByItsPath) {
  start();
  Client client(server_->port());
  client.write_raw("GET http://example.test:8080/hello HTTP/1.1\r\nHost: other\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::ok);
  EXPECT_EQ(response.body(), "hello 127.0.0.1");
}

TEST(ToOriginForm, KeepsPathAndQueryAndTakesTheHostFromTheTarget) {
  const auto rewrite = [](std::string target) {
    Request request = get(std::move(target));
    to_origin_form(request);
    return std::string(request.target()) + " " + std::string(request[bhttp::field::host]);
  };
  EXPECT_EQ(rewrite("http://a.test/v1/models?x=1"), "/v1/models?x=1 a.test");
  EXPECT_EQ(rewrite("HTTPS://a.test:8443"), "/ a.test:8443");
  EXPECT_EQ(rewrite("http://a.test?x=1"), "/?x=1 a.test");
  EXPECT_EQ(rewrite("/v1/models"), "/v1/models localhost");
  EXPECT_EQ(rewrite("ftp://a.test/x"), "ftp://a.test/x localhost");
  EXPECT_EQ(rewrite("*"), "* localhost");
}

TEST_F(ServerTest, ExpectContinueGets100BeforeTheBody) {
  start();
  Client client(server_->port());
  client.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(client.read_response().result(), bhttp::status::continue_);
  client.write_raw("ping");
  const auto response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::ok);
  EXPECT_EQ(response.body(), "ping");
}

TEST_F(ServerTest, ExpectContinueOverTheLimitIs413WithoutReadingTheBody) {
  ServerOptions options;
  options.body_limit = 8;
  start(options);
  Client client(server_->port());
  client.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(client.read_response().result(), bhttp::status::payload_too_large);
}

TEST_F(ServerTest, PipelinedRequestsInOneWriteAreAnsweredInOrder) {
  start();
  Client client(server_->port());
  client.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().body(), "one");
  EXPECT_EQ(client.read_response().body(), "two");
  EXPECT_EQ(client.read_response().body(), "hello 127.0.0.1");
}

TEST_F(ServerTest, RequestSplitAcrossSegmentsIsReassembled) {
  start();
  Client client(server_->port());
  for (const std::string_view piece :
       {"POST /echo HTTP/1.1\r\nHo", "st: x\r\nContent-Length: 5\r\n\r\nhe", "llo"}) {
    client.write_raw(piece);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::ok);
  EXPECT_EQ(response.body(), "hello");
}

// The read timeout bounds the whole request, so a body trickling in cannot hold the connection.
TEST_F(ServerTest, BodyStillMissingAtTheReadTimeoutClosesTheConnection) {
  ServerOptions options;
  options.read_timeout = std::chrono::seconds(1);
  start(options);
  Client client(server_->port());
  client.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  client.write_raw("def");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, SilentClientIsClosedAfterTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = std::chrono::seconds(1);
  start(options);
  Client client(server_->port());
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  start(options);
  Client client(server_->port());
  EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok);
  EXPECT_TRUE(client.closed_by_server());
}

// The read timeout bounds reading the request, not the handler: one slower than every timeout
// still gets its answer out, and the connection serves on.
TEST_F(ServerTest, HandlerSlowerThanTheTimeoutsStillAnswers) {
  ServerOptions options;
  options.read_timeout = std::chrono::seconds(1);
  options.write_timeout = std::chrono::seconds(1);
  start(options);
  Client client(server_->port());
  bhttp::write(client.socket(), get("/slow/x"));
  slow_started_.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  gate_.open();
  EXPECT_EQ(client.read_response().body(), "finished");
  EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok);
}

// The write timeout bounds each write, not the pause between two pieces of a stream.
TEST_F(ServerTest, StreamPausedLongerThanTheWriteTimeoutStaysOpen) {
  ServerOptions options;
  options.write_timeout = std::chrono::seconds(1);
  start(options);
  Client client(server_->port());
  bhttp::write(client.socket(), get("/stream/x"));
  bhttp::response_parser<bhttp::string_body> parser;
  while (parser.get().body().size() < 5) bhttp::read_some(client.socket(), client.buffer(), parser);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  gate_.open();
  bhttp::read(client.socket(), client.buffer(), parser);
  EXPECT_EQ(parser.get().body(), "firstsecond");
}

// A client that reads nothing for the write timeout is cut off, and the handler learns that it
// was the timeout (aborted), not the client leaving (io).
TEST_F(ServerTest, WriteToAClientThatReadsNothingTimesOutAsAborted) {
  ServerOptions options;
  options.write_timeout = std::chrono::seconds(1);
  start(options);
  Client client(server_->port());
  bhttp::write(client.socket(), get("/flood/x"));
  auto failure = flood_failure_.get_future();
  ASSERT_EQ(failure.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const Error error = failure.get();
  EXPECT_EQ(error.code, ErrorCode::aborted) << error.message;
  EXPECT_THAT(error.message, HasSubstr("the client read nothing for 1 s"));
}

TEST_F(ServerTest, WriteToAClientThatLeftIsAnIoError) {
  start();
  {
    Client client(server_->port());
    bhttp::write(client.socket(), get("/flood/x"));
    std::array<char, 1024> some{};
    client.socket().read_some(asio::buffer(some));
  }
  auto failure = flood_failure_.get_future();
  ASSERT_EQ(failure.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(failure.get().code, ErrorCode::io);
}

TEST_F(ServerTest, GarbageIs400) {
  start();
  Client client(server_->port());
  client.write_raw("GARBAGE\r\n\r\n");
  const auto response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::bad_request);
  const auto body = boost::json::parse(response.body());
  EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
  EXPECT_TRUE(client.closed_by_server());
}

// A body whose end cannot be known must not be read as the next request (RFC 9112 §6.3).
TEST_F(ServerTest, TransferCodingsNotEndingInChunkedAre400AndNothingMoreIsRead) {
  start();
  const std::string smuggled = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const char* codings : {"chunked, identity", "identity", "xchunked"}) {
    SCOPED_TRACE(codings);
    Client client(server_->port());
    client.write_raw(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ") +
                     codings + "\r\n\r\n" + smuggled);
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), bhttp::status::bad_request);
    EXPECT_THAT(response.body(), HasSubstr("does not end in chunked"));
    EXPECT_TRUE(client.closed_by_server());
  }
}

TEST_F(ServerTest, TransferCodingsOtherThanChunkedAre501AndChunkedTwiceIs400) {
  start();
  const std::string body = "5\r\nhello\r\n0\r\n\r\n";
  {
    Client client(server_->port());
    client.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
                     body);
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), bhttp::status::not_implemented);
    EXPECT_THAT(response.body(), HasSubstr("'gzip' is not implemented"));
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    Client client(server_->port());
    client.write_raw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" + body);
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), bhttp::status::bad_request);
    EXPECT_THAT(response.body(), HasSubstr("chunked more than once"));
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    Client client(server_->port());
    client.write_raw("POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), bhttp::status::bad_request);
    EXPECT_THAT(response.body(), HasSubstr("HTTP/1.0"));
  }
  {
    Client client(server_->port());
    client.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n" + body);
    const auto response = client.read_response();
    EXPECT_EQ(response.result(), bhttp::status::ok);
    EXPECT_EQ(response.body(), "hello");
  }
}

TEST_F(ServerTest, UnknownPathIs404Json) {
  start();
  Client client(server_->port());
  const auto response = client.round_trip(get("/nowhere"));
  EXPECT_EQ(response.result(), bhttp::status::not_found);
  EXPECT_EQ(response[bhttp::field::content_type], "application/json");
  EXPECT_TRUE(response.keep_alive());
}

TEST_F(ServerTest, HandlerExceptionIs500AndTheConnectionSurvives) {
  start();
  Client client(server_->port());
  EXPECT_EQ(client.round_trip(get("/throw")).result(), bhttp::status::internal_server_error);
  EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok);
}

TEST_F(ServerTest, HeadSendsNoBody) {
  start();
  Client client(server_->port());
  Request request{bhttp::verb::head, "/hello", 11};
  request.set(bhttp::field::host, "localhost");
  request.prepare_payload();
  bhttp::write(client.socket(), request);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(true);  // A response to HEAD has no body whatever its Content-Length says.
  bhttp::read(client.socket(), client.buffer(), parser);
  EXPECT_EQ(parser.get().result(), bhttp::status::ok);
  EXPECT_EQ(parser.get()[bhttp::field::content_length], "15");
  EXPECT_EQ(client.round_trip(get("/hello")).body(), "hello 127.0.0.1");
}

// A 304 carries no framing field: its Content-Length would be that of the stored representation.
TEST_F(ServerTest, NotModifiedCarriesNoContentLengthAndKeepsTheConnection) {
  start();
  Client client(server_->port());
  const Response unchanged = client.round_trip(get("/unchanged"));
  EXPECT_EQ(unchanged.result(), bhttp::status::not_modified);
  EXPECT_EQ(unchanged.count(bhttp::field::content_length), 0u);
  EXPECT_EQ(unchanged.count(bhttp::field::transfer_encoding), 0u);
  EXPECT_EQ(client.round_trip(get("/hello")).body(), "hello 127.0.0.1");
}

TEST_F(ServerTest, StreamingHandlerChunksArriveIncrementally) {
  start();
  Client client(server_->port());
  Request request = get("/stream/x");
  bhttp::write(client.socket(), request);
  bhttp::response_parser<bhttp::string_body> parser;
  bhttp::read_header(client.socket(), client.buffer(), parser);
  EXPECT_TRUE(parser.chunked());
  // The handler is still waiting at the gate: "first" must arrive on its own.
  while (parser.get().body().size() < 5) bhttp::read_some(client.socket(), client.buffer(), parser);
  EXPECT_EQ(parser.get().body(), "first");
  EXPECT_FALSE(parser.is_done());
  gate_.open();
  bhttp::read(client.socket(), client.buffer(), parser);
  EXPECT_EQ(parser.get().body(), "firstsecond");
  // The chunked response ended cleanly: the connection serves another request.
  EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok);
}

TEST_F(ServerTest, WatchSeesTheClientCloseBeforeTheResponse) {
  start();
  {
    Client client(server_->port());
    bhttp::write(client.socket(), get("/watch/x"));
  }
  EXPECT_TRUE(client_left(std::chrono::seconds(5)));
  gate_.open();
}

TEST_F(ServerTest, StoppedWatchLetsTheResponseThroughAndTheConnectionServesOn) {
  start();
  Client client(server_->port());
  bhttp::write(client.socket(), get("/watch/x"));
  gate_.open();
  EXPECT_EQ(client.read_response().body(), "watched");
  EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok);
  EXPECT_FALSE(client_left(std::chrono::milliseconds(0)));
}

// A pipelined request is not a client leaving: it stays unread until the response being
// watched is sent, then it is served.
TEST_F(ServerTest, PipelinedRequestIsNotALeavingClientAndIsServedNext) {
  start();
  Client client(server_->port());
  bhttp::write(client.socket(), get("/watch/x"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  bhttp::write(client.socket(), get("/hello"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gate_.open();
  EXPECT_EQ(client.read_response().body(), "watched");
  EXPECT_EQ(client.read_response().body(), "hello 127.0.0.1");
  EXPECT_FALSE(client_left(std::chrono::milliseconds(0)));
}

TEST_F(ServerTest, SingleThreadedServerServesWithoutStrands) {
  ServerOptions options;
  options.single_threaded = true;
  start(options);
  Client client(server_->port());
  EXPECT_EQ(client.round_trip(get("/hello")).body(), "hello 127.0.0.1");
  bhttp::write(client.socket(), get("/sized/x"));
  gate_.open();
  EXPECT_EQ(client.read_response().body(), "firstsecond");
  EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok);
  server_->stop();
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, SizedStreamingHeadLeavesWithTheFirstBodyPiece) {
  start();
  Client client(server_->port());
  bhttp::write(client.socket(), get("/sized/x"));
  // The handler wrote its head and waits at the gate: the head is held for the body.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(client.socket().available(), 0U);
  gate_.open();
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::ok);
  EXPECT_EQ(response[bhttp::field::content_length], "11");
  EXPECT_FALSE(response.chunked());
  EXPECT_EQ(response.body(), "firstsecond");
  EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok);
}

TEST_F(ServerTest, StopFinishesTheInFlightRequestThenEverythingCloses) {
  start();
  Client idle(server_->port());
  ASSERT_EQ(idle.round_trip(get("/hello")).result(), bhttp::status::ok);
  Client busy(server_->port());
  bhttp::write(busy.socket(), get("/slow/1"));
  slow_started_.get_future().wait();
  EXPECT_EQ(server_->in_flight(), 1u);

  server_->stop();
  EXPECT_TRUE(idle.closed_by_server());
  gate_.open();
  const auto response = busy.read_response();
  EXPECT_EQ(response.body(), "finished");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(busy.closed_by_server());
  // Nothing is left to run: the io_context's thread ends by itself.
  thread_.join();
  EXPECT_EQ(server_->in_flight(), 0u);
  asio::io_context io;
  tcp::socket late(io);
  boost::system::error_code ec;
  late.connect(tcp::endpoint(asio::ip::address_v4::loopback(), server_->port()), ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

TEST_F(ServerTest, PortInUseIsAnIoErrorNamingTheAddress) {
  start();
  asio::io_context io;
  auto second = Server::listen(io, ListenAddress{"127.0.0.1", server_->port()}, router_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io);
  EXPECT_THAT(second.error().message, HasSubstr("127.0.0.1:" + std::to_string(server_->port())));
}

// The addresses `localhost` resolves to on this machine (127.0.0.1, and ::1 where /etc/hosts
// lists it).
std::vector<asio::ip::address> localhost_addresses() {
  asio::io_context io;
  tcp::resolver resolver(io);
  std::vector<asio::ip::address> addresses;
  for (const auto& entry : resolver.resolve("localhost", "0", tcp::resolver::passive)) {
    addresses.push_back(entry.endpoint().address());
  }
  return addresses;
}

TEST_F(ServerTest, LocalhostIsServedOnEveryAddressItResolvesTo) {
  start({}, "localhost");
  const auto addresses = localhost_addresses();
  EXPECT_THAT(addresses, ::testing::Contains(asio::ip::make_address("127.0.0.1")));
  for (const asio::ip::address& address : addresses) {
    Client client(tcp::endpoint(address, server_->port()));
    EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok) << address;
  }
}

// Whether this machine can listen on ::1 (a container may have no IPv6).
bool has_ipv6_loopback() {
  asio::io_context io;
  tcp::acceptor probe(io);
  boost::system::error_code ec;
  probe.open(tcp::v6(), ec);
  if (!ec) probe.bind(tcp::endpoint(asio::ip::address_v6::loopback(), 0), ec);
  return !ec;
}

// No host resolves to the IPv4 and the IPv6 wildcard: both are bound, on one port, whatever
// /etc/hosts says of localhost.
TEST_F(ServerTest, HostOfTwoAddressesIsServedOnBothOnOnePort) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "this machine cannot listen on ::1";
  start({}, "");
  for (const char* address : {"127.0.0.1", "::1"}) {
    Client client(tcp::endpoint(asio::ip::make_address(address), server_->port()));
    EXPECT_EQ(client.round_trip(get("/hello")).result(), bhttp::status::ok) << address;
  }
}

TEST_F(ServerTest, PortInUseOnOneAddressOfTheHostFailsTheWholeListen) {
  asio::io_context io;
  tcp::acceptor taken(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t port = taken.local_endpoint().port();
  auto server = Server::listen(io, ListenAddress{"localhost", port}, router_);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::io);
  EXPECT_THAT(server.error().message,
              HasSubstr("port " + std::to_string(port) + " of 127.0.0.1 is in use"));
  // No other address of localhost was left listening.
  for (const asio::ip::address& address : localhost_addresses()) {
    if (address.is_v4()) continue;
    tcp::socket probe(io);
    boost::system::error_code ec;
    probe.connect(tcp::endpoint(address, port), ec);
    EXPECT_EQ(ec, asio::error::connection_refused) << address;
  }
}

}  // namespace
}  // namespace safemig::http
