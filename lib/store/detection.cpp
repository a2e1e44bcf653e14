// Which layout a store has, judged from its content by the registered back
// ends' sniff functions, and opening the matching reader (local or remote).
#include <sys/stat.h>

#include "fitstore/errors.hpp"
#include "fitstore/store.hpp"
#include "io/http_client.hpp"
#include "layouts/remote/remote_store.hpp"
#include "store/engine.hpp"
#include "store/layout_registry.hpp"

namespace fitstore {

layout detect_layout(const std::string& path, const remote_options& remote) {
    if (detail::is_remote_location(path)) return detail::open_remote_reader(path, remote).kind;
    const detail::path_probe probe(path);
    const detail::layout_backend* best = nullptr;
    detail::sniff_result best_result = detail::sniff_result::no;
    for (const detail::layout_backend* backend : detail::registered_layouts()) {
        if (!backend->sniff) continue;
        const detail::sniff_result r = backend->sniff(probe);
        if (r > best_result) {
            best = backend;
            best_result = r;
        }
    }
    if (best) return best->id();
    if (!probe.exists()) throw not_found(path, "", "no such file or folder");
    if (probe.is_folder())
        throw format_error(path, "", "not a fitstore store: the folder holds neither manifest.json nor .zgroup");
    if (!probe.is_file()) throw format_error(path, "", "not a fitstore store: not a regular file or folder");
    throw format_error(path, "", "not a fitstore store: expected a folder with manifest.json, a blob starting with "
                                 "\"FITSBLOB\" or an HDF5 file");
}

namespace detail {

std::unique_ptr<layout_reader> open_store_reader(const std::string& path, const load_options& options,
                                                 fitstore::layout& l) {
    if (is_remote_location(path)) {
        remote_reader remote = open_remote_reader(path, options.remote);
        l = remote.kind;
        return std::move(remote.reader);
    }
    l = detect_layout(path);
    return layout_backend_for(l).open_reader(path);
}

}  // namespace detail
}  // namespace fitstore
