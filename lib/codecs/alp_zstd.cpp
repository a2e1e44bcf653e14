// alp-zstd: an alp stream (alp.cpp) inside one zstd frame (zstd.cpp), composed
// from the two codecs' registry rows.
#include <zstd.h>

#include <memory>
#include <string>

#include "codecs/alp.hpp"
#include "codecs/codec_registry.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

// The alp stream between the two stages, per thread; a buffer grown past
// 64 MiB by an unusually large chunk is freed after the call.
thread_local std::unique_ptr<std::uint8_t[]> t_stream;
thread_local std::size_t t_capacity = 0;

std::uint8_t* stream_buffer(std::size_t bytes) {
    if (bytes > t_capacity) {
        t_stream.reset();
        t_stream.reset(new std::uint8_t[bytes]);
        t_capacity = bytes;
    }
    return t_stream.get();
}

struct trim_stream {
    ~trim_stream() {
        if (t_capacity > (std::size_t{64} << 20)) t_stream.reset(), t_capacity = 0;
    }
};

const codec_def& alp() { return codec_of(codec_id::alp); }
const codec_def& zstd() { return codec_of(codec_id::zstd); }

std::size_t alp_zstd_bound(std::size_t raw_bytes) { return zstd().bound(alp().bound(raw_bytes)); }

std::size_t alp_zstd_encode(const codec_spec& spec, int level, std::size_t item_size, const std::uint8_t* raw,
                            std::size_t raw_bytes, std::uint8_t* out) {
    trim_stream trim;
    std::uint8_t* stream = stream_buffer(alp().bound(raw_bytes));
    const std::size_t length = alp().encode(spec, 0, item_size, raw, raw_bytes, stream);
    return zstd().encode(spec, level, 1, stream, length, out);
}

void alp_zstd_decode(std::size_t item_size, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                     std::size_t raw_bytes, const error_site& site) {
    if (item_size != 4 && item_size != 8) fail(site, "alp-zstd", "expected float32 or float64 values");
    const unsigned long long content = stored_bytes >= 4 ? ZSTD_getFrameContentSize(stored, stored_bytes) : 0;
    const std::size_t limit = alp_max_stored(raw_bytes, item_size);
    if (stored_bytes < 4 || content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN)
        fail(site, "alp-zstd", "expected a zstd frame recording its content size");
    if (content > limit) {
        fail(site, "alp-zstd",
             "the frame declares a " + std::to_string(content) + "-byte alp stream, more than the " +
                 std::to_string(limit) + " bytes an alp stream of this chunk can hold");
    }
    trim_stream trim;
    std::uint8_t* stream = stream_buffer(static_cast<std::size_t>(content));
    zstd().decode(1, stored, stored_bytes, stream, static_cast<std::size_t>(content), site);
    alp().decode(item_size, stream, static_cast<std::size_t>(content), raw, raw_bytes, site);
}

constexpr const char* k_zarr_id = "fitstore_alp_zstd";

nlohmann::json alp_zstd_to_zarr(const codec_spec&, int level) {
    return {{"id", k_zarr_id}, {"version", 1}, {"level", level}};
}

codec_spec alp_zstd_from_zarr(const nlohmann::json& compressor, std::size_t item_size, const std::string& path) {
    const int level = zarr_int(compressor, "level", 1, path, "compressor");
    require_range(level, 1, 19, path, "compressor.level");
    codec_spec spec = alp().from_zarr(compressor, item_size, path);  // version and item size as alp's
    spec.id = codec_id::alp_zstd;
    spec.level = level;
    return spec;
}

}  // namespace

// Its ratio: both stages at once.
const codec_def& alp_zstd_codec() {
    static const codec_def def = codec_def(codec_id::alp_zstd, "alp-zstd", "alp-zstd[:1-19] (float arrays)",
                                           alp_max_ratio * 40000, shuffle_support::whole_values)
                                     .levels(1, 1, 19)
                                     .only_floats()
                                     .chunks(alp_zstd_bound, alp_zstd_encode, alp_zstd_decode)
                                     .zarr(k_zarr_id, k_zarr_id, alp_zstd_to_zarr, alp_zstd_from_zarr);
    return def;
}

}  // namespace fitstore::codecs
