// The `hdf5` layout: one NAME.h5 holding one dataset per array in groups that
// mirror the object tree, plus the manifest as root attribute
// `fitstore_manifest`. Written with HDF5's C API rather than its C++ wrapper
// because the direct chunk calls (H5Dwrite_chunk/H5Dread_chunk) and the error
// stack walk exist only there.
//
// How each array is stored (and how the reader expects to find it):
//   - uncompressed, one chunk: contiguous, 4096-aligned, allocated early, never
//     filled, written by one H5Dwrite from the caller's memory: mmap-able at
//     H5Dget_offset;
//   - compressed (rank >= 1, not empty): chunked with chunk dims = rec.chunk_shape
//     and the filter pipeline h5py needs to decode it ([shuffle 2] + deflate 1 |
//     zstd 32015 | lz4 32004, or blosc 32001), chunks written pre-compressed
//     with H5Dwrite_chunk (lz4 re-framed from numcodecs' to the HDF5 filter's
//     framing, everything else byte-identical);
//   - uncompressed with several chunks (foreign files): chunked, no filters;
//   - compressed but 0-d or empty: HDF5 cannot chunk these, so the value is
//     stored raw and contiguous, and read_chunk re-encodes it with the codec.
//
// HDF5's parser is not hardened against hostile files: this layout is for
// trusted files. The reader still refuses external links, external storage and
// virtual datasets (they would read other files), and checks every dataset
// against the manifest before anything is read.
#include <hdf5.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "fitstore/errors.hpp"
#include "io/atomic_target.hpp"
#include "io/mapping.hpp"
#include "io/posix_file.hpp"
#include "layouts/hdf5_filters.hpp"
#include "layouts/layout.hpp"
#include "store_checks.hpp"

namespace fitstore::detail {
namespace {

constexpr const char* manifest_attribute = "fitstore_manifest";
constexpr const char* format_attribute = "fitstore_format";
constexpr hsize_t file_alignment = 4096;

// HDF5's automatic error printing is per thread in the thread-safe build, so
// every entry point silences it for the calling thread.
void quiet_hdf5() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// Owns one HDF5 identifier; closing never throws.
class h5_id {
public:
    using closer = herr_t (*)(hid_t);
    h5_id() = default;
    h5_id(hid_t id, closer close) noexcept : m_id(id), m_close(close) {}
    h5_id(h5_id&& o) noexcept : m_id(std::exchange(o.m_id, H5I_INVALID_HID)), m_close(o.m_close) {}
    h5_id& operator=(h5_id&& o) noexcept {
        if (this != &o) {
            reset();
            m_id = std::exchange(o.m_id, H5I_INVALID_HID);
            m_close = o.m_close;
        }
        return *this;
    }
    h5_id(const h5_id&) = delete;
    h5_id& operator=(const h5_id&) = delete;
    ~h5_id() { reset(); }

