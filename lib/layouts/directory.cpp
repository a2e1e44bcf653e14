// Layout "directory": NAME/manifest.json plus a zarr v2 group. Each array is a
// zarr array folder (.zarray + chunk files "0.0", "1.0", ...), each object a
// group (.zgroup + .zattrs naming its fitstore type), so zarr-python reads
// every array without fitstore. The manifest is the source of truth; the
// .zarray files are an interop view written from it.
//
// Reading never leaves the store folder: every path is opened segment by
// segment with O_NOFOLLOW, and only regular single-link files are read.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "codecs/zarr_metadata.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "io/atomic_target.hpp"
#include "io/mapping.hpp"
#include "io/posix_file.hpp"
#include "layouts/layout.hpp"
#include "store/layout_registry.hpp"
#include "store/manifest_internal.hpp"

namespace fitstore::detail {

// Compares every array's .zarray with the manifest and lists the files of each
// array folder against the chunks the manifest names (defined below). Returns
// one message per problem. Throws io_error if the folder cannot be read.
std::vector<std::string> check_directory_container(const std::string& path, const manifest& m);

namespace {

using nlohmann::json;

constexpr const char* k_manifest_file = "manifest.json";

std::string chunk_path(const array_record& rec, std::size_t i) {
    std::string key = zarr_chunk_key(chunk_index(rec.chunk_grid(), i));
    // zarr's "/" dimension separator nests chunk files in folders.
    auto sep = rec.extra.find("dimension_separator");
    if (sep != rec.extra.end() && *sep == "/")
        for (auto& c : key)
            if (c == '.') c = '/';
    return rec.key + "/" + key;
}

json zarr_fill_value(dtype type) {
    if (type == dtype::bool_) return false;
    if (is_floating(type)) return 0.0;
    return 0;
}

void write_text_file(const std::string& path, const std::string& text) {
    unique_fd fd = create_file(path);
    write_all(fd.get(), text.data(), text.size(), path);
}

void make_folder(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw_errno(path, "cannot create folder");
}

class directory_writer final : public chunk_part_writer {
public:
    directory_writer(const std::string& path, const writer_settings& settings)
        : m_target(path, atomic_target::kind::directory, settings.durable) {}

    void begin_array(const array_record& rec) override {
        // Create the groups on the way (objects without arrays get theirs at commit).
        std::size_t slash = 0;
        while ((slash = rec.key.find('/', slash)) != std::string::npos) {
            make_folder(m_target.temp_path() + "/" + rec.key.substr(0, slash));
            ++slash;
        }
        const std::string folder = m_target.temp_path() + "/" + rec.key;
        make_folder(folder);
        write_text_file(folder + "/.zarray", zarray_metadata(rec).dump(4));
    }

    void write_chunk_part(array_record& rec, std::size_t index, std::uint64_t offset, std::uint64_t total,
                          const void* bytes, std::size_t size) override {
        const std::string path = m_target.temp_path() + "/" + chunk_path(rec, index);
        if (offset == 0) m_part_file = create_file(path);
        write_all(m_part_file.get(), bytes, size, path);
        if (offset + size == total) m_part_file.reset();
    }

    void commit(const manifest& m) override {
        write_groups(m.root, m_target.temp_path());
        write_text_file(m_target.temp_path() + "/" + k_manifest_file, manifest_to_json(m).dump(1));
        m_target.commit();
    }

private:
    void write_groups(const object_record& obj, const std::string& folder) {
        make_folder(folder);
        write_text_file(folder + "/.zgroup", json{{"zarr_format", 2}}.dump(4));
        json attrs;
        attrs["fitstore_type"] = obj.type;
        attrs["fitstore_version"] = obj.version;
        attrs["fitstore_params"] = obj.params;
        write_text_file(folder + "/.zattrs", attrs.dump(4));
        for (const auto& [name, child] : obj.children) write_groups(child, folder + "/" + name);
    }

