// fitstore predict: loads a stored classifier (copied or memory-mapped) and
// prints one label, or one row of decision values, per CSV row on stdout.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/datasets.hpp"
#include "model_io.hpp"

namespace fitstore::cli {

namespace {

struct predict_args {
    std::string model, data, mmap = "none";
    bool decision = false;
    remote_flags remote;
};

void run_predict(const predict_args& a) {
    load_options options;
    options.mmap = parse_mmap_mode(a.mmap);
    options.remote = to_remote_options(a.remote, a.model);
    const auto model = load_estimator(a.model, options);
    if (!model->is_classifier())
        throw usage_error(a.model, "root.type", "expected a classifier, found \"" + model->type_name() + "\"");
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
    if (a.decision) {
        const auto dec = model->decision_function(X);
        print_rows(stdout, dec.data(), dec.size(), dec.rank() == 2 ? dec.shape(1) : 1);
    } else {
        for (auto label : model->predict(X)) std::printf("%lld\n", static_cast<long long>(label));
    }
    if (std::fflush(stdout) != 0) throw io_error("<stdout>", "", "write failed");
}

}  // namespace

void add_predict_command(CLI::App& app) {
    auto args = std::make_shared<predict_args>();
    auto* cmd = app.add_subcommand("predict", "Predict with a stored classifier on the feature columns of a CSV file");
    cmd->add_option("model", args->model, "stored model (any layout)")->required();
    cmd->add_option("--data", args->data, "CSV file with the feature columns named as at fit time")->required();
    cmd->add_option("--mmap", args->mmap, "none | r | c (memory-map uncompressed arrays)")->default_str("none");
    cmd->add_flag("--decision", args->decision, "print decision_function rows instead of labels");
    add_remote_flags(cmd, args->remote);
    cmd->callback([args] {
        run_predict(*args);
        command_result() = exit_ok;
    });
}

}  // namespace fitstore::cli
