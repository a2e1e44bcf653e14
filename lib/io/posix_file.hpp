// Thin RAII wrappers over POSIX file calls, each failure turned into an
// io_error naming the path and the call. Destructors never throw.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace fitstore::detail {

class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) noexcept : m_fd(fd) {}
    unique_fd(unique_fd&& o) noexcept : m_fd(o.release()) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return m_fd; }
    explicit operator bool() const noexcept { return m_fd >= 0; }
    int release() noexcept {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }
    void reset(int fd = -1) noexcept;

private:
    int m_fd = -1;
};

/// Throws io_error("path", "", "<what>: <strerror(errno)>").
[[noreturn]] void throw_errno(const std::string& path, const std::string& what);

/// Creates (O_EXCL) a file for writing; mode 0644.
unique_fd create_file(const std::string& path);
/// Creates a file relative to a directory fd (O_EXCL, O_NOFOLLOW).
unique_fd create_file_at(int dirfd, const std::string& name, const std::string& path_for_errors);
/// Writes all bytes (retrying short writes and EINTR).
void write_all(int fd, const void* data, std::size_t size, const std::string& path);
/// pwrite of all bytes at `offset`.
void pwrite_all(int fd, const void* data, std::size_t size, std::uint64_t offset, const std::string& path);
/// Reads exactly `size` bytes at `offset`; a short file is a format_error ("truncated").
void pread_exact(int fd, void* data, std::size_t size, std::uint64_t offset, const std::string& path);
void fsync_fd(int fd, const std::string& path);
/// fsyncs the directory holding `path` (or `path` itself when it is a directory).
void fsync_directory(const std::string& dir);
/// Opens a regular file for reading with no symlink at the last component, no
/// FIFO/device (never blocks), and at most one hard link. Returns the fd and its size.
unique_fd open_regular_readonly(const std::string& path, std::uint64_t& size, bool writable = false);
/// Same, relative to `dirfd` along a relative path of '/'-separated segments;
/// no segment may be a symlink (O_NOFOLLOW at every step), so the file lies beneath dirfd.
unique_fd open_beneath(int dirfd, const std::string& relative, const std::string& path_for_errors,
                       std::uint64_t& size, bool writable = false);
/// Opens a directory beneath dirfd without following symlinks.
unique_fd open_directory_beneath(int dirfd, const std::string& relative, const std::string& path_for_errors);

}  // namespace fitstore::detail
