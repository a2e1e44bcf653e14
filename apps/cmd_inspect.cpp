// Placeholder: the 'inspect' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace inspectstore::cli {
void add_inspect_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("inspect", "(not built yet)");
    cmd->callback([] {
        std::cerr << "inspectstore inspect: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace inspectstore::cli
