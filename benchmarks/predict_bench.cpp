#include "predict_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <vector>

#include "estimators/libsvm_bridge.hpp"
#include "fitstore/store.hpp"
#include "fitstore/targets.hpp"

namespace fitstore::bench {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

template <class F>
double best_of(std::size_t repeats, F&& f) {
    double best = 1e300;
    for (std::size_t i = 0; i < std::max<std::size_t>(repeats, 1); ++i) {
        const auto t0 = clock_type::now();
        f();
        best = std::min(best, seconds_since(t0));
    }
    return best;
}

/// Seconds of fitstore and of libsvm for one model, their ratio and how many
/// predictions agree (labels equal, or values within 1e-9 relative).
void family_row(std::ostream& out, const std::string& path, double fitstore_s, double libsvm_s, std::size_t agree,
                std::size_t n) {
    out << std::left << std::setw(34) << path << std::right << std::fixed << std::setprecision(4) << std::setw(10)
        << fitstore_s << std::setw(10) << libsvm_s << std::setprecision(1) << std::setw(10) << libsvm_s / fitstore_s << "x"
        << std::setprecision(2) << std::setw(10) << 100.0 * double(agree) / double(std::max<std::size_t>(n, 1)) << "%\n";
}

/// The svr and sparse-svc rows: the same support vectors as a regressor, and
/// as CSR (about 10% non-zeros) predicting sparse samples given dense and CSR.
int run_family_rows(const svc& model, const ndarray<double>& X, const predict_bench_options& o, std::ostream& out) {
    constexpr double threshold = 1.645;
    std::cerr << "bench-predict: svr and sparse svc rows (libsvm one sample at a time, slow)\n";
    out << "\n" << std::left << std::setw(34) << "model, fitstore path" << std::right << std::setw(10) << "fitstore"
        << std::setw(10) << "libsvm" << std::setw(11) << "ratio" << std::setw(11) << "agree" << "\n";
    int result = 0;
    {
        const svr regressor = svr_from(model);
        ndarray<double> values;
        const double t = best_of(o.repeats, [&] { values = regressor.predict_values(X); });
        const detail::libsvm_predictor reference(regressor);
        std::vector<double> expected;
        const double t_ref = best_of(1, [&] { expected = reference.predict_values(detail::row_matrix::of(X)); });
        std::size_t agree = 0;
        for (std::size_t i = 0; i < expected.size(); ++i)
            agree += std::abs(values[i] - expected[i]) <= 1e-9 * std::max(1.0, std::abs(expected[i]));
        result |= agree != expected.size();
        family_row(out, "svr, dense", t, t_ref, agree, expected.size());
    }
    {
        const svc sparse = sparse_svc_from(model, threshold);
        const ndarray<double> Xs = sparsified(X, threshold);
        const csr_matrix Xcsr = csr_matrix::from_dense(Xs);
        const detail::libsvm_predictor reference(sparse);
        ndarray<std::int64_t> expected;
        const double t_ref = best_of(1, [&] { expected = reference.predict(Xs); });
        ndarray<std::int64_t> labels;
        const double t_dense = best_of(o.repeats, [&] { labels = sparse.predict(Xs); });
        std::size_t agree = 0;
        for (std::size_t i = 0; i < labels.size(); ++i) agree += labels[i] == expected[i];
        result |= agree != labels.size();
        family_row(out, "svc, CSR support vectors, dense X", t_dense, t_ref, agree, labels.size());
        targets csr_labels;
        const double t_csr = best_of(o.repeats, [&] { csr_labels = sparse.predict_targets(Xcsr); });
        agree = 0;
        for (std::size_t i = 0; i < labels.size(); ++i) agree += csr_labels.int64s()[i] == expected[i];
        result |= agree != labels.size();
        family_row(out, "svc, CSR support vectors, CSR X", t_csr, t_ref, agree, labels.size());
        out << "(CSR support vectors: " << sparse.sparse_support_vectors().nnz() << " non-zeros of "
            << sparse.n_support_vectors() * sparse.n_features_in() << ")\n";
    }
    return result;
}

}  // namespace

