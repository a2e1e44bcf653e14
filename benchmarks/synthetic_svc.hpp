// A large fitted svc built directly from random arrays (training one with
// 50 000+ support vectors would take hours): the fixture of the predict
// benchmark and of the demo's big-model section. Loaded through persist(), so
// it passes the same checks as a model read from disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fitstore/estimators/svc.hpp"
#include "fitstore/estimators/svr.hpp"

namespace fitstore::bench {

struct synthetic_svc_spec {
    std::size_t n_support_vectors = 50000;
    std::size_t n_features = 64;
    std::size_t n_classes = 3;
    std::string kernel = "rbf";
    std::uint64_t seed = 42;
    /// Round support vectors to this many decimals (measured data often has
    /// 1-3); negative keeps full precision. Decides how well codecs compress.
    int decimals = -1;
};

/// The fitted arrays of an svc (scikit-learn's names and shapes, see svc.hpp).
struct svc_arrays {
    ndarray<double> support_vectors, dual_coef, intercept;
    ndarray<std::int32_t> n_support, support;
    ndarray<std::int64_t> classes;
    ndarray<double> class_weight;
};

/// A fitted svc with `kernel` and gamma 1 / n_features holding these arrays
/// (shared, not copied), checked by persist() exactly as a loaded model is.
/// Throws format_error when the arrays do not fit together.
svc assemble_svc(svc_arrays arrays, const std::string& kernel);

/// A fitted svc with standard-normal support vectors (split evenly over the
/// classes), dual coefficients in [-1, 1] and gamma 1 / n_features. Throws
/// usage_error for fewer than 2 classes or fewer support vectors than classes.
svc make_synthetic_svc(const synthetic_svc_spec& spec);

/// The same support vectors as an svr (first dual_coef row, intercept 0.1):
/// the predict benchmark's regression fixture. Throws as assemble_svc does.
svr svr_from(const svc& model);

/// `model` with its support vectors stored as CSR after dropping every value
/// with |v| < `threshold` (1.645 keeps about 10% of standard-normal values).
svc sparse_svc_from(const svc& model, double threshold);

/// `X` with every |v| < `threshold` set to 0 (samples that match a sparse model).
ndarray<double> sparsified(const ndarray<double>& X, double threshold);

/// n x n_features standard-normal samples (a different stream from the model's).
ndarray<double> synthetic_samples(std::size_t n, std::size_t n_features, std::uint64_t seed);

}  // namespace fitstore::bench
