// The heap memory behind every owned array (any_array::allocate), and what the
// CLI's demo and the benchmark children pre-touch: page-aligned, huge pages
// advised when large. Internal: ndarray.hpp only declares any_array::allocate.
#pragma once

#include <cstddef>
#include <memory>

namespace fitstore {

/// Page-aligned heap buffer of `bytes` bytes (huge pages advised when large),
/// zero-filled when `zero` is set. Never returns null for bytes > 0; throws std::bad_alloc.
std::shared_ptr<void> allocate_buffer(std::size_t bytes, bool zero);

}  // namespace fitstore
