// The seam between the storage engine (lib/store/: chunking, codecs,
// checksums, worker pool, mmap decisions) and the three back ends
// (directory.cpp, blob.cpp, hdf5_*.cpp). A back end only moves encoded chunk
// bytes and the manifest; it never compresses or checks checksums itself. It
// names the encoding it stores chunks in (chunk_encoding), and the engine
// encodes and decodes in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/chunk_encoding.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/options.hpp"
#include "io/byte_source.hpp"
#include "io/mapping.hpp"

namespace fitstore::detail {

/// What a back end's writer needs from dump_options (the engine owns the rest).
struct writer_settings {
    /// fsync files and folders before the rename that publishes the store.
    bool durable = true;
};

/// One container-level check a back end runs for verify (e.g. the zarr view).
struct container_check {
    std::string name;
    bool passed = false;
    std::string detail;
};

/// A back end's own, independent read path for verify --deep (e.g. HDF5's H5Dread).
struct reference_read_info {
    std::string check;      ///< check name prefix, e.g. "hdf5 read"
    std::string agreement;  ///< the check's detail when both reads agree
};

class layout_writer {
public:
    virtual ~layout_writer() = default;
    /// Called once before any array with the complete manifest skeleton (every
    /// array record with its chunk count; stored sizes, offsets and checksums
    /// still zero), so a layout can plan space (the blob reserves its header).
    virtual void begin(const manifest& skeleton) { (void)skeleton; }
    /// Prepares storage for `rec` (key, dtype, shape, chunk_shape, codec filled in).
    virtual void begin_array(const array_record& rec) = 0;
    /// The encoding write_chunk takes `rec`'s chunks in. Default: the array's codec
    /// in zarr/numcodecs framing (codec none: raw bytes straight from the caller).
    virtual codecs::chunk_encoding chunk_encoding(const array_record& rec) const { return {rec.codec}; }
    /// Stores chunk `index` given in chunk_encoding(rec); returns
    /// the bytes it occupies in this layout (the manifest's stored_bytes) and may
    /// record its location (blob: offset) in rec.chunks[index]. Called in order,
    /// from one thread.
    virtual std::uint64_t write_chunk(array_record& rec, std::size_t index, const void* bytes, std::size_t size) = 0;
    /// True if this back end takes uncompressed chunks in parts (write_chunk_part).
    virtual bool writes_chunk_parts() const { return false; }
    /// Stores bytes [offset, offset + size) of uncompressed chunk `index`, whose
    /// stored size is `total`, instead of one write_chunk call: parts arrive in
    /// order from offset 0, from one thread, and the chunk is complete when a
    /// part ends at `total` (stored_bytes is then `total`). Lets the engine hash
    /// each part while it is written, so memory is read once.
    virtual void write_chunk_part(array_record& rec, std::size_t index, std::uint64_t offset, std::uint64_t total,
                                  const void* bytes, std::size_t size) {
        (void)rec, (void)index, (void)offset, (void)total, (void)bytes, (void)size;
        throw std::logic_error("write_chunk_part: this back end writes whole chunks only");
    }
    virtual void end_array(array_record& rec) { (void)rec; }
    /// Writes the manifest and publishes the store atomically (temp + fsync + rename).
    virtual void commit(const manifest& m) = 0;
};

/// A back end that stores every chunk through write_chunk_part: a whole chunk
/// is its one part, stored as given (directory files, blob ranges).
class chunk_part_writer : public layout_writer {
public:
    std::uint64_t write_chunk(array_record& rec, std::size_t index, const void* bytes, std::size_t size) final {
        write_chunk_part(rec, index, 0, size, bytes, size);
        return size;
    }
    bool writes_chunk_parts() const final { return true; }
};

class layout_reader {
public:
    virtual ~layout_reader() = default;
    /// The validated manifest.
    virtual const manifest& get_manifest() const = 0;
    /// The manifest exactly as stored (JSON), for inspect/convert.
    virtual const nlohmann::json& manifest_json() const = 0;
    /// The encoding read_chunk hands chunk `index` of `rec` over in; called on the
    /// thread that reads it. Default: the array's codec in zarr/numcodecs framing.
    virtual codecs::chunk_encoding chunk_encoding(const array_record& rec, std::size_t index) {
        (void)index;
        return {rec.codec};
    }
    /// Reads chunk `index` in chunk_encoding(rec, index) into `out`.
    /// Throws format_error if the stored size differs from the manifest.
    virtual void read_chunk(const array_record& rec, std::size_t index, std::vector<std::uint8_t>& out) = 0;
    /// Reads a chunk stored raw (chunk_encoding none) straight into `dst` (exactly `bytes`).
    virtual void read_chunk_into(const array_record& rec, std::size_t index, void* dst, std::size_t bytes) = 0;
    /// Reads bytes [offset, offset + bytes) of an uncompressed chunk's stored bytes into
    /// `dst`, so a large chunk can be read in segments while earlier ones are hashed.
    /// Returns false (reading nothing) when this back end cannot read a part of this chunk.
    virtual bool read_chunk_part(const array_record& rec, std::size_t index, std::uint64_t offset, void* dst,
                                 std::size_t bytes) {
        (void)rec, (void)index, (void)offset, (void)dst, (void)bytes;
        return false;
    }
    /// Checks, before the engine allocates memory for `rec`, that the container
    /// backs it (directory: every chunk file exists with its recorded size; the
    /// blob checks its tiling when opened). Throws format_error.
    virtual void check_backing(const array_record& rec) const { (void)rec; }
    /// Called before the chunks of `rec` are read, in order: a remote back end starts
    /// fetching them over several connections while earlier ones are decoded.
    virtual void will_read(const array_record& rec) { (void)rec; }
    /// True if read_chunk/read_chunk_into may run on several threads at once.
    virtual bool concurrent_reads() const = 0;
    /// Maps a mappable array (rec.mappable()); on failure returns {} and sets `reason`.
    virtual mapped_array map_array(const array_record& rec, mmap_mode mode, std::string& reason) = 0;
    /// The store's path, for messages.
    virtual const std::string& path() const = 0;

