// FakeUpstream: the OpenAI-compatible fake, as a StreamingHandler on safemig::http::Server.
//
// Thread safety: the handler runs on the server's threads; the record of received requests and
// the set of pauses in progress are guarded by mutexes; stop() is idempotent and serialised.
#include "support/fake_upstream.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include "safemig/http/server.h"
#include "support/fake_upstream_apis.h"

namespace safemig::testing {

namespace asio = boost::asio;
namespace json = boost::json;
namespace bhttp = boost::beast::http;
using http::Request;
using http::ResponseChannel;

namespace {

// Per-request behaviour after the X-Fake-* headers are applied.
struct Plan {
  int tokens = 0;
  std::chrono::milliseconds first_byte_delay{0};
  std::optional<int> disconnect_after;
  std::optional<unsigned> status;
};

// An X-Fake-* header as a number in [low, high]; nullopt when absent; an error when malformed.
Result<std::optional<long>> header_number(const Request& request, std::string_view name, long low,
                                          long high) {
  const auto it = request.find(name);
  if (it == request.end()) return std::optional<long>{};
  const std::string_view text = it->value();
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low ||
      value > high) {
    return fail(ErrorCode::invalid_input, std::string(name) + " must be a number from " +
                                              std::to_string(low) + " to " + std::to_string(high));
  }
  return std::optional<long>{value};
}

Result<Plan> make_plan(const Request& request, const FakeUpstreamOptions& options) {
  Plan plan;
  plan.tokens = options.tokens;
  SAFEMIG_TRY(const auto tokens, header_number(request, "X-Fake-Tokens", 0, 1000000));
  SAFEMIG_TRY(const auto delay, header_number(request, "X-Fake-Delay-Ms", 0, 3600000));
  SAFEMIG_TRY(const auto disconnect, header_number(request, "X-Fake-Disconnect-After", 0, 1000000));
  SAFEMIG_TRY(const auto status, header_number(request, "X-Fake-Status", 400, 599));
  if (tokens) plan.tokens = static_cast<int>(*tokens);
  if (delay) plan.first_byte_delay = std::chrono::milliseconds(*delay);
  if (disconnect) plan.disconnect_after = static_cast<int>(*disconnect);
  if (status) plan.status = static_cast<unsigned>(*status);
  return plan;
}

// The OpenAI error type for an HTTP status.
std::string_view error_type_for(unsigned status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_exceeded";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

http::Response openai_error(const Request& request, unsigned status, std::string_view message) {
  json::object error;
  error["message"] = message;
  error["type"] = error_type_for(status);
  error["param"] = nullptr;
  error["code"] = status == 429 ? json::value("rate_limit_exceeded") : json::value(nullptr);
  json::object body;
  body["error"] = std::move(error);
  return http::json_response(request, static_cast<bhttp::status>(status), body);
}

std::size_t count_words(std::string_view text) {
  std::size_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

// Words in a message content: a string, or an array of parts with "text".
std::size_t count_content_words(const json::value& content) {
  if (content.is_string()) return count_words(content.get_string());
  std::size_t words = 0;
  if (content.is_array()) {
    for (const auto& part : content.get_array()) {
      if (part.is_string()) words += count_words(part.get_string());
      if (const auto* object = part.if_object()) {
        if (const auto* text = object->if_contains("text"); text && text->is_string()) {
          words += count_words(text->get_string());
        }
      }
    }
  }
  return words;
}

// The prompt size in words: a deterministic stand-in for tokens.
std::size_t prompt_tokens(const json::object& body, bool chat) {
  if (chat) {
    std::size_t words = 0;
    if (const auto* messages = body.if_contains("messages"); messages && messages->is_array()) {
      for (const auto& message : messages->get_array()) {
        if (const auto* object = message.if_object()) {
          if (const auto* content = object->if_contains("content")) {
            words += count_content_words(*content);
          }
        }
      }
    }
    return words;
  }
  if (const auto* prompt = body.if_contains("prompt")) return count_content_words(*prompt);
  return 0;
}

std::string token_text(int index) { return (index == 0 ? "tok" : " tok") + std::to_string(index); }

// What one completion request asked for.
struct Completion {
  bool chat = true;
  std::string id;
  std::int64_t created = 0;
  std::string model;
  bool stream = false;
  bool include_usage = false;
  int tokens = 0;
  std::string finish_reason = "stop";
  std::size_t prompt_tokens = 0;

  json::object usage() const {
    json::object usage;
    usage["prompt_tokens"] = prompt_tokens;
    usage["completion_tokens"] = tokens;
    usage["total_tokens"] = prompt_tokens + static_cast<std::size_t>(tokens);
    return usage;
  }

  json::object envelope(std::string_view object) const {
    json::object out;
    out["id"] = id;
    out["object"] = object;
    out["created"] = created;
    out["model"] = model;
    return out;
  }

  // One choice of a streamed chunk: token `index`, or the final one when index < 0.
  json::object chunk_choice(int index) const {
    json::object choice;
    if (chat) {
      choice["index"] = 0;
      json::object delta;
      if (index == 0) delta["role"] = "assistant";
      if (index >= 0) delta["content"] = token_text(index);
      choice["delta"] = std::move(delta);
    } else {
      choice["text"] = index >= 0 ? token_text(index) : std::string();
      choice["index"] = 0;
      choice["logprobs"] = nullptr;
    }
    choice["finish_reason"] = index >= 0 ? json::value(nullptr) : json::value(finish_reason);
    return choice;
  }

  std::string sse_chunk(int index) const {
    json::object chunk = envelope(chat ? "chat.completion.chunk" : "text_completion");
    chunk["choices"] = json::array{chunk_choice(index)};
    if (include_usage) chunk["usage"] = nullptr;
    return "data: " + json::serialize(chunk) + "\n\n";
  }

  std::string sse_usage_chunk() const {
    json::object chunk = envelope(chat ? "chat.completion.chunk" : "text_completion");
    chunk["choices"] = json::array{};
    chunk["usage"] = usage();
    return "data: " + json::serialize(chunk) + "\n\n";
  }

  json::object whole() const {
    std::string text;
    for (int i = 0; i < tokens; ++i) text += token_text(i);
    json::object choice;
    if (chat) {
      choice["index"] = 0;
      choice["message"] = json::object{{"role", "assistant"}, {"content", text}};
    } else {
      choice["text"] = text;
      choice["index"] = 0;
    }
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish_reason;
    json::object out = envelope(chat ? "chat.completion" : "text_completion");
    out["choices"] = json::array{choice};
    out["usage"] = usage();
    return out;
  }
};

// Reads the JSON body of a completion request. Errors: invalid_input saying what is wrong.
Result<Completion> parse_completion(const Request& request, bool chat, const Plan& plan,
                                    const FakeUpstreamOptions& options) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(request.body(), ec);
  if (ec || !parsed.is_object()) {
    return fail(ErrorCode::invalid_input, "the request body must be a JSON object");
  }
  const json::object& body = parsed.get_object();
  Completion completion;
  completion.chat = chat;
  completion.tokens = plan.tokens;
  completion.model = options.model;
  if (const auto* model = body.if_contains("model"); model && model->is_string()) {
    completion.model = model->get_string();
  }
  if (const auto* stream = body.if_contains("stream"); stream && stream->is_bool()) {
    completion.stream = stream->get_bool();
  }
  if (const auto* stream_options = body.if_contains("stream_options");
      stream_options && stream_options->is_object()) {
    const auto* include = stream_options->get_object().if_contains("include_usage");
    completion.include_usage =
        completion.stream && include && include->is_bool() && include->get_bool();
  }
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    if (const auto* max = body.if_contains(key); max && max->is_int64()) {
      if (max->get_int64() < completion.tokens) {
        completion.tokens = static_cast<int>(std::max<std::int64_t>(0, max->get_int64()));
        completion.finish_reason = "length";
      }
    }
  }
  completion.prompt_tokens = prompt_tokens(body, chat);
  completion.created = static_cast<std::int64_t>(std::time(nullptr));
  return completion;
}

// GET /v1/models. (Built outside the coroutines: GCC 12 mishandles braced JSON literals there.)
json::object models_list(const std::string& model_id) {
  json::object model{
      {"id", model_id}, {"object", "model"}, {"created", 0}, {"owned_by", "safemig"}};
  return json::object{{"object", "list"}, {"data", json::array{model}}};
}

std::string_view path_of(std::string_view target) {
  const auto end = target.find('?');
  return end == std::string_view::npos ? target : target.substr(0, end);
}

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::beast::iequals(key, name)) return value;
  }
  return std::nullopt;
}

