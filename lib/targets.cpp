#include "fitstore/targets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "fitstore/errors.hpp"

namespace fitstore {

const char* target_kind_name(target_kind kind) noexcept {
    switch (kind) {
        case target_kind::int64: return "int64";
        case target_kind::float64: return "float64";
        case target_kind::string: return "string";
    }
    return "?";
}

bool parse_target_kind(const std::string& name, target_kind& out) {
    for (target_kind k : {target_kind::int64, target_kind::float64, target_kind::string})
        if (name == target_kind_name(k)) {
            out = k;
            return true;
        }
    return false;
}

targets targets::of_int64(ndarray<std::int64_t> values) {
    targets t;
    t.m_kind = target_kind::int64;
    t.m_int64 = std::move(values);
    return t;
}

targets targets::of_float64(ndarray<double> values) {
    targets t;
    t.m_kind = target_kind::float64;
    t.m_float64 = std::move(values);
    return t;
}

targets targets::of_strings(std::vector<std::string> values) {
    targets t;
    t.m_kind = target_kind::string;
    t.m_strings = std::move(values);
    return t;
}

std::size_t targets::size() const noexcept {
    switch (m_kind) {
        case target_kind::int64: return m_int64.size();
        case target_kind::float64: return m_float64.size();
        case target_kind::string: return m_strings.size();
    }
    return 0;
}

namespace {
[[noreturn]] void wrong_kind(target_kind want, target_kind have) {
    throw usage_error("", "y", std::string("expected ") + target_kind_name(want) + " targets, these are " +
                                   target_kind_name(have));
}
}  // namespace

const ndarray<std::int64_t>& targets::int64s() const {
    if (m_kind != target_kind::int64) wrong_kind(target_kind::int64, m_kind);
    return m_int64;
}
const ndarray<double>& targets::float64s() const {
    if (m_kind != target_kind::float64) wrong_kind(target_kind::float64, m_kind);
    return m_float64;
}
const std::vector<std::string>& targets::strings() const {
    if (m_kind != target_kind::string) wrong_kind(target_kind::string, m_kind);
    return m_strings;
}

std::string targets::text(std::size_t i) const {
    switch (m_kind) {
        case target_kind::int64: return std::to_string(m_int64[i]);
        case target_kind::float64: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", m_float64[i]);
            return buf;
        }
        case target_kind::string: return m_strings[i];
    }
    return {};
}

namespace {

template <class T, class Less>
std::vector<T> unique_of(const std::vector<T>& values, std::vector<std::size_t>* inverse, Less less) {
    std::vector<T> sorted = values;
    std::sort(sorted.begin(), sorted.end(), less);
    sorted.erase(std::unique(sorted.begin(), sorted.end(), [&](const T& a, const T& b) { return !less(a, b) && !less(b, a); }),
                 sorted.end());
    if (inverse) {
        inverse->resize(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            (*inverse)[i] = std::size_t(std::lower_bound(sorted.begin(), sorted.end(), values[i], less) - sorted.begin());
    }
    return sorted;
}

template <class T>
ndarray<T> array_of(const std::vector<T>& values) {
    ndarray<T> out(shape_t{values.size()});
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

}  // namespace

targets targets::unique(std::vector<std::size_t>* inverse) const {
    switch (m_kind) {
        case target_kind::int64:
            return of_int64(array_of(unique_of(std::vector<std::int64_t>(m_int64.begin(), m_int64.end()), inverse,
                                               std::less<std::int64_t>())));
        case target_kind::float64: {
            for (double v : m_float64)
                if (std::isnan(v)) throw usage_error("", "y", "labels must not be NaN");
            return of_float64(
                array_of(unique_of(std::vector<double>(m_float64.begin(), m_float64.end()), inverse, std::less<double>())));
        }
        case target_kind::string: return of_strings(unique_of(m_strings, inverse, std::less<std::string>()));
    }
    return {};
}

targets targets::take(const std::vector<std::size_t>& indices) const {
    switch (m_kind) {
        case target_kind::int64: {
            std::vector<std::int64_t> v;
            for (auto i : indices) v.push_back(m_int64[i]);
            return of_int64(array_of(v));
        }
        case target_kind::float64: {
            std::vector<double> v;
            for (auto i : indices) v.push_back(m_float64[i]);
            return of_float64(array_of(v));
        }
        case target_kind::string: {
            std::vector<std::string> v;
            for (auto i : indices) v.push_back(m_strings[i]);
            return of_strings(std::move(v));
        }
    }
    return {};
}

any_array targets::as_any() const {
    switch (m_kind) {
        case target_kind::int64: return m_int64.as_any();
        case target_kind::float64: return m_float64.as_any();
        case target_kind::string: {
            ndarray<std::uint32_t> lengths;
            return encode_utf8_rows(m_strings, lengths).as_any();
        }
    }
    return {};
}

bool operator==(const targets& a, const targets& b) {
    if (a.m_kind != b.m_kind) return false;
    switch (a.m_kind) {
        case target_kind::int64: return a.m_int64 == b.m_int64;
        case target_kind::float64: return a.m_float64 == b.m_float64;
        case target_kind::string: return a.m_strings == b.m_strings;
    }
    return false;
}

ndarray<std::uint8_t> encode_utf8_rows(const std::vector<std::string>& values, ndarray<std::uint32_t>& lengths) {
    std::size_t width = 1;
    for (const auto& s : values) width = std::max(width, s.size());
    ndarray<std::uint8_t> bytes(shape_t{values.size(), width});
    lengths = ndarray<std::uint32_t>(shape_t{values.size()});
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i].size() > 0xffffffffu) throw usage_error("", "labels", "a label longer than 4 GiB");
        std::copy(values[i].begin(), values[i].end(), bytes.mutable_data() + i * width);
        lengths.mutable_data()[i] = std::uint32_t(values[i].size());
    }
    return bytes;
}

namespace {

/// True if `s` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool valid_utf8(const unsigned char* s, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        std::size_t extra;
        std::uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xe0) == 0xc0) { extra = 1; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { extra = 2; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { extra = 3; cp = c & 0x07; }
        else return false;
        if (i + extra >= n) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        static const std::uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += extra + 1;
    }
    return true;
}

}  // namespace

std::vector<std::string> decode_utf8_rows(const ndarray<std::uint8_t>& bytes, const ndarray<std::uint32_t>& lengths,
                                          const std::string& file, const std::string& field) {
    if (bytes.rank() != 2) throw format_error(file, field, "expected a 2-D uint8 array, found shape " + shape_to_string(bytes.shape()));
    const std::size_t n = bytes.shape(0), width = bytes.shape(1);
    if (lengths.shape() != shape_t{n})
        throw format_error(file, field + "_lengths",
                           "expected shape " + shape_to_string(shape_t{n}) + ", found " + shape_to_string(lengths.shape()));
    std::vector<std::string> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (lengths[i] > width)
            throw format_error(file, field + "_lengths", "length " + std::to_string(lengths[i]) + " of row " +
                                                             std::to_string(i) + " exceeds the width " + std::to_string(width));
        const unsigned char* row = bytes.data() + i * width;
        if (!valid_utf8(row, lengths[i])) throw format_error(file, field, "row " + std::to_string(i) + " is not valid UTF-8");
        out[i].assign(reinterpret_cast<const char*>(row), lengths[i]);
    }
    return out;
}

}  // namespace fitstore
