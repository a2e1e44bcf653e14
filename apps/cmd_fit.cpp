// fitstore fit: trains one of the libsvm family (svc, nu_svc, svr, nu_svr,
// one_class_svm; optionally behind a standard scaler) on a CSV file and dumps
// it in any layout and codec.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/datasets.hpp"
#include "fitstore/estimators/nu_svc.hpp"
#include "fitstore/estimators/nu_svr.hpp"
#include "fitstore/estimators/one_class_svm.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/standard_scaler.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/estimators/svr.hpp"
#include "fitstore/model_selection.hpp"
#include "fitstore/provenance.hpp"
#include "fitstore/store.hpp"
#include "training_data.hpp"

namespace fitstore::cli {

namespace {

struct fit_args {
    std::string data, target, output;
    write_flags flags;  ///< --layout, --codec, --shuffle, --chunk-mb, --threads, --no-fsync (as pack/convert)
    std::string estimator = "svc";
    bool scale = false, sparse = false;
    std::size_t cv = 5;
    std::string data_uri, source_file, source_ref;
    svm_params params;
    std::string class_weight;
};

std::shared_ptr<svm_base> make_svm(const std::string& name, const svm_params& params) {
    static const std::map<std::string, std::pair<svm_type, std::shared_ptr<svm_base> (*)(const svm_params&)>> kinds{
        {"svc", {svm_type::c_svc, [](const svm_params& p) -> std::shared_ptr<svm_base> { return std::make_shared<svc>(p); }}},
        {"nu_svc", {svm_type::nu_svc, [](const svm_params& p) -> std::shared_ptr<svm_base> { return std::make_shared<nu_svc>(p); }}},
        {"svr", {svm_type::epsilon_svr, [](const svm_params& p) -> std::shared_ptr<svm_base> { return std::make_shared<svr>(p); }}},
        {"nu_svr", {svm_type::nu_svr, [](const svm_params& p) -> std::shared_ptr<svm_base> { return std::make_shared<nu_svr>(p); }}},
        {"one_class_svm",
         {svm_type::one_class, [](const svm_params& p) -> std::shared_ptr<svm_base> { return std::make_shared<one_class_svm>(p); }}}};
    auto it = kinds.find(name);
    if (it == kinds.end())
        throw usage_error("", "--estimator", "expected svc, nu_svc, svr, nu_svr or one_class_svm, found \"" + name + "\"");
    try {
        validate_svm_params(params, it->second.first);
    } catch (const usage_error& e) {
        throw usage_error("", "--" + e.field(), e.message());
    }
    return it->second.second(params);
}

void run_fit(const fit_args& a) {
    using clock = std::chrono::steady_clock;
    dump_options options = to_dump_options(a.flags);
    svm_params params = a.params;
    if (!a.class_weight.empty() && a.class_weight != "balanced")
        throw usage_error("", "--class-weight", "expected balanced, found \"" + a.class_weight + "\"");
    params.class_weight = a.class_weight;
    const std::shared_ptr<svm_base> svm = make_svm(a.estimator, params);
    if (a.sparse && a.scale)
        throw usage_error("", "--sparse", "cannot be combined with --scale (standard scaling makes the features dense)");

    // Features and targets: one_class_svm takes every column but --target (if given) as a feature.
    const bool outliers = svm->is_outlier_detector();
    const training_data data = read_training_csv(a.data, a.target, !outliers);
    const ndarray<double>& X = data.X;
    const targets y = outliers ? targets() : data.y;
    const std::string& target_name = data.target_name;
    const std::vector<std::string>& feature_names = data.feature_names;
    if (svm->is_classifier() && y.unique().size() < 2)
        throw usage_error(a.data, "column \"" + target_name + "\"",
                          "expected at least two classes, found only class " + (y.size() ? y.text(0) : std::string("(none)")));

    std::shared_ptr<estimator> model = svm;
    if (a.scale) model = std::make_shared<pipeline>(std::vector<pipeline::step>{
                     {"scaler", std::make_shared<standard_scaler>()}, {a.estimator, model}});

    const auto t0 = clock::now();
    if (a.sparse)
        svm->fit(csr_matrix::from_dense(X), y, feature_names);
    else
        model->fit(X, y, feature_names);
    const double fit_s = std::chrono::duration<double>(clock::now() - t0).count();

    // Training score: accuracy (classifiers), R^2 (regressors), inlier fraction (one-class).
    const std::size_t n = X.shape(0);
    const targets predicted = a.sparse ? svm->predict_targets(csr_matrix::from_dense(X)) : model->predict_targets(X);
    const auto [metric, score] = score_predictions(*model, y, predicted);

    provenance record;
    const any_array y_any = y.size() ? y.as_any() : ndarray<std::int64_t>().as_any();
    record.training_data(X.as_any(), y_any, feature_names, a.data_uri, target_name).training_score(metric, score);
    if (!a.source_file.empty()) record.source_file(a.source_file);
    if (!a.source_ref.empty()) record.source(a.source_ref);
    std::ostringstream cv_note;
    // Cross-validation is stratified accuracy on int64 labels (model_selection's scope).
    if (a.cv && svm->is_classifier() && y.kind() == target_kind::int64 && !a.sparse) {
        const auto scores = cross_val_score(*model, X, y.int64s(), a.cv);
        record.cross_validation(a.cv, "accuracy", scores);
        cv_note << ", " << a.cv << "-fold CV accuracy " << mean(scores) << " +/- " << stddev(scores);
    }
    options.provenance = record.to_json();

    const auto t1 = clock::now();
    stored_object root;
    polymorphic_registry<estimator>::instance().save(*model, root);
    write_store(root, a.output, options);
    const double dump_s = std::chrono::duration<double>(clock::now() - t1).count();

    std::ostringstream n_support;
    for (std::size_t c = 0; c < svm->n_support().size(); ++c) n_support << (c ? "/" : "") << svm->n_support()[c];
    std::ostringstream line;
    line << "fitstore fit: " << (a.scale ? "standard_scaler -> " : "") << a.estimator << "(kernel=" << params.kernel;
    if (svm->type() == svm_type::c_svc || svm->type() == svm_type::epsilon_svr || svm->type() == svm_type::nu_svr)
        line << ", C=" << params.C;
    if (svm->type() == svm_type::nu_svc || svm->type() == svm_type::nu_svr || svm->type() == svm_type::one_class)
        line << ", nu=" << params.nu;
    if (svm->type() == svm_type::epsilon_svr) line << ", epsilon=" << params.epsilon;
    line << ", gamma=" << svm->fitted_gamma() << (params.probability ? ", probability" : "") << ") on " << n << " x "
         << X.shape(1) << (a.sparse ? " CSR" : "") << " (" << a.data << "), ";
    if (svm->is_classifier())
        line << static_cast<const svm_classifier&>(*svm).n_classes() << " "
             << target_kind_name(static_cast<const svm_classifier&>(*svm).class_labels().kind()) << " classes, ";
    line << svm->n_support_vectors() << " support vectors (" << n_support.str() << "), fit " << fit_s << " s, training "
         << metric << " " << score << cv_note.str() << "; wrote " << a.output << " (" << layout_name(effective_layout(options, a.output)) << ", "
         << codec_to_string(options.codec) << ") in " << dump_s << " s\n";
    std::cout << line.str();  // the command's result: stdout
}

}  // namespace

void add_fit_command(CLI::App& app) {
    auto args = std::make_shared<fit_args>();
    auto* cmd = app.add_subcommand(
        "fit", "Fit an SVM (scikit-learn's SVC, NuSVC, SVR, NuSVR or OneClassSVM semantics, trained by libsvm) on a CSV file and dump it");
    cmd->add_option("--data", args->data, "CSV file: header row, numeric feature columns, a label column (integers, numbers or strings)")
        ->required();
    cmd->add_option("--estimator", args->estimator, "svc | nu_svc | svr | nu_svr | one_class_svm")->default_str("svc");
    cmd->add_option("--target", args->target,
                    "label column (default: the last column; one_class_svm: none, every column is a feature)");
    cmd->add_flag("--scale", args->scale, "fit a pipeline standard_scaler -> estimator");
    cmd->add_flag("--sparse", args->sparse, "fit on the CSR form of the features (support vectors are stored as CSR)");
    cmd->add_option("--kernel", args->params.kernel, "linear | poly | rbf | sigmoid")->default_str("rbf");
    cmd->add_option("--C", args->params.C, "regularization (> 0; svc, svr, nu_svr)")->default_str("1");
    cmd->add_option("--nu", args->params.nu, "nu in (0, 1] (nu_svc, nu_svr, one_class_svm)")->default_str("0.5");
    cmd->add_option("--epsilon", args->params.epsilon, "epsilon-tube width >= 0 (svr)")->default_str("0.1");
    cmd->add_option("--gamma", args->params.gamma, "scale | auto | a number")->default_str("scale");
    cmd->add_option("--degree", args->params.degree, "poly degree")->default_str("3");
    cmd->add_option("--coef0", args->params.coef0, "poly/sigmoid coef0")->default_str("0");
    cmd->add_option("--tol", args->params.tol, "libsvm stopping tolerance")->default_str("0.001");
    cmd->add_option("--cache-size", args->params.cache_size, "kernel cache in MB")->default_str("200");
    cmd->add_option("--shrinking", args->params.shrinking, "libsvm's shrinking heuristic: true | false")
        ->default_str("true");
    cmd->add_option("--class-weight", args->class_weight, "balanced (default: none)");
    cmd->add_option("--decision-function-shape", args->params.decision_function_shape, "ovr | ovo")->default_str("ovr");
    cmd->add_flag("--break-ties", args->params.break_ties, "ovr only: predict the argmax of decision_function");
    cmd->add_flag("--probability", args->params.probability,
                  "svc, nu_svc: fit probA/probB by libsvm's internal 5-fold CV (enables predict --proba)");
    cmd->add_option("--random-state", args->params.random_state, "seed of the probability CV's shuffling")->default_str("0");
    cmd->add_option("--cv", args->cv,
                    "stratified k-fold cross-validation recorded in the provenance (classifiers with integer labels; 0 skips)")
        ->default_str("5");
    cmd->add_option("--data-uri", args->data_uri, "where the training data lives (recorded in the provenance)");
    auto* source = cmd->add_option("--source", args->source_file, "training code file: its name and SHA-256 are recorded");
    cmd->add_option("--source-ref", args->source_ref, "training code reference (commit id, URL...) to record")
        ->excludes(source);
    cmd->add_option("-o,--output", args->output, "where to write the model")->required();
    add_write_flags(cmd, args->flags);
    cmd->callback([args] {
        run_fit(*args);
        command_result() = exit_ok;
    });
}

}  // namespace fitstore::cli
