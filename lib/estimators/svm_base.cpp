#include "fitstore/estimators/svm_base.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "estimators/libsvm_bridge.hpp"
#include "estimators/svm_kernel.hpp"

namespace fitstore {

namespace {

/// Loaded models with more classes are refused (libsvm itself handles at most a few thousand in practice).
constexpr std::size_t max_classes = 65536;

/// A number given as gamma text ("0.5", "1e-3"); false if `text` is not one.
bool parse_gamma_number(const std::string& text, double& out) {
    if (text.empty()) return false;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && std::isfinite(out) && out >= 0.0;
}

/// A parameter value in a message: "1.5", not std::to_string's "1.500000".
std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

const char* type_label(svm_type t) {
    switch (t) {
        case svm_type::c_svc: return "svc";
        case svm_type::nu_svc: return "nu_svc";
        case svm_type::one_class: return "one_class_svm";
        case svm_type::epsilon_svr: return "svr";
        case svm_type::nu_svr: return "nu_svr";
    }
    return "svm";
}

template <class T>
ndarray<T> array_of(const std::vector<T>& values, shape_t shape) {
    ndarray<T> out(std::move(shape));
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

/// numpy's pairwise summation (pairwise_sum in umath loops): blocks of at most
/// 128 values summed with 8 accumulators, halves added recursively. np.var and
/// np.mean add this way, so gamma="scale" gets scikit-learn's bits.
template <class F>
double pairwise_sum(std::size_t begin, std::size_t n, const F& value) {
    if (n < 8) {
        double res = 0.;
        for (std::size_t i = 0; i < n; ++i) res += value(begin + i);
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (std::size_t j = 0; j < 8; ++j) r[j] = value(begin + j);
        std::size_t i = 8;
        for (; i < n - (n % 8); i += 8)
            for (std::size_t j = 0; j < 8; ++j) r[j] += value(begin + i + j);
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) res += value(begin + i);
        return res;
    }
    std::size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(begin, n2, value) + pairwise_sum(begin + n2, n - n2, value);
}

}  // namespace

void validate_svm_params(const svm_params& p, svm_type type) {
    detail::kernel_kind kind;
    if (!detail::parse_kernel(p.kernel, kind))
        throw usage_error("", "kernel", "expected linear, poly, rbf or sigmoid, found \"" + p.kernel + "\"");
    double g = 0;
    if (p.gamma != "scale" && p.gamma != "auto" && !parse_gamma_number(p.gamma, g))
        throw usage_error("", "gamma", "expected scale, auto or a finite number >= 0, found \"" + p.gamma + "\"");
    const bool uses_c = type == svm_type::c_svc || type == svm_type::epsilon_svr || type == svm_type::nu_svr;
    const bool uses_nu = type == svm_type::nu_svc || type == svm_type::nu_svr || type == svm_type::one_class;
    if (uses_c && (!(p.C > 0) || !std::isfinite(p.C)))
        throw usage_error("", "C", "expected a finite number > 0, found " + number(p.C));
    if (uses_nu && !(p.nu > 0 && p.nu <= 1))
        throw usage_error("", "nu", "expected a number in (0, 1], found " + number(p.nu));
    if (type == svm_type::epsilon_svr && (!(p.epsilon >= 0) || !std::isfinite(p.epsilon)))
        throw usage_error("", "epsilon", "expected a finite number >= 0, found " + number(p.epsilon));
    if (!(p.tol > 0) || !std::isfinite(p.tol)) throw usage_error("", "tol", "expected a finite number > 0, found " + number(p.tol));
    if (!(p.cache_size > 0)) throw usage_error("", "cache_size", "expected a number > 0 (MB), found " + number(p.cache_size));
    if (p.degree < 0) throw usage_error("", "degree", "expected an integer >= 0, found " + std::to_string(p.degree));
    if (!std::isfinite(p.coef0)) throw usage_error("", "coef0", "expected a finite number");
    if (p.max_iter != -1)
        throw usage_error("", "max_iter",
                          "only -1 (no limit) is supported: Debian's libsvm has no iteration limit parameter; found " +
                              std::to_string(p.max_iter));
    if (p.class_weight != "" && p.class_weight != "balanced" && p.class_weight != "custom")
        throw usage_error("", "class_weight", "expected \"\", balanced or custom, found \"" + p.class_weight + "\"");
    if (p.class_weight_labels.size() != p.class_weight_values.size())
        throw usage_error("", "class_weight_values", "expected one weight per label in class_weight_labels");
    for (double w : p.class_weight_values)
        if (!(w >= 0) || !std::isfinite(w)) throw usage_error("", "class_weight_values", "expected finite weights >= 0");
    if (p.decision_function_shape != "ovr" && p.decision_function_shape != "ovo")
        throw usage_error("", "decision_function_shape",
                          "expected ovr or ovo, found \"" + p.decision_function_shape + "\"");
    if (p.break_ties && p.decision_function_shape == "ovo")
        throw usage_error("", "break_ties", "break_ties must be false when decision_function_shape is ovo");
    if (p.probability && type != svm_type::c_svc && type != svm_type::nu_svc)
        throw usage_error("", "probability", std::string("probability estimates exist for svc and nu_svc only, not ") +
                                                 type_label(type));
}

void validate_svc_params(const svm_params& params) { validate_svm_params(params, svm_type::c_svc); }

struct svm_base::input {
    const ndarray<double>* dense = nullptr;
    const csr_matrix* csr = nullptr;
    detail::row_matrix view() const { return dense ? detail::row_matrix::of(*dense) : detail::row_matrix::of(*csr); }
    std::size_t rows() const { return dense ? dense->shape(0) : csr->n_rows; }
    std::size_t cols() const { return dense ? dense->shape(1) : csr->n_cols; }
};

std::size_t svm_base::n_support_vectors() const {
    return m_sparse ? m_sparse_support_vectors.n_rows : (m_support_vectors.rank() == 2 ? m_support_vectors.shape(0) : 0);
}

void svm_base::set_classes(targets classes) {
    m_classes = std::move(classes);
    m_classes_int64 = m_classes.kind() == target_kind::int64 ? m_classes.int64s() : ndarray<std::int64_t>();
}

void svm_base::do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                      const std::vector<std::string>& feature_names) {
    do_fit_targets(X, targets::of_int64(y), feature_names);
}

