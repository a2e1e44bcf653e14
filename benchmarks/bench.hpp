// `fitstore bench`: serialization speed of every layout and codec against the
// single blob, a C++ peer (cereal) and the machine's own limits, each case in a
// fresh child process. The parent plans the cases, runs children, aggregates
// (median, min, max), prints a table and writes JSON and an SVG chart.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fitstore::bench {

struct bench_config {
    std::vector<std::string> sizes{"16M", "256M", "1G"};
    /// directory, hdf5, blob (file), memory (dumps/loads), cereal (C++ peer).
    std::vector<std::string> layouts{"directory", "hdf5", "blob", "memory", "cereal"};
    /// Codec names as parse_codec reads them; a "+shuffle" suffix turns shuffle on.
    std::vector<std::string> codecs{"none", "lz4", "zstd:1", "zstd:3", "zlib:3", "blosc-lz4+shuffle",
                                    "blosc-zstd+shuffle", "alp"};
    /// "1", "all" or a number.
    std::vector<std::string> threads{"1", "all"};
    std::string data = "realistic";
    unsigned repeats = 3;
    std::string json_path;
    std::string chart_path;
    /// Results of benchmarks/peers.py to show beside fitstore's.
    std::string peers_json;
    /// Measure nothing: print, judge and chart a report saved by an earlier run (--json or its .partial).
    std::string from_json;
    /// Where stores are written (a fresh folder beneath it is removed at the end).
    std::string work_dir = "/tmp";
    /// Path of the fitstore binary that runs the children (default /proc/self/exe).
    std::string self_exe;
};

/// Runs the whole benchmark; returns a process exit code. Throws usage_error for bad options.
int run_bench(const bench_config& config);

/// Runs one measurement described by `spec` (JSON written by the parent) in this
/// process and prints its result as one JSON line on stdout. Returns an exit code.
int run_child(const std::string& spec);

/// "16M" -> 16 MiB, "1G" -> 1 GiB, "4096" -> 4096 bytes; throws usage_error.
std::size_t parse_size(const std::string& text);

/// The targets, each {"target", "size", "measured", "met" (bool, or null
/// when a figure it needs is missing, e.g. without the peers' JSON)}.
nlohmann::json check_targets(const nlohmann::json& report);

/// Writes the SVG chart of `report` (the JSON document the benchmark writes) to `path`.
void write_chart(const nlohmann::json& report, const std::string& path);

}  // namespace fitstore::bench
