#include "fitstore/dtype.hpp"

#include <algorithm>
#include <array>

#include "fitstore/errors.hpp"

namespace fitstore {
namespace {

struct dtype_row {
    dtype type;
    std::string_view name;
    std::size_t size;
    char kind;  // numpy kind letter
};

constexpr std::array<dtype_row, 11> k_rows{{
    {dtype::bool_, "bool", 1, 'b'},     {dtype::int8, "int8", 1, 'i'},
    {dtype::int16, "int16", 2, 'i'},    {dtype::int32, "int32", 4, 'i'},
    {dtype::int64, "int64", 8, 'i'},    {dtype::uint8, "uint8", 1, 'u'},
    {dtype::uint16, "uint16", 2, 'u'},  {dtype::uint32, "uint32", 4, 'u'},
    {dtype::uint64, "uint64", 8, 'u'},  {dtype::float32, "float32", 4, 'f'},
    {dtype::float64, "float64", 8, 'f'},
}};

const dtype_row& row(dtype t) noexcept { return k_rows[static_cast<std::size_t>(t)]; }

}  // namespace

std::size_t itemsize(dtype t) noexcept { return row(t).size; }
std::string_view dtype_name(dtype t) noexcept { return row(t).name; }

dtype dtype_from_name(std::string_view name, const std::string& path, const std::string& field) {
    for (const auto& r : k_rows)
        if (r.name == name) return r.type;
    throw format_error(path, field,
                       "expected a dtype name (bool, int8..int64, uint8..uint64, float32, float64), found \"" +
                           std::string(name.substr(0, 64)) + "\"");
}

std::string numpy_typestr(dtype t) {
    const auto& r = row(t);
    std::string s;
    s += r.size == 1 ? '|' : '<';
    s += r.kind;
    s += std::to_string(r.size);
    return s;
}

dtype dtype_from_typestr(std::string_view typestr, bool& big_endian, const std::string& path,
                         const std::string& field) {
    auto fail = [&]() -> dtype {
        throw format_error(path, field,
                           "expected a numpy typestr such as \"<f8\", \"<i4\", \"|u1\" or \"|b1\", found \"" +
                               std::string(typestr.substr(0, 64)) + "\"");
    };
    if (typestr.size() < 3) return fail();
    const char order = typestr[0];
    if (order != '<' && order != '>' && order != '|' && order != '=') return fail();
    const char kind = typestr[1];
    const std::string_view digits = typestr.substr(2);
    if (digits.size() != 1) return fail();
    const std::size_t size = static_cast<std::size_t>(digits[0] - '0');
    for (const auto& r : k_rows) {
        if (r.kind == kind && r.size == size) {
            // '|' (not applicable) is only valid for one-byte types; '=' means native (little here).
            if (order == '|' && size != 1) return fail();
            big_endian = (order == '>') && size > 1;
            return r.type;
        }
    }
    return fail();
}

bool is_floating(dtype t) noexcept { return row(t).kind == 'f'; }
bool is_signed_integer(dtype t) noexcept { return row(t).kind == 'i'; }

void byteswap_inplace(void* data, std::size_t count, std::size_t size) noexcept {
    if (size <= 1) return;
    auto* bytes = static_cast<unsigned char*>(data);
    for (std::size_t i = 0; i < count; ++i) std::reverse(bytes + i * size, bytes + (i + 1) * size);
}

}  // namespace fitstore
