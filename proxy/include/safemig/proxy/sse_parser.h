// SseParser: an incremental parser of a Server-Sent Events stream (the WHATWG event-stream
// format), fed with the body bytes exactly as they arrive from the network.
//
// Bytes may be split anywhere (inside a line, between '\r' and '\n', inside a UTF-8 sequence).
// The parser never copies the stream whole: it holds only the bytes of the event being
// received. Every byte fed is handed back exactly once, in order, as the `raw` of an event or
// of the remainder returned by finish(), so relaying the raw bytes reproduces the stream byte
// for byte.
//
// Thread safety: one thread per instance.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace safemig::proxy {

struct SseEvent {
  std::string raw;        // The exact bytes of the event, up to and including its blank line.
  std::string event;      // The `event:` field (empty when absent).
  std::string data;       // The `data:` lines joined by '\n' (without the final '\n').
  bool has_data = false;  // True when at least one `data:` line was present.
};

class SseParser {
 public:
  // Parses `bytes` and appends every event they complete to `out`, in stream order.
  void feed(std::string_view bytes, std::vector<SseEvent>& out);

  // The end of the stream: returns the bytes of an unterminated last event (empty when the
  // stream ended on an event boundary). Its fields are parsed as far as its complete lines go,
  // but an unterminated event is not a dispatched event (has_data describes it only).
  SseEvent finish();

 private:
  void take_line(std::string_view line);
  void dispatch(std::vector<SseEvent>& out);

  SseEvent current_;            // The event being received; current_.raw holds its bytes.
  std::size_t line_start_ = 0;  // Offset in current_.raw of the line being received.
  bool skip_lf_ = false;        // The previous byte was a '\r' that ended a line.
};

}  // namespace safemig::proxy
