// fitstore demo: scikit-learn's model-persistence example end to end on the
// embedded iris data (fit, dump in every layout, reload in a fresh process,
// predict X[0] -> 0), a regressor (svr) and a probability model (svc with
// probability=true and string labels), then a large synthetic SVC dumped and reloaded copied
// and memory-mapped in several layouts and codecs, with a summary table.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>
#include <vector>

#include "commands.hpp"
#include "fitstore/datasets.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/estimators/svr.hpp"
#include "fitstore/model_selection.hpp"
#include "fitstore/provenance.hpp"
#include "fitstore/store.hpp"
#include "model_io.hpp"
#include "synthetic_svc.hpp"

namespace fitstore::cli {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

std::uint64_t size_on_disk(const fs::path& p) {
    if (fs::is_regular_file(p)) return fs::file_size(p);
    std::uint64_t total = 0;
    for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

std::string path_for(const fs::path& dir, const std::string& stem, layout l) {
    return (dir / (stem + (l == layout::hdf5 ? ".h5" : l == layout::blob ? ".fitstore" : ""))).string();
}

/// Runs this very binary (`fitstore predict ...`) and returns its stdout lines.
std::vector<std::string> predict_in_fresh_process(const std::string& model, const std::string& csv,
                                                  const std::string& mmap) {
    const std::string command = "'/proc/" + std::to_string(::getpid()) + "/exe' predict '" + model + "' --data '" +
                                csv + "' --mmap " + mmap;
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw io_error("", "popen", "cannot start " + command);
    std::vector<std::string> lines;
    char buffer[256];
    std::string line;
    while (std::fgets(buffer, sizeof buffer, pipe)) {
        line += buffer;
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
            lines.push_back(line);
            line.clear();
        }
    }
    const int status = ::pclose(pipe);
    if (status != 0) throw error(model, "fitstore predict", "child process failed (status " + std::to_string(status) + ")");
    return lines;
}

/// Touches and frees about twice `bytes` of heap so the timed call that follows
/// does not pay for pages the VM just handed back to the host (see PITFALLS:
/// first touch of freed memory runs 10x slower on this kind of machine).
void pre_touch(std::size_t bytes) { allocate_buffer(2 * bytes, true); }

struct demo_args {
    std::string work_dir;
    bool keep = false;
    std::size_t big_support_vectors = 102400;
    std::size_t big_features = 256;
};

int run_demo(const demo_args& a) {
    const fs::path dir = a.work_dir.empty() ? fs::temp_directory_path() / ("fitstore_demo_" + std::to_string(::getpid()))
                                            : fs::path(a.work_dir);
    fs::create_directories(dir);
    int failures = 0;
    auto check = [&](bool ok, const std::string& what) {
        std::cout << "  " << (ok ? "ok  " : "FAIL") << "  " << what << "\n";
        if (!ok) ++failures;
    };

    // Part 1: https://scikit-learn.org/stable/model_persistence.html
    std::cout << "== 1. scikit-learn's persistence example: clf = svm.SVC(); clf.fit(X, y) on iris ==\n";
    const auto iris = datasets::load_iris();
    svc clf;
    clf.fit(iris.X, iris.y, iris.feature_names);
    const auto scores = cross_val_score(clf, iris.X, iris.y, 5);
    std::cout << "  fitted: " << clf.support_vectors().shape(0) << " support vectors (n_support " << clf.n_support()[0]
              << "/" << clf.n_support()[1] << "/" << clf.n_support()[2] << "), gamma " << clf.fitted_gamma()
              << ", 5-fold CV accuracy " << std::setprecision(4) << mean(scores) << " +/- " << stddev(scores) << "\n";
    const std::string iris_csv = (dir / "iris.csv").string();
    datasets::write_csv(iris, iris_csv);
    const auto expected = clf.predict(iris.X);
    for (layout l : {layout::directory, layout::hdf5, layout::blob}) {
        const std::string path = path_for(dir, "iris_svc", l);
        try {
            dump_options options;
            options.layout = l;
            options.provenance = provenance()
                                     .training_data(iris.X.as_any(), iris.y.as_any(), iris.feature_names,
                                                    "fitstore::datasets::load_iris()", iris.target_name)
                                     .cross_validation(5, "accuracy", scores)
                                     .training_score("accuracy", accuracy(iris.y, expected))
                                     .to_json();
            dump(clf, path, options);
            for (const std::string mmap : {"none", "r"}) {
                const auto lines = predict_in_fresh_process(path, iris_csv, mmap);
                bool same = lines.size() == expected.size();
                for (std::size_t i = 0; same && i < lines.size(); ++i) same = lines[i] == std::to_string(expected[i]);
                check(!lines.empty() && lines[0] == "0" && same,
                      std::string(layout_name(l)) + " (" + path + "), fresh process, mmap " + mmap +
                          ": clf2.predict(X[0:1]) -> " + (lines.empty() ? "?" : lines[0]) +
                          (same ? ", all 150 predictions identical" : ", predictions DIFFER"));
            }
        } catch (const error& e) {
            check(false, std::string(layout_name(l)) + ": " + e.what());
        }
    }

    // Part 1b: the rest of the family: a regressor and a probability model.
    std::cout << "\n== 1b. svm.SVR() and svm.SVC(probability=True) with string labels, dumped and reloaded mapped ==\n";
    try {
        ndarray<double> X3(shape_t{150, 3}), width(shape_t{150});
        for (std::size_t r = 0; r < 150; ++r) {
            for (std::size_t f = 0; f < 3; ++f) X3.mutable_data()[r * 3 + f] = iris.X[r * 4 + f];
            width.mutable_data()[r] = iris.X[r * 4 + 3];
        }
        svr regressor;
        regressor.fit(X3, targets::of_float64(width), {"sepal length (cm)", "sepal width (cm)", "petal length (cm)"});
        const std::string svr_path = path_for(dir, "iris_svr", layout::directory);
        dump(regressor, svr_path);
        const svr reloaded = load<svr>(svr_path, {mmap_mode::r});
        const auto values = reloaded.predict_values(X3);
        double ss_res = 0, ss_tot = 0, mean_width = 0;
        for (double w : width) mean_width += w / 150.0;
        for (std::size_t r = 0; r < 150; ++r) {
            ss_res += (width[r] - values[r]) * (width[r] - values[r]);
            ss_tot += (width[r] - mean_width) * (width[r] - mean_width);
        }
        check(values == regressor.predict_values(X3),
              "svr (petal width from the other three measurements): " + std::to_string(reloaded.n_support_vectors()) +
                  " support vectors, R^2 " + std::to_string(1 - ss_res / ss_tot) + ", X[0] -> " +
                  std::to_string(values[0]) + " cm (true " + std::to_string(width[0]) +
                  "); mmap-loaded predictions identical");

        std::vector<std::string> species;
        for (auto label : iris.y) species.push_back(iris.target_names.at(std::size_t(label)));
        svm_params params;
        params.probability = true;
        params.random_state = 0;
        svc probabilistic(params);
        probabilistic.fit(iris.X, targets::of_strings(species), iris.feature_names);
        const std::string proba_path = path_for(dir, "iris_svc_proba", layout::blob);
        dump(probabilistic, proba_path);
        const svc reloaded_proba = load<svc>(proba_path, {mmap_mode::r});
        const auto proba = reloaded_proba.predict_proba(iris.X);
        std::ostringstream row;
        row << std::setprecision(3);
        for (std::size_t c = 0; c < 3; ++c)
            row << (c ? ", " : "") << reloaded_proba.class_labels().strings()[c] << " " << proba[100 * 3 + c];
        check(proba == probabilistic.predict_proba(iris.X) &&
                  reloaded_proba.predict_targets(iris.X) == probabilistic.predict_targets(iris.X),
              "svc(probability=True) on species names: predict(X[100]) -> " +
                  reloaded_proba.predict_targets(iris.X).strings()[100] + ", predict_proba(X[100]) -> " + row.str() +
                  " (probA/probB from libsvm's 5-fold CV); mmap-loaded blob gives identical labels and probabilities");
    } catch (const error& e) {
        check(false, std::string("svr / probability svc: ") + e.what());
    }

    // Part 2: a model whose arrays dominate: dump and load, copied vs mapped.
    bench::synthetic_svc_spec spec;
    spec.n_support_vectors = a.big_support_vectors;
    spec.n_features = a.big_features;
    spec.decimals = 3;
    std::cerr << "demo: building a synthetic svc (" << spec.n_support_vectors << " x " << spec.n_features
              << " support vectors)...\n";
    const svc big = bench::make_synthetic_svc(spec);
    const double sv_mb = double(big.support_vectors().nbytes()) / 1e6;
    std::cout << "\n== 2. a large SVC: " << spec.n_support_vectors << " support vectors x " << spec.n_features
              << " features = " << std::fixed << std::setprecision(1) << sv_mb
              << " MB (values with 3 decimals, like measured data) ==\n";
    const auto probe = bench::synthetic_samples(20, spec.n_features, 1);
    const auto probe_labels = big.predict(probe);

    struct row {
        layout l;
        std::string codec;
        std::uint64_t bytes = 0;
        double dump_s = 0, load_s = 0, mmap_s = 0;
        std::string mapped_note, error;
    };
    std::vector<row> rows;
    for (auto [l, codec] : std::vector<std::pair<layout, std::string>>{{layout::directory, "none"},
                                                                        {layout::directory, "zstd:1"},
                                                                        {layout::directory, "lz4"},
                                                                        {layout::hdf5, "none"},
                                                                        {layout::hdf5, "zstd:1"},
                                                                        {layout::blob, "none"}}) {
        row r{l, codec};
        const std::string path = path_for(dir, "big_svc_" + codec.substr(0, codec.find(':')), l);
        std::cerr << "demo: " << layout_name(l) << " / " << codec << ": dump, load, mmap load...\n";
        try {
            dump_options options;
            options.layout = l;
            options.codec = parse_codec(codec);
            pre_touch(big.support_vectors().nbytes());
            auto t0 = clock_type::now();
            dump(big, path, options);
            r.dump_s = seconds_since(t0);
            r.bytes = size_on_disk(path);
            pre_touch(big.support_vectors().nbytes());
            t0 = clock_type::now();
            const svc copied = load<svc>(path, {mmap_mode::none});
            r.load_s = seconds_since(t0);
            load_report report;
            pre_touch(big.support_vectors().nbytes());
            t0 = clock_type::now();
            const svc mapped = load<svc>(path, {mmap_mode::r}, &report);
            r.mmap_s = seconds_since(t0);
            std::size_t n_mapped = 0;
            for (const auto& ar : report.arrays) n_mapped += ar.mapped;
            r.mapped_note = std::to_string(n_mapped) + "/" + std::to_string(report.arrays.size()) + " mapped";
            if (!(copied.predict(probe) == probe_labels) || !(mapped.predict(probe) == probe_labels))
                r.error = "predictions differ after reload";
            std::error_code ec;
            if (!a.keep) fs::remove_all(path, ec);
        } catch (const error& e) {
            r.error = e.what();
        }
        if (!r.error.empty()) ++failures;
        rows.push_back(r);
    }
    std::cout << std::left << std::setw(11) << "layout" << std::setw(9) << "codec" << std::right << std::setw(12)
              << "size (MB)" << std::setw(8) << "ratio" << std::setw(11) << "dump (s)" << std::setw(11) << "load (s)"
              << std::setw(16) << "mmap load (s)" << "  arrays\n";
    const double raw = double(big.support_vectors().nbytes() + big.dual_coef().nbytes());
    for (const auto& r : rows) {
        std::cout << std::left << std::setw(11) << layout_name(r.l) << std::setw(9) << r.codec << std::right;
        if (!r.error.empty()) {
            std::cout << "  FAIL: " << r.error << "\n";
            continue;
        }
        std::cout << std::setprecision(1) << std::setw(12) << double(r.bytes) / 1e6 << std::setprecision(2)
                  << std::setw(8) << raw / double(r.bytes) << std::setprecision(3) << std::setw(11) << r.dump_s
                  << std::setw(11) << r.load_s << std::setprecision(5) << std::setw(16) << r.mmap_s << "  "
                  << r.mapped_note << "\n";
    }
    std::cout << "(every reload predicts the same labels as the in-memory model; loads read a file just written, "
                 "so the page cache is warm; heap memory is pre-touched before each timed call; compressed arrays cannot be "
                 "mapped and are decompressed instead)\n";
    if (!a.keep) {
        std::error_code ec;
        fs::remove_all(dir, ec);
    } else {
        std::cout << "files kept in " << dir << "\n";
    }
    std::cout << (failures ? "demo: " + std::to_string(failures) + " check(s) FAILED\n" : "demo: all checks passed\n");
    return failures ? exit_check_failed : exit_ok;
}

}  // namespace

void add_demo_command(CLI::App& app) {
    auto args = std::make_shared<demo_args>();
    auto* cmd = app.add_subcommand("demo", "scikit-learn's persistence example end to end, then a large SVC in every layout");
    cmd->add_option("--work-dir", args->work_dir, "where to write the models (default: a temporary folder, removed)");
    cmd->add_flag("--keep", args->keep, "keep the written models");
    cmd->add_option("--support-vectors", args->big_support_vectors, "support vectors of the large model")->default_str("102400");
    cmd->add_option("--features", args->big_features, "features of the large model")->default_str("256");
    cmd->callback([args] { command_result() = run_demo(*args); });
}

}  // namespace fitstore::cli
