// ALP / ALP-RD chunk codec (see alp.hpp and FORMAT.md §4.1 for the bytes).
//
// Encoding, per row-group of up to 102400 values:
//  1. sample up to 8 vectors x 32 values; for every exponent e and factor
//     f <= e, estimate the ALP size of each sampled vector; keep the (e, f)
//     pairs that win most often (at most 5 candidates);
//  2. estimate the ALP-RD size of the same sample for every left width 1-16;
//  3. write the row-group with the smaller estimate (raw when neither saves
//     anything), and rewrite it raw if the result came out larger than raw.
// ALP vectors pick their (e, f) among the candidates from 32 of their values.
// Rounding uses the magic-number trick: for |x| < 2^51 (float64), (x + 1.5 *
// 2^52) - 1.5 * 2^52 is x rounded to the nearest integer, without a branch or
// a call to nearbyint.
#include "codecs/alp.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "codecs/codec_registry.hpp"
#include "codecs/zarr_metadata.hpp"
#include "fitstore/errors.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ALP codec reads and writes its words in host order: a little-endian host is required"
#endif

namespace fitstore::codecs {
namespace {

constexpr std::uint8_t k_magic[4] = {'A', 'L', 'P', 1};  // "ALP", format version 1
constexpr std::size_t k_header_bytes = 16;
constexpr std::size_t k_group = 64;  // values per bit-packing group
constexpr std::uint8_t k_scheme_raw = 0, k_scheme_alp = 1, k_scheme_rd = 2;
constexpr std::size_t k_alp_vector_header = 13;  // e, f, w, u16 exceptions, i64 base
constexpr std::size_t k_sample_vectors = 8, k_sample_per_vector = 32, k_max_candidates = 5;
constexpr unsigned k_rd_max_left = 16, k_rd_max_dict = 8;

// 10^0 .. 10^N in F: every power is exact (10^22 is the last exact double,
// 10^10 the last exact float), so repeated multiplication is exact.
template <class F, std::size_t N>
constexpr std::array<F, N + 1> powers_of_ten() {
    std::array<F, N + 1> p{};
    p[0] = 1;
    for (std::size_t k = 1; k <= N; ++k) p[k] = p[k - 1] * 10;
    return p;
}

// 1 / 10^k, correctly rounded: the F nearest to 10^-k, since 10^k is exact.
template <class F, std::size_t N>
constexpr std::array<F, N + 1> inverse_powers_of_ten() {
    const std::array<F, N + 1> p = powers_of_ten<F, N>();
    std::array<F, N + 1> inv{};
    for (std::size_t k = 0; k <= N; ++k) inv[k] = F(1) / p[k];
    return inv;
}

// One float type's constants. magic = 1.5 x 2^(mantissa bits): adding and
// subtracting it rounds any |x| < round_limit = 2^(mantissa bits - 1) to an integer.
template <class F, class Bits, int MaxExponent>
struct fp_traits {
    using bits_t = Bits;
    static constexpr unsigned bits = 8 * sizeof(F);
    static constexpr int max_exponent = MaxExponent;
    static constexpr F round_limit = F(Bits{1} << (std::numeric_limits<F>::digits - 2));
    static constexpr F magic = 3 * round_limit;
    // 10^k and the F nearest to 10^-k (FORMAT.md §4.1 names these tables).
    static constexpr std::array<F, MaxExponent + 1> pow10 = powers_of_ten<F, MaxExponent>();
    static constexpr std::array<F, MaxExponent + 1> inv_pow10 = inverse_powers_of_ten<F, MaxExponent>();
};

template <class F>
struct fp;
template <>
struct fp<double> : fp_traits<double, std::uint64_t, 18> {};
template <>
struct fp<float> : fp_traits<float, std::uint32_t, 10> {};

static_assert(fp<double>::magic == 6755399441055744.0 && fp<double>::round_limit == 2251799813685248.0);
static_assert(fp<float>::magic == 12582912.0f && fp<float>::round_limit == 4194304.0f);
static_assert(fp<double>::pow10[18] == 1e18 && fp<double>::inv_pow10[1] == 1e-1 && fp<double>::inv_pow10[3] == 1e-3 &&
              fp<double>::inv_pow10[18] == 1e-18);
static_assert(fp<float>::pow10[10] == 1e10f && fp<float>::inv_pow10[1] == 1e-1f && fp<float>::inv_pow10[10] == 1e-10f);

template <class T>
T load(const std::uint8_t* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <class T>
std::uint8_t* store(std::uint8_t* p, T v) noexcept {
    std::memcpy(p, &v, sizeof v);
    return p + sizeof v;
}

template <class F>
typename fp<F>::bits_t bits_of(F v) noexcept {
    typename fp<F>::bits_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

unsigned bit_width(std::uint64_t v) noexcept { return v == 0 ? 0u : 64u - static_cast<unsigned>(__builtin_clzll(v)); }

std::size_t groups_of(std::size_t values) noexcept { return (values + k_group - 1) / k_group; }

// Calls fn(first, n) for each run of `block` values out of `count` (the last run may be shorter).
template <class Fn>
void for_each_run(std::size_t count, std::size_t block, Fn&& fn) {
    for (std::size_t first = 0; first < count; first += block) fn(first, std::min(block, count - first));
}

// ---- bit packing ----------------------------------------------------------------
// A group of 64 values of width W occupies exactly W little-endian 64-bit
// words; value i starts at bit i * W (bit 0 = least significant bit of word 0)
// and may straddle two words. One instantiation per width, fully unrolled, so
// every shift is a constant.

template <unsigned W>
void pack_group(const std::uint64_t* in, std::uint8_t* out) noexcept {
    if constexpr (W > 0) {
        constexpr std::uint64_t mask = W == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << (W % 64)) - 1;
        std::uint64_t words[W] = {};
#pragma GCC unroll 64
        for (unsigned i = 0; i < k_group; ++i) {
            const unsigned bit = i * W, word = bit / 64, shift = bit % 64;
            const std::uint64_t v = in[i] & mask;
            words[word] |= v << shift;
            if (shift + W > 64) words[word + 1] |= v >> (64 - shift);
        }
        std::memcpy(out, words, sizeof words);
    }
}

template <unsigned W>
void unpack_group(const std::uint8_t* in, std::uint64_t* out) noexcept {
    if constexpr (W == 0) {
        std::fill(out, out + k_group, std::uint64_t{0});
    } else {
        constexpr std::uint64_t mask = W == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << (W % 64)) - 1;
        std::uint64_t words[W];
        std::memcpy(words, in, sizeof words);
#pragma GCC unroll 64
        for (unsigned i = 0; i < k_group; ++i) {
            const unsigned bit = i * W, word = bit / 64, shift = bit % 64;
            std::uint64_t v = words[word] >> shift;
            if (shift + W > 64) v |= words[word + 1] << (64 - shift);
            out[i] = v & mask;
        }
    }
}

using pack_fn = void (*)(const std::uint64_t*, std::uint8_t*) noexcept;
using unpack_fn = void (*)(const std::uint8_t*, std::uint64_t*) noexcept;

template <std::size_t... W>
constexpr std::array<pack_fn, sizeof...(W)> pack_table(std::index_sequence<W...>) {
    return {&pack_group<W>...};
}
template <std::size_t... W>
constexpr std::array<unpack_fn, sizeof...(W)> unpack_table(std::index_sequence<W...>) {
    return {&unpack_group<W>...};
}
constexpr auto k_pack = pack_table(std::make_index_sequence<65>());
constexpr auto k_unpack = unpack_table(std::make_index_sequence<65>());

// Packs `n` values (n <= 1024; `values` has room for whole groups and is
// padded with zeros here) at width w; returns the end of the output.
std::uint8_t* pack(std::uint64_t* values, std::size_t n, unsigned w, std::uint8_t* out) noexcept {
    const std::size_t groups = groups_of(n);
    std::fill(values + n, values + groups * k_group, std::uint64_t{0});
    for (std::size_t g = 0; g < groups; ++g) k_pack[w](values + g * k_group, out + g * w * 8);
    return out + groups * w * 8;
}

// ---- reading with bounds ---------------------------------------------------------

class reader {
public:
    reader(const std::uint8_t* p, std::size_t n, const error_site& site) : m_p(p), m_end(p + n), m_site(site) {}
    /// The next `n` bytes; a format_error naming `what` when the stream ends first.
    const std::uint8_t* take(std::size_t n, const char* what) {
        if (static_cast<std::size_t>(m_end - m_p) < n) {
            fail(m_site, "alp",
                 std::string("truncated stream: ") + what + " needs " + std::to_string(n) + " bytes, " +
                     std::to_string(m_end - m_p) + " left");
        }
        const std::uint8_t* at = m_p;
        m_p += n;
        return at;
    }
    std::size_t left() const noexcept { return static_cast<std::size_t>(m_end - m_p); }
    [[noreturn]] void bad(const std::string& message) const { fail(m_site, "alp", message); }

private:
    const std::uint8_t* m_p;
    const std::uint8_t* m_end;
    const error_site& m_site;
};

// ---- ALP --------------------------------------------------------------------------

struct combo {
    std::uint8_t e = 0, f = 0;
    bool operator==(const combo& o) const noexcept { return e == o.e && f == o.f; }
};

// Decoding is d x 10^f / 10^e: a division by an exact power of ten is
// correctly rounded, so every value that is the double nearest to a decimal
// with e digits after the point (what parsing "1.234" gives) comes back
// exactly; multiplying by the inexact 10^-e instead would miss some of them.
// Encoding may compute d any way it likes: every value is checked through
// the decoder's formula.
template <class F>
struct alp_params {
    F pe, inv_f, pf;
    explicit alp_params(combo c) noexcept
        : pe(fp<F>::pow10[c.e]), inv_f(fp<F>::inv_pow10[c.f]), pf(fp<F>::pow10[c.f]) {}

