// byte_source over one local file (pread) or a buffer in memory: the blob
// layout reads through these locally and through remote_source remotely.
#pragma once

#include <cstring>

#include "fitstore/errors.hpp"
#include "io/byte_source.hpp"
#include "io/posix_file.hpp"

namespace fitstore::detail {

/// One file; its only object is "" (the file itself).
class file_source final : public byte_source {
public:
    file_source(std::string path, int fd, std::uint64_t size) : m_path(std::move(path)), m_fd(fd), m_size(size) {}
    std::string name(const std::string&) const override { return m_path; }
    std::uint64_t size(const std::string&) override { return m_size; }
    void read(const std::string&, std::uint64_t offset, void* dst, std::size_t bytes) override {
        pread_exact(m_fd, dst, bytes, offset, m_path);
    }
    using byte_source::read;
    bool read_all(const std::string&, std::size_t cap, std::vector<std::uint8_t>& out) override {
        if (m_size > cap)
            throw format_error(m_path, "", "file of " + std::to_string(m_size) + " bytes exceeds the limit of " +
                                               std::to_string(cap) + " bytes");
        out.resize(static_cast<std::size_t>(m_size));
        pread_exact(m_fd, out.data(), out.size(), 0, m_path);
        return true;
    }

private:
    std::string m_path;
    int m_fd;  ///< owned by the caller
    std::uint64_t m_size;
};

/// A buffer in memory (loads()); the caller keeps it alive.
class memory_source final : public byte_source {
public:
    memory_source(std::string name, const void* data, std::size_t size)
        : m_name(std::move(name)), m_data(static_cast<const std::uint8_t*>(data)), m_size(size) {}
    std::string name(const std::string&) const override { return m_name; }
    std::uint64_t size(const std::string&) override { return m_size; }
    void read(const std::string&, std::uint64_t offset, void* dst, std::size_t bytes) override {
        if (offset > m_size || bytes > m_size - offset) throw format_error(m_name, "", "read past the end of the buffer");
        if (bytes) std::memcpy(dst, m_data + offset, bytes);
    }
    using byte_source::read;
    bool read_all(const std::string&, std::size_t cap, std::vector<std::uint8_t>& out) override {
        if (m_size > cap) throw format_error(m_name, "", "buffer exceeds the limit of " + std::to_string(cap) + " bytes");
        out.assign(m_data, m_data + m_size);
        return true;
    }

private:
    std::string m_name;
    const std::uint8_t* m_data;
    std::size_t m_size;
};

}  // namespace fitstore::detail
