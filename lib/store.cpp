// The storage engine: turns a stored_object into chunks (encoded on a worker
// pool, checksummed) for a layout back end, and back. Back ends move bytes;
// every decision about chunking, codecs, checksums and mapping is made here.
#include "fitstore/store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <future>
#include <map>

#include "codecs/chunk_encoding.hpp"
#include "codecs/codec_choice.hpp"
#include "fitstore/manifest.hpp"
#include "io/pipelined_hash.hpp"
#include "io/posix_file.hpp"
#include "io/thread_pool.hpp"
#include "io/http_client.hpp"
#include "io/xxh3.hpp"
#include "layouts/layout.hpp"
#include "layouts/remote/remote_store.hpp"
#include "store_checks.hpp"


namespace fitstore {

using detail::layout_reader;
using detail::layout_writer;
using detail::thread_pool;

std::string_view layout_name(layout l) noexcept {
    switch (l) {
        case layout::directory: return "directory";
        case layout::hdf5: return "hdf5";
        case layout::blob: return "blob";
    }
    return "directory";
}

layout layout_for_path(std::string_view path) noexcept {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const std::size_t slash = path.find_last_of('/');
    const std::string_view leaf = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const std::size_t dot = leaf.find_last_of('.');
    if (dot == std::string_view::npos || dot == 0) return layout::directory;
    std::string ext(leaf.substr(dot + 1));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == "h5" || ext == "hdf5") return layout::hdf5;
    if (ext == "fitstore") return layout::blob;
    return layout::directory;
}

layout effective_layout(const dump_options& options, std::string_view path) noexcept {
    return options.layout ? *options.layout : layout_for_path(path);
}

layout parse_layout(std::string_view text) {
    if (text == "directory") return layout::directory;
    if (text == "hdf5") return layout::hdf5;
    if (text == "blob") return layout::blob;
    throw usage_error("", "layout", "expected directory, hdf5 or blob, found \"" + std::string(text) + "\"");
}

std::string_view mmap_mode_name(mmap_mode m) noexcept {
    switch (m) {
        case mmap_mode::none: return "none";
        case mmap_mode::r: return "r";
        case mmap_mode::c: return "c";
        case mmap_mode::r_plus: return "r+";
    }
    return "none";
}

mmap_mode parse_mmap_mode(std::string_view text) {
    if (text == "none") return mmap_mode::none;
    if (text == "r") return mmap_mode::r;
    if (text == "c") return mmap_mode::c;
    if (text == "r+") return mmap_mode::r_plus;
    throw usage_error("", "mmap", "expected none, r, c or r+, found \"" + std::string(text) + "\"");
}

namespace {

// ---- geometry -----------------------------------------------------------------

/// Bytes of one index step along axis 0 (the whole array for a 0-d array).
std::size_t row_bytes(const shape_t& shape, dtype type) {
    if (shape.empty()) return itemsize(type);
    return byte_count(shape_t(shape.begin() + 1, shape.end()), type);
}

/// True when chunks split axis 0 only, so every chunk is one contiguous run of the array.
bool chunks_along_axis0(const array_record& rec) {
    for (std::size_t k = 1; k < rec.shape.size(); ++k)
        if (rec.chunk_shape[k] != rec.shape[k]) return false;
    return true;
}

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

std::string chunk_field(const array_record& rec, std::size_t i) {
    return "arrays." + rec.key + ".chunks[" + std::to_string(i) + "]";
}

std::string hex64(std::uint64_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s(16, '0');
    for (int k = 15; k >= 0; --k, v >>= 4) s[static_cast<std::size_t>(k)] = digits[v & 15];
    return s;
}

// ---- writing ------------------------------------------------------------------

/// The codec an array is stored with. `auto` is measured on the array
/// (FORMAT.md 4.2); alp applies to float arrays, and the other arrays of a
/// dump asking for alp are chosen as by auto (zstd:1 or none). Asking for alp
/// on one non-float array by name is a usage_error. auto leaves alp out for
/// the hdf5 layout, which refuses it (no HDF5 reader has a filter for it).
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
        return codecs::choose_codec(is_float, l != layout::hdf5, itemsize(array.type()), array.data(),
                                    array.nbytes());
    return requested;
}

