// The read seam between layout readers and where a store's bytes live: named
// objects ("manifest.json", "model/support_vectors/0.0", or "" for a store that
// is one object, the blob) read whole or by byte range. A local file or memory
// buffer and a remote HTTP/S3 location implement it; a layout that reads through
// it works on all of them without knowing which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fitstore::detail {

struct byte_range {
    std::string key;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

class byte_source {
public:
    virtual ~byte_source() = default;
    /// Path or URL of `key`, for messages.
    virtual std::string name(const std::string& key = "") const = 0;
    /// Size of object `key`; throws format_error when it does not exist.
    virtual std::uint64_t size(const std::string& key = "") = 0;
    /// Exactly `bytes` bytes at `offset` of `key` into `dst`; a short object is a format_error.
    virtual void read(const std::string& key, std::uint64_t offset, void* dst, std::size_t bytes) = 0;
    /// Same into `out` (resized); lets a prefetching source hand over its buffer without a copy.
    virtual void read(const std::string& key, std::uint64_t offset, std::size_t bytes, std::vector<std::uint8_t>& out) {
        out.resize(bytes);
        read(key, offset, out.data(), bytes);
    }
    /// The whole object, at most `cap` bytes (more is a format_error); false when it does not exist.
    virtual bool read_all(const std::string& key, std::size_t cap, std::vector<std::uint8_t>& out) = 0;
    /// Object `key` is `size` bytes long (from the manifest): a remote source checks servers against it.
    virtual void expect_size(const std::string& key, std::uint64_t size) { (void)key, (void)size; }
    /// These ranges are read next, in this order: a remote source fetches them in parallel.
    virtual void prefetch(std::vector<byte_range> ranges) { (void)ranges; }
    /// True if reads may run on several threads at once.
    virtual bool concurrent_reads() const { return true; }
};

}  // namespace fitstore::detail
