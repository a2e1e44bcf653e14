// A remote store location: an http(s):// URL prefix or s3://bucket/prefix
// (path-style requests to AWS_ENDPOINT_URL, signed with SigV4), mapping the
// store's object keys to request URLs, plus the S3 writes a dump needs
// (PUT, multipart upload).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "fitstore/remote.hpp"
#include "io/http_client.hpp"
#include "io/s3_signer.hpp"

namespace fitstore::detail {

/// http_settings from remote_options (unset fields from the environment).
http_settings http_settings_from(const remote_options& options);

class remote_location {
public:
    remote_location(const std::string& location, const remote_options& options);

    const std::string& location() const noexcept { return m_location; }
    bool is_s3() const noexcept { return m_s3; }
    /// Request URL of object `key` below the location ("" = the location itself).
    std::string url(const std::string& key) const;
    /// location/key, for messages.
    std::string name(const std::string& key) const;
    http_client& client() noexcept { return *m_client; }
    /// Bytes the caller expects to transfer in all, for progress reports.
    void set_expected(std::uint64_t bytes) { m_expected = bytes; }

    /// PUT one object (S3 only; http locations are read-only). Objects larger than
    /// the multipart threshold go up in parts.
    void put(const std::string& key, const void* data, std::size_t size);
    /// DELETE one object (S3), ignoring a missing one.
    void remove(const std::string& key);

    /// An S3 multipart upload, for objects written in pieces (large chunks).
    class multipart {
    public:
        multipart(remote_location& owner, std::string key);
        ~multipart();  ///< aborts the upload if complete() was not reached (never throws)
        /// Uploads one part (parts but the last must be at least 5 MiB).
        void add_part(const void* data, std::size_t size);
        void complete();

    private:
        remote_location& m_owner;
        std::string m_key;
        std::string m_upload_id;
        std::string m_parts_xml;
        int m_next = 1;
        bool m_done = false;
    };

    static constexpr std::size_t multipart_part_bytes = std::size_t(16) << 20;

private:
    std::string m_location;
    bool m_s3 = false;
    std::string m_base;  ///< URL prefix the key is appended to
    std::unique_ptr<http_client> m_client;
    aws_credentials m_credentials;
    std::atomic<std::uint64_t> m_expected{0};
    std::shared_ptr<std::mutex> m_progress_mutex = std::make_shared<std::mutex>();
};

}  // namespace fitstore::detail
