// Chunk codecs, chosen by name. A chunk is encoded exactly as zarr v2 /
// numcodecs would store it (so python zarr reads directory stores without
// fitstore); for the hdf5 layout the engine frames it as the HDF5 filter does
// where the two differ (lz4). What each codec is lives in one registry row
// (lib/codecs/codec_registry.hpp), defined in the codec's own .cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fitstore {

/// `alp` and `alp_zstd` ("alp-zstd": alp, then zstd) are fitstore's own float codecs
/// (float32/float64 only, FORMAT.md §4.1): no zarr-python or h5py reader decodes them.
/// `automatic` ("auto") is not a chunk codec: dump replaces it per array by the codec
/// chosen from a sample (FORMAT.md §4.2).
enum class codec_id : std::uint8_t { none, zlib, zstd, lz4, blosc_lz4, blosc_zstd, alp, automatic, alp_zstd };

/// A codec and its settings. level 0 means the codec's default
/// (zlib 6, zstd 3, lz4 acceleration 1, blosc 5).
struct codec_spec {
    codec_id id = codec_id::none;
    int level = 0;
    /// Byte shuffle before compression. For zlib/zstd/lz4 it is a separate
    /// filter (numcodecs "shuffle", HDF5 filter 2); for blosc it is blosc's own.
    bool shuffle = false;

    bool operator==(const codec_spec& o) const { return id == o.id && level == o.level && shuffle == o.shuffle; }
    bool operator!=(const codec_spec& o) const { return !(*this == o); }
};

/// True for the codecs that encode only float32/float64 arrays (alp, alp-zstd).
bool is_float_codec(codec_id id) noexcept;
/// "none", "zlib", "zstd", "lz4", "blosc-lz4", "blosc-zstd", "alp", "auto", "alp-zstd".
std::string_view codec_name(codec_id id) noexcept;
/// The level actually used: `spec.level`, or the codec's default when 0.
int effective_level(const codec_spec& spec) noexcept;
/// Parses "zstd", "zstd:3", "blosc-lz4:5", "zlib:9", "alp", "auto"...; throws usage_error naming the accepted forms.
codec_spec parse_codec(std::string_view text, bool shuffle = false);
/// "zstd:3" / "blosc-lz4:5+shuffle" for tables and messages.
std::string codec_to_string(const codec_spec& spec);
/// Throws usage_error if the level is outside the codec's range (zlib 1-9, zstd 1-19,
/// lz4 acceleration 1-65537, blosc 1-9; 0 = default) or if "none" asks for shuffle
/// (raw chunks stay mappable, so "none" never shuffles), or if alp or auto asks for
/// a level or shuffle (alp reads whole float values).
void validate_codec(const codec_spec& spec);

/// Upper bound of the encoded size of `raw_bytes` bytes.
std::size_t encode_bound(const codec_spec& spec, std::size_t raw_bytes);

/// Encodes `raw_bytes` bytes of elements of `item_size` bytes into `out`
/// (resized to the encoded length). Safe to call from many threads at once.
/// Throws usage_error for a chunk over a codec's 32-bit limit (lz4 and blosc:
/// about 2 GiB), for alp on items that are not 4 or 8 bytes (alp reads them as
/// float32/float64 bit patterns), and for `auto`. Reusing `out` avoids reallocating it.
void encode_chunk(const codec_spec& spec, std::size_t item_size, const void* raw, std::size_t raw_bytes,
                  std::vector<std::uint8_t>& out);

/// Decodes `stored_bytes` bytes into exactly `expected_raw_bytes` bytes at `raw`.
/// Never writes past `expected_raw_bytes`; throws format_error (naming `path`
/// and `field`) if the stream is damaged or decodes to any other size.
/// Safe to call from many threads at once.
void decode_chunk(const codec_spec& spec, std::size_t item_size, const void* stored, std::size_t stored_bytes,
                  void* raw, std::size_t expected_raw_bytes, const std::string& path, const std::string& field);

/// The largest raw/stored ratio the codec can produce; a manifest claiming more
/// is refused before anything is allocated (zip-bomb guard).
std::uint64_t max_expansion_ratio(codec_id id) noexcept;

}  // namespace fitstore