struct array_job {
    array_record* record;
    const any_array* data;
};

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
        detail::check_member_name(name, "array");
        if (array.rank() > manifest_limits::max_rank)
            throw usage_error("", name, "rank " + std::to_string(array.rank()) + " exceeds the limit of 32");
        array_record rec;
        rec.key = join_key(prefix, name);
        rec.type = array.type();
        rec.shape = array.shape();
        auto override_codec = options.array_codecs.find(join_key(prefix, name));
        const bool named = override_codec != options.array_codecs.end();
        validate_codec(named ? override_codec->second : options.codec);
        rec.codec = resolve_codec(named ? override_codec->second : options.codec, named, rec.key, array,
                                  options.layout.value_or(layout::directory));
        rec.chunk_shape = choose_chunk_shape(rec.shape, rec.type, rec.codec, options.chunk_bytes);
        rec.raw_bytes = array.nbytes();
        std::size_t n = 1;
        for (std::size_t g : rec.chunk_grid()) n *= g;
        rec.chunks.resize(n);
        if (rec.raw_bytes != 0 && array.data() == nullptr)
            throw usage_error("", rec.key, "array has a shape but no data");
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

struct encoded_chunk {
    std::vector<std::uint8_t> bytes;
    std::uint64_t hash = 0;
};

/// Waits for every pending future before unwinding: tasks reference the caller's data.
template <class T>
struct drain_on_exit {
    std::deque<std::future<T>>& pending;
    ~drain_on_exit() {
        for (auto& f : pending)
            if (f.valid()) f.wait();
    }
};

void write_array(layout_writer& writer, array_record& rec, const any_array& array, thread_pool& pool) {
    writer.begin_array(rec);
    const auto* base = static_cast<const std::uint8_t*>(array.data());
    const std::size_t row = row_bytes(rec.shape, rec.type);
    const std::size_t rows_per_chunk = rec.shape.empty() ? 1 : rec.chunk_shape[0];
    const std::size_t total_rows = rec.shape.empty() ? 1 : rec.shape[0];
    const std::size_t chunk_raw = rec.chunk_raw_bytes();
    const std::size_t n = rec.chunks.size();
    auto logical = [&](std::size_t i) {
        const std::size_t first = i * rows_per_chunk;
        const std::size_t rows = std::min(rows_per_chunk, total_rows - first);
        return std::pair<std::size_t, std::size_t>(first * row, rows * row);
    };
    std::uint64_t stored_total = 0;
    // The back end names how it stores the chunks; encoding them is the engine's job.
    const codecs::chunk_encoding encoding = writer.chunk_encoding(rec);
    if (encoding.codec.id == codec_id::none) {
        // Chunks written straight from the caller's memory; hashing overlaps the write
        // (XXH3's streaming digest equals the one-shot one).
        constexpr std::size_t segment = detail::pipelined_hash::segment_bytes;
        for (std::size_t i = 0; i < n; ++i) {
            // Plain variables, not a structured binding: lambdas may not capture those before C++20 (clang).
            const std::size_t offset = logical(i).first, length = logical(i).second;
            std::uint64_t stored = length;
            detail::pipelined_hash hash(pool);
            if (length >= 2 * segment && writer.writes_chunk_parts()) {
                // Segment by segment: the worker hashes the bytes the write is
                // reading, so memory is read once instead of twice.
                for (std::size_t part = 0; part < length; part += segment) {
                    const std::size_t size = std::min(segment, length - part);
                    hash.add(base + offset + part, size);
                    writer.write_chunk_part(rec, i, part, length, base + offset + part, size);
                }
            } else {
                hash.add(base + offset, length);
                stored = writer.write_chunk(rec, i, base + offset, length);
            }
            rec.chunks[i].xxh3 = hash.digest();
            rec.chunks[i].stored_bytes = stored;
            stored_total += stored;
        }
    } else {
        const std::size_t item = rec.item_size();
        auto encode = [&, item](std::size_t i) {
            const auto [offset, length] = logical(i);
            encoded_chunk out;
            out.hash = xxh3_64(base + offset, length);
            if (length == chunk_raw) {
                codecs::encode_chunk(encoding, item, base + offset, length, out.bytes);
            } else {
                // zarr and HDF5 both store edge chunks padded to the full chunk shape.
                std::vector<std::uint8_t> padded(chunk_raw, 0);
                if (length) std::memcpy(padded.data(), base + offset, length);
                codecs::encode_chunk(encoding, item, padded.data(), chunk_raw, out.bytes);
            }
            return out;
        };
        // A bounded window of chunks in flight keeps memory at a few chunks per thread.
        const std::size_t window = 2 * static_cast<std::size_t>(pool.size()) + 1;
        std::deque<std::future<encoded_chunk>> pending;
        drain_on_exit<encoded_chunk> guard{pending};
        std::size_t next = 0;
        for (std::size_t i = 0; i < n; ++i) {
            while (next < n && pending.size() < window) {
                const std::size_t index = next++;
                pending.push_back(pool.submit([&encode, index] { return encode(index); }));
            }
            encoded_chunk chunk = pending.front().get();
            pending.pop_front();
            const std::uint64_t stored = writer.write_chunk(rec, i, chunk.bytes.data(), chunk.bytes.size());
            rec.chunks[i].stored_bytes = stored;
            rec.chunks[i].xxh3 = chunk.hash;
            stored_total += stored;
        }
    }
    rec.stored_bytes = stored_total;
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
            if (item.key() != "format" && item.key() != "format_version" && item.key() != "layout" &&
                item.key() != "root" && item.key() != "arrays" && item.key() != "provenance")
                m.extra[item.key()] = item.value();
    std::vector<array_job> jobs;
    build_records(root, "", m.root, m, jobs, options, 0);
    writer.begin(m);
    thread_pool pool(options.threads);
    for (auto& job : jobs) write_array(writer, *job.record, *job.data, pool);
    writer.commit(m);
    return m;
}

