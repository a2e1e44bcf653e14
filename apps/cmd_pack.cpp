// Placeholder: the 'pack' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace packstore::cli {
void add_pack_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("pack", "(not built yet)");
    cmd->callback([] {
        std::cerr << "packstore pack: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace packstore::cli
