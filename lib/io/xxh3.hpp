// XXH3-64, the manifest's per-chunk checksum (io/pipelined_hash.hpp computes
// the same digest in segments).
#pragma once

#include <cstddef>
#include <cstdint>

namespace fitstore {

/// XXH3-64 of `bytes` bytes at `data`.
std::uint64_t xxh3_64(const void* data, std::size_t bytes) noexcept;

}  // namespace fitstore
