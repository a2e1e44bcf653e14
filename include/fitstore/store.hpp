// dump / load / dumps / loads: persisting objects in one of three layouts.
//
//   fitstore::dump(model, "model");                              // directory (zarr v2 group)
//   fitstore::dump(model, "model.h5");                           // hdf5, from the extension
//   fitstore::dump(model, "model.fitstore");                     // blob, from the extension
//   auto m = fitstore::load<svc>("model", {fitstore::mmap_mode::r});
//   std::vector<std::uint8_t> bytes = fitstore::dumps(model);    // single blob in memory
//   auto m2 = fitstore::loads<svc>(bytes);
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitstore/archive.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/remote.hpp"
#include "fitstore/stored_object.hpp"

namespace fitstore {

enum class layout : std::uint8_t { directory, hdf5, blob };
/// numpy/joblib semantics: r read-only, c copy-on-write (file unchanged), r_plus writes reach the file.
enum class mmap_mode : std::uint8_t { none, r, c, r_plus };

std::string_view layout_name(layout l) noexcept;
/// "directory" | "hdf5" | "blob"; throws usage_error.
layout parse_layout(std::string_view text);
std::string_view mmap_mode_name(mmap_mode m) noexcept;
/// "none" | "r" | "c" | "r+"; throws usage_error.
mmap_mode parse_mmap_mode(std::string_view text);

/// The layout a dump picks when none is given, from the target's name:
/// ".h5" or ".hdf5" -> hdf5, ".fitstore" -> blob, anything else -> directory
/// (extension compared case-insensitively; trailing slashes ignored).
layout layout_for_path(std::string_view path) noexcept;

struct dump_options {
    /// Unset (the default): layout_for_path(target), so dump(m, "x.h5") writes HDF5.
    std::optional<fitstore::layout> layout;
    codec_spec codec{};
    /// Codec overrides by array key ("scaler/mean"); arrays not listed use `codec`.
    std::map<std::string, codec_spec> array_codecs;
    /// Target bytes per chunk along axis 0 (an uncompressed array is always one chunk).
    std::size_t chunk_bytes = std::size_t(4) << 20;
    /// Worker threads for compression; 0 = all cores.
    unsigned threads = 0;
    /// fsync files and folders before the rename that publishes the store.
    bool durable = true;
    /// Stored verbatim as the manifest's "provenance" object (see provenance.hpp).
    nlohmann::json provenance = nlohmann::json::object();
    /// Extra top-level manifest keys to carry (convert keeps unknown keys this way).
    nlohmann::json extra = nlohmann::json::object();
    /// Transfer settings when `path` is an s3:// location.
    remote_options remote;
};

/// What a load checks. Every load validates the manifest (its own XXH3-64
/// checksum included, so params, types and shapes are as written), every size
/// and offset against the real files, and names beneath the store. A copying
/// load (mmap none) also checks every chunk's checksum: it never returns
/// damaged numbers. A mapped array (r, c, r+) is handed out without reading
/// its pages, so its bytes are checked against their checksum only with
/// `verify` (which hashes, i.e. reads, every page): without it, bytes changed
/// in place since the store was written (damage of the same size, or writes
/// through r+ not yet resealed) reach the caller. See reseal.hpp.
struct load_options {
    /// none copies; r maps read-only; c copy-on-write (writes stay private);
    /// r_plus writes through to the file, and is refused (usage_error naming
    /// the array) for an array that cannot be mapped (compressed, several
    /// chunks, big-endian, bool), whose writes could never reach the file.
    mmap_mode mmap = mmap_mode::none;
    /// Check the checksums of mapped arrays too (hashing touches every page).
    /// Copying loads always check.
    bool verify = false;
    /// Worker threads for decompression; 0 = all cores.
    unsigned threads = 0;
    /// Transfer and cache settings when `path` is an http(s):// or s3:// location.
    remote_options remote;
};

/// What happened to one array during a load.
struct array_report {
    std::string key;           ///< path of the array in the store, e.g. "scaler/mean"
    bool mapped = false;       ///< true when the data lives in a file mapping
    std::string reason;        ///< why it was not mapped, when a mapping was asked for
    std::uint64_t raw_bytes = 0;
    std::uint64_t stored_bytes = 0;
    bool verified = false;     ///< checksums were checked
};

struct load_report {
    fitstore::layout layout = layout::directory;
    std::string format_version;
    std::vector<array_report> arrays;
    /// A remote store mapped through the local cache: the cached copy that was mapped.
    std::string cached_copy;
    /// The remote location could not be reached; the copy it last resolved to was used.
    bool offline = false;
    /// Bytes received over the network by this load.
    std::uint64_t downloaded_bytes = 0;
};

/// Everything a store holds, without knowing its C++ type.
struct store_contents {
    stored_object root;
    nlohmann::json manifest;  ///< the manifest as stored (after validation)
    load_report report;
};

/// `options.layout` if set, else layout_for_path(path): the layout write_store uses.
layout effective_layout(const dump_options& options, std::string_view path) noexcept;

/// Every function taking a store `path` also takes an http://, https:// or s3://
/// location (directory and blob layouts; see remote.hpp and the README's
/// "Models on object storage"). Dumps go to s3:// only.

/// Which layout the store at `path` has, judged from its content (not its name).
/// Throws format_error if it is none of them, io_error if it cannot be read.
layout detect_layout(const std::string& path, const remote_options& remote = {});

/// Reads and validates only the manifest of the store at `path` (no array data):
/// cheap even for huge models. `raw`, if given, receives the JSON as stored.
manifest read_store_manifest(const std::string& path, nlohmann::json* raw = nullptr,
                             const remote_options& remote = {});

/// Writes `root` to `path` atomically: the old store at `path`, if any, is
/// replaced only once the new one is complete. Throws error; on failure the old
/// store is untouched and no temporary files remain.
void write_store(const stored_object& root, const std::string& path, const dump_options& options = {});
/// Reads any store (layout detected). Throws error for anything invalid.
store_contents read_store(const std::string& path, const load_options& options = {});
/// The blob layout in memory.
std::vector<std::uint8_t> write_blob_bytes(const stored_object& root, const dump_options& options = {});
store_contents read_blob_bytes(const void* data, std::size_t size, const load_options& options = {},
                               const std::string& name = "<memory>");

/// Persists `value` (a registered type with persist()) to `path`.
template <class T>
void dump(const T& value, const std::string& path, const dump_options& options = {}) {
    stored_object root;
    save_object(value, root);
    write_store(root, path, options);
}

/// Loads a `T` from `path`; throws type_error if the store holds another type.
template <class T>
T load(const std::string& path, const load_options& options = {}, load_report* report = nullptr) {
    store_contents contents = read_store(path, options);
    T value{};
    load_object(contents.root, value, "", path);
    if (report) *report = std::move(contents.report);
    return value;
}

/// Serializes `value` to one in-memory blob (the pickle role).
template <class T>
std::vector<std::uint8_t> dumps(const T& value, const dump_options& options = {}) {
    stored_object root;
    save_object(value, root);
    dump_options blob = options;
    blob.layout = layout::blob;
    return write_blob_bytes(root, blob);
}

/// Deserializes a blob made by dumps(); arrays are copied out of `bytes`.
template <class T>
T loads(const void* data, std::size_t size, const load_options& options = {}) {
    store_contents contents = read_blob_bytes(data, size, options);
    T value{};
    load_object(contents.root, value, "", "<memory>");
    return value;
}
template <class T>
T loads(const std::vector<std::uint8_t>& bytes, const load_options& options = {}) {
    return loads<T>(bytes.data(), bytes.size(), options);
}

}  // namespace fitstore