    /// d = round(v x 10^e x 10^-f); true when decode(d) has v's exact bits.
    bool encode(F v, std::int64_t& d) const noexcept {
        using sbits_t = std::make_signed_t<typename fp<F>::bits_t>;
        F x = v * pe * inv_f;
        const bool in_range = std::fabs(x) <= fp<F>::round_limit;  // false for NaN too
        x = in_range ? x : F(0);
        // x + magic lands where one unit is one ulp: the addition rounds x to
        // an integer, and the low bits of the sum are that integer (offset by
        // the magic number's own bits).
        const F shifted = x + fp<F>::magic;
        d = static_cast<sbits_t>(bits_of(shifted) - bits_of(fp<F>::magic));
        const F rounded = shifted - fp<F>::magic;  // == F(d), exactly
        return in_range && bits_of(rounded * pf / pe) == bits_of(v);
    }
    F decode(std::int64_t d) const noexcept { return static_cast<F>(d) * pf / pe; }
};

// Estimated bits of `n` sampled values under `c`: packed digits plus exceptions
// (raw value and 16-bit position each).
// Gives up (returns UINT64_MAX) once the exceptions alone cost more than `limit`:
// most of the 190 combos are wrong by far, and this makes rejecting them cheap.
template <class F>
std::uint64_t alp_estimate(const F* sample, std::size_t n, combo c, std::uint64_t limit = UINT64_MAX) noexcept {
    const alp_params<F> p(c);
    std::size_t exceptions = 0;
    std::int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (std::size_t i = 0; i < n; ++i) {
        std::int64_t d;
        if (p.encode(sample[i], d)) {
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        } else if (++exceptions * std::uint64_t{fp<F>::bits + 16} > limit) {
            return UINT64_MAX;
        }
    }
    const unsigned w =
        exceptions == n ? 0u : bit_width(static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo));
    return std::uint64_t{w} * n + std::uint64_t{exceptions} * (fp<F>::bits + 16);
}

template <class F>
struct alp_choice {
    std::vector<combo> candidates;  // best first
    std::uint64_t sample_bits = 0;  // of the whole sample under each vector's best combo
};

// Level 1 of the search: the combos that win most often on the row-group's sample.
template <class F>
alp_choice<F> alp_candidates(const F* sample, std::size_t n_vectors, std::size_t per_vector) {
    struct tally {
        combo c;
        std::size_t wins = 0;
    };
    std::vector<tally> wins;
    alp_choice<F> out;
    for (std::size_t v = 0; v < n_vectors; ++v) {
        const F* s = sample + v * per_vector;
        combo best;
        std::uint64_t best_bits = UINT64_MAX;
        // Larger exponents first: on ties the paper prefers them (fewer exceptions elsewhere).
        for (int e = fp<F>::max_exponent; e >= 0; --e)
            for (int f = e; f >= 0; --f) {
                const combo c{static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(f)};
                const std::uint64_t bits = alp_estimate(s, per_vector, c, best_bits);
                if (bits < best_bits) best_bits = bits, best = c;
            }
        out.sample_bits += best_bits;
        auto it = std::find_if(wins.begin(), wins.end(), [&](const tally& t) { return t.c == best; });
        if (it == wins.end())
            wins.push_back({best, 1});
        else
            ++it->wins;
    }
    std::stable_sort(wins.begin(), wins.end(), [](const tally& a, const tally& b) { return a.wins > b.wins; });
    for (std::size_t i = 0; i < wins.size() && i < k_max_candidates; ++i) out.candidates.push_back(wins[i].c);
    return out;
}

// Level 2: the vector's own pick among the candidates, from 32 of its values.
template <class F>
combo alp_pick(const F* values, std::size_t n, const std::vector<combo>& candidates) {
    if (candidates.size() == 1) return candidates.front();
    F sample[k_sample_per_vector];
    const std::size_t m = std::min(n, k_sample_per_vector);
    for (std::size_t i = 0; i < m; ++i) sample[i] = values[i * n / m];
    combo best = candidates.front();
    std::uint64_t best_bits = UINT64_MAX;
    int worse_in_a_row = 0;
    for (const combo& c : candidates) {
        const std::uint64_t bits = alp_estimate(sample, m, c, best_bits);
        if (bits < best_bits) {
            best_bits = bits, best = c, worse_in_a_row = 0;
        } else if (++worse_in_a_row == 2) {
            break;  // the candidates are ranked: two misses in a row end the search
        }
    }
    return best;
}

struct vector_scratch {
    std::uint64_t digits[alp_vector_values];
    std::uint16_t positions[alp_vector_values];
    std::uint16_t lefts[alp_vector_values];
};

template <class F>
std::uint8_t* alp_encode_vector(const F* values, std::size_t n, combo c, vector_scratch& s, std::uint8_t* out) {
    const alp_params<F> p(c);
    auto* digits = reinterpret_cast<std::int64_t*>(s.digits);
    std::size_t exceptions = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const bool ok = p.encode(values[i], digits[i]);
        s.positions[exceptions] = static_cast<std::uint16_t>(i);
        exceptions += !ok;
    }
    // Exceptions take the first encodable value's digits, so they do not widen the frame.
    std::size_t first_ok = 0;
    while (first_ok < exceptions && s.positions[first_ok] == first_ok) ++first_ok;
    const std::int64_t fill = first_ok < n ? digits[first_ok] : 0;
    for (std::size_t j = 0; j < exceptions; ++j) digits[s.positions[j]] = fill;
    std::int64_t lo = fill, hi = fill;
    for (std::size_t i = 0; i < n; ++i) {
        lo = std::min(lo, digits[i]);
        hi = std::max(hi, digits[i]);
    }
    const unsigned w = bit_width(static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo));
    for (std::size_t i = 0; i < n; ++i) s.digits[i] = static_cast<std::uint64_t>(digits[i]) - static_cast<std::uint64_t>(lo);
    *out++ = c.e;
    *out++ = c.f;
    *out++ = static_cast<std::uint8_t>(w);
    out = store(out, static_cast<std::uint16_t>(exceptions));
    out = store(out, lo);
    out = pack(s.digits, n, w, out);
    for (std::size_t j = 0; j < exceptions; ++j) out = store(out, s.positions[j]);
    for (std::size_t j = 0; j < exceptions; ++j) out = store(out, values[s.positions[j]]);
    return out;
}

