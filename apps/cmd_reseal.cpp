// fitstore reseal STORE: refresh the checksums of arrays written through r+
// mappings, so copying loads and verify accept the new bytes.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "fitstore/reseal.hpp"

namespace fitstore::cli {

void add_reseal_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto options = std::make_shared<reseal_options>();
    auto no_fsync = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand(
        "reseal", "Refresh the checksums of uncompressed arrays written through r+ memory mappings (run it after "
                  "the writers are done); every other array must still verify, or nothing is changed (exit 2)");
    cmd->add_option("STORE", *path, "Store to reseal")->required();
    cmd->add_option("--threads", options->threads, "Threads for verifying the arrays that are not mapped (0 = all cores)");
    cmd->add_flag("--no-fsync", *no_fsync, "Skip fsync of the data and the new manifest (not crash-safe)");
    cmd->callback([path, options, no_fsync] {
        options->durable = !*no_fsync;
        const reseal_report report = reseal(*path, *options);
        if (report.resealed.empty()) {
            std::cout << "reseal: " << *path << ": all " << report.arrays << " arrays already match their checksums\n";
            return;
        }
        std::string names;
        for (const auto& k : report.resealed) names += (names.empty() ? "" : ", ") + k;
        std::cout << "reseal: " << *path << ": refreshed the checksums of " << report.resealed.size() << " of "
                  << report.arrays << " arrays (" << names << ")\n";
    });
}

}  // namespace fitstore::cli
