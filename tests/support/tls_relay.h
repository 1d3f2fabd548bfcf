// TlsRelay: a TLS terminator for tests, in front of a plain TCP server such as FakeUpstream.
//
// Listens on 127.0.0.1 (port 0: any free port), completes a TLS server handshake with the
// certificate and key given, then connects to 127.0.0.1:<target_port> and relays bytes in both
// directions until either side closes; then both are closed. Runs on its own thread.
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "safemig/error.h"

namespace safemig::testing {

struct TlsRelayOptions {
  std::uint16_t target_port = 0;  // The plain TCP server on 127.0.0.1 to relay to.
  std::string certificate_file;   // PEM: the server certificate, then any intermediates.
  std::string private_key_file;   // PEM: the key of the server certificate.
};

class TlsRelay {
 public:
  // Starts listening. Errors: invalid_input when the certificate or the key cannot be loaded or
  // the target port is 0, io when the listener cannot be set up, internal otherwise.
  static Result<std::unique_ptr<TlsRelay>> start(TlsRelayOptions options);
  ~TlsRelay();
  TlsRelay(const TlsRelay&) = delete;
  TlsRelay& operator=(const TlsRelay&) = delete;

  std::uint16_t port() const;
  // TCP connections accepted so far.
  std::size_t accepted_connections() const;
  // TLS handshakes that succeeded so far (each is followed by a connection to the target).
  std::size_t completed_handshakes() const;
  // Closes the listener and every connection, then joins the thread. Idempotent; also done by
  // the destructor.
  void stop();

  class Impl;

 private:
  explicit TlsRelay(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace safemig::testing
