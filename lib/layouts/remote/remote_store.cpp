#include "layouts/remote/remote_store.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <thread>

#include "fitstore/errors.hpp"
#include "io/posix_file.hpp"
#include "io/remote_location.hpp"
#include "io/remote_source.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void refuse_hdf5(const std::string& location) {
    throw usage_error(location, "layout", "HDF5 stores are local-only: download the file first, or convert it to the "
                                          "directory or blob layout for remote use");
}

}  // namespace

remote_reader open_remote_reader(const std::string& location, const remote_options& options) {
    if (ends_with(location, ".h5") || ends_with(location, ".hdf5")) refuse_hdf5(location);
    auto where = std::make_shared<remote_location>(location, options);
    auto source = std::make_shared<remote_source>(where);
    std::vector<std::uint8_t> text;
    bool directory = false;
    try {
        directory = source->read_all("manifest.json", manifest_limits::max_manifest_bytes, text);
    } catch (const io_error& e) {
        // S3 answers 403, not 404, for a missing key when the caller may not list the
        // bucket: then the location may still be a blob, which the next request tells.
        if (!where->is_s3() || e.message().find("HTTP 403 Forbidden (AccessDenied)") == std::string::npos) throw;
    }
    if (directory) {
        remote_reader r{layout::directory, open_source_directory_reader(source, text), source};
        std::uint64_t total = 0;
        for (const auto& [key, rec] : r.reader->get_manifest().arrays) total += rec.stored_bytes;
        where->set_expected(total);
        return r;
    }
    std::uint64_t size = 0;
    try {
        size = source->size("");
    } catch (const format_error&) {
        throw format_error(location, "", "no store at this location: neither " + where->name("manifest.json") +
                                             " (directory layout) nor a blob object exists");
    }
    unsigned char magic[8] = {};
    if (size >= 8) source->read("", 0, magic, 8);
    if (size >= 8 && std::memcmp(magic, "\x89HDF\r\n\x1a\n", 8) == 0) refuse_hdf5(location);
    if (size < 8 || std::memcmp(magic, "FITSBLOB", 8) != 0)
        throw format_error(location, "", "not a fitstore store: expected " + where->name("manifest.json") +
                                             " or a blob starting with \"FITSBLOB\"");
    where->set_expected(size);
    return {layout::blob, open_blob_source_reader(source), source};
}

namespace {

/// Uploads objects on a few threads, at most `limit` in flight (each holds a copy of its bytes).
class upload_queue {
public:
    upload_queue(remote_location& where, unsigned limit) : m_where(where), m_limit(std::max(1u, limit)) {}
    ~upload_queue() {
        for (auto& f : m_pending)
            if (f.valid()) f.wait();
    }
    void put(std::string key, std::vector<std::uint8_t> bytes) {
        while (m_pending.size() >= m_limit) {
            m_pending.front().get();
            m_pending.pop_front();
        }
        auto data = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
        m_pending.push_back(std::async(std::launch::async, [this, key = std::move(key), data] {
            m_where.put(key, data->data(), data->size());
        }));
    }
    void finish() {
        while (!m_pending.empty()) {
            m_pending.front().get();
            m_pending.pop_front();
        }
    }

private:
    remote_location& m_where;
    unsigned m_limit;
    std::deque<std::future<void>> m_pending;
};

/// Directory layout on S3: .zarray and chunk objects as they are made, group
/// metadata after them, manifest.json last, so a reader that finds the new
/// manifest finds every object it names.
class s3_directory_writer final : public layout_writer {
public:
    s3_directory_writer(const std::string& location, const dump_options& options)
        : m_where(location, options.remote), m_uploads(m_where, m_where.client().settings().connections) {}

    void begin_array(const array_record& rec) override {
        const std::string text = zarray_metadata(rec).dump(4);
        m_uploads.put(rec.key + "/.zarray", std::vector<std::uint8_t>(text.begin(), text.end()));
    }

    std::uint64_t write_chunk(array_record& rec, std::size_t index, const void* bytes, std::size_t size) override {
        const auto* p = static_cast<const std::uint8_t*>(bytes);
        m_uploads.put(directory_chunk_key(rec, index), std::vector<std::uint8_t>(p, p + size));
        return size;
    }

    bool writes_chunk_parts() const override { return true; }

