// bench_sse_streams: holds N streaming chat completions open at once against one HTTP server (the
// fake upstream directly, or metrics-proxy in front of it) and measures, per stream, the time to
// the first token and to the end of the stream (run by sse_streams.sh).
//
//   bench_sse_streams --port P [--host H] [--streams N] [--rate R] [--rss-pid PID]
//                     [--timeout-s S] [--json OUT] [--csv PER_STREAM_OUT]
//
// Each stream is one TCP connection carrying one request,
//   POST /v1/chat/completions  {"model":"bench","stream":true,"messages":[...]}
// opened at R per second (0: all at once) so that the connect storm does not dominate.
//   TTFT        from the moment the request is written to the receipt of the first `data:` line
//               of the response body (the server's first token event)
//   completion  from the same moment to the receipt of `data: [DONE]`
// A stream fails when it cannot connect or write, the status is not 200, the body ends (or the
// connection breaks) before `data: [DONE]`, or one read or write waits longer than S seconds.
// Failed streams are counted by reason; none is left out of the totals.
//
// With --rss-pid, VmRSS of PID is sampled just before the first connection and at the moment
// every stream has either received its first token or failed — the moment the most streams are
// open, provided the server's streams last longer than the ramp (the sample records how many
// were open and how many had already completed). Memory per open stream is the difference
// divided by the streams open at that moment; it means what it says only when none had
// completed, since memory freed by a finished stream mostly stays resident in the allocator.
// VmHWM (the peak) is read when every stream has ended.
//
// Prints a summary on stdout; --json writes the results as one JSON object, --csv one line per
// stream (when its request was written, TTFT, completion, failure). Exit status: 0 when
// every stream completed, 1 when any failed (the results are written either way), 2 for usage
// errors.
//
// Thread safety: one thread runs the io_context; all state is touched only from it.
#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kBody =
    R"({"model":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]})";
// An SSE line longer than this is not a `data:` line the benchmark waits for; only its start is
// kept, which bounds the memory a misbehaving server can make a stream hold.
constexpr std::size_t kLineKeep = 64;

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t streams = 5000;
  double rate = 500;
  std::optional<int> rss_pid;
  double timeout_s = 60;
  std::string json_path;
  std::string csv_path;
};

