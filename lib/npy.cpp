#include "fitstore/npy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "fitstore/errors.hpp"
#include "io/atomic_target.hpp"
#include "io/heap_buffer.hpp"
#include "io/posix_file.hpp"

namespace fitstore {
namespace {

constexpr char k_magic[] = "\x93NUMPY";
constexpr std::size_t k_magic_size = 6;
// numpy aligns the start of the data to this many bytes.
constexpr std::size_t k_data_alignment = 64;
// numpy 1.x supports at most 32 dimensions; the design caps rank at 32 too.
constexpr std::size_t k_max_rank = 32;

// What the header says about the data that follows it.
struct npy_header {
    dtype type = dtype::float64;
    bool big_endian = false;
    bool fortran_order = false;
    shape_t shape;
    std::size_t data_offset = 0;  // bytes from the start of the input to the data
    std::size_t data_bytes = 0;
};

// `text` shown in a message: at most 40 bytes, non-printable bytes escaped.
std::string excerpt(std::string_view text) {
    constexpr std::size_t limit = 40;
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (text.size() > limit) out += "...";
    return out;
}

// Strict parser for the header numpy writes, a Python dict literal such as
//   {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
// Exactly the keys descr, fortran_order and shape, in any order, each once.
// Anything ast.literal_eval would accept beyond that (nested lists for
// structured dtypes, escapes in strings, expressions) is refused.
class header_parser {
public:
    header_parser(std::string_view text, const std::string& name) : m_text(text), m_name(name) {}

    npy_header parse() {
        npy_header header;
        bool seen_descr = false, seen_fortran = false, seen_shape = false;
        skip_spaces();
        expect('{', "header", "'{' opening the header dict");
        skip_spaces();
        while (!at('}')) {
            const std::size_t key_pos = m_pos;
            const std::string_view key = parse_string("header", "a quoted key or '}'");
            skip_spaces();
            expect(':', "header", "':' after key '" + excerpt(key) + "'");
            skip_spaces();
            if (key == "descr") {
                check_unique(seen_descr, key);
                parse_descr(header);
            } else if (key == "fortran_order") {
                check_unique(seen_fortran, key);
                header.fortran_order = parse_bool("fortran_order");
            } else if (key == "shape") {
                check_unique(seen_shape, key);
                header.shape = parse_shape();
            } else {
                m_pos = key_pos;
                fail("header", "expected only the keys 'descr', 'fortran_order' and 'shape', found key '" +
                                   excerpt(key) + "'");
            }
            skip_spaces();
            if (!consume(',')) break;
            skip_spaces();
        }
        expect('}', "header", "',' or '}' after a dict entry");
        skip_spaces();
        if (m_pos != m_text.size()) fail("header", "expected only spaces and a newline after the header dict");
        if (!seen_descr) fail("descr", "the header dict has no 'descr' key");
        if (!seen_fortran) fail("fortran_order", "the header dict has no 'fortran_order' key");
        if (!seen_shape) fail("shape", "the header dict has no 'shape' key");
        return header;
    }

private:
    [[noreturn]] void fail(const std::string& field, const std::string& expectation) const {
        throw format_error(m_name, field,
                           expectation + " (at header offset " + std::to_string(m_pos) + ": \"" +
                               excerpt(m_text.substr(m_pos)) + "\")");
    }

