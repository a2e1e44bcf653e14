// The `hdf5` layout's reader. HDF5's parser is not hardened against hostile
// files: this layout is for trusted files. The reader still refuses external
// links, external storage and virtual datasets (they would read other files),
// and checks every dataset against the manifest before anything is read.
#include <hdf5.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "fitstore/errors.hpp"
#include "io/mapping.hpp"
#include "io/posix_file.hpp"
#include "layouts/hdf5_filters.hpp"
#include "layouts/hdf5_ids.hpp"
#include "layouts/hdf5_storage.hpp"
#include "layouts/hdf5_types.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {
namespace h5 {
namespace {

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
        m_manifest = read_manifest_for(m_manifest_text, "hdf5", m_path, m_manifest_json);
        for (const auto& [key, rec] : m_manifest.arrays) open_dataset(rec);
    }

    const manifest& get_manifest() const override { return m_manifest; }
    const nlohmann::json& manifest_json() const override { return m_manifest_json; }
    const std::string& path() const override { return m_path; }
    bool concurrent_reads() const override { return false; }

    // Every chunk is handed over as stored: the codec in HDF5 filter framing, or
    // raw (contiguous data, compressed 0-d/empty values, and chunks whose
    // optional filters were skipped: stored raw, or decoded by HDF5's pipeline
    // when only some were skipped).
    codecs::chunk_encoding chunk_encoding(const array_record& rec, std::size_t index) override {
        quiet_hdf5();
        const dataset_info& ds = find(rec);
        if (ds.kind != storage::chunked || rec.codec.id == codec_id::none) return {};
        return skipped_filters(ds, rec, index) ? codecs::chunk_encoding{} : chunk_encoding_for(rec);
    }

    void read_chunk(const array_record& rec, std::size_t index, std::vector<std::uint8_t>& out) override {
        quiet_hdf5();
        const dataset_info& ds = find(rec);
        if (ds.kind != storage::chunked) {
            out.resize(rec.raw_bytes);
            read_whole(ds, rec, out.data(), out.size());
            return;
        }
        const auto offset = chunk_offset(rec, index);
        unsigned mask = 0;
        const std::uint64_t size = checked_chunk_size(ds, rec, index, offset, mask);
        if (partly_filtered(rec, mask)) {
            out.assign(rec.chunk_raw_bytes(), 0);
            read_through_pipeline(ds, rec, index, out.data());
            return;
        }
        out.resize(static_cast<std::size_t>(size));
        std::uint32_t filters = 0;
        check(H5Dread_chunk(ds.id.get(), H5P_DEFAULT, offset.data(), &filters, out.data()), side::read, m_path,
              dataset_field(rec.key), "cannot read chunk");
    }

    void read_chunk_into(const array_record& rec, std::size_t index, void* dst, std::size_t bytes) override {
        quiet_hdf5();
        const dataset_info& ds = find(rec);
        const std::string field = dataset_field(rec.key);
        if (ds.kind != storage::chunked) {
            if (bytes != rec.raw_bytes)
                throw usage_error(m_path, field, "expected " + std::to_string(rec.raw_bytes) + " bytes, asked for " +
                                                     std::to_string(bytes));
            read_whole(ds, rec, dst, bytes);
            return;
        }
        const auto offset = chunk_offset(rec, index);
        unsigned mask = 0;
        const std::uint64_t stored = checked_chunk_size(ds, rec, index, offset, mask);
        if (rec.codec.id != codec_id::none && mask == 0)
            throw usage_error(m_path, field, "read_chunk_into needs a chunk stored raw");
        if (partly_filtered(rec, mask)) {
            if (bytes != rec.chunk_raw_bytes())
                throw usage_error(m_path, field, "expected " + std::to_string(rec.chunk_raw_bytes()) +
                                                     " bytes, asked for " + std::to_string(bytes));
            std::memset(dst, 0, bytes);
            read_through_pipeline(ds, rec, index, dst);
            return;
        }
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

    std::string opening_checks() const override {
        return "every dataset matches its record (type, shape, chunks, filters)";
    }

    std::optional<reference_read_info> reference_read() const override {
        return reference_read_info{"hdf5 read", "H5Dread through HDF5's filters gives the same bytes"};
    }

    /// The dataset read by HDF5 itself (H5Dread through its filter pipeline), as a verifier's second opinion.
    any_array read_reference(const array_record& rec) override {
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

        const std::string refused = not_in_hdf5(rec.codec);
        if (!refused.empty()) throw format_error(m_path, field + ".codec", refused);
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
        std::vector<H5Z_filter_t> expected;
        for (const codecs::hdf5_filter& f : filters_for(rec)) expected.push_back(static_cast<H5Z_filter_t>(f.id));
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

    // True if the writer skipped optional filters for the chunk (h5py marks its
    // filters optional, and HDF5 then stores chunks that do not shrink unfiltered).
    bool skipped_filters(const dataset_info& ds, const array_record& rec, std::size_t index) {
        unsigned mask = 0;
        checked_chunk_size(ds, rec, index, chunk_offset(rec, index), mask);
        return mask != 0;
    }

    // True if some filters ran on the chunk and others were skipped: only HDF5's
    // own pipeline can undo the ones that ran. (When every filter was skipped,
    // the stored bytes are the raw chunk and move as they are.)
    bool partly_filtered(const array_record& rec, unsigned mask) const {
        const unsigned all = (1u << filters_for(rec).size()) - 1;
        return mask != 0 && mask != all;
    }

    // A partly filtered chunk: HDF5 undoes the filters that did run (H5Dread of
    // its region) into `dst`, a zeroed buffer of one whole chunk (edge chunks
    // stay zero-padded, as zarr stores them). The only decoding left to HDF5.
    void read_through_pipeline(const dataset_info& ds, const array_record& rec, std::size_t index, void* dst) {
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
        check(H5Dread(ds.id.get(), ds.type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, dst), side::read,
              m_path, field, "cannot read chunk");
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
};

}  // namespace
}  // namespace h5

std::unique_ptr<layout_reader> open_hdf5_reader(const std::string& path) {
    return std::make_unique<h5::hdf5_reader>(path);
}

}  // namespace fitstore::detail
