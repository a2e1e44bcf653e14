#include "io/atomic_target.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "fitstore/errors.hpp"
#include "io/posix_file.hpp"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace fitstore::detail {
namespace {

std::string parent_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string leaf_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string strip_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

int rename_exchange(const char* a, const char* b) {
    return static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE));
}

// A temporary whose writer process is gone can never be committed: remove it.
void remove_stale_temporaries(const std::string& parent, const std::string& leaf) noexcept {
    DIR* dir = ::opendir(parent.c_str());
    if (!dir) return;
    const std::string prefix = leaf + ".tmp-";
    while (dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
        if (pid <= 0) continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
        remove_tree_noexcept(parent + "/" + name);
    }
    ::closedir(dir);
}

void remove_tree_at(int dirfd, const char* name) noexcept {
    struct stat st {};
    if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            DIR* dir = ::fdopendir(fd);
            if (dir) {
                while (dirent* entry = ::readdir(dir)) {
                    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
                    remove_tree_at(::dirfd(dir), entry->d_name);
                }
                ::closedir(dir);
            } else {
                ::close(fd);
            }
        }
        ::unlinkat(dirfd, name, AT_REMOVEDIR);
    } else {
        ::unlinkat(dirfd, name, 0);
    }
}

void fsync_tree_fd(int fd, const std::string& path) {
    DIR* dir = ::fdopendir(::dup(fd));
    if (!dir) throw_errno(path, "cannot list folder");
    std::vector<std::string> subdirs;
    while (dirent* entry = ::readdir(dir)) {
        const char* name = entry->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        int child = ::openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (child < 0) continue;
        unique_fd guard(child);
        struct stat st {};
        if (::fstat(child, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            fsync_tree_fd(child, path + "/" + name);
        else if (S_ISREG(st.st_mode))
            fsync_fd(child, path + "/" + name);
    }
    ::closedir(dir);
    fsync_fd(fd, path);
}

}  // namespace

void remove_tree_noexcept(const std::string& path) noexcept {
    const std::string parent = parent_of(path);
    int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    remove_tree_at(fd, leaf_of(path).c_str());
    ::close(fd);
}

void fsync_tree(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw_errno(dir, "cannot open folder to fsync it");
    unique_fd guard(fd);
    fsync_tree_fd(fd, dir);
}

atomic_target::atomic_target(std::string target, kind k, bool durable)
    : m_target(strip_trailing_slashes(std::move(target))), m_kind(k), m_durable(durable) {
    if (m_target.empty()) throw usage_error("", "", "empty output path");
    const std::string parent = parent_of(m_target);
    const std::string leaf = leaf_of(m_target);
    remove_stale_temporaries(parent, leaf);
    std::random_device rd;
    for (int attempt = 0; attempt < 16; ++attempt) {
        char suffix[64];
        std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%08x", static_cast<long>(::getpid()), rd());
        std::string candidate = parent + "/" + leaf + suffix;
        if (m_kind == kind::directory) {
            if (::mkdir(candidate.c_str(), 0755) == 0) {
                m_temp = std::move(candidate);
                return;
            }
        } else {
            int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (fd >= 0) {
                ::close(fd);
                m_temp = std::move(candidate);
                return;
            }
        }
        if (errno == EEXIST) continue;
        // Name the target the caller asked for, not our temporary.
        const int err = errno;
        if (err == ENOENT)
            throw not_found(m_target, "", "cannot write here: the folder " + parent + " does not exist");
        throw io_error(m_target, "", "cannot create a temporary next to the target (" + candidate +
                                         "): " + std::strerror(err), err);
    }
    throw io_error(m_target, "", "cannot find a free temporary name next to the target");
}

atomic_target::~atomic_target() {
    if (!m_committed && !m_temp.empty()) remove_tree_noexcept(m_temp);
}

void atomic_target::commit() {
    const std::string parent = parent_of(m_target);
    if (m_durable) {
        if (m_kind == kind::directory)
            fsync_tree(m_temp);
        else {
            std::uint64_t size = 0;
            unique_fd fd = open_regular_readonly(m_temp, size);
            fsync_fd(fd.get(), m_temp);
        }
    }
    struct stat st {};
    const bool exists = ::lstat(m_target.c_str(), &st) == 0;
    if (exists && (S_ISDIR(st.st_mode) || m_kind == kind::directory)) {
        // rename() cannot replace a folder (or replace a file by a folder): swap
        // the two atomically, then delete the old store now living at m_temp.
        if (rename_exchange(m_temp.c_str(), m_target.c_str()) != 0) throw_errno(m_target, "atomic exchange failed");
        m_committed = true;
        if (m_durable) fsync_directory(parent);
        remove_tree_noexcept(m_temp);
    } else {
        if (::rename(m_temp.c_str(), m_target.c_str()) != 0) throw_errno(m_target, "rename into place failed");
        m_committed = true;
    }
    if (m_durable) fsync_directory(parent);
}

}  // namespace fitstore::detail
