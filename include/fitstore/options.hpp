// What dump and load take: the layout id, the mmap mode, dump_options and
// load_options. Light on purpose (no archive, manifest or registry), so back
// ends and tools that only pass options around compile little.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fitstore/codec.hpp"
#include "fitstore/remote.hpp"

namespace fitstore {

/// A store layout, named by the back end registered for it: "directory",
/// "hdf5" and "blob" are built in; a program may register more (see
/// lib/layouts/registry.hpp). Compared by name.
class layout {
public:
    /// The default layout, directory.
    constexpr layout() noexcept = default;
    /// The layout registered as `name`; `name` must outlive every copy (a
    /// string literal, or the registry's copy that parse_layout hands out).
    constexpr explicit layout(std::string_view name) noexcept : m_name(name) {}

    static const layout directory;  ///< a zarr v2 group in a folder (the default)
    static const layout hdf5;       ///< one HDF5 file
    static const layout blob;       ///< one buffer: header + 64-byte-aligned raw arrays

    constexpr std::string_view name() const noexcept { return m_name; }
    friend constexpr bool operator==(layout a, layout b) noexcept { return a.m_name == b.m_name; }
    friend constexpr bool operator!=(layout a, layout b) noexcept { return !(a == b); }

private:
    std::string_view m_name = "directory";
};
inline constexpr layout layout::directory{"directory"};
inline constexpr layout layout::hdf5{"hdf5"};
inline constexpr layout layout::blob{"blob"};

/// numpy/joblib semantics: r read-only, c copy-on-write (file unchanged), r_plus writes reach the file.
enum class mmap_mode : std::uint8_t { none, r, c, r_plus };

/// The layout's registered name ("directory", "hdf5", "blob", ...).
std::string_view layout_name(layout l) noexcept;
/// A registered layout by name ("directory" | "hdf5" | "blob" | ...); throws usage_error.
layout parse_layout(std::string_view text);
std::string_view mmap_mode_name(mmap_mode m) noexcept;
/// "none" | "r" | "c" | "r+"; throws usage_error.
mmap_mode parse_mmap_mode(std::string_view text);

/// The layout a dump picks when none is given, from the target's name:
/// ".h5" or ".hdf5" -> hdf5, ".fitstore" -> blob (the extensions layouts
/// register), anything else -> directory (extension compared
/// case-insensitively; trailing slashes ignored).
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

/// `options.layout` if set, else layout_for_path(path): the layout write_store uses.
layout effective_layout(const dump_options& options, std::string_view path) noexcept;

}  // namespace fitstore
