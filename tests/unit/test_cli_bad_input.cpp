// The CLI on damaged and hostile stores: `inspect`, `unpack` and `verify` must
// exit with status 2 (verify: 1 when only a checksum check fails) and a message
// naming the file and the problem; never a signal, never a hang. The CLI runs
// through posix_spawn (no shell) with a timeout.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "test_support.hpp"

extern char** environ;

using namespace fitstore;
using fitstore::test::cli_result;
using fitstore::test::edit_manifest;
using fitstore::test::run_cli;
using fitstore::test::random_array;
using fitstore::test::read_file;
using fitstore::test::temp_dir;
using fitstore::test::write_file;
using nlohmann::json;

namespace {

void require_exit(const cli_result& r, std::initializer_list<int> codes, const std::vector<std::string>& needles) {
    INFO(r.output);
    REQUIRE(r.exited);
    REQUIRE(std::find(codes.begin(), codes.end(), r.code) != codes.end());
    for (const auto& n : needles) REQUIRE_THAT(r.output, Catch::Contains(n));
}

std::string make_store(const temp_dir& dir, const std::string& name, layout l, const char* codec) {
    array_bundle b;
    b.add("w", random_array(dtype::float64, {64, 4}, 7));
    b.attributes["C"] = "1.5";
    dump_options options;
    options.layout = l;
    options.codec = parse_codec(codec);
    options.durable = false;
    const std::string path = dir / name;
    dump(b, path, options);
    return path;
}

}  // namespace

TEST_CASE("the CLI exits 2 naming the file on damaged directory stores", "[cli][bad]") {
    temp_dir dir;
    const std::string out = dir / "unpacked";
    SECTION("truncated chunk") {
        const std::string store = make_store(dir, "s", layout::directory, "zstd");
        const std::string bytes = read_file(store + "/w/0.0");
        write_file(store + "/w/0.0", bytes.substr(0, bytes.size() / 2));
        require_exit(run_cli(dir, {"unpack", store, out}), {2}, {"w/0.0", "expected a chunk file of"});
        // verify reads the manifest, so the damage is a failed check (README: exit 1), named.
        require_exit(run_cli(dir, {"verify", store}), {1}, {"FAIL  checksums w", "w/0.0", "expected a chunk file of"});
    }
    SECTION("a flipped bit in an uncompressed chunk") {
        const std::string store = make_store(dir, "s", layout::directory, "none");
        std::string bytes = read_file(store + "/w/0.0");
        bytes[17] = static_cast<char>(bytes[17] ^ 4);
        write_file(store + "/w/0.0", bytes);
        require_exit(run_cli(dir, {"unpack", store, out}), {2}, {"s: arrays.w.chunks[0].xxh3", "checksum mismatch"});
        require_exit(run_cli(dir, {"verify", store}), {1}, {"FAIL"});
    }
    SECTION("a damaged parameter (manifest checksum)") {
        const std::string store = make_store(dir, "s", layout::directory, "lz4");
        std::string text = read_file(store + "/manifest.json");
        text[text.find("\"1.5\"") + 1] = '7';
        write_file(store + "/manifest.json", text);
        require_exit(run_cli(dir, {"inspect", store}), {2}, {"manifest.json", "manifest_xxh3"});
        require_exit(run_cli(dir, {"unpack", store, out}), {2}, {"manifest.json", "manifest_xxh3"});
        // verify reports an edited manifest as a failed check (exit 1).
        require_exit(run_cli(dir, {"verify", store}), {1}, {"FAIL  manifest", "manifest.json", "manifest_xxh3"});
    }
    SECTION("manifest is not JSON") {
        const std::string store = make_store(dir, "s", layout::directory, "lz4");
        write_file(store + "/manifest.json", std::string(100000, '['));
        require_exit(run_cli(dir, {"inspect", store}), {2}, {"manifest.json", "nested"});
    }
    SECTION("a FIFO as chunk file does not block") {
        const std::string store = make_store(dir, "s", layout::directory, "zlib");
        REQUIRE(::unlink((store + "/w/0.0").c_str()) == 0);
        REQUIRE(::mkfifo((store + "/w/0.0").c_str(), 0644) == 0);
        require_exit(run_cli(dir, {"unpack", store, out}), {2}, {"w/0.0", "FIFO"});
        // The container check and the chunk check both fail, naming the FIFO (exit 1, not a hang).
        require_exit(run_cli(dir, {"verify", store}), {1},
                     {"FAIL  zarr container", "FAIL  checksums w", "w/0.0", "found a FIFO"});
    }
    SECTION("a symlinked manifest") {
        const std::string store = make_store(dir, "s", layout::directory, "zlib");
        write_file(dir / "elsewhere.json", read_file(store + "/manifest.json"));
        REQUIRE(::unlink((store + "/manifest.json").c_str()) == 0);
        REQUIRE(::symlink((dir / "elsewhere.json").c_str(), (store + "/manifest.json").c_str()) == 0);
        require_exit(run_cli(dir, {"inspect", store}), {2}, {"manifest.json", "symbolic link"});
    }
    SECTION("a zip-bomb claim") {
        const std::string store = make_store(dir, "s", layout::directory, "zstd");
        edit_manifest(store, [](json& j) {
            auto& a = j["arrays"]["w"];
            a["shape"] = {std::uint64_t(1) << 34, 4};
            a["chunk_shape"] = {std::uint64_t(1) << 34, 4};
            a["raw_bytes"] = std::uint64_t(1) << 39;
            a["chunks"] = json::array({a["chunks"][0]});
            a["stored_bytes"] = a["chunks"][0]["stored_bytes"];
        });
        require_exit(run_cli(dir, {"inspect", store}), {2}, {"manifest.json", "cannot decode to"});
    }
}

TEST_CASE("the CLI exits 2 naming the file on damaged blobs", "[cli][bad]") {
    temp_dir dir;
    const std::string store = make_store(dir, "m.blob", layout::blob, "zstd");
    const std::string original = read_file(store);
    SECTION("truncated") {
        write_file(store, original.substr(0, original.size() - 3));
        for (const char* command : {"inspect", "verify"}) require_exit(run_cli(dir, {command, store}), {2}, {"m.blob"});
        require_exit(run_cli(dir, {"unpack", store, dir / "out"}), {2}, {"m.blob", "ends past the end"});
    }
    SECTION("header length beyond the file") {
        std::string bytes = original;
        bytes[8 + 6] = 0x01;
        write_file(store, bytes);
        require_exit(run_cli(dir, {"inspect", store}), {2}, {"m.blob", "header length"});
    }
    SECTION("empty file") {
        write_file(store, "");
        require_exit(run_cli(dir, {"inspect", store}), {2}, {"m.blob"});
    }
}
