// "none": raw chunks, stored as they are ("compressor": null in zarr, no
// filter in HDF5), so an array of one chunk stays mappable.
#include <cstring>

#include "codecs/codec_registry.hpp"

namespace fitstore::codecs {
namespace {

std::size_t none_bound(std::size_t raw_bytes) { return raw_bytes; }

std::size_t none_encode(const codec_spec&, int, std::size_t, const std::uint8_t* raw, std::size_t raw_bytes,
                        std::uint8_t* out) {
    if (raw_bytes) std::memcpy(out, raw, raw_bytes);
    return raw_bytes;
}

void none_decode(std::size_t, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                 std::size_t raw_bytes, const error_site& site) {
    if (stored_bytes != raw_bytes) {
        fail(site, "none", "expected " + std::to_string(raw_bytes) + " raw bytes, found " + std::to_string(stored_bytes));
    }
    if (raw_bytes) std::memcpy(raw, stored, raw_bytes);
}

}  // namespace

// zarr "compressor": null (no zarr view); stored in HDF5 without a filter.
const codec_def& none_codec() {
    static const codec_def def = codec_def(codec_id::none, "none", "none", 1, shuffle_support::raw_bytes)
                                     .chunks(none_bound, none_encode, none_decode)
                                     .hdf5(0, false, nullptr);
    return def;
}

}  // namespace fitstore::codecs
