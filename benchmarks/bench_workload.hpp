// The benchmark's workload: an SVC-shaped set of arrays (support vectors,
// dual coefficients, intercept, n_support, support) of a given total size,
// made by a counter-based generator so that benchmarks/peers.py builds the
// very same bytes with numpy (see make_arrays there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fitstore/array_bundle.hpp"

namespace fitstore::bench {

/// Features per support vector (sklearn's SVC stores support_vectors_ as n_SV x n_features).
constexpr std::size_t k_features = 128;

/// "realistic": features and coefficients with 3 decimals (k / 1000 for a small
/// integer k), as measured data usually has; "random": full-precision uniform doubles.
enum class data_kind : std::uint8_t { realistic, random };

/// "realistic" | "random"; throws usage_error.
data_kind parse_data_kind(const std::string& text);

/// Number of support vectors for a model of about `model_bytes` bytes.
std::size_t support_vectors_for(std::size_t model_bytes);

/// The SVC-shaped arrays of about `model_bytes` bytes; throws usage_error below 64 KiB.
array_bundle make_workload(std::size_t model_bytes, data_kind kind);

/// Total bytes of the bundle's arrays.
std::size_t payload_bytes(const array_bundle& bundle);

/// Decision value of one fixed sample under an RBF kernel (gamma = 1 / n_features),
/// evaluated densely against every support vector: what an SVC's predict costs
/// (it touches every byte of support_vectors and dual_coef).
double first_prediction(const array_bundle& bundle);

/// Same on raw pointers (the cereal peer keeps std::vectors).
double rbf_decision(const double* sv, const double* dual, double intercept, std::size_t n_sv, std::size_t n_features);

}  // namespace fitstore::bench
