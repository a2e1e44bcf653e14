// fitstore bench-predict: predict throughput of a large svc, fitstore's dense
// path (copied and memory-mapped) against libsvm's svm_predict.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "predict_bench.hpp"

namespace fitstore::cli {

void add_bench_predict_command(CLI::App& app) {
    auto o = std::make_shared<bench::predict_bench_options>();
    auto* cmd = app.add_subcommand("bench-predict", "Benchmark svc predict: fitstore's dense path vs libsvm's svm_predict");
    cmd->add_option("--support-vectors", o->model.n_support_vectors, "support vectors in the synthetic model")->default_str("50000");
    cmd->add_option("--features", o->model.n_features, "features")->default_str("64");
    cmd->add_option("--classes", o->model.n_classes, "classes")->default_str("3");
    cmd->add_option("--kernel", o->model.kernel, "linear | poly | rbf | sigmoid")->default_str("rbf");
    cmd->add_option("--samples", o->n_samples, "samples to predict")->default_str("500");
    cmd->add_option("--repeats", o->repeats, "best of N runs for fitstore's paths")->default_str("3");
    cmd->add_option("--work-dir", o->work_dir, "folder for the temporary store (default: system temp)");
    cmd->add_flag("--skip-libsvm", o->skip_libsvm, "only time fitstore's paths");
    cmd->callback([o] { command_result() = bench::run_predict_benchmark(*o, std::cout); });
}

}  // namespace fitstore::cli