void svm_base::do_fit_targets(const ndarray<double>& X, const targets& y, const std::vector<std::string>& feature_names) {
    input in;
    in.dense = &X;
    fit_input(in, y, feature_names);
}

void svm_base::fit(const csr_matrix& X, const targets& y, const std::vector<std::string>& feature_names) {
    std::string field;
    const std::string problem = csr_problem(X, field);
    if (!problem.empty()) throw usage_error("", "X." + field, problem);
    if (X.n_rows == 0) throw usage_error("", "X", "cannot fit on 0 samples");
    if (X.n_cols == 0) throw usage_error("", "X", "expected at least one feature, found shape " + shape_to_string(X.shape()));
    if (y.size() != X.n_rows && !(y.size() == 0 && is_outlier_detector()))
        throw usage_error("", "y", "expected " + std::to_string(X.n_rows) + " labels (one per row of X), found " +
                                       std::to_string(y.size()));
    if (!feature_names.empty() && feature_names.size() != X.n_cols)
        throw usage_error("", "feature_names", "expected " + std::to_string(X.n_cols) + " names, found " +
                                                   std::to_string(feature_names.size()));
    input in;
    in.csr = &X;
    fit_input(in, y, feature_names);
}

void svm_base::fit_input(const input& X, const targets& y, const std::vector<std::string>& feature_names) {
    validate_svm_params(m_params, m_type);
    const std::size_t n = X.rows(), d = X.cols();
    const bool classifier = is_classifier_type();

    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> labels(n, 1.0);  // one-class: libsvm ignores y
    targets classes;
    std::vector<double> weights;
    std::vector<std::size_t> encoded;
    if (classifier) {
        // scikit-learn's check_classification_targets refuses non-integral float labels ("continuous").
        if (y.kind() == target_kind::float64)
            for (std::size_t i = 0; i < n; ++i)
                if (std::floor(y.float64s()[i]) != y.float64s()[i])
                    throw usage_error("", "y", "float labels must be whole numbers (continuous targets are for regressors); found " +
                                                   y.text(i) + " at row " + std::to_string(i));
        // Classes sorted and mapped to 0..k-1, like np.unique(y, return_inverse=True).
        classes = y.unique(&encoded);
        const std::size_t k = classes.size();
        if (k < 2)
            throw usage_error("", "y", "the number of classes has to be greater than one; found " + std::to_string(k) +
                                           " class" + (k ? " (" + classes.text(0) + ")" : std::string()));
        std::vector<std::size_t> counts(k, 0);
        for (std::size_t i = 0; i < n; ++i) ++counts[encoded[i]];
        weights.assign(k, 1.0);
        if (m_params.class_weight == "balanced") {
            for (std::size_t c = 0; c < k; ++c) weights[c] = double(n) / (double(k) * double(counts[c]));
        } else if (m_params.class_weight == "custom") {
            if (classes.kind() != target_kind::int64 && !m_params.class_weight_labels.empty())
                throw usage_error("", "class_weight_labels", "custom class weights are given by int64 labels; these labels are " +
                                                                 std::string(target_kind_name(classes.kind())));
            for (std::size_t i = 0; i < m_params.class_weight_labels.size(); ++i) {
                const auto& cls = classes.int64s();
                auto it = std::lower_bound(cls.begin(), cls.end(), m_params.class_weight_labels[i]);
                if (it == cls.end() || *it != m_params.class_weight_labels[i])
                    throw usage_error("", "class_weight_labels",
                                      "class " + std::to_string(m_params.class_weight_labels[i]) +
                                          " has a weight but does not occur in y");
                weights[std::size_t(it - cls.begin())] = m_params.class_weight_values[i];
            }
        }
        // scikit-learn's bundled libsvm orders classes by label; upstream libsvm
        // orders them by first occurrence and groups samples per class keeping
        // their order. Presenting the samples stably sorted by class makes
        // upstream's grouping identical to scikit-learn's (same sub-problems, same
        // support-vector order).
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return encoded[a] < encoded[b]; });
        for (std::size_t r = 0; r < n; ++r) labels[r] = double(encoded[order[r]]);
    } else if (m_type != svm_type::one_class) {
        if (y.kind() == target_kind::string)
            throw usage_error("", "y", std::string(type_label(m_type)) + " needs numeric targets, found string labels");
        for (std::size_t i = 0; i < n; ++i) {
            labels[i] = y.kind() == target_kind::int64 ? double(y.int64s()[i]) : y.float64s()[i];
            if (!std::isfinite(labels[i])) throw usage_error("", "y", "expected finite targets, found " + y.text(i) + " at row " + std::to_string(i));
        }
    }

    const detail::row_matrix view = X.view();
    double gamma = 0.0;
    if (m_params.gamma == "scale") {
        // scikit-learn: X.var() for dense input, E[X^2] - E[X]^2 for sparse.
        const double total = double(n) * double(d);
        double var = 0.0;
        if (X.dense) {
            const double* x = X.dense->data();
            const std::size_t count = X.dense->size();
            const double mean = pairwise_sum(0, count, [&](std::size_t i) { return x[i]; }) / total;
            var = pairwise_sum(0, count, [&](std::size_t i) { return (x[i] - mean) * (x[i] - mean); }) / total;
        } else {
            // scipy's mean(): every value divided by n * d, summed per row
            // (csr matvec with ones), the row sums added pairwise by numpy.
            const csr_matrix& A = *X.csr;
            auto mean_of = [&](bool squared) {
                return pairwise_sum(0, n, [&](std::size_t r) {
                    double row = 0.0;
                    for (auto q = A.indptr[r]; q < A.indptr[r + 1]; ++q) {
                        const double v = A.data[std::size_t(q)];
                        row += (squared ? v * v : v) / total;
                    }
                    return row;
                });
            };
            const double mean = mean_of(false);
            var = mean_of(true) - mean * mean;
        }
        gamma = var != 0.0 ? 1.0 / (double(d) * var) : 1.0;
    } else if (m_params.gamma == "auto") {
        gamma = 1.0 / double(d);
    } else {
        parse_gamma_number(m_params.gamma, gamma);
    }

    detail::libsvm_request request;
    request.type = m_type;
    detail::parse_kernel(m_params.kernel, request.kernel.kind);
    request.kernel.gamma = gamma;
    request.kernel.coef0 = m_params.coef0;
    request.kernel.degree = m_params.degree;
    request.C = m_params.C;
    request.nu = m_params.nu;
    request.epsilon = m_params.epsilon;
    request.tol = m_params.tol;
    request.cache_size = m_params.cache_size;
    request.shrinking = m_params.shrinking;
    request.probability = classifier && m_params.probability;
    request.seed = m_params.random_state;
    request.class_weight = weights;
    const detail::libsvm_solution sol = detail::train_libsvm(view, order, labels, request);

    const std::size_t nsv = sol.sv_rows.size();
    const std::size_t k = classifier ? classes.size() : 2;
    // Binary classifiers: scikit-learn flips libsvm's signs so that a positive
    // decision value means classes[1].
    const double sign = classifier && k == 2 ? -1.0 : 1.0;
    ndarray<double> dual(shape_t{sol.coef_rows, nsv});
    for (std::size_t i = 0; i < sol.sv_coef.size(); ++i) dual.mutable_data()[i] = sign * sol.sv_coef[i];
    ndarray<double> intercept(shape_t{sol.rho.size()});
    for (std::size_t p = 0; p < sol.rho.size(); ++p) intercept.mutable_data()[p] = -sign * sol.rho[p] + 0.0;  // + 0.0: no -0
    ndarray<std::int32_t> support(shape_t{nsv});
    for (std::size_t s = 0; s < nsv; ++s) support.mutable_data()[s] = std::int32_t(sol.sv_rows[s]);

    if (X.dense) {
        ndarray<double> sv(shape_t{nsv, d});
        for (std::size_t s = 0; s < nsv; ++s)
            std::copy_n(X.dense->data() + sol.sv_rows[s] * d, d, sv.mutable_data() + s * d);
        m_support_vectors = std::move(sv);
        m_sparse_support_vectors = csr_matrix();
        m_sparse = false;
    } else {
        const csr_matrix& A = *X.csr;
        csr_matrix sv;
        sv.n_rows = nsv;
        sv.n_cols = d;
        std::size_t nnz = 0;
        for (std::size_t r : sol.sv_rows) nnz += std::size_t(A.indptr[r + 1] - A.indptr[r]);
        sv.data = ndarray<double>(shape_t{nnz});
        sv.indices = ndarray<std::int32_t>(shape_t{nnz});
        sv.indptr = ndarray<std::int32_t>(shape_t{nsv + 1});
        std::size_t at = 0;
        for (std::size_t s = 0; s < nsv; ++s) {
            const std::size_t r = sol.sv_rows[s];
            for (auto q = A.indptr[r]; q < A.indptr[r + 1]; ++q, ++at) {
                sv.data.mutable_data()[at] = A.data[std::size_t(q)];
                sv.indices.mutable_data()[at] = A.indices[std::size_t(q)];
            }
            sv.indptr.mutable_data()[s + 1] = std::int32_t(at);
        }
        m_sparse_support_vectors = std::move(sv);
        m_support_vectors = ndarray<double>();
        m_sparse = true;
    }
    m_dual_coef = std::move(dual);
    m_intercept = std::move(intercept);
    m_support = std::move(support);
    if (classifier) {
        m_n_support = array_of(sol.n_sv, shape_t{k});
        set_classes(std::move(classes));
        m_class_weight = array_of(weights, shape_t{k});
        m_prob_a = array_of(sol.prob_a, shape_t{sol.prob_a.size()});
        m_prob_b = array_of(sol.prob_b, shape_t{sol.prob_b.size()});
    } else {
        m_n_support = array_of(std::vector<std::int32_t>{std::int32_t(nsv)}, shape_t{1});
    }
    if (m_type == svm_type::one_class) m_offset = array_of(std::vector<double>{-m_intercept[0] + 0.0}, shape_t{1});
    m_gamma = gamma;
    m_feature_names = feature_names;
    m_n_features_in = d;
}