// Exception positions: strictly increasing and inside the vector.
std::uint16_t checked_position(const std::uint8_t* at, std::size_t j, std::size_t n, int& previous, const reader& in) {
    const std::uint16_t pos = load<std::uint16_t>(at + 2 * j);
    if (pos >= n || static_cast<int>(pos) <= previous) {
        in.bad("exception position " + std::to_string(pos) + " is outside the vector of " + std::to_string(n) +
               " values or not increasing");
    }
    previous = pos;
    return pos;
}

template <class F>
void alp_decode_vector(reader& in, std::size_t n, F* out, vector_scratch& s) {
    const std::uint8_t* h = in.take(k_alp_vector_header, "ALP vector header");
    const unsigned e = h[0], f = h[1], w = h[2];
    const std::size_t exceptions = load<std::uint16_t>(h + 3);
    const auto base = static_cast<std::uint64_t>(load<std::int64_t>(h + 5));
    if (e > fp<F>::max_exponent || f > e) {
        in.bad("exponent " + std::to_string(e) + " / factor " + std::to_string(f) + " out of range (exponent 0-" +
               std::to_string(fp<F>::max_exponent) + ", factor <= exponent)");
    }
    if (w > fp<F>::bits) in.bad("bit width " + std::to_string(w) + " exceeds " + std::to_string(fp<F>::bits));
    if (exceptions > n) {
        in.bad(std::to_string(exceptions) + " exceptions in a vector of " + std::to_string(n) + " values");
    }
    const std::size_t groups = groups_of(n);
    const std::uint8_t* packed = in.take(groups * w * 8, "ALP packed digits");
    for (std::size_t g = 0; g < groups; ++g) k_unpack[w](packed + g * w * 8, s.digits + g * k_group);
    const alp_params<F> p(combo{static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(f)});
    for (std::size_t i = 0; i < n; ++i) out[i] = p.decode(static_cast<std::int64_t>(base + s.digits[i]));
    const std::uint8_t* positions = in.take(exceptions * 2, "ALP exception positions");
    const std::uint8_t* values = in.take(exceptions * sizeof(F), "ALP exception values");
    int previous = -1;
    for (std::size_t j = 0; j < exceptions; ++j)
        out[checked_position(positions, j, n, previous, in)] = load<F>(values + j * sizeof(F));
}

