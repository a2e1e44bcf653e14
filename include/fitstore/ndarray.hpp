// ndarray<T>: an n-dimensional, C-order array whose memory is shared with an
// owner that is either a heap buffer or a file mapping. Copies are shallow
// (like numpy views), so a model loaded with mmap hands its mapped pages
// straight to the estimator. Use fitstore/xtensor.hpp for xtensor views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "fitstore/dtype.hpp"
#include "fitstore/errors.hpp"

namespace fitstore {

using shape_t = std::vector<std::size_t>;

/// How an array's memory is held.
enum class storage_kind : std::uint8_t {
    heap,            ///< owned heap memory (writable)
    mapped_r,        ///< read-only file mapping (mmap "r")
    mapped_c,        ///< copy-on-write file mapping (mmap "c": writes stay private)
    mapped_r_plus,   ///< shared writable file mapping (mmap "r+": writes reach the file)
};

/// Number of elements of `shape`; throws format_error on overflow.
std::size_t element_count(const shape_t& shape);
/// Bytes needed for `shape` of `type`; throws format_error on overflow.
std::size_t byte_count(const shape_t& shape, dtype type);
/// Page-aligned heap buffer of `bytes` bytes (huge pages advised when large),
/// zero-filled when `zero` is set. Never returns null for bytes > 0.
std::shared_ptr<void> allocate_buffer(std::size_t bytes, bool zero);
/// "[3, 4]" for messages and inspect output.
std::string shape_to_string(const shape_t& shape);

/// A type-erased array: dtype, shape, pointer and the owner that keeps it alive.
class any_array {
public:
    any_array() = default;
    any_array(dtype type, shape_t shape, std::shared_ptr<void> owner, void* data, storage_kind storage)
        : m_type(type), m_shape(std::move(shape)), m_owner(std::move(owner)), m_data(data), m_storage(storage) {}

    /// A new zero-filled heap array.
    static any_array allocate(dtype type, shape_t shape, bool zero = true) {
        const std::size_t bytes = byte_count(shape, type);
        auto owner = allocate_buffer(bytes, zero);
        void* data = owner.get();
        return any_array(type, std::move(shape), std::move(owner), data, storage_kind::heap);
    }

    dtype type() const noexcept { return m_type; }
    const shape_t& shape() const noexcept { return m_shape; }
    std::size_t rank() const noexcept { return m_shape.size(); }
    std::size_t size() const { return element_count(m_shape); }
    std::size_t nbytes() const { return byte_count(m_shape, m_type); }
    const void* data() const noexcept { return m_data; }
    /// Writable pointer; throws usage_error for a read-only mapping.
    void* mutable_data() const {
        if (m_storage == storage_kind::mapped_r)
            throw usage_error("", "", "array is memory-mapped read-only (mmap mode r); load with c or r+ to write");
        return m_data;
    }
    storage_kind storage() const noexcept { return m_storage; }
    bool is_mapped() const noexcept { return m_storage != storage_kind::heap; }
    const std::shared_ptr<void>& owner() const noexcept { return m_owner; }
    /// A deep copy into fresh heap memory.
    any_array copy() const {
        any_array out = allocate(m_type, m_shape, false);
        if (nbytes() != 0) std::memcpy(out.m_data, m_data, nbytes());
        return out;
    }

private:
    dtype m_type = dtype::float64;
    shape_t m_shape{0};
    std::shared_ptr<void> m_owner;
    void* m_data = nullptr;
    storage_kind m_storage = storage_kind::heap;
};

/// A typed view over any_array's memory model. T is one of the dtypes.
template <class T>
class ndarray {
public:
    using value_type = T;

    /// An empty one-dimensional array (shape [0]).
    ndarray() : m_array(dtype_of_v<T>, shape_t{0}, nullptr, nullptr, storage_kind::heap) {}
    /// A zero-filled array of `shape`.
    explicit ndarray(shape_t shape) : m_array(any_array::allocate(dtype_of_v<T>, std::move(shape))) {}
    /// An array of `shape` holding `values` (their count must match).
    ndarray(shape_t shape, const std::vector<T>& values) : ndarray(std::move(shape)) {
        if (values.size() != size())
            throw usage_error("", "", "ndarray: " + std::to_string(values.size()) + " values given for shape " +
                                          shape_to_string(this->shape()));
        for (std::size_t i = 0; i < values.size(); ++i) mutable_data()[i] = values[i];
    }
    /// A one-dimensional array holding `values`.
    ndarray(std::initializer_list<T> values) : ndarray(shape_t{values.size()}, std::vector<T>(values)) {}

    /// Views `array` as ndarray<T>; throws type_error if its dtype is not T's.
    static ndarray from_any(any_array array, const std::string& what = {}) {
        if (array.type() != dtype_of_v<T>)
            throw type_error("", what,
                             "expected dtype " + std::string(dtype_name(dtype_of_v<T>)) + ", found " +
                                 std::string(dtype_name(array.type())));
        ndarray out;
        out.m_array = std::move(array);
        return out;
    }
    const any_array& as_any() const noexcept { return m_array; }

    const shape_t& shape() const noexcept { return m_array.shape(); }
    std::size_t shape(std::size_t axis) const { return m_array.shape().at(axis); }
    std::size_t rank() const noexcept { return m_array.rank(); }
    std::size_t size() const { return m_array.size(); }
    std::size_t nbytes() const { return m_array.nbytes(); }
    /// Read access never throws, whatever the storage.
    const T* data() const noexcept { return static_cast<const T*>(m_array.data()); }
    /// Writable pointer; throws usage_error for a read-only mapping (mmap r).
    T* mutable_data() const { return static_cast<T*>(m_array.mutable_data()); }
    const T& operator[](std::size_t i) const noexcept { return data()[i]; }
    const T* begin() const noexcept { return data(); }
    const T* end() const { return data() + size(); }
    bool is_mapped() const noexcept { return m_array.is_mapped(); }
    storage_kind storage() const noexcept { return m_array.storage(); }
    /// A deep copy into fresh heap memory.
    ndarray copy() const { return from_any(m_array.copy()); }

private:
    any_array m_array;
};

/// Element-wise, shape-aware equality (bit patterns for floats are not compared: NaN != NaN).
template <class T>
bool operator==(const ndarray<T>& a, const ndarray<T>& b) {
    if (a.shape() != b.shape()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i])) return false;
    return true;
}

}  // namespace fitstore
