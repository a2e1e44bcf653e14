// fitstore inspect STORE [--json]: objects, params and arrays of a store,
// read from its manifest only (no array data is loaded).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "provenance_text.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"
#include "fitstore/version.hpp"

namespace fitstore::cli {
namespace {

using nlohmann::json;

std::string dims(const shape_t& shape) { return shape_to_string(shape); }

json array_summary(const array_record& rec) {
    json j;
    j["key"] = rec.key;
    j["dtype"] = std::string(dtype_name(rec.type));
    j["shape"] = rec.shape;
    j["chunk_shape"] = rec.chunk_shape;
    j["chunks"] = rec.chunks.size();
    j["codec"] = codec_to_string(rec.codec);
    j["raw_bytes"] = rec.raw_bytes;
    j["stored_bytes"] = rec.stored_bytes;
    j["ratio"] = rec.stored_bytes ? static_cast<double>(rec.raw_bytes) / static_cast<double>(rec.stored_bytes) : 1.0;
    j["mappable"] = rec.mappable() && rec.type != dtype::bool_;
    bool checksummed = !rec.chunks.empty();
    for (const auto& c : rec.chunks) checksummed = checksummed && c.xxh3.has_value();
    j["checksummed"] = checksummed;
    return j;
}

void print_object(const object_record& obj, const std::string& name, int depth) {
    const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
    std::cout << indent << (name.empty() ? "root" : name) << ": " << obj.type << " v" << obj.version << "\n";
    for (const auto& p : obj.params.items()) {
        std::string value = p.value().dump();
        if (value.size() > 100) value = value.substr(0, 97) + "...";
        std::cout << indent << "  " << p.key() << " = " << value << "\n";
    }
    for (const auto& [member, key] : obj.arrays) std::cout << indent << "  [array] " << member << " -> " << key << "\n";
    for (const auto& [child_name, child] : obj.children) print_object(child, child_name, depth + 1);
}

/// decision_tree / random_forest objects: trees, nodes, depth and bytes per node
/// field, from the manifest's shapes and params (no node array is read).
void print_forests(const manifest& m, const object_record& obj, const std::string& name) {
    if (obj.type == "decision_tree" || obj.type == "random_forest") {
        const auto shape_of = [&](const std::string& member) -> const array_record* {
            for (const auto& [field, key] : obj.arrays)
                if (field == member) {
                    auto it = m.arrays.find(key);
                    return it == m.arrays.end() ? nullptr : &it->second;
                }
            return nullptr;
        };
        const array_record* offsets = shape_of("tree_offsets");
        const array_record* left = shape_of("children_left");
        if (offsets && left && offsets->shape.size() == 1 && left->shape.size() == 1 && offsets->shape[0] >= 1) {
            long long depth = 0;
            if (obj.params.contains("max_depth") && obj.params["max_depth"].is_array())
                for (const auto& d : obj.params["max_depth"])
                    if (d.is_number_integer()) depth = std::max(depth, d.get<long long>());
            std::cout << "\n" << (name.empty() ? "root" : name) << " forest: " << offsets->shape[0] - 1 << " trees, "
                      << left->shape[0] << " nodes, max depth " << depth << "\n";
            for (const auto& [field, key] : obj.arrays) {
                auto it = m.arrays.find(key);
                if (it == m.arrays.end()) continue;
                std::cout << "  " << field << ": " << it->second.raw_bytes << " bytes (" << human_bytes(static_cast<double>(it->second.raw_bytes))
                          << ", stored " << human_bytes(static_cast<double>(it->second.stored_bytes)) << ")\n";
            }
        }
    }
    for (const auto& [child_name, child] : obj.children) print_forests(m, child, name.empty() ? child_name : name + "." + child_name);
}

void run_inspect(const std::string& path, bool as_json, const remote_flags& remote) {
    json raw;
    const manifest m = read_store_manifest(path, &raw, to_remote_options(remote, path));
    if (as_json) {
        json out;
        out["path"] = path;
        out["layout"] = m.layout;
        out["format_version"] = m.format_version;
        out["fitstore_version"] = std::string(library_version());
        out["arrays"] = json::array();
        for (const auto& [key, rec] : m.arrays) out["arrays"].push_back(array_summary(rec));
        out["manifest"] = raw;
        std::cout << out.dump(2) << "\n";
        return;
    }
    std::cout << path << ": fitstore " << m.format_version << ", layout " << m.layout << " (read by fitstore "
              << library_version() << ")\n\n";
    print_object(m.root, "", 0);
    std::cout << "\n";
    // Columns as wide as their widest cell: long keys never run into the next column.
    std::vector<std::vector<std::string>> rows;
    std::uint64_t raw_total = 0, stored_total = 0;
    auto ratio = [](std::uint64_t raw, std::uint64_t stored) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2fx", stored ? static_cast<double>(raw) / static_cast<double>(stored) : 1.0);
        return std::string(buf);
    };
    for (const auto& [key, rec] : m.arrays) {
        const json s = array_summary(rec);
        rows.push_back({key, s["dtype"].get<std::string>(), dims(rec.shape),
                        std::to_string(rec.chunks.size()) + " x " + dims(rec.chunk_shape), s["codec"].get<std::string>(),
                        human_bytes(static_cast<double>(rec.raw_bytes)),
                        human_bytes(static_cast<double>(rec.stored_bytes)), ratio(rec.raw_bytes, rec.stored_bytes),
                        s["mappable"].get<bool>() ? "yes" : "no (copied)"});
        raw_total += rec.raw_bytes;
        stored_total += rec.stored_bytes;
    }
    rows.push_back({"total", "", "", "", "", human_bytes(static_cast<double>(raw_total)),
                    human_bytes(static_cast<double>(stored_total)), ratio(raw_total, stored_total), ""});
    print_table(std::cout, {"array", "dtype", "shape", "chunks", "codec", "raw", "stored", "ratio", "mmap"}, rows,
                {false, false, false, false, false, true, true, true, false});
    print_forests(m, m.root, "");
    print_provenance(std::cout, m.provenance);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("inspect", "Show the objects, params, arrays and provenance of a store");
    cmd->add_option("STORE", *path, "Store to inspect")->required();
    cmd->add_flag("--json", *as_json, "Print JSON instead of a table");
    auto remote = std::make_shared<remote_flags>();
    add_remote_flags(cmd, *remote);
    cmd->callback([path, as_json, remote] { run_inspect(*path, *as_json, *remote); });
}

}  // namespace fitstore::cli