// ---- ALP-RD -------------------------------------------------------------------------

struct rd_params {
    unsigned right = 0;  // right (low) bits, packed as they are
    std::uint16_t dict[k_rd_max_dict] = {};
    unsigned dict_size = 1;
    unsigned code_width() const noexcept { return bit_width(dict_size - 1); }
};

// The left width (1-16) and dictionary (up to 8 most frequent left values)
// with the smallest estimated size on the sample.
template <class F>
std::pair<rd_params, std::uint64_t> rd_choose(const F* sample, std::size_t n) {
    rd_params best;
    std::uint64_t best_bits = UINT64_MAX;
    std::vector<std::uint16_t> lefts(n);
    std::vector<std::pair<std::size_t, std::uint16_t>> runs;  // (count, left value)
    for (unsigned left = 1; left <= k_rd_max_left; ++left) {
        const unsigned right = fp<F>::bits - left;
        for (std::size_t i = 0; i < n; ++i) lefts[i] = static_cast<std::uint16_t>(bits_of(sample[i]) >> right);
        std::sort(lefts.begin(), lefts.end());
        runs.clear();
        for (std::size_t i = 0; i < n;) {
            std::size_t j = i;
            while (j < n && lefts[j] == lefts[i]) ++j;
            runs.emplace_back(j - i, lefts[i]);
            i = j;
        }
        std::stable_sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        rd_params p;
        p.right = right;
        p.dict_size = static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(k_rd_max_dict, runs.size())));
        std::size_t covered = 0;
        for (unsigned k = 0; k < p.dict_size && k < runs.size(); ++k) {
            p.dict[k] = runs[k].second;
            covered += runs[k].first;
        }
        const std::uint64_t bits =
            std::uint64_t{n} * (p.code_width() + right) + std::uint64_t{n - covered} * 32 + p.dict_size * 16;
        if (bits < best_bits) best_bits = bits, best = p;
    }
    return {best, best_bits};
}

