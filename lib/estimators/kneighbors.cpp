#include "fitstore/estimators/kneighbors.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>

#include "fitstore/errors.hpp"

// The BLAS the library links (xtensor-blas's). scikit-learn takes row norms
// with BLAS ddot too; a plain loop sums in another order and moves distances
// of large-valued features (breast_cancer) by ~1e-8.
extern "C" double cblas_ddot(int n, const double* x, int incx, const double* y, int incy);

namespace fitstore {

namespace {
/// Distance blocks are bounded to this many bytes, so a million queries against
/// a large training set never allocate n_queries x n_samples doubles.
constexpr std::size_t distance_block_bytes = std::size_t(16) << 20;
constexpr std::size_t max_classes = 1u << 20;
}  // namespace

void kneighbors::do_fit(const ndarray<double>&, const ndarray<std::int64_t>&, const std::vector<std::string>&) {
    throw usage_error("", type_name(),
                      "cannot be fitted in C++; fit it in scikit-learn and store it with fitstore.dump (the sklearn bridge)");
}

void kneighbors::do_fit_targets(const ndarray<double>& X, const targets&, const std::vector<std::string>& names) {
    do_fit(X, ndarray<std::int64_t>(), names);
}

void kneighbors::kneighbors_of(const ndarray<double>& X, ndarray<double>& distances, ndarray<std::int64_t>& indices) const {
    check_predict_input(X, "kneighbors");
    const std::size_t n = X.shape(0), d = X.shape(1), m = m_fit_X.shape(0), k = n_neighbors();
    distances = ndarray<double>::empty({n, k});
    indices = ndarray<std::int64_t>::empty({n, k});
    std::vector<double> y_norm(m);
    const int dn = static_cast<int>(d);
    for (std::size_t j = 0; j < m; ++j) y_norm[j] = cblas_ddot(dn, m_fit_X.data() + j * d, 1, m_fit_X.data() + j * d, 1);
    const std::size_t block = std::max<std::size_t>(1, distance_block_bytes / (m * sizeof(double)));
    xt::xtensor<double, 2> dots;
    std::vector<std::size_t> order(m);
    const std::array<std::size_t, 2> ys{m, d};
    const auto ya = xt::adapt(m_fit_X.data(), m * d, xt::no_ownership(), ys);
    for (std::size_t r0 = 0; r0 < n; r0 += block) {
        const std::size_t rows = std::min(block, n - r0);
        const std::array<std::size_t, 2> xs{rows, d};
        const auto xa = xt::adapt(X.data() + r0 * d, rows * d, xt::no_ownership(), xs);
        dots.resize({rows, m});
        xt::blas::gemm(xa, ya, dots, false, true);  // dots = X_block . fit_X^T
        for (std::size_t b = 0; b < rows; ++b) {
            const double* x = X.data() + (r0 + b) * d;
            const double x_norm = cblas_ddot(dn, x, 1, x, 1);
            double* row = dots.data() + b * m;
            // scikit-learn's rank-preserving distance: ||x||² − 2 x·y + ||y||².
            for (std::size_t j = 0; j < m; ++j) row[j] = x_norm + -2.0 * row[j] + y_norm[j];
            std::iota(order.begin(), order.end(), std::size_t(0));
            // Equal distances keep the lower training index, as scikit-learn's heap does.
            auto closer = [row](std::size_t a, std::size_t c) { return row[a] < row[c] || (row[a] == row[c] && a < c); };
            std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), closer);
            const std::size_t out = (r0 + b) * k;
            for (std::size_t i = 0; i < k; ++i) {
                distances.mutable_data()[out + i] = std::sqrt(std::max(row[order[i]], 0.0));
                indices.mutable_data()[out + i] = static_cast<std::int64_t>(order[i]);
            }
        }
    }
}

ndarray<double> kneighbors::neighbour_weights(const ndarray<double>& distances) const {
    const std::size_t n = distances.shape(0), k = distances.shape(1);
    auto w = ndarray<double>::full({n, k}, 1.0);
    if (m_weights == "uniform") return w;
    double* o = w.mutable_data();
    for (std::size_t r = 0; r < n; ++r) {
        const double* dist = distances.data() + r * k;
        const bool exact = std::any_of(dist, dist + k, [](double v) { return v == 0.0; });
        // _get_weights: 1/d, or 1 for the zero-distance neighbours and 0 for the rest.
        for (std::size_t i = 0; i < k; ++i) o[r * k + i] = exact ? (dist[i] == 0.0 ? 1.0 : 0.0) : 1.0 / dist[i];
    }
    return w;
}

