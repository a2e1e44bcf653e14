// Codec names, parsing, dispatch to the codec families, the shuffle filter
// around them, and the zarr v2 metadata view of a codec.
#include "fitstore/codec.hpp"

#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <memory>

#include "codecs/alp.hpp"
#include "codecs/codec_families.hpp"
#include "fitstore/errors.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace fitstore {
namespace {

struct codec_row {
    codec_id id;
    std::string_view name;
    int default_level;
    int min_level;
    int max_level;
    std::uint64_t max_ratio;  // see max_expansion_ratio()
};

// LZ4 clamps larger accelerations to this value (LZ4_ACCELERATION_MAX in lz4.c).
constexpr int k_lz4_max_acceleration = 65537;

// max_ratio: the format's asymptotic limit, checked by compressing 256 MiB of
// zeros at the most favourable level (test "[codec] expansion ratio"), plus
// a margin: deflate 1032:1, zstd one 4-byte RLE block per 128 KiB (32768:1),
// lz4 255 bytes per length byte (255:1); blosc frames carry per-block and
// per-split headers, so they stay below their inner codec; alp: see alp.hpp.
// alp and auto take no level (min = max = 0). alp-zstd: both ratios at once.
constexpr std::array<codec_row, 9> k_codecs{{
    {codec_id::none, "none", 0, 0, 0, 1},
    {codec_id::zlib, "zlib", 6, 1, 9, 1100},
    {codec_id::zstd, "zstd", 3, 1, 19, 40000},
    {codec_id::lz4, "lz4", 1, 1, k_lz4_max_acceleration, 300},
    {codec_id::blosc_lz4, "blosc-lz4", 5, 1, 9, 300},
    {codec_id::blosc_zstd, "blosc-zstd", 5, 1, 9, 40000},
    {codec_id::alp, "alp", 0, 0, 0, codecs::alp_max_ratio},
    {codec_id::automatic, "auto", 0, 0, 0, 1},
    {codec_id::alp_zstd, "alp-zstd", 1, 1, 19, codecs::alp_max_ratio * 40000},
}};

constexpr const char* k_accepted_forms =
    "none, zlib[:1-9], zstd[:1-19], lz4[:ACCELERATION>=1], blosc-lz4[:1-9] or blosc-zstd[:1-9], "
    "optionally followed by +shuffle; or alp, alp-zstd[:1-19] (float arrays) or auto";

// The .zarray compressor ids of alp and alp-zstd (FORMAT.md 4.1): fitstore-only.
constexpr const char* k_zarr_alp_id = "fitstore_alp";
constexpr const char* k_zarr_alp_zstd_id = "fitstore_alp_zstd";


bool is_blosc(codec_id id) noexcept { return id == codec_id::blosc_lz4 || id == codec_id::blosc_zstd; }

// The separate shuffle filter applies to zlib, zstd and lz4; blosc shuffles
// inside its frame and "none" stores raw bytes (so they stay mappable).
bool has_shuffle_filter(const codec_spec& spec) noexcept {
    return spec.shuffle && !is_blosc(spec.id) && spec.id != codec_id::none && !is_float_codec(spec.id);
}

bool takes_levels(codec_id id) noexcept {
    const auto i = static_cast<std::size_t>(id);
    return i < k_codecs.size() && k_codecs[i].max_level > 0;
}

[[noreturn]] void auto_is_not_a_chunk_codec() {
    throw usage_error("", "codec",
                      "codec auto is resolved per array when dumping (FORMAT.md 4.2); it cannot encode a chunk");
}

// Per-thread scratch memory, uninitialised and kept between calls: the
// shuffled copy of a chunk, and the encoder's worst-case output (copied out at
// its real length, so a caller's fresh vector is only touched for the bytes
// it keeps). A buffer grown past k_keep_bytes by an unusually large chunk is
// released after the call, so idle workers keep at most a few chunks' worth.
class scratch_buffer {
public:
    std::uint8_t* get(std::size_t bytes) {
        if (bytes > m_capacity) {
            m_data.reset();  // free before allocating: never hold both
            m_data.reset(new std::uint8_t[bytes]);
            m_capacity = bytes;
        }
        return m_data.get();
    }
    void trim() noexcept {
        if (m_capacity > k_keep_bytes) {
            m_data.reset();
            m_capacity = 0;
        }
    }

private:
    static constexpr std::size_t k_keep_bytes = std::size_t{64} << 20;
    std::unique_ptr<std::uint8_t[]> m_data;
    std::size_t m_capacity = 0;
};

thread_local scratch_buffer t_shuffled;
thread_local scratch_buffer t_encoded;

struct trim_on_exit {
    scratch_buffer& buffer;
    ~trim_on_exit() { buffer.trim(); }
};

// Encodes into `out` (at least encode_bound bytes); returns the encoded length.
std::size_t encode_into(const codec_spec& spec, std::size_t item_size, const std::uint8_t* raw,
                        std::size_t raw_bytes, std::uint8_t* out) {
    const int level = effective_level(spec);
    switch (spec.id) {
        case codec_id::none:
            if (raw_bytes) std::memcpy(out, raw, raw_bytes);
            return raw_bytes;
        case codec_id::zlib: return codecs::zlib_encode(level, raw, raw_bytes, out);
        case codec_id::zstd: return codecs::zstd_encode(level, raw, raw_bytes, out);
        case codec_id::lz4: return codecs::lz4_encode(level, raw, raw_bytes, out);
        case codec_id::blosc_lz4: return codecs::blosc_encode("lz4", level, spec.shuffle, item_size, raw, raw_bytes, out);
        case codec_id::blosc_zstd:
            return codecs::blosc_encode("zstd", level, spec.shuffle, item_size, raw, raw_bytes, out);
        case codec_id::alp: return codecs::alp_encode(item_size, raw, raw_bytes, out);
        case codec_id::alp_zstd: return codecs::alp_zstd_encode(level, item_size, raw, raw_bytes, out);
        case codec_id::automatic: auto_is_not_a_chunk_codec();
    }
    throw usage_error("", "codec", "unknown codec id " + std::to_string(static_cast<int>(spec.id)));
}

void decode_raw(codec_id id, std::size_t item_size, const std::uint8_t* stored, std::size_t stored_bytes,
                std::uint8_t* raw, std::size_t raw_bytes, const codecs::error_site& site) {
    switch (id) {
        case codec_id::none:
            if (stored_bytes != raw_bytes) {
                codecs::fail(site, "none",
                             "expected " + std::to_string(raw_bytes) + " raw bytes, found " +
                                 std::to_string(stored_bytes));
            }
            if (raw_bytes) std::memcpy(raw, stored, raw_bytes);
            return;
        case codec_id::zlib: codecs::zlib_decode(stored, stored_bytes, raw, raw_bytes, site); return;
        case codec_id::zstd: codecs::zstd_decode(stored, stored_bytes, raw, raw_bytes, site); return;
        case codec_id::lz4: codecs::lz4_decode(stored, stored_bytes, raw, raw_bytes, site); return;
        case codec_id::blosc_lz4:
        case codec_id::blosc_zstd: codecs::blosc_decode(stored, stored_bytes, raw, raw_bytes, site); return;
        case codec_id::alp: codecs::alp_decode(item_size, stored, stored_bytes, raw, raw_bytes, site); return;
        case codec_id::alp_zstd:
            codecs::alp_zstd_decode(item_size, stored, stored_bytes, raw, raw_bytes, site);
            return;
        case codec_id::automatic: codecs::fail(site, "auto", "auto is not a stored codec");
    }
    throw format_error(site.path, site.field, "unknown codec id " + std::to_string(static_cast<int>(id)));
}

// --- zarr metadata helpers -------------------------------------------------

std::string json_text(const nlohmann::json& j) { return j.dump(); }

// An optional integer member (absent -> fallback); anything else is a format_error.
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
    const int elementsize = zarr_int(f, "elementsize", 4, path, "filters[0]");  // numcodecs' default is 4
    // An element size of 0 or 1 is a no-op shuffle in numcodecs, as it is for 1-byte items here.
    const bool noop = elementsize <= 1 && item_size <= 1;
    if (static_cast<std::size_t>(elementsize) != item_size && !noop) {
        throw format_error(path, "filters[0].elementsize",
                           "expected the item size " + std::to_string(item_size) + ", found " +
                               std::to_string(elementsize));
    }
    return true;
}

}  // namespace

