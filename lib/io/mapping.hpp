// Memory mapping of file ranges with numpy/joblib semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fitstore/options.hpp"

namespace fitstore::detail {

/// A mapped array: pointer plus the owner that unmaps it.
struct mapped_array {
    std::shared_ptr<void> owner;
    void* data = nullptr;
};

/// Maps `length` bytes of `fd` from `offset` (any offset; the mapping starts at
/// the page below it). r: PROT_READ shared; c: private copy-on-write; r_plus:
/// shared writable (the fd must be open read-write). The owner unmaps.
mapped_array map_file_range(int fd, std::uint64_t offset, std::size_t length, mmap_mode mode, const std::string& path);

}  // namespace fitstore::detail
