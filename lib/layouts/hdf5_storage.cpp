#include "layouts/hdf5_storage.hpp"

#include "codecs/codec_registry.hpp"
#include "layouts/hdf5_ids.hpp"
#include "store/manifest_internal.hpp"

namespace fitstore::detail::h5 {
storage storage_for(const array_record& rec) {
    if (rec.codec.id == codec_id::none)
        return rec.chunk_shape == rec.shape && chunk_count(rec) <= 1 ? storage::contiguous : storage::chunked;
    if (rec.shape.empty() || rec.raw_bytes == 0) return storage::raw_value;
    return storage::chunked;
}

std::vector<codecs::hdf5_filter> filters_for(const array_record& rec) {
    std::vector<codecs::hdf5_filter> filters;
    const codecs::codec_def& def = codecs::codec_of(rec.codec.id);
    // HDF5's shuffle (2) is optional and takes no cd_values, as H5Pset_shuffle sets it.
    if (codecs::uses_shuffle_filter(rec.codec)) filters.push_back({H5Z_FILTER_SHUFFLE, true, {}});
    if (def.hdf5_filter_id != 0) {
        filters.push_back({def.hdf5_filter_id, def.hdf5_filter_optional,
                           def.hdf5_cd_values ? def.hdf5_cd_values(rec.codec, effective_level(rec.codec), rec.item_size(),
                                                                   rec.chunk_raw_bytes())
                                              : std::vector<unsigned>{}});
    }
    return filters;
}

std::string not_in_hdf5(const codec_spec& codec) {
    const codecs::codec_def* def = codecs::find_codec(codec.id);
    if (def && def->in_hdf5) return "";
    const std::string name(codec_name(codec.id));
    return "codec " + name +
           " is not available in the hdf5 layout (no HDF5 filter decodes it, so h5py could not read the dataset): "
           "use the directory or blob layout for " +
           name + ", or another codec (e.g. --codec zstd:3)";
}

void set_filters(hid_t dcpl, const array_record& rec, const std::string& path, const std::string& field) {
    for (const codecs::hdf5_filter& f : filters_for(rec)) {
        check(H5Pset_filter(dcpl, static_cast<H5Z_filter_t>(f.id), f.optional ? H5Z_FLAG_OPTIONAL : H5Z_FLAG_MANDATORY,
                            f.cd_values.size(), f.cd_values.data()),
              side::write, path, field, "cannot set filter");
    }
}

codecs::chunk_encoding chunk_encoding_for(const array_record& rec) {
    if (storage_for(rec) != storage::chunked) return {};  // stored raw
    return {rec.codec, codecs::chunk_framing::hdf5};
}

std::vector<hsize_t> chunk_offset(const array_record& rec, std::size_t index) {
    const shape_t pos = chunk_index(rec.chunk_grid(), index);
    std::vector<hsize_t> offset(pos.size());
    for (std::size_t d = 0; d < pos.size(); ++d) offset[d] = static_cast<hsize_t>(pos[d]) * rec.chunk_shape[d];
    return offset;
}

}  // namespace fitstore::detail::h5
