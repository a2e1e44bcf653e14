// The HDF5 zstd filter (registered id 32015), shared by the library (which
// registers it in-process with H5Zregister) and by the plugin module
// fitstore_h5z_zstd that h5py and other HDF5 readers load through
// HDF5_PLUGIN_PATH. Stored bytes are one plain zstd frame of the chunk, the
// same as numcodecs' Zstd and the community 32015 plugin; cd_values[0] is the
// compression level.
#pragma once

#include <hdf5.h>
#include <zstd.h>

#include <cstddef>

namespace fitstore::detail::h5z {

// Hands `out` (capacity bytes from H5allocate_memory) to HDF5 in place of its buffer.
inline void zstd_filter_swap(void* out, std::size_t capacity, std::size_t* buf_size, void** buf) {
    H5free_memory(*buf);
    *buf = out;
    *buf_size = capacity;
}

// Decodes a frame written without its content size (streaming writers) with a
// growing buffer; returns the decoded size, 0 on failure.
inline std::size_t zstd_filter_decode_stream(std::size_t nbytes, std::size_t* buf_size, void** buf) {
    std::size_t capacity = nbytes * 4 + 4096;
    void* out = H5allocate_memory(capacity, false);
    if (!out) return 0;
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ZSTD_inBuffer in{*buf, nbytes, 0};
    ZSTD_outBuffer ob{out, capacity, 0};
    std::size_t ret = 1;
    while (ret != 0) {
        ret = ZSTD_decompressStream(dctx, &ob, &in);
        if (ZSTD_isError(ret)) break;
        if (ret != 0 && ob.pos == ob.size) {
            void* bigger = H5resize_memory(out, capacity * 2);
            if (!bigger) break;
            out = bigger;
            capacity *= 2;
            ob.dst = out;
            ob.size = capacity;
        } else if (ret != 0 && in.pos == in.size) {
            ret = static_cast<std::size_t>(-1);  // truncated frame
            break;
        }
    }
    ZSTD_freeDCtx(dctx);
    if (ret != 0) {
        H5free_memory(out);
        return 0;
    }
    zstd_filter_swap(out, capacity, buf_size, buf);
    return ob.pos;
}

inline std::size_t zstd_filter_decode(std::size_t nbytes, std::size_t* buf_size, void** buf) {
    const unsigned long long content = ZSTD_getFrameContentSize(*buf, nbytes);
    if (content == ZSTD_CONTENTSIZE_ERROR) return 0;
    if (content == ZSTD_CONTENTSIZE_UNKNOWN) return zstd_filter_decode_stream(nbytes, buf_size, buf);
    // HDF5 chunks are never empty, and 0 is HDF5's failure value anyway.
    if (content == 0) return 0;
    void* out = H5allocate_memory(static_cast<std::size_t>(content), false);
    if (!out) return 0;
    const std::size_t got = ZSTD_decompress(out, static_cast<std::size_t>(content), *buf, nbytes);
    if (ZSTD_isError(got) || got != content) {
        H5free_memory(out);
        return 0;
    }
    zstd_filter_swap(out, static_cast<std::size_t>(content), buf_size, buf);
    return got;
}

inline std::size_t zstd_filter_encode(int level, std::size_t nbytes, std::size_t* buf_size, void** buf) {
    const std::size_t bound = ZSTD_compressBound(nbytes);
    void* out = H5allocate_memory(bound, false);
    if (!out) return 0;
    const std::size_t written = ZSTD_compress(out, bound, *buf, nbytes, level);
    if (ZSTD_isError(written)) {
        H5free_memory(out);
        return 0;
    }
    zstd_filter_swap(out, bound, buf_size, buf);
    return written;
}

// The HDF5 filter callback. Returns the new data size, or 0 on failure (HDF5's
// convention); the buffer is swapped only on success.
inline std::size_t zstd_filter(unsigned int flags, std::size_t cd_nelmts, const unsigned int cd_values[],
                               std::size_t nbytes, std::size_t* buf_size, void** buf) {
    if (flags & H5Z_FLAG_REVERSE) return zstd_filter_decode(nbytes, buf_size, buf);
    int level = ZSTD_CLEVEL_DEFAULT;
    if (cd_nelmts > 0) level = static_cast<int>(cd_values[0]);
    if (level <= 0 || level > ZSTD_maxCLevel()) level = ZSTD_CLEVEL_DEFAULT;
    return zstd_filter_encode(level, nbytes, buf_size, buf);
}

/// The filter class handed to H5Zregister (in-process) and to HDF5's plugin loader.
inline const H5Z_class2_t* zstd_filter_class() {
    static const H5Z_class2_t cls = {
        H5Z_CLASS_T_VERS,
        32015,  // registered id of zstd
        1,
        1,
        "zstd (fitstore)",
        nullptr,
        nullptr,
        &zstd_filter,
    };
    return &cls;
}

}  // namespace fitstore::detail::h5z
