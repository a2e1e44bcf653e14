#include "fitstore/reseal.hpp"

#include <map>

#include "fitstore/codec.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "io/xxh3.hpp"
#include "layouts/layout.hpp"
#include "store_checks.hpp"

namespace fitstore {

reseal_report reseal(const std::string& path, const reseal_options& options) {
    reseal_report report;
    // Reading the manifest validates it, its own checksum included: r+ never
    // changes the manifest, so a damaged one is not something to reseal.
    manifest m = read_store_manifest(path);
    report.arrays = m.arrays.size();

    // Map what r+ could have written (read-only, unverified) and hash it; load
    // everything else with its checksums verified.
    load_options load;
    load.mmap = mmap_mode::r;
    load.threads = options.threads;
    std::map<std::string, std::uint64_t> fresh;
    const layout l = detail::visit_arrays(path, load, [&](const array_record& rec, const any_array* array,
                                                          const std::string& failure) {
        if (!array)
            throw checksum_error(path, "arrays." + rec.key,
                                 "cannot reseal: this array is not mapped in place (" +
                                     (rec.mappable() ? std::string("unreadable") : std::string("compressed, chunked, "
                                                                                               "big-endian or bool")) +
                                     "), so r+ cannot have written it, and it fails its checks: " + failure);
        if (array->is_mapped() && rec.chunks.size() == 1 && rec.chunks[0].xxh3)
            fresh[rec.key] = xxh3_64(array->data(), array->nbytes());
    });

    for (const auto& [key, hash] : fresh) {
        auto& chunk = m.arrays.at(key).chunks.at(0);
        if (*chunk.xxh3 != hash) {
            chunk.xxh3 = hash;
            report.resealed.push_back(key);
        }
    }
    if (report.resealed.empty()) return report;  // already sealed: nothing rewritten
    switch (l) {
        case layout::directory: detail::rewrite_directory_manifest(path, m, options.durable); break;
        case layout::blob: detail::rewrite_blob_manifest(path, m, options.durable); break;
        case layout::hdf5: detail::rewrite_hdf5_manifest(path, m, options.durable); break;
    }
    return report;
}

}  // namespace fitstore
