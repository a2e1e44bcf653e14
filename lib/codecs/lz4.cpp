// numcodecs LZ4 framing: a 4-byte little-endian uncompressed size, then one
// raw LZ4 block (LZ4_compress_fast with the acceleration as "level").
#include <lz4.h>

#include <cstring>

#include "codecs/codec_registry.hpp"
#include "codecs/lz4_hdf5.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

constexpr std::size_t k_prefix = 4;
// LZ4 clamps larger accelerations to this value (LZ4_ACCELERATION_MAX in lz4.c).
constexpr int k_max_acceleration = 65537;

std::size_t lz4_bound(std::size_t raw_bytes) {
    if (raw_bytes > LZ4_MAX_INPUT_SIZE) return raw_bytes + raw_bytes / 255 + 16 + k_prefix;
    return static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(raw_bytes))) + k_prefix;
}

std::size_t lz4_encode(const codec_spec&, int acceleration, std::size_t, const std::uint8_t* raw, std::size_t raw_bytes,
                       std::uint8_t* out) {
    if (raw_bytes > LZ4_MAX_INPUT_SIZE) too_large("lz4", raw_bytes, LZ4_MAX_INPUT_SIZE);
    const auto n = static_cast<std::uint32_t>(raw_bytes);
    const std::uint8_t prefix[k_prefix] = {static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
                                           static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 24)};
    std::memcpy(out, prefix, k_prefix);
    const int written =
        LZ4_compress_fast(reinterpret_cast<const char*>(raw), reinterpret_cast<char*>(out + k_prefix),
                          static_cast<int>(raw_bytes), static_cast<int>(lz4_bound(raw_bytes) - k_prefix), acceleration);
    if (written <= 0) throw error("", "codec", "lz4: compression failed");
    return k_prefix + static_cast<std::size_t>(written);
}

void lz4_decode(std::size_t, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                std::size_t raw_bytes, const error_site& site) {
    if (stored_bytes < k_prefix + 1) {
        fail(site, "lz4",
             "expected a 4-byte size prefix and an LZ4 block, found only " + std::to_string(stored_bytes) +
                 " bytes");
    }
    const std::uint64_t declared = std::uint64_t{stored[0]} | std::uint64_t{stored[1]} << 8 |
                                   std::uint64_t{stored[2]} << 16 | std::uint64_t{stored[3]} << 24;
    if (declared != raw_bytes) {
        fail(site, "lz4",
             "expected " + std::to_string(raw_bytes) + " bytes, found a size prefix declaring " +
                 std::to_string(declared));
    }
    const std::size_t block = stored_bytes - k_prefix;
    if (raw_bytes > LZ4_MAX_INPUT_SIZE || block > static_cast<std::size_t>(INT32_MAX)) {
        fail(site, "lz4", "chunk of " + std::to_string(raw_bytes) + " bytes exceeds the LZ4 block limit");
    }
    char sink = 0;  // LZ4 wants a valid pointer even for 0 bytes
    // LZ4_decompress_safe never writes past the capacity and never reads past the block.
    const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(stored + k_prefix),
                                        raw_bytes ? reinterpret_cast<char*>(raw) : &sink, static_cast<int>(block),
                                        static_cast<int>(raw_bytes));
    if (got < 0) {
        fail(site, "lz4",
             "damaged, truncated or oversized block: it does not decode to exactly the expected " +
                 std::to_string(raw_bytes) + " bytes");
    }
    if (static_cast<std::size_t>(got) != raw_bytes) {
        fail(site, "lz4", "expected " + std::to_string(raw_bytes) + " bytes, found " + std::to_string(got));
    }
}

nlohmann::json lz4_to_zarr(const codec_spec&, int level) { return {{"id", "lz4"}, {"acceleration", level}}; }

codec_spec lz4_from_zarr(const nlohmann::json& compressor, std::size_t, const std::string& path) {
    codec_spec spec;
    spec.id = codec_id::lz4;
    spec.level = zarr_int(compressor, "acceleration", 1, path, "compressor");
    if (spec.level < 1) spec.level = 0;  // LZ4 treats accelerations below 1 as 1
    if (spec.level > k_max_acceleration) spec.level = k_max_acceleration;
    return spec;
}

// The HDF5 lz4 filter (32004): cd_values[0] is its block size, 0 = the plugin's default.
std::vector<unsigned> lz4_cd_values(const codec_spec&, int, std::size_t, std::size_t) { return {0}; }

// HDF5's lz4 filter frames the same LZ4 block differently (codecs/lz4_hdf5.hpp).
void lz4_to_hdf5(const std::uint8_t* chunk, std::size_t size, std::vector<std::uint8_t>& out, const error_site& site) {
    lz4_numcodecs_to_hdf5(chunk, size, out, site.path, site.field);
}

void lz4_from_hdf5(const std::uint8_t* chunk, std::size_t size, std::size_t max_raw_bytes,
                   std::vector<std::uint8_t>& out, const error_site& site) {
    lz4_hdf5_to_numcodecs(chunk, size, max_raw_bytes, out, site.path, site.field);
}

}  // namespace

// Ratio: 255 bytes per length byte, 255:1.
const codec_def& lz4_codec() {
    static const codec_def def =
        codec_def(codec_id::lz4, "lz4", "lz4[:ACCELERATION>=1]", 300, shuffle_support::filter)
            .levels(1, 1, k_max_acceleration)
            .chunks(lz4_bound, lz4_encode, lz4_decode)
            .zarr("lz4", "lz4", lz4_to_zarr, lz4_from_zarr)
            .hdf5(32004, false, lz4_cd_values, lz4_to_hdf5, lz4_from_hdf5);
    return def;
}

}  // namespace fitstore::codecs
