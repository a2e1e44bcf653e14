// The codec registry: everything fitstore knows about one chunk codec, in one
// record defined by the codec's own .cpp (tensorstore's compressor registry is
// the model). codec.cpp (names, levels, encode/decode dispatch), zarr_metadata.cpp
// (.zarray compressor JSON both ways) and the hdf5 layout (filter pipeline,
// chunk framing) read these records; nothing else switches on a codec.
//
// Adding a codec: one .cpp defining `const codec_def& NAME_codec()` (alp_zstd.cpp
// is an example) plus its name in FITSTORE_BUILTIN_CODECS (codec_registry.cpp),
// and an enumerator in codec_id (or any unused id value); lib/ sources are
// globbed, so CMake needs no line. The list is explicit rather than static
// registration objects because a static library drops object files nothing
// references, and because a function-local static has no initialisation-order
// problem. register_codec() adds one at run time (tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "codecs/codec_families.hpp"
#include "fitstore/codec.hpp"

namespace fitstore::codecs {

/// What "+shuffle" means for a codec.
enum class shuffle_support : std::uint8_t {
    raw_bytes,     ///< none: refused (raw chunks stay mappable)
    filter,        ///< a separate byte-shuffle filter before the codec (numcodecs "shuffle", HDF5 filter 2)
    inside,        ///< the codec shuffles inside its own frame (blosc)
    whole_values,  ///< refused: the codec reads whole values (alp) or encodes nothing (auto)
};

/// One filter of an HDF5 filter pipeline: the H5Pset_filter arguments.
struct hdf5_filter {
    unsigned id = 0;
    bool optional = false;  ///< H5Z_FLAG_OPTIONAL (HDF5's own deflate and shuffle), else mandatory
    std::vector<unsigned> cd_values;
};

struct codec_def {
    codec_id id = codec_id::none;
    std::string_view name;   ///< "zstd": CLI, manifest and message name
    std::string_view usage;  ///< its form in "expected ..." messages: "zstd[:1-19]"
    int default_level = 0;   ///< the level used for level 0
    int min_level = 0;
    int max_level = 0;  ///< 0: the codec takes no level
    /// The largest raw/stored ratio the codec can produce (the manifest's zip-bomb guard).
    std::uint64_t max_ratio = 1;
    shuffle_support shuffle = shuffle_support::raw_bytes;
    bool floats_only = false;  ///< encodes float32/float64 arrays only (alp, alp-zstd)

    // Chunk functions, all null for auto (not a chunk codec). `out` holds at least
    // bound(raw_bytes) bytes; encode returns the encoded length; decode fills exactly
    // raw_bytes bytes or throws format_error at `site`. Thread-safe.
    std::size_t (*bound)(std::size_t raw_bytes) = nullptr;
    std::size_t (*encode)(const codec_spec& spec, int level, std::size_t item_size, const std::uint8_t* raw,
                          std::size_t raw_bytes, std::uint8_t* out) = nullptr;
    void (*decode)(std::size_t item_size, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                   std::size_t raw_bytes, const error_site& site) = nullptr;

    // zarr v2 view. Codecs sharing a zarr id (the two blosc ones) share from_zarr.
    std::string_view zarr_id;     ///< the .zarray compressor id; empty: "compressor": null
    std::string_view zarr_usage;  ///< in "fitstore decodes ..." messages: "blosc (lz4 or zstd inside)"
    nlohmann::json (*to_zarr)(const codec_spec& spec, int level) = nullptr;
    /// Reads a compressor object with this zarr id (shuffle: the codec's own flag only;
    /// a separate shuffle filter is handled by the caller). Throws format_error naming `path`.
    codec_spec (*from_zarr)(const nlohmann::json& compressor, std::size_t item_size, const std::string& path) = nullptr;

    // HDF5 view. A codec no HDF5 filter decodes is refused by the hdf5 layout,
    // which promises that h5py reads every dataset.
    bool in_hdf5 = false;
    unsigned hdf5_filter_id = 0;  ///< 0: stored without a filter (none)
    bool hdf5_filter_optional = false;
    std::vector<unsigned> (*hdf5_cd_values)(const codec_spec& spec, int level, std::size_t item_size,
                                            std::size_t chunk_bytes) = nullptr;
    /// Re-framing between the canonical (zarr) chunk and the HDF5 filter's chunk;
    /// null when HDF5 stores the canonical bytes as they are.
    void (*to_hdf5)(const std::uint8_t* chunk, std::size_t size, std::vector<std::uint8_t>& out,
                    const error_site& site) = nullptr;
    void (*from_hdf5)(const std::uint8_t* chunk, std::size_t size, std::size_t max_raw_bytes,
                      std::vector<std::uint8_t>& out, const error_site& site) = nullptr;

    bool takes_levels() const noexcept { return max_level > 0; }
    bool is_chunk_codec() const noexcept { return encode != nullptr; }

    // A row reads as one expression: codec_def(id, ...).levels(...).chunks(...).zarr(...).hdf5(...).
    codec_def() = default;
    codec_def(codec_id id_, std::string_view name_, std::string_view usage_, std::uint64_t max_ratio_,
              shuffle_support shuffle_) noexcept
        : id(id_), name(name_), usage(usage_), max_ratio(max_ratio_), shuffle(shuffle_) {}
    codec_def& levels(int default_, int min, int max) noexcept {
        default_level = default_, min_level = min, max_level = max;
        return *this;
    }
    codec_def& only_floats() noexcept {
        floats_only = true;
        return *this;
    }
    codec_def& chunks(decltype(bound) bound_, decltype(encode) encode_, decltype(decode) decode_) noexcept {
        bound = bound_, encode = encode_, decode = decode_;
        return *this;
    }
    codec_def& zarr(std::string_view id_, std::string_view usage_, decltype(to_zarr) to,
                    decltype(from_zarr) from) noexcept {
        zarr_id = id_, zarr_usage = usage_, to_zarr = to, from_zarr = from;
        return *this;
    }
    /// Storable in the hdf5 layout, with this filter (0: none) and framing hooks.
    codec_def& hdf5(unsigned filter_id, bool optional, decltype(hdf5_cd_values) cd_values,
                    decltype(to_hdf5) to = nullptr, decltype(from_hdf5) from = nullptr) noexcept {
        in_hdf5 = true, hdf5_filter_id = filter_id, hdf5_filter_optional = optional, hdf5_cd_values = cd_values;
        to_hdf5 = to, from_hdf5 = from;
        return *this;
    }
};

/// The codec with this id, or nullptr.
const codec_def* find_codec(codec_id id) noexcept;
/// The codec with this name ("blosc-lz4"), or nullptr.
const codec_def* find_codec(std::string_view name) noexcept;
/// The codec with this id; throws usage_error for an id no codec has.
const codec_def& codec_of(codec_id id);
/// Every codec, in registration order (the order of messages listing them).
std::vector<const codec_def*> all_codecs();
/// Adds a codec outside the builtin list; throws usage_error if its id or name is taken.
void register_codec(const codec_def& def);

/// True when `spec` shuffles with the separate byte-shuffle filter (zlib, zstd, lz4 with +shuffle).
bool uses_shuffle_filter(const codec_spec& spec) noexcept;

}  // namespace fitstore::codecs
