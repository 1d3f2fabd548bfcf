// RequestIdGenerator: the proxy's own request ids, for requests whose upstream response has no
// id (errors, failures). Ids are "proxy-<16 hex random per process>-<counter>", unique across
// processes and restarts with overwhelming probability, so they never collide with the
// `request_id` UNIQUE constraint.
//
// Thread safety: next() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace safemig::proxy {

class RequestIdGenerator {
 public:
  RequestIdGenerator();
  // A fresh id.
  std::string next();

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace safemig::proxy
