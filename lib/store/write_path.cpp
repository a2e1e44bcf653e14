// The engine's write path: turns a stored_object into manifest records and
// chunks (encoded on a worker pool, checksummed) for a layout back end. Back
// ends move bytes; every decision about chunking, codecs and checksums is made
// here.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "codecs/chunk_encoding.hpp"
#include "codecs/codec_choice.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/store.hpp"
#include "io/http_client.hpp"
#include "io/pipelined_hash.hpp"
#include "io/xxh3.hpp"
#include "layouts/remote/remote_store.hpp"
#include "store/engine.hpp"
#include "store/layout_registry.hpp"
#include "store/manifest_internal.hpp"

namespace fitstore {
namespace {

using detail::layout_writer;
using detail::thread_pool;

shape_t choose_chunk_shape(const shape_t& shape, dtype type, const codec_spec& codec, std::size_t chunk_bytes) {
    if (shape.empty()) return {};
    shape_t chunks = shape;
    for (auto& d : chunks) d = std::max<std::size_t>(d, 1);
    // An uncompressed array is one chunk so that it can be memory-mapped.
    if (codec.id == codec_id::none) return chunks;
    const std::size_t row = std::max<std::size_t>(byte_count(shape_t(chunks.begin() + 1, chunks.end()), type), 1);
    const std::size_t rows = std::max<std::size_t>(chunk_bytes / row, 1);
    chunks[0] = std::min(rows, chunks[0]);
    return chunks;
}

std::string join_key(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "/" + name;
}

/// The codec an array is stored with. `auto` is measured on the array
/// (FORMAT.md 4.2); alp applies to float arrays, and the other arrays of a
/// dump asking for alp are chosen as by auto (zstd:1 or none). Asking for alp
/// on one non-float array by name is a usage_error. auto leaves alp out for
/// layouts that cannot store it (hdf5: no HDF5 reader has a filter for it).
codec_spec resolve_codec(const codec_spec& requested, bool named, const std::string& key, const any_array& array,
                         layout l) {
    const bool is_float = array.type() == dtype::float32 || array.type() == dtype::float64;
    if (is_float_codec(requested.id) && !is_float) {
        if (named)
            throw usage_error("", "array_codecs." + key,
                              std::string(codec_name(requested.id)) +
                                  " encodes float32 and float64 arrays only, this array is " +
                                  std::string(dtype_name(array.type())));
        return codecs::choose_codec(false, false, itemsize(array.type()), array.data(), array.nbytes());
    }
    if (requested.id == codec_id::automatic)
        return codecs::choose_codec(is_float, detail::layout_backend_for(l).stores_alp, itemsize(array.type()),
                                    array.data(), array.nbytes());
    return requested;
}

struct array_job {
    array_record* record;
    const any_array* data;
};

array_record make_record(const std::string& prefix, const std::string& name, const any_array& array,
                         const dump_options& options) {
    detail::check_member_name(name, "array");
    if (array.rank() > manifest_limits::max_rank)
        throw usage_error("", name, "rank " + std::to_string(array.rank()) + " exceeds the limit of 32");
    array_record rec;
    rec.key = join_key(prefix, name);
    rec.type = array.type();
    rec.shape = array.shape();
    auto override_codec = options.array_codecs.find(rec.key);
    const bool named = override_codec != options.array_codecs.end();
    validate_codec(named ? override_codec->second : options.codec);
    rec.codec = resolve_codec(named ? override_codec->second : options.codec, named, rec.key, array,
                              options.layout.value_or(layout::directory));
    rec.chunk_shape = choose_chunk_shape(rec.shape, rec.type, rec.codec, options.chunk_bytes);
    rec.raw_bytes = array.nbytes();
    rec.chunks.resize(detail::chunk_count(rec));
    if (rec.raw_bytes != 0 && array.data() == nullptr) throw usage_error("", rec.key, "array has a shape but no data");
    return rec;
}

void build_records(const stored_object& obj, const std::string& prefix, object_record& out, manifest& m,
                   std::vector<array_job>& jobs, const dump_options& options, std::size_t depth) {
    if (depth > manifest_limits::max_depth)
        throw usage_error("", prefix, "objects nested deeper than " + std::to_string(manifest_limits::max_depth));
    if (!is_valid_name(obj.type))
        throw usage_error("", prefix.empty() ? "root.type" : prefix + ".type",
                          "type names must be 1-255 bytes of [A-Za-z0-9_.-], found \"" + obj.type + "\"");
    out.type = obj.type;
    out.version = obj.version;
    out.params = obj.params;
    out.extra = obj.extra;
    for (const auto& [name, array] : obj.arrays) {
        array_record rec = make_record(prefix, name, array, options);
        auto [it, inserted] = m.arrays.emplace(rec.key, std::move(rec));
        if (!inserted) throw usage_error("", it->first, "two arrays share this path");
        out.arrays.emplace_back(name, it->first);
        jobs.push_back({&it->second, &array});
    }
    for (const auto& [name, child] : obj.children) {
        detail::check_member_name(name, "child");
        object_record rec;
        build_records(child, join_key(prefix, name), rec, m, jobs, options, depth + 1);
        out.children.emplace_back(name, std::move(rec));
    }
}

/// Uncompressed chunks go straight from the caller's memory; hashing overlaps
/// the write (XXH3's streaming digest equals the one-shot one). Returns the stored bytes.
std::uint64_t write_raw_chunks(layout_writer& writer, array_record& rec, const std::uint8_t* base, thread_pool& pool) {
    constexpr std::size_t segment = detail::pipelined_hash::segment_bytes;
    std::uint64_t stored_total = 0;
    for (std::size_t i = 0; i < rec.chunks.size(); ++i) {
        const detail::chunk_span span = detail::axis0_chunk_span(rec, i);
        std::uint64_t stored = span.length;
        detail::pipelined_hash hash(pool);
        if (span.length >= 2 * segment && writer.writes_chunk_parts()) {
            // Segment by segment: the worker hashes the bytes the write is
            // reading, so memory is read once instead of twice.
            for (std::size_t part = 0; part < span.length; part += segment) {
                const std::size_t size = std::min(segment, span.length - part);
                hash.add(base + span.offset + part, size);
                writer.write_chunk_part(rec, i, part, span.length, base + span.offset + part, size);
            }
        } else {
            hash.add(base + span.offset, span.length);
            stored = writer.write_chunk(rec, i, base + span.offset, span.length);
        }
        rec.chunks[i].xxh3 = hash.digest();
        rec.chunks[i].stored_bytes = stored;
        stored_total += stored;
    }
    return stored_total;
}

struct encoded_chunk {
    std::vector<std::uint8_t> bytes;
    std::uint64_t hash = 0;
};

encoded_chunk encode_one(const array_record& rec, const codecs::chunk_encoding& encoding, const std::uint8_t* base,
                         std::size_t i) {
    const detail::chunk_span span = detail::axis0_chunk_span(rec, i);
    const std::size_t chunk_raw = rec.chunk_raw_bytes();
    encoded_chunk out;
    out.hash = xxh3_64(base + span.offset, span.length);
    if (span.length == chunk_raw) {
        codecs::encode_chunk(encoding, rec.item_size(), base + span.offset, span.length, out.bytes);
    } else {
        // zarr and HDF5 both store edge chunks padded to the full chunk shape.
        std::vector<std::uint8_t> padded(chunk_raw, 0);
        if (span.length) std::memcpy(padded.data(), base + span.offset, span.length);
        codecs::encode_chunk(encoding, rec.item_size(), padded.data(), chunk_raw, out.bytes);
    }
    return out;
}

/// Chunks encoded on the pool, handed to the back end in order from this thread.
/// Returns the stored bytes.
std::uint64_t write_encoded_chunks(layout_writer& writer, array_record& rec, const codecs::chunk_encoding& encoding,
                                   const std::uint8_t* base, thread_pool& pool) {
    const std::size_t n = rec.chunks.size();
    std::uint64_t stored_total = 0;
    detail::task_window<encoded_chunk> window(pool);
    std::size_t next = 0;
    for (std::size_t i = 0; i < n; ++i) {
        while (next < n && !window.full()) {
            const std::size_t index = next++;
            window.push(pool.submit([&rec, &encoding, base, index] { return encode_one(rec, encoding, base, index); }));
        }
        const encoded_chunk chunk = window.pop();
        const std::uint64_t stored = writer.write_chunk(rec, i, chunk.bytes.data(), chunk.bytes.size());
        rec.chunks[i].stored_bytes = stored;
        rec.chunks[i].xxh3 = chunk.hash;
        stored_total += stored;
    }
    return stored_total;
}

void write_array(layout_writer& writer, array_record& rec, const any_array& array, thread_pool& pool) {
    writer.begin_array(rec);
    const auto* base = static_cast<const std::uint8_t*>(array.data());
    // The back end names how it stores the chunks; encoding them is the engine's job.
    const codecs::chunk_encoding encoding = writer.chunk_encoding(rec);
    rec.stored_bytes = encoding.codec.id == codec_id::none ? write_raw_chunks(writer, rec, base, pool)
                                                           : write_encoded_chunks(writer, rec, encoding, base, pool);
    writer.end_array(rec);
}

manifest write_all(const stored_object& root, layout_writer& writer, const dump_options& options, layout l) {
    validate_codec(options.codec);
    if (options.chunk_bytes == 0) throw usage_error("", "chunk_bytes", "chunk size must be at least 1 byte");
    if (!options.provenance.is_object()) throw usage_error("", "provenance", "provenance must be a JSON object");
    manifest m;
    m.layout = std::string(layout_name(l));
    m.provenance = options.provenance;
    if (options.extra.is_object())
        for (const auto& item : options.extra.items())
            if (!detail::is_manifest_key(item.key())) m.extra[item.key()] = item.value();
    std::vector<array_job> jobs;
    build_records(root, "", m.root, m, jobs, options, 0);
    writer.begin(m);
    thread_pool pool(options.threads);
    for (auto& job : jobs) write_array(writer, *job.record, *job.data, pool);
    writer.commit(m);
    return m;
}

/// Refuses to replace anything that is not a fitstore store: nothing already on disk is lost by accident.
void check_replaceable(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    if (S_ISLNK(st.st_mode))
        throw usage_error(path, "", "refusing to replace a symbolic link; remove it or write elsewhere");
    try {
        (void)detect_layout(path);
    } catch (const error&) {
        throw usage_error(path, "", "refusing to replace: the existing file or folder is not a fitstore store");
    }
}

}  // namespace

void write_store(const stored_object& root, const std::string& path, const dump_options& options) {
    dump_options resolved = options;
    resolved.layout = effective_layout(options, path);
    if (detail::is_remote_location(path)) {
        auto writer = detail::make_remote_writer(path, resolved);
        write_all(root, *writer, resolved, *resolved.layout);
        return;
    }
    check_replaceable(path);
    const detail::layout_backend& backend = detail::layout_backend_for(*resolved.layout);
    auto writer = backend.make_writer(path, detail::writer_settings{resolved.durable});
    write_all(root, *writer, resolved, *resolved.layout);
}

std::vector<std::uint8_t> write_blob_bytes(const stored_object& root, const dump_options& options) {
    std::vector<std::uint8_t> out;
    dump_options blob = options;
    blob.layout = layout::blob;
    auto writer = detail::make_blob_memory_writer(out, detail::writer_settings{blob.durable});
    write_all(root, *writer, blob, layout::blob);
    return out;
}

}  // namespace fitstore
