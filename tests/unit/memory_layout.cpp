// A layout that exists only in this test binary: "memory", stores kept in
// process memory and keyed by path. It is registered here, from the test
// program, through the same registry the built-in back ends use, with no
// change to the library: the proof that adding a layout is one new file. The
// round-trip matrix (test_store_roundtrip.cpp) iterates every registered
// layout, so this one runs through it like directory, hdf5 and blob.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "fitstore/array_bundle.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/reseal.hpp"
#include "fitstore/store.hpp"
#include "fitstore/verify.hpp"
#include "store/layout_registry.hpp"
#include "test_support.hpp"

using namespace fitstore;
using namespace fitstore::detail;

namespace {

struct memory_store {
    std::string manifest_text;
    std::map<std::string, std::vector<std::vector<std::uint8_t>>> chunks;  // array key -> stored chunks
};

std::mutex g_mutex;
std::map<std::string, std::shared_ptr<memory_store>> g_stores;  // published stores by path

std::shared_ptr<memory_store> find_store(const std::string& path) {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_stores.find(path);
    return it == g_stores.end() ? nullptr : it->second;
}

class memory_writer final : public layout_writer {
public:
    explicit memory_writer(std::string path) : m_path(std::move(path)), m_store(std::make_shared<memory_store>()) {}
    void begin_array(const array_record& rec) override { m_store->chunks[rec.key].resize(rec.chunks.size()); }
    std::uint64_t write_chunk(array_record& rec, std::size_t index, const void* bytes, std::size_t size) override {
        const auto* p = static_cast<const std::uint8_t*>(bytes);
        m_store->chunks.at(rec.key).at(index).assign(p, p + size);
        return size;
    }
    void commit(const manifest& m) override {
        m_store->manifest_text = manifest_to_json(m).dump();
        std::lock_guard<std::mutex> lock(g_mutex);
        g_stores[m_path] = m_store;  // published whole, like a rename
    }

private:
    std::string m_path;
    std::shared_ptr<memory_store> m_store;
};

class memory_reader final : public layout_reader {
public:
    explicit memory_reader(const std::string& path) : m_path(path), m_store(find_store(path)) {
        if (!m_store) throw not_found(path, "", "no memory store at this path");
        m_manifest = read_manifest_for(m_store->manifest_text, "memory", path, m_json);
    }
    const manifest& get_manifest() const override { return m_manifest; }
    const nlohmann::json& manifest_json() const override { return m_json; }
    const std::string& path() const override { return m_path; }
    bool concurrent_reads() const override { return true; }

    void read_chunk(const array_record& rec, std::size_t index, std::vector<std::uint8_t>& out) override {
        out = stored(rec, index);
    }
    void read_chunk_into(const array_record& rec, std::size_t index, void* dst, std::size_t bytes) override {
        const auto& chunk = stored(rec, index);
        if (chunk.size() != bytes) throw format_error(m_path, rec.key, "chunk size differs from the request");
        std::memcpy(dst, chunk.data(), bytes);
    }
    // r and r+ hand out the stored bytes themselves (r+ writes reach the store,
    // as they reach a file); c hands out a private copy, as copy-on-write would.
    mapped_array map_array(const array_record& rec, mmap_mode mode, std::string& reason) override {
        auto& chunk = stored(rec, 0);
        if (chunk.empty()) {
            reason = "empty";
            return {};
        }
        if (mode == mmap_mode::c) {
            auto copy = std::make_shared<std::vector<std::uint8_t>>(chunk);
            return {copy, copy->data()};
        }
        return {std::shared_ptr<void>(m_store, chunk.data()), chunk.data()};
    }

private:
    std::vector<std::uint8_t>& stored(const array_record& rec, std::size_t index) {
        auto& chunk = m_store->chunks.at(rec.key).at(index);
        if (chunk.size() != rec.chunks[index].stored_bytes)
            throw format_error(m_path, rec.key, "stored chunk size differs from the manifest");
        return chunk;
    }

    std::string m_path;
    std::shared_ptr<memory_store> m_store;
    manifest m_manifest;
    nlohmann::json m_json;
};

const bool g_registered = [] {
    layout_backend b;
    b.name = "memory";
    b.extensions = {"memstore"};
    b.summary = "test-only, in process memory";
    b.sniff = [](const path_probe& p) { return find_store(p.path()) ? sniff_result::certain : sniff_result::no; };
    b.make_writer = [](const std::string& path, const writer_settings&) -> std::unique_ptr<layout_writer> {
        return std::make_unique<memory_writer>(path);
    };
    b.open_reader = [](const std::string& path) -> std::unique_ptr<layout_reader> {
        return std::make_unique<memory_reader>(path);
    };
    b.rewrite_manifest = [](const std::string& path, const manifest& m, bool) {
        find_store(path)->manifest_text = manifest_to_json(m).dump();
    };
    register_layout(std::move(b));
    return true;
}();

}  // namespace

TEST_CASE("a layout registered by the program is found by name, extension and content", "[layout][registry]") {
    REQUIRE(g_registered);
    const layout memory = parse_layout("memory");
    CHECK(layout_name(memory) == "memory");
    CHECK(layout_for_path("dir/model.MEMSTORE") == memory);
    CHECK(layout_for_path("model.h5") == layout::hdf5);  // the built-ins keep theirs
    REQUIRE_THROWS_WITH(parse_layout("tape"),
                        Catch::Contains("expected directory, hdf5, blob or memory, found \"tape\""));

    fitstore::test::temp_dir dir;
    const std::string path = dir / "model.memstore";  // nothing is written to disk
    array_bundle bundle;
    bundle.add("w", fitstore::test::random_array(dtype::float64, {40, 3}, 5));
    dump(bundle, path);
    CHECK(detect_layout(path) == memory);
    CHECK(read_store_manifest(path).layout == "memory");
    load_report report;
    const auto loaded = load<array_bundle>(path, {mmap_mode::r}, &report);
    CHECK(report.layout == memory);
    CHECK(fitstore::test::bit_equal(loaded.at("w"), bundle.at("w")));

    // verify and reseal go through the registry and the reader's hooks too.
    const verify_report v = verify_store(path, {});
    CHECK(v.layout == memory);
    CHECK(v.passed());
    CHECK(reseal(path).resealed.empty());

    // Another back end refuses a store naming this layout, with the names it knows.
    auto copy = find_store(path);
    REQUIRE(copy);
    nlohmann::json j = nlohmann::json::parse(copy->manifest_text);
    j["layout"] = "tape";
    j.erase("manifest_xxh3");
    REQUIRE_THROWS_WITH(manifest_from_json(j, path),
                        Catch::Contains("expected \"directory\", \"hdf5\", \"blob\" or \"memory\", found \"tape\""));
}
