#include "io/xxh3.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace fitstore {

std::uint64_t xxh3_64(const void* data, std::size_t bytes) noexcept { return XXH3_64bits(data, bytes); }

}  // namespace fitstore