template <class F>
std::uint8_t* rd_encode_vector(const F* values, std::size_t n, const rd_params& p, const std::uint8_t* code_of,
                               vector_scratch& s, std::uint8_t* out) {
    const std::uint64_t right_mask = (std::uint64_t{1} << p.right) - 1;
    std::uint64_t codes[alp_vector_values];
    std::size_t exceptions = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t b = bits_of(values[i]);
        const auto left = static_cast<std::uint16_t>(b >> p.right);
        const std::uint8_t code = code_of[left];
        s.digits[i] = b & right_mask;
        codes[i] = code == 0xFF ? 0 : code;
        s.positions[exceptions] = static_cast<std::uint16_t>(i);
        s.lefts[exceptions] = left;
        exceptions += code == 0xFF;
    }
    out = store(out, static_cast<std::uint16_t>(exceptions));
    out = pack(codes, n, p.code_width(), out);
    out = pack(s.digits, n, p.right, out);
    for (std::size_t j = 0; j < exceptions; ++j) out = store(out, s.positions[j]);
    for (std::size_t j = 0; j < exceptions; ++j) out = store(out, s.lefts[j]);
    return out;
}

template <class F>
void rd_decode_vector(reader& in, std::size_t n, const rd_params& p, F* out, vector_scratch& s) {
    using bits_t = typename fp<F>::bits_t;
    const std::size_t exceptions = load<std::uint16_t>(in.take(2, "ALP-RD exception count"));
    if (exceptions > n) {
        in.bad(std::to_string(exceptions) + " exceptions in a vector of " + std::to_string(n) + " values");
    }
    const unsigned cw = p.code_width();
    const std::size_t groups = groups_of(n);
    const std::uint8_t* codes = in.take(groups * cw * 8, "ALP-RD packed codes");
    const std::uint8_t* rights = in.take(groups * p.right * 8, "ALP-RD packed right bits");
    std::uint64_t code[alp_vector_values];
    for (std::size_t g = 0; g < groups; ++g) {
        k_unpack[cw](codes + g * cw * 8, code + g * k_group);
        k_unpack[p.right](rights + g * p.right * 8, s.digits + g * k_group);
    }
    // code_width <= 3, so a code indexes the 8-entry table whatever it holds;
    // one beyond the dictionary is still refused, after the loop.
    std::uint64_t worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        worst = std::max(worst, code[i]);
        const auto b = static_cast<bits_t>((std::uint64_t{p.dict[code[i] & 7]} << p.right) | s.digits[i]);
        std::memcpy(&out[i], &b, sizeof b);
    }
    if (worst >= p.dict_size) {
        in.bad("dictionary code " + std::to_string(worst) + " beyond the dictionary of " +
               std::to_string(p.dict_size) + " entries");
    }
    const std::uint8_t* positions = in.take(exceptions * 2, "ALP-RD exception positions");
    const std::uint8_t* lefts = in.take(exceptions * 2, "ALP-RD exception left bits");
    const unsigned left_width = fp<F>::bits - p.right;
    int previous = -1;
    for (std::size_t j = 0; j < exceptions; ++j) {
        const std::size_t pos = checked_position(positions, j, n, previous, in);
        const std::uint16_t left = load<std::uint16_t>(lefts + 2 * j);
        if (left_width < 16 && (left >> left_width) != 0)
            in.bad("exception left bits " + std::to_string(left) + " wider than " + std::to_string(left_width));
        const std::uint64_t right = s.digits[pos];
        const auto b = static_cast<bits_t>((std::uint64_t{left} << p.right) | right);
        std::memcpy(&out[pos], &b, sizeof b);
    }
}