class FakeUpstream::Impl {
 public:
  explicit Impl(FakeUpstreamOptions options) : options_(std::move(options)) {}

  Result<void> start();
  void stop();
  std::uint16_t port() const { return port_; }
  const FakeUpstreamOptions& options() const { return options_; }

  std::size_t request_count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  std::optional<RecordedRequest> last_request() const {
    std::lock_guard lock(mutex_);
    return last_;
  }
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return count_ >= count; });
  }

 private:
  // Records the request; returns its number (1 for the first).
  std::size_t record(const Request& request);
  asio::awaitable<void> handle(Request request, ResponseChannel& channel);
  asio::awaitable<void> complete(Request request, bool chat, Plan plan, std::size_t number,
                                 ResponseChannel& channel);
  // POST /v1/responses (`responses`) or /v1/embeddings (see fake_upstream_apis.h).
  asio::awaitable<void> answer_other_api(Request request, bool responses, Plan plan,
                                         std::size_t number, ResponseChannel& channel);
  asio::awaitable<void> stream(const Completion& completion, const Plan& plan,
                               ResponseChannel& channel);
  // Waits `delay` on the calling coroutine's executor. Returns false when stop() cut it short:
  // the handler then returns at once, which closes its connection.
  asio::awaitable<bool> pause(std::chrono::milliseconds delay);

  const FakeUpstreamOptions options_;
  asio::io_context io_;
  std::unique_ptr<http::Server> server_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::mutex lifecycle_mutex_;  // Serialises stop().
  std::atomic<bool> stopping_{false};

  // Threads still inside io_.run(), and the timers of pauses in progress (cancelled by stop()).
  std::mutex run_mutex_;
  std::condition_variable run_done_;
  int running_ = 0;                                       // Guarded by run_mutex_.
  std::set<std::shared_ptr<asio::steady_timer>> pauses_;  // Guarded by run_mutex_.

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::size_t count_ = 0;                // Guarded by mutex_.
  std::optional<RecordedRequest> last_;  // Guarded by mutex_.
};

