#include "fitstore/reseal.hpp"

#include <map>

#include "fitstore/codec.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "io/xxh3.hpp"
#include "store/engine.hpp"
#include "store/layout_registry.hpp"

namespace fitstore {

reseal_report reseal(const std::string& path, const reseal_options& options) {
    reseal_report report;
    // Reading the manifest validates it, its own checksum included: r+ never
    // changes the manifest, so a damaged one is not something to reseal.
    load_options load;
    load.mmap = mmap_mode::r;
    load.threads = options.threads;
    layout l;
    auto reader = detail::open_store_reader(path, load, l);
    manifest m = reader->get_manifest();
    report.arrays = m.arrays.size();

    // Map what r+ could have written (read-only, unverified) and hash it; load
    // everything else with its checksums verified.
    std::map<std::string, std::uint64_t> fresh;
    detail::visit_arrays(*reader, load, [&](const array_record& rec, const any_array* array,
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
    const detail::layout_backend& backend = detail::layout_backend_for(l);
    if (!backend.rewrite_manifest)
        throw usage_error(path, "layout", "the " + backend.name + " layout cannot rewrite its manifest in place");
    reader.reset();  // the store is rewritten by path; nothing of it stays open here
    backend.rewrite_manifest(path, m, options.durable);
    return report;
}

}  // namespace fitstore
