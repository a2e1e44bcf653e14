#include "fitstore/estimators/svm_classifier.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fitstore {

void svm_pairwise_coupling(std::size_t k, const double* r, double* p) {
    // Method 2 of Wu, Lin and Weng (2004) with scikit-learn's libsvm's loop
    // order and stopping rule, so the rounding is the same.
    const std::size_t max_iter = std::max<std::size_t>(100, k);
    const double eps = 0.005 / double(k);
    std::vector<double> Q(k * k), Qp(k);
    auto R = [&](std::size_t i, std::size_t j) { return r[i * k + j]; };
    for (std::size_t t = 0; t < k; ++t) {
        p[t] = 1.0 / double(k);
        Q[t * k + t] = 0;
        for (std::size_t j = 0; j < t; ++j) {
            Q[t * k + t] += R(j, t) * R(j, t);
            Q[t * k + j] = Q[j * k + t];
        }
        for (std::size_t j = t + 1; j < k; ++j) {
            Q[t * k + t] += R(j, t) * R(j, t);
            Q[t * k + j] = -R(j, t) * R(t, j);
        }
    }
    for (std::size_t iter = 0; iter < max_iter; ++iter) {
        // Stopping condition, with Qp and pQp recomputed for accuracy.
        double pQp = 0;
        for (std::size_t t = 0; t < k; ++t) {
            Qp[t] = 0;
            for (std::size_t j = 0; j < k; ++j) Qp[t] += Q[t * k + j] * p[j];
            pQp += p[t] * Qp[t];
        }
        double max_error = 0;
        for (std::size_t t = 0; t < k; ++t) max_error = std::max(max_error, std::fabs(Qp[t] - pQp));
        if (max_error < eps) break;
        for (std::size_t t = 0; t < k; ++t) {
            const double diff = (-Qp[t] + pQp) / Q[t * k + t];
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
            for (std::size_t j = 0; j < k; ++j) {
                Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
}

namespace {

/// libsvm's sigmoid_predict: P(first class of the pair | decision value), written to avoid cancellation.
double sigmoid_predict(double decision, double A, double B) {
    const double fApB = decision * A + B;
    if (fApB >= 0) return std::exp(-fApB) / (1.0 + std::exp(-fApB));
    return 1.0 / (1 + std::exp(fApB));
}

}  // namespace

targets svm_classifier::targets_from_decision(const ndarray<double>& dec) const {
    const std::size_t n = dec.shape(0), k = n_classes(), n_pairs = dec.shape(1);
    std::vector<std::size_t> winner(n);
    if (params().break_ties && params().decision_function_shape == "ovr" && k > 2) {
        // scikit-learn: argmax of the ovr decision function (first maximum).
        const ndarray<double> ovr = shaped_decision(dec);
        for (std::size_t r = 0; r < n; ++r) {
            const double* row = ovr.data() + r * k;
            winner[r] = std::size_t(std::max_element(row, row + k) - row);
        }
    } else {
        std::vector<int> votes(k);
        for (std::size_t r = 0; r < n; ++r) {
            std::fill(votes.begin(), votes.end(), 0);
            std::size_t p = 0;
            for (std::size_t i = 0; i < k; ++i)
                for (std::size_t j = i + 1; j < k; ++j, ++p) ++votes[dec[r * n_pairs + p] > 0 ? i : j];
            // libsvm's tie-break: the first class with the most votes.
            std::size_t best = 0;
            for (std::size_t c = 1; c < k; ++c)
                if (votes[c] > votes[best]) best = c;
            winner[r] = best;
        }
    }
    return class_labels().take(winner);
}

ndarray<std::int64_t> svm_classifier::do_predict(const ndarray<double>& X) const {
    if (m_classes.kind() != target_kind::int64)
        throw usage_error("", type_name(), std::string("labels are ") + target_kind_name(m_classes.kind()) +
                                               ", not int64: use predict_targets()");
    return targets_from_decision(libsvm_decision(X)).int64s();
}

ndarray<double> svm_classifier::shaped_decision(const ndarray<double>& dec) const {
    const std::size_t n = dec.shape(0), k = n_classes(), n_pairs = dec.shape(1);
    if (k == 2) {
        // scikit-learn returns one column, positive for classes[1].
        ndarray<double> out(shape_t{n});
        for (std::size_t r = 0; r < n; ++r) out.mutable_data()[r] = -dec[r];
        return out;
    }
    if (params().decision_function_shape == "ovo") return dec;
    // scikit-learn's _ovr_decision_function(dec < 0, -dec, k): votes plus the
    // summed confidences squashed into (-1/3, 1/3) to break ties.
    ndarray<double> out(shape_t{n, k});
    std::vector<double> votes(k), confidence(k);
    for (std::size_t r = 0; r < n; ++r) {
        std::fill(votes.begin(), votes.end(), 0.0);
        std::fill(confidence.begin(), confidence.end(), 0.0);
        std::size_t p = 0;
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = i + 1; j < k; ++j, ++p) {
                const double v = dec[r * n_pairs + p];
                confidence[i] += v;
                confidence[j] -= v;
                votes[v < 0 ? j : i] += 1.0;
            }
        for (std::size_t c = 0; c < k; ++c)
            out.mutable_data()[r * k + c] = votes[c] + confidence[c] / (3.0 * (std::abs(confidence[c]) + 1.0));
    }
    return out;
}

ndarray<double> svm_classifier::do_decision_function(const ndarray<double>& X) const {
    return shaped_decision(libsvm_decision(X));
}

ndarray<double> svm_classifier::decision_function(const csr_matrix& X) const { return shaped_decision(libsvm_decision(X)); }

ndarray<double> svm_classifier::proba_from_decision(const ndarray<double>& dec) const {
    const std::size_t n = dec.shape(0), k = n_classes(), n_pairs = dec.shape(1);
    constexpr double min_prob = 1e-7;
    ndarray<double> out(shape_t{n, k});
    std::vector<double> pairwise(k * k, 0.0);
    for (std::size_t r = 0; r < n; ++r) {
        std::size_t p = 0;
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = i + 1; j < k; ++j, ++p) {
                const double v = std::min(std::max(sigmoid_predict(dec[r * n_pairs + p], m_prob_a[p], m_prob_b[p]), min_prob),
                                          1 - min_prob);
                pairwise[i * k + j] = v;
                pairwise[j * k + i] = 1 - v;
            }
        svm_pairwise_coupling(k, pairwise.data(), out.mutable_data() + r * k);
    }
    return out;
}

void svm_classifier::check_probability() const {
    if (!fitted()) throw usage_error("", type_name(), "this " + type_name() + " is not fitted yet; call fit() first");
    if (!has_probability())
        throw usage_error("", type_name(), "predict_proba is not available: the model was fitted with probability=false");
}

ndarray<double> svm_classifier::predict_proba(const ndarray<double>& X) const {
    check_probability();
    return proba_from_decision(libsvm_decision(X));
}

ndarray<double> svm_classifier::predict_proba(const csr_matrix& X) const {
    check_probability();
    return proba_from_decision(libsvm_decision(X));
}

ndarray<double> svm_classifier::predict_log_proba(const ndarray<double>& X) const {
    ndarray<double> p = predict_proba(X);
    for (std::size_t i = 0; i < p.size(); ++i) p.mutable_data()[i] = std::log(p[i]);
    return p;
}

}  // namespace fitstore
