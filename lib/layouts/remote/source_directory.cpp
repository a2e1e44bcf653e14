// The directory layout read through a byte_source (a remote http(s)/S3 store):
// manifest.json first, then each chunk object by its store-relative key. The
// manifest is required: a zarr group written by another tool cannot be listed
// over HTTP. Chunks are checked against the manifest's sizes by the source
// (a server sending more is cut off) and against their checksums by the engine.
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "layouts/layout.hpp"
#include "layouts/remote/remote_store.hpp"

namespace fitstore::detail {
namespace {

class source_directory_reader final : public layout_reader {
public:
    source_directory_reader(std::shared_ptr<byte_source> source, const std::vector<std::uint8_t>& manifest_text)
        : m_source(std::move(source)), m_path(m_source->name()) {
        const std::string where = m_source->name("manifest.json");
        const std::string_view text(reinterpret_cast<const char*>(manifest_text.data()), manifest_text.size());
        m_manifest = read_manifest_for(text, "directory", where, m_json, " in a folder store");
        for (const auto& [key, rec] : m_manifest.arrays)
            for (std::size_t i = 0; i < rec.chunks.size(); ++i)
                if (rec.chunks[i].present) m_source->expect_size(directory_chunk_key(rec, i), rec.chunks[i].stored_bytes);
    }

    const manifest& get_manifest() const override { return m_manifest; }
    const nlohmann::json& manifest_json() const override { return m_json; }
    const std::string& path() const override { return m_path; }
    bool concurrent_reads() const override { return true; }

    void will_read(const array_record& rec) override {
        if (rec.chunks.size() < 2) return;
        std::vector<byte_range> ranges;
        for (std::size_t i = 0; i < rec.chunks.size(); ++i)
            if (rec.chunks[i].present) ranges.push_back({directory_chunk_key(rec, i), 0, rec.chunks[i].stored_bytes});
        m_source->prefetch(std::move(ranges));
    }

    void read_chunk(const array_record& rec, std::size_t index, std::vector<std::uint8_t>& out) override {
        m_source->read(directory_chunk_key(rec, index), 0, static_cast<std::size_t>(rec.chunks[index].stored_bytes), out);
    }

    void read_chunk_into(const array_record& rec, std::size_t index, void* dst, std::size_t bytes) override {
        if (bytes != rec.chunks[index].stored_bytes)
            throw format_error(m_source->name(directory_chunk_key(rec, index)), "",
                               "expected " + std::to_string(rec.chunks[index].stored_bytes) + " bytes, asked for " +
                                   std::to_string(bytes));
        m_source->read(directory_chunk_key(rec, index), 0, dst, bytes);
    }

    mapped_array map_array(const array_record&, mmap_mode, std::string& reason) override {
        reason = "remote store: copied (mapping goes through the local cache)";
        return {};
    }

private:
    std::shared_ptr<byte_source> m_source;
    std::string m_path;
    manifest m_manifest;
    nlohmann::json m_json;
};

}  // namespace

std::unique_ptr<layout_reader> open_source_directory_reader(std::shared_ptr<byte_source> source,
                                                            const std::vector<std::uint8_t>& manifest_text) {
    return std::make_unique<source_directory_reader>(std::move(source), manifest_text);
}

}  // namespace fitstore::detail