// ---- row-groups ---------------------------------------------------------------------

template <class F>
struct encoder {
    vector_scratch scratch;
    F values[alp_vector_values];
    std::uint8_t code_of[1 << k_rd_max_left];
    encoder() { std::fill(std::begin(code_of), std::end(code_of), std::uint8_t{0xFF}); }

    const F* load_vector(const std::uint8_t* raw, std::size_t n) {
        std::memcpy(values, raw, n * sizeof(F));
        return values;
    }

    std::uint8_t* row_group(const std::uint8_t* raw, std::size_t count, std::uint8_t* out) {
        std::uint8_t* const start = out;
        const std::size_t n_vectors = (count + alp_vector_values - 1) / alp_vector_values;
        // Sample: up to 8 vectors spread over the row-group, 32 values spread over each.
        const std::size_t sampled = std::min(n_vectors, k_sample_vectors);
        const std::size_t per = std::min(count, k_sample_per_vector);
        std::vector<F> sample(sampled * per);
        for (std::size_t v = 0; v < sampled; ++v) {
            const std::size_t first = v * n_vectors / sampled * alp_vector_values;
            const std::size_t len = std::min(alp_vector_values, count - first);
            for (std::size_t i = 0; i < per; ++i)
                std::memcpy(&sample[v * per + i], raw + (first + i * len / per) * sizeof(F), sizeof(F));
        }
        const alp_choice<F> alp = alp_candidates(sample.data(), sampled, per);
        // Not a structured binding: the lambda below captures rd (clang refuses that in C++17).
        const std::pair<rd_params, std::uint64_t> rd_choice = rd_choose(sample.data(), sample.size());
        const rd_params& rd = rd_choice.first;
        const std::uint64_t rd_bits = rd_choice.second;
        const std::uint64_t raw_bits = std::uint64_t{sample.size()} * fp<F>::bits;
        if (std::min(alp.sample_bits, rd_bits) >= raw_bits) return write_raw(raw, count, start);
        if (alp.sample_bits <= rd_bits) {
            *out++ = k_scheme_alp;
            for_each_run(count, alp_vector_values, [&](std::size_t first, std::size_t n) {
                const F* v = load_vector(raw + first * sizeof(F), n);
                out = alp_encode_vector(v, n, alp_pick(v, n, alp.candidates), scratch, out);
            });
        } else {
            *out++ = k_scheme_rd;
            *out++ = static_cast<std::uint8_t>(rd.right);
            *out++ = static_cast<std::uint8_t>(rd.dict_size);
            for (unsigned k = 0; k < rd.dict_size; ++k) {
                out = store(out, rd.dict[k]);
                code_of[rd.dict[k]] = static_cast<std::uint8_t>(k);
            }
            for_each_run(count, alp_vector_values, [&](std::size_t first, std::size_t n) {
                out = rd_encode_vector(load_vector(raw + first * sizeof(F), n), n, rd, code_of, scratch, out);
            });
            for (unsigned k = 0; k < rd.dict_size; ++k) code_of[rd.dict[k]] = 0xFF;
        }
        // The sample can mislead: never store a row-group larger than raw.
        if (static_cast<std::size_t>(out - start) > 1 + count * sizeof(F)) return write_raw(raw, count, start);
        return out;
    }

