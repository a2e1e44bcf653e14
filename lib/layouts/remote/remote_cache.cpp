// The local cache that mapped loads of remote stores go through.
//
//   CACHE/<sha256 of the manifest>-<layout>    one verified copy of a store (folder or blob file)
//   CACHE/locations/<sha256 of the location>   the entry a location last resolved to
//   CACHE/tmp-<pid>-<n>                         downloads in progress
//
// An entry is content-addressed by its manifest (which holds every chunk's
// size and checksum), so two locations holding the same model share it and a
// changed model gets a new entry. A download is written into a temporary,
// verified (every checksum), fsynced, then renamed into place: a reader never
// sees a partial entry, and two processes downloading at once both end up
// with the one that was published first. Entries are touched when used and
// the least recently used are evicted beyond the size cap. When the location
// cannot be reached (no HTTP answer at all), its last entry is used.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "fitstore/errors.hpp"
#include "io/atomic_target.hpp"
#include "io/http_client.hpp"
#include "io/posix_file.hpp"
#include "io/s3_signer.hpp"
#include "layouts/remote/remote_store.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {
namespace {

std::atomic<unsigned> g_download_counter{0};

std::string cache_folder(const remote_options& options) {
    if (!options.cache_dir.empty()) return options.cache_dir;
    if (const char* c = std::getenv("FITSTORE_CACHE"); c && *c) return c;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/fitstore";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/fitstore";
    throw usage_error("", "cache_dir", "no cache folder: set FITSTORE_CACHE (or pass --cache DIR)");
}

std::uint64_t cache_cap(const remote_options& options) {
    if (options.cache_max_bytes) return options.cache_max_bytes;
    if (const char* c = std::getenv("FITSTORE_CACHE_MAX_BYTES"); c && *c) {
        char* end = nullptr;
        const unsigned long long n = std::strtoull(c, &end, 10);
        if (*end != '\0' || n == 0)
            throw usage_error("", "FITSTORE_CACHE_MAX_BYTES", std::string("expected a positive number, found \"") + c + "\"");
        return n;
    }
    return std::uint64_t(20) << 30;
}

void make_folders(const std::string& path) {
    std::string at;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        at = path.substr(0, slash);
        if (!at.empty() && ::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST) throw_errno(at, "cannot create cache folder");
        start = slash + 1;
    }
}

std::string read_text(const std::string& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return "";
    char buf[256];
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

/// Writes a small file atomically (temp + rename).
void write_text_atomic(const std::string& path, const std::string& text) {
    const std::string temp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_download_counter++);
    {
        unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!fd) throw_errno(temp, "cannot create");
        write_all(fd.get(), text.data(), text.size(), temp);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        throw_errno(path, "cannot rename into place");
    }
}

void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW); }

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::uint64_t tree_bytes(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) return static_cast<std::uint64_t>(st.st_blocks) * 512;
    std::uint64_t total = 0;
    if (DIR* d = ::opendir(path.c_str())) {
        while (dirent* e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name != "." && name != "..") total += tree_bytes(path + "/" + name);
        }
        ::closedir(d);
    }
    return total;
}

/// Removes temporaries of dead downloads and evicts least recently used entries beyond `cap`.
void evict(const std::string& folder, std::uint64_t cap, const std::string& keep) {
    struct entry {
        std::string path;
        std::uint64_t bytes;
        std::time_t used;
    };
    std::vector<entry> entries;
    std::uint64_t total = 0;
    DIR* d = ::opendir(folder.c_str());
    if (!d) return;
    const std::time_t now = std::time(nullptr);
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == ".." || name == "locations") continue;
        const std::string path = folder + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;
        if (name.rfind("tmp-", 0) == 0) {
            if (now - st.st_mtime > 24 * 3600) remove_tree_noexcept(path);  // a download that died long ago
            continue;
        }
        const std::uint64_t bytes = tree_bytes(path);
        total += bytes;
        entries.push_back({path, bytes, st.st_mtime});
    }
    ::closedir(d);
    std::sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) { return a.used < b.used; });
    for (const auto& e : entries) {
        if (total <= cap) break;
        if (e.path == keep) continue;
        // Unlinking is safe for processes mapping the entry: their mappings keep the data.
        remove_tree_noexcept(e.path);
        total -= e.bytes;
    }
}

/// A temporary download folder or file, removed unless published.
struct temp_guard {
    std::string path;
    bool keep = false;
    ~temp_guard() {
        if (!keep && !path.empty()) remove_tree_noexcept(path);
    }
};

