// AWS Signature Version 4 for S3 requests (header form), checked byte for
// byte against the AWS SDK's reference signer (@smithy/signature-v4 with
// applyChecksum and without double path escaping, as the S3 client uses it).
// The request URL must already be percent-encoded (uri_encode), as S3 signs the
// path as sent.
#pragma once

#include <cstddef>
#include <string>

#include "io/http_client.hpp"
#include "io/sha256.hpp"

namespace fitstore::detail {

struct aws_credentials {
    std::string access_key;
    std::string secret_key;
    std::string session_token;  ///< empty without temporary credentials
    std::string region = "us-east-1";

    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION
    /// (or AWS_DEFAULT_REGION). Throws usage_error naming the missing variable.
    static aws_credentials from_environment(const std::string& location);
};

/// "UNSIGNED-PAYLOAD" is accepted for payload_hash too.
constexpr const char* k_unsigned_payload = "UNSIGNED-PAYLOAD";

/// Signs `request` in place for `service` at `amz_date` ("YYYYMMDDTHHMMSSZ"):
/// sets host, x-amz-date, x-amz-content-sha256 (= payload_hash unless the
/// request carries one), x-amz-security-token (when a session token is set)
/// and Authorization; every other header present is signed as well, except
/// those the reference signer never signs (user-agent, expect, ...).
void sigv4_sign(http_request& request, const aws_credentials& credentials, const std::string& amz_date,
                const std::string& payload_hash, const std::string& service = "s3");
/// The current UTC time as "YYYYMMDDTHHMMSSZ".
std::string amz_date_now();

}  // namespace fitstore::detail
