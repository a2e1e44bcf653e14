// The `hdf5` layout's writer: one NAME.h5 holding one dataset per array in
// groups that mirror the object tree, plus the manifest as root attribute
// `fitstore_manifest` (how each array is stored: layouts/hdf5_storage.hpp).
#include <hdf5.h>

#include <set>
#include <string>
#include <vector>

#include "fitstore/errors.hpp"
#include "io/atomic_target.hpp"
#include "io/posix_file.hpp"
#include "layouts/hdf5_filters.hpp"
#include "layouts/hdf5_ids.hpp"
#include "layouts/hdf5_storage.hpp"
#include "layouts/hdf5_types.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {
namespace h5 {
namespace {

constexpr hsize_t file_alignment = 4096;

class hdf5_writer final : public layout_writer {
public:
    hdf5_writer(const std::string& path, const writer_settings& settings)
        : m_path(path), m_target(path, atomic_target::kind::file, settings.durable) {
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
            const std::string refused = not_in_hdf5(rec.codec);
            if (!refused.empty()) throw usage_error(m_path, dataset_field(key) + ".codec", refused);
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

    codecs::chunk_encoding chunk_encoding(const array_record& rec) const override { return chunk_encoding_for(rec); }

    std::uint64_t write_chunk(array_record& rec, std::size_t index, const void* bytes, std::size_t size) override {
        quiet_hdf5();
        const std::string field = dataset_field(rec.key);
        if (!m_dataset) throw usage_error(m_path, field, "write_chunk called outside begin_array/end_array");
        if (m_storage != storage::chunked) {
            // One raw chunk (chunk_encoding): contiguous data or a compressed 0-d/empty value.
            if (size != rec.raw_bytes)
                throw usage_error(m_path, field, "expected one chunk of " + std::to_string(rec.raw_bytes) +
                                                     " bytes, got " + std::to_string(size));
            if (size != 0)
                check(H5Dwrite(m_dataset.get(), m_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes), side::write,
                      m_path, field, "cannot write dataset");
            return size;
        }
        // Encoded by the engine in the HDF5 filter's framing: stored as it is.
        const auto offset = chunk_offset(rec, index);
        check(H5Dwrite_chunk(m_dataset.get(), H5P_DEFAULT, 0, offset.data(), size, bytes), side::write, m_path, field,
              "cannot write chunk");
        return size;
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
            set_filters(dcpl.get(), rec, m_path, field);
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
};

}  // namespace
}  // namespace h5

std::unique_ptr<layout_writer> make_hdf5_writer(const std::string& path, const writer_settings& settings) {
    return std::make_unique<h5::hdf5_writer>(path, settings);
}

void rewrite_hdf5_manifest(const std::string& path, const manifest& m, bool durable) {
    using namespace h5;
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
