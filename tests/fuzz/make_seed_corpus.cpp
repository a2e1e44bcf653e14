// Writes the seed corpus of every fuzz target (small valid inputs) into
// tests/fuzz/corpus/<target>/seed-*. Run once after a format change:
//   ./make_seed_corpus <source>/tests/fuzz/corpus
// Crash regression inputs live next to the seeds as crash-* and are kept.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fitstore/array_bundle.hpp"
#include "fitstore/npy.hpp"
#include "fitstore/store.hpp"

using namespace fitstore;
namespace fs = std::filesystem;

namespace {

any_array counting(dtype type, shape_t shape) {
    any_array a = any_array::allocate(type, shape);
    auto* p = static_cast<std::uint8_t*>(a.mutable_data());
    for (std::size_t i = 0; i < a.nbytes(); ++i) p[i] = type == dtype::bool_ ? i % 2 : static_cast<std::uint8_t>(i % 5);
    return a;
}

array_bundle small_bundle() {
    array_bundle b;
    b.add("w", counting(dtype::float64, {6, 2}));
    b.add("n", counting(dtype::int32, {5}));
    b.attributes["kind"] = "seed";
    return b;
}

void put(const fs::path& file, const std::string& bytes) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << bytes;
}

std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A directory store flattened into the fuzz_directory input format.
std::string flatten(const fs::path& store) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(store))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::string out;
    for (const auto& f : files) {
        if (!out.empty()) out += "\n";
        out += "@@" + fs::relative(f, store).string() + "\n" + slurp(f);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seed_corpus <tests/fuzz/corpus>\n");
        return 2;
    }
    const fs::path corpus = argv[1];
    const fs::path scratch = fs::temp_directory_path() / "fitstore-seed-corpus";
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    const char* codecs[] = {"none", "zlib:1", "zstd:3", "lz4", "blosc-lz4", "blosc-zstd:3"};
    int n = 0;
    for (const char* name : codecs) {
        for (bool shuffle : {false, true}) {
            if (shuffle && std::string(name) == "none") continue;
            dump_options options;
            options.codec = parse_codec(name, shuffle);
            options.chunk_bytes = 32;  // several chunks per array
            options.durable = false;
            const std::string tag = std::to_string(n++);
            const fs::path store = scratch / ("s" + tag);
            dump(small_bundle(), store.string(), options);
            put(corpus / "directory" / ("seed-" + tag), flatten(store));
            put(corpus / "manifest" / ("seed-dir-" + tag), slurp(store / "manifest.json"));
            const std::vector<std::uint8_t> blob = dumps(small_bundle(), options);
            const std::string blob_text(blob.begin(), blob.end());
            put(corpus / "blob" / ("seed-" + tag), blob_text);
            const std::uint64_t header = [&] {
                std::uint64_t v = 0;
                for (int k = 0; k < 8; ++k) v |= std::uint64_t(blob[8 + k]) << (8 * k);
                return v;
            }();
            put(corpus / "manifest" / ("seed-blob-" + tag), blob_text.substr(16, header));
            // codecs: [id, flags, size x4, stored...] for one encoded chunk per item size
            for (unsigned item_log : {0u, 3u}) {
                const std::size_t item = std::size_t(1) << item_log;
                std::vector<std::uint8_t> raw(96);
                for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>((i * 7) % 11);
                std::vector<std::uint8_t> encoded;
                encode_chunk(options.codec, item, raw.data(), raw.size(), encoded);
                std::string seed;
                seed += static_cast<char>(options.codec.id);
                seed += static_cast<char>((shuffle ? 1 : 0) | (item_log << 1));
                const std::uint32_t size = static_cast<std::uint32_t>(raw.size());
                for (int k = 0; k < 4; ++k) seed += static_cast<char>(size >> (8 * k));
                seed.append(encoded.begin(), encoded.end());
                put(corpus / "codecs" / ("seed-" + tag + "-" + std::to_string(item)), seed);
            }
        }
    }
    // alp: [flags, values x3, stored...], alp and alp-zstd, for decimals (ALP), full-precision
    // doubles (ALP-RD), special values (exceptions) and random bits (raw).
    for (unsigned item : {4u, 8u}) {
        for (unsigned kind = 0; kind < 4; ++kind) {
            const std::size_t values = 300;
            std::vector<std::uint8_t> raw(values * item);
            std::uint64_t state = 0x9e3779b97f4a7c15ull * (kind + 1);
            for (std::size_t i = 0; i < values; ++i) {
                state = state * 6364136223846793005ull + 1442695040888963407ull;
                const double decimal = static_cast<double>(static_cast<int>(state >> 40) % 2001 - 1000) / 100.0;
                const double precise = static_cast<double>(state >> 11) * 0x1.0p-53;
                const double special[] = {0.0, -0.0, 1.0 / 0.0, -1.0 / 0.0, 5e-324, 1.5, 0.1};
                const double v = kind == 0 ? decimal : kind == 1 ? precise : special[i % 7];
                if (kind == 3) {
                    std::memcpy(&raw[i * item], &state, item);
                } else if (item == 8) {
                    std::memcpy(&raw[i * item], &v, 8);
                } else {
                    const float f = static_cast<float>(v);
                    std::memcpy(&raw[i * item], &f, 4);
                }
            }
            for (const bool zstd : {false, true}) {
                std::vector<std::uint8_t> encoded;
                encode_chunk(parse_codec(zstd ? "alp-zstd" : "alp"), item, raw.data(), raw.size(), encoded);
                std::string seed;
                seed += static_cast<char>((item == 4 ? 1 : 0) | (zstd ? 2 : 0));
                for (int k = 0; k < 3; ++k) seed += static_cast<char>(values >> (8 * k));
                seed.append(encoded.begin(), encoded.end());
                put(corpus / "alp" / ("seed-" + std::to_string(item) + "-" + std::to_string(kind) + (zstd ? "-zstd" : "")),
                    seed);
            }
        }
    }
    // A zarr group without a manifest (the foreign-zarr path of the directory reader).
    {
        dump_options options;
        options.codec = parse_codec("zlib:1");
        options.chunk_bytes = 32;
        options.durable = false;
        const fs::path store = scratch / "foreign";
        dump(small_bundle(), store.string(), options);
        fs::remove(store / "manifest.json");
        put(corpus / "directory" / "seed-foreign-zarr", flatten(store));
    }
    int k = 0;
    for (dtype t : {dtype::bool_, dtype::int8, dtype::uint16, dtype::int32, dtype::float32, dtype::float64}) {
        for (const shape_t& s : {shape_t{}, shape_t{3}, shape_t{2, 3}, shape_t{0, 4}}) {
            const std::vector<std::uint8_t> bytes = write_npy_bytes(counting(t, s));
            put(corpus / "npy" / ("seed-" + std::to_string(k++)), std::string(bytes.begin(), bytes.end()));
        }
    }
    fs::remove_all(scratch);
    std::printf("seed corpus written to %s\n", corpus.c_str());
    return 0;
}
