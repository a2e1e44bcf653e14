// Corruption matrix: a reference model is stored in every layout x codec, then
// damaged in many ways (bit flips, truncation, extension, zeroed ranges) at many
// positions: every byte of every manifest/metadata file, sampled bytes of every
// chunk. Each damaged store must load bit-identical or throw a fitstore::error:
// never a crash, a hang, another exception or different numbers.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::bit_equal;
using fitstore::test::random_array;
using fitstore::test::read_file;
using fitstore::test::temp_dir;

namespace {

namespace fs = boost::filesystem;

/// The reference model; `for_alp` adds what the alp codec's runs need: decimals
/// (ALP's own case; the normal-distributed weights become ALP-RD or raw
/// row-groups) and a float32 array.
stored_object reference_model(bool for_alp = false) {
    array_bundle b;
    b.add("weights", random_array(dtype::float64, {24, 3}, 1));  // 3 chunks of 8 rows at chunk_bytes 200
    b.add("labels", random_array(dtype::int32, {24}, 2));
    b.add("mask", random_array(dtype::bool_, {10}, 3));
    if (for_alp) {
        any_array decimals = any_array::allocate(dtype::float64, {40, 3});
        auto* d = static_cast<double*>(decimals.mutable_data());
        for (std::size_t i = 0; i < decimals.size(); ++i)
            d[i] = static_cast<double>(static_cast<int>(i * 37 % 2001) - 1000) / 1000.0;
        b.add("decimals", decimals);
        b.add("single", random_array(dtype::float32, {30}, 4));
    }
    b.attributes["C"] = "1.5";
    stored_object root;
    save_object(b, root);
    return root;
}

/// Same arrays (dtype, shape, bytes), params and structure.
bool same_tree(const stored_object& a, const stored_object& b) {
    if (a.type != b.type || a.version != b.version || a.params != b.params || a.arrays.size() != b.arrays.size() ||
        a.children.size() != b.children.size())
        return false;
    for (std::size_t i = 0; i < a.arrays.size(); ++i)
        if (a.arrays[i].first != b.arrays[i].first || !bit_equal(a.arrays[i].second, b.arrays[i].second)) return false;
    for (std::size_t i = 0; i < a.children.size(); ++i)
        if (a.children[i].first != b.children[i].first || !same_tree(a.children[i].second, b.children[i].second))
            return false;
    return true;
}

struct tally {
    std::size_t cases = 0, identical = 0, clean_errors = 0, interop_only = 0;
    std::vector<std::string> failures;  // wrong numbers or a foreign exception: must stay empty
};

/// One damage to one file: the bytes to write in its place.
struct damage {
    std::string what;
    std::string bytes;
};

/// Every damage applied to a file: bit flips at `positions`, truncations, extensions, zeroed ranges.
std::vector<damage> damages_of(const std::string& original, const std::vector<std::size_t>& positions) {
    std::vector<damage> out;
    const std::size_t n = original.size();
    for (std::size_t p : positions) {
        std::string b = original;
        b[p] = static_cast<char>(b[p] ^ (1u << (p % 8)));
        out.push_back({"bit flip at byte " + std::to_string(p), std::move(b)});
    }
    for (std::size_t len : {std::size_t(0), std::size_t(1), n / 4, n / 2, n > 0 ? n - 1 : 0})
        if (len < n) out.push_back({"truncated to " + std::to_string(len) + " bytes", original.substr(0, len)});
    out.push_back({"extended by one space", original + " "});
    out.push_back({"extended by one byte 'x'", original + "x"});
    out.push_back({"extended by 4096 zero bytes", original + std::string(4096, '\0')});
    const std::size_t span = std::max<std::size_t>(1, std::min<std::size_t>(16, n / 4));
    for (std::size_t k = 0; k < 4 && n > 0; ++k) {
        const std::size_t start = k * n / 4;
        std::string b = original;
        std::fill(b.begin() + static_cast<std::ptrdiff_t>(start),
                  b.begin() + static_cast<std::ptrdiff_t>(std::min(n, start + span)), '\0');
        out.push_back({"zeroed bytes " + std::to_string(start) + "+" + std::to_string(span), std::move(b)});
    }
    return out;
}

std::vector<std::size_t> every_byte(std::size_t n) {
    std::vector<std::size_t> p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = i;
    return p;
}

/// About `count` positions spread over [begin, end), always including both ends.
std::vector<std::size_t> sampled(std::size_t begin, std::size_t end, std::size_t count) {
    std::vector<std::size_t> p;
    if (end <= begin) return p;
    const std::size_t n = end - begin;
    for (std::size_t k = 0; k < count && k < n; ++k) p.push_back(begin + k * (n - 1) / std::max<std::size_t>(1, count - 1));
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    return p;
}

/// Loads `store` (copying; and mapped with verify when `also_mapped`) and classifies the outcome.
void load_and_classify(const std::string& store, const stored_object& reference, bool also_mapped, bool interop_only,
                       const std::string& label, tally& t) {
    std::vector<load_options> modes(1);
    modes[0].threads = 1;
    if (also_mapped) {
        load_options mapped;
        mapped.threads = 1;
        mapped.mmap = mmap_mode::r;
        mapped.verify = true;
        modes.push_back(mapped);
    }
    for (const auto& options : modes) {
        ++t.cases;
        const std::string where = label + (options.mmap == mmap_mode::r ? " (mmap r, verify)" : "");
        try {
            store_contents c = read_store(store, options);
            if (same_tree(c.root, reference)) {
                ++t.identical;
                if (interop_only) ++t.interop_only;
            } else {
                t.failures.push_back(where + ": loaded without error but differs from what was written");
            }
        } catch (const error&) {
            ++t.clean_errors;
        } catch (const std::exception& e) {
            t.failures.push_back(where + ": non-fitstore exception: " + e.what());
        }
    }
}

/// Replaces a file's content in place. Not write_file(): on ext4 a truncate-to-zero
/// followed by a rewrite flushes to disk on close, which costs ~4 ms per case.
void overwrite(const std::string& path, const std::string& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
    REQUIRE(::ftruncate(fd, static_cast<off_t>(bytes.size())) == 0);
    ::close(fd);
}

bool is_metadata(const std::string& name) {
    return name == "manifest.json" || name == ".zarray" || name == ".zgroup" || name == ".zattrs";
}

void corrupt_directory_store(const std::string& store, const stored_object& reference, bool uncompressed, tally& t) {
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(store), end; it != end; ++it)
        if (fs::is_regular_file(it->path())) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        const std::string name = file.filename().string();
        const std::string relative = file.string().substr(store.size() + 1);
        const std::string original = read_file(file.string());
        const bool meta = is_metadata(name);
        // The .zarray/.zattrs/.zgroup files are the zarr interop view written from the
        // manifest; the loader reads manifest.json only, so damage there changes nothing.
        const bool interop = meta && name != "manifest.json";
        const auto positions = meta ? every_byte(original.size()) : sampled(0, original.size(), 16);
        for (const damage& d : damages_of(original, positions)) {
            overwrite(file.string(), d.bytes);
            load_and_classify(store, reference, uncompressed && !interop, interop, relative + ": " + d.what, t);
        }
        overwrite(file.string(), original);
    }
}

