#include "fitstore/verify.hpp"

#include <cstring>
#include <string>

#include "fitstore/errors.hpp"
#include "io/http_client.hpp"
#include "store_checks.hpp"

namespace fitstore {
namespace {

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

bool checksummed(const array_record& rec) {
    if (rec.chunks.empty()) return false;
    for (const auto& c : rec.chunks)
        if (!c.xxh3) return false;
    return true;
}

/// Compares two loads of one array; returns "" or where they first differ.
std::string first_difference(const any_array& a, const any_array& b) {
    if (a.type() != b.type() || a.shape() != b.shape())
        return "expected " + std::string(dtype_name(a.type())) + " " + shape_to_string(a.shape()) + ", found " +
               std::string(dtype_name(b.type())) + " " + shape_to_string(b.shape());
    const auto* p = static_cast<const unsigned char*>(a.data());
    const auto* q = static_cast<const unsigned char*>(b.data());
    if (a.nbytes() == 0 || std::memcmp(p, q, a.nbytes()) == 0) return "";
    std::size_t i = 0;
    while (p[i] == q[i]) ++i;
    return "differs first at element " + std::to_string(i / itemsize(a.type()));
}

}  // namespace

verify_report verify_store(const std::string& path, const verify_options& options) {
    verify_report out;
    out.path = path;
    // Opening validates the manifest and what the loaders check on opening
    // (blob offsets tile the file, HDF5 datasets match their records): a store
    // that fails here is invalid, not merely damaged, and the error propagates.
    out.layout = detect_layout(path, options.remote);
    manifest m;
    try {
        m = read_store_manifest(path, nullptr, options.remote);
    } catch (const checksum_error& e) {
        // A manifest that parses but fails its own checksum was edited or
        // damaged after writing: a failed check, not an unreadable store.
        if (e.field() != "manifest_xxh3") throw;
        out.checks.push_back({"manifest", false, e.what()});
        return out;
    }
    out.format_version = m.format_version;
    out.checks.push_back({"manifest", true,
                          "format " + m.format_version + ", " + plural(m.arrays.size(), "array") +
                              (out.layout == layout::blob   ? "; chunk offsets tile the blob"
                               : out.layout == layout::hdf5 ? "; every dataset matches its record (type, shape, "
                                                              "chunks, filters)"
                                                            : "")});

    if (out.layout == layout::directory && !detail::is_remote_location(path)) {
        // (A remote folder cannot be listed over HTTP: only the manifest's objects are checked.)
        const std::vector<std::string> problems = detail::check_directory_container(path, m);
        std::string detail;
        for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
        out.checks.push_back({"zarr container", problems.empty(),
                              problems.empty() ? "every .zarray matches the manifest; no missing or extra files" : detail});
    }

    load_options load;
    load.threads = options.threads;
    load.verify = true;
    load.remote = options.remote;
    detail::visit_arrays(path, load, [&](const array_record& rec, const any_array* array, const std::string& failure) {
        verify_check c{"checksums " + rec.key, array != nullptr, ""};
        if (!array) {
            c.detail = failure;
            // Uncompressed one-chunk arrays are the ones r+ mappings write: say how
            // to accept such writes, without claiming that is what happened.
            if (rec.mappable() && failure.find("checksum mismatch") != std::string::npos)
                c.detail += "; if the array was written through an r+ mapping on purpose, `fitstore reseal` (or "
                            "fitstore::reseal) records the new checksum";
        }
        else if (checksummed(rec))
            c.detail = plural(rec.chunks.size(), "chunk") + " verified (XXH3-64)";
        else
            c.detail = "decoded; no checksums recorded (" + (rec.chunks.empty() ? std::string("empty array")
                                                                                 : std::string("foreign data")) + ")";
        out.checks.push_back(std::move(c));
        if (!options.deep || !array) return;

        if (out.layout == layout::hdf5) {
            verify_check h{"hdf5 read " + rec.key, false, ""};
            try {
                any_array other = detail::read_dataset_with_hdf5(path, rec);
                if (rec.big_endian) byteswap_inplace(other.mutable_data(), other.size(), rec.item_size());
                h.detail = first_difference(*array, other);
                h.passed = h.detail.empty();
                if (h.passed) h.detail = "H5Dread through HDF5's filters gives the same bytes";
            } catch (const error& e) {
                h.detail = e.what();
            }
            out.checks.push_back(std::move(h));
        }
    });

    if (options.deep) {
        // One mapped load: every mappable array checked through its mapping.
        load_options mapped = load;
        mapped.mmap = mmap_mode::r;
        try {
            const store_contents again = read_store(path, mapped);
            for (const auto& r : again.report.arrays)
                if (r.mapped)
                    out.checks.push_back({"mapped " + r.key, r.verified,
                                          r.verified ? "read-only mapping verified" : "mapped, but no checksum recorded"});
        } catch (const error& e) {
            out.checks.push_back({"mapped load", false, e.what()});
        }
    }
    return out;
}

}  // namespace fitstore
