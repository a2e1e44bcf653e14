// Plain zstd frames with the content size in the header, byte-identical to
// numcodecs Zstd (ZSTD_compress) and to the HDF5 zstd filter 32015.
#include <zstd.h>

#include <memory>

#include "codecs/codec_registry.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

// Contexts are reused per thread (allocating one costs more than compressing a
// small chunk), but a context grown past this size by a high level is freed
// after the call so an idle worker does not keep tens of MiB.
constexpr std::size_t k_keep_context_bytes = std::size_t{16} << 20;

struct cctx_free {
    void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct dctx_free {
    void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

thread_local std::unique_ptr<ZSTD_CCtx, cctx_free> t_cctx;
thread_local std::unique_ptr<ZSTD_DCtx, dctx_free> t_dctx;

std::string zstd_message(std::size_t code) { return ZSTD_getErrorName(code); }

std::size_t zstd_bound(std::size_t raw_bytes) { return ZSTD_compressBound(raw_bytes); }

std::size_t zstd_encode(const codec_spec&, int level, std::size_t, const std::uint8_t* raw, std::size_t raw_bytes,
                        std::uint8_t* out) {
    if (!t_cctx) t_cctx.reset(ZSTD_createCCtx());
    if (!t_cctx) throw std::bad_alloc();
    // ZSTD_compressCCtx writes exactly what ZSTD_compress (numcodecs) writes:
    // single frame, content size recorded, no checksum.
    const std::size_t written = ZSTD_compressCCtx(t_cctx.get(), out, zstd_bound(raw_bytes), raw, raw_bytes, level);
    const bool failed = ZSTD_isError(written);
    if (ZSTD_sizeof_CCtx(t_cctx.get()) > k_keep_context_bytes) t_cctx.reset();
    if (failed) throw error("", "codec", "zstd: compression failed: " + zstd_message(written));
    return written;
}

void zstd_decode(std::size_t, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                 std::size_t raw_bytes, const error_site& site) {
    if (stored_bytes < 4 || stored[0] != 0x28 || stored[1] != 0xB5 || stored[2] != 0x2F || stored[3] != 0xFD) {
        fail(site, "zstd", "expected a zstd frame (magic 28 b5 2f fd), found " + std::to_string(stored_bytes) +
                               " bytes without it");
    }
    const unsigned long long content = ZSTD_getFrameContentSize(stored, stored_bytes);
    if (content == ZSTD_CONTENTSIZE_ERROR) fail(site, "zstd", "damaged frame header");
    if (content == ZSTD_CONTENTSIZE_UNKNOWN) {
        fail(site, "zstd",
             "expected a frame recording its content size (" + std::to_string(raw_bytes) +
                 " bytes), found a frame without it");
    }
    if (content != raw_bytes) {
        fail(site, "zstd",
             "expected " + std::to_string(raw_bytes) + " bytes, found a frame declaring " + std::to_string(content));
    }
    const std::size_t frame = ZSTD_findFrameCompressedSize(stored, stored_bytes);
    if (ZSTD_isError(frame)) fail(site, "zstd", "damaged or truncated frame: " + zstd_message(frame));
    if (frame != stored_bytes) {
        fail(site, "zstd",
             "expected one frame filling the " + std::to_string(stored_bytes) + " stored bytes, found a frame of " +
                 std::to_string(frame) + " bytes and " + std::to_string(stored_bytes - frame) + " trailing bytes");
    }
    if (!t_dctx) t_dctx.reset(ZSTD_createDCtx());
    if (!t_dctx) throw std::bad_alloc();
    std::uint8_t sink = 0;  // zstd wants a valid pointer even for 0 bytes
    // Single-pass decoding straight into the destination: no window buffer is
    // allocated, so a hostile window size costs nothing.
    const std::size_t got = ZSTD_decompressDCtx(t_dctx.get(), raw_bytes ? raw : &sink, raw_bytes, stored, stored_bytes);
    if (ZSTD_isError(got)) {
        fail(site, "zstd",
             "damaged frame (" + zstd_message(got) + ") while decoding the expected " + std::to_string(raw_bytes) +
                 " bytes");
    }
    if (got != raw_bytes) {
        fail(site, "zstd", "expected " + std::to_string(raw_bytes) + " bytes, found " + std::to_string(got));
    }
}

nlohmann::json zstd_to_zarr(const codec_spec&, int level) { return {{"id", "zstd"}, {"level", level}}; }

codec_spec zstd_from_zarr(const nlohmann::json& compressor, std::size_t, const std::string& path) {
    codec_spec spec;
    spec.id = codec_id::zstd;
    spec.level = zarr_int(compressor, "level", 1, path, "compressor");  // numcodecs Zstd default 1
    require_range(spec.level, ZSTD_minCLevel(), ZSTD_maxCLevel(), path, "compressor.level");
    return spec;
}

// The HDF5 zstd filter (32015) takes the level as its only cd_value.
std::vector<unsigned> zstd_cd_values(const codec_spec&, int level, std::size_t, std::size_t) {
    return {static_cast<unsigned>(level)};
}

}  // namespace

// Ratio: one 4-byte RLE block per 128 KiB, 32768:1.
const codec_def& zstd_codec() {
    static const codec_def def = codec_def(codec_id::zstd, "zstd", "zstd[:1-19]", 40000, shuffle_support::filter)
                                     .levels(3, 1, 19)
                                     .chunks(zstd_bound, zstd_encode, zstd_decode)
                                     .zarr("zstd", "zstd", zstd_to_zarr, zstd_from_zarr)
                                     .hdf5(32015, false, zstd_cd_values);
    return def;
}

}  // namespace fitstore::codecs