/// Creates `path` of exactly `size` bytes with its space reserved (a full disk fails
/// here with ENOSPC, not later as SIGBUS in a mapping) and fills it through `fill`.
template <class Fill>
void download_file(const std::string& path, std::uint64_t size, Fill fill) {
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) throw_errno(path, "cannot create cache file");
    if (size == 0) return;
    if (const int rc = ::posix_fallocate(fd.get(), 0, static_cast<off_t>(size)); rc != 0) {
        errno = rc;
        throw_errno(path, "cannot reserve " + std::to_string(size) + " bytes in the cache");
    }
    void* p = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (p == MAP_FAILED) throw_errno(path, "cannot map cache file");
    struct unmap {
        void* p;
        std::size_t n;
        ~unmap() { ::munmap(p, n); }
    } guard{p, static_cast<std::size_t>(size)};
    fill(static_cast<std::uint8_t*>(p));
    if (::msync(p, static_cast<std::size_t>(size), MS_SYNC) != 0) throw_errno(path, "cannot write cache file");
}

void download_directory(layout_reader& reader, const std::string& temp) {
    make_folders(temp);
    const manifest& m = reader.get_manifest();
    for (const auto& entry : m.arrays) {
        // A named reference, not a structured binding: C++17 lambdas cannot capture bindings (clang refuses).
        const auto& rec = entry.second;
        reader.will_read(rec);
        for (std::size_t i = 0; i < rec.chunks.size(); ++i) {
            if (!rec.chunks[i].present) continue;
            const std::string relative = directory_chunk_key(rec, i);
            const std::string file = temp + "/" + relative;
            make_folders(file.substr(0, file.rfind('/')));
            const std::size_t bytes = static_cast<std::size_t>(rec.chunks[i].stored_bytes);
            if (rec.chunks.size() == 1) {
                download_file(file, bytes, [&](std::uint8_t* dst) { reader.read_chunk_into(rec, i, dst, bytes); });
            } else {
                std::vector<std::uint8_t> data;
                reader.read_chunk(rec, i, data);
                download_file(file, data.size(), [&](std::uint8_t* dst) { std::memcpy(dst, data.data(), data.size()); });
            }
        }
        const std::string zarray = zarray_metadata(rec).dump(4);
        const std::string folder = temp + "/" + rec.key;
        make_folders(folder);
        unique_fd z = create_file(folder + "/.zarray");
        write_all(z.get(), zarray.data(), zarray.size(), folder + "/.zarray");
    }
    const std::string text = reader.manifest_json().dump(1);
    unique_fd fd = create_file(temp + "/manifest.json");
    write_all(fd.get(), text.data(), text.size(), temp + "/manifest.json");
}

}  // namespace

namespace {

/// Downloads the remote store into the folder or file `temp`; returns the bytes fetched.
std::uint64_t download(const remote_reader& remote, const std::string& temp) {
    if (remote.kind == layout::directory) {
        download_directory(*remote.reader, temp);
    } else {
        // The blob: one object, fetched in parts over several connections.
        byte_source* source = remote.source.get();
        const std::uint64_t total = source->size("");
        download_file(temp, total, [&](std::uint8_t* dst) { source->read("", 0, dst, static_cast<std::size_t>(total)); });
    }
    return tree_bytes(temp);
}

/// Checks every checksum of the download, then renames it into place as `entry`:
/// a damaged download never enters the cache.
void publish(temp_guard& temp, const std::string& entry, const std::string& folder, layout kind, unsigned threads) {
    load_options check;
    check.mmap = mmap_mode::r;
    check.verify = true;
    check.threads = threads;
    (void)read_store(temp.path, check);
    if (kind == layout::directory) fsync_tree(temp.path);
    // (download_file already synced each file's data.)
    if (::rename(temp.path.c_str(), entry.c_str()) != 0) {
        // Another process published the same entry first: use theirs.
        if (!exists(entry)) throw_errno(entry, "cannot publish the cache entry");
    } else {
        temp.keep = true;
        fsync_directory(folder);
    }
}

}  // namespace

cached_store cached_copy(const std::string& location, const load_options& options) {
    const std::string folder = cache_folder(options.remote);
    make_folders(folder + "/locations");
    const std::string index = folder + "/locations/" + sha256_hex(location.data(), location.size());

    remote_reader remote;
    try {
        remote = open_remote_reader(location, options.remote);
    } catch (const network_error& e) {
        // Unreachable (no answer at all): the copy this location last resolved to, if any.
        const std::string last = read_text(index);
        if (!last.empty() && last.find('/') == std::string::npos && exists(folder + "/" + last)) {
            touch(folder + "/" + last);
            return {folder + "/" + last, true, 0};
        }
        throw;
    }
    const std::string canonical = remote.reader->manifest_json().dump();
    const std::string name =
        sha256_hex(canonical.data(), canonical.size()) + "-" + std::string(layout_name(remote.kind));
    const std::string entry = folder + "/" + name;
    if (exists(entry)) {
        touch(entry);
        write_text_atomic(index, name);
        return {entry, false, 0};
    }

    temp_guard temp{folder + "/tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_download_counter++)};
    const std::uint64_t downloaded = download(remote, temp.path);
    publish(temp, entry, folder, remote.kind, options.threads);
    write_text_atomic(index, name);
    evict(folder, cache_cap(options.remote), entry);
    return {entry, false, downloaded};
}

}  // namespace fitstore::detail
