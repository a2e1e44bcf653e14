// zlib format (RFC 1950), byte-identical to Python's zlib.compress(data, level)
// and so to numcodecs Zlib and HDF5's deflate filter.
#include <zlib.h>

#include <algorithm>
#include <limits>

#include "codecs/codec_registry.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

constexpr std::size_t k_max_step = std::numeric_limits<uInt>::max();

std::size_t zlib_bound(std::size_t raw_bytes) { return compressBound(raw_bytes); }

std::size_t zlib_encode(const codec_spec&, int level, std::size_t, const std::uint8_t* raw, std::size_t raw_bytes,
                        std::uint8_t* out) {
    uLongf written = zlib_bound(raw_bytes);
    // compress2 = deflateInit(level) + one Z_FINISH pass: the stream Python's zlib.compress writes.
    const int rc = compress2(out, &written, raw_bytes ? raw : reinterpret_cast<const Bytef*>(""), raw_bytes, level);
    if (rc != Z_OK) throw error("", "codec", "zlib: compress2 failed with code " + std::to_string(rc));
    return written;
}

// Inflates one chunk into exactly `raw_bytes` bytes, refusing a stream that is
// damaged, shorter, longer, or followed by trailing bytes. zlib counts in uInt:
// both sides are fed in slices of at most 4 GiB.
class inflater {
public:
    inflater(const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes,
             const error_site& site)
        : m_in_left(stored_bytes), m_out_left(raw_bytes), m_raw_bytes(raw_bytes), m_site(site) {
        if (inflateInit(&m_z) != Z_OK) fail(site, "zlib", "cannot initialise the inflater (out of memory)");
        m_z.next_in = const_cast<Bytef*>(stored);
        m_z.next_out = raw_bytes ? raw : &m_probe;
    }
    ~inflater() { inflateEnd(&m_z); }
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;

    void run() {
        while (!step()) {
        }
        if (m_out_left != 0)
            fail(m_site, "zlib", "expected " + expected() + " bytes, found a stream of " + decoded() + " bytes");
        if (m_in_left != 0) {
            fail(m_site, "zlib",
                 "expected the stream to end the chunk, found " + std::to_string(m_in_left) + " trailing bytes");
        }
    }

private:
    std::string expected() const { return std::to_string(m_raw_bytes); }
    std::string decoded() const { return std::to_string(m_raw_bytes - m_out_left); }

    // One inflate call; true once the stream has ended.
    bool step() {
        const std::size_t in_step = std::min(m_in_left, k_max_step);
        const std::size_t out_step = std::min(m_out_left, k_max_step);
        m_z.avail_in = static_cast<uInt>(in_step);
        m_z.avail_out = static_cast<uInt>(out_step);
        const int rc = inflate(&m_z, Z_NO_FLUSH);
        m_in_left -= in_step - m_z.avail_in;
        m_out_left -= out_step - m_z.avail_out;
        if (rc == Z_STREAM_END) return true;
        if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
            fail(m_site, "zlib",
                 std::string("damaged stream (") + (m_z.msg ? m_z.msg : "inflate error") + ") after " + decoded() +
                     " of the expected " + expected() + " bytes");
        }
        if (m_out_left == 0 && m_z.avail_out == 0) return probe_past_end();
        if (m_in_left == 0 && m_z.avail_in == 0) {
            fail(m_site, "zlib",
                 "truncated stream: expected " + expected() + " bytes, found only " + decoded() +
                     " before the input ended");
        }
        return false;
    }

    // The output is full but the stream goes on: a one-byte sink tells "only
    // the trailer was left" (true) from "longer than expected" and "damaged".
    bool probe_past_end() {
        m_z.next_out = &m_probe;
        m_z.avail_out = 1;
        m_z.avail_in = static_cast<uInt>(std::min(m_in_left, k_max_step));
        const std::size_t before = m_z.avail_in;
        const int rc = inflate(&m_z, Z_NO_FLUSH);
        m_in_left -= before - m_z.avail_in;
        if (rc == Z_STREAM_END && m_z.avail_out == 1) return true;
        if (m_z.avail_out == 0) fail(m_site, "zlib", "stream decodes to more than the expected " + expected() + " bytes");
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            fail(m_site, "zlib", "damaged stream after the expected " + expected() + " bytes");
        if (m_in_left == 0) {
            fail(m_site, "zlib",
                 "truncated stream: expected its end after the " + expected() + " bytes, found the input exhausted");
        }
        return false;
    }

    z_stream m_z{};
    std::uint8_t m_probe = 0;
    std::size_t m_in_left;
    std::size_t m_out_left;
    std::size_t m_raw_bytes;
    const error_site& m_site;
};

void zlib_decode(std::size_t, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                 std::size_t raw_bytes, const error_site& site) {
    inflater(stored, stored_bytes, raw, raw_bytes, site).run();
}

nlohmann::json zlib_to_zarr(const codec_spec&, int level) { return {{"id", "zlib"}, {"level", level}}; }

codec_spec zlib_from_zarr(const nlohmann::json& compressor, std::size_t, const std::string& path) {
    codec_spec spec;
    spec.id = codec_id::zlib;
    spec.level = zarr_int(compressor, "level", 1, path, "compressor");  // numcodecs Zlib default 1
    require_range(spec.level, -1, 9, path, "compressor.level");
    if (spec.level < 0) spec.level = 0;  // -1: zlib's "default" marker, fitstore's 0
    return spec;
}

// HDF5's deflate filter (1), optional as H5Pset_deflate sets it.
std::vector<unsigned> zlib_cd_values(const codec_spec&, int level, std::size_t, std::size_t) {
    return {static_cast<unsigned>(level)};
}

}  // namespace

// Ratio: deflate's limit is 1032:1 (see test "[codec] expansion ratio").
// HDF5: deflate (1), optional, as H5Pset_deflate sets it.
const codec_def& zlib_codec() {
    static const codec_def def = codec_def(codec_id::zlib, "zlib", "zlib[:1-9]", 1100, shuffle_support::filter)
                                     .levels(6, 1, 9)
                                     .chunks(zlib_bound, zlib_encode, zlib_decode)
                                     .zarr("zlib", "zlib", zlib_to_zarr, zlib_from_zarr)
                                     .hdf5(1, true, zlib_cd_values);
    return def;
}

}  // namespace fitstore::codecs
