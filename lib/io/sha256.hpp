// SHA-256 through OpenSSL's EVP interface, and lower-case hex of a digest:
// one implementation for the provenance fingerprints and the S3 signer.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <memory>
#include <string>

#include "fitstore/errors.hpp"

namespace fitstore::detail {

/// Lower-case hex of `n` bytes.
inline std::string to_hex(const unsigned char* p, std::size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out(2 * n, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    return out;
}

/// Incremental SHA-256; throws error if OpenSSL fails.
class sha256 {
public:
    sha256() : m_ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
        if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) != 1)
            throw error("", "sha256", "OpenSSL could not start a SHA-256 digest");
    }
    void update(const void* data, std::size_t size) {
        if (size != 0 && EVP_DigestUpdate(m_ctx.get(), data, size) != 1)
            throw error("", "sha256", "OpenSSL SHA-256 update failed");
    }
    void update(const std::string& text) { update(text.data(), text.size()); }
    /// Lower-case hex of the digest; ends the digest.
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        if (EVP_DigestFinal_ex(m_ctx.get(), digest, &length) != 1)
            throw error("", "sha256", "OpenSSL SHA-256 final failed");
        return to_hex(digest, length);
    }

private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> m_ctx;
};

/// Lower-case hex SHA-256 of `size` bytes.
inline std::string sha256_hex(const void* data, std::size_t size) {
    sha256 h;
    h.update(data, size);
    return h.hex();
}

}  // namespace fitstore::detail