    atomic_target m_target;
    unique_fd m_part_file;  ///< the chunk file write_chunk_part is filling
};

std::string read_small_file(int dirfd, const std::string& relative, const std::string& full, std::size_t cap,
                            const std::string& field) {
    std::uint64_t size = 0;
    unique_fd fd = open_beneath(dirfd, relative, full, size);
    if (size > cap)
        throw format_error(full, field, "file of " + std::to_string(size) + " bytes exceeds the limit of " +
                                            std::to_string(cap) + " bytes");
    std::string text(static_cast<std::size_t>(size), '\0');
    pread_exact(fd.get(), text.data(), text.size(), 0, full);
    return text;
}

bool exists_beneath(int dirfd, const std::string& relative) {
    struct stat st {};
    return ::fstatat(dirfd, relative.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/// Describes a zarr v2 group written by another tool (no manifest.json) as a
/// manifest: every array becomes a member of an array_bundle, every sub-group a
/// child bundle. Chunk sizes come from the chunk files; there are no checksums.
/// The result goes through the same validator as any manifest.
class foreign_zarr_scanner {
public:
    foreign_zarr_scanner(int dirfd, std::string root) : m_dirfd(dirfd), m_root(std::move(root)) {}

    json scan() {
        json m;
        m["format"] = format_name;
        m["format_version"] = "1.0";
        m["layout"] = "directory";
        m["source"] = "zarr v2 group without a fitstore manifest";
        m["arrays"] = json::object();
        m["root"] = scan_group("", m["arrays"], 0);
        return m;
    }

private:
    json read_json(const std::string& relative) {
        const std::string full = m_root + "/" + relative;
        const std::string text = read_small_file(m_dirfd, relative, full, std::size_t(1) << 20, "");
        try {
            return json::parse(text);
        } catch (const json::exception& e) {
            throw format_error(full, "", std::string("invalid JSON: ") + e.what());
        }
    }

    static bool zarr_format_is_2(const json& j) {
        if (!j.is_object()) return false;
        auto it = j.find("zarr_format");
        return it != j.end() && it->is_number_integer() && it->get<std::int64_t>() == 2;
    }

    json scan_group(const std::string& prefix, json& arrays, std::size_t depth) {
        const std::string where = prefix.empty() ? m_root : m_root + "/" + prefix;
        if (depth > manifest_limits::max_depth) throw format_error(where, "", "groups nested too deeply");
        const json group = read_json(prefix.empty() ? ".zgroup" : prefix + "/.zgroup");
        if (!zarr_format_is_2(group))
            throw format_error(where + "/.zgroup", "zarr_format", "expected 2");
        unique_fd folder = prefix.empty() ? unique_fd(::dup(m_dirfd)) : open_directory_beneath(m_dirfd, prefix, where);
        std::set<std::string> names;
        DIR* dir = ::fdopendir(::dup(folder.get()));
        if (!dir) throw_errno(where, "cannot list folder");
        while (dirent* entry = ::readdir(dir)) {
            std::string name = entry->d_name;
            // Names fitstore cannot address (hidden, odd characters) are not members.
            if (is_valid_name(name)) names.insert(std::move(name));
            if (names.size() > manifest_limits::max_arrays) break;
        }
        ::closedir(dir);
        json obj = {{"type", "array_bundle"}, {"version", 1}, {"params", json::object()},
                    {"arrays", json::array()}, {"children", json::array()}};
        for (const auto& name : names) {
            const std::string relative = prefix.empty() ? name : prefix + "/" + name;
            if (exists_beneath(m_dirfd, relative + "/.zarray")) {
                arrays[relative] = scan_array(relative);
                obj["arrays"].push_back({{"name", name}, {"key", relative}});
            } else if (exists_beneath(m_dirfd, relative + "/.zgroup")) {
                obj["children"].push_back({{"name", name}, {"object", scan_group(relative, arrays, depth + 1)}});
            }
        }
        return obj;
    }

    json scan_array(const std::string& key) {
        // A .zarray value of the wrong kind (nlohmann's type_error from value()/get())
        // becomes a format_error naming the file.
        try {
            return scan_array_unchecked(key);
        } catch (const json::exception& e) {
            throw format_error(m_root + "/" + key + "/.zarray", "", std::string("unexpected zarr metadata: ") + e.what());
        }
    }

    json scan_array_unchecked(const std::string& key) {
        const std::string file = m_root + "/" + key + "/.zarray";
        const json z = read_json(key + "/.zarray");
        bool zero_fill = true;
        array_record rec = zarr_header(z, key, file, zero_fill);
        scan_chunks(rec, file, zero_fill);
        rec.raw_bytes = byte_count(rec.shape, rec.type);
        json entry = array_to_json(rec, false);
        entry["codec"]["level"] = rec.codec.level;  // as the .zarray states it (0: the codec's default)
        return entry;
    }

    // The array record a .zarray describes (no chunks yet); `zero_fill` tells
    // whether a missing chunk reads as zeros.
    static array_record zarr_header(const json& z, const std::string& key, const std::string& file, bool& zero_fill) {
        auto fail = [&](const std::string& field, const std::string& message) {
            throw format_error(file, field, message);
        };
        if (!zarr_format_is_2(z)) fail("zarr_format", "expected 2");
        if (!z.contains("dtype") || !z["dtype"].is_string()) fail("dtype", "expected a numpy typestr");
        array_record rec;
        rec.key = key;
        bool big = false;
        rec.type = dtype_from_typestr(z["dtype"].get<std::string>(), big, file, "dtype");
        rec.big_endian = big;  // only written out as the byte order the .zarray states
        if (z.value("order", "C") != "C") fail("order", "expected \"C\" (Fortran-order zarr arrays are not supported)");
        rec.codec = codec_from_zarr(z.value("compressor", json()), z.value("filters", json()), itemsize(rec.type), file);
        const json fill = z.value("fill_value", json());
        zero_fill = fill.is_null() || (fill.is_number() && fill.get<double>() == 0.0) ||
                    (fill.is_boolean() && !fill.get<bool>());
        const std::string separator = z.value("dimension_separator", ".");
        if (separator != "." && separator != "/") fail("dimension_separator", "expected \".\" or \"/\"");
        rec.extra["dimension_separator"] = separator;
        // get<shape_t>() would convert -1 or 1e300 silently (or with undefined behaviour): check each entry.
        auto dims = [&](const char* name) {
            const auto it = z.find(name);
            if (it == z.end() || !it->is_array() || it->size() > manifest_limits::max_rank)
                fail(name, "expected a list of at most 32 non-negative integers");
            shape_t out;
            for (const json& d : *it) {
                if (!d.is_number_unsigned()) fail(name, "expected non-negative integers, found " + d.dump());
                out.push_back(d.get<std::size_t>());
            }
            return out;
        };
        rec.shape = dims("shape");
        rec.chunk_shape = dims("chunks");
        if (rec.shape.size() != rec.chunk_shape.size() || rec.shape.size() > manifest_limits::max_rank)
            fail("chunks", "expected the same rank as shape, at most 32");
        for (auto c : rec.chunk_shape)
            if (c == 0) fail("chunks", "chunk dimensions must be at least 1");
        return rec;
    }

    // One chunk record per chunk of the grid: the file's size, or absent (zeros).
    void scan_chunks(array_record& rec, const std::string& file, bool zero_fill) const {
        const std::optional<std::size_t> n = chunk_count_within(rec, manifest_limits::max_chunks_per_array);
        if (!n) throw format_error(file, "chunks", "too many chunks");
        rec.chunks.resize(*n);
        for (std::size_t i = 0; i < *n; ++i) {
            const std::string relative = chunk_path(rec, i);
            struct stat st {};
            if (::fstatat(m_dirfd, relative.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
                rec.chunks[i].stored_bytes = static_cast<std::uint64_t>(st.st_size);
                rec.stored_bytes += rec.chunks[i].stored_bytes;
            } else {
                if (!zero_fill)
                    throw format_error(file, "fill_value", "chunk " + relative + " is missing and fill_value is not zero");
                rec.chunks[i].present = false;
            }
        }
    }

    int m_dirfd;
    std::string m_root;
};

class directory_reader final : public layout_reader {
public:
    explicit directory_reader(const std::string& path) : m_path(path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) throw_errno(path, "cannot open store folder");
        m_dir.reset(fd);
        const std::string manifest_path = path + "/" + k_manifest_file;
        if (exists_beneath(m_dir.get(), k_manifest_file)) {
            const std::string text = read_small_file(m_dir.get(), k_manifest_file, manifest_path,
                                                     manifest_limits::max_manifest_bytes, "manifest");
            m_manifest = read_manifest_for(text, "directory", manifest_path, m_json, " in a folder store");
        } else {
            // A zarr group from another tool: describe it with a synthesized manifest.
            json j = foreign_zarr_scanner(m_dir.get(), path).scan();
            m_manifest = manifest_from_json(j, path + "/.zgroup");
            m_json = j;
        }
    }

    const manifest& get_manifest() const override { return m_manifest; }
    const json& manifest_json() const override { return m_json; }
    const std::string& path() const override { return m_path; }
    bool concurrent_reads() const override { return true; }

    void read_chunk(const array_record& rec, std::size_t index, std::vector<std::uint8_t>& out) override {
        std::uint64_t size = 0;
        unique_fd fd = open_chunk(rec, index, size, false);
        out.resize(static_cast<std::size_t>(size));
        pread_exact(fd.get(), out.data(), out.size(), 0, m_path + "/" + chunk_path(rec, index));
    }

    void read_chunk_into(const array_record& rec, std::size_t index, void* dst, std::size_t bytes) override {
        std::uint64_t size = 0;
        unique_fd fd = open_chunk(rec, index, size, false);
        if (size != bytes)
            throw format_error(m_path + "/" + chunk_path(rec, index), "", "expected " + std::to_string(bytes) +
                                                                             " bytes, found " + std::to_string(size));
        pread_exact(fd.get(), dst, bytes, 0, m_path + "/" + chunk_path(rec, index));
    }

    bool read_chunk_part(const array_record& rec, std::size_t index, std::uint64_t offset, void* dst,
                         std::size_t bytes) override {
        std::uint64_t size = 0;
        unique_fd fd = open_chunk(rec, index, size, false);
        if (offset > size || bytes > size - offset)
            throw format_error(m_path + "/" + chunk_path(rec, index), "", "read past the end of the chunk");
        pread_exact(fd.get(), dst, bytes, offset, m_path + "/" + chunk_path(rec, index));
        return true;
    }

    mapped_array map_array(const array_record& rec, mmap_mode mode, std::string& reason) override {
        std::uint64_t size = 0;
        unique_fd fd = open_chunk(rec, 0, size, mode == mmap_mode::r_plus);
        (void)reason;
        return map_file_range(fd.get(), 0, static_cast<std::size_t>(size), mode, m_path + "/" + chunk_path(rec, 0));
    }

    /// Every chunk file's size against the manifest before the engine allocates the
    /// array: a manifest cannot claim more than the files hold. (A stat only; each
    /// file is opened beneath the store, O_NOFOLLOW, when it is read.)
    void check_backing(const array_record& rec) const override {
        for (std::size_t i = 0; i < rec.chunks.size(); ++i) {
            if (!rec.chunks[i].present) continue;
            const std::string relative = chunk_path(rec, i);
            struct stat st {};
            if (::fstatat(m_dir.get(), relative.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno == ENOENT) throw format_error(m_path + "/" + relative, "", "file is missing");
                throw_errno(m_path + "/" + relative, "cannot stat");
            }
            if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) != rec.chunks[i].stored_bytes)
                throw_size_mismatch(rec, i, static_cast<std::uint64_t>(st.st_size));
        }
    }

    std::vector<container_check> check_container() const override {
        const std::vector<std::string> problems = check_directory_container(m_path, m_manifest);
        std::string detail;
        for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
        return {{"zarr container", problems.empty(),
                 problems.empty() ? "every .zarray matches the manifest; no missing or extra files" : detail}};
    }

private:

    [[noreturn]] void throw_size_mismatch(const array_record& rec, std::size_t index, std::uint64_t size) const {
        throw format_error(m_path + "/" + chunk_path(rec, index),
                           "arrays." + rec.key + ".chunks[" + std::to_string(index) + "].stored_bytes",
                           "expected a chunk file of " + std::to_string(rec.chunks[index].stored_bytes) +
                               " bytes, found " + std::to_string(size) + " (truncated, extended or replaced)");
    }

    unique_fd open_chunk(const array_record& rec, std::size_t index, std::uint64_t& size, bool writable) {
        const std::string relative = chunk_path(rec, index);
        const std::string full = m_path + "/" + relative;
        unique_fd fd = open_beneath(m_dir.get(), relative, full, size, writable);
        if (size != rec.chunks[index].stored_bytes) throw_size_mismatch(rec, index, size);
        return fd;
    }

    std::string m_path;
    unique_fd m_dir;
    manifest m_manifest;
    json m_json;
};

/// Adds `relative` and every folder above it to `folders`.
void add_folders(const std::string& relative, std::set<std::string>& folders) {
    std::size_t slash = 0;
    while ((slash = relative.find('/', slash)) != std::string::npos) folders.insert(relative.substr(0, slash++));
    folders.insert(relative);
}

void expect_groups(const object_record& obj, const std::string& prefix, std::set<std::string>& files,
                   std::set<std::string>& folders) {
    if (!prefix.empty()) add_folders(prefix, folders);
    files.insert(prefix.empty() ? ".zgroup" : prefix + "/.zgroup");
    files.insert(prefix.empty() ? ".zattrs" : prefix + "/.zattrs");
    for (const auto& [name, child] : obj.children) expect_groups(child, prefix.empty() ? name : prefix + "/" + name, files, folders);
}

/// Lists every entry beneath `dirfd` (no symlinks followed) as relative paths.
void walk_folder(int dirfd, const std::string& prefix, const std::string& root, std::size_t depth,
                 std::set<std::string>& files, std::set<std::string>& folders, std::vector<std::string>& problems) {
    if (depth > manifest_limits::max_depth) {
        problems.push_back(prefix + ": folders nested too deeply");
        return;
    }
    DIR* dir = ::fdopendir(::dup(dirfd));
    if (!dir) throw_errno(root + "/" + prefix, "cannot list folder");
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
        if (names.size() > manifest_limits::max_total_chunks) break;
    }
    ::closedir(dir);
    for (const auto& name : names) {
        const std::string relative = prefix.empty() ? name : prefix + "/" + name;
        struct stat st {};
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno(root + "/" + relative, "cannot stat");
        if (S_ISDIR(st.st_mode)) {
            folders.insert(relative);
            unique_fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) throw_errno(root + "/" + relative, "cannot open folder");
            walk_folder(sub.get(), relative, root, depth + 1, files, folders, problems);
        } else if (S_ISREG(st.st_mode)) {
            files.insert(relative);
        } else {
            problems.push_back(relative + ": not a regular file or folder (symbolic link or special file)");
        }
    }
}

}  // namespace

