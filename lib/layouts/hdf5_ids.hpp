// HDF5 plumbing shared by the hdf5 layout's writer and reader: owned
// identifiers, the per-thread error stack turned into fitstore errors, and
// string attributes. HDF5's C API is used rather than its C++ wrapper because
// the direct chunk calls (H5Dwrite_chunk/H5Dread_chunk) and the error stack
// walk exist only there.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <string>
#include <utility>

namespace fitstore::detail::h5 {

inline constexpr const char* manifest_attribute = "fitstore_manifest";
inline constexpr const char* format_attribute = "fitstore_format";

// HDF5's automatic error printing is per thread in the thread-safe build, so
// every entry point silences it for the calling thread.
inline void quiet_hdf5() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// Owns one HDF5 identifier; closing never throws.
class h5_id {
public:
    using closer = herr_t (*)(hid_t);
    h5_id() = default;
    h5_id(hid_t id, closer close) noexcept : m_id(id), m_close(close) {}
    h5_id(h5_id&& o) noexcept : m_id(std::exchange(o.m_id, H5I_INVALID_HID)), m_close(o.m_close) {}
    h5_id& operator=(h5_id&& o) noexcept {
        if (this != &o) {
            reset();
            m_id = std::exchange(o.m_id, H5I_INVALID_HID);
            m_close = o.m_close;
        }
        return *this;
    }
    h5_id(const h5_id&) = delete;
    h5_id& operator=(const h5_id&) = delete;
    ~h5_id() { reset(); }

    hid_t get() const noexcept { return m_id; }
    /// Gives up ownership (the caller closes).
    hid_t release() noexcept { return std::exchange(m_id, H5I_INVALID_HID); }
    explicit operator bool() const noexcept { return m_id >= 0; }
    void reset() noexcept {
        if (m_id >= 0 && m_close) m_close(m_id);
        m_id = H5I_INVALID_HID;
    }

private:
    hid_t m_id = H5I_INVALID_HID;
    closer m_close = nullptr;
};

// The calling thread's HDF5 error stack as one line, then cleared.
std::string hdf5_error_stack();

// Reads fail with format_error (the file is not what it should be), writes
// with io_error (the system refused).
enum class side { read, write };

[[noreturn]] void throw_hdf5(side s, const std::string& path, const std::string& field, const std::string& what);

inline hid_t check_id(hid_t id, side s, const std::string& path, const std::string& field, const char* what) {
    if (id < 0) throw_hdf5(s, path, field, what);
    return id;
}

inline void check(herr_t status, side s, const std::string& path, const std::string& field, const char* what) {
    if (status < 0) throw_hdf5(s, path, field, what);
}

inline std::string dataset_field(const std::string& key) { return "dataset /" + key; }

/// Writes (replacing) a variable-length UTF-8 string attribute; throws io_error.
void write_string_attribute(hid_t obj, const char* name, const std::string& value, const std::string& path);

// Reads a string attribute (variable-length or fixed) of at most `max_bytes`.
std::string read_string_attribute(hid_t obj, const char* name, std::size_t max_bytes, const std::string& path);

}  // namespace fitstore::detail::h5
