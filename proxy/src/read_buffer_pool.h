// Private to safemig_proxy: the buffers requests read their upstream bodies into, reused across
// requests. A fresh 16 KiB block per request would take malloc's slow path for large blocks,
// which also merges its cache of small free blocks every time.
//
// Thread safety: the io_context's single thread.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace safemig::proxy {

class ReadBufferPool {
 public:
  // Upstream bytes read at a time: a TLS record's worth. Small, as every open stream holds one.
  using Block = std::array<char, std::size_t{16} * 1024>;
  // Blocks kept for reuse at most: enough for a burst of concurrent requests, 4 MiB.
  static constexpr std::size_t kMaxSpare = 256;

  ReadBufferPool() { spare_.reserve(kMaxSpare); }

  // One request's block, given back to the pool when destroyed. REQUIRES: the pool outlives it.
  class Buffer {
   public:
    explicit Buffer(ReadBufferPool& pool) : pool_(pool) {
      if (pool_.spare_.empty()) {
        // Left uninitialised: a read hands back only bytes it wrote.
        block_ = std::make_unique_for_overwrite<Block>();
      } else {
        block_ = std::move(pool_.spare_.back());
        pool_.spare_.pop_back();
      }
    }
    ~Buffer() {
      // The capacity is reserved up front, so giving back never allocates.
      if (pool_.spare_.size() < kMaxSpare) pool_.spare_.push_back(std::move(block_));
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    std::span<char> span() const { return *block_; }

   private:
    ReadBufferPool& pool_;
    std::unique_ptr<Block> block_;
  };

 private:
  std::vector<std::unique_ptr<Block>> spare_;
};

}  // namespace safemig::proxy
