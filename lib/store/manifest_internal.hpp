// Manifest helpers the engine and the back ends share; not public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "fitstore/manifest.hpp"

namespace fitstore::detail {

/// The manifest's top-level keys fitstore itself writes; every other key is
/// kept as `extra` (and a dump's extra keys never replace these).
inline constexpr std::initializer_list<const char*> k_manifest_keys = {"format", "format_version", "layout", "root",
                                                                      "arrays", "provenance", "manifest_xxh3"};
bool is_manifest_key(const std::string& key) noexcept;

/// zarr v2 chunk key for a chunk grid position: "0.2" ("0" for a 0-d array).
std::string zarr_chunk_key(const shape_t& index);
/// Grid position of the n-th chunk in C order.
shape_t chunk_index(const shape_t& grid, std::size_t n);
/// Number of chunks of `rec` (the product of its chunk grid; 1 for a 0-d array).
std::size_t chunk_count(const array_record& rec);
/// The same for a record read from a file: nullopt when it exceeds `limit`
/// (manifest_limits::max_chunks_per_array), before the product can overflow.
std::optional<std::size_t> chunk_count_within(const array_record& rec, std::size_t limit);
/// The manifest JSON of one array record (`with_offsets`: chunk offsets too, as the blob records them).
nlohmann::json array_to_json(const array_record& rec, bool with_offsets);
/// `v` as 16 lower-case hex digits (checksums in the manifest and in messages).
std::string hex64(std::uint64_t v);

}  // namespace fitstore::detail
