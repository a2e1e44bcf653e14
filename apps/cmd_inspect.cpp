// fitstore inspect STORE [--json]: objects, params and arrays of a store,
// read from its manifest only (no array data is loaded).
#include <cstdio>
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "provenance_text.hpp"
#include "fitstore/store.hpp"

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

void run_inspect(const std::string& path, bool as_json, const remote_flags& remote) {
    json raw;
    const manifest m = read_store_manifest(path, &raw, to_remote_options(remote, path));
    if (as_json) {
        json out;
        out["path"] = path;
        out["layout"] = m.layout;
        out["format_version"] = m.format_version;
        out["arrays"] = json::array();
        for (const auto& [key, rec] : m.arrays) out["arrays"].push_back(array_summary(rec));
        out["manifest"] = raw;
        std::cout << out.dump(2) << "\n";
        return;
    }
    std::cout << path << ": fitstore " << m.format_version << ", layout " << m.layout << "\n\n";
    print_object(m.root, "", 0);
    std::cout << "\n";
    std::printf("%-32s %-8s %-18s %-14s %-16s %12s %12s %7s %s\n", "array", "dtype", "shape", "chunks", "codec", "raw",
                "stored", "ratio", "mmap");
    std::uint64_t raw_total = 0, stored_total = 0;
    for (const auto& [key, rec] : m.arrays) {
        const json s = array_summary(rec);
        std::printf("%-32s %-8s %-18s %-14s %-16s %12s %12s %6.2fx %s\n", key.c_str(), s["dtype"].get<std::string>().c_str(),
                    dims(rec.shape).c_str(), (std::to_string(rec.chunks.size()) + " x " + dims(rec.chunk_shape)).c_str(),
                    s["codec"].get<std::string>().c_str(), human_bytes(static_cast<double>(rec.raw_bytes)).c_str(),
                    human_bytes(static_cast<double>(rec.stored_bytes)).c_str(), s["ratio"].get<double>(),
                    s["mappable"].get<bool>() ? "yes" : "no (copied)");
        raw_total += rec.raw_bytes;
        stored_total += rec.stored_bytes;
    }
    std::printf("%-32s %-8s %-18s %-14s %-16s %12s %12s %6.2fx\n", "total", "", "", "", "",
                human_bytes(static_cast<double>(raw_total)).c_str(), human_bytes(static_cast<double>(stored_total)).c_str(),
                stored_total ? static_cast<double>(raw_total) / static_cast<double>(stored_total) : 1.0);
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