namespace codecs {

void fail(const error_site& site, const char* codec, const std::string& message) {
    throw format_error(site.path, site.field, std::string(codec) + ": " + message);
}

void too_large(const char* codec, std::size_t bytes, std::size_t limit) {
    throw usage_error("", "chunk_bytes",
                      std::string(codec) + " chunks hold at most " + std::to_string(limit) + " bytes, found " +
                          std::to_string(bytes) + "; use smaller chunks");
}

}  // namespace codecs

bool is_float_codec(codec_id id) noexcept { return id == codec_id::alp || id == codec_id::alp_zstd; }

std::string_view codec_name(codec_id id) noexcept {
    const auto i = static_cast<std::size_t>(id);
    return i < k_codecs.size() ? k_codecs[i].name : std::string_view("unknown");
}

int effective_level(const codec_spec& spec) noexcept {
    if (spec.level != 0) return spec.level;
    const auto i = static_cast<std::size_t>(spec.id);
    return i < k_codecs.size() ? k_codecs[i].default_level : 0;
}

codec_spec parse_codec(std::string_view text, bool shuffle) {
    const auto bad = [&](const std::string& why) {
        return usage_error("", "codec",
                           "expected " + std::string(k_accepted_forms) + ", found '" + std::string(text) + "'" +
                               (why.empty() ? "" : " (" + why + ")"));
    };
    std::string_view rest = text;
    constexpr std::string_view k_shuffle_suffix = "+shuffle";
    if (rest.size() > k_shuffle_suffix.size() &&
        rest.substr(rest.size() - k_shuffle_suffix.size()) == k_shuffle_suffix) {
        shuffle = true;
        rest.remove_suffix(k_shuffle_suffix.size());
    }
    const auto colon = rest.find(':');
    const std::string_view name = rest.substr(0, colon);
    codec_spec spec;
    const auto found = std::find_if(k_codecs.begin(), k_codecs.end(), [&](const codec_row& r) { return r.name == name; });
    if (found == k_codecs.end()) throw bad("");
    spec.id = found->id;
    spec.shuffle = shuffle;
    if (colon != std::string_view::npos) {
        const std::string_view digits = rest.substr(colon + 1);
        if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
            throw bad("the level must be a positive integer");
        }
        int level = 0;
        for (const char c : digits) level = level * 10 + (c - '0');
        if (level == 0 || level < found->min_level || level > found->max_level) {
            throw bad(!takes_levels(spec.id) ? std::string(name) + " takes no level"
                                                : std::string(name) + " levels are " +
                                                      std::to_string(found->min_level) + "-" +
                                                      std::to_string(found->max_level));
        }
        spec.level = level;
    }
    validate_codec(spec);
    return spec;
}

