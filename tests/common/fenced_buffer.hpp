// A buffer between two inaccessible pages, its last byte right before the
// rear one. The compression libraries are not built with ASan, so their reads
// or writes past a chunk's end are caught this way (as a crash), by the codec
// unit tests and the codec fuzz target alike.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace fitstore::test {

class fenced_buffer {
public:
    /// Throws std::runtime_error if the pages cannot be mapped or protected.
    explicit fenced_buffer(std::size_t size) : m_size(size) {
        const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        const std::size_t body = (size + page - 1) / page * page;
        m_length = page + body + page;
        m_base = ::mmap(nullptr, m_length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m_base == MAP_FAILED) throw std::runtime_error("fenced_buffer: mmap failed");
        auto* base = static_cast<std::uint8_t*>(m_base);
        if (::mprotect(base, page, PROT_NONE) != 0 || ::mprotect(base + page + body, page, PROT_NONE) != 0) {
            ::munmap(m_base, m_length);
            throw std::runtime_error("fenced_buffer: mprotect failed");
        }
        m_data = base + page + body - size;
    }
    fenced_buffer(const fenced_buffer&) = delete;
    fenced_buffer& operator=(const fenced_buffer&) = delete;
    ~fenced_buffer() { ::munmap(m_base, m_length); }

    std::uint8_t* data() noexcept { return m_data; }
    const std::uint8_t* data() const noexcept { return m_data; }
    std::size_t size() const noexcept { return m_size; }

private:
    void* m_base = nullptr;
    std::size_t m_length = 0;
    std::uint8_t* m_data = nullptr;
    std::size_t m_size = 0;
};

}  // namespace fitstore::test
