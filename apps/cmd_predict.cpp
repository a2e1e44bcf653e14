// Placeholder: the 'predict' command lands with its issue.
#include <iostream>

#include "commands.hpp"

namespace fitstore::cli {
void add_predict_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("predict", "(not built yet)");
    cmd->callback([] {
        std::cerr << "fitstore predict: not built yet\n";
        command_result() = exit_bad_input;
    });
}
}  // namespace fitstore::cli
