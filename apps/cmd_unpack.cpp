// fitstore unpack STORE OUTDIR: every array as OUTDIR/<key>.npy (numpy-loadable).
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/npy.hpp"
#include "fitstore/store.hpp"

namespace fitstore::cli {
namespace {

void make_folders(const std::string& path) {
    std::size_t slash = 0;
    while ((slash = path.find('/', slash + 1)) != std::string::npos) ::mkdir(path.substr(0, slash).c_str(), 0755);
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        throw io_error(path, "", std::string("cannot create folder: ") + std::strerror(errno));
}

void unpack_object(const stored_object& obj, const std::string& folder, std::size_t& count) {
    make_folders(folder);
    for (const auto& [name, array] : obj.arrays) {
        write_npy(folder + "/" + name + ".npy", array);
        ++count;
    }
    // Member names are validated ([A-Za-z0-9_.-], no leading '.'), so these paths stay inside OUTDIR.
    for (const auto& [name, child] : obj.children) unpack_object(child, folder + "/" + name, count);
}

}  // namespace

void add_unpack_command(CLI::App& app) {
    auto store = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("unpack", "Write every array of a store as OUTDIR/NAME.npy");
    cmd->add_option("STORE", *store, "Store to read")->required();
    cmd->add_option("OUTDIR", *out, "Folder to write .npy files into (nested objects become sub-folders)")->required();
    auto remote = std::make_shared<remote_flags>();
    add_remote_flags(cmd, *remote);
    cmd->callback([store, out, remote] {
        load_options options;
        options.remote = to_remote_options(*remote, *store);
        const store_contents contents = read_store(*store, options);
        std::size_t count = 0;
        unpack_object(contents.root, *out, count);
        std::cerr << "unpacked " << count << " arrays into " << *out << "\n";
    });
}

}  // namespace fitstore::cli
