// Internal: a fitted svc handed to libsvm's own svm_predict, as the reference
// the predict benchmark compares fitstore's dense path with. libsvm's types
// stay in the .cpp.
#pragma once

#include <cstdint>
#include <memory>

#include "fitstore/estimators/svc.hpp"

namespace fitstore::detail {

class libsvm_predictor {
public:
    /// Copies `model`'s arrays into libsvm's sparse nodes; throws usage_error if unfitted.
    explicit libsvm_predictor(const svc& model);
    ~libsvm_predictor();
    libsvm_predictor(const libsvm_predictor&) = delete;
    libsvm_predictor& operator=(const libsvm_predictor&) = delete;

    /// svm_predict on every row of `X` (n x n_features), one sample at a time.
    ndarray<std::int64_t> predict(const ndarray<double>& X) const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace fitstore::detail