// A "Vm...:" line of /proc/PID/status in KiB (VmRSS: resident now, VmHWM: the peak resident
// size so far), or nullopt when the process or the line is missing.
std::optional<long> status_kib(int pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':') {
      try {
        return std::stol(line.substr(field.size() + 1));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

std::optional<long> rss_kib(int pid) { return status_kib(pid, "VmRSS"); }

// Each stream holds one descriptor: allow as many as the hard limit does. Best effort: with a
// lower limit the streams beyond it fail to connect and are counted as failed.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

double to_ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Nearest-rank percentile `p` (0..100) of ascending `sorted`; 0 when empty.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// Splits a response body into SSE lines and notes the two `data:` events the benchmark times.
class SseScanner {
 public:
  // Feeds body bytes received at `now`.
  void feed(std::string_view bytes, Clock::time_point now) {
    for (const char c : bytes) {
      if (c != '\n') {
        if (line_.size() < kLineKeep) line_ += c;
        continue;
      }
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      on_line(now);
      line_.clear();
    }
  }
  const std::optional<Clock::time_point>& first_data() const { return first_data_; }
  const std::optional<Clock::time_point>& done() const { return done_; }

 private:
  void on_line(Clock::time_point now) {
    std::string_view line = line_;
    if (line.substr(0, 5) != "data:") return;
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!first_data_) first_data_ = now;
    if (line == "[DONE]" && !done_) done_ = now;
  }

  std::string line_;
  std::optional<Clock::time_point> first_data_;
  std::optional<Clock::time_point> done_;
};

struct StreamResult {
  std::optional<double> ttft_ms;
  std::optional<double> completion_ms;
  bool ended = false;
  std::string failure;  // Reason; empty when the stream completed.
};

class Bench {
 public:
  Bench(asio::io_context& io, Options options, tcp::endpoint endpoint)
      : io_(io), options_(std::move(options)), endpoint_(endpoint), results_(options_.streams) {
    request_ = "POST /v1/chat/completions HTTP/1.1\r\nHost: " + options_.host + ":" +
               std::to_string(options_.port) +
               "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
               "Content-Length: " +
               std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
    timeout_ = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.timeout_s));
    awaiting_first_ = options_.streams;
  }

  // Starts the ramp; the io_context runs out of work when every stream has ended.
  void start() {
    if (options_.rss_pid) rss_before_ = rss_kib(*options_.rss_pid);
    started_ = Clock::now();
    last_end_ = started_;
    asio::co_spawn(io_, launch(), [](const std::exception_ptr&) {});
  }

  // After the io_context has run out of work: a stream that never ended (its launch failed) is
  // counted as failed rather than left out.
  void settle() {
    for (std::size_t i = 0; i < results_.size(); ++i) {
      if (!results_[i].ended) end(i, "not run: the stream was never started or never ended");
    }
  }

  // Prints the summary and writes the CSV and JSON files asked for. Returns false when one
  // cannot be written.
  bool report();
  // One line per stream: index, when its request was written (ms after the start; empty when it
  // never was), TTFT ms, completion ms, failure.
  bool write_csv() const;
  bool all_ok() const { return failed_ == 0; }

 private:
  asio::awaitable<void> launch();
  asio::awaitable<void> run_stream(std::size_t index);

  void on_first_token(std::size_t index, Clock::time_point at) {
    results_[index].ttft_ms = to_ms(at - written_at_[index]);
    --awaiting_first_;
    ++open_;
    check_sample();
  }

  void end(std::size_t index, std::string failure) {
    StreamResult& r = results_[index];
    if (r.ended) return;
    r.ended = true;
    r.failure = std::move(failure);
    if (r.ttft_ms) {
      --open_;
    } else {
      --awaiting_first_;
    }
    if (r.failure.empty()) {
      ++completed_;
    } else {
      ++failed_;
      const std::string reason = r.failure.substr(0, r.failure.find(':'));
      auto& entry = failures_.try_emplace(reason, 0, r.failure).first->second;
      ++entry.first;
    }
    last_end_ = Clock::now();
    check_sample();
  }

  // Takes the all-open RSS sample once, when no stream still waits for its first token.
  void check_sample() {
    if (sampled_ || awaiting_first_ != 0) return;
    sampled_ = true;
    all_first_at_ = Clock::now();
    open_at_sample_ = open_;
    completed_at_sample_ = completed_;
    if (options_.rss_pid) rss_all_open_ = rss_kib(*options_.rss_pid);
  }

  asio::io_context& io_;
  const Options options_;
  const tcp::endpoint endpoint_;
  std::string request_;
  Clock::duration timeout_{};
  std::vector<StreamResult> results_;
  std::vector<Clock::time_point> written_at_ = std::vector<Clock::time_point>(results_.size());

  Clock::time_point started_;
  Clock::time_point last_end_;
  std::size_t awaiting_first_ = 0;  // Neither a first token nor ended.
  std::size_t open_ = 0;            // A first token and not ended.
  std::size_t completed_ = 0;
  std::size_t failed_ = 0;
  std::map<std::string, std::pair<std::size_t, std::string>> failures_;  // Count, an example.

  bool sampled_ = false;
  Clock::time_point all_first_at_;
  std::size_t open_at_sample_ = 0;
  std::size_t completed_at_sample_ = 0;
  std::optional<long> rss_before_;
  std::optional<long> rss_all_open_;
  std::optional<long> rss_peak_;  // When every stream has ended.
};

asio::awaitable<void> Bench::launch() {
  asio::steady_timer timer(io_);
  for (std::size_t i = 0; i < results_.size(); ++i) {
    if (options_.rate > 0) {
      const auto due =
          started_ + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(static_cast<double>(i) / options_.rate));
      if (Clock::now() < due) {
        timer.expires_at(due);
        co_await timer.async_wait(kUseTuple);
      }
    }
    asio::co_spawn(io_, run_stream(i), [this, i](const std::exception_ptr& error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        end(i, std::string("exception: ") + e.what());
      } catch (...) {
        end(i, "exception: unknown");
      }
    });
  }
}

