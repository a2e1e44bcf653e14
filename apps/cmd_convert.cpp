// Placeholder: the 'convert' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_convert_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("convert", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore convert: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
