// .zarray "compressor" and "filters" from a codec_spec and back, through the
// codec registry: the registry row of each codec writes and reads its own
// compressor object; the shuffle filter is handled here for all of them.
#include "codecs/zarr_metadata.hpp"

#include <algorithm>
#include <limits>

#include "codecs/codec_registry.hpp"
#include "fitstore/errors.hpp"

namespace fitstore {
namespace {

std::string json_text(const nlohmann::json& j) { return j.dump(); }

// filters: null, [] or [{"id":"shuffle","elementsize":item_size}]; returns whether shuffled.
bool shuffle_from_zarr(const nlohmann::json& filters, std::size_t item_size, const std::string& path) {
    if (filters.is_null()) return false;
    if (!filters.is_array()) throw format_error(path, "filters", "expected null or an array, found " + json_text(filters));
    if (filters.empty()) return false;
    const nlohmann::json& f = filters.front();
    const auto id = f.is_object() && f.contains("id") && f["id"].is_string() ? f["id"].get<std::string>() : "";
    if (filters.size() != 1 || id != "shuffle") {
        throw format_error(path, "filters",
                           "unsupported filter chain " + json_text(filters) +
                               ": fitstore decodes only null or [{\"id\":\"shuffle\",\"elementsize\":" +
                               std::to_string(item_size) + "}]");
    }
    const int elementsize = codecs::zarr_int(f, "elementsize", 4, path, "filters[0]");  // numcodecs' default is 4
    // An element size of 0 or 1 is a no-op shuffle in numcodecs, as it is for 1-byte items here.
    const bool noop = elementsize <= 1 && item_size <= 1;
    if (static_cast<std::size_t>(elementsize) != item_size && !noop) {
        throw format_error(path, "filters[0].elementsize",
                           "expected the item size " + std::to_string(item_size) + ", found " +
                               std::to_string(elementsize));
    }
    return true;
}

// The codec reading compressor objects with this zarr id (the first registered one).
const codecs::codec_def* zarr_reader(const std::string& id) {
    for (const codecs::codec_def* def : codecs::all_codecs())
        if (def->from_zarr && def->zarr_id == id) return def;
    return nullptr;
}

// "zlib, zstd, lz4, blosc (lz4 or zstd inside) and fitstore_alp".
std::string zarr_readable() {
    std::vector<std::string_view> names;
    for (const codecs::codec_def* def : codecs::all_codecs())
        if (def->from_zarr && std::find(names.begin(), names.end(), def->zarr_usage) == names.end())
            names.push_back(def->zarr_usage);
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i)
        text += std::string(i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + std::string(names[i]);
    return text;
}

}  // namespace

namespace codecs {

int zarr_int(const nlohmann::json& object, const char* key, int fallback, const std::string& path,
             const std::string& field) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_number_integer()) {
        throw format_error(path, field + "." + key, "expected an integer, found " + json_text(*it));
    }
    const auto v = it->get<std::int64_t>();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
        throw format_error(path, field + "." + key, "expected a 32-bit integer, found " + json_text(*it));
    }
    return static_cast<int>(v);
}

void require_range(int value, int lo, int hi, const std::string& path, const std::string& field) {
    if (value < lo || value > hi) {
        throw format_error(path, field,
                           "expected " + std::to_string(lo) + " to " + std::to_string(hi) + ", found " +
                               std::to_string(value));
    }
}

}  // namespace codecs

nlohmann::json zarr_compressor(const codec_spec& spec, std::size_t /*item_size*/) {
    const codecs::codec_def& def = codecs::codec_of(spec.id);
    if (!def.to_zarr) return nullptr;  // none; auto never reaches a .zarray
    return def.to_zarr(spec, effective_level(spec));
}

nlohmann::json zarr_filters(const codec_spec& spec, std::size_t item_size) {
    if (!codecs::uses_shuffle_filter(spec)) return nullptr;
    return nlohmann::json::array({{{"id", "shuffle"}, {"elementsize", item_size}}});
}

codec_spec codec_from_zarr(const nlohmann::json& compressor, const nlohmann::json& filters, std::size_t item_size,
                           const std::string& path) {
    const bool shuffle_filter = shuffle_from_zarr(filters, item_size, path);
    if (compressor.is_null()) {
        if (shuffle_filter) {
            throw format_error(path, "filters",
                               "expected no filter on an uncompressed array, found a shuffle filter (not supported)");
        }
        return codec_spec{};
    }
    if (!compressor.is_object() || !compressor.contains("id") || !compressor["id"].is_string()) {
        throw format_error(path, "compressor",
                           "expected null or an object with a string \"id\", found " + json_text(compressor));
    }
    const std::string id = compressor["id"].get<std::string>();
    const codecs::codec_def* def = zarr_reader(id);
    if (!def) {
        throw format_error(path, "compressor.id",
                           "unsupported compressor \"" + id + "\": fitstore decodes null, " + zarr_readable());
    }
    // Levels here only matter if the array is re-encoded; decoding never needs them.
    codec_spec spec = def->from_zarr(compressor, item_size, path);
    if (shuffle_filter) {
        if (def->shuffle != codecs::shuffle_support::filter) {
            throw format_error(path, "filters",
                               "expected no separate shuffle filter before " + id + ", found one (not supported)");
        }
        spec.shuffle = true;
    }
    return spec;
}

}  // namespace fitstore
