// blosc1 frames as numcodecs Blosc writes them (blocksize 0 = automatic).
// Only the reentrant *_ctx entry points are used: they keep no global state,
// so many pool threads can run them at once; blosc's own threads stay at 1
// because the caller's pool already parallelises over chunks.
#include <blosc.h>

#include <algorithm>

#include "codecs/codec_registry.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

std::uint32_t read_u32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

// The inner codec of a blosc codec id, as blosc and numcodecs name it.
const char* inner_name(codec_id id) { return id == codec_id::blosc_lz4 ? "lz4" : "zstd"; }

std::size_t blosc_bound(std::size_t raw_bytes) { return raw_bytes + BLOSC_MAX_OVERHEAD; }

std::size_t blosc_encode(const codec_spec& spec, int clevel, std::size_t item_size, const std::uint8_t* raw,
                         std::size_t raw_bytes, std::uint8_t* out) {
    if (raw_bytes > BLOSC_MAX_BUFFERSIZE) too_large("blosc", raw_bytes, BLOSC_MAX_BUFFERSIZE);
    const char* inner = inner_name(spec.id);
    // blosc treats a typesize above 255 as 1; say so explicitly.
    const std::size_t typesize = item_size >= 1 && item_size <= BLOSC_MAX_TYPESIZE ? item_size : 1;
    const int written = blosc_compress_ctx(clevel, spec.shuffle ? BLOSC_SHUFFLE : BLOSC_NOSHUFFLE, typesize, raw_bytes,
                                           raw, out, blosc_bound(raw_bytes), inner, 0, 1);
    if (written <= 0) {
        throw error("", "codec",
                    std::string("blosc-") + inner + ": compression failed with code " + std::to_string(written));
    }
    return static_cast<std::size_t>(written);
}

void blosc_decode(std::size_t, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                  std::size_t raw_bytes, const error_site& site) {
    if (stored_bytes < BLOSC_MIN_HEADER_LENGTH) {
        fail(site, "blosc",
             "expected a 16-byte blosc header, found only " + std::to_string(stored_bytes) + " bytes");
    }
    const unsigned version = stored[0];
    if (version == 0 || version > BLOSC_VERSION_FORMAT) {
        fail(site, "blosc",
             "expected a blosc1 frame (format version 1-" + std::to_string(BLOSC_VERSION_FORMAT) +
                 "), found version " + std::to_string(version));
    }
    const std::uint32_t nbytes = read_u32(stored + 4);
    const std::uint32_t blocksize = read_u32(stored + 8);
    const std::uint32_t cbytes = read_u32(stored + 12);
    if (nbytes != raw_bytes) {
        fail(site, "blosc",
             "expected " + std::to_string(raw_bytes) + " bytes, found a header declaring " + std::to_string(nbytes));
    }
    if (cbytes != stored_bytes) {
        fail(site, "blosc",
             "expected the header to declare the " + std::to_string(stored_bytes) + " stored bytes, found " +
                 std::to_string(cbytes) + (cbytes > stored_bytes ? " (truncated chunk)" : " (trailing bytes)"));
    }
    // blosc sizes its temporaries by the block size: a hostile one must not
    // exceed the chunk (an empty chunk legitimately records block size 1).
    if (blocksize == 0 || blocksize > std::max<std::uint32_t>(nbytes, 1)) {
        fail(site, "blosc",
             "expected a block size between 1 and " + std::to_string(std::max<std::uint32_t>(nbytes, 1)) +
                 ", found " + std::to_string(blocksize));
    }
    std::size_t validated = 0;
    if (blosc_cbuffer_validate(stored, stored_bytes, &validated) != 0 || validated != raw_bytes) {
        fail(site, "blosc", "damaged header: blosc refuses to decode it");
    }
    if (raw_bytes == 0) return;
    const int got = blosc_decompress_ctx(stored, raw, raw_bytes, 1);
    if (got < 0 || static_cast<std::size_t>(got) != raw_bytes) {
        fail(site, "blosc",
             "damaged frame: expected " + std::to_string(raw_bytes) + " bytes, blosc returned " + std::to_string(got));
    }
}

nlohmann::json blosc_to_zarr(const codec_spec& spec, int level) {
    return {{"id", "blosc"},
            {"cname", inner_name(spec.id)},
            {"clevel", level},
            {"shuffle", spec.shuffle ? 1 : 0},
            {"blocksize", 0}};
}

// Both blosc codecs read "blosc" compressor objects; cname picks the codec.
codec_spec blosc_from_zarr(const nlohmann::json& compressor, std::size_t, const std::string& path) {
    const auto cname = compressor.contains("cname") && compressor["cname"].is_string()
                           ? compressor["cname"].get<std::string>()
                           : std::string("lz4");  // numcodecs Blosc default cname
    codec_spec spec;
    if (cname == "lz4") {
        spec.id = codec_id::blosc_lz4;
    } else if (cname == "zstd") {
        spec.id = codec_id::blosc_zstd;
    } else {
        throw format_error(path, "compressor.cname",
                           "expected blosc with cname \"lz4\" or \"zstd\", found \"" + cname + "\"");
    }
    spec.level = zarr_int(compressor, "clevel", 5, path, "compressor");
    require_range(spec.level, 0, 9, path, "compressor.clevel");
    const int shuffle = zarr_int(compressor, "shuffle", 1, path, "compressor");
    require_range(shuffle, -1, 2, path, "compressor.shuffle");
    // blosc records its shuffle (byte or bit) in each frame and undoes it
    // itself; the flag here only chooses byte shuffle if re-encoded.
    // -1 is numcodecs' AUTOSHUFFLE: bit shuffle for 1-byte items, else byte.
    spec.shuffle = shuffle != 0;
    const int blocksize = zarr_int(compressor, "blocksize", 0, path, "compressor");
    if (blocksize < 0) {
        throw format_error(path, "compressor.blocksize", "expected 0 or more, found " + std::to_string(blocksize));
    }
    return spec;
}

// hdf5-blosc's cd_values: filter revision, blosc format version, type size,
// chunk bytes, level, shuffle, compressor code (1 lz4, 5 zstd). The chunks
// themselves are blosc frames that describe their own settings.
std::vector<unsigned> blosc_cd_values(const codec_spec& spec, int level, std::size_t item_size,
                                      std::size_t chunk_bytes) {
    return {2,
            2,
            static_cast<unsigned>(item_size),
            static_cast<unsigned>(chunk_bytes),
            static_cast<unsigned>(level),
            spec.shuffle ? 1u : 0u,
            spec.id == codec_id::blosc_lz4 ? 1u : 5u};
}

// blosc frames carry per-block and per-split headers, so they stay below
// their inner codec's ratio.
codec_def blosc_def(codec_id id, std::string_view name, std::string_view usage, std::uint64_t max_ratio) {
    return codec_def(id, name, usage, max_ratio, shuffle_support::inside)
        .levels(5, 1, 9)
        .chunks(blosc_bound, blosc_encode, blosc_decode)
        .zarr("blosc", "blosc (lz4 or zstd inside)", blosc_to_zarr, blosc_from_zarr)
        .hdf5(32001, false, blosc_cd_values);
}

}  // namespace

const codec_def& blosc_lz4_codec() {
    static const codec_def def = blosc_def(codec_id::blosc_lz4, "blosc-lz4", "blosc-lz4[:1-9]", 300);
    return def;
}

const codec_def& blosc_zstd_codec() {
    static const codec_def def = blosc_def(codec_id::blosc_zstd, "blosc-zstd", "blosc-zstd[:1-9]", 40000);
    return def;
}

}  // namespace fitstore::codecs
