// Shared by fit, predict and demo: loading any stored estimator through the
// polymorphic registry, and printing arrays the way predict does.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "fitstore/estimators/estimator.hpp"
#include "fitstore/store.hpp"

namespace fitstore::cli {

/// Loads the estimator stored at `path` (svc, pipeline, ...); throws error.
inline std::shared_ptr<estimator> load_estimator(const std::string& path, const load_options& options,
                                                 load_report* report = nullptr) {
    store_contents contents = read_store(path, options);
    auto model = polymorphic_registry<estimator>::instance().load(contents.root, "", path);
    if (report) *report = std::move(contents.report);
    return model;
}

/// Writes `values` to `out` as lines of `width` comma-separated numbers with
/// round-trip precision (width 0: one value per line).
inline void print_rows(std::FILE* out, const double* values, std::size_t count, std::size_t width) {
    if (width == 0) width = 1;
    for (std::size_t i = 0; i < count; ++i) std::fprintf(out, (i + 1) % width == 0 ? "%.17g\n" : "%.17g,", values[i]);
}

}  // namespace fitstore::cli
