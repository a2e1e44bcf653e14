// The layout registry (tensorstore's driver registry is the model): every back
// end registers its name, file extensions, a sniff function, writer and reader
// factories and its manifest rewrite. Name parsing, detection, the engine's
// writer/reader choice, reseal, the manifest's layout check and the CLI's
// --layout choices all read it; nothing switches on a layout.
//
// The built-in back ends (directory, hdf5, blob) are listed in
// layout_registry.cpp and registered on the registry's first use, not by
// static objects in their files: a static library drops object files nothing
// references, and static constructors across files run in no fixed order. A
// program adds its own back end with register_layout() (from main, or from a
// static object in the program itself, which is always linked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fitstore/options.hpp"
#include "io/posix_file.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {

/// What detection learned about a local path, handed to every sniff function.
/// Built once per detection: stat, and for a regular file one open descriptor.
class path_probe {
public:
    /// Throws io_error when `path` cannot be looked at (other than not existing).
    explicit path_probe(const std::string& path);
    const std::string& path() const noexcept { return m_path; }
    bool exists() const noexcept { return m_exists; }
    bool is_folder() const noexcept { return m_folder; }
    bool is_file() const noexcept { return m_file; }
    std::uint64_t size() const noexcept { return m_size; }
    /// Reads `n` bytes at `offset` of the regular file; false (nothing read) when
    /// the path is no regular file or is shorter than offset + n.
    bool read(std::uint64_t offset, void* dst, std::size_t n) const;
    /// True when the folder holds an entry `name` (not followed if a link).
    bool folder_has(const char* name) const;

private:
    std::string m_path;
    bool m_exists = false;
    bool m_folder = false;
    bool m_file = false;
    std::uint64_t m_size = 0;
    unique_fd m_fd;
};

/// How sure a back end is that a path holds one of its stores. Detection picks
/// the highest; `likely` loses to another layout's `certain` (an HDF5
/// signature behind a user block is weaker than a magic at offset 0).
enum class sniff_result { no, likely, certain };

struct layout_backend {
    std::string name;                     ///< "directory", "hdf5", ...: the manifest's "layout"
    std::vector<std::string> extensions;  ///< lower case, no dot; dump picks this layout for them
    std::string summary;                  ///< one line for help texts, e.g. "one HDF5 file"
    std::function<sniff_result(const path_probe&)> sniff;
    std::function<std::unique_ptr<layout_writer>(const std::string& path, const writer_settings&)> make_writer;
    std::function<std::unique_ptr<layout_reader>(const std::string& path)> open_reader;
    /// Reseal: replaces the manifest in place (see layout.hpp). Unset: reseal refuses.
    std::function<void(const std::string& path, const manifest& m, bool durable)> rewrite_manifest;
    /// The manifest records each chunk's offset (the blob's chunks sit at offsets in one buffer).
    bool records_chunk_offsets = false;
    /// The back end can store the alp codec (hdf5 cannot: no HDF5 reader has a filter for it).
    bool stores_alp = true;

    /// The layout id naming this back end (valid while the program runs).
    fitstore::layout id() const noexcept { return fitstore::layout(name); }
};

/// Adds a back end. Throws usage_error if its name or one of its extensions is taken.
void register_layout(layout_backend backend);
/// The back end named `name`, or nullptr.
const layout_backend* find_layout_backend(std::string_view name);
/// The back end of `l`; throws usage_error naming the registered layouts.
const layout_backend& layout_backend_for(fitstore::layout l);
/// Every back end in registration order (the built-ins first: directory, hdf5, blob).
std::vector<const layout_backend*> registered_layouts();
/// The registered names as a list for messages: "directory, hdf5 or blob"
/// (`quote`: "\"directory\", \"hdf5\" or \"blob\"").
std::string layout_choices(bool quote = false);

// The built-in back ends, each defined in its own file.
layout_backend directory_layout_backend();  // layouts/directory.cpp
layout_backend hdf5_layout_backend();       // layouts/hdf5_layout.cpp
layout_backend blob_layout_backend();       // layouts/blob.cpp

}  // namespace fitstore::detail
