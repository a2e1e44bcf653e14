// Layout "blob": the single-blob baseline, safetensors-like.
//
//   bytes 0..7    magic "FITSBLOB"
//   bytes 8..15   u64 little-endian header length H
//   bytes 16..    H bytes of JSON manifest, padded with spaces so 16 + H is a multiple of 64
//   then          the chunks, each at the offset its manifest entry names; an offset is the
//                 end of the previous chunk rounded up to 64 (to 4096 for chunks of 1 MiB or
//                 more, so large arrays are page-aligned and mappable); no gaps, overlaps or
//                 trailing bytes are allowed.
//
// The header is written last, into space reserved from an upper bound of its size.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "io/atomic_target.hpp"
#include "io/huge_pages.hpp"
#include "io/local_source.hpp"
#include "io/mapping.hpp"
#include "io/posix_file.hpp"
#include "layouts/layout.hpp"
#include "store/layout_registry.hpp"

namespace fitstore::detail {
namespace {

using nlohmann::json;

constexpr char k_magic[8] = {'F', 'I', 'T', 'S', 'B', 'L', 'O', 'B'};
constexpr std::uint64_t k_prefix_bytes = 16;

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

/// Alignment of a chunk of `stored` bytes: page-aligned when big enough to be worth mapping.
std::uint64_t chunk_alignment(std::uint64_t stored) { return stored >= (std::uint64_t(1) << 20) ? 4096 : 64; }

void put_u64(std::uint8_t* p, std::uint64_t v) {
    for (int k = 0; k < 8; ++k) p[k] = static_cast<std::uint8_t>(v >> (8 * k));
}
std::uint64_t get_u64(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= static_cast<std::uint64_t>(p[k]) << (8 * k);
    return v;
}

/// Where chunks go and what the header looks like; shared by file and memory blobs.
class blob_writer_base : public chunk_part_writer {
public:
    void begin(const manifest& skeleton) override {
        // Reserve room for the largest header this manifest can grow into: every
        // number at its widest, every chunk at its codec's bound.
        manifest widest = skeleton;
        for (auto& [key, rec] : widest.arrays) {
            const std::uint64_t bound = encode_bound(rec.codec, rec.chunk_raw_bytes());
            for (auto& c : rec.chunks) {
                c.stored_bytes = bound;
                c.offset = std::uint64_t(9999999999999999999ull);
                c.xxh3 = 0;
            }
            rec.stored_bytes = std::uint64_t(9999999999999999999ull);
        }
        const std::uint64_t header = manifest_to_json(widest).dump().size();
        m_data_start = align_up(k_prefix_bytes + header, 64);
        m_cursor = m_data_start;
        std::uint64_t bound = m_data_start;
        for (const auto& [key, rec] : widest.arrays)
            for (const auto& c : rec.chunks) bound = align_up(bound, chunk_alignment(c.stored_bytes)) + c.stored_bytes;
        plan(bound);
    }

    void begin_array(const array_record&) override {}

    void write_chunk_part(array_record& rec, std::size_t index, std::uint64_t offset, std::uint64_t total,
                          const void* bytes, std::size_t size) override {
        if (offset == 0) rec.chunks[index].offset = align_up(m_cursor, chunk_alignment(total));
        const std::uint64_t start = rec.chunks[index].offset;
        put(start + offset, bytes, size);
        if (offset + size == total) m_cursor = start + total;
    }

