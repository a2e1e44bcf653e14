// Placeholder: the 'pack' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_pack_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("pack", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore pack: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
