// Predict throughput on a large svc: fitstore's dense GEMM path (model copied
// into memory and memory-mapped from a store) against libsvm's svm_predict,
// on identical fixtures.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "synthetic_svc.hpp"

namespace fitstore::bench {

struct predict_bench_options {
    synthetic_svc_spec model;      ///< >= 50 000 support vectors by default
    std::size_t n_samples = 500;   ///< samples predicted by every path
    std::size_t repeats = 3;       ///< best of this many runs for the fitstore paths
    std::string work_dir;          ///< where the model is dumped (default: the system temp folder)
    bool skip_libsvm = false;
};

/// Runs the benchmark and writes a table to `out` (progress to stderr).
/// Returns 0, or 1 if the paths disagree on any prediction. Throws error.
int run_predict_benchmark(const predict_bench_options& options, std::ostream& out);

}  // namespace fitstore::bench
