// alp-zstd: an alp stream (alp.cpp) inside one zstd frame (zstd.cpp).
#include <zstd.h>

#include <memory>
#include <string>

#include "codecs/alp.hpp"

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

}  // namespace

std::size_t alp_zstd_bound(std::size_t raw_bytes) { return zstd_bound(alp_bound(raw_bytes)); }

std::size_t alp_zstd_encode(int level, std::size_t item_size, const std::uint8_t* raw, std::size_t raw_bytes,
                            std::uint8_t* out) {
    trim_stream trim;
    std::uint8_t* stream = stream_buffer(alp_bound(raw_bytes));
    const std::size_t length = alp_encode(item_size, raw, raw_bytes, stream);
    return zstd_encode(level, stream, length, out);
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
    zstd_decode(stored, stored_bytes, stream, static_cast<std::size_t>(content), site);
    alp_decode(item_size, stream, static_cast<std::size_t>(content), raw, raw_bytes, site);
}

}  // namespace fitstore::codecs
