// fitstore-bench: the benchmark sub-commands (`bench`, `bench-predict`) as
// their own program, so the `fitstore` CLI does not link the benchmark
// harness; `fitstore bench ...` runs `fitstore-bench bench ...` (apps/cmd_bench.cpp).
// The harness re-runs this program (`fitstore-bench bench --child SPEC`) for
// each measurement.
#include <exception>
#include <iostream>
#include <new>

#include "cli/bench_commands.hpp"
#include "fitstore/errors.hpp"

int main(int argc, char** argv) {
    CLI::App app{"fitstore-bench: serialization and predict benchmarks of fitstore (also run as `fitstore bench`)"};
    app.require_subcommand(1);
    int result = 0;
    fitstore::bench::add_bench_command(app, result);
    fitstore::bench::add_bench_predict_command(app, result);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    } catch (const fitstore::error& e) {
        std::cerr << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "fitstore bench: out of memory\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "fitstore bench: " << e.what() << "\n";
        return 2;
    }
    return result;
}