    bool at(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }
    bool consume(char c) {
        if (!at(c)) return false;
        ++m_pos;
        return true;
    }
    void expect(char c, const std::string& field, const std::string& what) {
        if (!consume(c)) fail(field, "expected " + what);
    }
    // Python allows newlines inside brackets (implicit line joining).
    void skip_spaces() {
        while (m_pos < m_text.size() &&
               (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r'))
            ++m_pos;
    }
    bool is_digit() const { return m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9'; }
    bool consume_word(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) != word) return false;
        m_pos += word.size();
        return true;
    }

    void check_unique(bool& seen, std::string_view key) {
        if (seen) fail(std::string(key), "key '" + std::string(key) + "' appears twice in the header dict");
        seen = true;
    }

    // A '...' or "..." string without escapes (numpy never writes any).
    std::string_view parse_string(const std::string& field, const std::string& what) {
        if (!at('\'') && !at('"')) fail(field, "expected " + what);
        const char quote = m_text[m_pos++];
        const std::size_t start = m_pos;
        while (m_pos < m_text.size() && m_text[m_pos] != quote) {
            if (m_text[m_pos] == '\\' || m_text[m_pos] == '\n') fail(field, "expected a plain string without escapes");
            ++m_pos;
        }
        if (m_pos == m_text.size()) {
            m_pos = start - 1;
            fail(field, "expected a closing quote for the string");
        }
        return m_text.substr(start, m_pos++ - start);
    }

    void parse_descr(npy_header& header) {
        if (at('[') || at('{'))
            fail("descr", "expected a simple dtype string such as '<f8'; structured dtypes are not supported");
        const std::size_t start = m_pos;
        const std::string_view descr = parse_string("descr", "a dtype string such as '<f8'");
        // Name the unsupported families numpy users meet most, so the message says why.
        const char kind = descr.size() >= 2 ? descr[1] : '\0';
        const char* why = nullptr;
        if (kind == 'O') why = "object arrays hold pickled Python objects and are not supported";
        if (kind == 'U' || kind == 'S' || kind == 'a') why = "string dtypes are not supported";
        if (kind == 'c') why = "complex dtypes are not supported";
        if (kind == 'V') why = "void/structured dtypes are not supported";
        if (kind == 'M' || kind == 'm') why = "datetime dtypes are not supported";
        if (why != nullptr) {
            m_pos = start;
            fail("descr", std::string(why) + "; found '" + excerpt(descr) + "'");
        }
        header.type = dtype_from_typestr(descr, header.big_endian, m_name, "descr");
    }

    bool parse_bool(const std::string& field) {
        if (consume_word("True")) return true;
        if (consume_word("False")) return false;
        fail(field, "expected True or False");
    }

    // A non-negative integer as Python's repr writes it, with the 'L' suffix of Python 2 numpy allowed.
    std::size_t parse_dimension() {
        if (!is_digit()) fail("shape", "expected a non-negative integer dimension");
        const std::size_t start = m_pos;
        std::size_t value = 0;
        while (is_digit()) {
            const std::size_t digit = static_cast<std::size_t>(m_text[m_pos] - '0');
            if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) {
                m_pos = start;
                fail("shape", "expected a dimension that fits in 64 bits");
            }
            value = value * 10 + digit;
            ++m_pos;
        }
        if (m_pos - start > 1 && m_text[start] == '0') {
            m_pos = start;
            fail("shape", "expected an integer without leading zeros");
        }
        if (!consume('L')) consume('l');
        return value;
    }

    // A Python tuple of integers: (), (n,), (n, m), (n, m,) -- but not (n), which is an int.
    shape_t parse_shape() {
        expect('(', "shape", "a tuple such as (3, 4), (3,) or ()");
        shape_t shape;
        skip_spaces();
        bool trailing_comma = false;
        while (!at(')')) {
            if (shape.size() == k_max_rank)
                fail("shape", "expected at most " + std::to_string(k_max_rank) + " dimensions");
            shape.push_back(parse_dimension());
            skip_spaces();
            trailing_comma = consume(',');
            skip_spaces();
            if (!trailing_comma) break;
        }
        if (!at(')')) fail("shape", "expected ',' or ')' in the shape tuple");
        if (shape.size() == 1 && !trailing_comma) fail("shape", "expected ',' after the only dimension: (n) is not a tuple");
        ++m_pos;
        return shape;
    }

