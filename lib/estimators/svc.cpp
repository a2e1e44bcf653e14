#include "fitstore/estimators/svc.hpp"

#include <libsvm/svm.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xtensor.hpp>

#include "fitstore/xtensor.hpp"

namespace fitstore {

namespace {

enum class kernel_kind { linear, poly, rbf, sigmoid };

bool parse_kernel(const std::string& name, kernel_kind& out) {
    static const std::map<std::string, kernel_kind> kinds{{"linear", kernel_kind::linear},
                                                           {"poly", kernel_kind::poly},
                                                           {"rbf", kernel_kind::rbf},
                                                           {"sigmoid", kernel_kind::sigmoid}};
    auto it = kinds.find(name);
    if (it == kinds.end()) return false;
    out = it->second;
    return true;
}

/// A number given as gamma text ("0.5", "1e-3"); false if `text` is not one.
bool parse_gamma_number(const std::string& text, double& out) {
    if (text.empty()) return false;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && std::isfinite(out) && out >= 0.0;
}

/// Which class each pair (i, j), i < j, of libsvm's one-vs-one order compares.
std::vector<std::array<std::size_t, 2>> class_pairs(std::size_t n_classes) {
    std::vector<std::array<std::size_t, 2>> pairs;
    for (std::size_t i = 0; i < n_classes; ++i)
        for (std::size_t j = i + 1; j < n_classes; ++j) pairs.push_back({i, j});
    return pairs;
}

/// Kernel blocks are bounded to this many bytes, so predicting a million
/// samples against a large model never allocates n_samples x n_SV doubles.
constexpr std::size_t kernel_block_bytes = std::size_t(16) << 20;

/// Loaded models with more classes are refused (libsvm itself handles at most a few thousand in practice).
constexpr std::size_t max_classes = 65536;

void quiet_libsvm(const char*) {}

/// Owns a libsvm model and frees it with libsvm's own destructor.
struct model_deleter {
    void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};

}  // namespace

void validate_svc_params(const svc_params& p) {
    kernel_kind kind;
    if (!parse_kernel(p.kernel, kind))
        throw usage_error("", "kernel", "expected linear, poly, rbf or sigmoid, found \"" + p.kernel + "\"");
    double g = 0;
    if (p.gamma != "scale" && p.gamma != "auto" && !parse_gamma_number(p.gamma, g))
        throw usage_error("", "gamma", "expected scale, auto or a finite number >= 0, found \"" + p.gamma + "\"");
    if (!(p.C > 0) || !std::isfinite(p.C)) throw usage_error("", "C", "expected a finite number > 0, found " + std::to_string(p.C));
    if (!(p.tol > 0) || !std::isfinite(p.tol)) throw usage_error("", "tol", "expected a finite number > 0, found " + std::to_string(p.tol));
    if (!(p.cache_size > 0)) throw usage_error("", "cache_size", "expected a number > 0 (MB), found " + std::to_string(p.cache_size));
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
}

void svc::do_fit(const ndarray<double>& X, const ndarray<std::int64_t>& y,
                 const std::vector<std::string>& feature_names) {
    validate_svc_params(m_params);
    const std::size_t n = X.shape(0), d = X.shape(1);
    if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        d >= static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw usage_error("", "X", "libsvm indexes samples and features with int; shape too large: " +
                                       shape_to_string(X.shape()));

    // Classes sorted and mapped to 0..k-1, like scikit-learn's np.unique(y, return_inverse=True).
    std::vector<std::int64_t> classes(y.begin(), y.end());
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    const std::size_t k = classes.size();
    if (k < 2)
        throw usage_error("", "y", "the number of classes has to be greater than one; found 1 class (" +
                                       std::to_string(classes.at(0)) + ")");
    std::vector<int> encoded(n);
    std::vector<std::size_t> counts(k, 0);
    for (std::size_t i = 0; i < n; ++i) {
        encoded[i] = static_cast<int>(std::lower_bound(classes.begin(), classes.end(), y[i]) - classes.begin());
        ++counts[encoded[i]];
    }

    std::vector<double> weights(k, 1.0);
    if (m_params.class_weight == "balanced") {
        for (std::size_t c = 0; c < k; ++c) weights[c] = double(n) / (double(k) * double(counts[c]));
    } else if (m_params.class_weight == "custom") {
        for (std::size_t i = 0; i < m_params.class_weight_labels.size(); ++i) {
            auto it = std::lower_bound(classes.begin(), classes.end(), m_params.class_weight_labels[i]);
            if (it == classes.end() || *it != m_params.class_weight_labels[i])
                throw usage_error("", "class_weight_labels",
                                  "class " + std::to_string(m_params.class_weight_labels[i]) +
                                      " has a weight but does not occur in y");
            weights[it - classes.begin()] = m_params.class_weight_values[i];
        }
    }

    double gamma = 0.0;
    if (m_params.gamma == "scale") {
        // X.var() over all elements, as scikit-learn does for dense input.
        const std::size_t total = X.size();
        double mean = 0.0;
        for (std::size_t i = 0; i < total; ++i) mean += X[i];
        mean /= double(total);
        double var = 0.0;
        for (std::size_t i = 0; i < total; ++i) var += (X[i] - mean) * (X[i] - mean);
        var /= double(total);
        gamma = var != 0.0 ? 1.0 / (double(d) * var) : 1.0;
    } else if (m_params.gamma == "auto") {
        gamma = 1.0 / double(d);
    } else {
        parse_gamma_number(m_params.gamma, gamma);
    }

    // scikit-learn's bundled libsvm orders classes by label; upstream libsvm
    // orders them by first occurrence and groups samples per class keeping
    // their order. Presenting the samples stably sorted by class makes
    // upstream's grouping identical to scikit-learn's (same sub-problems, same
    // support-vector order), and `order` maps libsvm's indices back.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return encoded[a] < encoded[b]; });

    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < X.size(); ++i) nonzero += X[i] != 0.0;
    std::vector<svm_node> nodes;
    nodes.reserve(nonzero + n);
    std::vector<std::size_t> first(n);
    std::vector<double> labels(n);
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t i = order[r];
        first[r] = nodes.size();
        labels[r] = double(encoded[i]);
        // Zeros are left out: libsvm's sparse dot products then add the same
        // terms in the same order as scikit-learn's dense ones.
        for (std::size_t f = 0; f < d; ++f)
            if (X[i * d + f] != 0.0) nodes.push_back(svm_node{int(f) + 1, X[i * d + f]});
        nodes.push_back(svm_node{-1, 0.0});
    }
    std::vector<svm_node*> rows(n);
    for (std::size_t r = 0; r < n; ++r) rows[r] = nodes.data() + first[r];

    svm_problem problem{};
    problem.l = int(n);
    problem.y = labels.data();
    problem.x = rows.data();

    kernel_kind kind{};
    parse_kernel(m_params.kernel, kind);
    std::vector<int> weight_label(k);
    std::iota(weight_label.begin(), weight_label.end(), 0);
    svm_parameter param{};
    param.svm_type = C_SVC;
    param.kernel_type = kind == kernel_kind::linear ? LINEAR
                        : kind == kernel_kind::poly ? POLY
                        : kind == kernel_kind::rbf  ? RBF
                                                    : SIGMOID;
    param.degree = m_params.degree;
    param.gamma = gamma;
    param.coef0 = m_params.coef0;
    param.cache_size = m_params.cache_size;
    param.eps = m_params.tol;
    param.C = m_params.C;
    param.nr_weight = int(k);
    param.weight_label = weight_label.data();
    param.weight = weights.data();
    param.nu = 0.5;
    param.p = 0.1;
    param.shrinking = m_params.shrinking ? 1 : 0;
    param.probability = 0;
    if (const char* message = svm_check_parameter(&problem, &param)) throw usage_error("", "libsvm", message);

    static std::once_flag quiet_once;
    std::call_once(quiet_once, [] { svm_set_print_string_function(&quiet_libsvm); });
    std::unique_ptr<svm_model, model_deleter> model(svm_train(&problem, &param));
    if (!model) throw usage_error("", "libsvm", "svm_train failed");

    const std::size_t nsv = std::size_t(model->l);
    for (std::size_t c = 0; c < k; ++c)
        if (model->label[c] != int(c))
            throw error("", "libsvm", "unexpected class order from libsvm (label " + std::to_string(model->label[c]) +
                                           " at position " + std::to_string(c) + ")");

    // Binary problems: scikit-learn flips libsvm's signs so that a positive
    // decision value means classes[1].
    const double sign = k == 2 ? -1.0 : 1.0;
    ndarray<double> sv_array(shape_t{nsv, d});
    ndarray<double> dual_array(shape_t{k - 1, nsv});
    ndarray<std::int32_t> support_array(shape_t{nsv});
    double* sv = sv_array.mutable_data();
    double* dual = dual_array.mutable_data();
    std::int32_t* support = support_array.mutable_data();
    for (std::size_t s = 0; s < nsv; ++s) {
        for (const svm_node* node = model->SV[s]; node->index != -1; ++node) sv[s * d + std::size_t(node->index - 1)] = node->value;
        for (std::size_t r = 0; r + 1 < k; ++r) dual[r * nsv + s] = sign * model->sv_coef[r][s];
        support[s] = std::int32_t(order[std::size_t(model->sv_indices[s] - 1)]);
    }
    const std::size_t n_pairs = k * (k - 1) / 2;
    ndarray<double> intercept(shape_t{n_pairs});
    for (std::size_t p = 0; p < n_pairs; ++p) intercept.mutable_data()[p] = -sign * model->rho[p] + 0.0;  // + 0.0: no -0
    ndarray<std::int32_t> n_support(shape_t{k});
    for (std::size_t c = 0; c < k; ++c) n_support.mutable_data()[c] = model->nSV[c];

    m_support_vectors = std::move(sv_array);
    m_dual_coef = std::move(dual_array);
    m_intercept = std::move(intercept);
    m_n_support = std::move(n_support);
    m_support = std::move(support_array);
    m_classes = ndarray<std::int64_t>::from_values(shape_t{k}, classes);
    m_class_weight = ndarray<double>::from_values(shape_t{k}, weights);
    m_gamma = gamma;
    m_feature_names = feature_names;
    m_n_features_in = d;
}

