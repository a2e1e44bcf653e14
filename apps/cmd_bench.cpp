// fitstore bench / bench-predict: the benchmarks live in their own program,
// fitstore-bench (benchmarks/cli), next to this one, so the CLI does not link
// the benchmark harness. These sub-commands hand their arguments to it
// unchanged (--help included: the options are fitstore-bench's).
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"

namespace fitstore::cli {
namespace {

/// fitstore-bench in this program's own folder.
std::string bench_program() {
    char self[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return "fitstore-bench";
    std::string path(self, static_cast<std::size_t>(n));
    return path.substr(0, path.find_last_of('/') + 1) + "fitstore-bench";
}

void add_forwarding_command(CLI::App& app, const char* name, const char* description) {
    auto* cmd = app.add_subcommand(name, description);
    cmd->prefix_command();  // every argument after the name is fitstore-bench's
    cmd->set_help_flag();
    cmd->callback([cmd, name] {
        const std::string program = bench_program();
        std::vector<std::string> args = {program, name};
        for (const auto& a : cmd->remaining()) args.push_back(a);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::cout.flush();
        ::execv(program.c_str(), argv.data());
        std::cerr << "fitstore " << name << ": cannot run " << program << " (" << std::strerror(errno)
                  << "); it is built with the benchmarks (FITSTORE_BUILD_BENCHMARKS=ON)\n";
        command_result() = exit_bad_input;
    });
}

}  // namespace

void add_bench_command(CLI::App& app) {
    add_forwarding_command(app, "bench",
                           "Benchmark dump/load speed of every layout and codec against the machine's limits "
                           "(runs fitstore-bench; see `fitstore bench --help`)");
}

void add_bench_predict_command(CLI::App& app) {
    add_forwarding_command(app, "bench-predict",
                           "Benchmark svc predict: fitstore's dense path vs libsvm's svm_predict (runs fitstore-bench)");
}

}  // namespace fitstore::cli