    std::string_view m_text;
    const std::string& m_name;
    std::size_t m_pos = 0;
};

std::uint32_t read_le(const unsigned char* p, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

// Parses magic, version, header length and header from the first `prefix_size`
// bytes of an input of `total_size` bytes, and checks the data length against
// `total_size` exactly. `prefix` must hold the whole header when the input does.
npy_header parse_npy_header(const unsigned char* prefix, std::size_t prefix_size, std::size_t total_size,
                            const std::string& name) {
    if (prefix_size >= k_magic_size && std::memcmp(prefix, k_magic, k_magic_size) == 0 &&
        prefix_size < k_magic_size + 2)
        throw format_error(name, "version",
                           "expected a version after the magic, found the end of the input after " +
                               std::to_string(prefix_size) + " bytes");
    if (prefix_size < k_magic_size || std::memcmp(prefix, k_magic, k_magic_size) != 0)
        throw format_error(name, "magic",
                           "expected a .npy file starting with \"\\x93NUMPY\", found \"" +
                               excerpt(std::string_view(reinterpret_cast<const char*>(prefix),
                                                        std::min<std::size_t>(prefix_size, k_magic_size))) +
                               "\"");
    const unsigned major = prefix[6], minor = prefix[7];
    if (minor != 0 || major < 1 || major > 3)
        throw format_error(name, "version",
                           "expected .npy format version 1.0, 2.0 or 3.0, found " + std::to_string(major) + "." +
                               std::to_string(minor));
    // Version 1.0 stores the header length as u16, later versions as u32 (both little-endian).
    const std::size_t length_size = major == 1 ? 2 : 4;
    const std::size_t preamble = k_magic_size + 2 + length_size;
    if (total_size < preamble)
        throw format_error(name, "header_len",
                           "expected at least " + std::to_string(preamble) + " bytes of preamble, found " +
                               std::to_string(total_size) + " bytes in all");
    const std::size_t header_len = read_le(prefix + k_magic_size + 2, length_size);
    if (header_len > k_npy_max_header_bytes)
        throw format_error(name, "header_len",
                           "expected a header of at most " + std::to_string(k_npy_max_header_bytes) +
                               " bytes, found a header length of " + std::to_string(header_len));
    if (header_len > total_size - preamble)
        throw format_error(name, "header_len",
                           "header length " + std::to_string(header_len) + " is larger than the " +
                               std::to_string(total_size - preamble) + " bytes left in the file");
    if (preamble + header_len > prefix_size)
        throw format_error(name, "header", "header not fully available in the bytes read");  // caller bug guard

    // Latin-1 (1.0, 2.0) and UTF-8 (3.0) agree on the ASCII the grammar accepts.
    const std::string_view text(reinterpret_cast<const char*>(prefix + preamble), header_len);
    npy_header header = header_parser(text, name).parse();
    header.data_offset = preamble + header_len;
    try {
        header.data_bytes = byte_count(header.shape, header.type);
    } catch (const format_error& e) {
        throw format_error(name, e.field(), e.message());
    }
    const std::size_t available = total_size - header.data_offset;
    if (available != header.data_bytes)
        throw format_error(name, "data",
                           std::string(available < header.data_bytes ? "truncated" : "trailing bytes") +
                               ": expected " + std::to_string(header.data_bytes) + " data bytes for " +
                               std::string(dtype_name(header.type)) + " shape " + shape_to_string(header.shape) +
                               ", found " + std::to_string(available));
    return header;
}

// Reorders Fortran-order `src` into C-order `dst`: element (i0, ..., in-1)
// sits at src offset sum(i_k * stride_k), stride_0 = 1.
template <class T>
void fortran_to_c(const T* src, T* dst, const shape_t& shape) {
    const std::size_t rank = shape.size();
    std::vector<std::size_t> stride(rank);
    std::size_t s = 1;
    for (std::size_t k = 0; k < rank; ++k) {
        stride[k] = s;
        s *= shape[k];
    }
    const std::size_t count = s;
    if (count == 0) return;
    const std::size_t inner = shape[rank - 1];
    const std::size_t inner_stride = stride[rank - 1];
    std::vector<std::size_t> index(rank, 0);
    std::size_t offset = 0;  // src offset of (index[0..rank-2], 0)
    for (std::size_t out = 0; out < count; out += inner) {
        for (std::size_t j = 0; j < inner; ++j) dst[out + j] = src[offset + j * inner_stride];
        for (std::size_t k = rank - 1; k-- > 0;) {
            if (++index[k] < shape[k]) {
                offset += stride[k];
                break;
            }
            offset -= (shape[k] - 1) * stride[k];
            index[k] = 0;
        }
    }
}

any_array to_c_order(const any_array& fortran) {
    any_array out = any_array::allocate(fortran.type(), fortran.shape(), false);
    const void* src = fortran.data();
    void* dst = out.mutable_data();
    switch (itemsize(fortran.type())) {
        case 1: fortran_to_c(static_cast<const std::uint8_t*>(src), static_cast<std::uint8_t*>(dst), out.shape()); break;
        case 2: fortran_to_c(static_cast<const std::uint16_t*>(src), static_cast<std::uint16_t*>(dst), out.shape()); break;
        case 4: fortran_to_c(static_cast<const std::uint32_t*>(src), static_cast<std::uint32_t*>(dst), out.shape()); break;
        default: fortran_to_c(static_cast<const std::uint64_t*>(src), static_cast<std::uint64_t*>(dst), out.shape()); break;
    }
    return out;
}

// Turns the raw data just read into a little-endian, C-order, valid array.
any_array finish_array(const npy_header& header, std::shared_ptr<void> buffer, const std::string& name) {
    any_array array(header.type, header.shape, buffer, buffer.get(), storage_kind::heap);
    const std::size_t count = array.size();
    if (header.big_endian) byteswap_inplace(buffer.get(), count, itemsize(header.type));
    if (header.type == dtype::bool_) {
        // A C++ bool holding anything but 0 or 1 is undefined behaviour.
        const auto* bytes = static_cast<const unsigned char*>(buffer.get());
        for (std::size_t i = 0; i < count; ++i)
            if (bytes[i] > 1)
                throw format_error(name, "data",
                                   "expected bool bytes 0 or 1, found " + std::to_string(bytes[i]) +
                                       " at element " + std::to_string(i));
    }
    if (header.fortran_order && array.rank() > 1) return to_c_order(array);
    return array;
}

// Python's repr of a shape tuple: (), (3,), (3, 4).
std::string shape_repr(const shape_t& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1) s += ',';
    return s + ")";
}

// Magic, version, length and padded header dict, ending where the data starts.
std::string make_preamble(const any_array& array) {
    const std::string dict = "{'descr': '" + numpy_typestr(array.type()) +
                             "', 'fortran_order': False, 'shape': " + shape_repr(array.shape()) + ", }";
    auto padded = [&](std::size_t length_size) {
        const std::size_t unpadded = k_magic_size + 2 + length_size + dict.size() + 1;  // +1 for '\n'
        return dict.size() + 1 + (k_data_alignment - unpadded % k_data_alignment) % k_data_alignment;
    };
    const bool v1 = padded(2) <= std::numeric_limits<std::uint16_t>::max();
    const std::size_t length_size = v1 ? 2 : 4;
    const std::size_t header_len = padded(length_size);
    std::string out(k_magic, k_magic_size);
    out += static_cast<char>(v1 ? 1 : 2);
    out += '\0';
    for (std::size_t i = 0; i < length_size; ++i) out += static_cast<char>((header_len >> (8 * i)) & 0xff);
    out += dict;
    out.append(header_len - dict.size() - 1, ' ');
    out += '\n';
    return out;
}

}  // namespace

any_array read_npy(const std::string& path) {
    // A path the user names may be a symlink (unlike files inside a store), so plain open().
    detail::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) detail::throw_errno(path, "cannot open for reading");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) detail::throw_errno(path, "cannot stat");
    if (!S_ISREG(st.st_mode)) throw io_error(path, "", "expected a regular file");
    const auto total = static_cast<std::size_t>(st.st_size);

    std::vector<unsigned char> prefix(std::min<std::size_t>(total, k_magic_size + 2 + 4 + k_npy_max_header_bytes));
    detail::pread_exact(fd.get(), prefix.data(), prefix.size(), 0, path);
    const npy_header header = parse_npy_header(prefix.data(), prefix.size(), total, path);

    auto buffer = allocate_buffer(header.data_bytes, false);
    detail::pread_exact(fd.get(), buffer.get(), header.data_bytes, header.data_offset, path);
    return finish_array(header, std::move(buffer), path);
}