    hid_t get() const noexcept { return m_id; }
    /// Gives up ownership (the caller closes).
    hid_t release() noexcept { return std::exchange(m_id, H5I_INVALID_HID); }
    explicit operator bool() const noexcept { return m_id >= 0; }
    void reset() noexcept {
        if (m_id >= 0 && m_close) m_close(m_id);
        m_id = H5I_INVALID_HID;
    }

private:
    hid_t m_id = H5I_INVALID_HID;
    closer m_close = nullptr;
};

herr_t collect_error(unsigned n, const H5E_error2_t* e, void* data) {
    auto* text = static_cast<std::string*>(data);
    if (n >= 12) return 0;
    if (!text->empty()) *text += "; ";
    *text += e->func_name ? e->func_name : "?";
    *text += ": ";
    *text += e->desc ? e->desc : "";
    char minor[160];
    if (H5Eget_msg(e->min_num, nullptr, minor, sizeof minor) > 0) {
        *text += " (";
        *text += minor;
        *text += ")";
    }
    return 0;
}

// The calling thread's HDF5 error stack as one line, then cleared.
std::string hdf5_error_stack() {
    std::string text;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, &collect_error, &text);
    H5Eclear2(H5E_DEFAULT);
    return text.empty() ? std::string("no HDF5 error detail") : text;
}

// Reads fail with format_error (the file is not what it should be), writes
// with io_error (the system refused).
enum class side { read, write };

[[noreturn]] void throw_hdf5(side s, const std::string& path, const std::string& field, const std::string& what) {
    std::string message = what + " [HDF5: " + hdf5_error_stack() + "]";
    if (s == side::write) throw io_error(path, field, std::move(message));
    throw format_error(path, field, std::move(message));
}

hid_t check_id(hid_t id, side s, const std::string& path, const std::string& field, const char* what) {
    if (id < 0) throw_hdf5(s, path, field, what);
    return id;
}

void check(herr_t status, side s, const std::string& path, const std::string& field, const char* what) {
    if (status < 0) throw_hdf5(s, path, field, what);
}

std::string dataset_field(const std::string& key) { return "dataset /" + key; }

// ---------------------------------------------------------------- types

// The file type of each dtype: little-endian as fitstore writes; bool as the
// enum {FALSE=0, TRUE=1} over int8 that h5py maps to numpy bool.
h5_id make_file_type(dtype t) {
    hid_t base = H5I_INVALID_HID;
    switch (t) {
        case dtype::bool_: {
            hid_t e = H5Tenum_create(H5T_STD_I8LE);
            signed char no = 0, yes = 1;
            H5Tenum_insert(e, "FALSE", &no);
            H5Tenum_insert(e, "TRUE", &yes);
            return h5_id(e, H5Tclose);
        }
        case dtype::int8: base = H5T_STD_I8LE; break;
        case dtype::int16: base = H5T_STD_I16LE; break;
        case dtype::int32: base = H5T_STD_I32LE; break;
        case dtype::int64: base = H5T_STD_I64LE; break;
        case dtype::uint8: base = H5T_STD_U8LE; break;
        case dtype::uint16: base = H5T_STD_U16LE; break;
        case dtype::uint32: base = H5T_STD_U32LE; break;
        case dtype::uint64: base = H5T_STD_U64LE; break;
        case dtype::float32: base = H5T_IEEE_F32LE; break;
        case dtype::float64: base = H5T_IEEE_F64LE; break;
    }
    return h5_id(H5Tcopy(base), H5Tclose);
}

// True when the stored type holds `t` in the manifest's byte order bit for bit.
bool type_matches(hid_t stored, dtype t, bool big_endian) {
    h5_id expected = make_file_type(t);
    if (!expected) return false;
    if (t == dtype::bool_) {
        if (H5Tget_class(stored) != H5T_ENUM || H5Tget_size(stored) != 1) return false;
        h5_id super(H5Tget_super(stored), H5Tclose);
        return super && H5Tget_class(super.get()) == H5T_INTEGER;
    }
    if (big_endian && itemsize(t) > 1) H5Tset_order(expected.get(), H5T_ORDER_BE);
    if (itemsize(t) == 1 && H5Tget_class(stored) == H5T_INTEGER && H5Tget_size(stored) == 1)
        return H5Tget_sign(stored) == H5Tget_sign(expected.get());
    return H5Tequal(stored, expected.get()) > 0;
}

std::string describe_type(hid_t type) {
    const char* cls = "other";
    switch (H5Tget_class(type)) {
        case H5T_INTEGER: cls = "integer"; break;
        case H5T_FLOAT: cls = "float"; break;
        case H5T_ENUM: cls = "enum"; break;
        case H5T_STRING: cls = "string"; break;
        case H5T_COMPOUND: cls = "compound"; break;
        default: break;
    }
    std::string order = H5Tget_order(type) == H5T_ORDER_BE ? " big-endian" : "";
    return std::string(cls) + " of " + std::to_string(H5Tget_size(type)) + " bytes" + order;
}

// ---------------------------------------------------------------- storage plan

enum class storage { contiguous, chunked, raw_value };

std::size_t grid_count(const array_record& rec) {
    std::size_t n = 1;
    for (std::size_t g : rec.chunk_grid()) n *= g;
    return n;
}

storage storage_for(const array_record& rec) {
    if (rec.codec.id == codec_id::none)
        return rec.chunk_shape == rec.shape && grid_count(rec) <= 1 ? storage::contiguous : storage::chunked;
    if (rec.shape.empty() || rec.raw_bytes == 0) return storage::raw_value;
    return storage::chunked;
}

bool is_blosc(codec_id id) { return id == codec_id::blosc_lz4 || id == codec_id::blosc_zstd; }

// alp has no HDF5 filter that h5py or any other HDF5 reader could load, and the
// layout promises that h5py reads every dataset: so it is refused, both ways.
std::string alp_refused(codec_id id) {
    const std::string name(codec_name(id));
    return "codec " + name + " is not available in the hdf5 layout (no HDF5 filter decodes it, so h5py could not "
           "read the dataset): use the directory or blob layout for " + name +
           ", or another codec (e.g. --codec zstd:3)";
}

// The HDF5 filter ids of the pipeline for `spec`, in order.
std::vector<H5Z_filter_t> pipeline_for(const codec_spec& spec) {
    std::vector<H5Z_filter_t> ids;
    if (spec.id == codec_id::none) return ids;
    if (spec.shuffle && !is_blosc(spec.id)) ids.push_back(H5Z_FILTER_SHUFFLE);
    switch (spec.id) {
        case codec_id::zlib: ids.push_back(H5Z_FILTER_DEFLATE); break;
        case codec_id::zstd: ids.push_back(h5z::zstd_filter_id); break;
        case codec_id::lz4: ids.push_back(h5z::lz4_filter_id); break;
        case codec_id::blosc_lz4:
        case codec_id::blosc_zstd: ids.push_back(h5z::blosc_filter_id); break;
        case codec_id::none:
        case codec_id::alp:
        case codec_id::alp_zstd:
        case codec_id::automatic: break;
    }
    return ids;
}

std::vector<hsize_t> to_hsize(const shape_t& s) { return std::vector<hsize_t>(s.begin(), s.end()); }

h5_id make_space(const shape_t& shape) {
    if (shape.empty()) return h5_id(H5Screate(H5S_SCALAR), H5Sclose);
    const auto dims = to_hsize(shape);
    return h5_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
}

// The first element of chunk `index`, as HDF5's direct chunk calls want it.
std::vector<hsize_t> chunk_offset(const array_record& rec, std::size_t index) {
    const shape_t pos = chunk_index(rec.chunk_grid(), index);
    std::vector<hsize_t> offset(pos.size());
    for (std::size_t d = 0; d < pos.size(); ++d) offset[d] = static_cast<hsize_t>(pos[d]) * rec.chunk_shape[d];
    return offset;
}

void write_string_attribute(hid_t obj, const char* name, const std::string& value, const std::string& path) {
    h5_id type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    h5_id space(H5Screate(H5S_SCALAR), H5Sclose);
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    h5_id attr(check_id(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), side::write, path,
                        name, "cannot create attribute"),
               H5Aclose);
    const char* data = value.c_str();
    check(H5Awrite(attr.get(), type.get(), &data), side::write, path, name, "cannot write attribute");
}

