// The `bench` and `bench-predict` sub-commands, built into the fitstore-bench
// program (benchmarks/cli/main.cpp). The `fitstore` CLI runs that program for
// `fitstore bench ...`, so it never links the benchmark library.
#pragma once

#include <CLI/CLI.hpp>

namespace fitstore::bench {

/// Adds `bench`: serialization speed of every layout and codec; its callback sets `result`.
void add_bench_command(CLI::App& app, int& result);
/// Adds `bench-predict`: svc predict throughput, fitstore vs libsvm; its callback sets `result`.
void add_bench_predict_command(CLI::App& app, int& result);

}  // namespace fitstore::bench