ndarray<double> svc::pairwise_decision(const ndarray<double>& X) const {
    if (!fitted()) throw usage_error("", "svc", "this svc is not fitted yet; call fit() first");
    check_feature_matrix(X);
    if (X.shape(1) != m_n_features_in)
        throw usage_error("", "X", "expected " + std::to_string(m_n_features_in) + " features, found " +
                                       std::to_string(X.shape(1)));
    kernel_kind kind{};
    parse_kernel(m_params.kernel, kind);
    const std::size_t n = X.shape(0), d = m_n_features_in, nsv = m_support_vectors.shape(0);
    const std::size_t k = n_classes();
    const auto pairs = class_pairs(k);
    ndarray<double> out(shape_t{n, pairs.size()});
    if (n == 0) return out;

    std::vector<std::size_t> start(k + 1, 0);
    for (std::size_t c = 0; c < k; ++c) start[c + 1] = start[c] + std::size_t(m_n_support[c]);

    const auto sv = as_xtensor_2d(m_support_vectors, "support_vectors");
    std::vector<double> sv_norm(nsv, 0.0);
    if (kind == kernel_kind::rbf)
        for (std::size_t s = 0; s < nsv; ++s)
            for (std::size_t f = 0; f < d; ++f) sv_norm[s] += m_support_vectors[s * d + f] * m_support_vectors[s * d + f];

    const double sign = k == 2 ? -1.0 : 1.0;
    const double gamma = m_gamma, coef0 = m_params.coef0;
    const int degree = m_params.degree;
    const std::size_t block = std::clamp<std::size_t>(kernel_block_bytes / (std::max<std::size_t>(nsv, 1) * sizeof(double)), 1, n);
    xt::xtensor<double, 2> kernel;
    for (std::size_t r0 = 0; r0 < n; r0 += block) {
        const std::size_t rows = std::min(block, n - r0);
        const std::array<std::size_t, 2> shape{rows, d};
        const auto xb = xt::adapt(X.data() + r0 * d, rows * d, xt::no_ownership(), shape);
        kernel.resize({rows, nsv});
        xt::blas::gemm(xb, sv, kernel, false, true);  // kernel = X_block . SV^T
        double* kv = kernel.data();
        for (std::size_t b = 0; b < rows; ++b) {
            double* row = kv + b * nsv;
            switch (kind) {
                case kernel_kind::linear: break;
                case kernel_kind::poly:
                    for (std::size_t s = 0; s < nsv; ++s) row[s] = std::pow(gamma * row[s] + coef0, degree);
                    break;
                case kernel_kind::rbf: {
                    const double* x = X.data() + (r0 + b) * d;
                    double x_norm = 0.0;
                    for (std::size_t f = 0; f < d; ++f) x_norm += x[f] * x[f];
                    for (std::size_t s = 0; s < nsv; ++s)
                        row[s] = std::exp(-gamma * std::max(0.0, x_norm + sv_norm[s] - 2.0 * row[s]));
                    break;
                }
                case kernel_kind::sigmoid:
                    for (std::size_t s = 0; s < nsv; ++s) row[s] = std::tanh(gamma * row[s] + coef0);
                    break;
            }
            // Pair (i, j) sums class i's SVs with coefficients from dual_coef row
            // j-1 and class j's with row i (libsvm's layout), in libsvm's order.
            const double* coef = m_dual_coef.data();
            double* dec = out.mutable_data() + (r0 + b) * pairs.size();
            for (std::size_t p = 0; p < pairs.size(); ++p) {
                const std::size_t i = pairs[p][0], j = pairs[p][1];
                const double* ci = coef + (j - 1) * nsv;
                const double* cj = coef + i * nsv;
                double sum = 0.0;
                for (std::size_t s = start[i]; s < start[i + 1]; ++s) sum += ci[s] * row[s];
                for (std::size_t s = start[j]; s < start[j + 1]; ++s) sum += cj[s] * row[s];
                dec[p] = sign * (sum + m_intercept[p]);
            }
        }
    }
    return out;
}

