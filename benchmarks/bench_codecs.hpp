// `fitstore bench --codec-speed`: ratio and encode/decode speed of the codecs
// alone (no files), per core and on all cores, on the benchmark model's float
// arrays and on .npy files.
#pragma once

#include <string>
#include <vector>

namespace fitstore::bench {

struct codec_bench_config {
    /// Model sizes for the realistic and random float arrays ("256M").
    std::vector<std::string> sizes{"256M"};
    std::vector<std::string> codecs{"alp", "alp-zstd:1", "zstd:1", "zstd:3", "lz4"};
    /// float32/float64 .npy files measured as well (benchmarks/make_sklearn_npy.py makes some).
    std::vector<std::string> npy;
    std::string json_path;
};

/// Measures, prints a table and the alp targets (met/missed), writes JSON if asked; returns an exit code.
int run_codec_bench(const codec_bench_config& config);

}  // namespace fitstore::bench
