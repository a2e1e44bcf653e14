// The manifest: the single source of truth of every store, in every layout.
// It is parsed, then validated against hard caps (untrusted input), and keeps
// keys it does not know so that newer minor versions round-trip.
// FORMAT.md is the normative description of these fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitstore/codec.hpp"
#include "fitstore/dtype.hpp"
#include "fitstore/ndarray.hpp"

namespace fitstore {

/// The format this build writes, and the newest MAJOR.MINOR it understands.
inline constexpr int format_major = 1;
inline constexpr int format_minor = 0;
inline constexpr const char* format_name = "fitstore";

/// Hard caps applied to every manifest read (see FORMAT.md, "Limits").
struct manifest_limits {
    static constexpr std::size_t max_manifest_bytes = std::size_t(64) << 20;
    static constexpr std::size_t max_rank = 32;
    static constexpr std::size_t max_name_bytes = 255;
    static constexpr std::size_t max_depth = 64;
    static constexpr std::size_t max_objects = 100000;
    static constexpr std::size_t max_arrays = 100000;
    static constexpr std::size_t max_chunks_per_array = 10000000;
    static constexpr std::size_t max_total_chunks = 10000000;
};

/// One stored chunk of an array.
struct chunk_record {
    std::uint64_t stored_bytes = 0;         ///< bytes in the store (encoded)
    std::optional<std::uint64_t> xxh3;      ///< XXH3-64 of the chunk's decoded, unpadded bytes
    std::uint64_t offset = 0;               ///< blob layout: absolute offset of the chunk in the blob
    bool present = true;                    ///< false: missing zarr chunk, read as fill value (foreign zarr only)
};

/// One array: what it is and where its chunks are.
struct array_record {
    std::string key;                   ///< path in the store: "support_vectors", "scaler/mean"
    dtype type = dtype::float64;
    bool big_endian = false;           ///< only in foreign zarr/h5 data; fitstore writes little-endian
    shape_t shape;
    shape_t chunk_shape;               ///< fitstore chunks along axis 0 only; foreign zarr may chunk any axis
    codec_spec codec;
    std::uint64_t raw_bytes = 0;       ///< product(shape) * itemsize
    std::uint64_t stored_bytes = 0;    ///< sum of chunk stored_bytes
    std::vector<chunk_record> chunks;  ///< in C order of the chunk grid
    nlohmann::json extra = nlohmann::json::object();  ///< unknown keys, kept

    std::size_t item_size() const noexcept { return itemsize(type); }
    /// Bytes of one full (padded) chunk.
    std::size_t chunk_raw_bytes() const;
    /// Number of chunks along each axis.
    shape_t chunk_grid() const;
    /// True when the array is one uncompressed, little-endian chunk: mappable as is.
    bool mappable() const noexcept;
};

/// One object of the tree: type, version, params, named arrays and children.
struct object_record {
    std::string type;
    std::uint32_t version = 1;
    nlohmann::json params = nlohmann::json::object();
    std::vector<std::pair<std::string, std::string>> arrays;   ///< member name -> array key
    std::vector<std::pair<std::string, object_record>> children;
    nlohmann::json extra = nlohmann::json::object();
};

struct manifest {
    std::string format_version = std::to_string(format_major) + "." + std::to_string(format_minor);
    std::string layout = "directory";
    object_record root;
    std::map<std::string, array_record> arrays;  ///< by key
    nlohmann::json provenance = nlohmann::json::object();
    nlohmann::json extra = nlohmann::json::object();  ///< unknown top-level keys, kept
};

/// Serializes a manifest to JSON (keys sorted; unknown keys merged back).
nlohmann::json manifest_to_json(const manifest& m);
/// Parses and validates manifest text read from `path`. Throws format_error
/// naming `path` and the offending field; version_error for a newer MAJOR.
manifest parse_manifest(std::string_view text, const std::string& path);
/// Parses manifest text read from `path` into JSON (size, nesting and syntax
/// checked; throws format_error), without validating it: readers that keep the
/// JSON parse once and pass it to manifest_from_json.
nlohmann::json parse_manifest_json(std::string_view text, const std::string& path);
/// Validates an already-parsed JSON manifest (same rules as parse_manifest).
manifest manifest_from_json(const nlohmann::json& j, const std::string& path);

/// True if `name` is a valid member/path segment: 1-255 bytes of [A-Za-z0-9_.-], not starting with '.'.
bool is_valid_name(std::string_view name) noexcept;

}  // namespace fitstore