// Reads a string attribute (variable-length or fixed) of at most `max_bytes`.
std::string read_string_attribute(hid_t obj, const char* name, std::size_t max_bytes, const std::string& path) {
    const htri_t exists = H5Aexists(obj, name);
    if (exists <= 0)
        throw format_error(path, name, "root attribute \"" + std::string(name) +
                                           "\" is missing: not an HDF5 file written by fitstore");
    h5_id attr(check_id(H5Aopen(obj, name, H5P_DEFAULT), side::read, path, name, "cannot open attribute"), H5Aclose);
    h5_id type(check_id(H5Aget_type(attr.get()), side::read, path, name, "cannot read attribute type"), H5Tclose);
    h5_id space(check_id(H5Aget_space(attr.get()), side::read, path, name, "cannot read attribute shape"), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1)
        throw format_error(path, name, "expected one string, found " + describe_type(type.get()) + " with " +
                                           std::to_string(H5Sget_simple_extent_npoints(space.get())) + " elements");
    h5_id mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::string text;
    if (H5Tis_variable_str(type.get()) > 0) {
        H5Tset_size(mem.get(), H5T_VARIABLE);
        char* data = nullptr;
        check(H5Aread(attr.get(), mem.get(), &data), side::read, path, name, "cannot read attribute");
        if (data) {
            text.assign(data, ::strnlen(data, max_bytes + 1));
            H5free_memory(data);
        }
    } else {
        const std::size_t size = H5Tget_size(type.get());
        if (size > max_bytes)
            throw format_error(path, name, "string of " + std::to_string(size) + " bytes exceeds the limit of " +
                                               std::to_string(max_bytes));
        H5Tset_size(mem.get(), size);
        text.assign(size, '\0');
        check(H5Aread(attr.get(), mem.get(), text.data()), side::read, path, name, "cannot read attribute");
        text.resize(::strnlen(text.data(), size));
    }
    if (text.size() > max_bytes)
        throw format_error(path, name, "string exceeds the limit of " + std::to_string(max_bytes) + " bytes");
    return text;
}

// ---------------------------------------------------------------- writer

class hdf5_writer final : public layout_writer {
public:
    hdf5_writer(const std::string& path, const dump_options& options)
        : m_path(path), m_target(path, atomic_target::kind::file, options.durable) {
        quiet_hdf5();
        h5z::register_filters();
        h5_id fapl = make_fapl(false);
        m_file = h5_id(check_id(H5Fcreate(m_target.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                                side::write, m_path, "", "cannot create HDF5 file"),
                       H5Fclose);
    }

    void begin(const manifest& skeleton) override {
        quiet_hdf5();
        // Page alignment applies to every allocation of the open file, and
        // metadata aligned to 4 KiB would bloat it. So mappable datasets are
        // created unaligned with late allocation, then the file is reopened
        // aligned once and each one's storage allocated by a one-element
        // write; their data is written later from the caller's memory.
        std::vector<const array_record*> mappable;
        for (const auto& [key, rec] : skeleton.arrays) {
            if (is_float_codec(rec.codec.id)) throw usage_error(m_path, dataset_field(key) + ".codec", alp_refused(rec.codec.id));
            // An HDF5 dataset cannot also be a group: "x" and "x/y" cannot both be arrays.
            for (auto slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1))
                if (skeleton.arrays.count(key.substr(0, slash)) != 0)
                    throw usage_error(m_path, dataset_field(key),
                                      "\"" + key.substr(0, slash) +
                                          "\" is both an array and a parent of arrays; the hdf5 layout cannot store "
                                          "that (a dataset cannot hold others): rename one of them");
            if (needs_alignment(rec)) mappable.push_back(&rec);
        }
        if (mappable.empty()) return;
        for (const array_record* rec : mappable) create_dataset(*rec, H5D_ALLOC_TIME_LATE);
        use_alignment(true);
        const std::uint64_t zero = 0;
        for (const array_record* rec : mappable) {
            const std::string field = dataset_field(rec->key);
            h5_id ds(check_id(H5Dopen2(m_file.get(), ("/" + rec->key).c_str(), H5P_DEFAULT), side::write, m_path,
                              field, "cannot open dataset"),
                     H5Dclose);
            h5_id type(H5Dget_type(ds.get()), H5Tclose);
            h5_id file_space(H5Dget_space(ds.get()), H5Sclose);
            if (!rec->shape.empty()) {
                const std::vector<hsize_t> start(rec->shape.size(), 0), one(rec->shape.size(), 1);
                H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, one.data(), nullptr);
            }
            h5_id mem_space(H5Screate(H5S_SCALAR), H5Sclose);
            check(H5Dwrite(ds.get(), type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, &zero), side::write,
                  m_path, field, "cannot allocate dataset");
            m_precreated.insert(rec->key);
        }
        use_alignment(false);
    }

    void begin_array(const array_record& rec) override {
        quiet_hdf5();
        const std::string field = dataset_field(rec.key);
        m_storage = storage_for(rec);
        if (m_precreated.count(rec.key) != 0) {
            m_dataset = h5_id(check_id(H5Dopen2(m_file.get(), ("/" + rec.key).c_str(), H5P_DEFAULT), side::write,
                                       m_path, field, "cannot open dataset"),
                              H5Dclose);
        } else {
            // Without begin() the dataset is allocated at creation, aligned.
            use_alignment(needs_alignment(rec));
            m_dataset = create_dataset(rec, H5D_ALLOC_TIME_EARLY);
        }
        m_type = h5_id(check_id(H5Dget_type(m_dataset.get()), side::write, m_path, field, "cannot read type"),
                       H5Tclose);
        write_string_attribute(m_dataset.get(), "dtype", std::string(dtype_name(rec.type)), m_path);
        write_string_attribute(m_dataset.get(), "codec", codec_to_string(rec.codec), m_path);
    }

    std::uint64_t write_chunk(array_record& rec, std::size_t index, const void* bytes, std::size_t size) override {
        quiet_hdf5();
        const std::string field = dataset_field(rec.key);
        if (!m_dataset) throw usage_error(m_path, field, "write_chunk called outside begin_array/end_array");
        switch (m_storage) {
            case storage::contiguous: {
                if (size != rec.raw_bytes)
                    throw usage_error(m_path, field, "expected one chunk of " + std::to_string(rec.raw_bytes) +
                                                         " bytes, got " + std::to_string(size));
                if (size != 0)
                    check(H5Dwrite(m_dataset.get(), m_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes), side::write,
                          m_path, field, "cannot write dataset");
                return size;
            }
            case storage::raw_value: {
                if (rec.raw_bytes == 0) return 0;
                std::vector<std::uint8_t> raw(rec.raw_bytes);
                decode_chunk(rec.codec, rec.item_size(), bytes, size, raw.data(), raw.size(), m_path, field);
                check(H5Dwrite(m_dataset.get(), m_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), side::write,
                      m_path, field, "cannot write dataset");
                return raw.size();
            }
            case storage::chunked: break;
        }
        const void* data = bytes;
        std::size_t stored = size;
        if (rec.codec.id == codec_id::lz4) {
            h5z::lz4_numcodecs_to_hdf5(static_cast<const std::uint8_t*>(bytes), size, m_scratch, m_path, field);
            data = m_scratch.data();
            stored = m_scratch.size();
        }
        const auto offset = chunk_offset(rec, index);
        check(H5Dwrite_chunk(m_dataset.get(), H5P_DEFAULT, 0, offset.data(), stored, data), side::write, m_path,
              field, "cannot write chunk");
        return stored;
    }

    void end_array(array_record& rec) override {
        (void)rec;
        quiet_hdf5();
        m_dataset.reset();
        m_type.reset();
    }

    void commit(const manifest& m) override {
        quiet_hdf5();
        m_dataset.reset();
        describe_objects(m);
        write_string_attribute(m_file.get(), format_attribute,
                               std::string(format_name) + " " + m.format_version, m_path);
        write_string_attribute(m_file.get(), manifest_attribute, manifest_to_json(m).dump(), m_path);
        close_file();
        m_target.commit();
    }

