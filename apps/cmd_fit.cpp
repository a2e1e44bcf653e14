// fitstore fit: trains an SVC (optionally behind a standard scaler) on a CSV
// file and dumps it in any layout and codec.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/datasets.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/standard_scaler.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/model_selection.hpp"
#include "fitstore/provenance.hpp"
#include "fitstore/store.hpp"

namespace fitstore::cli {

namespace {

struct fit_args {
    std::string data, target, output, layout = "directory", codec = "none";
    bool scale = false;
    std::size_t cv = 5;
    std::string data_uri, source_file, source_ref;
    svc_params params;
    std::string class_weight;
};

void run_fit(const fit_args& a) {
    using clock = std::chrono::steady_clock;
    dump_options options;
    options.layout = parse_layout(a.layout);
    options.codec = parse_codec(a.codec);
    svc_params params = a.params;
    if (!a.class_weight.empty() && a.class_weight != "balanced")
        throw usage_error("", "--class-weight", "expected balanced, found \"" + a.class_weight + "\"");
    params.class_weight = a.class_weight;
    validate_svc_params(params);

    const auto data = datasets::load_csv(a.data, a.target);
    std::shared_ptr<estimator> model = std::make_shared<svc>(params);
    if (a.scale) model = std::make_shared<pipeline>(std::vector<pipeline::step>{
                     {"scaler", std::make_shared<standard_scaler>()}, {"svc", model}});

    const auto t0 = clock::now();
    model->fit(data.X, data.y, data.feature_names);
    const double fit_s = std::chrono::duration<double>(clock::now() - t0).count();
    const double train_accuracy = accuracy(data.y, model->predict(data.X));

    provenance record;
    record.training_data(data.X.as_any(), data.y.as_any(), data.feature_names, a.data_uri, data.target_name)
        .training_score("accuracy", train_accuracy);
    if (!a.source_file.empty()) record.source_file(a.source_file);
    if (!a.source_ref.empty()) record.source(a.source_ref);
    std::ostringstream cv_note;
    if (a.cv) {
        const auto scores = cross_val_score(*model, data.X, data.y, a.cv);
        record.cross_validation(a.cv, "accuracy", scores);
        cv_note << ", " << a.cv << "-fold CV accuracy " << mean(scores) << " +/- " << stddev(scores);
    }
    options.provenance = record.to_json();

    const auto t1 = clock::now();
    stored_object root;
    polymorphic_registry<estimator>::instance().save(*model, root);
    write_store(root, a.output, options);
    const double dump_s = std::chrono::duration<double>(clock::now() - t1).count();

    const svc& fitted = a.scale ? static_cast<const svc&>(*static_cast<pipeline&>(*model).named_step("svc"))
                                : static_cast<const svc&>(*model);
    std::ostringstream n_support;
    for (std::size_t c = 0; c < fitted.n_support().size(); ++c) n_support << (c ? "/" : "") << fitted.n_support()[c];
    std::ostringstream line;
    line << "fitstore fit: " << (a.scale ? "standard_scaler -> " : "") << "svc(kernel=" << params.kernel
         << ", C=" << params.C << ", gamma=" << fitted.fitted_gamma() << ") on " << data.X.shape(0) << " x "
         << data.X.shape(1) << " (" << a.data << "), " << fitted.n_classes() << " classes, "
         << fitted.support_vectors().shape(0) << " support vectors (" << n_support.str() << "), fit "
         << fit_s << " s, training accuracy " << train_accuracy << cv_note.str() << "; wrote " << a.output << " ("
         << layout_name(options.layout) << ", " << codec_to_string(options.codec) << ") in " << dump_s << " s\n";
    std::cerr << line.str();
}

}  // namespace

void add_fit_command(CLI::App& app) {
    auto args = std::make_shared<fit_args>();
    auto* cmd = app.add_subcommand("fit", "Fit an SVC (scikit-learn's SVC semantics, trained by libsvm) on a CSV file and dump it");
    cmd->add_option("--data", args->data, "CSV file: header row, numeric columns, integer labels")->required();
    cmd->add_option("--target", args->target, "label column (default: the last column)");
    cmd->add_flag("--scale", args->scale, "fit a pipeline standard_scaler -> svc");
    cmd->add_option("--kernel", args->params.kernel, "linear | poly | rbf | sigmoid")->default_str("rbf");
    cmd->add_option("--C", args->params.C, "regularization (> 0)")->default_str("1");
    cmd->add_option("--gamma", args->params.gamma, "scale | auto | a number")->default_str("scale");
    cmd->add_option("--degree", args->params.degree, "poly degree")->default_str("3");
    cmd->add_option("--coef0", args->params.coef0, "poly/sigmoid coef0")->default_str("0");
    cmd->add_option("--tol", args->params.tol, "libsvm stopping tolerance")->default_str("0.001");
    cmd->add_option("--cache-size", args->params.cache_size, "kernel cache in MB")->default_str("200");
    cmd->add_option("--shrinking", args->params.shrinking, "libsvm's shrinking heuristic: true | false")
        ->default_str("true");
    cmd->add_option("--class-weight", args->class_weight, "balanced (default: none)");
    cmd->add_option("--decision-function-shape", args->params.decision_function_shape, "ovr | ovo")->default_str("ovr");
    cmd->add_option("--cv", args->cv, "stratified k-fold cross-validation recorded in the provenance (0 skips)")
        ->default_str("5");
    cmd->add_option("--data-uri", args->data_uri, "where the training data lives (recorded in the provenance)");
    auto* source = cmd->add_option("--source", args->source_file, "training code file: its name and SHA-256 are recorded");
    cmd->add_option("--source-ref", args->source_ref, "training code reference (commit id, URL...) to record")
        ->excludes(source);
    cmd->add_option("-o,--output", args->output, "where to write the model")->required();
    cmd->add_option("--layout", args->layout, "directory | hdf5 | blob")->default_str("directory");
    cmd->add_option("--codec", args->codec, "none | zlib[:L] | zstd[:L] | lz4 | blosc-lz4[:L] | ...")->default_str("none");
    cmd->callback([args] {
        run_fit(*args);
        command_result() = exit_ok;
    });
}

}  // namespace fitstore::cli
