// The engine's read path: reads, decodes and verifies the chunks a layout
// back end hands over (decoding on a worker pool), or maps uncompressed arrays
// in place, and rebuilds the stored_object tree.
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "codecs/chunk_encoding.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/store.hpp"
#include "io/http_client.hpp"
#include "io/pipelined_hash.hpp"
#include "io/xxh3.hpp"
#include "layouts/remote/remote_store.hpp"
#include "store/engine.hpp"
#include "store/manifest_internal.hpp"

namespace fitstore {
namespace {

using detail::layout_reader;
using detail::thread_pool;

struct read_context {
    layout_reader& reader;
    const load_options& options;
    /// Created on first use, so an mmap load of uncompressed arrays starts no threads.
    std::unique_ptr<thread_pool> lazy_pool;

    thread_pool& pool() {
        if (!lazy_pool) lazy_pool = std::make_unique<thread_pool>(options.threads);
        return *lazy_pool;
    }
};

void check_digest(const array_record& rec, std::size_t i, std::uint64_t actual, const std::string& path) {
    if (rec.chunks[i].xxh3 && actual != *rec.chunks[i].xxh3)
        throw checksum_error(path, detail::chunk_field(rec, i) + ".xxh3",
                             "checksum mismatch: expected " + detail::hex64(*rec.chunks[i].xxh3) + ", found " +
                                 detail::hex64(actual) + " (the data is damaged)");
}

void check_hash(const array_record& rec, std::size_t i, const void* data, std::size_t length, const std::string& path) {
    if (rec.chunks[i].xxh3) check_digest(rec, i, xxh3_64(data, length), path);
}

/// Reads a large uncompressed chunk in segments and hashes each one on a worker
/// while the next is read, so a copying load costs about the read alone.
/// Returns false, having read nothing, when the chunk is small, unhashed or the
/// back end reads whole chunks only.
bool read_hashing_in_segments(read_context& ctx, const array_record& rec, std::size_t i, std::uint8_t* out,
                              std::size_t length) {
    constexpr std::size_t segment = detail::pipelined_hash::segment_bytes;
    if (length < 2 * segment || !rec.chunks[i].xxh3) return false;
    detail::pipelined_hash hash(ctx.pool());
    for (std::size_t offset = 0; offset < length; offset += segment) {
        const std::size_t n = std::min(segment, length - offset);
        if (!ctx.reader.read_chunk_part(rec, i, offset, out + offset, n)) {
            if (offset == 0) return false;
            throw error(ctx.reader.path(), detail::chunk_field(rec, i),
                        "internal error: a partial chunk read failed midway");
        }
        hash.add(out + offset, n);
    }
    check_digest(rec, i, hash.digest(), ctx.reader.path());
    return true;
}

void check_bools(const array_record& rec, const void* data, std::size_t length, const std::string& path) {
    if (rec.type != dtype::bool_) return;
    const auto* p = static_cast<const std::uint8_t*>(data);
    for (std::size_t k = 0; k < length; ++k)
        if (p[k] > 1)
            throw format_error(path, "arrays." + rec.key, "bool array holds byte value " + std::to_string(p[k]) +
                                                              " at element " + std::to_string(k) + "; expected 0 or 1");
}

/// Copies a chunk's block (C order within the chunk) into its place in the array (N-d, any chunking).
void scatter_block(const std::uint8_t* chunk, const array_record& rec, const shape_t& index, std::uint8_t* dst,
                   std::vector<std::uint8_t>* gathered) {
    const std::size_t rank = rec.shape.size();
    const std::size_t item = rec.item_size();
    if (rank == 0) return;  // a 0-d array is one chunk, handled as a contiguous run
    shape_t start(rank), extent(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        start[k] = index[k] * rec.chunk_shape[k];
        extent[k] = std::min(rec.chunk_shape[k], rec.shape[k] - start[k]);
    }
    // Strides in elements, for the array and for the chunk.
    shape_t array_stride(rank, 1), chunk_stride(rank, 1);
    for (std::size_t k = rank; k-- > 1;) {
        array_stride[k - 1] = array_stride[k] * rec.shape[k];
        chunk_stride[k - 1] = chunk_stride[k] * rec.chunk_shape[k];
    }
    const std::size_t run = extent[rank - 1] * item;
    shape_t counter(rank, 0);
    for (;;) {
        std::size_t src_off = 0, dst_off = 0;
        for (std::size_t k = 0; k < rank; ++k) {
            src_off += counter[k] * chunk_stride[k];
            dst_off += (start[k] + counter[k]) * array_stride[k];
        }
        std::memcpy(dst + dst_off * item, chunk + src_off * item, run);
        if (gathered) gathered->insert(gathered->end(), chunk + src_off * item, chunk + src_off * item + run);
        // Odometer over every axis but the last (the last is one memcpy run).
        bool done = true;
        for (std::size_t k = rank - 1; k-- > 0;) {
            if (++counter[k] < extent[k]) {
                done = false;
                break;
            }
            counter[k] = 0;
        }
        if (done) break;
    }
}

/// A chunk read on the reading thread (HDF5's), to be decoded on a worker.
struct fetched_chunk {
    codecs::chunk_encoding encoding;
    std::vector<std::uint8_t> bytes;
};

/// Reads, decodes and verifies chunk `i` into `dst` (the whole array's buffer).
/// `fetched` holds the chunk when the caller already read it.
/// `on_caller_thread`: not running on the pool, so it may hand work to the pool and wait.
void finish_chunk(read_context& ctx, const array_record& rec, std::size_t i, std::uint8_t* dst,
                  fetched_chunk* fetched, bool on_caller_thread = false) {
    const std::string& path = ctx.reader.path();
    const std::size_t chunk_raw = rec.chunk_raw_bytes();
    const std::size_t item = rec.item_size();
    if (!rec.chunks[i].present) return;  // missing zarr chunk: the zero fill stays
    const codecs::chunk_encoding encoding = fetched ? fetched->encoding : ctx.reader.chunk_encoding(rec, i);
    std::vector<std::uint8_t> local;
    // The chunk's stored bytes, decoded into `out` (chunk_raw bytes).
    auto decode_into = [&](std::uint8_t* out) {
        if (!fetched) ctx.reader.read_chunk(rec, i, local);
        const std::vector<std::uint8_t>& bytes = fetched ? fetched->bytes : local;
        codecs::decode_chunk(encoding, item, bytes.data(), bytes.size(), out, chunk_raw, path,
                             detail::chunk_field(rec, i));
    };
    if (detail::chunks_along_axis0(rec)) {
        const detail::chunk_span span = detail::axis0_chunk_span(rec, i);
        const std::size_t length = span.length;
        std::uint8_t* out = dst + span.offset;
        bool hashed = false;
        if (length == chunk_raw) {
            if (encoding.codec.id == codec_id::none && !fetched) {
                hashed = on_caller_thread && read_hashing_in_segments(ctx, rec, i, out, length);
                if (!hashed) ctx.reader.read_chunk_into(rec, i, out, length);
            } else {
                decode_into(out);
            }
        } else {
            std::vector<std::uint8_t> scratch(chunk_raw);
            decode_into(scratch.data());
            std::memcpy(out, scratch.data(), length);
        }
        if (!hashed) check_hash(rec, i, out, length, path);
        if (rec.big_endian) byteswap_inplace(out, length / item, item);
        check_bools(rec, out, length, path);
        return;
    }
    // General N-d chunk grid (zarr groups written by other tools).
    std::vector<std::uint8_t> scratch(chunk_raw);
    decode_into(scratch.data());
    if (rec.big_endian) byteswap_inplace(scratch.data(), chunk_raw / item, item);
    check_bools(rec, scratch.data(), chunk_raw, path);
    std::vector<std::uint8_t> gathered;
    scatter_block(scratch.data(), rec, detail::chunk_index(rec.chunk_grid(), i), dst,
                  rec.chunks[i].xxh3 ? &gathered : nullptr);
    if (rec.chunks[i].xxh3) {
        if (rec.big_endian) byteswap_inplace(gathered.data(), gathered.size() / item, item);
        check_hash(rec, i, gathered.data(), gathered.size(), path);
    }
}

/// Why `rec` cannot be mapped, or "" when the back end may try.
std::string unmappable_reason(const array_record& rec) {
    if (rec.codec.id != codec_id::none) return "compressed with " + codec_to_string(rec.codec) + ": decompressed into memory";
    if (rec.big_endian) return "big-endian data: converted into memory";
    if (!rec.mappable()) return "stored in several chunks: assembled into memory";
    if (rec.type == dtype::bool_) return "bool data is validated (0/1) on load: copied into memory";
    return "";
}

/// r+ promises that writes reach the file; an array that cannot be mapped
/// would silently become a private copy, so it is refused instead.
void refuse_r_plus(const read_context& ctx, const array_record& rec, const std::string& why) {
    if (ctx.options.mmap == mmap_mode::r_plus)
        throw usage_error(ctx.reader.path(), "arrays." + rec.key,
                          "cannot be memory-mapped r+ (" + why +
                              "): writes would never reach the file. Load without mmap or with r/c" +
                              (rec.codec.id != codec_id::none ? ", or store this array uncompressed (codec none)" : ""));
}

/// The array mapped in place, or an empty array (report.reason says why) when it cannot be.
std::optional<any_array> try_map(read_context& ctx, const array_record& rec, array_report& report) {
    report.reason = unmappable_reason(rec);
    if (!report.reason.empty()) return std::nullopt;
    detail::mapped_array mapped = ctx.reader.map_array(rec, ctx.options.mmap, report.reason);
    if (!mapped.data) return std::nullopt;
    if (ctx.options.verify) {
        check_hash(rec, 0, mapped.data, rec.raw_bytes, ctx.reader.path());
        report.verified = rec.chunks[0].xxh3.has_value();
    }
    report.mapped = true;
    const storage_kind kind = ctx.options.mmap == mmap_mode::r   ? storage_kind::mapped_r
                              : ctx.options.mmap == mmap_mode::c ? storage_kind::mapped_c
                                                                 : storage_kind::mapped_r_plus;
    return any_array(rec.type, rec.shape, std::move(mapped.owner), mapped.data, kind);
}

/// Reads every chunk of `rec` into `dst`: several at once when the back end
/// allows it, else read on this thread and decoded on the pool.
void read_chunks(read_context& ctx, const array_record& rec, std::uint8_t* dst) {
    const std::size_t n = rec.chunks.size();
    if (n == 1) {
        finish_chunk(ctx, rec, 0, dst, nullptr, true);
        return;
    }
    detail::task_window<void> window(ctx.pool());
    const bool concurrent = ctx.reader.concurrent_reads();
    for (std::size_t i = 0; i < n; ++i) {
        if (window.full()) window.pop();
        if (concurrent) {
            window.push(ctx.pool().submit([&ctx, &rec, i, dst] { finish_chunk(ctx, rec, i, dst, nullptr); }));
            continue;
        }
        // The back end reads on this thread only (HDF5); decoding runs on the pool.
        if (!rec.chunks[i].present) continue;
        auto chunk = std::make_shared<fetched_chunk>();
        chunk->encoding = ctx.reader.chunk_encoding(rec, i);
        ctx.reader.read_chunk(rec, i, chunk->bytes);
        window.push(ctx.pool().submit([&ctx, &rec, i, dst, chunk] { finish_chunk(ctx, rec, i, dst, chunk.get()); }));
    }
    while (!window.empty()) window.pop();
}

/// The array copied into owned memory, every chunk checked.
any_array read_copy(read_context& ctx, const array_record& rec, array_report& report) {
    bool any_missing = false;
    bool all_hashed = true;
    for (const auto& c : rec.chunks) {
        any_missing = any_missing || !c.present;
        all_hashed = all_hashed && c.xxh3.has_value();
    }
    // Everything was checked against the real file sizes when the manifest was read,
    // so this allocation is backed by data on disk (or bounded by the codec's ratio).
    ctx.reader.check_backing(rec);
    ctx.reader.will_read(rec);
    std::shared_ptr<void> owner = allocate_buffer(rec.raw_bytes, any_missing || !detail::chunks_along_axis0(rec));
    auto* dst = static_cast<std::uint8_t*>(owner.get());
    read_chunks(ctx, rec, dst);
    report.verified = all_hashed;
    return any_array(rec.type, rec.shape, std::move(owner), dst, storage_kind::heap);
}

any_array load_array(read_context& ctx, const array_record& rec, array_report& report) {
    report.key = rec.key;
    report.raw_bytes = rec.raw_bytes;
    report.stored_bytes = rec.stored_bytes;
    if (rec.raw_bytes == 0) return any_array::allocate(rec.type, rec.shape);
    if (ctx.options.mmap != mmap_mode::none) {
        if (std::optional<any_array> mapped = try_map(ctx, rec, report)) return std::move(*mapped);
        refuse_r_plus(ctx, rec, report.reason);
    }
    return read_copy(ctx, rec, report);
}

void build_object(const object_record& rec, const std::map<std::string, any_array>& arrays, stored_object& out) {
    out.type = rec.type;
    out.version = rec.version;
    out.params = rec.params;
    out.extra = rec.extra;
    for (const auto& [name, key] : rec.arrays) out.arrays.emplace_back(name, arrays.at(key));
    for (const auto& [name, child] : rec.children) {
        stored_object node;
        build_object(child, arrays, node);
        out.children.emplace_back(name, std::move(node));
    }
}

store_contents read_all(layout_reader& reader, const load_options& options, layout l) {
    const manifest& m = reader.get_manifest();
    store_contents contents;
    contents.manifest = reader.manifest_json();
    contents.report.layout = l;
    contents.report.format_version = m.format_version;
    read_context ctx{reader, options, nullptr};
    std::map<std::string, any_array> arrays;
    for (const auto& [key, rec] : m.arrays) {
        array_report report;
        arrays.emplace(key, load_array(ctx, rec, report));
        contents.report.arrays.push_back(std::move(report));
    }
    build_object(m.root, arrays, contents.root);
    return contents;
}

}  // namespace

void detail::visit_arrays(layout_reader& reader, const load_options& options, const array_visitor& visit) {
    read_context ctx{reader, options, nullptr};
    for (const auto& [key, rec] : reader.get_manifest().arrays) {
        any_array array;
        std::string failure;
        try {
            array_report report;
            array = load_array(ctx, rec, report);
        } catch (const error& e) {
            failure = e.what();
        }
        visit(rec, failure.empty() ? &array : nullptr, failure);
    }
}

store_contents read_store(const std::string& path, const load_options& options) {
    if (detail::is_remote_location(path) && options.mmap != mmap_mode::none) {
        // Mapping needs a local file: the store goes through the cache, then is mapped from there.
        if (options.mmap == mmap_mode::r_plus)
            throw usage_error(path, "mmap", "r+ writes through to the file; a remote store maps r or c (via the cache)");
        const detail::cached_store copy = detail::cached_copy(path, options);
        store_contents contents = read_store(copy.path, options);
        contents.report.cached_copy = copy.path;
        contents.report.offline = copy.offline;
        contents.report.downloaded_bytes = copy.downloaded;
        return contents;
    }
    layout l;
    auto reader = detail::open_store_reader(path, options, l);
    store_contents contents = read_all(*reader, options, l);
    if (detail::is_remote_location(path)) {
        for (const auto& a : contents.report.arrays) contents.report.downloaded_bytes += a.stored_bytes;
    }
    return contents;
}

manifest read_store_manifest(const std::string& path, nlohmann::json* raw, const remote_options& remote) {
    layout l;
    load_options options;
    options.remote = remote;
    auto reader = detail::open_store_reader(path, options, l);
    if (raw) *raw = reader->manifest_json();
    return reader->get_manifest();
}

store_contents read_blob_bytes(const void* data, std::size_t size, const load_options& options,
                               const std::string& name) {
    auto reader = detail::open_blob_memory_reader(data, size, name);
    load_options copy = options;
    copy.mmap = mmap_mode::none;  // arrays are copied out of the caller's buffer
    return read_all(*reader, copy, layout::blob);
}

}  // namespace fitstore