    // ---- what verify asks (each back end checks its own container) ----

    /// What opening the store checked beyond the manifest, for verify's report
    /// (blob: "chunk offsets tile the blob"); "" when nothing more.
    virtual std::string opening_checks() const { return ""; }
    /// Checks of the container against the manifest (directory: every .zarray
    /// and the files of each array folder). Throws io_error if it cannot look.
    virtual std::vector<container_check> check_container() const { return {}; }
    /// Set when this back end has a second read path that verify --deep compares with the engine's.
    virtual std::optional<reference_read_info> reference_read() const { return std::nullopt; }
    /// Reads `rec` through that second path into a new array (in the stored byte
    /// order). Throws format_error if it cannot.
    virtual any_array read_reference(const array_record& rec) {
        (void)rec;
        throw std::logic_error("read_reference: this back end has no reference read path");
    }
};

/// Parses and validates the manifest text a back end found at `path`, and
/// checks that it names layout `expected` (a store is read by the back end
/// that wrote it; `where` adds context to that message, e.g. " in a folder
/// store"). `json` receives the JSON as stored. Throws format_error.
manifest read_manifest_for(std::string_view text, std::string_view expected, const std::string& path,
                           nlohmann::json& json, std::string_view where = "");

// Factories, one per back end.
std::unique_ptr<layout_writer> make_directory_writer(const std::string& path, const writer_settings& settings);
std::unique_ptr<layout_reader> open_directory_reader(const std::string& path);
std::unique_ptr<layout_writer> make_blob_file_writer(const std::string& path, const writer_settings& settings);
/// Writes into `out` (the in-memory blob of dumps()).
std::unique_ptr<layout_writer> make_blob_memory_writer(std::vector<std::uint8_t>& out, const writer_settings& settings);
std::unique_ptr<layout_reader> open_blob_file_reader(const std::string& path);
/// Reads a blob in memory; `data` must outlive the reader.
std::unique_ptr<layout_reader> open_blob_memory_reader(const void* data, std::size_t size, const std::string& name);
/// Reads a blob through any byte source (its object ""): a remote blob.
std::unique_ptr<layout_reader> open_blob_source_reader(std::shared_ptr<byte_source> source);
/// Store-relative key of chunk `i` of `rec` in the directory layout ("scaler/mean/0.0").
std::string directory_chunk_key(const array_record& rec, std::size_t i);
/// The .zarray JSON fitstore writes for `rec` (directory layout).
nlohmann::json zarray_metadata(const array_record& rec);
std::unique_ptr<layout_writer> make_hdf5_writer(const std::string& path, const writer_settings& settings);
std::unique_ptr<layout_reader> open_hdf5_reader(const std::string& path);
// Reseal (fitstore::reseal): replace the manifest of the store at `path` in
// place, after fsyncing its array data when `durable`. Array data and file
// layout are untouched, so live r+ mappings stay valid. directory: a new
// manifest.json renamed over the old one; blob: the space-padded header
// rewritten (same length: checksums are fixed-width hex); hdf5: the root
// attribute rewritten through HDF5.
void rewrite_directory_manifest(const std::string& path, const manifest& m, bool durable);
void rewrite_blob_manifest(const std::string& path, const manifest& m, bool durable);
void rewrite_hdf5_manifest(const std::string& path, const manifest& m, bool durable);

}  // namespace fitstore::detail
