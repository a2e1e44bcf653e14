// fitstore convert SRC DST: re-store a model in another layout or codec,
// bit-exact, keeping provenance and unknown manifest keys.
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/store.hpp"

namespace fitstore::cli {
namespace {

struct convert_args {
    std::string src, dst;
    write_flags flags;
    remote_flags remote;
};

void run_convert(const convert_args& args) {
    load_options load;
    load.remote = to_remote_options(args.remote, args.src);
    const store_contents contents = read_store(args.src, load);
    const manifest m = manifest_from_json(contents.manifest, args.src);
    dump_options options = to_dump_options(args.flags);
    if (args.flags.codec.empty() && !args.flags.shuffle) {
        // Without --codec every array keeps the codec it had.
        for (const auto& [key, rec] : m.arrays) options.array_codecs[key] = rec.codec;
    }
    options.provenance = m.provenance;
    options.extra = m.extra;
    options.remote = to_remote_options(args.remote, args.dst);
    write_store(contents.root, args.dst, options);
    std::cout << "converted " << args.src << " (" << layout_name(contents.report.layout) << ") to " << args.dst << " ("
              << layout_name(effective_layout(options, args.dst)) << ")\n";
}

}  // namespace

void add_convert_command(CLI::App& app) {
    auto args = std::make_shared<convert_args>();
    auto* cmd = app.add_subcommand(
        "convert",
        "Convert a store to another layout or codec, bit-exact. By default: the layout follows DST's name "
        "(" + layouts_by_extension() + "; --layout overrides), every array keeps "
        "its codec (--codec/--shuffle re-encode all of them), and the provenance and unknown manifest keys are "
        "always kept; chunking is redone (--chunk-mb)");
    cmd->add_option("SRC", args->src, "Store to read")->required();
    cmd->add_option("DST", args->dst, "Store to write (its name picks the layout unless --layout is given)")->required();
    add_write_flags(cmd, args->flags);
    add_remote_flags(cmd, args->remote);
    cmd->callback([args] { run_convert(*args); });
}

}  // namespace fitstore::cli
