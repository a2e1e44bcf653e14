#include "training_data.hpp"

#include "fitstore/datasets.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::cli {

training_data read_training_csv(const std::string& path, const std::string& target, bool has_target) {
    const auto table = datasets::read_csv_table(path);
    training_data d;
    d.target_name = has_target && target.empty() ? table.header.back() : target;
    for (const auto& h : table.header)
        if (h != d.target_name) d.feature_names.push_back(h);
    if (d.feature_names.empty()) throw usage_error(path, "columns", "expected at least one feature column besides the target");
    d.X = datasets::numeric_columns(table, d.feature_names);
    if (!d.target_name.empty()) d.y = datasets::target_column(table, d.target_name);
    return d;
}

training_score score_predictions(const estimator& model, const targets& y, const targets& predicted) {
    const std::size_t n = predicted.size();
    training_score s;
    if (model.is_regressor()) {
        s.metric = "r2";
        std::vector<double> truth(n);
        for (std::size_t i = 0; i < n; ++i)
            truth[i] = y.kind() == target_kind::float64 ? y.float64s()[i] : double(y.int64s()[i]);
        double mean = 0, ss_res = 0, ss_tot = 0;
        for (double t : truth) mean += t / double(n);
        for (std::size_t i = 0; i < n; ++i) {
            ss_res += (truth[i] - predicted.float64s()[i]) * (truth[i] - predicted.float64s()[i]);
            ss_tot += (truth[i] - mean) * (truth[i] - mean);
        }
        s.value = ss_tot > 0 ? 1 - ss_res / ss_tot : 0;
    } else if (model.is_outlier_detector()) {
        s.metric = "inlier_fraction";
        for (auto v : predicted.int64s()) s.value += v == 1;
        s.value /= double(n);
    } else {
        s.metric = "accuracy";
        for (std::size_t i = 0; i < n; ++i) s.value += predicted.text(i) == y.text(i);
        s.value /= double(n);
    }
    return s;
}

}  // namespace fitstore::cli