private:
    static bool needs_alignment(const array_record& rec) {
        return storage_for(rec) == storage::contiguous && rec.raw_bytes > 0;
    }

    h5_id create_dataset(const array_record& rec, H5D_alloc_time_t contiguous_alloc) {
        const std::string field = dataset_field(rec.key);
        const storage kind = storage_for(rec);
        h5_id type = make_file_type(rec.type);
        h5_id space = make_space(rec.shape);
        h5_id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
        if (kind == storage::chunked) {
            if (rec.chunk_shape.size() != rec.shape.size() || rec.shape.empty())
                throw usage_error(m_path, field, "chunk shape " + shape_to_string(rec.chunk_shape) +
                                                     " does not fit shape " + shape_to_string(rec.shape));
            auto chunk = to_hsize(rec.chunk_shape);
            auto dims = to_hsize(rec.shape);
            // HDF5 wants chunk dims within fixed dims; an axis whose chunk is
            // larger than the array is declared extendible instead.
            std::vector<hsize_t> maxdims = dims;
            for (std::size_t d = 0; d < dims.size(); ++d)
                if (chunk[d] > dims[d]) maxdims[d] = H5S_UNLIMITED;
            if (maxdims != dims)
                space = h5_id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), maxdims.data()), H5Sclose);
            check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), side::write, m_path, field,
                  "invalid chunk shape");
            set_filters(dcpl.get(), rec, field);
        } else {
            check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), side::write, m_path, field, "cannot set layout");
            H5Pset_alloc_time(dcpl.get(), contiguous_alloc);
        }
        // No timestamps: the same model dumps to the same bytes.
        H5Pset_obj_track_times(dcpl.get(), false);
        h5_id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
        H5Pset_create_intermediate_group(lcpl.get(), 1);
        return h5_id(check_id(H5Dcreate2(m_file.get(), ("/" + rec.key).c_str(), type.get(), space.get(), lcpl.get(),
                                         dcpl.get(), H5P_DEFAULT),
                              side::write, m_path, field, "cannot create dataset"),
                     H5Dclose);
    }

    // File access for the writer, page-aligned or not (see begin()).
    static h5_id make_fapl(bool aligned) {
        h5_id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
        if (aligned) {
            // Small raw data is normally packed into shared blocks; turn that
            // off so that small arrays start on a page too.
            H5Pset_alignment(fapl.get(), 1, file_alignment);
            H5Pset_small_data_block_size(fapl.get(), 0);
        }
        H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
        H5Pset_file_locking(fapl.get(), false, true);
        H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_V110);
        return fapl;
    }

    // Closes the file, reporting what HDF5 could not flush; the id is gone either way.
    void close_file() {
        check(H5Fclose(m_file.release()), side::write, m_path, "", "cannot close HDF5 file");
    }

    void use_alignment(bool aligned) {
        if (aligned == m_aligned) return;
        m_dataset.reset();
        close_file();
        h5_id fapl = make_fapl(aligned);
        m_file = h5_id(check_id(H5Fopen(m_target.temp_path().c_str(), H5F_ACC_RDWR, fapl.get()), side::write,
                                m_path, "", "cannot reopen HDF5 file"),
                       H5Fclose);
        m_aligned = aligned;
    }

    void set_filters(hid_t dcpl, const array_record& rec, const std::string& field) {
        const int level = effective_level(rec.codec);
        const auto fail = [&](herr_t status) { check(status, side::write, m_path, field, "cannot set filter"); };
        if (rec.codec.shuffle && !is_blosc(rec.codec.id)) fail(H5Pset_shuffle(dcpl));
        switch (rec.codec.id) {
            case codec_id::none:
            case codec_id::alp:  // refused in begin()
            case codec_id::alp_zstd:
            case codec_id::automatic: break;
            case codec_id::zlib: fail(H5Pset_deflate(dcpl, static_cast<unsigned>(level))); break;
            case codec_id::zstd: {
                const unsigned cd[1] = {static_cast<unsigned>(level)};
                fail(H5Pset_filter(dcpl, h5z::zstd_filter_id, H5Z_FLAG_MANDATORY, 1, cd));
                break;
            }
            case codec_id::lz4: {
                const unsigned cd[1] = {0};  // the plugin's default block size
                fail(H5Pset_filter(dcpl, h5z::lz4_filter_id, H5Z_FLAG_MANDATORY, 1, cd));
                break;
            }
            case codec_id::blosc_lz4:
            case codec_id::blosc_zstd: {
                // hdf5-blosc's cd_values; the chunks themselves are blosc frames
                // that describe their own settings.
                const unsigned cd[7] = {2,
                                        2,
                                        static_cast<unsigned>(rec.item_size()),
                                        static_cast<unsigned>(rec.chunk_raw_bytes()),
                                        static_cast<unsigned>(level),
                                        rec.codec.shuffle ? 1u : 0u,
                                        rec.codec.id == codec_id::blosc_lz4 ? 1u : 5u};
                fail(H5Pset_filter(dcpl, h5z::blosc_filter_id, H5Z_FLAG_MANDATORY, 7, cd));
                break;
            }
        }
    }

    // Attributes for Python users: each dataset's role ("type:member") and
    // each object's type on the group that mirrors it.
    void describe_objects(const manifest& m) {
        describe_object(m.root, "/");
    }
    void describe_object(const object_record& obj, const std::string& group) {
        if (H5Lexists(m_file.get(), group.c_str(), H5P_DEFAULT) > 0 || group == "/") {
            h5_id g(H5Gopen2(m_file.get(), group.c_str(), H5P_DEFAULT), H5Gclose);
            if (g) {
                write_string_attribute(g.get(), "fitstore_type", obj.type, m_path);
            }
        }
        H5Eclear2(H5E_DEFAULT);
        for (const auto& [member, key] : obj.arrays) {
            h5_id ds(H5Dopen2(m_file.get(), ("/" + key).c_str(), H5P_DEFAULT), H5Dclose);
            if (ds) write_string_attribute(ds.get(), "role", obj.type + ":" + member, m_path);
            H5Eclear2(H5E_DEFAULT);
        }
        for (const auto& [name, child] : obj.children)
            describe_object(child, group == "/" ? "/" + name : group + "/" + name);
    }

    std::string m_path;
    atomic_target m_target;  // declared before m_file: the file closes before the temporary is removed
    h5_id m_file;
    h5_id m_dataset;
    h5_id m_type;
    storage m_storage = storage::contiguous;
    bool m_aligned = false;
    std::set<std::string> m_precreated;  // datasets begin() created aligned
    std::vector<std::uint8_t> m_scratch;
};