    // A large uncompressed chunk arrives in parts: one multipart upload, never the whole chunk in memory.
    void write_chunk_part(array_record& rec, std::size_t index, std::uint64_t offset, std::uint64_t total,
                          const void* bytes, std::size_t size) override {
        const auto* p = static_cast<const std::uint8_t*>(bytes);
        if (offset == 0) {
            m_part.clear();
            m_multipart.reset();
            if (total > remote_location::multipart_part_bytes)
                m_multipart = std::make_unique<remote_location::multipart>(m_where, directory_chunk_key(rec, index));
        }
        m_part.insert(m_part.end(), p, p + size);
        const bool last = offset + size == total;
        if (m_multipart && (m_part.size() >= remote_location::multipart_part_bytes || last)) {
            m_multipart->add_part(m_part.data(), m_part.size());
            m_part.clear();
        }
        if (last) {
            if (m_multipart) {
                m_multipart->complete();
                m_multipart.reset();
            } else {
                m_uploads.put(directory_chunk_key(rec, index), std::move(m_part));
                m_part.clear();
            }
        }
    }

    void commit(const manifest& m) override {
        put_groups(m.root, "");
        m_uploads.finish();
        const std::string text = manifest_to_json(m).dump(1);
        m_where.put("manifest.json", text.data(), text.size());
    }

private:
    void put_groups(const object_record& obj, const std::string& prefix) {
        const std::string zgroup = nlohmann::json{{"zarr_format", 2}}.dump(4);
        nlohmann::json attrs;
        attrs["fitstore_type"] = obj.type;
        attrs["fitstore_version"] = obj.version;
        attrs["fitstore_params"] = obj.params;
        const std::string zattrs = attrs.dump(4);
        m_uploads.put(prefix + ".zgroup", std::vector<std::uint8_t>(zgroup.begin(), zgroup.end()));
        m_uploads.put(prefix + ".zattrs", std::vector<std::uint8_t>(zattrs.begin(), zattrs.end()));
        for (const auto& [name, child] : obj.children) put_groups(child, prefix + name + "/");
    }

    remote_location m_where;
    upload_queue m_uploads;
    std::vector<std::uint8_t> m_part;
    std::unique_ptr<remote_location::multipart> m_multipart;
};

/// Blob layout on S3: built in a local temporary file (its header is written
/// last, at the front), then uploaded as one object (multipart when large).
class s3_blob_writer final : public layout_writer {
public:
    s3_blob_writer(const std::string& location, const dump_options& options) : m_where(location, options.remote) {
        const char* tmp = std::getenv("TMPDIR");
        m_temp = std::string(tmp && *tmp ? tmp : "/tmp") + "/fitstore-upload-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".blob";
        m_inner = make_blob_file_writer(m_temp, writer_settings{false});  // a scratch file: no fsync
    }
    ~s3_blob_writer() override { ::unlink(m_temp.c_str()); }

    void begin(const manifest& skeleton) override { m_inner->begin(skeleton); }
    void begin_array(const array_record& rec) override { m_inner->begin_array(rec); }
    std::uint64_t write_chunk(array_record& rec, std::size_t index, const void* bytes, std::size_t size) override {
        return m_inner->write_chunk(rec, index, bytes, size);
    }
    bool writes_chunk_parts() const override { return m_inner->writes_chunk_parts(); }
    void write_chunk_part(array_record& rec, std::size_t index, std::uint64_t offset, std::uint64_t total,
                          const void* bytes, std::size_t size) override {
        m_inner->write_chunk_part(rec, index, offset, total, bytes, size);
    }
    void end_array(array_record& rec) override { m_inner->end_array(rec); }

    void commit(const manifest& m) override {
        m_inner->commit(m);
        std::uint64_t size = 0;
        unique_fd fd = open_regular_readonly(m_temp, size);
        const std::size_t part = remote_location::multipart_part_bytes;
        if (size <= part) {
            std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
            pread_exact(fd.get(), bytes.data(), bytes.size(), 0, m_temp);
            m_where.put("", bytes.data(), bytes.size());
            return;
        }
        remote_location::multipart upload(m_where, "");
        std::vector<std::uint8_t> bytes(part);
        for (std::uint64_t at = 0; at < size; at += part) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(part, size - at));
            pread_exact(fd.get(), bytes.data(), n, at, m_temp);
            upload.add_part(bytes.data(), n);
        }
        upload.complete();
    }

private:
    remote_location m_where;
    std::string m_temp;
    std::unique_ptr<layout_writer> m_inner;
};

}  // namespace

std::unique_ptr<layout_writer> make_remote_writer(const std::string& location, const dump_options& options) {
    if (location.rfind("s3://", 0) != 0)
        throw usage_error(location, "", "dumps go to s3:// locations only (http(s) locations are read-only)");
    const layout l = options.layout.value_or(layout::directory);
    if (l == layout::directory) return std::make_unique<s3_directory_writer>(location, options);
    if (l == layout::blob) return std::make_unique<s3_blob_writer>(location, options);
    if (l == layout::hdf5) refuse_hdf5(location);
    throw usage_error(location, "layout", "layout " + std::string(l.name()) +
                                              " is local-only: remote stores use the directory or blob layout");
}

}  // namespace fitstore::detail