    static std::uint8_t* write_raw(const std::uint8_t* raw, std::size_t count, std::uint8_t* out) {
        *out++ = k_scheme_raw;
        std::memcpy(out, raw, count * sizeof(F));
        return out + count * sizeof(F);
    }
};

template <class F>
std::size_t encode_all(const std::uint8_t* raw, std::size_t count, std::uint8_t* out) {
    std::uint8_t* p = out;
    std::memcpy(p, k_magic, 4);
    p += 4;
    *p++ = static_cast<std::uint8_t>(sizeof(F));
    *p++ = 0, *p++ = 0, *p++ = 0;
    p = store(p, static_cast<std::uint64_t>(count));
    // ~90 KiB of scratch: on the heap, not on a pool thread's stack.
    auto enc = std::make_unique<encoder<F>>();
    for_each_run(count, alp_row_group_values,
                 [&](std::size_t first, std::size_t n) { p = enc->row_group(raw + first * sizeof(F), n, p); });
    return static_cast<std::size_t>(p - out);
}

// The header of an ALP-RD row-group: right width, dictionary size, dictionary.
template <class F>
rd_params read_rd_header(reader& in) {
    rd_params rd;
    const std::uint8_t* h = in.take(2, "ALP-RD row-group header");
    rd.right = h[0];
    rd.dict_size = h[1];
    if (rd.right < fp<F>::bits - k_rd_max_left || rd.right >= fp<F>::bits) {
        in.bad("ALP-RD right width " + std::to_string(rd.right) + " out of range " +
               std::to_string(fp<F>::bits - k_rd_max_left) + "-" + std::to_string(fp<F>::bits - 1));
    }
    if (rd.dict_size < 1 || rd.dict_size > k_rd_max_dict)
        in.bad("ALP-RD dictionary size " + std::to_string(rd.dict_size) + " out of range 1-8");
    const std::uint8_t* dict = in.take(2 * rd.dict_size, "ALP-RD dictionary");
    const unsigned left_width = fp<F>::bits - rd.right;
    for (unsigned k = 0; k < rd.dict_size; ++k) {
        rd.dict[k] = load<std::uint16_t>(dict + 2 * k);
        if (left_width < 16 && (rd.dict[k] >> left_width) != 0)
            in.bad("ALP-RD dictionary entry " + std::to_string(rd.dict[k]) + " wider than " +
                   std::to_string(left_width) + " bits");
    }
    return rd;
}

template <class F>
void decode_all(reader& in, std::size_t count, std::uint8_t* raw) {
    vector_scratch scratch;
    F values[alp_vector_values];
    for_each_run(count, alp_row_group_values, [&](std::size_t group, std::size_t in_group) {
        const std::uint8_t scheme = *in.take(1, "row-group scheme");
        if (scheme == k_scheme_raw) {
            std::memcpy(raw + group * sizeof(F), in.take(in_group * sizeof(F), "raw row-group"), in_group * sizeof(F));
            return;
        }
        if (scheme != k_scheme_alp && scheme != k_scheme_rd)
            in.bad("unknown row-group scheme " + std::to_string(scheme) + " (0 raw, 1 ALP, 2 ALP-RD)");
        const rd_params rd = scheme == k_scheme_rd ? read_rd_header<F>(in) : rd_params{};
        for_each_run(in_group, alp_vector_values, [&](std::size_t first, std::size_t n) {
            if (scheme == k_scheme_alp)
                alp_decode_vector(in, n, values, scratch);
            else
                rd_decode_vector(in, n, rd, values, scratch);
            std::memcpy(raw + (group + first) * sizeof(F), values, n * sizeof(F));
        });
    });
    if (in.left() != 0) in.bad(std::to_string(in.left()) + " trailing bytes after the last row-group");
}