// ---------------------------------------------------------------- reader

herr_t refuse_foreign_links(hid_t, const char* name, const H5L_info_t* info, void* data) {
    if (info->type != H5L_TYPE_HARD && info->type != H5L_TYPE_SOFT) {
        *static_cast<std::string*>(data) = name;
        return 1;  // stop
    }
    return 0;
}

class hdf5_reader final : public layout_reader {
public:
    explicit hdf5_reader(const std::string& path) : m_path(path) {
        quiet_hdf5();
        h5z::register_filters();
        // Open the file ourselves (regular file, no symlink) and let HDF5 open
        // that very inode, so mappings made later see the same bytes.
        m_fd = open_regular_readonly(path, m_file_size);
        struct stat st {};
        if (::fstat(m_fd.get(), &st) != 0) throw_errno(path, "fstat failed");
        m_dev = st.st_dev;
        m_ino = st.st_ino;
        h5_id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
        // Readers never block each other or a writer (HDF5 1.10 would lock).
        H5Pset_file_locking(fapl.get(), false, true);
        H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
        const std::string proc = "/proc/self/fd/" + std::to_string(m_fd.get());
        m_file = h5_id(check_id(H5Fopen(proc.c_str(), H5F_ACC_RDONLY, fapl.get()), side::read, m_path, "",
                                "not a readable HDF5 file"),
                       H5Fclose);
        h5_id fcpl(H5Fget_create_plist(m_file.get()), H5Pclose);
        hsize_t userblock = 0;
        if (fcpl) H5Pget_userblock(fcpl.get(), &userblock);
        m_userblock = userblock;

        std::string bad_link;
        const herr_t walked =
            H5Lvisit(m_file.get(), H5_INDEX_NAME, H5_ITER_NATIVE, &refuse_foreign_links, &bad_link);
        if (!bad_link.empty())
            throw format_error(m_path, "/" + bad_link,
                               "external or user-defined link refused (it would read another file)");
        check(walked, side::read, m_path, "", "cannot walk the file's links");

        m_manifest_text = read_string_attribute(m_file.get(), manifest_attribute,
                                                manifest_limits::max_manifest_bytes, m_path);
        m_manifest_json = parse_manifest_json(m_manifest_text, m_path);
        m_manifest = manifest_from_json(m_manifest_json, m_path);
        if (m_manifest.layout != "hdf5")
            throw format_error(m_path, "layout", "expected \"hdf5\", found \"" + m_manifest.layout + "\"");
        for (const auto& [key, rec] : m_manifest.arrays) open_dataset(rec);
    }

    const manifest& get_manifest() const override { return m_manifest; }
    const nlohmann::json& manifest_json() const override { return m_manifest_json; }
    const std::string& path() const override { return m_path; }
    bool concurrent_reads() const override { return false; }

