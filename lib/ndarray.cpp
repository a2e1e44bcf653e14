#include "fitstore/ndarray.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "io/heap_buffer.hpp"
#include "io/huge_pages.hpp"

namespace fitstore {

std::size_t element_count(const shape_t& shape) {
    std::size_t n = 1;
    for (std::size_t d : shape) {
        if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d)
            throw format_error("", "shape", "element count of shape " + shape_to_string(shape) + " overflows 64 bits");
        n *= d;
    }
    return n;
}

std::size_t byte_count(const shape_t& shape, dtype type) {
    const std::size_t n = element_count(shape);
    const std::size_t size = itemsize(type);
    if (n > std::numeric_limits<std::size_t>::max() / size)
        throw format_error("", "shape", "byte count of shape " + shape_to_string(shape) + " overflows 64 bits");
    return n * size;
}

std::shared_ptr<void> allocate_buffer(std::size_t bytes, bool zero) {
    constexpr std::size_t page = 4096;
    constexpr std::size_t huge_page = detail::huge_page_bytes;
    // Large buffers are aligned to huge pages and advised so (io/huge_pages.hpp):
    // 4 KiB page faults dominate a fresh copying load.
    const std::size_t alignment = bytes >= 4 * huge_page ? huge_page : page;
    if (bytes > std::numeric_limits<std::size_t>::max() - alignment) throw std::bad_alloc();  // rounding would wrap
    const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + alignment - 1) / alignment * alignment;
    void* p = std::aligned_alloc(alignment, rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (alignment == huge_page) detail::advise_huge_pages(p, rounded);
    if (zero) std::memset(p, 0, bytes);
    return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

any_array any_array::allocate(dtype type, shape_t shape, bool zero) {
    const std::size_t bytes = byte_count(shape, type);
    auto owner = allocate_buffer(bytes, zero);
    void* data = owner.get();
    return any_array(type, std::move(shape), std::move(owner), data, storage_kind::heap);
}

std::string shape_to_string(const shape_t& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

}  // namespace fitstore