asio::awaitable<void> Bench::run_stream(std::size_t index) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout_);
  if (const auto [ec] = co_await stream.async_connect(endpoint_, kUseTuple); ec) {
    end(index, "connect: " + ec.message());
    co_return;
  }
  boost::system::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);

  written_at_[index] = Clock::now();
  stream.expires_after(timeout_);
  if (const auto [ec, n] = co_await asio::async_write(stream, asio::buffer(request_), kUseTuple);
      ec) {
    end(index, "write: " + ec.message());
    co_return;
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  stream.expires_after(timeout_);
  if (const auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
      ec) {
    end(index,
        (ec == beast::error::timeout ? "timeout: response head: " : "head: ") + ec.message());
    co_return;
  }
  if (const unsigned status = parser.get().result_int(); status != 200) {
    end(index, "status " + std::to_string(status) + ": the response is not 200 OK");
    co_return;
  }

  SseScanner scanner;
  std::array<char, 4096> piece{};
  while (!parser.is_done()) {
    auto& body = parser.get().body();
    body.data = piece.data();
    body.size = piece.size();
    stream.expires_after(timeout_);
    auto [ec, n] = co_await bhttp::async_read_some(stream, buffer, parser, kUseTuple);
    if (ec == bhttp::error::need_buffer) ec = {};
    const auto now = Clock::now();
    const std::size_t got = piece.size() - parser.get().body().size;
    const bool had_first = scanner.first_data().has_value();
    scanner.feed(std::string_view(piece.data(), got), now);
    if (!had_first && scanner.first_data()) on_first_token(index, *scanner.first_data());
    if (ec) {
      end(index, (ec == beast::error::timeout ? "timeout: body: " : "truncated: ") + ec.message() +
                     (scanner.done() ? " (after [DONE])" : ""));
      co_return;
    }
  }
  if (!scanner.done()) {
    end(index, "truncated: the body ended without data: [DONE]");
    co_return;
  }
  results_[index].completion_ms = to_ms(*scanner.done() - written_at_[index]);
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  end(index, "");
}

bool Bench::write_csv() const {
  std::FILE* out = std::fopen(options_.csv_path.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "bench_sse_streams: cannot write %s\n", options_.csv_path.c_str());
    return false;
  }
  std::fprintf(out, "index,written_ms,ttft_ms,completion_ms,failure\n");
  for (std::size_t i = 0; i < results_.size(); ++i) {
    const StreamResult& r = results_[i];
    std::string failure = r.failure;
    std::replace(failure.begin(), failure.end(), ',', ';');
    std::fprintf(out, "%zu,%s,%s,%s,%s\n", i,
                 written_at_[i] == Clock::time_point{}
                     ? ""
                     : std::to_string(to_ms(written_at_[i] - started_)).c_str(),
                 r.ttft_ms ? std::to_string(*r.ttft_ms).c_str() : "",
                 r.completion_ms ? std::to_string(*r.completion_ms).c_str() : "", failure.c_str());
  }
  return std::fclose(out) == 0;
}

