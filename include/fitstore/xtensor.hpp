// xtensor views over ndarray<T>, and ndarrays built from xtensor expressions.
// Kept apart from ndarray.hpp so code that only stores arrays does not pull in
// xtensor. The views never copy: a memory-mapped array is read in place.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xexpression.hpp>

#include "fitstore/errors.hpp"
#include "fitstore/ndarray.hpp"

namespace fitstore {

/// A read-only, non-owning xtensor adaptor (dynamic rank) over `a`'s memory;
/// valid while `a` (or a copy sharing its memory) lives. Never throws.
template <class T>
auto as_xtensor(const ndarray<T>& a) {
    return xt::adapt(a.data(), a.size(), xt::no_ownership(), a.shape());
}

/// A writable, non-owning adaptor over `a`; throws usage_error for a read-only mapping.
template <class T>
auto as_mutable_xtensor(ndarray<T>& a) {
    return xt::adapt(a.mutable_data(), a.size(), xt::no_ownership(), a.shape());
}

/// A read-only, non-owning rank-2 adaptor over `a` (fixed rank, usable with
/// xt::blas::gemm); throws usage_error naming `what` if `a` is not 2-D.
template <class T>
auto as_xtensor_2d(const ndarray<T>& a, const std::string& what = "array") {
    if (a.rank() != 2)
        throw usage_error("", what, "expected a 2-D array, found shape " + shape_to_string(a.shape()));
    const std::array<std::size_t, 2> shape{a.shape(0), a.shape(1)};
    return xt::adapt(a.data(), a.size(), xt::no_ownership(), shape);
}

/// Evaluates `e` into a new heap ndarray of the same shape and value type.
template <class E>
auto from_xtensor(const xt::xexpression<E>& e) {
    using value_type = typename E::value_type;
    const auto& expr = e.derived_cast();
    shape_t shape(expr.shape().begin(), expr.shape().end());
    ndarray<value_type> out(shape);
    auto view = xt::adapt(out.mutable_data(), out.size(), xt::no_ownership(), shape);
    view = expr;
    return out;
}

}  // namespace fitstore
