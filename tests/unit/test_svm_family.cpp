// The libsvm family beyond svc: nu_svc, svr, nu_svr, one_class_svm; labels of
// any kind; CSR fits and CSR support vectors; probabilities; persistence of
// every type in every layout, copied and mapped; bad parameters and damaged
// stored models. (Parity with scikit-learn is in tests/python/test_svm_*.py.)
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "fitstore/datasets.hpp"
#include "fitstore/estimators/nu_svc.hpp"
#include "fitstore/estimators/nu_svr.hpp"
#include "fitstore/estimators/one_class_svm.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/estimators/svr.hpp"
#include "fitstore/store.hpp"

#include "estimators/libsvm_bridge.hpp"

using namespace fitstore;
namespace fs = std::filesystem;

namespace {

/// Iris with a regression target (petal width from the other three columns).
struct regression_data {
    ndarray<double> X;
    ndarray<double> y;
};

regression_data iris_regression() {
    const auto iris = datasets::load_iris();
    regression_data d{ndarray<double>(shape_t{150, 3}), ndarray<double>(shape_t{150})};
    for (std::size_t r = 0; r < 150; ++r) {
        for (std::size_t f = 0; f < 3; ++f) d.X.mutable_data()[r * 3 + f] = iris.X[r * 4 + f];
        d.y.mutable_data()[r] = iris.X[r * 4 + 3];
    }
    return d;
}

/// Iris with some of its values zeroed, so that CSR is really sparse.
csr_matrix sparse_iris() {
    auto X = datasets::load_iris().X.copy();
    for (std::size_t i = 0; i < X.size(); ++i)
        if (X[i] < 3.0) X.mutable_data()[i] = 0.0;
    return csr_matrix::from_dense(X);
}

targets string_labels(const ndarray<std::int64_t>& y) {
    const char* names[] = {"setosa", "versicolor", "virginica \xc3\xa9"};  // one non-ASCII name
    std::vector<std::string> out;
    for (auto v : y) out.push_back(names[v]);
    return targets::of_strings(out);
}

struct temp_dir {
    fs::path path = fs::temp_directory_path() / ("fitstore_svm_family_" + std::to_string(::getpid()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() { fs::remove_all(path); }
};

/// Dumps `model` in every layout, reloads it copied and mapped read-only, and
/// checks identical predictions (targets and decision values) on X.
template <class T>
void check_every_layout(const T& model, const ndarray<double>& X, const std::string& tag) {
    temp_dir dir;
    const auto expected = model.predict_targets(X);
    const auto expected_dec = model.libsvm_decision(X);
    for (layout l : {layout::directory, layout::hdf5, layout::blob}) {
        dump_options options;
        options.layout = l;
        const std::string path = (dir.path / (tag + "_" + std::string(layout_name(l)))).string();
        dump(model, path, options);
        for (mmap_mode m : {mmap_mode::none, mmap_mode::r}) {
            INFO(tag << " " << layout_name(l) << " mmap " << mmap_mode_name(m));
            const T loaded = load<T>(path, {m});
            REQUIRE(loaded.predict_targets(X) == expected);
            REQUIRE(loaded.libsvm_decision(X) == expected_dec);
            REQUIRE(loaded.sparse() == model.sparse());
            const bool mapped = m != mmap_mode::none;
            if (model.sparse()) {
                REQUIRE(loaded.sparse_support_vectors().data.is_mapped() == mapped);
                REQUIRE(loaded.sparse_support_vectors().indices.is_mapped() == mapped);
                REQUIRE(loaded.sparse_support_vectors().indptr.is_mapped() == mapped);
            } else {
                REQUIRE(loaded.support_vectors().is_mapped() == mapped);
            }
            REQUIRE(loaded.dual_coef().is_mapped() == mapped);
        }
    }
    REQUIRE(loads<T>(dumps(model)).predict_targets(X) == expected);
}

}  // namespace

TEST_CASE("every svm type persists in every layout, copied and mapped, dense and CSR", "[svm][store]") {
    const auto iris = datasets::load_iris();
    const auto reg = iris_regression();
    const csr_matrix Xs = sparse_iris();
    const ndarray<double> Xd = Xs.to_dense();
    for (const std::string kernel : {"linear", "rbf", "poly"}) {
        svm_params p;
        p.kernel = kernel;
        p.probability = true;
        svc a(p);
        a.fit(iris.X, string_labels(iris.y));
        check_every_layout(a, iris.X, "svc_" + kernel);
        nu_svc b(p);
        b.fit(Xs, targets::of_int64(iris.y));
        REQUIRE(b.sparse());
        check_every_layout(b, Xd, "nu_svc_csr_" + kernel);
        p.probability = false;
        svr c(p);
        c.fit(reg.X, targets::of_float64(reg.y));
        check_every_layout(c, reg.X, "svr_" + kernel);
        nu_svr d(p);
        d.fit(csr_matrix::from_dense(reg.X), targets::of_float64(reg.y));
        check_every_layout(d, reg.X, "nu_svr_csr_" + kernel);
        one_class_svm e(p);
        e.fit(iris.X, targets());
        check_every_layout(e, iris.X, "one_class_" + kernel);
    }
}

TEST_CASE("string and float labels round-trip through fit, dump, load and predict", "[svm][labels]") {
    const auto iris = datasets::load_iris();
    svc model;
    model.fit(iris.X, string_labels(iris.y));
    REQUIRE(model.class_labels() == targets::of_strings({"setosa", "versicolor", "virginica \xc3\xa9"}));
    REQUIRE(model.classes().size() == 0);  // int64 view: empty for string labels
    const auto predicted = model.predict_targets(iris.X);
    REQUIRE(predicted.kind() == target_kind::string);
    std::size_t right = 0;
    for (std::size_t i = 0; i < 150; ++i) right += predicted.strings()[i] == string_labels(iris.y).strings()[i];
    REQUIRE(right > 140);
    const svc loaded = loads<svc>(dumps(model));
    REQUIRE(loaded.predict_targets(iris.X) == predicted);
    REQUIRE_THROWS_WITH(loaded.predict(iris.X), Catch::Contains("labels are string") && Catch::Contains("predict_targets"));

    const double values[] = {-1.0, 2.0, 40.0};
    ndarray<double> fy(shape_t{150});
    for (std::size_t i = 0; i < 150; ++i) fy.mutable_data()[i] = values[iris.y[i]];
    nu_svc nu;
    nu.fit(iris.X, targets::of_float64(fy));
    REQUIRE(nu.class_labels().kind() == target_kind::float64);
    const auto fp = nu.predict_targets(iris.X);
    REQUIRE(loads<nu_svc>(dumps(nu)).predict_targets(iris.X) == fp);
    ndarray<double> half = fy.copy();
    half.mutable_data()[7] = 0.5;
    REQUIRE_THROWS_WITH(nu_svc().fit(iris.X, targets::of_float64(half)),
                        Catch::Contains("float labels must be whole numbers") && Catch::Contains("row 7"));
    REQUIRE_THROWS_WITH(svr().fit(iris.X, string_labels(iris.y)), Catch::Contains("svr needs numeric targets"));
}

TEST_CASE("CSR fit and predict: CSR input, dense input and the dense model agree", "[svm][csr]") {
    const auto iris = datasets::load_iris();
    const csr_matrix Xs = sparse_iris();
    const ndarray<double> Xd = Xs.to_dense();
    svc sparse_model, dense_model;
    sparse_model.fit(Xs, targets::of_int64(iris.y));
    dense_model.fit(Xd, iris.y);
    REQUIRE(sparse_model.sparse());
    REQUIRE_FALSE(dense_model.sparse());
    REQUIRE(sparse_model.sparse_support_vectors().to_dense() == dense_model.support_vectors());
    REQUIRE(sparse_model.n_support() == dense_model.n_support());
    REQUIRE(sparse_model.predict_targets(Xs) == sparse_model.predict_targets(Xd));
    REQUIRE(sparse_model.predict_targets(Xs) == dense_model.predict_targets(Xd));
    const auto a = sparse_model.libsvm_decision(Xs), b = dense_model.libsvm_decision(Xd);
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == Approx(b[i]).margin(1e-9));
    // The libsvm reference predicts the same from the CSR model.
    REQUIRE(detail::libsvm_predictor(sparse_model).predict(Xd) == sparse_model.predict(Xd));
}

TEST_CASE("probabilities: libsvm's pairwise coupling over stored probA/probB", "[svm][proba]") {
    const auto iris = datasets::load_iris();
    svm_params p;
    p.probability = true;
    p.random_state = 7;
    svc model(p);
    model.fit(iris.X, iris.y);
    REQUIRE(model.probA().shape() == shape_t{3});
    REQUIRE(model.probB().shape() == shape_t{3});
    const auto proba = model.predict_proba(iris.X);
    REQUIRE(proba.shape() == shape_t{150, 3});
    std::size_t argmax_agrees = 0;
    const auto labels = model.predict(iris.X);
    for (std::size_t r = 0; r < 150; ++r) {
        double sum = 0;
        std::size_t best = 0;
        for (std::size_t c = 0; c < 3; ++c) {
            REQUIRE(proba[r * 3 + c] > 0);
            sum += proba[r * 3 + c];
            if (proba[r * 3 + c] > proba[r * 3 + best]) best = c;
        }
        REQUIRE(sum == Approx(1.0).margin(1e-12));
        argmax_agrees += model.classes()[best] == labels[r];
    }
    REQUIRE(argmax_agrees >= 145);
    const auto log_proba = model.predict_log_proba(iris.X);
    for (std::size_t i = 0; i < proba.size(); ++i) REQUIRE(log_proba[i] == std::log(proba[i]));
    // The same seed gives the same probA/probB; another seed other folds.
    svc again(p);
    again.fit(iris.X, iris.y);
    REQUIRE(again.probA() == model.probA());
    p.random_state = 8;
    svc other(p);
    other.fit(iris.X, iris.y);
    REQUIRE_FALSE(other.probA() == model.probA());

    // Two classes: the coupling of r01 and 1 - r01 gives back (r01, 1 - r01).
    const double r[] = {0.0, 0.8, 0.2, 0.0};
    double two[2];
    svm_pairwise_coupling(2, r, two);
    REQUIRE(two[0] == Approx(0.8).margin(1e-3));
    REQUIRE(two[0] + two[1] == Approx(1.0).margin(1e-12));

    REQUIRE_THROWS_WITH(svc().predict_proba(iris.X), Catch::Contains("not fitted"));
    svc plain;
    plain.fit(iris.X, iris.y);
    REQUIRE_FALSE(plain.has_probability());
    REQUIRE_THROWS_WITH(plain.predict_proba(iris.X), Catch::Contains("fitted with probability=false"));
}

TEST_CASE("one_class_svm: predict is the sign of decision_function, score_samples adds offset", "[svm][one_class]") {
    const auto iris = datasets::load_iris();
    one_class_svm model;
    model.fit(iris.X, targets());
    const auto dec = model.decision_function(iris.X);
    const auto score = model.score_samples(iris.X);
    const auto labels = model.predict(iris.X);
    REQUIRE(model.offset().shape() == shape_t{1});
    REQUIRE(model.offset()[0] == -model.intercept()[0]);
    for (std::size_t i = 0; i < 150; ++i) {
        REQUIRE(labels[i] == (dec[i] > 0 ? 1 : -1));
        REQUIRE(score[i] == Approx(dec[i] + model.offset()[0]).epsilon(1e-15));
    }
    REQUIRE(model.n_support().shape() == shape_t{1});
}

TEST_CASE("svm parameters are checked with clear messages", "[svm][errors]") {
    const auto iris = datasets::load_iris();
    svm_params p;
    p.nu = 0.0;
    REQUIRE_THROWS_WITH(nu_svc(p).fit(iris.X, iris.y), Catch::Contains("nu") && Catch::Contains("expected a number in (0, 1]"));
    p.nu = 1.5;
    REQUIRE_THROWS_WITH(one_class_svm(p).fit(iris.X, targets()), Catch::Contains("(0, 1], found 1.5"));
    REQUIRE_THROWS_WITH(nu_svr(p).fit(iris.X, targets::of_int64(iris.y)), Catch::Contains("(0, 1]"));
    p = svm_params{};
    p.epsilon = -0.1;
    REQUIRE_THROWS_WITH(svr(p).fit(iris.X, targets::of_int64(iris.y)), Catch::Contains("epsilon") && Catch::Contains(">= 0"));
    p = svm_params{};
    p.probability = true;
    REQUIRE_THROWS_WITH(svr(p).fit(iris.X, targets::of_int64(iris.y)), Catch::Contains("svc and nu_svc only"));
    p = svm_params{};
    p.break_ties = true;
    p.decision_function_shape = "ovo";
    REQUIRE_THROWS_WITH(svc(p).fit(iris.X, iris.y), Catch::Contains("break_ties must be false"));
    svr regressor;
    regressor.fit(iris.X, targets::of_int64(iris.y));
    REQUIRE_THROWS_WITH(regressor.predict(iris.X), Catch::Contains("is a regressor"));
    REQUIRE_THROWS_WITH(regressor.decision_function(iris.X), Catch::Contains("no decision_function"));
    REQUIRE(regressor.predict_targets(iris.X).kind() == target_kind::float64);
}

TEST_CASE("damaged stored svm models are refused naming the array", "[svm][errors]") {
    const auto iris = datasets::load_iris();
    svc model;
    model.fit(iris.X, string_labels(iris.y));
    auto edit = [&](const std::string& name, any_array value) {
        stored_object node;
        save_object(model, node);
        for (auto& a : node.arrays)
            if (a.first == name) a.second = std::move(value);
        return node;
    };
    svc out;
    ndarray<std::uint32_t> long_length(shape_t{3});
    long_length.mutable_data()[0] = 1000;
    REQUIRE_THROWS_WITH(load_object(edit("classes_lengths", long_length.as_any()), out, "", "m.blob"),
                        Catch::Contains("m.blob") && Catch::Contains("exceeds the width"));
    ndarray<std::uint8_t> bad_utf8(shape_t{3, 2});
    bad_utf8.mutable_data()[0] = 0xff;
    ndarray<std::uint32_t> lengths(shape_t{3});
    for (std::size_t i = 0; i < 3; ++i) lengths.mutable_data()[i] = 1;
    stored_object node = edit("classes", bad_utf8.as_any());
    for (auto& a : node.arrays)
        if (a.first == "classes_lengths") a.second = lengths.as_any();
    REQUIRE_THROWS_WITH(load_object(node, out, "", "m.blob"), Catch::Contains("arrays.classes") && Catch::Contains("UTF-8"));

    nu_svr sparse;
    sparse.fit(sparse_iris(), targets::of_int64(iris.y));
    stored_object broken;
    save_object(sparse, broken);
    for (auto& a : broken.arrays)
        if (a.first == "support_vectors_indptr") {
            ndarray<std::int32_t> indptr = ndarray<std::int32_t>::from_any(a.second).copy();
            indptr.mutable_data()[1] = -5;
            a.second = indptr.as_any();
        }
    nu_svr sparse_out;
    REQUIRE_THROWS_WITH(load_object(broken, sparse_out, "", "m.blob"),
                        Catch::Contains("arrays.support_vectors_indptr") && Catch::Contains("m.blob"));
    // An offset past nnz in an early row is refused before any row is read through it.
    csr_matrix far;
    far.n_rows = 2;
    far.n_cols = 3;
    far.data = ndarray<double>(shape_t{5});
    far.indices = ndarray<std::int32_t>(shape_t{5});
    far.indptr = ndarray<std::int32_t>(shape_t{3});
    far.indptr.mutable_data()[1] = 100;
    far.indptr.mutable_data()[2] = 5;
    std::string field;
    REQUIRE(csr_problem(far, field) == "offsets decrease at row 1");
    REQUIRE(field == "indptr");
    stored_object wrong_offset;
    one_class_svm oc;
    oc.fit(iris.X, targets());
    save_object(oc, wrong_offset);
    for (auto& a : wrong_offset.arrays)
        if (a.first == "offset") a.second = ndarray<double>(shape_t{2}).as_any();
    one_class_svm oc_out;
    REQUIRE_THROWS_WITH(load_object(wrong_offset, oc_out, "", "m.blob"), Catch::Contains("arrays.offset"));
}

TEST_CASE("a label column is one kind: integers, numbers or strings", "[svm][labels][csv]") {
    const fs::path path = fs::temp_directory_path() / ("fitstore_labels_" + std::to_string(::getpid()) + ".csv");
    auto column = [&](const std::string& text) {
        std::ofstream(path) << "a,y\n" << text;
        return datasets::target_column(datasets::read_csv_table(path.string()), "y");
    };
    REQUIRE(column("1,3\n2,-4\n").kind() == target_kind::int64);
    REQUIRE(column("1,3\n2,4.0\n").kind() == target_kind::float64);
    REQUIRE(column("1,cat\n2,dog\n").strings() == std::vector<std::string>{"cat", "dog"});
    REQUIRE_THROWS_WITH(column("1,3\n2,dog\n3,4\n"), Catch::Contains("mixes numbers") && Catch::Contains("\"dog\"") &&
                                                        Catch::Contains("line 3") && Catch::Contains(path.string()));
    fs::remove(path);
}