    void read_chunk(const array_record& rec, std::size_t index, std::vector<std::uint8_t>& out) override {
        quiet_hdf5();
        const dataset_info& ds = find(rec);
        const std::string field = dataset_field(rec.key);
        switch (ds.kind) {
            case storage::contiguous:
                out.resize(rec.raw_bytes);
                read_whole(ds, rec, out.data(), out.size());
                return;
            case storage::raw_value: {
                std::vector<std::uint8_t> raw(rec.raw_bytes);
                if (!raw.empty()) read_whole(ds, rec, raw.data(), raw.size());
                encode_chunk(rec.codec, rec.item_size(), raw.data(), raw.size(), out);
                return;
            }
            case storage::chunked: break;
        }
        std::vector<std::uint8_t>& stored = rec.codec.id == codec_id::lz4 ? m_scratch : out;
        if (!read_stored_chunk(ds, rec, index, stored))
            reencode_chunk(ds, rec, index, out);
        else if (rec.codec.id == codec_id::lz4)
            h5z::lz4_hdf5_to_numcodecs(m_scratch.data(), m_scratch.size(), rec.chunk_raw_bytes(), out, m_path, field);
    }

    void read_chunk_into(const array_record& rec, std::size_t index, void* dst, std::size_t bytes) override {
        quiet_hdf5();
        const dataset_info& ds = find(rec);
        const std::string field = dataset_field(rec.key);
        if (rec.codec.id != codec_id::none)
            throw usage_error(m_path, field, "read_chunk_into needs an uncompressed array");
        if (ds.kind == storage::contiguous) {
            if (bytes != rec.raw_bytes)
                throw usage_error(m_path, field, "expected " + std::to_string(rec.raw_bytes) + " bytes, asked for " +
                                                     std::to_string(bytes));
            read_whole(ds, rec, dst, bytes);
            return;
        }
        const auto offset = chunk_offset(rec, index);
        unsigned mask = 0;
        const std::uint64_t stored = checked_chunk_size(ds, rec, index, offset, mask);
        if (stored != bytes)
            throw format_error(m_path, field, "chunk " + std::to_string(index) + ": expected " +
                                                  std::to_string(bytes) + " bytes, found " + std::to_string(stored));
        std::uint32_t filters = 0;
        check(H5Dread_chunk(ds.id.get(), H5P_DEFAULT, offset.data(), &filters, dst), side::read, m_path, field,
              "cannot read chunk");
    }

    bool read_chunk_part(const array_record& rec, std::size_t index, std::uint64_t offset, void* dst,
                         std::size_t bytes) override {
        quiet_hdf5();
        std::string reason;
        const haddr_t base = index == 0 ? contiguous_offset(find(rec), rec, reason) : HADDR_UNDEF;
        if (base == HADDR_UNDEF) return false;
        if (offset > rec.raw_bytes || bytes > rec.raw_bytes - offset)
            throw format_error(m_path, dataset_field(rec.key), "read past the end of the dataset");
        pread_exact(m_fd.get(), dst, bytes, base + offset, m_path);
        return true;
    }

    mapped_array map_array(const array_record& rec, mmap_mode mode, std::string& reason) override {
        quiet_hdf5();
        const dataset_info& ds = find(rec);
        const haddr_t offset = contiguous_offset(ds, rec, reason);
        if (offset == HADDR_UNDEF) return {};
        if (offset % rec.item_size() != 0) {
            // Other writers (h5py) do not align data: a mapping would hand out
            // misaligned elements.
            reason = "dataset at file offset " + std::to_string(offset) + " is not aligned to its " +
                     std::to_string(rec.item_size()) + "-byte elements";
            return {};
        }
        if (mode != mmap_mode::r_plus) return map_file_range(m_fd.get(), offset, rec.raw_bytes, mode, m_path);
        // r+ needs a writable descriptor of the same file.
        std::uint64_t size = 0;
        unique_fd rw;
        try {
            rw = open_regular_readonly(m_path, size, true);
        } catch (const error& e) {
            reason = std::string("cannot open the file for writing: ") + e.what();
            return {};
        }
        struct stat st {};
        if (::fstat(rw.get(), &st) != 0 || st.st_dev != m_dev || st.st_ino != m_ino) {
            reason = "the file was replaced since it was opened";
            return {};
        }
        return map_file_range(rw.get(), offset, rec.raw_bytes, mode, m_path);
    }

    /// The dataset read by HDF5 itself (H5Dread through its filter pipeline), as a verifier's second opinion.
    any_array read_with_hdf5(const array_record& rec) {
        quiet_hdf5();
        any_array out = any_array::allocate(rec.type, rec.shape, false);
        read_whole(find(rec), rec, out.mutable_data(), out.nbytes());
        return out;
    }

private:
    struct dataset_info {
        h5_id id;
        h5_id type;
        storage kind = storage::contiguous;
    };

    const dataset_info& find(const array_record& rec) const {
        auto it = m_datasets.find(rec.key);
        if (it == m_datasets.end())
            throw usage_error(m_path, dataset_field(rec.key), "array is not in this file's manifest");
        return it->second;
    }

