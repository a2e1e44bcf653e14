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
#include <type_traits>
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

/// A typed view over any_array's memory model. T is one of the element types
/// of dtype.hpp (is_element_type_v).
///
/// Making arrays: by name, never by a brace list that could mean a shape.
///
///   auto X = ndarray<float>::zeros({n, d});            // zero-filled n x d
///   auto Y = ndarray<float>::empty({n, d});            // uninitialised (fill it yourself)
///   auto Z = ndarray<double>::full({3}, 1.5);          // [1.5, 1.5, 1.5]
///   auto w = ndarray<double>::from_values({1.0, 2.0}); // 1-D, copies the values
///   auto M = ndarray<double>::from_values({2, 2}, {1, 2, 3, 4});
///   auto V = ndarray<float>::wrap({n, d}, std::move(vec));   // takes a std::vector<T>, no copy
///   auto B = ndarray<float>::wrap({n, d}, ptr, owner);       // a caller's buffer, no copy
///   ndarray<float> S(shape_t{n, d});                   // zero-filled; takes a shape_t object only
///
/// `ndarray<float>({n, d})` and `ndarray<float>{n, d}` do not compile: the one
/// constructor taking a shape accepts a shape_t object, not a brace list.
template <class T>
class ndarray {
    static_assert(is_element_type_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "fitstore: ndarray<T>: unsupported element type. Supported element types: bool, signed char, "
                  "short, int, long, long long (int8_t..int64_t, std::ptrdiff_t), unsigned char, unsigned short, "
                  "unsigned, unsigned long, unsigned long long (uint8_t..uint64_t, std::size_t), float, double "
                  "(not const-qualified)");

public:
    using value_type = T;

    /// An empty one-dimensional array (shape [0]).
    ndarray() : m_array(dtype_of_v<T>, shape_t{0}, nullptr, nullptr, storage_kind::heap) {}
    /// A zero-filled array of `shape`. Only a shape_t object binds here (a
    /// template parameter cannot be deduced from a brace list), so `{n, d}`
    /// can never be taken for a shape, or for values, by accident; prefer zeros().
    template <class S, std::enable_if_t<std::is_same_v<S, shape_t>, int> = 0>
    explicit ndarray(const S& shape) : m_array(any_array::allocate(dtype_of_v<T>, shape, true)) {}

    /// A zero-filled array of `shape` (numpy.zeros).
    static ndarray zeros(shape_t shape) { return ndarray(any_array::allocate(dtype_of_v<T>, std::move(shape), true)); }
    /// An array of `shape` whose values are unspecified until written (numpy.empty):
    /// skips the zero-filling pass when every element is about to be written.
    static ndarray empty(shape_t shape) { return ndarray(any_array::allocate(dtype_of_v<T>, std::move(shape), false)); }
    /// An array of `shape` with every element equal to `value` (numpy.full).
    static ndarray full(shape_t shape, T value) {
        ndarray out = empty(std::move(shape));
        T* p = out.mutable_data();
        for (std::size_t i = 0, n = out.size(); i < n; ++i) p[i] = value;
        return out;
    }
    /// A one-dimensional array holding a copy of `values`.
    static ndarray from_values(std::initializer_list<T> values) {
        ndarray out = empty(shape_t{values.size()});
        std::size_t i = 0;
        for (const T& v : values) out.mutable_data()[i++] = v;
        return out;
    }
    /// An array of `shape` holding a copy of `values` (C order); throws
    /// usage_error if their count is not the shape's element count.
    static ndarray from_values(shape_t shape, const std::vector<T>& values) {
        check_count(shape, values.size());
        ndarray out = empty(std::move(shape));
        for (std::size_t i = 0; i < values.size(); ++i) out.mutable_data()[i] = values[i];
        return out;
    }
    /// Takes ownership of `values` without copying (C order); the vector's
    /// buffer lives as long as any ndarray sharing it. Throws usage_error if the
    /// count is not the shape's element count. Not for bool (std::vector<bool>
    /// holds no bool array).
    static ndarray wrap(shape_t shape, std::vector<T>&& values) {
        static_assert(!std::is_same_v<T, bool>,
                      "fitstore: std::vector<bool> has no contiguous bool buffer; use from_values");
        check_count(shape, values.size());
        auto owner = std::make_shared<std::vector<T>>(std::move(values));
        T* data = owner->data();
        return ndarray(any_array(dtype_of_v<T>, std::move(shape), std::move(owner), data, storage_kind::heap));
    }
    /// Views a caller's buffer of element_count(shape) elements at `data`
    /// (C order) without copying. `owner` is kept alive as long as any ndarray
    /// shares the memory, and must keep `data` valid that long: pass the
    /// shared_ptr that owns the buffer (or an aliasing one), or, for memory the
    /// caller guarantees outlives every copy, std::shared_ptr<void>(data, [](void*) {}).
    /// Throws usage_error if `owner` is empty or `data` is null for a non-empty shape.
    static ndarray wrap(shape_t shape, T* data, std::shared_ptr<void> owner) {
        if (!owner) throw usage_error("", "", "ndarray::wrap: an owner is required (it keeps the buffer alive)");
        if (data == nullptr && element_count(shape) != 0)
            throw usage_error("", "", "ndarray::wrap: null data for shape " + shape_to_string(shape));
        return ndarray(any_array(dtype_of_v<T>, std::move(shape), std::move(owner), data, storage_kind::heap));
    }