std::string codec_to_string(const codec_spec& spec) {
    std::string text(codec_name(spec.id));
    if (takes_levels(spec.id)) text += ":" + std::to_string(effective_level(spec));
    if (spec.shuffle) text += "+shuffle";
    return text;
}

void validate_codec(const codec_spec& spec) {
    const auto i = static_cast<std::size_t>(spec.id);
    if (i >= k_codecs.size()) throw usage_error("", "codec", "unknown codec id " + std::to_string(i));
    const codec_row& r = k_codecs[i];
    if (!takes_levels(spec.id) && spec.level != 0) {
        throw usage_error("", "level",
                          "codec " + std::string(r.name) + " takes no level, found " + std::to_string(spec.level));
    }
    if (spec.level != 0 && (spec.level < r.min_level || spec.level > r.max_level)) {
        throw usage_error("", "level",
                          std::string(r.name) + " levels are " + std::to_string(r.min_level) + "-" +
                              std::to_string(r.max_level) + " (0 = default " + std::to_string(r.default_level) +
                              "), found " + std::to_string(spec.level));
    }
    if (spec.id == codec_id::none && spec.shuffle) {
        throw usage_error("", "shuffle", "shuffle needs a compressor: codec none stores raw, mappable bytes");
    }
    if ((is_float_codec(spec.id) || spec.id == codec_id::automatic) && spec.shuffle) {
        throw usage_error("", "shuffle",
                          "codec " + std::string(r.name) +
                              " takes no shuffle: alp reads whole float values (a byte shuffle would scramble them)");
    }
}

