// fitstore unpack STORE OUTDIR [--force]: every array as OUTDIR/<key>.npy
// (numpy-loadable), and each object's type, version and params (for an
// array bundle: its attributes) as object.json beside its arrays, so nothing
// the store holds is left behind. OUTDIR must be missing or empty unless
// --force is given.
#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/npy.hpp"
#include "fitstore/store.hpp"

namespace fitstore::cli {
namespace {

/// The file beside each object's .npy files holding what is not an array.
constexpr const char* k_object_file = "object.json";

void make_folders(const std::string& path) {
    std::size_t slash = 0;
    while ((slash = path.find('/', slash + 1)) != std::string::npos) ::mkdir(path.substr(0, slash).c_str(), 0755);
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        throw io_error(path, "", std::string("cannot create folder: ") + std::strerror(errno), errno);
}

/// True if `path` is a folder holding anything (a missing path is not).
bool non_empty_folder(const std::string& path) {
    DIR* dir = ::opendir(path.c_str());
    if (!dir) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
            throw usage_error(path, "", "OUTDIR exists and is not a folder");
        return false;
    }
    bool found = false;
    while (dirent* e = ::readdir(dir))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
            found = true;
            break;
        }
    ::closedir(dir);
    return found;
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw io_error(path, "", "cannot write file", errno);
}

void unpack_object(const stored_object& obj, const std::string& folder, const nlohmann::json* top, std::size_t& count) {
    make_folders(folder);
    nlohmann::json meta;
    meta["type"] = obj.type;
    meta["version"] = obj.version;
    meta["params"] = obj.params;
    nlohmann::json arrays = nlohmann::json::array();
    for (const auto& [name, array] : obj.arrays) {
        write_npy(folder + "/" + name + ".npy", array);
        arrays.push_back(name + ".npy");
        ++count;
    }
    meta["arrays"] = std::move(arrays);
    nlohmann::json children = nlohmann::json::array();
    // Member names are validated ([A-Za-z0-9_.-], no leading '.'), so these paths stay inside OUTDIR.
    for (const auto& [name, child] : obj.children) {
        if (name == k_object_file)
            throw usage_error(folder + "/" + name, "", "a child object named object.json would overwrite the params file");
        children.push_back(name);
        unpack_object(child, folder + "/" + name, nullptr, count);
    }
    meta["children"] = std::move(children);
    if (top) {
        // The root's file also carries what the manifest says about the whole store.
        meta["format_version"] = (*top).value("format_version", "");
        if (top->contains("provenance")) meta["provenance"] = (*top)["provenance"];
    }
    write_text(folder + "/" + k_object_file, meta.dump(2) + "\n");
}

}  // namespace

void add_unpack_command(CLI::App& app) {
    auto store = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand(
        "unpack", "Write every array of a store as OUTDIR/NAME.npy and each object's type, version and params "
                  "(attributes) as object.json beside them; nested objects become sub-folders");
    cmd->add_option("STORE", *store, "Store to read")->required();
    cmd->add_option("OUTDIR", *out, "Folder to write into: missing or empty, unless --force")->required();
    cmd->add_flag("--force", *force, "Write into a non-empty OUTDIR (files of the same name are overwritten)");
    auto remote = std::make_shared<remote_flags>();
    add_remote_flags(cmd, *remote);
    cmd->callback([store, out, force, remote] {
        if (!*force && non_empty_folder(*out))
            throw usage_error(*out, "", "OUTDIR is not empty; pass --force to write into it anyway");
        load_options options;
        options.remote = to_remote_options(*remote, *store);
        const store_contents contents = read_store(*store, options);
        std::size_t count = 0;
        unpack_object(contents.root, *out, &contents.manifest, count);
        std::cout << "unpacked " << count << " arrays and their params into " << *out << "\n";
    });
}

}  // namespace fitstore::cli