std::unique_ptr<layout_writer> make_writer(const std::string& path, const dump_options& options) {
    switch (options.layout.value_or(layout::directory)) {
        case layout::directory: return detail::make_directory_writer(path, options);
        case layout::hdf5: return detail::make_hdf5_writer(path, options);
        case layout::blob: return detail::make_blob_file_writer(path, options);
    }
    throw usage_error(path, "layout", "unknown layout");
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

// ---- reading ------------------------------------------------------------------

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
        throw checksum_error(path, chunk_field(rec, i) + ".xxh3",
                             "checksum mismatch: expected " + hex64(*rec.chunks[i].xxh3) + ", found " + hex64(actual) +
                                 " (the data is damaged)");
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
            throw error(ctx.reader.path(), chunk_field(rec, i), "internal error: a partial chunk read failed midway");
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
        codecs::decode_chunk(encoding, item, bytes.data(), bytes.size(), out, chunk_raw, path, chunk_field(rec, i));
    };
    if (chunks_along_axis0(rec)) {
        const std::size_t row = row_bytes(rec.shape, rec.type);
        const std::size_t rows_per_chunk = rec.shape.empty() ? 1 : rec.chunk_shape[0];
        const std::size_t total_rows = rec.shape.empty() ? 1 : rec.shape[0];
        const std::size_t first = i * rows_per_chunk;
        const std::size_t length = std::min(rows_per_chunk, total_rows - first) * row;
        std::uint8_t* out = dst + first * row;
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
    scatter_block(scratch.data(), rec, chunk_index(rec.chunk_grid(), i), dst, rec.chunks[i].xxh3 ? &gathered : nullptr);
    if (rec.chunks[i].xxh3) {
        if (rec.big_endian) byteswap_inplace(gathered.data(), gathered.size() / item, item);
        check_hash(rec, i, gathered.data(), gathered.size(), path);
    }
}

