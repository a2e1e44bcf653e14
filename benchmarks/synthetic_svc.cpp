#include "synthetic_svc.hpp"

#include <cmath>
#include <random>

#include "fitstore/archive.hpp"

namespace fitstore::bench {

namespace {

void fill_normal(double* p, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    for (std::size_t i = 0; i < n; ++i) p[i] = normal(rng);
}

}  // namespace

svc make_synthetic_svc(const synthetic_svc_spec& spec) {
    const std::size_t k = spec.n_classes, nsv = spec.n_support_vectors, d = spec.n_features;
    if (k < 2 || nsv < k || d == 0)
        throw usage_error("", "synthetic_svc", "need >= 2 classes, >= 1 feature and at least one support vector per class");
    svc_params params;
    params.kernel = spec.kernel;
    params.gamma = "auto";
    stored_object node;
    {
        svc unfitted(params);
        save_object(unfitted, node);
    }
    auto set_array = [&](const std::string& name, any_array value) {
        for (auto& a : node.arrays)
            if (a.first == name) a.second = std::move(value);
    };
    ndarray<double> sv(shape_t{nsv, d}), dual(shape_t{k - 1, nsv}), intercept(shape_t{k * (k - 1) / 2});
    ndarray<double> weights(shape_t{k});
    ndarray<std::int32_t> n_support(shape_t{k}), support(shape_t{nsv});
    ndarray<std::int64_t> classes(shape_t{k});
    double* v = sv.mutable_data();
    fill_normal(v, sv.size(), spec.seed);
    if (spec.decimals >= 0) {
        const double scale = std::pow(10.0, spec.decimals);
        for (std::size_t i = 0; i < sv.size(); ++i) v[i] = std::round(v[i] * scale) / scale;
    }
    std::mt19937_64 rng(spec.seed + 1);
    std::uniform_real_distribution<double> coef(-1.0, 1.0);
    for (std::size_t i = 0; i < dual.size(); ++i) dual.mutable_data()[i] = coef(rng);
    for (std::size_t i = 0; i < intercept.size(); ++i) intercept.mutable_data()[i] = 0.1 * coef(rng);
    for (std::size_t c = 0; c < k; ++c) {
        n_support.mutable_data()[c] = std::int32_t(nsv / k + (c < nsv % k ? 1 : 0));
        classes.mutable_data()[c] = std::int64_t(c);
        weights.mutable_data()[c] = 1.0;
    }
    for (std::size_t i = 0; i < nsv; ++i) support.mutable_data()[i] = std::int32_t(i);
    set_array("support_vectors", sv.as_any());
    set_array("dual_coef", dual.as_any());
    set_array("intercept", intercept.as_any());
    set_array("n_support", n_support.as_any());
    set_array("support", support.as_any());
    set_array("classes", classes.as_any());
    set_array("class_weight", weights.as_any());
    node.params["n_features_in"] = d;
    node.params["fitted_gamma"] = 1.0 / double(d);
    svc model;
    load_object(node, model, "", "<synthetic>");
    return model;
}

ndarray<double> synthetic_samples(std::size_t n, std::size_t n_features, std::uint64_t seed) {
    ndarray<double> X(shape_t{n, n_features});
    fill_normal(X.mutable_data(), X.size(), seed ^ 0x5eedULL);
    return X;
}

}  // namespace fitstore::bench