void svm_base::check_input(const input& X) const {
    if (!fitted()) throw usage_error("", type_name(), "this " + type_name() + " is not fitted yet; call fit() first");
    if (X.dense) {
        check_feature_matrix(*X.dense);
    } else {
        std::string field;
        const std::string problem = csr_problem(*X.csr, field);
        if (!problem.empty()) throw usage_error("", "X." + field, problem);
    }
    if (X.cols() != m_n_features_in)
        throw usage_error("", "X", "expected " + std::to_string(m_n_features_in) + " features (as at fit time), found " +
                                       std::to_string(X.cols()));
}

ndarray<double> svm_base::libsvm_decision(const ndarray<double>& X) const {
    input in;
    in.dense = &X;
    check_input(in);
    return decision_of(in);
}

ndarray<double> svm_base::libsvm_decision(const csr_matrix& X) const {
    input in;
    in.csr = &X;
    check_input(in);
    return decision_of(in);
}

ndarray<double> svm_base::single_column(const ndarray<double>& dec) {
    ndarray<double> out(shape_t{dec.shape(0)});
    std::copy(dec.begin(), dec.end(), out.mutable_data());
    return out;
}

targets svm_base::do_predict_targets(const ndarray<double>& X) const { return targets_from_decision(libsvm_decision(X)); }

