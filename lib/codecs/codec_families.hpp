// Shared by the codec .cpp files: where a decode error is reported, and the
// two ways a codec fails. Every codec works on whole chunks, is thread-safe
// and reports damaged input as format_error(path, field, ...).
#pragma once

#include <cstddef>
#include <string>

namespace fitstore::codecs {

/// Where a decode error is reported: the file and the manifest field.
struct error_site {
    const std::string& path;
    const std::string& field;
};

/// Throws format_error at `site` with "<codec>: <message>".
[[noreturn]] void fail(const error_site& site, const char* codec, const std::string& message);
/// Throws usage_error for a chunk too large for a codec's 32-bit size fields.
[[noreturn]] void too_large(const char* codec, std::size_t bytes, std::size_t limit);

}  // namespace fitstore::codecs
