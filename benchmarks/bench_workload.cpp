#include "bench_workload.hpp"

#include <cmath>
#include <vector>

#include "fitstore/archive.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::bench {
namespace {

/// splitmix64 of a counter: element i of stream `key` is independent of every
/// other element, so numpy can compute the same values in vectorised blocks.
inline std::uint64_t mix(std::uint64_t key, std::uint64_t i) noexcept {
    std::uint64_t z = key + (i + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

constexpr std::uint64_t k_seed = 0x5eed5eed00000000ull;
std::uint64_t stream_key(std::uint64_t array_id) { return k_seed + array_id * 0x100000001ull; }

/// Fills `n` doubles of stream `array_id`: a triangular integer in [-4000, 4000]
/// divided by 1000 (realistic), or a 53-bit uniform in [0, 1) (random).
void fill_values(double* out, std::size_t n, std::uint64_t array_id, data_kind kind) {
    const std::uint64_t key = stream_key(array_id);
    if (kind == data_kind::realistic) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t h = mix(key, i);
            const std::int64_t a = static_cast<std::int64_t>((h & 0xffffu) % 4001u);
            const std::int64_t b = static_cast<std::int64_t>(((h >> 16) & 0xffffu) % 4001u);
            out[i] = static_cast<double>(a + b - 4000) / 1000.0;
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(mix(key, i) >> 11) * 0x1.0p-53;
    }
}

}  // namespace

data_kind parse_data_kind(const std::string& text) {
    if (text == "realistic") return data_kind::realistic;
    if (text == "random") return data_kind::random;
    throw usage_error("", "data", "expected realistic or random, found \"" + text + "\"");
}

std::size_t support_vectors_for(std::size_t model_bytes) {
    // Per support vector: one row of features, one dual coefficient, one support index.
    return model_bytes / (k_features * sizeof(double) + sizeof(double) + sizeof(std::int32_t));
}

svc make_workload(std::size_t model_bytes, data_kind kind) {
    if (model_bytes < (std::size_t(64) << 10))
        throw usage_error("", "sizes", "model size must be at least 64K, found " + std::to_string(model_bytes) + " bytes");
    const std::size_t n_sv = support_vectors_for(model_bytes);
    svc_arrays a;
    a.support_vectors = ndarray<double>(shape_t{n_sv, k_features});
    fill_values(a.support_vectors.mutable_data(), a.support_vectors.size(), 1, kind);
    a.dual_coef = ndarray<double>(shape_t{1, n_sv});
    fill_values(a.dual_coef.mutable_data(), a.dual_coef.size(), 2, kind);
    a.intercept = ndarray<double>::from_values({0.25});
    a.n_support = ndarray<std::int32_t>::from_values({static_cast<std::int32_t>(n_sv / 2), static_cast<std::int32_t>(n_sv - n_sv / 2)});
    a.support = ndarray<std::int32_t>(shape_t{n_sv});
    const std::uint64_t key = stream_key(3);
    for (std::size_t i = 0; i < n_sv; ++i)
        a.support.mutable_data()[i] = static_cast<std::int32_t>(2 * i + (mix(key, i) & 1u));
    return workload_svc(std::move(a));
}

svc workload_svc(svc_arrays arrays) {
    arrays.classes = ndarray<std::int64_t>::from_values({0, 1});
    arrays.class_weight = ndarray<double>::from_values({1.0, 1.0});
    return assemble_svc(std::move(arrays), "rbf");
}

std::vector<any_array> model_arrays(const svc& model) {
    stored_object node;
    save_object(model, node);
    std::vector<any_array> out;
    for (auto& a : node.arrays) out.push_back(std::move(a.second));
    return out;
}

std::size_t payload_bytes(const svc& model) {
    std::size_t total = 0;
    for (const auto& a : model_arrays(model)) total += a.nbytes();
    return total;
}

double first_prediction(const svc& model) {
    ndarray<double> x(shape_t{1, model.n_features_in()});
    for (std::size_t j = 0; j < model.n_features_in(); ++j) x.mutable_data()[j] = 0.001 * static_cast<double>(j % 7);
    return model.decision_function(x)[0];
}

}  // namespace fitstore::bench
