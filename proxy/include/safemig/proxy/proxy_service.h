// The running proxy: the HTTP server with its routes (/v1/* forwarded, GET /healthz,
// GET /metrics, 404 elsewhere), the upstream pool, and the graceful stop on SIGTERM/SIGINT
// (stop accepting, let in-flight requests finish for up to `shutdown_timeout`, then return).
//
// Once bound it prints "listening on HOST:PORT" on stdout (the readiness signal tests and
// scripts wait for).
//
// Thread safety: run_service() runs the io_context on the calling thread; the recorder is
// called from it (submit, stats), which the Recorder allows.
#pragma once

#include <optional>

#include "safemig/error.h"
#include "safemig/proxy/command_line.h"
#include "safemig/proxy/recorder.h"

namespace safemig::proxy {

// Serves until a signal stops it. Every request that reached the proxy before the stop has its
// record submitted to `recorder` before this returns (requests still running when the
// shutdown timeout ends are recorded as proxy_shutdown). Errors: io when the address cannot be
// bound; internal for a failure of the event loop.
Result<void> run_service(const ProxyOptions& options, Recorder& recorder,
                         std::optional<std::int64_t> schema_version);

}  // namespace safemig::proxy