void corrupt_blob_store(const std::string& store, const stored_object& reference, bool uncompressed, tally& t) {
    const std::string original = read_file(store);
    std::uint64_t header = 0;
    for (int k = 0; k < 8; ++k) header |= std::uint64_t(static_cast<unsigned char>(original[8 + k])) << (8 * k);
    const nlohmann::json manifest = nlohmann::json::parse(original.substr(16, header));
    // Every byte of the prefix and header; sampled bytes of every chunk.
    std::vector<std::size_t> positions = every_byte(16 + header);
    for (const auto& array : manifest["arrays"])
        for (const auto& chunk : array["chunks"]) {
            const std::size_t offset = chunk["offset"].get<std::size_t>();
            const auto more = sampled(offset, offset + chunk["stored_bytes"].get<std::size_t>(), 8);
            positions.insert(positions.end(), more.begin(), more.end());
        }
    for (const damage& d : damages_of(original, positions)) {
        overwrite(store, d.bytes);
        load_and_classify(store, reference, uncompressed, false, "blob: " + d.what, t);
    }
    overwrite(store, original);
}

}  // namespace

TEST_CASE("every corruption of every layout x codec loads identical or fails cleanly", "[corruption]") {
    // A hang fails the run instead of blocking CI forever.
    struct alarm_guard {
        alarm_guard() { ::alarm(300); }
        ~alarm_guard() { ::alarm(0); }
    } guard;
    temp_dir dir;
    const stored_object plain_reference = reference_model(), alp_reference = reference_model(true);
    const std::vector<const char*> codecs = {"none", "zlib:1", "zstd:3+shuffle", "lz4", "blosc-lz4:5+shuffle",
                                             "blosc-zstd:3", "alp"};
    tally total;
    for (layout l : {layout::directory, layout::blob}) {
        for (const char* codec : codecs) {
            const stored_object& reference = std::string(codec) == "alp" ? alp_reference : plain_reference;
            dump_options options;
            options.layout = l;
            options.codec = parse_codec(codec);
            options.chunk_bytes = 200;
            options.durable = false;
            const std::string store = dir / (std::string(layout_name(l)) + "-" + codec);
            write_store(reference, store, options);
            REQUIRE(same_tree(read_store(store).root, reference));
            tally t;
            const bool uncompressed = options.codec.id == codec_id::none;
            if (l == layout::directory)
                corrupt_directory_store(store, reference, uncompressed, t);
            else
                corrupt_blob_store(store, reference, uncompressed, t);
            INFO(layout_name(l) << " x " << codec);
            for (const auto& f : t.failures) UNSCOPED_INFO(f);
            CHECK(t.failures.empty());
            total.cases += t.cases;
            total.identical += t.identical;
            total.clean_errors += t.clean_errors;
            total.interop_only += t.interop_only;
            total.failures.insert(total.failures.end(), t.failures.begin(), t.failures.end());
        }
    }
    WARN("corruption matrix (directory, blob x " << codecs.size() << " codecs): " << total.cases << " damaged loads, "
         << total.identical << " identical (" << total.interop_only
         << " of them damage the .zarray/.zattrs/.zgroup interop view, which the loader does not read when "
            "manifest.json exists), "
         << total.clean_errors << " clean fitstore errors, " << total.failures.size() << " wrong results");
    REQUIRE(total.failures.empty());
    REQUIRE(total.clean_errors > 0);
}

