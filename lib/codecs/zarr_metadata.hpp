// The zarr v2 view of a codec: the .zarray "compressor" and "filters" fields,
// written from and read into a codec_spec through the codec registry.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "fitstore/codec.hpp"

namespace fitstore {

/// zarr v2 ".zarray" fields for `spec`: "compressor" (object or null) and "filters" (array or null).
nlohmann::json zarr_compressor(const codec_spec& spec, std::size_t item_size);
nlohmann::json zarr_filters(const codec_spec& spec, std::size_t item_size);
/// Reads a .zarray "compressor" + "filters" pair written by fitstore or zarr-python
/// (its default blosc included; blosc bit/auto shuffle decode too, and read back as
/// shuffle = true). Levels are kept as found: they only matter when re-encoding.
/// Throws format_error naming `path` for codecs fitstore cannot decode (gzip, bz2,
/// blosc with other inner codecs, filters other than one shuffle of the item size).
codec_spec codec_from_zarr(const nlohmann::json& compressor, const nlohmann::json& filters, std::size_t item_size,
                           const std::string& path);

namespace codecs {

/// For a codec's from_zarr: an optional integer member of `object` (absent or
/// null -> `fallback`); anything but a 32-bit integer is a format_error at field.key.
int zarr_int(const nlohmann::json& object, const char* key, int fallback, const std::string& path,
             const std::string& field);
/// Throws format_error at `field` unless lo <= value <= hi.
void require_range(int value, int lo, int hi, const std::string& path, const std::string& field);

}  // namespace codecs
}  // namespace fitstore
