// Placeholder: the 'inspect' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_inspect_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("inspect", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore inspect: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
