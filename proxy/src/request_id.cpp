// The proxy's own request ids (see request_id.h).
//
// Thread safety: next() is lock-free.
#include "safemig/proxy/request_id.h"

#include <cstdio>
#include <random>

namespace safemig::proxy {

RequestIdGenerator::RequestIdGenerator() {
  std::random_device device;
  const std::uint64_t high = device();
  const std::uint64_t low = device();
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%016llx",
                static_cast<unsigned long long>((high << 32) ^ low));
  prefix_ = std::string("proxy-") + buffer + "-";
}

std::string RequestIdGenerator::next() {
  return prefix_ + std::to_string(counter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace safemig::proxy
