#include "layouts/hdf5_filters.hpp"

#include <blosc.h>
#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "codecs/codec_registry.hpp"
#include "codecs/lz4_hdf5.hpp"
#include "fitstore/errors.hpp"
#include "hdf5_plugin/zstd_filter.hpp"

namespace fitstore::detail::h5z {
namespace {

// The HDF5 lz4 plugin's default block size (1 GiB): chunks up to it are one block.
constexpr std::uint64_t lz4_default_block = std::uint64_t(1) << 30;

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
        if (!codecs::lz4_hdf5_decode(in, nbytes, std::size_t(0xffffffffu), out) || out.empty()) return 0;
    } else {
        const std::uint64_t block = cd_nelmts > 0 && cd_values[0] > 0 ? cd_values[0] : lz4_default_block;
        if (!codecs::lz4_hdf5_encode(in, nbytes, block, out)) return 0;
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

// The filter ids are the codec registry's (zstd's comes with the plugin's class).
H5Z_class2_t filter_class(codec_id codec, const char* name, H5Z_func_t filter) {
    const auto id = static_cast<H5Z_filter_t>(codecs::codec_of(codec).hdf5_filter_id);
    return {H5Z_CLASS_T_VERS, id, 1, 1, name, nullptr, nullptr, filter};
}

}  // namespace

void register_filters() {
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        static const H5Z_class2_t lz4_class = filter_class(codec_id::lz4, "lz4 (fitstore)", &lz4_filter);
        static const H5Z_class2_t blosc_class = filter_class(codec_id::blosc_lz4, "blosc (fitstore)", &blosc_filter);
        ok = H5Zregister(zstd_filter_class()) >= 0 && H5Zregister(&lz4_class) >= 0 && H5Zregister(&blosc_class) >= 0;
    });
    if (!ok) throw io_error("", "hdf5", "cannot register the zstd, lz4 and blosc filters with HDF5");
}

}  // namespace fitstore::detail::h5z
