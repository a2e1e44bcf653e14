// Placeholder: the 'unpack' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_unpack_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("unpack", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore unpack: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