    /// Views `array` as ndarray<T>; throws type_error if its dtype is not T's.
    static ndarray from_any(any_array array, const std::string& what = {}) {
        if (array.type() != dtype_of_v<T>)
            throw type_error("", what,
                             "expected dtype " + std::string(dtype_name(dtype_of_v<T>)) + ", found " +
                                 std::string(dtype_name(array.type())));
        return ndarray(std::move(array));
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
    /// Flat (C-order) read access, unchecked.
    const T& operator[](std::size_t i) const noexcept { return data()[i]; }
    /// Element (i, j, ...) for reading. In debug builds (NDEBUG unset, or
    /// FITSTORE_CHECK_BOUNDS defined) the index count and every index are
    /// checked and usage_error is thrown; release builds do not check.
    template <class... I>
    const T& operator()(I... index) const {
        return data()[offset_of(index...)];
    }
    /// Element (i, j, ...) for writing, checked like operator(); throws
    /// usage_error for a read-only mapping (mmap r).
    template <class... I>
    T& mutable_at(I... index) const {
        return mutable_data()[offset_of(index...)];
    }
    const T* begin() const noexcept { return data(); }
    const T* end() const { return data() + size(); }
    bool is_mapped() const noexcept { return m_array.is_mapped(); }
    storage_kind storage() const noexcept { return m_array.storage(); }
    /// A deep copy into fresh heap memory.
    ndarray copy() const { return from_any(m_array.copy()); }

private:
    explicit ndarray(any_array array) : m_array(std::move(array)) {}

    static void check_count(const shape_t& shape, std::size_t count) {
        if (count != element_count(shape))
            throw usage_error("", "", "ndarray: " + std::to_string(count) + " values given for shape " +
                                          shape_to_string(shape));
    }

    template <class... I>
    std::size_t offset_of(I... index) const {
        static_assert((std::is_integral_v<I> && ...), "fitstore: ndarray indices are integers");
        const std::size_t idx[] = {static_cast<std::size_t>(index)..., 0};
        const shape_t& s = shape();
#if !defined(NDEBUG) || defined(FITSTORE_CHECK_BOUNDS)
        if (sizeof...(I) != s.size())
            throw usage_error("", "", "ndarray: " + std::to_string(sizeof...(I)) + " indices given for a rank-" +
                                          std::to_string(s.size()) + " array");
        if constexpr (sizeof...(I) > 0) {
            // Signed copies, so a negative index is reported as given, not as a huge size_t.
            const long long raw[] = {static_cast<long long>(index)...};
            for (std::size_t axis = 0; axis < sizeof...(I); ++axis)
                if (raw[axis] < 0 || idx[axis] >= s[axis])
                    throw usage_error("", "", "ndarray: index " + std::to_string(raw[axis]) +
                                                  " out of range for axis " + std::to_string(axis) + " of shape " +
                                                  shape_to_string(s));
        }
#endif
        std::size_t offset = 0;
        for (std::size_t k = 0; k < sizeof...(I); ++k) offset = offset * s[k] + idx[k];
        return offset;
    }

    any_array m_array;
};

/// Value equality: same shape and every element equal by T's own `==`. So
/// for floats NaN != NaN (an array holding NaN is not == to itself) and
/// -0.0 == +0.0, as in numpy.array_equal. Storage (heap or mapped) is ignored.
/// Use bit_equal for byte-for-byte identity.
template <class T>
bool operator==(const ndarray<T>& a, const ndarray<T>& b) {
    if (a.shape() != b.shape()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i])) return false;
    return true;
}
template <class T>
bool operator!=(const ndarray<T>& a, const ndarray<T>& b) {
    return !(a == b);
}

/// Byte identity: same dtype, same shape and the same bytes (so a NaN equals
/// itself and -0.0 differs from +0.0). What a round trip through a store promises.
inline bool bit_equal(const any_array& a, const any_array& b) {
    if (a.type() != b.type() || a.shape() != b.shape()) return false;
    const std::size_t n = a.nbytes();
    return n == 0 || a.data() == b.data() || std::memcmp(a.data(), b.data(), n) == 0;
}
template <class T>
bool bit_equal(const ndarray<T>& a, const ndarray<T>& b) {
    return bit_equal(a.as_any(), b.as_any());
}

}  // namespace fitstore
