#include "layouts/hdf5_filters.hpp"

#include <blosc.h>
#include <lz4.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "fitstore/errors.hpp"
#include "hdf5_plugin/zstd_filter.hpp"

namespace fitstore::detail::h5z {
namespace {

// The HDF5 lz4 plugin's default block size (1 GiB): chunks up to it are one block.
constexpr std::uint64_t lz4_default_block = std::uint64_t(1) << 30;

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

// Swaps HDF5's filter buffer for `data`; returns the new data size.
std::size_t hand_over(const void* data, std::size_t bytes, std::size_t* buf_size, void** buf) {
    void* out = H5allocate_memory(bytes, false);
    if (!out) return 0;
    std::memcpy(out, data, bytes);
    H5free_memory(*buf);
    *buf = out;
    *buf_size = bytes;
    return bytes;
}

std::size_t lz4_filter(unsigned int flags, std::size_t cd_nelmts, const unsigned int cd_values[], std::size_t nbytes,
                       std::size_t* buf_size, void** buf) {
    std::vector<std::uint8_t> out;
    const auto* in = static_cast<const std::uint8_t*>(*buf);
    if (flags & H5Z_FLAG_REVERSE) {
        // HDF5 gives no expected size here; the frame's own is capped at 4 GiB
        // (HDF5's chunk size limit).
        if (!lz4_hdf5_decode(in, nbytes, std::size_t(0xffffffffu), out) || out.empty()) return 0;
    } else {
        const std::uint64_t block = cd_nelmts > 0 && cd_values[0] > 0 ? cd_values[0] : lz4_default_block;
        if (!lz4_hdf5_encode(in, nbytes, block, out)) return 0;
    }
    return hand_over(out.data(), out.size(), buf_size, buf);
}

// cd_values as hdf5-blosc defines them: [0] filter revision, [1] blosc format
// version, [2] type size, [3] chunk bytes, [4] level, [5] shuffle, [6] compressor code.
std::size_t blosc_filter(unsigned int flags, std::size_t cd_nelmts, const unsigned int cd_values[],
                         std::size_t nbytes, std::size_t* buf_size, void** buf) {
    if (flags & H5Z_FLAG_REVERSE) {
        if (nbytes < BLOSC_MIN_HEADER_LENGTH) return 0;
        std::size_t raw = 0, cbytes = 0, blocksize = 0;
        blosc_cbuffer_sizes(*buf, &raw, &cbytes, &blocksize);
        if (cbytes != nbytes || raw == 0) return 0;
        void* out = H5allocate_memory(raw, false);
        if (!out) return 0;
        const int got = blosc_decompress_ctx(*buf, out, raw, 1);
        if (got < 0 || static_cast<std::size_t>(got) != raw) {
            H5free_memory(out);
            return 0;
        }
        H5free_memory(*buf);
        *buf = out;
        *buf_size = raw;
        return raw;
    }
    const int type_size = cd_nelmts > 2 && cd_values[2] > 0 ? static_cast<int>(cd_values[2]) : 1;
    const int level = cd_nelmts > 4 ? static_cast<int>(cd_values[4]) : 5;
    const int shuffle = cd_nelmts > 5 ? static_cast<int>(cd_values[5]) : 1;
    const char* compressor = "blosclz";
    if (cd_nelmts > 6 && blosc_compcode_to_compname(static_cast<int>(cd_values[6]), &compressor) < 0) return 0;
    const std::size_t capacity = nbytes + BLOSC_MAX_OVERHEAD;
    void* out = H5allocate_memory(capacity, false);
    if (!out) return 0;
    const int written = blosc_compress_ctx(level, shuffle, static_cast<std::size_t>(type_size), nbytes, *buf, out,
                                           capacity, compressor, 0, 1);
    if (written <= 0) {
        H5free_memory(out);
        return 0;
    }
    H5free_memory(*buf);
    *buf = out;
    *buf_size = capacity;
    return static_cast<std::size_t>(written);
}

const H5Z_class2_t lz4_class = {H5Z_CLASS_T_VERS, lz4_filter_id, 1, 1, "lz4 (fitstore)", nullptr, nullptr,
                                &lz4_filter};
const H5Z_class2_t blosc_class = {H5Z_CLASS_T_VERS, blosc_filter_id, 1, 1, "blosc (fitstore)", nullptr, nullptr,
                                  &blosc_filter};

}  // namespace

void register_filters() {
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        ok = H5Zregister(zstd_filter_class()) >= 0 && H5Zregister(&lz4_class) >= 0 && H5Zregister(&blosc_class) >= 0;
    });
    if (!ok) throw io_error("", "hdf5", "cannot register the zstd, lz4 and blosc filters with HDF5");
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

}  // namespace fitstore::detail::h5z
