// fitstore pack OUT --array NAME=FILE.npy ...: stores .npy files as an array_bundle.
#include <iostream>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/array_bundle.hpp"
#include "fitstore/npy.hpp"
#include "fitstore/provenance.hpp"
#include "fitstore/store.hpp"

namespace fitstore::cli {
namespace {

struct pack_args {
    std::string out;
    std::vector<std::string> arrays;
    std::vector<std::string> attributes;
    write_flags flags;
};

std::pair<std::string, std::string> split_assignment(const std::string& text, const char* what) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw usage_error("", what, "expected NAME=VALUE, found \"" + text + "\"");
    return {text.substr(0, eq), text.substr(eq + 1)};
}

void run_pack(const pack_args& args) {
    array_bundle bundle;
    for (const auto& spec : args.arrays) {
        auto [name, file] = split_assignment(spec, "--array");
        bundle.add(name, read_npy(file));
    }
    for (const auto& spec : args.attributes) {
        auto [key, value] = split_assignment(spec, "--attr");
        bundle.attributes[key] = value;
    }
    dump_options options = to_dump_options(args.flags);
    options.provenance = provenance().to_json();
    dump(bundle, args.out, options);
    std::cout << "packed " << bundle.arrays.size() << " arrays into " << args.out << " ("
              << layout_name(effective_layout(options, args.out))
              << ", " << codec_to_string(options.codec) << ")\n";
}

}  // namespace

void add_pack_command(CLI::App& app) {
    auto args = std::make_shared<pack_args>();
    auto* cmd = app.add_subcommand("pack", "Store .npy files as one fitstore array bundle");
    cmd->add_option("OUT", args->out, "Store to write; its name picks the layout: " + layouts_by_extension())->required();
    cmd->add_option("--array", args->arrays, "NAME=FILE.npy (repeatable)")->required();
    cmd->add_option("--attr", args->attributes, "KEY=VALUE string attribute (repeatable)");
    add_write_flags(cmd, args->flags);
    cmd->callback([args] { run_pack(*args); });
}

}  // namespace fitstore::cli