any_array load_array(read_context& ctx, const array_record& rec, array_report& report) {
    report.key = rec.key;
    report.raw_bytes = rec.raw_bytes;
    report.stored_bytes = rec.stored_bytes;
    const std::string& path = ctx.reader.path();
    if (rec.raw_bytes == 0) return any_array::allocate(rec.type, rec.shape);

    // r+ promises that writes reach the file; an array that cannot be mapped
    // would silently become a private copy, so it is refused instead.
    auto refuse_r_plus = [&](const std::string& why) {
        if (ctx.options.mmap == mmap_mode::r_plus)
            throw usage_error(path, "arrays." + rec.key,
                              "cannot be memory-mapped r+ (" + why +
                                  "): writes would never reach the file. Load without mmap or with r/c" +
                                  (rec.codec.id != codec_id::none ? ", or store this array uncompressed (codec none)"
                                                                  : ""));
    };
    if (ctx.options.mmap != mmap_mode::none) {
        if (rec.codec.id != codec_id::none)
            report.reason = "compressed with " + codec_to_string(rec.codec) + ": decompressed into memory";
        else if (rec.big_endian)
            report.reason = "big-endian data: converted into memory";
        else if (!rec.mappable())
            report.reason = "stored in several chunks: assembled into memory";
        else if (rec.type == dtype::bool_)
            report.reason = "bool data is validated (0/1) on load: copied into memory";
        else {
            detail::mapped_array mapped = ctx.reader.map_array(rec, ctx.options.mmap, report.reason);
            if (!mapped.data) refuse_r_plus(report.reason);
            if (mapped.data) {
                if (ctx.options.verify) {
                    check_hash(rec, 0, mapped.data, rec.raw_bytes, path);
                    report.verified = rec.chunks[0].xxh3.has_value();
                }
                report.mapped = true;
                const storage_kind kind = ctx.options.mmap == mmap_mode::r   ? storage_kind::mapped_r
                                          : ctx.options.mmap == mmap_mode::c ? storage_kind::mapped_c
                                                                             : storage_kind::mapped_r_plus;
                return any_array(rec.type, rec.shape, std::move(mapped.owner), mapped.data, kind);
            }
        }
        refuse_r_plus(report.reason);
    }

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
    std::shared_ptr<void> owner = allocate_buffer(rec.raw_bytes, any_missing || !chunks_along_axis0(rec));
    auto* dst = static_cast<std::uint8_t*>(owner.get());
    const std::size_t n = rec.chunks.size();
    std::deque<std::future<void>> pending;
    drain_on_exit<void> guard{pending};
    if (n == 1) {
        finish_chunk(ctx, rec, 0, dst, nullptr, true);
    } else if (ctx.reader.concurrent_reads()) {
        const std::size_t window = 2 * static_cast<std::size_t>(ctx.pool().size()) + 1;
        for (std::size_t i = 0; i < n; ++i) {
            if (pending.size() >= window) {
                pending.front().get();
                pending.pop_front();
            }
            pending.push_back(ctx.pool().submit([&ctx, &rec, i, dst] { finish_chunk(ctx, rec, i, dst, nullptr); }));
        }
    } else {
        // The back end reads on this thread only (HDF5); decoding runs on the pool.
        const std::size_t window = 2 * static_cast<std::size_t>(ctx.pool().size()) + 1;
        for (std::size_t i = 0; i < n; ++i) {
            if (pending.size() >= window) {
                pending.front().get();
                pending.pop_front();
            }
            if (!rec.chunks[i].present) continue;
            auto chunk = std::make_shared<fetched_chunk>();
            chunk->encoding = ctx.reader.chunk_encoding(rec, i);
            ctx.reader.read_chunk(rec, i, chunk->bytes);
            pending.push_back(
                ctx.pool().submit([&ctx, &rec, i, dst, chunk] { finish_chunk(ctx, rec, i, dst, chunk.get()); }));
        }
    }
    while (!pending.empty()) {
        pending.front().get();
        pending.pop_front();
    }
    report.verified = all_hashed;
    return any_array(rec.type, rec.shape, std::move(owner), dst, storage_kind::heap);
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

layout detect_layout(const std::string& path, const remote_options& remote) {
    if (detail::is_remote_location(path)) return detail::open_remote_reader(path, remote).kind;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) throw not_found(path, "", "no such file or folder");
        detail::throw_errno(path, "cannot stat");
    }
    if (S_ISDIR(st.st_mode)) {
        struct stat inner {};
        if (::lstat((path + "/manifest.json").c_str(), &inner) == 0 || ::lstat((path + "/.zgroup").c_str(), &inner) == 0)
            return layout::directory;
        throw format_error(path, "", "not a fitstore store: the folder holds neither manifest.json nor .zgroup");
    }
    if (!S_ISREG(st.st_mode)) throw format_error(path, "", "not a fitstore store: not a regular file or folder");
    std::uint64_t size = 0;
    detail::unique_fd fd = detail::open_regular_readonly(path, size);
    unsigned char magic[8] = {};
    if (size >= 8) detail::pread_exact(fd.get(), magic, 8, 0, path);
    if (size >= 8 && std::memcmp(magic, "FITSBLOB", 8) == 0) return layout::blob;
    if (size >= 8 && std::memcmp(magic, "\x89HDF\r\n\x1a\n", 8) == 0) return layout::hdf5;
    throw format_error(path, "", "not a fitstore store: expected a folder with manifest.json, a blob starting with "
                                 "\"FITSBLOB\" or an HDF5 file");
}