any_array read_npy_bytes(const void* data, std::size_t size, const std::string& name) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    const npy_header header = parse_npy_header(bytes, size, size, name);
    auto buffer = allocate_buffer(header.data_bytes, false);
    if (header.data_bytes != 0) std::memcpy(buffer.get(), bytes + header.data_offset, header.data_bytes);
    return finish_array(header, std::move(buffer), name);
}

std::vector<std::uint8_t> write_npy_bytes(const any_array& array) {
    const std::string preamble = make_preamble(array);
    const std::size_t data_bytes = array.nbytes();
    std::vector<std::uint8_t> out(preamble.size() + data_bytes);
    std::memcpy(out.data(), preamble.data(), preamble.size());
    if (data_bytes != 0) std::memcpy(out.data() + preamble.size(), array.data(), data_bytes);
    return out;
}

void write_npy(const std::string& path, const any_array& array) {
    // atomic_target would swap a folder out of the way and delete it: never do that for one .npy.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw io_error(path, "", "expected a file path, found a folder (refusing to replace it)");
    const std::string preamble = make_preamble(array);
    detail::atomic_target target(path, detail::atomic_target::kind::file, true);
    {
        std::uint64_t size = 0;
        detail::unique_fd fd = detail::open_regular_readonly(target.temp_path(), size, true);
        detail::write_all(fd.get(), preamble.data(), preamble.size(), target.temp_path());
        detail::write_all(fd.get(), array.data(), array.nbytes(), target.temp_path());
        // close() can report a deferred write error (NFS); commit() fsyncs before the rename.
        if (::close(fd.release()) != 0) detail::throw_errno(target.temp_path(), "close failed");
    }
    target.commit();
}

}  // namespace fitstore