    // Checks the dataset against its manifest record before anything is read.
    void open_dataset(const array_record& rec) {
        const std::string field = dataset_field(rec.key);
        const std::string name = "/" + rec.key;
        H5O_info_t oinfo{};
        if (H5Oget_info_by_name2(m_file.get(), name.c_str(), &oinfo, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
            H5Eclear2(H5E_DEFAULT);
            throw format_error(m_path, field, "dataset named in the manifest is missing");
        }
        if (oinfo.type != H5O_TYPE_DATASET) throw format_error(m_path, field, "expected a dataset, found another object");
        dataset_info info;
        info.id = h5_id(check_id(H5Dopen2(m_file.get(), name.c_str(), H5P_DEFAULT), side::read, m_path, field,
                                 "cannot open dataset"),
                        H5Dclose);
        h5_id dcpl(check_id(H5Dget_create_plist(info.id.get()), side::read, m_path, field, "cannot read properties"),
                   H5Pclose);
        const H5D_layout_t layout = H5Pget_layout(dcpl.get());
        if (layout == H5D_VIRTUAL) throw format_error(m_path, field, "virtual dataset refused (it reads other files)");
        if (H5Pget_external_count(dcpl.get()) != 0)
            throw format_error(m_path, field, "external storage refused (the data would come from other files)");

        info.type = h5_id(check_id(H5Dget_type(info.id.get()), side::read, m_path, field, "cannot read type"),
                          H5Tclose);
        if (!type_matches(info.type.get(), rec.type, rec.big_endian))
            throw format_error(m_path, field,
                               "expected " + std::string(dtype_name(rec.type)) +
                                   (rec.big_endian ? " big-endian" : "") + ", found " + describe_type(info.type.get()));

        h5_id space(check_id(H5Dget_space(info.id.get()), side::read, m_path, field, "cannot read shape"), H5Sclose);
        const int rank = H5Sget_simple_extent_ndims(space.get());
        std::vector<hsize_t> dims(rank > 0 ? static_cast<std::size_t>(rank) : 0);
        if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
        const shape_t found(dims.begin(), dims.end());
        if (rank < 0 || found != rec.shape)
            throw format_error(m_path, field,
                               "expected shape " + shape_to_string(rec.shape) + ", found " + shape_to_string(found));

        if (is_float_codec(rec.codec.id)) throw format_error(m_path, field + ".codec", alp_refused(rec.codec.id));
        info.kind = storage_for(rec);
        if (info.kind == storage::chunked) {
            // A foreign uncompressed array may be one chunk stored chunked.
            if (layout != H5D_CHUNKED)
                throw format_error(m_path, field, "expected a chunked dataset for codec " +
                                                      codec_to_string(rec.codec) + ", found another layout");
            check_chunks(dcpl.get(), rec, field);
        } else if (layout == H5D_CHUNKED && rec.codec.id == codec_id::none && !rec.shape.empty()) {
            check_chunks(dcpl.get(), rec, field);
            info.kind = storage::chunked;
        } else if (layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) {
            throw format_error(m_path, field, "expected a contiguous dataset, found a chunked one");
        }
        m_datasets.emplace(rec.key, std::move(info));
    }

    void check_chunks(hid_t dcpl, const array_record& rec, const std::string& field) {
        std::vector<hsize_t> chunk(rec.shape.size());
        const int rank = H5Pget_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
        const shape_t found(chunk.begin(), chunk.end());
        if (rank != static_cast<int>(rec.shape.size()) || found != rec.chunk_shape)
            throw format_error(m_path, field, "expected chunks of " + shape_to_string(rec.chunk_shape) + ", found " +
                                                  shape_to_string(found));
        const auto expected = pipeline_for(rec.codec);
        const int n = H5Pget_nfilters(dcpl);
        std::vector<H5Z_filter_t> ids;
        std::string names;
        for (int i = 0; i < n; ++i) {
            unsigned flags = 0, config = 0;
            std::size_t nelmts = 0;
            char name[64] = {};
            ids.push_back(H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &nelmts, nullptr, sizeof name, name,
                                         &config));
            names += (names.empty() ? "" : ", ") + std::to_string(ids.back());
        }
        if (ids != expected) {
            std::string want;
            for (auto id : expected) want += (want.empty() ? "" : ", ") + std::to_string(id);
            throw format_error(m_path, field, "codec " + codec_to_string(rec.codec) + " expects HDF5 filters [" +
                                                  want + "], found [" + names + "]");
        }
    }

    /// File offset of a contiguous dataset's raw bytes, or HADDR_UNDEF with `reason` set
    /// when the bytes cannot be addressed directly (mapped or read with pread).
    haddr_t contiguous_offset(const dataset_info& ds, const array_record& rec, std::string& reason) {
        if (ds.kind != storage::contiguous) {
            reason = "dataset is chunked, not contiguous";
            return HADDR_UNDEF;
        }
        if (rec.raw_bytes == 0) {
            reason = "array is empty";
            return HADDR_UNDEF;
        }
        if (m_userblock != 0) {
            reason = "file has a user block";
            return HADDR_UNDEF;
        }
        const haddr_t offset = H5Dget_offset(ds.id.get());
        H5Eclear2(H5E_DEFAULT);
        if (offset == HADDR_UNDEF) {
            reason = "dataset has no single file offset (not allocated, compact or external)";
            return HADDR_UNDEF;
        }
        if (offset > m_file_size || rec.raw_bytes > m_file_size - offset) {
            reason = "dataset at offset " + std::to_string(offset) + " + " + std::to_string(rec.raw_bytes) +
                     " bytes lies beyond the file's " + std::to_string(m_file_size) + " bytes";
            return HADDR_UNDEF;
        }
        return offset;
    }

    void read_whole(const dataset_info& ds, const array_record& rec, void* dst, std::size_t bytes) {
        const std::string field = dataset_field(rec.key);
        if (bytes != rec.raw_bytes)
            throw format_error(m_path, field, "expected " + std::to_string(rec.raw_bytes) + " bytes");
        if (bytes == 0) return;
        check(H5Dread(ds.id.get(), ds.type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, dst), side::read, m_path, field,
              "cannot read dataset");
    }

