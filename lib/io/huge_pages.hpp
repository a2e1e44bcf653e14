// Transparent huge pages for large buffers. On this kind of VM a 4 KiB page
// fault costs about 3.5 us, so first touch of a fresh gigabyte runs at ~1.2
// GB/s; THP is in "madvise" mode, so large buffers must ask for huge pages.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace fitstore::detail {

constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;

/// Advises the whole 2 MiB pages inside [data, data + bytes) for huge pages
/// (nothing for smaller ranges; a refusal by the kernel only costs speed).
inline void advise_huge_pages(void* data, std::size_t bytes) noexcept {
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (begin + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
    const std::uintptr_t last = (begin + bytes) / huge_page_bytes * huge_page_bytes;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace fitstore::detail
