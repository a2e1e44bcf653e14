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

svc assemble_svc(svc_arrays arrays, const std::string& kernel) {
    svc_params params;
    params.kernel = kernel;
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
    const std::size_t d = arrays.support_vectors.rank() == 2 ? arrays.support_vectors.shape(1) : 0;
    set_array("support_vectors", arrays.support_vectors.as_any());
    set_array("dual_coef", arrays.dual_coef.as_any());
    set_array("intercept", arrays.intercept.as_any());
    set_array("n_support", arrays.n_support.as_any());
    set_array("support", arrays.support.as_any());
    set_array("classes", arrays.classes.as_any());
    set_array("class_weight", arrays.class_weight.as_any());
    node.params["n_features_in"] = d;
    node.params["fitted_gamma"] = d ? 1.0 / double(d) : 0.0;
    svc model;
    load_object(node, model, "", "<assembled svc>");
    return model;
}

svc make_synthetic_svc(const synthetic_svc_spec& spec) {
    const std::size_t k = spec.n_classes, nsv = spec.n_support_vectors, d = spec.n_features;
    if (k < 2 || nsv < k || d == 0)
        throw usage_error("", "synthetic_svc", "need >= 2 classes, >= 1 feature and at least one support vector per class");
    svc_arrays a;
    a.support_vectors = ndarray<double>(shape_t{nsv, d});
    a.dual_coef = ndarray<double>(shape_t{k - 1, nsv});
    a.intercept = ndarray<double>(shape_t{k * (k - 1) / 2});
    a.class_weight = ndarray<double>(shape_t{k});
    a.n_support = ndarray<std::int32_t>(shape_t{k});
    a.support = ndarray<std::int32_t>(shape_t{nsv});
    a.classes = ndarray<std::int64_t>(shape_t{k});
    double* v = a.support_vectors.mutable_data();
    fill_normal(v, a.support_vectors.size(), spec.seed);
    if (spec.decimals >= 0) {
        const double scale = std::pow(10.0, spec.decimals);
        for (std::size_t i = 0; i < a.support_vectors.size(); ++i) v[i] = std::round(v[i] * scale) / scale;
    }
    std::mt19937_64 rng(spec.seed + 1);
    std::uniform_real_distribution<double> coef(-1.0, 1.0);
    for (std::size_t i = 0; i < a.dual_coef.size(); ++i) a.dual_coef.mutable_data()[i] = coef(rng);
    for (std::size_t i = 0; i < a.intercept.size(); ++i) a.intercept.mutable_data()[i] = 0.1 * coef(rng);
    for (std::size_t c = 0; c < k; ++c) {
        a.n_support.mutable_data()[c] = std::int32_t(nsv / k + (c < nsv % k ? 1 : 0));
        a.classes.mutable_data()[c] = std::int64_t(c);
        a.class_weight.mutable_data()[c] = 1.0;
    }
    for (std::size_t i = 0; i < nsv; ++i) a.support.mutable_data()[i] = std::int32_t(i);
    return assemble_svc(std::move(a), spec.kernel);
}

svr svr_from(const svc& model) {
    stored_object node;
    {
        svm_params params = model.params();
        params.gamma = "auto";
        svr unfitted(params);
        save_object(unfitted, node);
    }
    const std::size_t nsv = model.n_support_vectors();
    ndarray<double> dual(shape_t{1, nsv});
    std::copy_n(model.dual_coef().data(), nsv, dual.mutable_data());
    ndarray<double> intercept(shape_t{1});
    intercept.mutable_data()[0] = 0.1;
    ndarray<std::int32_t> n_support(shape_t{1});
    n_support.mutable_data()[0] = std::int32_t(nsv);
    for (auto& a : node.arrays) {
        if (a.first == "support_vectors") a.second = model.support_vectors().as_any();
        if (a.first == "dual_coef") a.second = dual.as_any();
        if (a.first == "intercept") a.second = intercept.as_any();
        if (a.first == "n_support") a.second = n_support.as_any();
        if (a.first == "support") a.second = model.support().as_any();
    }
    node.params["n_features_in"] = model.n_features_in();
    node.params["fitted_gamma"] = model.fitted_gamma();
    svr out;
    load_object(node, out, "", "<assembled svr>");
    return out;
}

ndarray<double> sparsified(const ndarray<double>& X, double threshold) {
    ndarray<double> out = X.copy();
    for (std::size_t i = 0; i < out.size(); ++i)
        if (std::abs(out[i]) < threshold) out.mutable_data()[i] = 0.0;
    return out;
}

svc sparse_svc_from(const svc& model, double threshold) {
    stored_object node;
    save_object(model, node);
    const csr_matrix sv = csr_matrix::from_dense(sparsified(model.support_vectors(), threshold));
    std::vector<std::pair<std::string, any_array>> arrays;
    for (auto& a : node.arrays)
        if (a.first != "support_vectors") arrays.push_back(a);
    arrays.emplace_back("support_vectors_data", sv.data.as_any());
    arrays.emplace_back("support_vectors_indices", sv.indices.as_any());
    arrays.emplace_back("support_vectors_indptr", sv.indptr.as_any());
    node.arrays = std::move(arrays);
    node.params["sparse"] = true;
    node.params["support_vectors_rows"] = sv.n_rows;
    svc out;
    load_object(node, out, "", "<assembled sparse svc>");
    return out;
}

ndarray<double> synthetic_samples(std::size_t n, std::size_t n_features, std::uint64_t seed) {
    ndarray<double> X(shape_t{n, n_features});
    fill_normal(X.mutable_data(), X.size(), seed ^ 0x5eedULL);
    return X;
}

}  // namespace fitstore::bench