    void commit(const manifest& m) override {
        std::string header = manifest_to_json(m).dump();
        const std::uint64_t room = m_data_start - k_prefix_bytes;
        if (header.size() > room)
            throw error("", "manifest", "internal error: blob header outgrew its reserved space");
        header.append(static_cast<std::size_t>(room - header.size()), ' ');
        std::vector<std::uint8_t> prefix(k_prefix_bytes + header.size());
        std::memcpy(prefix.data(), k_magic, 8);
        put_u64(prefix.data() + 8, room);
        std::memcpy(prefix.data() + k_prefix_bytes, header.data(), header.size());
        put(0, prefix.data(), prefix.size());
        finish(m_cursor);
    }

protected:
    /// The blob will be at most `bound` bytes long.
    virtual void plan(std::uint64_t bound) { (void)bound; }
    /// Writes `size` bytes at `offset` (gaps between chunks read back as zeros).
    virtual void put(std::uint64_t offset, const void* bytes, std::size_t size) = 0;
    /// The blob is complete and `total` bytes long.
    virtual void finish(std::uint64_t total) = 0;

private:
    std::uint64_t m_data_start = 0;
    std::uint64_t m_cursor = 0;
};

class blob_file_writer final : public blob_writer_base {
public:
    blob_file_writer(const std::string& path, const writer_settings& settings)
        : m_target(path, atomic_target::kind::file, settings.durable) {
        m_fd = unique_fd(::open(m_target.temp_path().c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!m_fd) throw_errno(m_target.temp_path(), "cannot open temporary file");
    }

protected:
    void put(std::uint64_t offset, const void* bytes, std::size_t size) override {
        pwrite_all(m_fd.get(), bytes, size, offset, m_target.temp_path());
    }
    void finish(std::uint64_t total) override {
        if (::ftruncate(m_fd.get(), static_cast<off_t>(total)) != 0) throw_errno(m_target.temp_path(), "ftruncate failed");
        if (m_target.durable()) fsync_fd(m_fd.get(), m_target.temp_path());
        m_fd.reset();
        m_target.commit();
    }

private:
    atomic_target m_target;
    unique_fd m_fd;
};

class blob_memory_writer final : public blob_writer_base {
public:
    explicit blob_memory_writer(std::vector<std::uint8_t>& out) : m_out(out) { m_out.clear(); }

protected:
    // One allocation of the upper bound: growing chunk by chunk would reallocate
    // and copy the blob (a model-sized copy and twice the model in peak memory).
    // Untouched capacity costs address space only, never resident memory.
    void plan(std::uint64_t bound) override {
        if (bound > m_out.max_size()) throw std::bad_alloc();
        m_out.reserve(static_cast<std::size_t>(bound));
        advise_huge_pages(m_out.data(), m_out.capacity());
    }
    // Chunks arrive at increasing offsets past the end and are appended (one
    // copy; resize() would zero-fill them first); the header overwrites the
    // reserved front at commit.
    void put(std::uint64_t offset, const void* bytes, std::size_t size) override {
        const auto* p = static_cast<const std::uint8_t*>(bytes);
        if (offset > m_out.size()) m_out.resize(static_cast<std::size_t>(offset), 0);  // alignment gap
        const std::size_t overlap = std::min<std::size_t>(size, m_out.size() - static_cast<std::size_t>(offset));
        if (overlap) std::memcpy(m_out.data() + offset, p, overlap);
        m_out.insert(m_out.end(), p + overlap, p + size);
    }
    // The unused tail of a compressed blob's reservation is kept: shrinking would
    // copy the blob; untouched capacity is never resident.
    void finish(std::uint64_t total) override { m_out.resize(static_cast<std::size_t>(total), 0); }

private:
    std::vector<std::uint8_t>& m_out;
};

/// Reads a blob through a byte_source: a local file (pread, and mmap for mapped
/// loads), a buffer in memory, or a remote object (HTTP range requests).
class blob_reader final : public layout_reader {
public:
    /// `fd` (may be empty) is the local file behind `source`, used for mapping.
    blob_reader(std::shared_ptr<byte_source> source, unique_fd fd, bool in_memory)
        : m_path(source->name()), m_source(std::move(source)), m_fd(std::move(fd)), m_in_memory(in_memory) {
        m_size = m_source->size();
        parse();
    }

    const manifest& get_manifest() const override { return m_manifest; }
    const json& manifest_json() const override { return m_json; }
    const std::string& path() const override { return m_path; }
    std::string opening_checks() const override { return "chunk offsets tile the blob"; }
    bool concurrent_reads() const override { return m_source->concurrent_reads(); }

    void will_read(const array_record& rec) override {
        if (rec.chunks.size() < 2) return;
        std::vector<byte_range> ranges;
        for (const auto& c : rec.chunks) ranges.push_back({"", c.offset, c.stored_bytes});
        m_source->prefetch(std::move(ranges));
    }