ndarray<std::int64_t> svc::do_predict(const ndarray<double>& X) const {
    const ndarray<double> dec = pairwise_decision(X);
    const std::size_t n = X.shape(0), k = n_classes();
    const auto pairs = class_pairs(k);
    ndarray<std::int64_t> out(shape_t{n});
    std::vector<int> votes(k);
    for (std::size_t r = 0; r < n; ++r) {
        std::fill(votes.begin(), votes.end(), 0);
        for (std::size_t p = 0; p < pairs.size(); ++p) ++votes[dec[r * pairs.size() + p] > 0 ? pairs[p][0] : pairs[p][1]];
        // libsvm's tie-break: the first class with the most votes.
        std::size_t best = 0;
        for (std::size_t c = 1; c < k; ++c)
            if (votes[c] > votes[best]) best = c;
        out.mutable_data()[r] = m_classes[best];
    }
    return out;
}

ndarray<double> svc::do_decision_function(const ndarray<double>& X) const {
    ndarray<double> dec = pairwise_decision(X);
    const std::size_t n = X.shape(0), k = n_classes();
    if (k == 2) {
        // scikit-learn returns one column, positive for classes[1].
        ndarray<double> out(shape_t{n});
        for (std::size_t r = 0; r < n; ++r) out.mutable_data()[r] = -dec[r];
        return out;
    }
    if (m_params.decision_function_shape == "ovo") return dec;
    // scikit-learn's _ovr_decision_function(dec < 0, -dec, k): votes plus the
    // summed confidences squashed into (-1/3, 1/3) to break ties.
    const auto pairs = class_pairs(k);
    ndarray<double> out(shape_t{n, k});
    std::vector<double> votes(k), confidence(k);
    for (std::size_t r = 0; r < n; ++r) {
        std::fill(votes.begin(), votes.end(), 0.0);
        std::fill(confidence.begin(), confidence.end(), 0.0);
        for (std::size_t p = 0; p < pairs.size(); ++p) {
            const double v = dec[r * pairs.size() + p];
            confidence[pairs[p][0]] += v;
            confidence[pairs[p][1]] -= v;
            votes[v < 0 ? pairs[p][1] : pairs[p][0]] += 1.0;
        }
        for (std::size_t c = 0; c < k; ++c)
            out.mutable_data()[r * k + c] = votes[c] + confidence[c] / (3.0 * (std::abs(confidence[c]) + 1.0));
    }
    return out;
}

