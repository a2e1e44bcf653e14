#include "io/mapping.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include "io/posix_file.hpp"

namespace fitstore::detail {

mapped_array map_file_range(int fd, std::uint64_t offset, std::size_t length, mmap_mode mode, const std::string& path) {
    const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = offset / page * page;
    const std::size_t delta = static_cast<std::size_t>(offset - start);
    const std::size_t span = length + delta;
    int prot = PROT_READ;
    int flags = MAP_SHARED;
    if (mode == mmap_mode::c) {
        prot |= PROT_WRITE;
        flags = MAP_PRIVATE;
    } else if (mode == mmap_mode::r_plus) {
        prot |= PROT_WRITE;
    }
    void* base = ::mmap(nullptr, span, prot, flags, fd, static_cast<off_t>(start));
    if (base == MAP_FAILED) throw_errno(path, "mmap failed");
    mapped_array out;
    out.owner = std::shared_ptr<void>(base, [span](void* p) { ::munmap(p, span); });
    out.data = static_cast<char*>(base) + delta;
    return out;
}

}  // namespace fitstore::detail