    void read_chunk(const array_record& rec, std::size_t index, std::vector<std::uint8_t>& out) override {
        m_source->read("", rec.chunks[index].offset, static_cast<std::size_t>(rec.chunks[index].stored_bytes), out);
    }

    void read_chunk_into(const array_record& rec, std::size_t index, void* dst, std::size_t bytes) override {
        if (bytes != rec.chunks[index].stored_bytes)
            throw format_error(m_path, "arrays." + rec.key, "chunk size differs from the manifest");
        read_at(rec.chunks[index].offset, dst, bytes);
    }

    bool read_chunk_part(const array_record& rec, std::size_t index, std::uint64_t offset, void* dst,
                         std::size_t bytes) override {
        if (!m_fd) return false;  // remote: whole chunks, split over connections by the source
        const std::uint64_t stored = rec.chunks[index].stored_bytes;
        if (offset > stored || bytes > stored - offset)
            throw format_error(m_path, "arrays." + rec.key, "read past the end of the chunk");
        read_at(rec.chunks[index].offset + offset, dst, bytes);
        return true;
    }

    mapped_array map_array(const array_record& rec, mmap_mode mode, std::string& reason) override {
        if (m_in_memory) {
            reason = "blob in memory: copied";
            return {};
        }
        if (!m_fd) {
            reason = "remote blob: copied (mapping goes through the local cache)";
            return {};
        }
        if (mode == mmap_mode::r_plus) {
            // Writes through need a read-write descriptor of the same file.
            std::uint64_t size = 0;
            unique_fd rw = open_regular_readonly(m_path, size, true);
            if (size != m_size) throw format_error(m_path, "", "file changed size while loading");
            return map_file_range(rw.get(), rec.chunks[0].offset, static_cast<std::size_t>(rec.raw_bytes), mode, m_path);
        }
        return map_file_range(m_fd.get(), rec.chunks[0].offset, static_cast<std::size_t>(rec.raw_bytes), mode, m_path);
    }

private:
    void read_at(std::uint64_t offset, void* dst, std::size_t bytes) { m_source->read("", offset, dst, bytes); }

    void parse() {
        if (m_size < k_prefix_bytes)
            throw format_error(m_path, "header", "file of " + std::to_string(m_size) +
                                                     " bytes is too short for a blob (16-byte prefix)");
        std::uint8_t prefix[k_prefix_bytes];
        read_at(0, prefix, sizeof prefix);
        if (std::memcmp(prefix, k_magic, 8) != 0) throw format_error(m_path, "magic", "expected \"FITSBLOB\"");
        const std::uint64_t length = get_u64(prefix + 8);
        if (length > manifest_limits::max_manifest_bytes)
            throw format_error(m_path, "header length", "header length " + std::to_string(length) +
                                                            " exceeds the limit of 64 MiB");
        if (length > m_size - k_prefix_bytes)
            throw format_error(m_path, "header length", "header length " + std::to_string(length) +
                                                            " is larger than the file (" + std::to_string(m_size) +
                                                            " bytes)");
        if ((k_prefix_bytes + length) % 64 != 0)
            throw format_error(m_path, "header length", "expected 16 + header length to be a multiple of 64, found " +
                                                            std::to_string(length));
        std::string text(static_cast<std::size_t>(length), '\0');
        read_at(k_prefix_bytes, text.data(), text.size());
        m_manifest = read_manifest_for(text, "blob", m_path, m_json);
        check_tiling(k_prefix_bytes + length);
    }