std::size_t encode_bound(const codec_spec& spec, std::size_t raw_bytes) {
    switch (spec.id) {
        case codec_id::none: return raw_bytes;
        case codec_id::zlib: return codecs::zlib_bound(raw_bytes);
        case codec_id::zstd: return codecs::zstd_bound(raw_bytes);
        case codec_id::lz4: return codecs::lz4_bound(raw_bytes);
        case codec_id::blosc_lz4:
        case codec_id::blosc_zstd: return codecs::blosc_bound(raw_bytes);
        case codec_id::alp: return codecs::alp_bound(raw_bytes);
        case codec_id::alp_zstd: return codecs::alp_zstd_bound(raw_bytes);
        case codec_id::automatic: auto_is_not_a_chunk_codec();
    }
    return raw_bytes;
}

void encode_chunk(const codec_spec& spec, std::size_t item_size, const void* raw, std::size_t raw_bytes,
                  std::vector<std::uint8_t>& out) {
    const auto* bytes = static_cast<const std::uint8_t*>(raw);
    if (spec.id == codec_id::none) {
        out.assign(bytes, bytes + raw_bytes);
        return;
    }
    if (spec.id == codec_id::automatic) auto_is_not_a_chunk_codec();
    trim_on_exit trim_shuffled{t_shuffled}, trim_encoded{t_encoded};
    if (has_shuffle_filter(spec) && item_size > 1) {
        std::uint8_t* shuffled = t_shuffled.get(raw_bytes);
        byte_shuffle(bytes, shuffled, raw_bytes, item_size);
        bytes = shuffled;
    }
    std::uint8_t* encoded = t_encoded.get(encode_bound(spec, raw_bytes));
    const std::size_t length = encode_into(spec, item_size, bytes, raw_bytes, encoded);
    out.assign(encoded, encoded + length);
}

void decode_chunk(const codec_spec& spec, std::size_t item_size, const void* stored, std::size_t stored_bytes,
                  void* raw, std::size_t expected_raw_bytes, const std::string& path, const std::string& field) {
    const codecs::error_site site{path, field};
    const auto* in = static_cast<const std::uint8_t*>(stored);
    auto* out = static_cast<std::uint8_t*>(raw);
    if (!has_shuffle_filter(spec) || item_size <= 1) {
        decode_raw(spec.id, item_size, in, stored_bytes, out, expected_raw_bytes, site);
        return;
    }
    // Decode into scratch, then unshuffle into place: the destination is only
    // written once the stream has proved complete.
    trim_on_exit trim{t_shuffled};
    std::uint8_t* shuffled = t_shuffled.get(expected_raw_bytes);
    decode_raw(spec.id, item_size, in, stored_bytes, shuffled, expected_raw_bytes, site);
    byte_unshuffle(shuffled, out, expected_raw_bytes, item_size);
}

std::uint64_t max_expansion_ratio(codec_id id) noexcept {
    const auto i = static_cast<std::size_t>(id);
    return i < k_codecs.size() ? k_codecs[i].max_ratio : 1;
}

nlohmann::json zarr_compressor(const codec_spec& spec, std::size_t /*item_size*/) {
    const int level = effective_level(spec);
    switch (spec.id) {
        case codec_id::none: return nullptr;
        case codec_id::zlib: return {{"id", "zlib"}, {"level", level}};
        case codec_id::zstd: return {{"id", "zstd"}, {"level", level}};
        case codec_id::lz4: return {{"id", "lz4"}, {"acceleration", level}};
        case codec_id::blosc_lz4:
        case codec_id::blosc_zstd:
            return {{"id", "blosc"},
                    {"cname", spec.id == codec_id::blosc_lz4 ? "lz4" : "zstd"},
                    {"clevel", level},
                    {"shuffle", spec.shuffle ? 1 : 0},
                    {"blocksize", 0}};
        // No numcodecs codec has this id: zarr-python refuses the array by name
        // ("codec not available: 'fitstore_alp'") instead of misreading it.
        case codec_id::alp: return {{"id", k_zarr_alp_id}, {"version", 1}};
        case codec_id::alp_zstd: return {{"id", k_zarr_alp_zstd_id}, {"version", 1}, {"level", level}};
        case codec_id::automatic: return nullptr;
    }
    return nullptr;
}

