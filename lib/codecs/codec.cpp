// Codec names, parsing and validation, and encode/decode dispatch with the
// shuffle filter around the codec: all read from the codec registry.
#include "fitstore/codec.hpp"

#include <cstring>
#include <memory>

#include "codecs/codec_registry.hpp"
#include "codecs/shuffle.hpp"
#include "fitstore/errors.hpp"

namespace fitstore {
namespace {

// "none, zlib[:1-9], ..., blosc-zstd[:1-9], optionally followed by +shuffle; or alp (float arrays) or auto":
// the byte codecs first, then those reading whole values.
std::string accepted_forms() {
    std::vector<std::string_view> bytes, values;
    for (const codecs::codec_def* def : codecs::all_codecs())
        (def->shuffle == codecs::shuffle_support::whole_values ? values : bytes).push_back(def->usage);
    const auto join = [](const std::vector<std::string_view>& forms) {
        std::string text;
        for (std::size_t i = 0; i < forms.size(); ++i)
            text += std::string(i == 0 ? "" : i + 1 == forms.size() ? " or " : ", ") + std::string(forms[i]);
        return text;
    };
    return join(bytes) + ", optionally followed by +shuffle" + (values.empty() ? "" : "; or " + join(values));
}

[[noreturn]] void not_a_chunk_codec(const codecs::codec_def& def) {
    throw usage_error("", "codec",
                      "codec " + std::string(def.name) +
                          " is resolved per array when dumping (FORMAT.md 4.2); it cannot encode a chunk");
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

void decode_raw(const codecs::codec_def& def, std::size_t item_size, const std::uint8_t* stored,
                std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes, const codecs::error_site& site) {
    if (!def.is_chunk_codec()) {
        const std::string name(def.name);
        codecs::fail(site, name.c_str(), name + " is not a stored codec");
    }
    def.decode(item_size, stored, stored_bytes, raw, raw_bytes, site);
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

bool uses_shuffle_filter(const codec_spec& spec) noexcept {
    const codec_def* def = find_codec(spec.id);
    return spec.shuffle && def && def->shuffle == shuffle_support::filter;
}

}  // namespace codecs

bool is_float_codec(codec_id id) noexcept {
    const codecs::codec_def* def = codecs::find_codec(id);
    return def && def->floats_only;
}

std::string_view codec_name(codec_id id) noexcept {
    const codecs::codec_def* def = codecs::find_codec(id);
    return def ? def->name : std::string_view("unknown");
}

int effective_level(const codec_spec& spec) noexcept {
    if (spec.level != 0) return spec.level;
    const codecs::codec_def* def = codecs::find_codec(spec.id);
    return def ? def->default_level : 0;
}

codec_spec parse_codec(std::string_view text, bool shuffle) {
    const auto bad = [&](const std::string& why) {
        return usage_error("", "codec",
                           "expected " + accepted_forms() + ", found '" + std::string(text) + "'" +
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
    const codecs::codec_def* def = codecs::find_codec(name);
    if (!def) throw bad("");
    codec_spec spec;
    spec.id = def->id;
    spec.shuffle = shuffle;
    if (colon != std::string_view::npos) {
        const std::string_view digits = rest.substr(colon + 1);
        if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
            throw bad("the level must be a positive integer");
        }
        int level = 0;
        for (const char c : digits) level = level * 10 + (c - '0');
        if (level == 0 || level < def->min_level || level > def->max_level) {
            throw bad(!def->takes_levels() ? std::string(name) + " takes no level"
                                           : std::string(name) + " levels are " + std::to_string(def->min_level) +
                                                 "-" + std::to_string(def->max_level));
        }
        spec.level = level;
    }
    validate_codec(spec);
    return spec;
}

std::string codec_to_string(const codec_spec& spec) {
    std::string text(codec_name(spec.id));
    const codecs::codec_def* def = codecs::find_codec(spec.id);
    if (def && def->takes_levels()) text += ":" + std::to_string(effective_level(spec));
    if (spec.shuffle) text += "+shuffle";
    return text;
}

void validate_codec(const codec_spec& spec) {
    const codecs::codec_def& def = codecs::codec_of(spec.id);
    if (!def.takes_levels() && spec.level != 0) {
        throw usage_error("", "level",
                          "codec " + std::string(def.name) + " takes no level, found " + std::to_string(spec.level));
    }
    if (spec.level != 0 && (spec.level < def.min_level || spec.level > def.max_level)) {
        throw usage_error("", "level",
                          std::string(def.name) + " levels are " + std::to_string(def.min_level) + "-" +
                              std::to_string(def.max_level) + " (0 = default " + std::to_string(def.default_level) +
                              "), found " + std::to_string(spec.level));
    }
    if (!spec.shuffle) return;
    if (def.shuffle == codecs::shuffle_support::raw_bytes) {
        throw usage_error("", "shuffle",
                          "shuffle needs a compressor: codec " + std::string(def.name) +
                              " stores raw, mappable bytes");
    }
    if (def.shuffle == codecs::shuffle_support::whole_values) {
        throw usage_error("", "shuffle",
                          "codec " + std::string(def.name) +
                              " takes no shuffle: alp reads whole float values (a byte shuffle would scramble them)");
    }
}

std::size_t encode_bound(const codec_spec& spec, std::size_t raw_bytes) {
    const codecs::codec_def& def = codecs::codec_of(spec.id);
    if (!def.is_chunk_codec()) not_a_chunk_codec(def);
    return def.bound(raw_bytes);
}

void encode_chunk(const codec_spec& spec, std::size_t item_size, const void* raw, std::size_t raw_bytes,
                  std::vector<std::uint8_t>& out) {
    const auto* bytes = static_cast<const std::uint8_t*>(raw);
    if (spec.id == codec_id::none) {
        out.assign(bytes, bytes + raw_bytes);
        return;
    }
    const codecs::codec_def& def = codecs::codec_of(spec.id);
    if (!def.is_chunk_codec()) not_a_chunk_codec(def);
    trim_on_exit trim_shuffled{t_shuffled}, trim_encoded{t_encoded};
    if (codecs::uses_shuffle_filter(spec) && item_size > 1) {
        std::uint8_t* shuffled = t_shuffled.get(raw_bytes);
        byte_shuffle(bytes, shuffled, raw_bytes, item_size);
        bytes = shuffled;
    }
    std::uint8_t* encoded = t_encoded.get(def.bound(raw_bytes));
    const std::size_t length = def.encode(spec, effective_level(spec), item_size, bytes, raw_bytes, encoded);
    out.assign(encoded, encoded + length);
}

void decode_chunk(const codec_spec& spec, std::size_t item_size, const void* stored, std::size_t stored_bytes,
                  void* raw, std::size_t expected_raw_bytes, const std::string& path, const std::string& field) {
    const codecs::error_site site{path, field};
    const codecs::codec_def* def = codecs::find_codec(spec.id);
    if (!def) throw format_error(path, field, "unknown codec id " + std::to_string(static_cast<int>(spec.id)));
    const auto* in = static_cast<const std::uint8_t*>(stored);
    auto* out = static_cast<std::uint8_t*>(raw);
    if (!codecs::uses_shuffle_filter(spec) || item_size <= 1) {
        decode_raw(*def, item_size, in, stored_bytes, out, expected_raw_bytes, site);
        return;
    }
    // Decode into scratch, then unshuffle into place: the destination is only
    // written once the stream has proved complete.
    trim_on_exit trim{t_shuffled};
    std::uint8_t* shuffled = t_shuffled.get(expected_raw_bytes);
    decode_raw(*def, item_size, in, stored_bytes, shuffled, expected_raw_bytes, site);
    byte_unshuffle(shuffled, out, expected_raw_bytes, item_size);
}

std::uint64_t max_expansion_ratio(codec_id id) noexcept {
    const codecs::codec_def* def = codecs::find_codec(id);
    return def ? def->max_ratio : 1;
}

}  // namespace fitstore