    /// Chunks must tile the data section exactly: each at its aligned place, none
    /// overlapping, nothing after the last. Checked before anything is allocated.
    void check_tiling(std::uint64_t data_start) {
        struct placed {
            std::uint64_t offset, size;
            std::string field;
        };
        std::vector<placed> chunks;
        for (const auto& [key, rec] : m_manifest.arrays)
            for (std::size_t i = 0; i < rec.chunks.size(); ++i)
                chunks.push_back({rec.chunks[i].offset, rec.chunks[i].stored_bytes,
                                  "arrays." + key + ".chunks[" + std::to_string(i) + "].offset"});
        std::sort(chunks.begin(), chunks.end(), [](const placed& a, const placed& b) { return a.offset < b.offset; });
        std::uint64_t cursor = data_start;
        for (const auto& c : chunks) {
            const std::uint64_t expected = align_up(cursor, chunk_alignment(c.size));
            if (c.offset != expected)
                throw format_error(m_path, c.field, "expected offset " + std::to_string(expected) + ", found " +
                                                        std::to_string(c.offset) + " (chunks must tile the blob)");
            if (c.size > m_size || c.offset > m_size - c.size)
                throw format_error(m_path, c.field, "chunk of " + std::to_string(c.size) + " bytes at offset " +
                                                        std::to_string(c.offset) + " ends past the end of the blob (" +
                                                        std::to_string(m_size) + " bytes)");
            cursor = c.offset + c.size;
        }
        if (cursor != m_size)
            throw format_error(m_path, "", "expected the blob to end at byte " + std::to_string(cursor) + ", found " +
                                               std::to_string(m_size) + " bytes (truncated or trailing data)");
    }

    std::string m_path;
    std::shared_ptr<byte_source> m_source;
    unique_fd m_fd;
    bool m_in_memory = false;
    std::uint64_t m_size = 0;
    manifest m_manifest;
    json m_json;
};

}  // namespace

std::unique_ptr<layout_writer> make_blob_file_writer(const std::string& path, const writer_settings& settings) {
    return std::make_unique<blob_file_writer>(path, settings);
}

std::unique_ptr<layout_writer> make_blob_memory_writer(std::vector<std::uint8_t>& out, const writer_settings&) {
    return std::make_unique<blob_memory_writer>(out);
}

std::unique_ptr<layout_reader> open_blob_file_reader(const std::string& path) {
    std::uint64_t size = 0;
    unique_fd fd = open_regular_readonly(path, size);
    auto source = std::make_shared<file_source>(path, fd.get(), size);
    return std::make_unique<blob_reader>(std::move(source), std::move(fd), false);
}

std::unique_ptr<layout_reader> open_blob_memory_reader(const void* data, std::size_t size, const std::string& name) {
    return std::make_unique<blob_reader>(std::make_shared<memory_source>(name, data, size), unique_fd(), true);
}

std::unique_ptr<layout_reader> open_blob_source_reader(std::shared_ptr<byte_source> source) {
    return std::make_unique<blob_reader>(std::move(source), unique_fd(), false);
}

void rewrite_blob_manifest(const std::string& path, const manifest& m, bool durable) {
    std::uint64_t size = 0;
    unique_fd fd = open_regular_readonly(path, size, true);
    if (size < k_prefix_bytes) throw format_error(path, "header", "file too short for a blob");
    std::uint8_t prefix[k_prefix_bytes];
    pread_exact(fd.get(), prefix, sizeof prefix, 0, path);
    if (std::memcmp(prefix, k_magic, 8) != 0) throw format_error(path, "magic", "expected \"FITSBLOB\"");
    const std::uint64_t room = get_u64(prefix + 8);
    std::string header = manifest_to_json(m).dump();
    if (room > size - k_prefix_bytes || header.size() > room)
        throw format_error(path, "header", "the new manifest (" + std::to_string(header.size()) +
                                               " bytes) does not fit the blob's header (" + std::to_string(room) +
                                               " bytes)");
    header.append(static_cast<std::size_t>(room - header.size()), ' ');
    // Data first, then the header that describes it: a crash in between
    // leaves old checksums over new data, which verify reports as a mismatch.
    if (durable) fsync_fd(fd.get(), path);
    pwrite_all(fd.get(), header.data(), header.size(), k_prefix_bytes, path);
    if (durable) fsync_fd(fd.get(), path);
}

layout_backend blob_layout_backend() {
    layout_backend b;
    b.name = "blob";
    b.extensions = {"fitstore"};
    b.summary = "one buffer: header + raw arrays";
    b.sniff = [](const path_probe& p) {
        char magic[8];
        return p.read(0, magic, 8) && std::memcmp(magic, k_magic, 8) == 0 ? sniff_result::certain : sniff_result::no;
    };
    b.make_writer = make_blob_file_writer;
    b.open_reader = open_blob_file_reader;
    b.rewrite_manifest = rewrite_blob_manifest;
    b.records_chunk_offsets = true;
    return b;
}

}  // namespace fitstore::detail
