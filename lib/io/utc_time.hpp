// The current UTC time as text: one implementation for provenance's
// created_utc and the S3 signer's x-amz-date.
#pragma once

#include <ctime>
#include <string>

namespace fitstore::detail {

/// The current UTC time formatted by strftime's `format` (results under 32 characters).
inline std::string utc_now(const char* format) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, format, &utc);
    return text;
}

}  // namespace fitstore::detail
