// The fitstore command line: each sub-command lives in apps/cmd_<name>.cpp and
// registers itself on the CLI11 app through one add_<name>_command function.
#pragma once

#include <CLI/CLI.hpp>

namespace fitstore::cli {

/// Exit codes shared by every command.
enum exit_code : int {
    exit_ok = 0,           ///< success
    exit_check_failed = 1, ///< a check (verify, comparison) failed
    exit_bad_input = 2,    ///< bad usage, unreadable or invalid input
};

void add_pack_command(CLI::App& app);
void add_unpack_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_fit_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_verify_command(CLI::App& app);
void add_reseal_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_bench_predict_command(CLI::App& app);

/// Set by a command's callback; main() returns it.
int& command_result();

}  // namespace fitstore::cli