void svc::validate_loaded(const std::string& file) const {
    auto fail = [&](const std::string& field, const std::string& message) { throw format_error(file, field, message); };
    try {
        validate_svc_params(m_params);
    } catch (const usage_error& e) {
        fail("params." + e.field(), e.message());
    }
    if (m_n_features_in == 0) {
        if (m_support_vectors.size() != 0 || m_classes.size() != 0)
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
    if (m_classes.rank() != 1 || m_classes.size() < 2)
        fail("arrays.classes", "expected at least 2 classes, found shape " + shape_to_string(m_classes.shape()));
    const std::size_t k = m_classes.size();
    // One-vs-one needs k(k-1)/2 pairs: a hostile class count must not overflow
    // that product or make predict loop for hours.
    if (k > max_classes)
        fail("arrays.classes", "expected at most " + std::to_string(max_classes) + " classes, found " + std::to_string(k));
    for (std::size_t c = 1; c < k; ++c)
        if (!(m_classes[c - 1] < m_classes[c])) fail("arrays.classes", "expected strictly increasing labels");
    expect_shape("n_support", m_n_support.shape(), {k});
    std::size_t nsv = 0;
    for (std::size_t c = 0; c < k; ++c) {
        if (m_n_support[c] < 0) fail("arrays.n_support", "expected counts >= 0");
        nsv += std::size_t(m_n_support[c]);
    }
    expect_shape("support_vectors", m_support_vectors.shape(), {nsv, m_n_features_in});
    expect_shape("dual_coef", m_dual_coef.shape(), {k - 1, nsv});
    expect_shape("intercept", m_intercept.shape(), {k * (k - 1) / 2});
    expect_shape("support", m_support.shape(), {nsv});
    expect_shape("class_weight", m_class_weight.shape(), {k});
}

}  // namespace fitstore