bool Bench::report() {
  if (options_.rss_pid) rss_peak_ = status_kib(*options_.rss_pid, "VmHWM");
  std::vector<double> ttft;
  std::vector<double> completion;
  for (const StreamResult& r : results_) {
    if (r.ttft_ms) ttft.push_back(*r.ttft_ms);
    if (r.completion_ms) completion.push_back(*r.completion_ms);
  }
  std::sort(ttft.begin(), ttft.end());
  std::sort(completion.begin(), completion.end());
  const double duration_s = std::chrono::duration<double>(last_end_ - started_).count();
  const double all_first_s =
      sampled_ ? std::chrono::duration<double>(all_first_at_ - started_).count() : 0;
  std::optional<double> per_stream_kib;
  if (rss_before_ && rss_all_open_ && open_at_sample_ > 0) {
    per_stream_kib =
        static_cast<double>(*rss_all_open_ - *rss_before_) / static_cast<double>(open_at_sample_);
  }

  std::printf("streams %zu: ok %zu, failed %zu, duration %.2f s, all past first token at %.2f s\n",
              results_.size(), completed_, failed_, duration_s, all_first_s);
  std::printf("ttft ms (%zu samples): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", ttft.size(),
              percentile(ttft, 50), percentile(ttft, 90), percentile(ttft, 99),
              ttft.empty() ? 0 : ttft.back());
  std::printf("completion ms: p50 %.1f  p99 %.1f  max %.1f\n", percentile(completion, 50),
              percentile(completion, 99), completion.empty() ? 0 : completion.back());
  if (options_.rss_pid) {
    std::printf(
        "rss of pid %d: before %ld KiB, with %zu open (%zu completed) %ld KiB, peak %ld KiB",
        *options_.rss_pid, rss_before_.value_or(-1), open_at_sample_, completed_at_sample_,
        rss_all_open_.value_or(-1), rss_peak_.value_or(-1));
    if (per_stream_kib) std::printf(" -> %.1f KiB per open stream", *per_stream_kib);
    std::printf("\n");
  }
  for (const auto& [reason, entry] : failures_) {
    std::printf("failed (%s): %zu, e.g. %s\n", reason.c_str(), entry.first, entry.second.c_str());
  }

  if (!options_.csv_path.empty() && !write_csv()) return false;
  if (options_.json_path.empty()) return true;
  namespace json = boost::json;
  const auto optional_json = [](const auto& v) -> json::value {
    if (v) return json::value(*v);
    return nullptr;
  };
  // `v` to `decimals` places, as the summaries print it.
  const auto rounded = [](double v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(v * scale) / scale;
  };
  // A percentile (100: the maximum) of `sorted`; null when there are no samples.
  const auto quantile_json = [&rounded](const std::vector<double>& sorted, double p,
                                        int decimals) -> json::value {
    if (sorted.empty()) return nullptr;
    return rounded(percentile(sorted, p), decimals);
  };
  json::object failures;
  for (const auto& [reason, entry] : failures_) {
    failures[reason] = {{"count", entry.first}, {"example", entry.second}};
  }
  const json::object document{
      {"streams", results_.size()},
      {"ok", completed_},
      {"failed", failed_},
      {"failures", std::move(failures)},
      {"rate_per_s", rounded(options_.rate, 1)},
      {"duration_s", rounded(duration_s, 3)},
      {"all_first_s", rounded(all_first_s, 3)},
      {"ttft_samples", ttft.size()},
      {"ttft_p50_ms", quantile_json(ttft, 50, 3)},
      {"ttft_p90_ms", quantile_json(ttft, 90, 3)},
      {"ttft_p99_ms", quantile_json(ttft, 99, 3)},
      {"ttft_max_ms", quantile_json(ttft, 100, 3)},
      {"completion_p50_ms", quantile_json(completion, 50, 1)},
      {"completion_p99_ms", quantile_json(completion, 99, 1)},
      {"completion_max_ms", quantile_json(completion, 100, 1)},
      {"rss_pid", optional_json(options_.rss_pid)},
      {"rss_before_kib", optional_json(rss_before_)},
      {"rss_all_open_kib", optional_json(rss_all_open_)},
      {"rss_peak_kib", optional_json(rss_peak_)},
      {"open_at_rss_sample", open_at_sample_},
      {"completed_before_rss_sample", completed_at_sample_},
      {"per_stream_kib", per_stream_kib ? json::value(rounded(*per_stream_kib, 2)) : nullptr}};
  std::ofstream out(options_.json_path);
  out << json::serialize(document) << "\n";
  if (!out) {
    std::fprintf(stderr, "bench_sse_streams: cannot write %s\n", options_.json_path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Holds N streaming chat completions open at once and times their first tokens"};
  Options options;
  int rss_pid = 0;
  app.add_option("--host", options.host, "server address (numeric)")->capture_default_str();
  app.add_option("--port", options.port, "server port")->required();
  app.add_option("--streams", options.streams, "concurrent streams")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--rate", options.rate, "connections opened per second (0: all at once)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  auto* pid_option = app.add_option("--rss-pid", rss_pid, "process whose VmRSS is sampled")
                         ->check(CLI::PositiveNumber);
  app.add_option("--timeout-s", options.timeout_s, "longest wait for one read or write, seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--json", options.json_path, "write the results to this JSON file");
  app.add_option("--csv", options.csv_path, "write one line per stream to this CSV file");
  CLI11_PARSE(app, argc, argv);
  if (pid_option->count() > 0) {
    options.rss_pid = rss_pid;
    if (!rss_kib(rss_pid)) {
      std::fprintf(stderr, "bench_sse_streams: no VmRSS for pid %d\n", rss_pid);
      return 2;
    }
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    std::fprintf(stderr, "bench_sse_streams: --host must be a numeric address: %s\n",
                 options.host.c_str());
    return 2;
  }

  raise_descriptor_limit();
  asio::io_context io(1);
  Bench bench(io, options, tcp::endpoint(address, options.port));
  bench.start();
  io.run();
  bench.settle();
  const bool written = bench.report();
  if (!written) return 1;
  return bench.all_ok() ? 0 : 1;
}