int run_predict_benchmark(const predict_bench_options& o, std::ostream& out) {
    namespace fs = std::filesystem;
    const auto& spec = o.model;
    std::cerr << "bench-predict: building a synthetic " << spec.kernel << " svc with " << spec.n_support_vectors
              << " support vectors x " << spec.n_features << " features, " << spec.n_classes << " classes\n";
    const svc model = make_synthetic_svc(spec);
    const ndarray<double> X = synthetic_samples(o.n_samples, spec.n_features, spec.seed + 7);

    const fs::path dir = fs::path(o.work_dir.empty() ? fs::temp_directory_path().string() : o.work_dir) /
                         ("fitstore_predict_bench_" + std::to_string(::getpid()));
    struct cleanup {
        fs::path p;
        ~cleanup() {
            std::error_code ec;
            fs::remove_all(p, ec);
        }
    } guard{dir};
    std::cerr << "bench-predict: dumping it uncompressed to " << dir << "\n";
    dump(model, dir.string());
    const svc copied = load<svc>(dir.string(), {mmap_mode::none});
    const svc mapped = load<svc>(dir.string(), {mmap_mode::r});

    struct row {
        std::string path;
        double seconds;
        ndarray<std::int64_t> labels;
    };
    std::vector<row> rows;
    std::cerr << "bench-predict: fitstore dense predict (in memory, copied, mapped)\n";
    ndarray<std::int64_t> labels;
    rows.push_back({"fitstore dense, in memory", best_of(o.repeats, [&] { labels = model.predict(X); }), labels});
    rows.push_back({"fitstore dense, loaded copy", best_of(o.repeats, [&] { labels = copied.predict(X); }), labels});
    rows.push_back({"fitstore dense, mmap r", best_of(o.repeats, [&] { labels = mapped.predict(X); }), labels});
    double convert_s = 0;
    if (!o.skip_libsvm) {
        std::cerr << "bench-predict: libsvm svm_predict, one sample at a time (slow)\n";
        const auto t0 = clock_type::now();
        detail::libsvm_predictor reference(copied);
        convert_s = seconds_since(t0);
        rows.push_back({"libsvm svm_predict", best_of(1, [&] { labels = reference.predict(X); }), labels});
    }

    const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
    out << "predict benchmark: " << spec.kernel << " svc, " << spec.n_support_vectors << " SVs x " << spec.n_features
        << " features (" << std::fixed << std::setprecision(1)
        << double(model.support_vectors().nbytes()) / (1 << 20) << " MiB), " << spec.n_classes << " classes, "
        << o.n_samples << " samples; OPENBLAS_NUM_THREADS=" << (threads ? threads : "unset") << "\n";
    out << std::left << std::setw(30) << "path" << std::right << std::setw(12) << "seconds" << std::setw(14)
        << "samples/s" << std::setw(14) << "vs libsvm" << std::setw(12) << "agree" << "\n";
    const double libsvm_s = o.skip_libsvm ? 0 : rows.back().seconds;
    int result = 0;
    for (const auto& r : rows) {
        std::size_t same = 0;
        for (std::size_t i = 0; i < r.labels.size(); ++i) same += r.labels[i] == rows.front().labels[i];
        if (same != r.labels.size()) result = 1;
        out << std::left << std::setw(30) << r.path << std::right << std::setprecision(4) << std::setw(12) << r.seconds
            << std::setprecision(0) << std::setw(14) << double(o.n_samples) / r.seconds << std::setprecision(1)
            << std::setw(13) << (libsvm_s > 0 ? libsvm_s / r.seconds : 0.0) << "x" << std::setprecision(2)
            << std::setw(11) << 100.0 * double(same) / double(std::max<std::size_t>(r.labels.size(), 1)) << "%\n";
    }
    if (!o.skip_libsvm)
        out << "(building libsvm's node arrays from the model took " << std::setprecision(3) << convert_s
            << " s, not counted)\n";
    if (!o.skip_libsvm) result |= run_family_rows(model, X, o, out);
    return result;
}

}  // namespace fitstore::bench