std::size_t FakeUpstream::Impl::record(const Request& request) {
  RecordedRequest recorded;
  recorded.method = std::string(request.method_string());
  recorded.target = std::string(request.target());
  for (const auto& field : request) {
    recorded.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  recorded.body = request.body();
  std::size_t number = 0;
  {
    std::lock_guard lock(mutex_);
    number = ++count_;
    last_ = std::move(recorded);
  }
  arrived_.notify_all();
  return number;
}

asio::awaitable<void> FakeUpstream::Impl::handle(Request request, ResponseChannel& channel) {
  const std::size_t number = record(request);
  const std::string_view path = path_of(request.target());
  const bool chat = path == "/v1/chat/completions";
  const bool models = path == "/v1/models";
  const bool responses = path == "/v1/responses";
  const bool embeddings = path == "/v1/embeddings";
  if (!chat && !models && !responses && !embeddings && path != "/v1/completions") {
    co_await channel.write_response(
        http::json_error(request, bhttp::status::not_found, "not_found_error",
                         "fake upstream: no route for " + std::string(path)));
    co_return;
  }
  const bhttp::verb method = models ? bhttp::verb::get : bhttp::verb::post;
  if (request.method() != method) {
    auto response = http::json_error(
        request, bhttp::status::method_not_allowed, "invalid_request_error",
        "fake upstream: " + std::string(path) + " takes " + std::string(bhttp::to_string(method)));
    response.set(bhttp::field::allow, bhttp::to_string(method));
    co_await channel.write_response(std::move(response));
    co_return;
  }
  if (models) {
    co_await channel.write_response(
        http::json_response(request, bhttp::status::ok, models_list(options_.model)));
    co_return;
  }
  auto plan = make_plan(request, options_);
  if (!plan) {
    co_await channel.write_response(openai_error(request, 400, plan.error().message));
    co_return;
  }
  if (responses || embeddings) {
    co_await answer_other_api(std::move(request), responses, *plan, number, channel);
    co_return;
  }
  co_await complete(std::move(request), chat, *plan, number, channel);
}

asio::awaitable<void> FakeUpstream::Impl::answer_other_api(Request request, bool responses,
                                                           Plan plan, std::size_t number,
                                                           ResponseChannel& channel) {
  if (!co_await pause(plan.first_byte_delay)) co_return;
  boost::system::error_code ec;
  const json::value parsed = json::parse(request.body(), ec);
  if (plan.status || ec || !parsed.is_object()) {
    const unsigned status = plan.status.value_or(400);
    co_await channel.write_response(
        openai_error(request, status,
                     plan.status ? "fake upstream: status " + std::to_string(status) + " requested"
                                 : std::string("the request body must be a JSON object")));
    co_return;
  }
  const json::object& body = parsed.get_object();
  std::string model = options_.model;
  if (const auto* named = body.if_contains("model"); named && named->is_string()) {
    model = named->get_string();
  }
  if (!responses) {
    co_await channel.write_response(
        http::json_response(request, bhttp::status::ok, fake_apis::embeddings_list(body, model)));
    co_return;
  }
  fake_apis::ResponsesCall call;
  call.id = "resp_fake-" + std::to_string(number);
  call.model = model;
  call.tokens = plan.tokens;
  call.input_tokens = fake_apis::input_words(body);
  call.created_at = static_cast<std::int64_t>(std::time(nullptr));
  const auto* stream = body.if_contains("stream");
  if (stream == nullptr || !stream->is_bool() || !stream->get_bool()) {
    co_await channel.write_response(
        http::json_response(request, bhttp::status::ok, fake_apis::response_object(call)));
    co_return;
  }
  bhttp::response_header<> head;
  head.result(bhttp::status::ok);
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::cache_control, "no-cache");
  if (!co_await channel.write_head(std::move(head))) co_return;
  int sent = 0;
  for (std::string& event : fake_apis::response_events(call)) {
    if (plan.disconnect_after && sent >= *plan.disconnect_after) co_return;
    if (sent > 2 && !co_await pause(options_.token_delay)) co_return;
    if (!co_await channel.write_body(event)) co_return;
    ++sent;
  }
  co_await channel.finish();
}