void write_store(const stored_object& root, const std::string& path, const dump_options& options) {
    dump_options resolved = options;
    resolved.layout = effective_layout(options, path);
    if (detail::is_remote_location(path)) {
        auto writer = detail::make_remote_writer(path, resolved);
        write_all(root, *writer, resolved, *resolved.layout);
        return;
    }
    check_replaceable(path);
    auto writer = make_writer(path, resolved);
    write_all(root, *writer, resolved, *resolved.layout);
}

namespace {
std::unique_ptr<layout_reader> open_reader(const std::string& path, layout l) {
    switch (l) {
        case layout::directory: return detail::open_directory_reader(path);
        case layout::hdf5: return detail::open_hdf5_reader(path);
        case layout::blob: return detail::open_blob_file_reader(path);
    }
    throw usage_error(path, "layout", "unknown layout");
}

/// Opens the store at `path`, local or remote; `l` receives its layout.
std::unique_ptr<layout_reader> open_any(const std::string& path, const load_options& options, layout& l) {
    if (detail::is_remote_location(path)) {
        detail::remote_reader remote = detail::open_remote_reader(path, options.remote);
        l = remote.kind;
        return std::move(remote.reader);
    }
    l = detect_layout(path);
    return open_reader(path, l);
}
}  // namespace

layout detail::visit_arrays(const std::string& path, const load_options& options, const array_visitor& visit) {
    layout l = layout::directory;
    auto reader = open_any(path, options, l);
    read_context ctx{*reader, options, nullptr};
    for (const auto& [key, rec] : reader->get_manifest().arrays) {
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
    return l;
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
    layout l = layout::directory;
    auto reader = open_any(path, options, l);
    store_contents contents = read_all(*reader, options, l);
    if (detail::is_remote_location(path)) {
        for (const auto& a : contents.report.arrays) contents.report.downloaded_bytes += a.stored_bytes;
    }
    return contents;
}

manifest read_store_manifest(const std::string& path, nlohmann::json* raw, const remote_options& remote) {
    layout l = layout::directory;
    load_options options;
    options.remote = remote;
    auto reader = open_any(path, options, l);
    if (raw) *raw = reader->manifest_json();
    return reader->get_manifest();
}

std::vector<std::uint8_t> write_blob_bytes(const stored_object& root, const dump_options& options) {
    std::vector<std::uint8_t> out;
    dump_options blob = options;
    blob.layout = layout::blob;
    auto writer = detail::make_blob_memory_writer(out, blob);
    write_all(root, *writer, blob, layout::blob);
    return out;
}

store_contents read_blob_bytes(const void* data, std::size_t size, const load_options& options,
                               const std::string& name) {
    auto reader = detail::open_blob_memory_reader(data, size, name);
    load_options copy = options;
    copy.mmap = mmap_mode::none;  // arrays are copied out of the caller's buffer
    return read_all(*reader, copy, layout::blob);
}

}  // namespace fitstore