nlohmann::json zarray_metadata(const array_record& rec) {
    json zarray;
    zarray["zarr_format"] = 2;
    zarray["shape"] = rec.shape;
    zarray["chunks"] = rec.chunk_shape;
    zarray["dtype"] = numpy_typestr(rec.type);
    zarray["compressor"] = zarr_compressor(rec.codec, rec.item_size());
    zarray["filters"] = zarr_filters(rec.codec, rec.item_size());
    zarray["fill_value"] = zarr_fill_value(rec.type);
    zarray["order"] = "C";
    zarray["dimension_separator"] = ".";
    return zarray;
}

std::vector<std::string> check_directory_container(const std::string& path, const manifest& m) {
    std::vector<std::string> problems;
    unique_fd root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root) throw_errno(path, "cannot open folder");
    // What the manifest says must be there.
    std::set<std::string> want_files = {k_manifest_file}, want_folders;
    expect_groups(m.root, "", want_files, want_folders);
    for (const auto& [key, rec] : m.arrays) {
        add_folders(key, want_folders);
        want_files.insert(key + "/.zarray");
        for (std::size_t i = 0; i < rec.chunks.size(); ++i)
            if (rec.chunks[i].present) want_files.insert(chunk_path(rec, i));
        // The interop view must say what the manifest says.
        const std::string file = key + "/.zarray";
        json found;
        try {
            found = json::parse(read_small_file(root.get(), file, path + "/" + file, manifest_limits::max_manifest_bytes,
                                                ".zarray"));
        } catch (const json::exception& e) {
            problems.push_back(file + ": invalid JSON (" + e.what() + ")");
            continue;
        } catch (const error& e) {
            problems.push_back(file + ": " + e.message());
            continue;
        }
        const json expected = zarray_metadata(rec);
        for (const auto& [field, value] : expected.items())
            if (!found.contains(field) || found[field] != value)
                problems.push_back(file + ": " + field + ": expected " + value.dump() + " (from the manifest), found " +
                                   (found.contains(field) ? found[field].dump() : std::string("nothing")));
    }
    // What is there.
    std::set<std::string> have_files, have_folders;
    walk_folder(root.get(), "", path, 0, have_files, have_folders, problems);
    for (const auto& f : want_files)
        if (!have_files.count(f)) problems.push_back(f + ": missing (named by the manifest)");
    for (const auto& f : have_files)
        if (!want_files.count(f) && f.substr(f.find_last_of('/') + 1) != ".zattrs")
            problems.push_back(f + ": unexpected file (not named by the manifest)");
    for (const auto& f : have_folders)
        if (!want_folders.count(f)) problems.push_back(f + "/: unexpected folder (not named by the manifest)");
    return problems;
}

