#include "codecs/lz4_hdf5.hpp"

#include <lz4.h>

#include <algorithm>
#include <cstring>

#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

std::uint64_t load_be(const std::uint8_t* p, int bytes) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
    return v;
}

void store_be(std::uint8_t* p, std::uint64_t v, int bytes) noexcept {
    for (int i = bytes - 1; i >= 0; --i) {
        p[i] = static_cast<std::uint8_t>(v & 0xff);
        v >>= 8;
    }
}

std::uint32_t load_le32(const std::uint8_t* p) noexcept {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

// Decodes an HDF5 lz4 frame into `raw` (resized). Returns false if damaged.
bool lz4_hdf5_decode(const std::uint8_t* src, std::size_t size, std::size_t max_raw_bytes,
                     std::vector<std::uint8_t>& raw) {
    if (size < 12) return false;
    const std::uint64_t orig = load_be(src, 8);
    std::uint64_t block = load_be(src + 8, 4);
    if (orig > max_raw_bytes) return false;
    if (block > orig) block = orig;
    if (block == 0 && orig != 0) return false;
    raw.resize(static_cast<std::size_t>(orig));
    std::size_t pos = 12;
    std::uint64_t done = 0;
    while (done < orig) {
        const std::uint64_t this_block = std::min<std::uint64_t>(block, orig - done);
        if (size - pos < 4) return false;
        const std::uint64_t stored = load_be(src + pos, 4);
        pos += 4;
        if (stored > size - pos) return false;
        if (stored == this_block) {
            std::memcpy(raw.data() + done, src + pos, static_cast<std::size_t>(stored));
        } else {
            const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(src + pos),
                                                reinterpret_cast<char*>(raw.data() + done), static_cast<int>(stored),
                                                static_cast<int>(this_block));
            if (got < 0 || static_cast<std::uint64_t>(got) != this_block) return false;
        }
        pos += static_cast<std::size_t>(stored);
        done += this_block;
    }
    return pos == size;
}

// Encodes `raw` in HDF5 lz4 framing with blocks of `block` bytes. Returns false on failure.
bool lz4_hdf5_encode(const std::uint8_t* raw, std::size_t raw_bytes, std::uint64_t block,
                     std::vector<std::uint8_t>& out) {
    if (raw_bytes > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) return false;
    if (block == 0 || block > raw_bytes) block = raw_bytes;
    const std::size_t blocks = raw_bytes == 0 ? 0 : static_cast<std::size_t>((raw_bytes - 1) / block + 1);
    out.resize(12 + blocks * 4 + static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(raw_bytes))) + blocks * 16);
    store_be(out.data(), raw_bytes, 8);
    store_be(out.data() + 8, block, 4);
    std::size_t pos = 12;
    for (std::size_t done = 0; done < raw_bytes;) {
        const std::size_t this_block = static_cast<std::size_t>(std::min<std::uint64_t>(block, raw_bytes - done));
        const int capacity = static_cast<int>(out.size() - pos - 4);
        int written = LZ4_compress_default(reinterpret_cast<const char*>(raw + done),
                                           reinterpret_cast<char*>(out.data() + pos + 4), static_cast<int>(this_block),
                                           capacity);
        if (written <= 0) return false;
        if (static_cast<std::size_t>(written) >= this_block) {
            // No gain: the format stores such a block raw (size == block size).
            std::memcpy(out.data() + pos + 4, raw + done, this_block);
            written = static_cast<int>(this_block);
        }
        store_be(out.data() + pos, static_cast<std::uint64_t>(written), 4);
        pos += 4 + static_cast<std::size_t>(written);
        done += this_block;
    }
    out.resize(pos);
    return true;
}

void lz4_numcodecs_to_hdf5(const std::uint8_t* src, std::size_t size, std::vector<std::uint8_t>& out,
                           const std::string& path, const std::string& field) {
    if (size < 4) throw format_error(path, field, "lz4 chunk shorter than its 4-byte size header");
    const std::uint32_t orig = load_le32(src);
    const std::size_t block = size - 4;
    if (orig != 0 && block < orig) {
        out.resize(16 + block);
        store_be(out.data(), orig, 8);
        store_be(out.data() + 8, orig, 4);
        store_be(out.data() + 12, block, 4);
        std::memcpy(out.data() + 16, src + 4, block);
        return;
    }
    // The block does not shrink the data: HDF5's format stores it raw, since a
    // compressed size equal to the block size means "not compressed".
    std::vector<std::uint8_t> raw(orig);
    const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(src + 4), reinterpret_cast<char*>(raw.data()),
                                        static_cast<int>(block), static_cast<int>(orig));
    if (got < 0 || static_cast<std::uint32_t>(got) != orig)
        throw format_error(path, field, "lz4 chunk does not decode to its declared " + std::to_string(orig) + " bytes");
    if (!lz4_hdf5_encode(raw.data(), raw.size(), orig, out))
        throw format_error(path, field, "lz4 chunk of " + std::to_string(orig) + " bytes cannot be re-framed");
}

void lz4_hdf5_to_numcodecs(const std::uint8_t* src, std::size_t size, std::size_t max_raw_bytes,
                           std::vector<std::uint8_t>& out, const std::string& path, const std::string& field) {
    if (size >= 16) {
        const std::uint64_t orig = load_be(src, 8);
        const std::uint64_t block = load_be(src + 8, 4);
        const std::uint64_t stored = load_be(src + 12, 4);
        if (orig <= max_raw_bytes && orig > 0 && block >= orig && stored != orig && stored == size - 16) {
            // One compressed block: numcodecs' framing is the same block behind a LE size.
            out.resize(4 + static_cast<std::size_t>(stored));
            store_le32(out.data(), static_cast<std::uint32_t>(orig));
            std::memcpy(out.data() + 4, src + 16, static_cast<std::size_t>(stored));
            return;
        }
    }
    // Several blocks, or raw blocks: decode and compress again as one block.
    std::vector<std::uint8_t> raw;
    if (!lz4_hdf5_decode(src, size, max_raw_bytes, raw))
        throw format_error(path, field,
                           "damaged HDF5 lz4 chunk of " + std::to_string(size) + " bytes (expected at most " +
                               std::to_string(max_raw_bytes) + " bytes once decoded)");
    const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
    out.resize(4 + static_cast<std::size_t>(bound));
    store_le32(out.data(), static_cast<std::uint32_t>(raw.size()));
    const int written = LZ4_compress_default(reinterpret_cast<const char*>(raw.data()),
                                             reinterpret_cast<char*>(out.data() + 4), static_cast<int>(raw.size()), bound);
    if (written <= 0 && !raw.empty()) throw format_error(path, field, "lz4 re-compression failed");
    out.resize(4 + static_cast<std::size_t>(std::max(written, 0)));
}

}  // namespace fitstore::codecs
