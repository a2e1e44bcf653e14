#include "io/posix_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fitstore/errors.hpp"

namespace fitstore::detail {

void unique_fd::reset(int fd) noexcept {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = fd;
}

void throw_errno(const std::string& path, const std::string& what) {
    const int err = errno;
    if (err == ENOENT) throw not_found(path, "", what + ": " + std::strerror(err));
    throw io_error(path, "", what + ": " + std::strerror(err), err);
}

unique_fd create_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw_errno(path, "cannot create file");
    return unique_fd(fd);
}

unique_fd create_file_at(int dirfd, const std::string& name, const std::string& path_for_errors) {
    int fd = ::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw_errno(path_for_errors, "cannot create file");
    return unique_fd(fd);
}

namespace {

// Linux caps one transfer at ~2 GiB; keep requests well under it.
constexpr std::size_t k_max_request = std::size_t(1) << 30;

/// Writes all of `data` through `op(pointer, bytes, offset)` (write or pwrite),
/// retrying short writes and EINTR.
template <class Op>
void write_loop(const void* data, std::size_t size, std::uint64_t offset, const std::string& path, Op op) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = op(p, std::min(size, k_max_request), offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno(path, "write failed");
        }
        if (n == 0) throw io_error(path, "", "write failed: wrote 0 bytes");
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}

}  // namespace

void write_all(int fd, const void* data, std::size_t size, const std::string& path) {
    write_loop(data, size, 0, path, [fd](const char* p, std::size_t n, std::uint64_t) { return ::write(fd, p, n); });
}

void pwrite_all(int fd, const void* data, std::size_t size, std::uint64_t offset, const std::string& path) {
    write_loop(data, size, offset, path, [fd](const char* p, std::size_t n, std::uint64_t at) {
        return ::pwrite(fd, p, n, static_cast<off_t>(at));
    });
}

void pread_exact(int fd, void* data, std::size_t size, std::uint64_t offset, const std::string& path) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t n = ::pread(fd, p, std::min(size, k_max_request), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno(path, "read failed");
        }
        if (n == 0)
            throw format_error(path, "", "file is truncated: " + std::to_string(size) +
                                             " more bytes expected at offset " + std::to_string(offset));
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}

void fsync_fd(int fd, const std::string& path) {
    if (::fsync(fd) != 0) throw_errno(path, "fsync failed");
}

void fsync_directory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno(dir, "cannot open folder to fsync it");
    unique_fd guard(fd);
    if (::fsync(fd) != 0) throw_errno(dir, "fsync of folder failed");
}

namespace {

unique_fd check_regular(unique_fd fd, const std::string& path, std::uint64_t& size) {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno(path, "cannot stat");
    if (!S_ISREG(st.st_mode))
        throw format_error(path, "", "expected a regular file, found " +
                                         std::string(S_ISDIR(st.st_mode)    ? "a folder"
                                                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                                                     : S_ISLNK(st.st_mode)  ? "a symbolic link"
                                                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                                                  : "a special file"));
    if (st.st_nlink > 1)
        throw format_error(path, "", "expected a file with one link, found " + std::to_string(st.st_nlink) +
                                         " hard links (refused: it may alias a file outside the store)");
    // O_NONBLOCK only guarded the open against FIFOs; reads of regular files ignore it.
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    size = static_cast<std::uint64_t>(st.st_size);
    return fd;
}

[[noreturn]] void throw_open_failure(const std::string& path) {
    if (errno == ELOOP || errno == EMLINK)
        throw format_error(path, "", "expected a regular file, found a symbolic link (refused)");
    if (errno == ENOENT) throw format_error(path, "", "file is missing");
    throw_errno(path, "cannot open");
}

}  // namespace

unique_fd open_regular_readonly(const std::string& path, std::uint64_t& size, bool writable) {
    const int mode = writable ? O_RDWR : O_RDONLY;
    int fd = ::open(path.c_str(), mode | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) throw_open_failure(path);
    return check_regular(unique_fd(fd), path, size);
}

unique_fd open_directory_beneath(int dirfd, const std::string& relative, const std::string& path_for_errors) {
    unique_fd current(::dup(dirfd));
    if (!current) throw_errno(path_for_errors, "dup failed");
    std::size_t start = 0;
    while (start < relative.size()) {
        std::size_t end = relative.find('/', start);
        if (end == std::string::npos) end = relative.size();
        const std::string segment = relative.substr(start, end - start);
        if (segment.empty() || segment == "." || segment == "..")
            throw format_error(path_for_errors, "", "path segment \"" + segment + "\" is not allowed");
        int fd = ::openat(current.get(), segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOTDIR || errno == ELOOP)
                throw format_error(path_for_errors, "", "expected a folder at \"" + segment +
                                                            "\", found a symbolic link or file (refused)");
            if (errno == ENOENT) throw format_error(path_for_errors, "", "folder is missing");
            throw_errno(path_for_errors, "cannot open folder");
        }
        current.reset(fd);
        start = end + 1;
    }
    return current;
}

unique_fd open_beneath(int dirfd, const std::string& relative, const std::string& path_for_errors,
                       std::uint64_t& size, bool writable) {
    const std::size_t slash = relative.rfind('/');
    unique_fd parent;
    std::string leaf = relative;
    int base = dirfd;
    if (slash != std::string::npos) {
        parent = open_directory_beneath(dirfd, relative.substr(0, slash), path_for_errors);
        base = parent.get();
        leaf = relative.substr(slash + 1);
    }
    if (leaf.empty() || leaf == "." || leaf == "..")
        throw format_error(path_for_errors, "", "file name \"" + leaf + "\" is not allowed");
    const int mode = writable ? O_RDWR : O_RDONLY;
    int fd = ::openat(base, leaf.c_str(), mode | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) throw_open_failure(path_for_errors);
    return check_regular(unique_fd(fd), path_for_errors, size);
}

}  // namespace fitstore::detail
