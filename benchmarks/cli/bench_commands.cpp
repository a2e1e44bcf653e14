// fitstore bench: serialization speed of every layout and codec against the
// single blob, cereal and the machine's limits (see benchmarks/bench.hpp);
// fitstore bench-predict: predict throughput of a large svc, fitstore's dense
// path (copied and memory-mapped) against libsvm's svm_predict.
#include "cli/bench_commands.hpp"

#include <iostream>
#include <memory>

#include "bench.hpp"
#include "bench_codecs.hpp"
#include "predict_bench.hpp"

namespace fitstore::bench {

void add_bench_command(CLI::App& app, int& result) {
    auto* cmd = app.add_subcommand("bench", "Benchmark dump/load speed of every layout and codec against the machine's limits");
    static bench_config config;
    static bool quick = false;
    static std::string child;
    static bool codec_speed = false;
    static std::vector<std::string> npy;
    cmd->add_option("--sizes", config.sizes, "Model sizes (default 16M,256M,1G)")->delimiter(',');
    cmd->add_option("--layouts", config.layouts, "directory,hdf5,blob,memory (dumps/loads),cereal (C++ peer)")
        ->delimiter(',');
    cmd->add_option("--codecs", config.codecs,
                    "Codecs, e.g. none,lz4,zstd:1,zlib:3,blosc-zstd+shuffle (+shuffle turns byte shuffle on)")
        ->delimiter(',');
    cmd->add_option("--threads", config.threads, "Thread counts: 1, all or a number (default 1,all)")->delimiter(',');
    cmd->add_option("--data", config.data, "realistic (3-decimal values) or random (full-precision uniform)")
        ->check(CLI::IsMember({"realistic", "random"}));
    cmd->add_option("--repeats", config.repeats, "Runs per case, each in a fresh process (default 3; --quick: 2)");
    cmd->add_option("--json", config.json_path, "Write the results as JSON");
    cmd->add_option("--chart", config.chart_path, "Write an SVG chart of the largest size");
    cmd->add_option("--peers-json", config.peers_json, "Show results of benchmarks/peers.py --json beside fitstore's");
    cmd->add_option("--from-json", config.from_json,
                    "Measure nothing: print, judge and chart a saved report (its .partial too), e.g. with --peers-json");
    cmd->add_option("--dir", config.work_dir, "Folder for the stores being written (default /tmp)");
    cmd->add_flag("--quick", quick, "Small sizes (1M,16M), 2 runs per case: about a minute");
    cmd->add_flag("--codec-speed", codec_speed,
                  "Codecs alone: ratio, encode/decode GB/s per core and on all cores on the model's float arrays "
                  "(--sizes, default 256M; --codecs, default alp,alp-zstd:1,zstd:1,zstd:3,lz4) and on --npy files");
    cmd->add_option("--npy", npy, "With --codec-speed: float32/float64 .npy files to measure too")->delimiter(',');
    cmd->add_option("--child", child, "internal: run one measurement")->group("");
    cmd->callback([cmd, &result] {
        if (!child.empty()) {
            result = run_child(child);
            return;
        }
        if (codec_speed) {
            codec_bench_config c;
            if (cmd->count("--sizes") != 0) c.sizes = config.sizes;
            if (cmd->count("--codecs") != 0) c.codecs = config.codecs;
            c.npy = npy;
            c.json_path = config.json_path;
            result = run_codec_bench(c);
            return;
        }
        if (quick) {
            if (cmd->count("--sizes") == 0) config.sizes = {"1M", "16M"};
            if (cmd->count("--repeats") == 0) config.repeats = 2;
        }
        result = run_bench(config);
    });
}

void add_bench_predict_command(CLI::App& app, int& result) {
    auto o = std::make_shared<predict_bench_options>();
    auto* cmd = app.add_subcommand("bench-predict", "Benchmark svc predict: fitstore's dense path vs libsvm's svm_predict");
    cmd->add_option("--support-vectors", o->model.n_support_vectors, "support vectors in the synthetic model")->default_str("50000");
    cmd->add_option("--features", o->model.n_features, "features")->default_str("64");
    cmd->add_option("--classes", o->model.n_classes, "classes")->default_str("3");
    cmd->add_option("--kernel", o->model.kernel, "linear | poly | rbf | sigmoid")->default_str("rbf");
    cmd->add_option("--samples", o->n_samples, "samples to predict")->default_str("500");
    cmd->add_option("--repeats", o->repeats, "best of N runs for fitstore's paths")->default_str("3");
    cmd->add_option("--work-dir", o->work_dir, "folder for the temporary store (default: system temp)");
    cmd->add_flag("--skip-libsvm", o->skip_libsvm, "only time fitstore's paths");
    cmd->callback([o, &result] { result = run_predict_benchmark(*o, std::cout); });
}

}  // namespace fitstore::bench
