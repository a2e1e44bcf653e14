#include "fitstore/verify.hpp"

#include <cstring>
#include <optional>
#include <string>

#include "fitstore/errors.hpp"
#include "store/engine.hpp"

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

/// The result of loading one array with its checksums.
verify_check checksum_check(const array_record& rec, const any_array* array, const std::string& failure) {
    verify_check c{"checksums " + rec.key, array != nullptr, ""};
    if (!array) {
        c.detail = failure;
        // Uncompressed one-chunk arrays are the ones r+ mappings write: say how
        // to accept such writes, without claiming that is what happened.
        if (rec.mappable() && failure.find("checksum mismatch") != std::string::npos)
            c.detail += "; if the array was written through an r+ mapping on purpose, `fitstore reseal` (or "
                        "fitstore::reseal) records the new checksum";
    } else if (checksummed(rec)) {
        c.detail = plural(rec.chunks.size(), "chunk") + " verified (XXH3-64)";
    } else {
        c.detail = "decoded; no checksums recorded (" +
                   (rec.chunks.empty() ? std::string("empty array") : std::string("foreign data")) + ")";
    }
    return c;
}

/// The back end's second read path (hdf5: H5Dread) against the engine's load.
verify_check reference_check(detail::layout_reader& reader, const detail::reference_read_info& info,
                             const array_record& rec, const any_array& loaded) {
    verify_check h{info.check + " " + rec.key, false, ""};
    try {
        any_array other = reader.read_reference(rec);
        if (rec.big_endian) byteswap_inplace(other.mutable_data(), other.size(), rec.item_size());
        h.detail = first_difference(loaded, other);
        h.passed = h.detail.empty();
        if (h.passed) h.detail = info.agreement;
    } catch (const error& e) {
        h.detail = e.what();
    }
    return h;
}

/// One mapped load: every mappable array checked through its mapping.
void check_mapped(const std::string& path, load_options mapped, verify_report& out) {
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

}  // namespace

verify_report verify_store(const std::string& path, const verify_options& options) {
    verify_report out;
    out.path = path;
    load_options load;
    load.threads = options.threads;
    load.verify = true;
    load.remote = options.remote;
    // Opening validates the manifest and what the back end checks on opening
    // (blob offsets tile the file, HDF5 datasets match their records): a store
    // that fails here is invalid, not merely damaged, and the error propagates.
    std::unique_ptr<detail::layout_reader> reader;
    try {
        reader = detail::open_store_reader(path, load, out.layout);
    } catch (const checksum_error& e) {
        // A manifest that parses but fails its own checksum was edited or
        // damaged after writing: a failed check, not an unreadable store.
        if (e.field() != "manifest_xxh3") throw;
        out.checks.push_back({"manifest", false, e.what()});
        return out;
    }
    const manifest& m = reader->get_manifest();
    out.format_version = m.format_version;
    const std::string opened = reader->opening_checks();
    out.checks.push_back({"manifest", true, "format " + m.format_version + ", " + plural(m.arrays.size(), "array") +
                                                (opened.empty() ? "" : "; " + opened)});
    for (auto& c : reader->check_container()) out.checks.push_back({c.name, c.passed, c.detail});

    const std::optional<detail::reference_read_info> reference =
        options.deep ? reader->reference_read() : std::nullopt;
    detail::visit_arrays(*reader, load, [&](const array_record& rec, const any_array* array, const std::string& failure) {
        out.checks.push_back(checksum_check(rec, array, failure));
        if (reference && array) out.checks.push_back(reference_check(*reader, *reference, rec, *array));
    });
    reader.reset();
    if (options.deep) check_mapped(path, load, out);
    return out;
}

}  // namespace fitstore