targets svm_base::predict_targets(const csr_matrix& X) const { return targets_from_decision(libsvm_decision(X)); }

ndarray<double> svm_base::decision_of(const input& X) const {
    detail::kernel_spec spec;
    detail::parse_kernel(m_params.kernel, spec.kind);
    spec.gamma = m_gamma;
    spec.coef0 = m_params.coef0;
    spec.degree = m_params.degree;
    const std::size_t n = X.rows(), nsv = n_support_vectors();
    const detail::row_matrix sv =
        m_sparse ? detail::row_matrix::of(m_sparse_support_vectors) : detail::row_matrix::of(m_support_vectors);
    const double* coef = m_dual_coef.data();

    if (!is_classifier_type()) {
        ndarray<double> out(shape_t{n, 1});
        const double intercept = m_intercept[0];
        detail::for_each_kernel_block(X.view(), sv, spec, [&](std::size_t r0, std::size_t rows, const double* K) {
            for (std::size_t b = 0; b < rows; ++b) {
                double sum = 0.0;
                for (std::size_t s = 0; s < nsv; ++s) sum += coef[s] * K[b * nsv + s];
                out.mutable_data()[r0 + b] = sum + intercept;
            }
        });
        return out;
    }

    const std::size_t k = m_n_support.size(), n_pairs = k * (k - 1) / 2;
    std::vector<std::size_t> start(k + 1, 0);
    for (std::size_t c = 0; c < k; ++c) start[c + 1] = start[c] + std::size_t(m_n_support[c]);
    const double sign = k == 2 ? -1.0 : 1.0;
    ndarray<double> out(shape_t{n, n_pairs});
    detail::for_each_kernel_block(X.view(), sv, spec, [&](std::size_t r0, std::size_t rows, const double* K) {
        for (std::size_t b = 0; b < rows; ++b) {
            const double* row = K + b * nsv;
            double* dec = out.mutable_data() + (r0 + b) * n_pairs;
            std::size_t p = 0;
            // Pair (i, j) sums class i's SVs with coefficients from dual_coef row
            // j-1 and class j's with row i (libsvm's layout), in libsvm's order.
            for (std::size_t i = 0; i < k; ++i)
                for (std::size_t j = i + 1; j < k; ++j, ++p) {
                    const double* ci = coef + (j - 1) * nsv;
                    const double* cj = coef + i * nsv;
                    double sum = 0.0;
                    for (std::size_t s = start[i]; s < start[i + 1]; ++s) sum += ci[s] * row[s];
                    for (std::size_t s = start[j]; s < start[j + 1]; ++s) sum += cj[s] * row[s];
                    dec[p] = sign * (sum + m_intercept[p]);
                }
        }
    });
    return out;
}