nlohmann::json zarr_filters(const codec_spec& spec, std::size_t item_size) {
    if (!has_shuffle_filter(spec)) return nullptr;
    return nlohmann::json::array({{{"id", "shuffle"}, {"elementsize", item_size}}});
}

codec_spec codec_from_zarr(const nlohmann::json& compressor, const nlohmann::json& filters, std::size_t item_size,
                           const std::string& path) {
    const bool shuffle_filter = shuffle_from_zarr(filters, item_size, path);
    codec_spec spec;
    if (compressor.is_null()) {
        if (shuffle_filter) {
            throw format_error(path, "filters",
                               "expected no filter on an uncompressed array, found a shuffle filter (not supported)");
        }
        return spec;
    }
    if (!compressor.is_object() || !compressor.contains("id") || !compressor["id"].is_string()) {
        throw format_error(path, "compressor",
                           "expected null or an object with a string \"id\", found " + json_text(compressor));
    }
    const std::string id = compressor["id"].get<std::string>();
    // Levels here only matter if the array is re-encoded; decoding never needs
    // them. Values the peers' libraries accept are kept, "library default"
    // markers (0, -1) become fitstore's 0 (= default).
    if (id == "zlib") {
        spec.id = codec_id::zlib;
        spec.level = zarr_int(compressor, "level", 1, path, "compressor");  // numcodecs Zlib default 1
        require_range(spec.level, -1, 9, path, "compressor.level");
        if (spec.level < 0) spec.level = 0;
    } else if (id == "zstd") {
        spec.id = codec_id::zstd;
        spec.level = zarr_int(compressor, "level", 1, path, "compressor");  // numcodecs Zstd default 1
        require_range(spec.level, ZSTD_minCLevel(), ZSTD_maxCLevel(), path, "compressor.level");
    } else if (id == "lz4") {
        spec.id = codec_id::lz4;
        spec.level = zarr_int(compressor, "acceleration", 1, path, "compressor");
        if (spec.level < 1) spec.level = 0;  // LZ4 treats accelerations below 1 as 1
        if (spec.level > k_lz4_max_acceleration) spec.level = k_lz4_max_acceleration;
    } else if (id == "blosc") {
        const auto cname = compressor.contains("cname") && compressor["cname"].is_string()
                               ? compressor["cname"].get<std::string>()
                               : std::string("lz4");  // numcodecs Blosc default cname
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
        if (shuffle_filter) {
            throw format_error(path, "filters",
                               "expected no separate shuffle filter before blosc, found one (not supported)");
        }
        const int blocksize = zarr_int(compressor, "blocksize", 0, path, "compressor");
        if (blocksize < 0) {
            throw format_error(path, "compressor.blocksize", "expected 0 or more, found " + std::to_string(blocksize));
        }
        return spec;
    } else if (id == k_zarr_alp_id || id == k_zarr_alp_zstd_id) {
        spec.id = id == k_zarr_alp_id ? codec_id::alp : codec_id::alp_zstd;
        if (spec.id == codec_id::alp_zstd) {
            spec.level = zarr_int(compressor, "level", 1, path, "compressor");
            require_range(spec.level, 1, 19, path, "compressor.level");
        }
        if (shuffle_filter) throw format_error(path, "filters", "expected no shuffle filter before alp, found one");
        const int version = zarr_int(compressor, "version", 1, path, "compressor");
        require_range(version, 1, 1, path, "compressor.version");
        if (item_size != 4 && item_size != 8)
            throw format_error(path, "compressor.id", "alp needs a float32 or float64 array, found " +
                                                          std::to_string(item_size) + "-byte items");
        return spec;
    } else {
        throw format_error(path, "compressor.id",
                           "unsupported compressor \"" + id +
                               "\": fitstore decodes null, zlib, zstd, lz4, blosc (lz4 or zstd inside), "
                               "fitstore_alp and fitstore_alp_zstd");
    }
    spec.shuffle = shuffle_filter;
    return spec;
}

std::uint64_t xxh3_64(const void* data, std::size_t bytes) noexcept { return XXH3_64bits(data, bytes); }

}  // namespace fitstore