    // Size of the stored chunk, checked against the manifest and the file.
    // `mask` receives the chunk's filter mask (bits of filters skipped when it was written).
    std::uint64_t checked_chunk_size(const dataset_info& ds, const array_record& rec, std::size_t index,
                                     const std::vector<hsize_t>& offset, unsigned& mask) {
        const std::string field = dataset_field(rec.key);
        if (index >= rec.chunks.size())
            throw format_error(m_path, field, "chunk " + std::to_string(index) + " is not in the manifest");
        mask = 0;
        haddr_t addr = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info_by_coord(ds.id.get(), offset.data(), &mask, &addr, &size) < 0)
            throw_hdf5(side::read, m_path, field, "cannot locate chunk " + std::to_string(index));
        if (addr == HADDR_UNDEF)
            throw format_error(m_path, field, "chunk " + std::to_string(index) + " is missing from the file");
        if (size != rec.chunks[index].stored_bytes)
            throw format_error(m_path, field + " chunk " + std::to_string(index),
                               "expected " + std::to_string(rec.chunks[index].stored_bytes) +
                                   " stored bytes (manifest), found " + std::to_string(size));
        if (addr > m_file_size || size > m_file_size - addr)
            throw format_error(m_path, field, "chunk " + std::to_string(index) + " lies beyond the end of the file");
        return size;
    }

    // The chunk's stored bytes; false (and `out` untouched) if the writer
    // skipped optional filters for it (h5py marks its filters optional, and
    // HDF5 then stores chunks that do not shrink unfiltered).
    bool read_stored_chunk(const dataset_info& ds, const array_record& rec, std::size_t index,
                           std::vector<std::uint8_t>& out) {
        const auto offset = chunk_offset(rec, index);
        unsigned mask = 0;
        const std::uint64_t size = checked_chunk_size(ds, rec, index, offset, mask);
        if (mask != 0) return false;
        out.resize(static_cast<std::size_t>(size));
        std::uint32_t filters = 0;
        check(H5Dread_chunk(ds.id.get(), H5P_DEFAULT, offset.data(), &filters, out.data()), side::read, m_path,
              dataset_field(rec.key), "cannot read chunk");
        return true;
    }

    // A chunk with skipped filters: let HDF5 decode its region, then encode
    // it canonically (edge chunks zero-padded, as zarr stores them).
    void reencode_chunk(const dataset_info& ds, const array_record& rec, std::size_t index,
                        std::vector<std::uint8_t>& out) {
        const std::string field = dataset_field(rec.key);
        const auto start = chunk_offset(rec, index);
        std::vector<hsize_t> count(start.size()), chunk = to_hsize(rec.chunk_shape);
        for (std::size_t d = 0; d < start.size(); ++d) count[d] = std::min<hsize_t>(chunk[d], rec.shape[d] - start[d]);
        h5_id file_space(check_id(H5Dget_space(ds.id.get()), side::read, m_path, field, "cannot read shape"),
                         H5Sclose);
        h5_id mem_space(H5Screate_simple(static_cast<int>(chunk.size()), chunk.data(), nullptr), H5Sclose);
        const std::vector<hsize_t> zero(start.size(), 0);
        check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
              side::read, m_path, field, "cannot select chunk");
        check(H5Sselect_hyperslab(mem_space.get(), H5S_SELECT_SET, zero.data(), nullptr, count.data(), nullptr),
              side::read, m_path, field, "cannot select chunk");
        std::vector<std::uint8_t> raw(rec.chunk_raw_bytes(), 0);
        check(H5Dread(ds.id.get(), ds.type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, raw.data()),
              side::read, m_path, field, "cannot read chunk");
        encode_chunk(rec.codec, rec.item_size(), raw.data(), raw.size(), out);
    }

    std::string m_path;
    unique_fd m_fd;
    std::uint64_t m_file_size = 0;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    std::uint64_t m_userblock = 0;
    h5_id m_file;
    std::string m_manifest_text;
    manifest m_manifest;
    nlohmann::json m_manifest_json;
    std::map<std::string, dataset_info> m_datasets;
    std::vector<std::uint8_t> m_scratch;
};

}  // namespace

std::unique_ptr<layout_writer> make_hdf5_writer(const std::string& path, const dump_options& options) {
    return std::make_unique<hdf5_writer>(path, options);
}

any_array read_dataset_with_hdf5(const std::string& path, const array_record& rec) {
    hdf5_reader reader(path);
    return reader.read_with_hdf5(rec);
}

std::unique_ptr<layout_reader> open_hdf5_reader(const std::string& path) {
    return std::make_unique<hdf5_reader>(path);
}

bool looks_like_hdf5(const std::string& path) {
    static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    try {
        std::uint64_t size = 0;
        unique_fd fd = open_regular_readonly(path, size);
        // The superblock sits at 0 or, after a user block, at 512, 1024, 2048...
        for (std::uint64_t at = 0; at + 8 <= size && at <= (std::uint64_t(1) << 20); at = at == 0 ? 512 : at * 2) {
            unsigned char head[8];
            pread_exact(fd.get(), head, sizeof head, at, path);
            if (std::memcmp(head, signature, 8) == 0) return true;
        }
    } catch (const error&) {
        return false;
    }
    return false;
}

void rewrite_hdf5_manifest(const std::string& path, const manifest& m, bool durable) {
    quiet_hdf5();
    std::uint64_t size = 0;
    unique_fd fd = open_regular_readonly(path, size, true);
    if (durable) fsync_fd(fd.get(), path);  // data first, then the manifest describing it
    h5_id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_file_locking(fapl.get(), false, true);
    H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
    // Through the descriptor just opened (O_NOFOLLOW, regular file), like the reader.
    const std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
    {
        h5_id file(check_id(H5Fopen(proc.c_str(), H5F_ACC_RDWR, fapl.get()), side::write, path, "",
                            "cannot open the HDF5 file for writing"),
                   H5Fclose);
        write_string_attribute(file.get(), manifest_attribute, manifest_to_json(m).dump(), path);
        check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), side::write, path, manifest_attribute, "cannot flush");
    }
    if (durable) fsync_fd(fd.get(), path);
}

}  // namespace fitstore::detail
