#include "verify_data.hpp"

#include "training_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "fitstore/datasets.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/manifest.hpp"
#include "fitstore/model_selection.hpp"
#include "fitstore/provenance.hpp"
#include "model_io.hpp"

namespace fitstore::cli {
namespace {

using nlohmann::json;

std::string fixed(double v, int digits = 6) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

/// `p[a][b]` if it is an object member of the expected kind, else nullptr.
const json* member(const json& p, const char* a, const char* b = nullptr) {
    if (!p.is_object() || !p.contains(a)) return nullptr;
    const json* j = &p[a];
    if (b) {
        if (!j->is_object() || !j->contains(b)) return nullptr;
        j = &(*j)[b];
    }
    return j;
}

verify_check check_fingerprint(const json& training, const training_data& data) {
    verify_check c{"training data fingerprint", false, ""};
    const std::string found = data_fingerprint({{"X", data.X.as_any()}, {"y", data.y.as_any()}});
    const json* stored = member(training, "sha256");
    if (!stored || !stored->is_string()) {
        c.detail = "the model records no training_data.sha256";
        return c;
    }
    c.passed = stored->get<std::string>() == found;
    c.detail = c.passed ? "sha256 " + found + " (X " + shape_to_string(data.X.shape()) + ", y " +
                              shape_to_string(data.y.as_any().shape()) + ")"
                        : "expected sha256 " + stored->get<std::string>() + " (stored), found " + found;
    if (!c.passed) {
        // Say which of X and y differs, when the per-array fingerprints are there.
        for (const auto& [name, array] : {std::pair<const char*, any_array>{"X", data.X.as_any()},
                                          std::pair<const char*, any_array>{"y", data.y.as_any()}}) {
            const json* one = member(training, name, "sha256");
            if (one && one->is_string() && one->get<std::string>() != data_fingerprint({{name, array}}))
                c.detail += std::string("; ") + name + " differs (stored " +
                            (member(training, name, "shape") ? member(training, name, "shape")->dump() : "?") +
                            ", found " + shape_to_string(array.shape()) + ")";
        }
    }
    return c;
}

verify_check check_training_score(const json& p, const estimator& model, const training_data& data) {
    verify_check c{"training score", false, ""};
    const json* stored = member(p, "training_score", "value");
    if (!stored || !stored->is_number()) {
        c.detail = "the model records no training_score";
        return c;
    }
    const training_score found = score_predictions(model, data.y, model.predict_targets(data.X));
    const double want = stored->get<double>();
    const json* metric = member(p, "training_score", "metric");
    const std::string stored_metric = metric && metric->is_string() ? metric->get<std::string>() : "accuracy";
    c.passed = found.value == want && found.metric == stored_metric;
    c.detail = std::string(c.passed ? "reproduced exactly: " : "expected (stored) ") + stored_metric + " " +
               fixed(want, 17) + (c.passed ? "" : ", found " + found.metric + " " + fixed(found.value, 17));
    return c;
}

verify_check check_cross_validation(const json& p, const estimator& model, const training_data& data) {
    verify_check c{"cross-validation", false, ""};
    const json* cv = member(p, "cross_validation");
    if (!cv) {
        c.passed = true;
        c.detail = "skipped: no cross-validation recorded at fit time";
        return c;
    }
    const json* k = member(*cv, "k");
    const json* mean_stored = member(*cv, "mean");
    const json* std_stored = member(*cv, "std");
    if (!k || !k->is_number_unsigned() || !mean_stored || !mean_stored->is_number() || !std_stored ||
        !std_stored->is_number()) {
        c.detail = "cross_validation record lacks k, mean or std";
        return c;
    }
    const std::string metric = cv->value("metric", "accuracy");
    const std::string splitter = cv->value("splitter", "stratified_kfold");
    if (metric != "accuracy" || splitter != "stratified_kfold") {
        c.detail = "cannot rerun metric \"" + metric + "\" with splitter \"" + splitter + "\"";
        return c;
    }
    if (data.y.kind() != target_kind::int64) {
        c.detail = "cannot rerun: stratified accuracy needs int64 labels, these are " + std::string(target_kind_name(data.y.kind()));
        return c;
    }
    const std::size_t folds = k->get<std::size_t>();
    const std::vector<double> scores = cross_val_score(*model.clone_unfitted(), data.X, data.y.int64s(), folds);
    const double found = mean(scores);
    const double want = mean_stored->get<double>();
    const double tolerance = std::max(0.02, 2 * std_stored->get<double>());
    c.passed = std::fabs(found - want) <= tolerance;
    c.detail = std::to_string(folds) + "-fold accuracy: stored " + fixed(want, 4) + " +/- " +
               fixed(std_stored->get<double>(), 4) + ", refit " + fixed(found, 4) + " +/- " + fixed(stddev(scores), 4) +
               " (allowed difference " + fixed(tolerance, 4) + ")";
    return c;
}

}  // namespace

std::vector<verify_check> verify_training_data(const std::string& model_path, const std::string& data_path,
                                               bool refit) {
    const json p = read_store_manifest(model_path).provenance;
    const json* training = member(p, "training_data");
    if (!training || !training->is_object())
        throw usage_error(model_path, "provenance.training_data",
                          "--data needs a model that records its training data (made by fitstore fit)");
    const json* target = member(*training, "target");
    // fit records the target column's name; a model fitted without one (one_class_svm) records none.
    const training_data data =
        read_training_csv(data_path, target && target->is_string() ? target->get<std::string>() : std::string(), target != nullptr);

    std::vector<verify_check> checks;
    checks.push_back(check_fingerprint(*training, data));
    if (!refit) {
        checks.push_back({"training score", false, "not checked: the store's own checks failed"});
        return checks;
    }
    const std::shared_ptr<estimator> model = load_estimator(model_path, {});
    checks.push_back(check_training_score(p, *model, data));
    checks.push_back(check_cross_validation(p, *model, data));
    return checks;
}

}  // namespace fitstore::cli
