// Registration of the `hdf5` layout (writer: hdf5_writer.cpp, reader:
// hdf5_reader.cpp) and its detection, user blocks included.
#include <cstring>

#include "layouts/layout.hpp"
#include "store/layout_registry.hpp"

namespace fitstore::detail {
namespace {

// HDF5 looks for its superblock at 0 and, after a user block, at 512, 1024,
// 2048, ... (powers of two); a user block of more than 1 MiB is not looked for.
sniff_result sniff_hdf5(const path_probe& p) {
    static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (std::uint64_t at = 0; at <= (std::uint64_t(1) << 20); at = at == 0 ? 512 : at * 2) {
        unsigned char head[8];
        if (!p.read(at, head, sizeof head)) break;
        if (std::memcmp(head, signature, 8) == 0) return at == 0 ? sniff_result::certain : sniff_result::likely;
    }
    return sniff_result::no;
}

}  // namespace

layout_backend hdf5_layout_backend() {
    layout_backend b;
    b.name = "hdf5";
    b.extensions = {"h5", "hdf5"};
    b.summary = "one HDF5 file";
    b.sniff = sniff_hdf5;
    b.make_writer = make_hdf5_writer;
    b.open_reader = open_hdf5_reader;
    b.rewrite_manifest = rewrite_hdf5_manifest;
    b.stores_alp = false;
    return b;
}

}  // namespace fitstore::detail
