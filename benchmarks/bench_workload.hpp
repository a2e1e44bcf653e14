// The benchmark's workload: a fitted binary svc (rbf, gamma 1 / n_features)
// of a given total size whose arrays (support vectors, dual coefficients,
// intercept, n_support, support) are made by a counter-based generator, so
// that benchmarks/peers.py builds the very same bytes with numpy (see
// make_arrays there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fitstore/estimators/svc.hpp"
#include "synthetic_svc.hpp"

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

/// The fitted svc of about `model_bytes` bytes; throws usage_error below 64 KiB.
svc make_workload(std::size_t model_bytes, data_kind kind);

/// The workload's svc around its support_vectors, dual_coef, intercept,
/// n_support and support: binary (classes 0 and 1, weights 1), rbf, gamma
/// 1 / n_features. Also rebuilds the model the cereal peer loaded.
svc workload_svc(svc_arrays arrays);

/// The model's arrays in the order dump() stores them.
std::vector<any_array> model_arrays(const svc& model);

/// Total bytes of the model's arrays.
std::size_t payload_bytes(const svc& model);

/// The model's decision value for one fixed sample, through svc's own
/// decision_function: what a first prediction costs after a load (it touches
/// every byte of support_vectors and dual_coef).
double first_prediction(const svc& model);

}  // namespace fitstore::bench