TEST_CASE("damaged HDF5 stores never load as different numbers (crashes inside libhdf5 are counted)",
          "[corruption][hdf5]") {
    // HDF5's parser is not hardened (the layout is for trusted files), so each
    // load runs in a forked child: a crash or hang in libhdf5 is counted, not
    // fatal. What must never happen is a load that succeeds with other data.
    temp_dir dir;
    const stored_object reference = reference_model();
    std::size_t cases = 0, identical = 0, clean = 0, crashed = 0, hung = 0, foreign = 0;
    std::vector<std::string> wrong;
    for (const char* codec : {"none", "zstd:3+shuffle", "blosc-lz4:5"}) {
        dump_options options;
        options.layout = layout::hdf5;
        options.codec = parse_codec(codec);
        options.chunk_bytes = 200;
        options.durable = false;
        const std::string store = dir / (std::string("h-") + codec + ".h5");
        write_store(reference, store, options);  // HDF5 is a required dependency: no skip
        const std::string original = read_file(store);
        for (std::size_t p : sampled(0, original.size(), 200)) {
            std::string bytes = original;
            bytes[p] = static_cast<char>(bytes[p] ^ (1u << (p % 8)));
            overwrite(store, bytes);
            ++cases;
            const pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                // Catch2's crash handlers would report a test failure from the child: die plainly.
                for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
                ::alarm(10);
                try {
                    load_options o;
                    o.threads = 1;
                    ::_exit(same_tree(read_store(store, o).root, reference) ? 0 : 20);
                } catch (const error&) {
                    ::_exit(10);
                } catch (...) {
                    ::_exit(11);
                }
            }
            int status = 0;
            REQUIRE(::waitpid(pid, &status, 0) == pid);
            if (WIFSIGNALED(status)) {
                (WTERMSIG(status) == SIGALRM ? hung : crashed) += 1;
                continue;
            }
            switch (WEXITSTATUS(status)) {
                case 0: ++identical; break;
                case 10: ++clean; break;
                case 20: wrong.push_back(std::string(codec) + ": bit flip at byte " + std::to_string(p)); break;
                default: ++foreign;
            }
        }
        overwrite(store, original);
    }
    for (const auto& w : wrong) UNSCOPED_INFO(w);
    WARN("hdf5 corruption sample (3 codecs, bit flips at sampled bytes of the .h5 file): " << cases << " damaged loads, "
         << identical << " identical, " << clean << " clean fitstore errors, " << crashed << " crashes and " << hung
         << " hangs inside libhdf5 (the HDF5 layout is for trusted files), " << foreign
         << " other exceptions, " << wrong.size() << " wrong results");
    REQUIRE(wrong.empty());
    REQUIRE(cases == 3 * 200);
    // Most flips land in chunk data or padding; the damage the checksums catch shows up as clean errors.
    REQUIRE(clean > 0);
}
