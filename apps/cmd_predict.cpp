// fitstore predict: loads a stored estimator (copied or memory-mapped) and
// prints one prediction (label of the fitted kind, regression value, or +1/-1
// for one_class_svm), one row of decision values, or one row of class
// probabilities per CSV row on stdout.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/datasets.hpp"
#include "fitstore/estimators/kneighbors.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/svm_classifier.hpp"
#include "fitstore/estimators/tree_ensemble.hpp"
#include "model_io.hpp"

namespace fitstore::cli {

namespace {

struct predict_args {
    std::string model, data, mmap = "none";
    bool verify = false;
    bool decision = false, proba = false;
    remote_flags remote;
};

void run_predict(const predict_args& a) {
    load_options options;
    options.mmap = parse_mmap_mode(a.mmap);
    options.verify = a.verify;
    options.remote = to_remote_options(a.remote, a.model);
    const auto model = load_estimator(a.model, options);
    if (!model->is_classifier() && !model->is_regressor() && !model->is_outlier_detector())
        throw usage_error(a.model, "root.type", "expected a classifier, regressor or outlier detector, found \"" +
                                                    model->type_name() + "\"");
    const auto table = datasets::read_csv_table(a.data);
    std::vector<std::string> columns = model->feature_names_in();
    if (columns.empty()) {
        // A model fitted without names: the CSV must hold exactly its features.
        if (table.header.size() != model->n_features_in())
            throw usage_error(a.data, "columns",
                              "the model records no feature names, so the CSV must have exactly " +
                                  std::to_string(model->n_features_in()) + " columns; found " +
                                  std::to_string(table.header.size()));
        columns = table.header;
    }
    const auto X = datasets::numeric_columns(table, columns);
    if (a.proba) {
        // The final step computes the probabilities; earlier pipeline steps transform.
        ndarray<double> features = X;
        std::shared_ptr<const estimator> last = model;
        if (auto p = std::dynamic_pointer_cast<const pipeline>(model)) {
            for (std::size_t i = 0; i + 1 < p->steps().size(); ++i) features = p->steps()[i].second->transform(features);
            last = p->steps().back().second;
        }
        ndarray<double> proba;
        if (const auto* forest = dynamic_cast<const tree_ensemble*>(last.get()); forest && forest->is_classifier()) {
            proba = forest->predict_proba(features);
        } else if (const auto* knn = dynamic_cast<const kneighbors*>(last.get()); knn && knn->is_classifier()) {
            proba = knn->predict_proba(features);
        } else {
            const auto* classifier = dynamic_cast<const svm_classifier*>(last.get());
            if (!classifier)
                throw usage_error(a.model, "--proba",
                                  "probabilities need a classifier (svc, nu_svc, decision_tree, random_forest, kneighbors); "
                                  "this model is \"" + last->type_name() + "\"" + (last->is_regressor() ? " (a regressor)" : ""));
            if (!classifier->has_probability())
                throw usage_error(a.model, "--proba",
                                  "this " + classifier->type_name() +
                                      " holds no probA/probB (fitted without probability); refit with fit --probability");
            proba = classifier->predict_proba(features);
        }
        print_rows(stdout, proba.data(), proba.size(), proba.shape(1));
    } else if (a.decision) {
        if (model->is_regressor())
            throw usage_error(a.model, "--decision", "a regressor has no decision_function; its predictions are the values");
        const auto dec = model->decision_function(X);
        print_rows(stdout, dec.data(), dec.size(), dec.rank() == 2 ? dec.shape(1) : 1);
    } else {
        const targets predicted = model->predict_targets(X);
        if (predicted.kind() == target_kind::float64) {
            print_rows(stdout, predicted.float64s().data(), predicted.size(), 1);
        } else {
            for (std::size_t i = 0; i < predicted.size(); ++i) std::printf("%s\n", predicted.text(i).c_str());
        }
    }
    if (std::fflush(stdout) != 0) throw io_error("<stdout>", "", "write failed");
}

}  // namespace

void add_predict_command(CLI::App& app) {
    auto args = std::make_shared<predict_args>();
    auto* cmd = app.add_subcommand("predict", "Predict with a stored estimator on the feature columns of a CSV file");
    cmd->add_option("model", args->model, "stored model (any layout)")->required();
    cmd->add_option("--data", args->data, "CSV file with the feature columns named as at fit time")->required();
    cmd->add_option("--mmap", args->mmap, "none | r | c: map uncompressed arrays instead of copying them. A mapped load checks the manifest and every "
                    "size but not the mapped bytes' checksums (add --verify for that; a copying load always checks them)")->default_str("none");
    cmd->add_flag("--verify", args->verify, "With --mmap: also check the mapped arrays' checksums (reads every page)");
    auto* decision = cmd->add_flag("--decision", args->decision, "print decision_function rows instead of predictions");
    cmd->add_flag("--proba", args->proba, "print predict_proba rows (svc / nu_svc fitted with --probability, trees, forests, kneighbors classifiers)")->excludes(decision);
    add_remote_flags(cmd, args->remote);
    cmd->callback([args] {
        run_predict(*args);
        command_result() = exit_ok;
    });
}

}  // namespace fitstore::cli
