// codec=auto (FORMAT.md §4.2). The choice is measured, not guessed: the same
// bytes go through each candidate, timed in thread CPU time, so a codec that
// is both smaller and faster on this array wins, and one that saves little
// (random bits) loses to none, which keeps the array mappable.
#include "codecs/codec_choice.hpp"

#include <time.h>

#include <algorithm>
#include <vector>

#include "codecs/codec_registry.hpp"

namespace fitstore::codecs {
namespace {

constexpr std::size_t k_min_bytes = 4096;           // smaller arrays stay raw
constexpr std::size_t k_slices = 4;                 // spread over the array
constexpr std::size_t k_slice_bytes = 256 << 10;    // 4 x 256 KiB = 1 MiB sampled at most
constexpr std::size_t k_min_saving_divisor = 8;     // a candidate must save 1/8 of the sample

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

codec_spec choose_codec(bool is_float, bool alp_allowed, std::size_t item_size, const void* data, std::size_t bytes) {
    codec_spec none;
    if (bytes < k_min_bytes || item_size == 0 || data == nullptr) return none;
    const auto* base = static_cast<const std::uint8_t*>(data);
    // The sample: the whole array up to 1 MiB, else 4 slices of 256 KiB spread
    // evenly from its first byte to its last, each a whole number of items.
    const std::size_t slice = bytes <= k_slices * k_slice_bytes ? bytes : k_slice_bytes / item_size * item_size;
    const std::size_t count = bytes <= k_slices * k_slice_bytes ? 1 : k_slices;
    std::vector<std::size_t> offsets;
    for (std::size_t s = 0; s < count; ++s) {
        const std::size_t span = bytes - slice;
        offsets.push_back(count == 1 ? 0 : span / (count - 1) * s / item_size * item_size);
    }
    std::vector<codec_spec> candidates;
    if (is_float && alp_allowed) candidates.push_back(parse_codec("alp"));
    candidates.push_back(parse_codec("zstd:1"));
    if (is_float) candidates.push_back(parse_codec("lz4"));

    codec_spec best = none;
    double best_score = 0;
    std::vector<std::uint8_t> encoded, decoded(slice);
    for (const codec_spec& c : candidates) {
        std::size_t stored = 0;
        const double start = thread_cpu_seconds();
        for (const std::size_t offset : offsets) {
            encode_chunk(c, item_size, base + offset, slice, encoded);
            decode_chunk(c, item_size, encoded.data(), encoded.size(), decoded.data(), slice, "auto", "sample");
            stored += encoded.size();
        }
        const double seconds = std::max(thread_cpu_seconds() - start, 1e-9);
        const std::size_t sampled = slice * offsets.size();
        if (stored >= sampled || sampled - stored < sampled / k_min_saving_divisor) continue;
        const double score = static_cast<double>(sampled - stored) / seconds;
        if (score > best_score) best_score = score, best = c;
    }
    return best;
}

// "auto" is a name, not a chunk codec: dump replaces it per array by
// choose_codec's result, so it has no chunk functions, zarr id or HDF5 filter.
const codec_def& automatic_codec() {
    static const codec_def def = codec_def(codec_id::automatic, "auto", "auto", 1, shuffle_support::whole_values);
    return def;
}

}  // namespace fitstore::codecs