std::unique_ptr<layout_writer> make_directory_writer(const std::string& path, const writer_settings& settings) {
    return std::make_unique<directory_writer>(path, settings);
}

std::unique_ptr<layout_reader> open_directory_reader(const std::string& path) {
    return std::make_unique<directory_reader>(path);
}

void rewrite_directory_manifest(const std::string& path, const manifest& m, bool durable) {
    if (durable) fsync_tree(path);  // the data the new checksums describe is on disk first
    const std::string final_path = path + "/" + k_manifest_file;
    const std::string temp = final_path + ".reseal-" + std::to_string(::getpid());
    ::unlink(temp.c_str());  // a leftover of an interrupted reseal by a process with this pid
    {
        unique_fd fd = create_file(temp);
        const std::string text = manifest_to_json(m).dump(1);
        try {
            write_all(fd.get(), text.data(), text.size(), temp);
            if (durable) fsync_fd(fd.get(), temp);
        } catch (...) {
            ::unlink(temp.c_str());
            throw;
        }
    }
    if (::rename(temp.c_str(), final_path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        errno = err;
        throw_errno(final_path, "cannot replace the manifest");
    }
    if (durable) fsync_directory(path);
}

}  // namespace fitstore::detail

namespace fitstore::detail {

std::string directory_chunk_key(const array_record& rec, std::size_t i) { return chunk_path(rec, i); }

layout_backend directory_layout_backend() {
    layout_backend b;
    b.name = "directory";
    b.summary = "zarr v2 folder";
    // A folder holding the manifest, or a zarr group written by another tool.
    b.sniff = [](const path_probe& p) {
        return p.folder_has(k_manifest_file) || p.folder_has(".zgroup") ? sniff_result::certain : sniff_result::no;
    };
    b.make_writer = make_directory_writer;
    b.open_reader = open_directory_reader;
    b.rewrite_manifest = rewrite_directory_manifest;
    return b;
}

}  // namespace fitstore::detail