asio::awaitable<void> FakeUpstream::Impl::complete(Request request, bool chat, Plan plan,
                                                   std::size_t number, ResponseChannel& channel) {
  if (!co_await pause(plan.first_byte_delay)) co_return;
  if (plan.status) {
    co_await channel.write_response(openai_error(
        request, *plan.status,
        "fake upstream: status " + std::to_string(*plan.status) + " requested by X-Fake-Status"));
    co_return;
  }
  auto completion = parse_completion(request, chat, plan, options_);
  if (!completion) {
    co_await channel.write_response(openai_error(request, 400, completion.error().message));
    co_return;
  }
  completion->id = (chat ? "chatcmpl-fake-" : "cmpl-fake-") + std::to_string(number);
  if (completion->stream) {
    co_await stream(*completion, plan, channel);
    co_return;
  }
  // Returning without a response closes the connection before any byte of it.
  if (plan.disconnect_after) co_return;
  if (!co_await pause(options_.token_delay * completion->tokens)) co_return;
  auto response = http::json_response(request, bhttp::status::ok, completion->whole());
  response.set("X-Request-Id", "req-" + completion->id);
  co_await channel.write_response(std::move(response));
}

asio::awaitable<void> FakeUpstream::Impl::stream(const Completion& completion, const Plan& plan,
                                                 ResponseChannel& channel) {
  bhttp::response_header<> head;
  head.result(bhttp::status::ok);
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::cache_control, "no-cache");
  head.set("X-Request-Id", "req-" + completion.id);
  if (!co_await channel.write_head(std::move(head))) co_return;
  int events = 0;
  // Sends one SSE event; false when the connection is gone or the plan says to drop it.
  auto send = [&](std::string event) -> asio::awaitable<bool> {
    if (plan.disconnect_after && events >= *plan.disconnect_after) co_return false;
    ++events;
    co_return static_cast<bool>(co_await channel.write_body(event));
  };
  for (int i = 0; i < completion.tokens; ++i) {
    if (i > 0 && !co_await pause(options_.token_delay)) co_return;
    if (!co_await send(completion.sse_chunk(i))) co_return;
  }
  if (!co_await send(completion.sse_chunk(-1))) co_return;
  if (completion.include_usage && !co_await send(completion.sse_usage_chunk())) co_return;
  if (!co_await send("data: [DONE]\n\n")) co_return;
  co_await channel.finish();
}

