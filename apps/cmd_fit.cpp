// Placeholder: the 'fit' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_fit_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("fit", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore fit: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