void svm_base::validate_loaded(const std::string& file) const {
    auto fail = [&](const std::string& field, const std::string& message) { throw format_error(file, field, message); };
    try {
        validate_svm_params(m_params, m_type);
    } catch (const usage_error& e) {
        fail("params." + e.field(), e.message());
    }
    if (m_n_features_in == 0) {
        if (n_support_vectors() != 0 || m_classes.size() != 0)
            fail("params.n_features_in", "0 (unfitted) but the model holds fitted arrays");
        return;
    }
    if (!std::isfinite(m_gamma) || m_gamma < 0) fail("params.fitted_gamma", "expected a finite number >= 0");
    if (!m_feature_names.empty() && m_feature_names.size() != m_n_features_in)
        fail("params.feature_names_in", "expected " + std::to_string(m_n_features_in) + " names, found " +
                                            std::to_string(m_feature_names.size()));
    auto expect_shape = [&](const char* name, const shape_t& found, const shape_t& expected) {
        if (found != expected)
            fail(std::string("arrays.") + name,
                 "expected shape " + shape_to_string(expected) + ", found " + shape_to_string(found));
    };
    std::size_t k = 2, nsv = 0;
    if (is_classifier_type()) {
        if (m_classes.size() < 2)
            fail("arrays.classes", "expected at least 2 classes, found " + std::to_string(m_classes.size()));
        k = m_classes.size();
        // One-vs-one needs k(k-1)/2 pairs: a hostile class count must not overflow
        // that product or make predict loop for hours.
        if (k > max_classes)
            fail("arrays.classes", "expected at most " + std::to_string(max_classes) + " classes, found " + std::to_string(k));
        bool increasing = false;
        try {
            increasing = m_classes.unique() == m_classes;
        } catch (const usage_error&) {  // NaN labels
        }
        if (!increasing) fail("arrays.classes", "expected strictly increasing labels");
        expect_shape("n_support", m_n_support.shape(), {k});
        expect_shape("class_weight", m_class_weight.shape(), {k});
        const std::size_t n_pairs = k * (k - 1) / 2;
        if (m_prob_a.size() != 0 || m_prob_b.size() != 0) {
            expect_shape("probA", m_prob_a.shape(), {n_pairs});
            expect_shape("probB", m_prob_b.shape(), {n_pairs});
        }
    } else {
        expect_shape("n_support", m_n_support.shape(), {1});
    }
    for (std::size_t c = 0; c < m_n_support.size(); ++c) {
        if (m_n_support[c] < 0) fail("arrays.n_support", "expected counts >= 0");
        nsv += std::size_t(m_n_support[c]);
    }
    if (m_sparse) {
        if (m_sparse_support_vectors.n_rows != nsv)
            fail("params.support_vectors_rows", "expected " + std::to_string(nsv) + " (the sum of n_support), found " +
                                                    std::to_string(m_sparse_support_vectors.n_rows));
        std::string field;
        const std::string problem = csr_problem(m_sparse_support_vectors, field);
        if (!problem.empty()) fail("arrays.support_vectors_" + field, problem);
    } else {
        expect_shape("support_vectors", m_support_vectors.shape(), {nsv, m_n_features_in});
    }
    const std::size_t coef_rows = is_classifier_type() ? k - 1 : 1;
    expect_shape("dual_coef", m_dual_coef.shape(), {coef_rows, nsv});
    expect_shape("intercept", m_intercept.shape(), {is_classifier_type() ? k * (k - 1) / 2 : 1});
    expect_shape("support", m_support.shape(), {nsv});
    if (m_type == svm_type::one_class) expect_shape("offset", m_offset.shape(), {1});
    for (double v : m_dual_coef)
        if (!std::isfinite(v)) fail("arrays.dual_coef", "expected finite values");
    for (double v : m_intercept)
        if (!std::isfinite(v)) fail("arrays.intercept", "expected finite values");
}

}  // namespace fitstore
