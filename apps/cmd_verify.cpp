// Placeholder: the 'verify' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_verify_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("verify", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore verify: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
