// Placeholder: the 'demo' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_demo_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("demo", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore demo: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
