#include "fitstore/manifest.hpp"

#include <cinttypes>
#include <cstdio>
#include <limits>
#include <set>

#include "fitstore/errors.hpp"
#include "io/xxh3.hpp"
#include "store/layout_registry.hpp"
#include "store/manifest_internal.hpp"

namespace fitstore {

using nlohmann::json;

std::size_t array_record::chunk_raw_bytes() const {
    return byte_count(chunk_shape, type);
}

shape_t array_record::chunk_grid() const {
    shape_t grid(shape.size());
    for (std::size_t k = 0; k < shape.size(); ++k)
        // Not (shape + chunk - 1) / chunk: that wraps to 0 chunks for a shape near 2^64.
        grid[k] = shape[k] / chunk_shape[k] + (shape[k] % chunk_shape[k] != 0 ? 1 : 0);
    return grid;
}

bool array_record::mappable() const noexcept {
    return codec.id == codec_id::none && !big_endian && chunks.size() == 1 && chunks[0].present &&
           chunk_shape == (shape.empty() ? shape_t{} : shape);
}

bool is_valid_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > manifest_limits::max_name_bytes || name[0] == '.') return false;
    for (char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

namespace detail {

bool is_manifest_key(const std::string& key) noexcept {
    for (const char* k : k_manifest_keys)
        if (key == k) return true;
    return false;
}

std::string zarr_chunk_key(const shape_t& index) {
    if (index.empty()) return "0";
    std::string key;
    for (std::size_t k = 0; k < index.size(); ++k) {
        if (k) key += '.';
        key += std::to_string(index[k]);
    }
    return key;
}

shape_t chunk_index(const shape_t& grid, std::size_t n) {
    shape_t index(grid.size());
    for (std::size_t k = grid.size(); k-- > 0;) {
        index[k] = grid[k] == 0 ? 0 : n % grid[k];
        n = grid[k] == 0 ? 0 : n / grid[k];
    }
    return index;
}

std::size_t chunk_count(const array_record& rec) {
    std::size_t n = 1;
    for (std::size_t g : rec.chunk_grid()) n *= g;
    return n;
}

std::optional<std::size_t> chunk_count_within(const array_record& rec, std::size_t limit) {
    std::size_t n = 1;
    for (std::size_t g : rec.chunk_grid()) {
        if (g != 0 && n > limit / g) return std::nullopt;
        n *= g;
    }
    return n;
}

std::string hex64(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
    return buf;
}

}  // namespace detail

namespace {

using detail::hex64;

// The manifest's own checksum: XXH3-64 of its canonical text (compact, keys
// sorted) without this key. Arrays carry per-chunk checksums, but parameters,
// types and shapes live only in the manifest; without this a damaged digit of
// a parameter would load as a different model.
constexpr const char* k_checksum_key = "manifest_xxh3";

std::uint64_t manifest_checksum(const json& j) {
    json copy = j;
    copy.erase(k_checksum_key);
    const std::string text = copy.dump();
    return xxh3_64(text.data(), text.size());
}

void merge_extra(json& j, const json& extra) {
    if (!extra.is_object()) return;
    for (const auto& item : extra.items())
        if (!j.contains(item.key())) j[item.key()] = item.value();
}

json object_to_json(const object_record& o) {
    json j;
    j["type"] = o.type;
    j["version"] = o.version;
    j["params"] = o.params;
    json arrays = json::array();
    for (const auto& a : o.arrays) arrays.push_back({{"name", a.first}, {"key", a.second}});
    j["arrays"] = std::move(arrays);
    json children = json::array();
    for (const auto& c : o.children) children.push_back({{"name", c.first}, {"object", object_to_json(c.second)}});
    j["children"] = std::move(children);
    merge_extra(j, o.extra);
    return j;
}

}  // namespace

namespace detail {

json array_to_json(const array_record& a, bool with_offsets) {
    json j;
    j["dtype"] = std::string(dtype_name(a.type));
    j["byte_order"] = a.big_endian ? "big" : "little";
    j["shape"] = a.shape;
    j["chunk_shape"] = a.chunk_shape;
    j["codec"] = {{"id", std::string(codec_name(a.codec.id))}, {"level", effective_level(a.codec)},
                  {"shuffle", a.codec.shuffle}};
    j["raw_bytes"] = a.raw_bytes;
    j["stored_bytes"] = a.stored_bytes;
    json chunks = json::array();
    for (const auto& c : a.chunks) {
        json cj;
        cj["stored_bytes"] = c.stored_bytes;
        if (c.xxh3) cj["xxh3"] = hex64(*c.xxh3);
        if (with_offsets) cj["offset"] = c.offset;
        if (!c.present) cj["present"] = false;
        chunks.push_back(std::move(cj));
    }
    j["chunks"] = std::move(chunks);
    merge_extra(j, a.extra);
    return j;
}

}  // namespace detail

namespace {

using detail::array_to_json;

// ---- validation -------------------------------------------------------------

class validator {
public:
    explicit validator(std::string path) : m_path(std::move(path)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& message) const {
        throw format_error(m_path, field, message);
    }

    static std::string found(const json& j) {
        std::string s = j.dump();
        if (s.size() > 80) s = s.substr(0, 77) + "...";
        return s;
    }

    const json& member(const json& obj, const char* key, const std::string& field) const {
        auto it = obj.find(key);
        if (it == obj.end()) fail(field + "." + key, "required field is missing");
        return *it;
    }

    std::uint64_t uint_field(const json& j, const std::string& field) const {
        if (j.is_number_unsigned()) return j.get<std::uint64_t>();
        if (j.is_number_integer() && j.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(j.get<std::int64_t>());
        fail(field, "expected a non-negative integer, found " + found(j));
    }

    std::string string_field(const json& j, const std::string& field, std::size_t max_bytes = 4096) const {
        if (!j.is_string()) fail(field, "expected a string, found " + found(j));
        const auto& s = j.get_ref<const std::string&>();
        if (s.size() > max_bytes) fail(field, "string longer than " + std::to_string(max_bytes) + " bytes");
        return s;
    }

    std::string name_field(const json& j, const std::string& field) const {
        std::string s = string_field(j, field, 1024);
        if (!is_valid_name(s))
            fail(field, "expected a name of 1-255 bytes of [A-Za-z0-9_.-] not starting with '.', found " + found(j));
        return s;
    }

    shape_t shape_field(const json& j, const std::string& field) const {
        if (!j.is_array()) fail(field, "expected a list of non-negative integers, found " + found(j));
        if (j.size() > manifest_limits::max_rank)
            fail(field, "rank " + std::to_string(j.size()) + " exceeds the limit of " +
                            std::to_string(manifest_limits::max_rank));
        shape_t s;
        for (std::size_t k = 0; k < j.size(); ++k) s.push_back(uint_field(j[k], field + "[" + std::to_string(k) + "]"));
        return s;
    }

    static json extra_of(const json& obj, std::initializer_list<const char*> known) {
        json extra = json::object();
        for (const auto& item : obj.items()) {
            bool is_known = false;
            for (const char* k : known) is_known = is_known || item.key() == k;
            if (!is_known) extra[item.key()] = item.value();
        }
        return extra;
    }

    object_record object(const json& j, const std::string& field, const std::string& prefix, std::size_t depth,
                         std::set<std::string>& referenced) {
        if (depth > manifest_limits::max_depth)
            fail(field, "objects nested deeper than " + std::to_string(manifest_limits::max_depth) + " levels");
        if (++m_objects > manifest_limits::max_objects)
            fail(field, "more than " + std::to_string(manifest_limits::max_objects) + " objects");
        if (!j.is_object()) fail(field, "expected an object, found " + found(j));
        object_record o;
        o.type = name_field(member(j, "type", field), field + ".type");
        const std::uint64_t version = uint_field(member(j, "version", field), field + ".version");
        if (version == 0 || version > std::numeric_limits<std::uint32_t>::max())
            fail(field + ".version", "expected a type version from 1 to 2^32-1, found " + std::to_string(version));
        o.version = static_cast<std::uint32_t>(version);
        if (j.contains("params")) {
            const json& params = j["params"];
            if (!params.is_object()) fail(field + ".params", "expected an object, found " + found(params));
            for (const auto& p : params.items()) name_check(p.key(), field + ".params");
            o.params = params;
        }
        std::set<std::string> members;
        if (j.contains("arrays")) {
            const json& arrays = j["arrays"];
            if (!arrays.is_array()) fail(field + ".arrays", "expected a list, found " + found(arrays));
            for (std::size_t i = 0; i < arrays.size(); ++i) {
                const std::string f = field + ".arrays[" + std::to_string(i) + "]";
                if (!arrays[i].is_object()) fail(f, "expected an object, found " + found(arrays[i]));
                std::string name = name_field(member(arrays[i], "name", f), f + ".name");
                std::string key = string_field(member(arrays[i], "key", f), f + ".key", 65536);
                const std::string expected = prefix.empty() ? name : prefix + "/" + name;
                if (key != expected)
                    fail(f + ".key", "expected \"" + expected + "\" (the object path plus the name), found " + found(key));
                if (!members.insert(name).second) fail(f + ".name", "name \"" + name + "\" is used twice");
                if (!referenced.insert(key).second) fail(f + ".key", "array \"" + key + "\" is referenced twice");
                o.arrays.emplace_back(std::move(name), std::move(key));
            }
        }
        if (j.contains("children")) {
            const json& children = j["children"];
            if (!children.is_array()) fail(field + ".children", "expected a list, found " + found(children));
            for (std::size_t i = 0; i < children.size(); ++i) {
                const std::string f = field + ".children[" + std::to_string(i) + "]";
                if (!children[i].is_object()) fail(f, "expected an object, found " + found(children[i]));
                std::string name = name_field(member(children[i], "name", f), f + ".name");
                if (!members.insert(name).second) fail(f + ".name", "name \"" + name + "\" is used twice");
                const std::string child_prefix = prefix.empty() ? name : prefix + "/" + name;
                object_record child = object(member(children[i], "object", f), f + ".object", child_prefix, depth + 1,
                                             referenced);
                o.children.emplace_back(std::move(name), std::move(child));
            }
        }
        o.extra = extra_of(j, {"type", "version", "params", "arrays", "children"});
        return o;
    }

    void name_check(const std::string& name, const std::string& field) const {
        if (!is_valid_name(name))
            fail(field, "expected names of 1-255 bytes of [A-Za-z0-9_.-] not starting with '.', found " + found(name));
    }

    array_record array(const json& j, const std::string& key, const std::string& field) {
        if (!j.is_object()) fail(field, "expected an object, found " + found(j));
        array_record a;
        a.key = key;
        const std::size_t chunk_raw = array_geometry(j, field, a);
        a.codec = array_codec(member(j, "codec", field), field + ".codec", a);
        const std::size_t n_chunks = chunk_count(a, field);
        const json& chunks = member(j, "chunks", field);
        if (!chunks.is_array()) fail(field + ".chunks", "expected a list, found " + found(chunks));
        if (chunks.size() != n_chunks)
            fail(field + ".chunks", "expected " + std::to_string(n_chunks) + " chunks for shape and chunk_shape, found " +
                                        std::to_string(chunks.size()));
        m_total_chunks += n_chunks;
        if (m_total_chunks > manifest_limits::max_total_chunks)
            fail(field + ".chunks", "more than " + std::to_string(manifest_limits::max_total_chunks) + " chunks in all");
        std::uint64_t total_stored = 0;
        for (std::size_t i = 0; i < chunks.size(); ++i) {
            const std::string f = field + ".chunks[" + std::to_string(i) + "]";
            chunk_record c = chunk(chunks[i], f, a, chunk_raw);
            if (c.stored_bytes > std::numeric_limits<std::uint64_t>::max() - total_stored)
                fail(f + ".stored_bytes", "sum of stored sizes overflows");
            total_stored += c.stored_bytes;
            a.chunks.push_back(c);
        }
        a.stored_bytes = uint_field(member(j, "stored_bytes", field), field + ".stored_bytes");
        if (a.stored_bytes != total_stored)
            fail(field + ".stored_bytes", "expected " + std::to_string(total_stored) +
                                              " (the sum of the chunks), found " + std::to_string(a.stored_bytes));
        a.extra = extra_of(j, {"dtype", "byte_order", "shape", "chunk_shape", "codec", "raw_bytes", "stored_bytes",
                               "chunks"});
        return a;
    }

    // dtype, byte order, shape, chunk shape and raw_bytes of an array record;
    // returns the bytes of one chunk.
    std::size_t array_geometry(const json& j, const std::string& field, array_record& a) {
        a.type = dtype_from_name(string_field(member(j, "dtype", field), field + ".dtype"), m_path, field + ".dtype");
        if (j.contains("byte_order")) {
            const std::string order = string_field(j["byte_order"], field + ".byte_order");
            if (order != "little" && order != "big")
                fail(field + ".byte_order", "expected \"little\" or \"big\", found " + found(order));
            a.big_endian = order == "big" && itemsize(a.type) > 1;
        }
        a.shape = shape_field(member(j, "shape", field), field + ".shape");
        a.chunk_shape = shape_field(member(j, "chunk_shape", field), field + ".chunk_shape");
        if (a.chunk_shape.size() != a.shape.size())
            fail(field + ".chunk_shape", "expected rank " + std::to_string(a.shape.size()) + " like shape, found rank " +
                                             std::to_string(a.chunk_shape.size()));
        for (std::size_t k = 0; k < a.chunk_shape.size(); ++k)
            if (a.chunk_shape[k] == 0) fail(field + ".chunk_shape", "chunk dimensions must be at least 1, found 0");
        std::size_t raw = 0, chunk_raw = 0;
        try {
            raw = byte_count(a.shape, a.type);
            chunk_raw = byte_count(a.chunk_shape, a.type);
        } catch (const format_error& e) {
            fail(field + ".shape", e.message());
        }
        a.raw_bytes = uint_field(member(j, "raw_bytes", field), field + ".raw_bytes");
        if (a.raw_bytes != raw)
            fail(field + ".raw_bytes", "expected " + std::to_string(raw) + " (shape x itemsize), found " +
                                           std::to_string(a.raw_bytes));
        return chunk_raw;
    }

    // The codec object of an array record (`field` is "arrays.KEY.codec"), checked against its dtype.
    codec_spec array_codec(const json& codec, const std::string& field, const array_record& a) {
        if (!codec.is_object()) fail(field, "expected an object, found " + found(codec));
        const std::string id = string_field(member(codec, "id", field), field + ".id");
        codec_spec spec;
        try {
            spec = parse_codec(id);
        } catch (const error& e) {
            fail(field + ".id", "unknown codec " + found(id));
        }
        if (codec.contains("level")) {
            const json& level = codec["level"];
            if (!level.is_number_integer()) fail(field + ".level", "expected an integer, found " + found(level));
            const auto v = level.get<std::int64_t>();
            if (v < 0 || v > 100) fail(field + ".level", "level out of range: " + std::to_string(v));
            spec.level = static_cast<int>(v);
        }
        if (codec.contains("shuffle")) {
            if (!codec["shuffle"].is_boolean()) fail(field + ".shuffle", "expected true or false");
            spec.shuffle = codec["shuffle"].get<bool>();
        }
        try {
            validate_codec(spec);
        } catch (const error& e) {
            fail(field, e.message());
        }
        if (spec.id == codec_id::automatic)
            fail(field + ".id", "\"auto\" is chosen per array when dumping; a stored array names its codec");
        if (is_float_codec(spec.id) && ((a.type != dtype::float32 && a.type != dtype::float64) || a.big_endian))
            fail(field + ".id", std::string(codec_name(spec.id)) + " stores little-endian float32 or float64 arrays, found " +
                                    std::string(dtype_name(a.type)) + (a.big_endian ? " big-endian" : ""));
        return spec;
    }

    // The chunk grid must be small enough to describe (the chunk list must then match it exactly).
    std::size_t chunk_count(const array_record& a, const std::string& field) const {
        const std::optional<std::size_t> n = detail::chunk_count_within(a, manifest_limits::max_chunks_per_array);
        if (!n)
            fail(field + ".chunk_shape", "more than " + std::to_string(manifest_limits::max_chunks_per_array) +
                                             " chunks");
        return *n;
    }

    // One entry of an array's chunk list (`f` is "arrays.KEY.chunks[i]").
    chunk_record chunk(const json& cj, const std::string& f, const array_record& a, std::size_t chunk_raw) const {
        if (!cj.is_object()) fail(f, "expected an object, found " + found(cj));
        chunk_record c;
        c.stored_bytes = uint_field(member(cj, "stored_bytes", f), f + ".stored_bytes");
        if (cj.contains("present")) {
            if (!cj["present"].is_boolean()) fail(f + ".present", "expected true or false");
            c.present = cj["present"].get<bool>();
        }
        if (cj.contains("xxh3")) {
            const std::string hex = string_field(cj["xxh3"], f + ".xxh3");
            if (hex.size() != 16 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
                fail(f + ".xxh3", "expected 16 lower-case hex digits, found " + found(hex));
            c.xxh3 = std::stoull(hex, nullptr, 16);
        }
        if (cj.contains("offset")) c.offset = uint_field(cj["offset"], f + ".offset");
        if (!c.present) return c;
        if (a.codec.id == codec_id::none && c.stored_bytes != chunk_raw)
            fail(f + ".stored_bytes", "expected " + std::to_string(chunk_raw) + " for an uncompressed chunk, found " +
                                          std::to_string(c.stored_bytes));
        // Zip-bomb guard: no codec expands beyond its ratio, so a claim beyond it is a lie.
        // The 4096 raw bytes of slack cover tiny chunks whose headers dominate; it is not
        // multiplied by the ratio, so many tiny chunk files cannot claim gigabytes.
        const std::uint64_t ratio = max_expansion_ratio(a.codec.id);
        if (a.codec.id != codec_id::none && chunk_raw > 0 &&
            (c.stored_bytes == 0 ||
             (c.stored_bytes < (std::uint64_t(1) << 48) / ratio && chunk_raw > c.stored_bytes * ratio + 4096)))
            fail(f + ".stored_bytes", std::to_string(c.stored_bytes) + " stored bytes cannot decode to " +
                                          std::to_string(chunk_raw) + " bytes with " +
                                          std::string(codec_name(a.codec.id)));
        return c;
    }

private:
    std::string m_path;
    std::size_t m_objects = 0;
    std::size_t m_total_chunks = 0;
};

// The blob records where each chunk sits in its one buffer; the other layouts know where chunks are.
bool records_chunk_offsets(const std::string& layout) {
    const detail::layout_backend* backend = detail::find_layout_backend(layout);
    return backend && backend->records_chunk_offsets;
}

}  // namespace

json manifest_to_json(const manifest& m) {
    json j;
    j["format"] = format_name;
    j["format_version"] = m.format_version;
    j["layout"] = m.layout;
    j["root"] = object_to_json(m.root);
    json arrays = json::object();
    for (const auto& a : m.arrays) arrays[a.first] = array_to_json(a.second, records_chunk_offsets(m.layout));
    j["arrays"] = std::move(arrays);
    j["provenance"] = m.provenance;
    merge_extra(j, m.extra);
    j[k_checksum_key] = hex64(manifest_checksum(j));
    return j;
}

manifest manifest_from_json(const json& j, const std::string& path) {
    validator v(path);
    if (!j.is_object()) v.fail("", "expected a JSON object at the top of the manifest, found " + validator::found(j));
    const std::string format = v.string_field(v.member(j, "format", ""), "format");
    if (format != format_name) v.fail("format", "expected \"fitstore\", found " + validator::found(format));
    manifest m;
    m.format_version = v.string_field(v.member(j, "format_version", ""), "format_version", 32);
    int major = 0, minor = 0;
    char tail = 0;
    if (std::sscanf(m.format_version.c_str(), "%d.%d%c", &major, &minor, &tail) != 2 || major < 1 || minor < 0)
        v.fail("format_version", "expected MAJOR.MINOR such as \"1.0\", found " + validator::found(m.format_version));
    if (major > format_major)
        throw version_error(path, "format_version",
                            "written by format version " + m.format_version + ", but this build of fitstore reads "
                            "format versions up to " + std::to_string(format_major) + "." +
                                std::to_string(format_minor) + "; upgrade fitstore to load it");
    m.layout = v.string_field(v.member(j, "layout", ""), "layout", 32);
    if (!detail::find_layout_backend(m.layout))
        v.fail("layout", "expected " + detail::layout_choices(true) + ", found " + validator::found(m.layout));
    const json& arrays = v.member(j, "arrays", "");
    if (!arrays.is_object()) v.fail("arrays", "expected an object, found " + validator::found(arrays));
    if (arrays.size() > manifest_limits::max_arrays)
        v.fail("arrays", "more than " + std::to_string(manifest_limits::max_arrays) + " arrays");
    std::set<std::string> referenced;
    m.root = v.object(v.member(j, "root", ""), "root", "", 0, referenced);
    for (const auto& item : arrays.items()) {
        if (!referenced.count(item.key()))
            v.fail("arrays." + item.key().substr(0, 255), "array is not referenced by any object");
        m.arrays.emplace(item.key(), v.array(item.value(), item.key(), "arrays." + item.key()));
    }
    for (const auto& key : referenced)
        if (!m.arrays.count(key)) v.fail("arrays", "array \"" + key + "\" is referenced but not described");
    if (j.contains("provenance")) {
        if (!j["provenance"].is_object())
            v.fail("provenance", "expected an object, found " + validator::found(j["provenance"]));
        m.provenance = j["provenance"];
    }
    m.extra = validator::extra_of(j, detail::k_manifest_keys);
    // Checked after the structure so that a malformed field is named precisely;
    // optional so that hand-written manifests (and older files) still load.
    if (j.contains(k_checksum_key)) {
        const std::string hex = v.string_field(j[k_checksum_key], k_checksum_key, 64);
        const std::string actual = hex64(manifest_checksum(j));
        if (hex != actual)
            // Same order as a chunk's mismatch: expected = recorded, found = computed now.
            throw checksum_error(path, k_checksum_key,
                                 "checksum mismatch: expected " + hex + ", found " + actual +
                                     " (XXH3-64 of the manifest's content): the manifest is damaged or was edited "
                                     "(remove this key after a deliberate edit)");
    }
    return m;
}

nlohmann::json parse_manifest_json(std::string_view text, const std::string& path) {
    if (text.size() > manifest_limits::max_manifest_bytes)
        throw format_error(path, "manifest", "manifest of " + std::to_string(text.size()) +
                                                 " bytes exceeds the limit of 64 MiB");
    json j;
    try {
        // nlohmann's parser recurses once per nesting level: reject absurd nesting
        // before parsing (the validator bounds the object depth afterwards).
        std::size_t depth = 0, max_depth = 0;
        bool in_string = false, escaped = false;
        for (char c : text) {
            if (in_string) {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') in_string = false;
                continue;
            }
            if (c == '"') in_string = true;
            else if (c == '{' || c == '[') max_depth = std::max(max_depth, ++depth);
            else if ((c == '}' || c == ']') && depth > 0) --depth;
        }
        if (max_depth > 4 * manifest_limits::max_depth + 16)
            throw format_error(path, "manifest", "JSON nested " + std::to_string(max_depth) + " levels deep (limit " +
                                                     std::to_string(4 * manifest_limits::max_depth + 16) + ")");
        j = json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        // parse_error, and out_of_range for numbers beyond a double ("1E777").
        throw format_error(path, "manifest", std::string("invalid JSON: ") + e.what());
    }
    return j;
}

manifest parse_manifest(std::string_view text, const std::string& path) {
    return manifest_from_json(parse_manifest_json(text, path), path);
}

}  // namespace fitstore
