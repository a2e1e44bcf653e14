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
#include "fitstore/options.hpp"
#include "fitstore/remote.hpp"
#include "fitstore/stored_object.hpp"

namespace fitstore {

struct manifest;  // fitstore/manifest.hpp: read_store_manifest's callers include it

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

/// Every function taking a store `path` also takes an http://, https:// or s3://
/// location (directory and blob layouts; see remote.hpp and the README's
/// "Models on object storage"). Dumps go to s3:// only.

/// Which layout the store at `path` has, judged from its content (not its name).
/// Throws format_error if it is none of them, io_error if it cannot be read.
layout detect_layout(const std::string& path, const remote_options& remote = {});

/// Reads and validates only the manifest of the store at `path` (no array data):
/// cheap even for huge models (include fitstore/manifest.hpp to use it). `raw`, if given, receives the JSON as stored.
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