void check_item_size(std::size_t item_size, std::size_t raw_bytes) {
    if (item_size != 4 && item_size != 8) {
        throw usage_error("", "codec",
                          "alp encodes float32 or float64 arrays only, found " + std::to_string(item_size) +
                              "-byte items");
    }
    if (raw_bytes % item_size != 0) {
        throw usage_error("", "codec",
                          "alp: " + std::to_string(raw_bytes) + " bytes is not a whole number of " +
                              std::to_string(item_size) + "-byte values");
    }
}

}  // namespace

std::size_t alp_bound(std::size_t raw_bytes) {
    // Worst case before the raw fallback of a row-group: every value an
    // exception (value + position) on top of 64-bit packing, plus one padded
    // group and a header per vector.
    const std::size_t vectors = raw_bytes / 4 / alp_vector_values + 1;
    return k_header_bytes + 3 * raw_bytes + vectors * (k_alp_vector_header + 64 * 8 + 64);
}

std::size_t alp_encode(std::size_t item_size, const std::uint8_t* raw, std::size_t raw_bytes, std::uint8_t* out) {
    check_item_size(item_size, raw_bytes);
    return item_size == 8 ? encode_all<double>(raw, raw_bytes / 8, out) : encode_all<float>(raw, raw_bytes / 4, out);
}

void alp_decode(std::size_t item_size, const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw,
                std::size_t raw_bytes, const error_site& site) {
    if ((item_size != 4 && item_size != 8) || raw_bytes % item_size != 0) {
        fail(site, "alp",
             "expected float32 or float64 values, found " + std::to_string(raw_bytes) + " bytes of " +
                 std::to_string(item_size) + "-byte items");
    }
    reader in(stored, stored_bytes, site);
    const std::uint8_t* h = in.take(k_header_bytes, "header");
    if (std::memcmp(h, k_magic, 3) != 0) in.bad("expected the magic \"ALP\" at the start of the chunk");
    if (h[3] != k_magic[3]) in.bad("unsupported ALP stream version " + std::to_string(h[3]) + " (this reader: 1)");
    if (h[4] != item_size || h[5] != 0 || h[6] != 0 || h[7] != 0) {
        in.bad("header says " + std::to_string(h[4]) + "-byte values, the array has " + std::to_string(item_size) +
               "-byte values");
    }
    const std::uint64_t count = load<std::uint64_t>(h + 8);
    if (count != raw_bytes / item_size) {
        in.bad("header says " + std::to_string(count) + " values, the chunk holds " +
               std::to_string(raw_bytes / item_size));
    }
    if (item_size == 8)
        decode_all<double>(in, count, raw);
    else
        decode_all<float>(in, count, raw);
}

namespace {

// No numcodecs codec has this id: zarr-python refuses the array by name
// ("codec not available: 'fitstore_alp'") instead of misreading it.
constexpr const char* k_zarr_id = "fitstore_alp";

nlohmann::json alp_to_zarr(const codec_spec&, int) { return {{"id", k_zarr_id}, {"version", 1}}; }

codec_spec alp_from_zarr(const nlohmann::json& compressor, std::size_t item_size, const std::string& path) {
    codec_spec spec;
    spec.id = codec_id::alp;
    const int version = zarr_int(compressor, "version", 1, path, "compressor");
    require_range(version, 1, 1, path, "compressor.version");
    if (item_size != 4 && item_size != 8)
        throw format_error(path, "compressor.id", "alp needs a float32 or float64 array, found " +
                                                      std::to_string(item_size) + "-byte items");
    return spec;
}

std::size_t alp_encode_chunk(const codec_spec&, int, std::size_t item_size, const std::uint8_t* raw,
                             std::size_t raw_bytes, std::uint8_t* out) {
    return alp_encode(item_size, raw, raw_bytes, out);
}

}  // namespace

// FORMAT.md 4.1: no HDF5 filter exists (in_hdf5 stays false), no level, no shuffle.
const codec_def& alp_codec() {
    static const codec_def def = codec_def(codec_id::alp, "alp", "alp", alp_max_ratio, shuffle_support::whole_values)
                                     .only_floats()
                                     .chunks(alp_bound, alp_encode_chunk, alp_decode)
                                     .zarr(k_zarr_id, k_zarr_id, alp_to_zarr, alp_from_zarr);
    return def;
}

}  // namespace fitstore::codecs
