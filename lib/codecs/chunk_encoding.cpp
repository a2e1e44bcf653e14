#include "codecs/chunk_encoding.hpp"

#include "codecs/codec_registry.hpp"

namespace fitstore::codecs {
namespace {

// The codec's re-framing for `encoding`, or null when its chunks are stored canonical.
const codec_def* reframing(const chunk_encoding& encoding) {
    if (encoding.framing != chunk_framing::hdf5) return nullptr;
    const codec_def* def = find_codec(encoding.codec.id);
    return def && def->to_hdf5 && def->from_hdf5 ? def : nullptr;
}

}  // namespace

void encode_chunk(const chunk_encoding& encoding, std::size_t item_size, const void* raw, std::size_t raw_bytes,
                  std::vector<std::uint8_t>& out) {
    const codec_def* def = reframing(encoding);
    if (!def) return fitstore::encode_chunk(encoding.codec, item_size, raw, raw_bytes, out);
    std::vector<std::uint8_t> canonical;
    fitstore::encode_chunk(encoding.codec, item_size, raw, raw_bytes, canonical);
    const std::string path, field = "codec";
    def->to_hdf5(canonical.data(), canonical.size(), out, error_site{path, field});
}

void decode_chunk(const chunk_encoding& encoding, std::size_t item_size, const void* stored, std::size_t stored_bytes,
                  void* raw, std::size_t expected_raw_bytes, const std::string& path, const std::string& field) {
    const codec_def* def = reframing(encoding);
    if (!def) {
        return fitstore::decode_chunk(encoding.codec, item_size, stored, stored_bytes, raw, expected_raw_bytes, path,
                                      field);
    }
    std::vector<std::uint8_t> canonical;
    def->from_hdf5(static_cast<const std::uint8_t*>(stored), stored_bytes, expected_raw_bytes, canonical,
                   error_site{path, field});
    fitstore::decode_chunk(encoding.codec, item_size, canonical.data(), canonical.size(), raw, expected_raw_bytes, path,
                           field);
}

}  // namespace fitstore::codecs
