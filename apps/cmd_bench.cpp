// Placeholder: the 'bench' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_bench_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("bench", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore bench: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
