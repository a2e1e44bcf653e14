#include "layouts/hdf5_storage.hpp"

#include "layouts/hdf5_filters.hpp"
#include "layouts/hdf5_ids.hpp"
#include "store/manifest_internal.hpp"

namespace fitstore::detail::h5 {
namespace {

bool is_blosc(codec_id id) { return id == codec_id::blosc_lz4 || id == codec_id::blosc_zstd; }

}  // namespace

storage storage_for(const array_record& rec) {
    if (rec.codec.id == codec_id::none)
        return rec.chunk_shape == rec.shape && chunk_count(rec) <= 1 ? storage::contiguous : storage::chunked;
    if (rec.shape.empty() || rec.raw_bytes == 0) return storage::raw_value;
    return storage::chunked;
}

std::string alp_refused(codec_id id) {
    const std::string name(codec_name(id));
    return "codec " + name + " is not available in the hdf5 layout (no HDF5 filter decodes it, so h5py could not "
           "read the dataset): use the directory or blob layout for " + name +
           ", or another codec (e.g. --codec zstd:3)";
}

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

void set_filters(hid_t dcpl, const array_record& rec, const std::string& path, const std::string& field) {
    const int level = effective_level(rec.codec);
    const auto fail = [&](herr_t status) { check(status, side::write, path, field, "cannot set filter"); };
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

std::vector<hsize_t> chunk_offset(const array_record& rec, std::size_t index) {
    const shape_t pos = chunk_index(rec.chunk_grid(), index);
    std::vector<hsize_t> offset(pos.size());
    for (std::size_t d = 0; d < pos.size(); ++d) offset[d] = static_cast<hsize_t>(pos[d]) * rec.chunk_shape[d];
    return offset;
}

}  // namespace fitstore::detail::h5