Result<void> FakeUpstream::Impl::start() {
  if (options_.tokens < 0 || options_.threads < 1 || options_.token_delay.count() < 0) {
    return fail(ErrorCode::invalid_input,
                "fake upstream: tokens and token_delay must be >= 0 and threads >= 1");
  }
  auto router = std::make_shared<http::Router>();
  router->add_prefix("/",
                     [this](Request request, http::RequestContext, ResponseChannel& channel)
                         -> asio::awaitable<void> { return handle(std::move(request), channel); });
  SAFEMIG_TRY(server_, http::Server::listen(io_, http::ListenAddress{options_.host, options_.port},
                                            std::move(router)));
  port_ = server_->port();
  running_ = options_.threads;
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      io_.run();
      {
        std::lock_guard lock(run_mutex_);
        --running_;
      }
      run_done_.notify_all();
    });
  }
  return {};
}

asio::awaitable<bool> FakeUpstream::Impl::pause(std::chrono::milliseconds delay) {
  if (delay.count() > 0) {
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, delay);
    {
      std::lock_guard lock(run_mutex_);
      if (stopping_.load()) co_return false;
      pauses_.insert(timer);
    }
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(run_mutex_);
    pauses_.erase(timer);
  }
  co_return !stopping_.load();
}

void FakeUpstream::Impl::stop() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (threads_.empty()) return;
  // Gracefully first: no new connections, idle ones closed, pauses cut short so that every
  // handler returns; the threads then run out of work.
  {
    std::lock_guard lock(run_mutex_);
    stopping_.store(true);
    for (const auto& timer : pauses_) {
      asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    }
  }
  server_->stop();
  // A client that neither finishes its request nor reads its response would hold a session
  // until its timeout: after a short grace period, stop outright.
  {
    std::unique_lock lock(run_mutex_);
    if (!run_done_.wait_for(lock, std::chrono::seconds(2), [&] { return running_ == 0; })) {
      io_.stop();
    }
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

FakeUpstream::FakeUpstream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeUpstream::~FakeUpstream() { stop(); }

Result<std::unique_ptr<FakeUpstream>> FakeUpstream::start(FakeUpstreamOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  SAFEMIG_TRY_VOID(impl->start());
  return std::unique_ptr<FakeUpstream>(new FakeUpstream(std::move(impl)));
}

std::uint16_t FakeUpstream::port() const { return impl_->port(); }

std::string FakeUpstream::base_url() const {
  const std::string& host = impl_->options().host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port());
}

void FakeUpstream::stop() { impl_->stop(); }

std::size_t FakeUpstream::request_count() const { return impl_->request_count(); }

std::optional<RecordedRequest> FakeUpstream::last_request() const { return impl_->last_request(); }

bool FakeUpstream::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->wait_for_requests(count, timeout);
}

}  // namespace safemig::testing
