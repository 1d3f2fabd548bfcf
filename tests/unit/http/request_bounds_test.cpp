// What the server refuses from a request head before reading the body, over real loopback
// sockets: a missing or repeated Host (400), a body on a route of another method (405) or on a
// server that takes none (413), and a body that would take the bodies in flight over their bound
// (503, reported to a hook).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "safemig/http/server.h"

namespace safemig::http {
namespace {

using testing::Client;
using ::testing::HasSubstr;

std::string error_type(const Response& response) {
  return std::string(boost::json::parse(response.body()).at("error").at("type").as_string());
}

std::string error_message(const Response& response) {
  return std::string(boost::json::parse(response.body()).at("error").at("message").as_string());
}

class RequestBoundsTest : public ::testing::Test {
 protected:
  RequestBoundsTest() {
    router_->add(bhttp::verb::get, "/hello", [](const Request& r, const RequestContext&) {
      return text_response(r, bhttp::status::ok, "text/plain", "hello");
    });
    router_->add(bhttp::verb::post, "/echo", [](const Request& r, const RequestContext&) {
      return text_response(r, bhttp::status::ok, "text/plain", r.body());
    });
  }

  ~RequestBoundsTest() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  void start(ServerOptions options = {}) {
    auto server = Server::listen(io_, ListenAddress{"127.0.0.1", 0}, router_, options);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }

  boost::asio::io_context io_;
  std::shared_ptr<Router> router_ = std::make_shared<Router>();
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(RequestBoundsTest, Http11WithoutHostIs400AndCloses) {
  start();
  Client client(server_->port());
  client.write_raw("GET /hello HTTP/1.1\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::bad_request);
  EXPECT_THAT(error_message(response), HasSubstr("needs a Host header"));
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(RequestBoundsTest, TwoHostHeadersAre400) {
  start();
  Client client(server_->port());
  client.write_raw("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::bad_request);
  EXPECT_THAT(error_message(response), HasSubstr("2 Host headers"));
}

TEST_F(RequestBoundsTest, Http10WithoutHostIsServed) {
  start();
  Client client(server_->port());
  client.write_raw("GET /hello HTTP/1.0\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::ok);
  EXPECT_EQ(response.body(), "hello");
}

// The client sends only the head: an answer proves the body was not waited for.
TEST_F(RequestBoundsTest, BodyOverTheLimitOnARouteOfAnotherMethodIs405WithoutReadingIt) {
  ServerOptions options;
  options.body_limit = 0;
  start(options);
  Client client(server_->port());
  client.write_raw("PUT /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 30000000\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(response[bhttp::field::allow], "GET, HEAD");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(RequestBoundsTest, AnyBodyOnAServerThatTakesNoneIs413WithoutReadingIt) {
  ServerOptions options;
  options.body_limit = 0;
  start(options);
  Client client(server_->port());
  client.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 30000000\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::payload_too_large);
  EXPECT_THAT(error_message(response), HasSubstr("takes no request body"));
  EXPECT_TRUE(client.closed_by_server());
}

// A held body's Content-Length counts from its head on (the 100 Continue shows the head was
// read), so a second body over what is left is refused; once the first is served, its bytes are
// free again.
TEST_F(RequestBoundsTest, BodyOverTheBytesInFlightIs503UntilTheHeldBodyIsServed) {
  ServerOptions options;
  options.bodies_in_flight_limit = 100;
  std::mutex mutex;
  std::vector<std::string> refused_heads;
  options.on_bodies_over_budget = [&](const Request& head, const RequestContext& context) {
    std::lock_guard lock(mutex);
    refused_heads.push_back(std::string(head.target()) + " from " + context.peer_address);
  };
  start(options);
  Client holding(server_->port());
  holding.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 80\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_EQ(holding.read_response().result(), bhttp::status::continue_);

  Client refused(server_->port());
  refused.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n");
  const Response response = refused.read_response();
  EXPECT_EQ(response.result(), bhttp::status::service_unavailable);
  EXPECT_EQ(error_type(response), "server_overloaded");
  EXPECT_THAT(error_message(response), HasSubstr("bound of 100 bytes"));
  EXPECT_EQ(response[bhttp::field::retry_after], "1");
  EXPECT_TRUE(refused.closed_by_server());

  holding.write_raw(std::string(80, 'a'));
  EXPECT_EQ(holding.read_response().body(), std::string(80, 'a'));
  Client after(server_->port());
  after.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n" +
                  std::string(30, 'b'));
  EXPECT_EQ(after.read_response().body(), std::string(30, 'b'));
  std::lock_guard lock(mutex);
  EXPECT_EQ(refused_heads, std::vector<std::string>{"/echo from 127.0.0.1"});
}

TEST_F(RequestBoundsTest, ChunkedBodyOverTheBytesInFlightIs503AsItsBytesArrive) {
  ServerOptions options;
  options.bodies_in_flight_limit = 100;
  start(options);
  Client client(server_->port());
  client.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  client.write_raw("40\r\n" + std::string(64, 'a') + "\r\n");
  client.write_raw("40\r\n" + std::string(64, 'a') + "\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.result(), bhttp::status::service_unavailable);
  EXPECT_EQ(error_type(response), "server_overloaded");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(RequestBoundsTest, ChunkedBodyWithinTheBytesInFlightIsServed) {
  ServerOptions options;
  options.bodies_in_flight_limit = 100;
  start(options);
  Client client(server_->port());
  client.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   std::string("40\r\n") + std::string(64, 'a') + "\r\n0\r\n\r\n");
  EXPECT_EQ(client.read_response().body(), std::string(64, 'a'));
}

}  // namespace
}  // namespace safemig::http
