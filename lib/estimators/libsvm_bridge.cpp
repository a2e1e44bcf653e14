#include "estimators/libsvm_bridge.hpp"

#include <libsvm/svm.h>

#include <vector>

namespace fitstore::detail {

struct libsvm_predictor::impl {
    svm_model model{};
    std::vector<svm_node> nodes;
    std::vector<svm_node*> rows;
    std::vector<std::vector<double>> coef;
    std::vector<double*> coef_rows;
    std::vector<double> rho;
    std::vector<int> label, n_sv;
    std::vector<std::int64_t> classes;
    std::size_t n_features = 0;
};

libsvm_predictor::libsvm_predictor(const svc& m) : m_impl(std::make_unique<impl>()) {
    if (!m.fitted()) throw usage_error("", "svc", "not fitted yet");
    impl& s = *m_impl;
    const std::size_t nsv = m.support_vectors().shape(0), d = m.n_features_in(), k = m.n_classes();
    s.n_features = d;
    s.nodes.reserve(nsv * (d + 1));
    std::vector<std::size_t> first(nsv);
    const double* sv = m.support_vectors().data();
    for (std::size_t i = 0; i < nsv; ++i) {
        first[i] = s.nodes.size();
        for (std::size_t f = 0; f < d; ++f)
            if (sv[i * d + f] != 0.0) s.nodes.push_back(svm_node{int(f) + 1, sv[i * d + f]});
        s.nodes.push_back(svm_node{-1, 0.0});
    }
    for (std::size_t i = 0; i < nsv; ++i) s.rows.push_back(s.nodes.data() + first[i]);
    // Undo scikit-learn's binary sign flip: libsvm wants its own signs.
    const double sign = k == 2 ? -1.0 : 1.0;
    const double* dual = m.dual_coef().data();
    s.coef.assign(k - 1, std::vector<double>(nsv));
    for (std::size_t r = 0; r + 1 < k; ++r) {
        for (std::size_t i = 0; i < nsv; ++i) s.coef[r][i] = sign * dual[r * nsv + i];
        s.coef_rows.push_back(s.coef[r].data());
    }
    for (std::size_t p = 0; p < m.intercept().size(); ++p) s.rho.push_back(-sign * m.intercept()[p]);
    for (std::size_t c = 0; c < k; ++c) {
        s.label.push_back(int(c));
        s.n_sv.push_back(m.n_support()[c]);
        s.classes.push_back(m.classes()[c]);
    }
    svm_parameter& p = s.model.param;
    p.svm_type = C_SVC;
    const std::string& kernel = m.params().kernel;
    p.kernel_type = kernel == "linear" ? LINEAR : kernel == "poly" ? POLY : kernel == "rbf" ? RBF : SIGMOID;
    p.degree = m.params().degree;
    p.gamma = m.fitted_gamma();
    p.coef0 = m.params().coef0;
    s.model.nr_class = int(k);
    s.model.l = int(nsv);
    s.model.SV = s.rows.data();
    s.model.sv_coef = s.coef_rows.data();
    s.model.rho = s.rho.data();
    s.model.label = s.label.data();
    s.model.nSV = s.n_sv.data();
    s.model.free_sv = 0;
}

libsvm_predictor::~libsvm_predictor() = default;

ndarray<std::int64_t> libsvm_predictor::predict(const ndarray<double>& X) const {
    const impl& s = *m_impl;
    const std::size_t n = X.shape(0), d = s.n_features;
    ndarray<std::int64_t> out(shape_t{n});
    std::vector<svm_node> x(d + 1);
    for (std::size_t r = 0; r < n; ++r) {
        std::size_t used = 0;
        for (std::size_t f = 0; f < d; ++f)
            if (X[r * d + f] != 0.0) x[used++] = svm_node{int(f) + 1, X[r * d + f]};
        x[used] = svm_node{-1, 0.0};
        out.mutable_data()[r] = s.classes[std::size_t(svm_predict(&s.model, x.data()))];
    }
    return out;
}

}  // namespace fitstore::detail