ndarray<double> kneighbors::predict_proba(const ndarray<double>& X) const {
    if (!is_classifier()) throw usage_error("", type_name(), "is a regressor: it has no predict_proba()");
    ndarray<double> dist;
    ndarray<std::int64_t> ind;
    kneighbors_of(X, dist, ind);
    const auto w = neighbour_weights(dist);
    const std::size_t n = ind.shape(0), k = ind.shape(1), nc = m_classes.size();
    auto out = ndarray<double>::zeros({n, nc});
    double* o = out.mutable_data();
    for (std::size_t r = 0; r < n; ++r) {
        double* p = o + r * nc;
        for (std::size_t i = 0; i < k; ++i) p[m_y_index[static_cast<std::size_t>(ind[r * k + i])]] += w[r * k + i];
        double normalizer = 0.0;
        for (std::size_t c = 0; c < nc; ++c) normalizer += p[c];
        if (normalizer == 0.0) normalizer = 1.0;
        for (std::size_t c = 0; c < nc; ++c) p[c] /= normalizer;
    }
    return out;
}

targets kneighbors::do_predict_targets(const ndarray<double>& X) const {
    ndarray<double> dist;
    ndarray<std::int64_t> ind;
    kneighbors_of(X, dist, ind);
    const auto w = neighbour_weights(dist);
    const std::size_t n = ind.shape(0), k = ind.shape(1);
    if (is_regressor()) {
        auto out = ndarray<double>::empty({n});
        for (std::size_t r = 0; r < n; ++r) {
            double num = 0.0, den = 0.0;
            for (std::size_t i = 0; i < k; ++i) {
                const double y = m_y_values[static_cast<std::size_t>(ind[r * k + i])];
                num += m_weights == "uniform" ? y : y * w[r * k + i];
                den += w[r * k + i];
            }
            // uniform: np.mean (sum / k); distance: sum(y w) / sum(w).
            out.mutable_data()[r] = m_weights == "uniform" ? num / static_cast<double>(k) : num / den;
        }
        return targets::of_float64(out);
    }
    // scipy's mode / weighted_mode: the class with the largest (weighted) count,
    // ties to the smaller class index.
    const std::size_t nc = m_classes.size();
    std::vector<std::size_t> best(n);
    std::vector<double> votes(nc);
    for (std::size_t r = 0; r < n; ++r) {
        std::fill(votes.begin(), votes.end(), 0.0);
        for (std::size_t i = 0; i < k; ++i) votes[m_y_index[static_cast<std::size_t>(ind[r * k + i])]] += w[r * k + i];
        best[r] = static_cast<std::size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin());
    }
    return m_classes.take(best);
}

ndarray<std::int64_t> kneighbors::do_predict(const ndarray<double>& X) const {
    targets t = do_predict_targets(X);
    if (t.kind() != target_kind::int64)
        throw usage_error("", type_name(), std::string("holds ") + target_kind_name(t.kind()) + " labels; use predict_targets()");
    return t.int64s();
}

void kneighbors::validate_loaded(const std::string& file) const {
    auto fail = [&](const std::string& field, const std::string& message) { throw format_error(file, field, message); };
    if (m_task != "classifier" && m_task != "regressor")
        fail("params.task", "expected \"classifier\" or \"regressor\", found \"" + m_task + "\"");
    if (m_weights != "uniform" && m_weights != "distance")
        fail("params.weights", "expected \"uniform\" or \"distance\", found \"" + m_weights + "\"");
    if (m_metric != "euclidean")
        fail("params.metric", "only the euclidean metric (minkowski with p=2) is supported, found \"" + m_metric + "\"");
    if (m_n_features_in == 0) return;
    if (!m_feature_names.empty() && m_feature_names.size() != m_n_features_in)
        fail("params.feature_names_in", "expected " + std::to_string(m_n_features_in) + " names, found " +
                                            std::to_string(m_feature_names.size()));
    if (m_n_features_in > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        fail("params.n_features_in", "more features than BLAS can index (" + std::to_string(m_n_features_in) + ")");
    const auto& xs = m_fit_X.shape();
    if (xs.size() != 2 || xs[1] != m_n_features_in || xs[0] == 0)
        fail("arrays.fit_X", "expected shape [n_samples >= 1, " + std::to_string(m_n_features_in) + "], found " + shape_to_string(xs));
    const std::size_t m = xs[0];
    if (m_n_neighbors < 1 || static_cast<std::uint64_t>(m_n_neighbors) > m)
        fail("params.n_neighbors", "expected 1 to n_samples (" + std::to_string(m) + "), found " + std::to_string(m_n_neighbors));
    const shape_t ys = is_classifier() ? m_y_index.shape() : m_y_values.shape();
    if (ys != shape_t{m}) fail("arrays.y", "expected shape [" + std::to_string(m) + "], found " + shape_to_string(ys));
    if (is_classifier()) {
        const std::size_t nc = m_classes.size();
        if (nc < 1 || nc > max_classes) fail("arrays.classes", "expected 1 to " + std::to_string(max_classes) + " classes, found " + std::to_string(nc));
        for (std::size_t i = 0; i < m; ++i)
            if (m_y_index[i] < 0 || static_cast<std::size_t>(m_y_index[i]) >= nc)
                fail("arrays.y", "class index " + std::to_string(m_y_index[i]) + " at row " + std::to_string(i) +
                                     " out of [0, " + std::to_string(nc) + ")");
    }
}

}  // namespace fitstore
