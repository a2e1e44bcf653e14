// zlib format (RFC 1950), byte-identical to Python's zlib.compress(data, level)
// and so to numcodecs Zlib and HDF5's deflate filter.
#include <zlib.h>

#include <algorithm>
#include <limits>

#include "codecs/codec_families.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::codecs {
namespace {

constexpr std::size_t k_max_step = std::numeric_limits<uInt>::max();

// inflateEnd on every exit path, including the exceptions below.
struct inflate_stream {
    z_stream z{};
    bool open = false;
    ~inflate_stream() {
        if (open) inflateEnd(&z);
    }
};

}  // namespace

std::size_t zlib_bound(std::size_t raw_bytes) { return compressBound(raw_bytes); }

std::size_t zlib_encode(int level, const std::uint8_t* raw, std::size_t raw_bytes, std::uint8_t* out) {
    uLongf written = zlib_bound(raw_bytes);
    // compress2 = deflateInit(level) + one Z_FINISH pass: the stream Python's zlib.compress writes.
    const int rc = compress2(out, &written, raw_bytes ? raw : reinterpret_cast<const Bytef*>(""), raw_bytes, level);
    if (rc != Z_OK) throw error("", "codec", "zlib: compress2 failed with code " + std::to_string(rc));
    return written;
}

void zlib_decode(const std::uint8_t* stored, std::size_t stored_bytes, std::uint8_t* raw, std::size_t raw_bytes,
                 const error_site& site) {
    inflate_stream s;
    if (inflateInit(&s.z) != Z_OK) fail(site, "zlib", "cannot initialise the inflater (out of memory)");
    s.open = true;

    std::uint8_t probe = 0;  // a one-byte sink to tell "longer than expected" from "damaged"
    std::size_t in_left = stored_bytes;
    std::size_t out_left = raw_bytes;
    s.z.next_in = const_cast<Bytef*>(stored);
    s.z.next_out = raw_bytes ? raw : &probe;
    int rc = Z_OK;
    for (;;) {
        // zlib counts in uInt: feed both sides in slices of at most 4 GiB.
        const std::size_t in_step = std::min(in_left, k_max_step);
        const std::size_t out_step = std::min(out_left, k_max_step);
        s.z.avail_in = static_cast<uInt>(in_step);
        s.z.avail_out = static_cast<uInt>(out_step);
        rc = inflate(&s.z, Z_NO_FLUSH);
        in_left -= in_step - s.z.avail_in;
        out_left -= out_step - s.z.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
            fail(site, "zlib",
                 std::string("damaged stream (") + (s.z.msg ? s.z.msg : "inflate error") + ") after " +
                     std::to_string(raw_bytes - out_left) + " of the expected " + std::to_string(raw_bytes) +
                     " bytes");
        }
        if (out_left == 0 && s.z.avail_out == 0) {
            // Output full but the stream goes on: see whether it really holds more data.
            s.z.next_out = &probe;
            s.z.avail_out = 1;
            s.z.avail_in = static_cast<uInt>(std::min(in_left, k_max_step));
            const std::size_t before = s.z.avail_in;
            rc = inflate(&s.z, Z_NO_FLUSH);
            in_left -= before - s.z.avail_in;
            if (rc == Z_STREAM_END && s.z.avail_out == 1) break;  // only the trailer was left
            if (s.z.avail_out == 0) {
                fail(site, "zlib",
                     "stream decodes to more than the expected " + std::to_string(raw_bytes) + " bytes");
            }
            if (rc != Z_OK && rc != Z_BUF_ERROR) {
                fail(site, "zlib", "damaged stream after the expected " + std::to_string(raw_bytes) + " bytes");
            }
            if (in_left == 0) {
                fail(site, "zlib",
                     "truncated stream: expected its end after the " + std::to_string(raw_bytes) +
                         " bytes, found the input exhausted");
            }
            continue;
        }
        if (in_left == 0 && s.z.avail_in == 0) {
            fail(site, "zlib",
                 "truncated stream: expected " + std::to_string(raw_bytes) + " bytes, found only " +
                     std::to_string(raw_bytes - out_left) + " before the input ended");
        }
    }
    if (out_left != 0) {
        fail(site, "zlib",
             "expected " + std::to_string(raw_bytes) + " bytes, found a stream of " +
                 std::to_string(raw_bytes - out_left) + " bytes");
    }
    if (in_left != 0) {
        fail(site, "zlib",
             "expected the stream to end the chunk, found " + std::to_string(in_left) + " trailing bytes");
    }
}

}  // namespace fitstore::codecs
