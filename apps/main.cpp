// fitstore: persist, inspect, convert, verify and benchmark fitted models.
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "commands.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/version.hpp"

namespace fitstore::cli {
int& command_result() {
    static int result = exit_ok;
    return result;
}
}  // namespace fitstore::cli

int main(int argc, char** argv) {
    using namespace fitstore::cli;
    CLI::App app{"fitstore: persist fitted models as chunked, compressed arrays (zarr v2 folder, HDF5 or single blob)"};
    app.set_version_flag("--version", "fitstore " + std::string(fitstore::library_version()) + " (format " +
                                          std::to_string(fitstore::format_major) + "." +
                                          std::to_string(fitstore::format_minor) + ")");
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Show help for every command");
    add_pack_command(app);
    add_unpack_command(app);
    add_inspect_command(app);
    add_convert_command(app);
    add_fit_command(app);
    add_predict_command(app);
    add_demo_command(app);
    add_verify_command(app);
    add_reseal_command(app);
    add_bench_command(app);
    add_bench_predict_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_ok : exit_bad_input;
    } catch (const fitstore::error& e) {
        std::cerr << e.what() << "\n";
        return exit_bad_input;
    } catch (const std::bad_alloc&) {
        std::cerr << "fitstore: out of memory\n";
        return exit_bad_input;
    } catch (const std::exception& e) {
        std::cerr << "fitstore: " << e.what() << "\n";
        return exit_bad_input;
    }
    return command_result();
}
