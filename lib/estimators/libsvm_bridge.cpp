#include "estimators/libsvm_bridge.hpp"

#include <cblas.h>
#include <libsvm/svm.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>

#include "fitstore/errors.hpp"
#include "fitstore/estimators/svm_classifier.hpp"

namespace fitstore::detail {

namespace {

void quiet_libsvm(const char*) {}

/// Owns a libsvm model and frees it with libsvm's own destructor.
struct model_deleter {
    void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};

int libsvm_kernel_type(kernel_kind kind) {
    switch (kind) {
        case kernel_kind::linear: return LINEAR;
        case kernel_kind::poly: return POLY;
        case kernel_kind::rbf: return RBF;
        case kernel_kind::sigmoid: return SIGMOID;
    }
    return RBF;
}

/// libsvm keeps its print hook and rand() state in globals: one training at a time.
std::mutex& libsvm_mutex() {
    static std::mutex m;
    return m;
}

/// The nodes of one row: its non-zeros, 1-based indices, then the -1 terminator.
void append_row(const row_matrix& X, std::size_t r, std::vector<svm_node>& nodes) {
    if (X.sparse()) {
        for (auto k = X.indptr[r]; k < X.indptr[r + 1]; ++k) nodes.push_back(svm_node{X.indices[k] + 1, X.data[k]});
    } else {
        const double* x = X.dense + r * X.cols;
        // Zeros are left out: libsvm's sparse dot products then add the same
        // terms in the same order as a dense one.
        for (std::size_t f = 0; f < X.cols; ++f)
            if (x[f] != 0.0) nodes.push_back(svm_node{int(f) + 1, x[f]});
    }
    nodes.push_back(svm_node{-1, 0.0});
}

/// scikit-learn's dense libsvm computes every kernel value from a BLAS ddot
/// (scipy's cython_blas, the same OpenBLAS fitstore links) as
/// Kernel::kernel_* does; libsvm's own sparse dot adds the same products in
/// another association, which is enough to send the solver down another path.
/// This fills libsvm's PRECOMPUTED rows with scikit-learn's exact values: row i
/// is {0: i + 1}, {j + 1: K(i, j)} for every j, {-1}.
void precomputed_rows(const row_matrix& X, const std::vector<std::size_t>& order, const kernel_spec& spec,
                      std::vector<svm_node>& nodes) {
    const std::size_t n = order.size();
    const int d = int(X.cols);
    auto row = [&](std::size_t i) { return X.dense + order[i] * X.cols; };
    std::vector<double> square(n, 0.0);
    if (spec.kind == kernel_kind::rbf)
        for (std::size_t i = 0; i < n; ++i) square[i] = cblas_ddot(d, row(i), 1, row(i), 1);
    nodes.assign(n * (n + 2), svm_node{0, 0.0});
    for (std::size_t i = 0; i < n; ++i) {
        svm_node* ni = nodes.data() + i * (n + 2);
        ni[0] = svm_node{0, double(i + 1)};
        ni[n + 1] = svm_node{-1, 0.0};
        for (std::size_t j = 0; j <= i; ++j) {
            const double dot = cblas_ddot(d, row(i), 1, row(j), 1);
            double k = dot;
            switch (spec.kind) {
                case kernel_kind::linear: break;
                case kernel_kind::poly: k = powi(spec.gamma * dot + spec.coef0, spec.degree); break;
                case kernel_kind::rbf: k = std::exp(-spec.gamma * (square[i] + square[j] - 2 * dot)); break;
                case kernel_kind::sigmoid: k = std::tanh(spec.gamma * dot + spec.coef0); break;
            }
            ni[j + 1] = svm_node{int(j) + 1, k};
            nodes[j * (n + 2) + i + 1] = svm_node{int(i) + 1, k};
        }
    }
}

/// libsvm's rows of a problem: `nodes` owns them, `rows[r]` is where row r starts.
struct problem_rows {
    std::vector<svm_node> nodes;
    std::vector<svm_node*> rows;
};

problem_rows make_rows(const row_matrix& X, const std::vector<std::size_t>& order, const kernel_spec& kernel,
                       bool precomputed) {
    const std::size_t n = order.size();
    problem_rows p;
    p.rows.resize(n);
    if (precomputed) {
        precomputed_rows(X, order, kernel, p.nodes);
        for (std::size_t r = 0; r < n; ++r) p.rows[r] = p.nodes.data() + r * (n + 2);
    } else {
        std::vector<std::size_t> first(n);
        for (std::size_t r = 0; r < n; ++r) {
            first[r] = p.nodes.size();
            append_row(X, order[r], p.nodes);
        }
        for (std::size_t r = 0; r < n; ++r) p.rows[r] = p.nodes.data() + first[r];
    }
    return p;
}

bool is_classification(svm_type type) { return type == svm_type::c_svc || type == svm_type::nu_svc; }

/// libsvm's parameters for `request`; the class weights point into `weight_label` and `weights`.
svm_parameter make_parameter(const libsvm_request& request, bool precomputed, std::vector<int>& weight_label,
                             std::vector<double>& weights) {
    weight_label.resize(request.class_weight.size());
    for (std::size_t c = 0; c < weight_label.size(); ++c) weight_label[c] = int(c);
    weights = request.class_weight;
    svm_parameter param{};
    param.svm_type = int(request.type);  // svm_type follows libsvm's numbering
    param.kernel_type = precomputed ? PRECOMPUTED : libsvm_kernel_type(request.kernel.kind);
    param.degree = request.kernel.degree;
    param.gamma = request.kernel.gamma;
    param.coef0 = request.kernel.coef0;
    param.cache_size = request.cache_size;
    param.eps = request.tol;
    param.C = request.C;
    param.nr_weight = is_classification(request.type) ? int(weights.size()) : 0;
    param.weight_label = weight_label.data();
    param.weight = weights.data();
    param.nu = request.nu;
    param.p = request.epsilon;
    param.shrinking = request.shrinking ? 1 : 0;
    param.probability = request.probability ? 1 : 0;
    return param;
}

/// A trained model's arrays as plain vectors; support vectors named by their row of X (through `order`).
libsvm_solution solution_of(const svm_model& model, const std::vector<std::size_t>& order, const libsvm_request& request) {
    const bool classification = is_classification(request.type);
    libsvm_solution out;
    const std::size_t nsv = std::size_t(model.l);
    const std::size_t k = std::size_t(model.nr_class);
    if (classification) {
        for (std::size_t c = 0; c < k; ++c)
            if (model.label[c] != int(c))
                throw error("", "libsvm", "unexpected class order from libsvm (label " + std::to_string(model.label[c]) +
                                               " at position " + std::to_string(c) + ")");
        for (std::size_t c = 0; c < k; ++c) out.n_sv.push_back(model.nSV[c]);
    }
    out.coef_rows = classification ? k - 1 : 1;
    out.sv_rows.resize(nsv);
    out.sv_coef.resize(out.coef_rows * nsv);
    for (std::size_t s = 0; s < nsv; ++s) {
        out.sv_rows[s] = order[std::size_t(model.sv_indices[s] - 1)];
        for (std::size_t r = 0; r < out.coef_rows; ++r) out.sv_coef[r * nsv + s] = model.sv_coef[r][s];
    }
    const std::size_t n_rho = classification ? k * (k - 1) / 2 : 1;
    out.rho.assign(model.rho, model.rho + n_rho);
    if (classification && request.probability && model.probA && model.probB) {
        out.prob_a.assign(model.probA, model.probA + n_rho);
        out.prob_b.assign(model.probB, model.probB + n_rho);
    }
    return out;
}

}  // namespace

libsvm_solution train_libsvm(const row_matrix& X, const std::vector<std::size_t>& order, const std::vector<double>& y,
                             const libsvm_request& request) {
    const std::size_t n = order.size();
    if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        X.cols >= static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw usage_error("", "X", "libsvm indexes samples and features with int; shape too large");
    const bool precomputed = !X.sparse() && n <= exact_kernel_max_rows;
    problem_rows rows = make_rows(X, order, request.kernel, precomputed);
    std::vector<double> labels = y;
    svm_problem problem{};
    problem.l = int(n);
    problem.y = labels.data();
    problem.x = rows.rows.data();
    std::vector<int> weight_label;
    std::vector<double> weights;
    const svm_parameter param = make_parameter(request, precomputed, weight_label, weights);
    if (const char* message = svm_check_parameter(&problem, &param)) throw usage_error("", "libsvm", message);

    std::unique_ptr<svm_model, model_deleter> model;
    {
        std::lock_guard<std::mutex> lock(libsvm_mutex());
        svm_set_print_string_function(&quiet_libsvm);
        // libsvm shuffles its probability cross-validation folds with rand().
        std::srand(request.seed);
        model.reset(svm_train(&problem, &param));
    }
    if (!model) throw usage_error("", "libsvm", "svm_train failed");
    return solution_of(*model, order, request);
}

struct libsvm_predictor::impl {
    svm_model model{};
    std::vector<svm_node> nodes;
    std::vector<svm_node*> rows;
    std::vector<std::vector<double>> coef;
    std::vector<double*> coef_rows;
    std::vector<double> rho;
    std::vector<int> label, n_sv;
    std::size_t n_features = 0;
};

libsvm_predictor::libsvm_predictor(const svm_base& m) : m_impl(std::make_unique<impl>()) {
    if (!m.fitted()) throw usage_error("", m.type_name(), "not fitted yet");
    impl& s = *m_impl;
    const std::size_t nsv = m.n_support_vectors(), d = m.n_features_in();
    s.n_features = d;
    const row_matrix sv = m.sparse() ? row_matrix::of(m.sparse_support_vectors()) : row_matrix::of(m.support_vectors());
    std::vector<std::size_t> first(nsv);
    for (std::size_t i = 0; i < nsv; ++i) {
        first[i] = s.nodes.size();
        append_row(sv, i, s.nodes);
    }
    for (std::size_t i = 0; i < nsv; ++i) s.rows.push_back(s.nodes.data() + first[i]);
    const bool classification = is_classification(m.type());
    const std::size_t coef_rows = m.dual_coef().shape(0);
    // Undo scikit-learn's binary sign flip: libsvm wants its own signs.
    const double sign = classification && coef_rows == 1 ? -1.0 : 1.0;
    const double* dual = m.dual_coef().data();
    s.coef.assign(coef_rows, std::vector<double>(nsv));
    for (std::size_t r = 0; r < coef_rows; ++r) {
        for (std::size_t i = 0; i < nsv; ++i) s.coef[r][i] = sign * dual[r * nsv + i];
        s.coef_rows.push_back(s.coef[r].data());
    }
    for (std::size_t p = 0; p < m.intercept().size(); ++p) s.rho.push_back(-sign * m.intercept()[p]);
    const std::size_t k = classification ? m.n_support().size() : 2;
    if (classification)
        for (std::size_t c = 0; c < k; ++c) {
            s.label.push_back(int(c));
            s.n_sv.push_back(m.n_support()[c]);
        }
    svm_parameter& p = s.model.param;
    p.svm_type = int(m.type());
    kernel_kind kind{};
    parse_kernel(m.params().kernel, kind);
    p.kernel_type = libsvm_kernel_type(kind);
    p.degree = m.params().degree;
    p.gamma = m.fitted_gamma();
    p.coef0 = m.params().coef0;
    s.model.nr_class = int(k);
    s.model.l = int(nsv);
    s.model.SV = s.rows.data();
    s.model.sv_coef = s.coef_rows.data();
    s.model.rho = s.rho.data();
    s.model.label = classification ? s.label.data() : nullptr;
    s.model.nSV = classification ? s.n_sv.data() : nullptr;
    s.model.free_sv = 0;
    if (classification) {
        const auto& c = static_cast<const svm_classifier&>(m);
        m_labels = c.class_labels().kind() == target_kind::int64;
        m_classes = c.classes();
    } else {
        m_labels = m.type() == svm_type::one_class;
    }
}

libsvm_predictor::~libsvm_predictor() = default;

ndarray<std::int64_t> libsvm_predictor::predict(const ndarray<double>& X) const {
    if (!m_labels) throw usage_error("", "libsvm_predictor", "int64 labels need a classifier with int64 labels or a one-class model");
    const std::vector<double> raw = predict_values(row_matrix::of(X));
    ndarray<std::int64_t> out(shape_t{raw.size()});
    for (std::size_t i = 0; i < raw.size(); ++i)
        out.mutable_data()[i] = m_classes.size() ? m_classes[std::size_t(raw[i])] : std::int64_t(raw[i]);
    return out;
}

std::vector<double> libsvm_predictor::predict_values(const row_matrix& X) const {
    const impl& s = *m_impl;
    std::vector<double> out(X.rows);
    std::vector<svm_node> x;
    for (std::size_t r = 0; r < X.rows; ++r) {
        x.clear();
        append_row(X, r, x);
        out[r] = svm_predict(&s.model, x.data());
    }
    return out;
}

}  // namespace fitstore::detail
