// svc, standard_scaler, pipeline: fitting with libsvm, fitstore's own dense
// predict, persistence through stored_object (including read-only mapped
// arrays) and the checks on loaded models.
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include <catch2/catch.hpp>

#include "fitstore/datasets.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/standard_scaler.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/model_selection.hpp"
#include "fitstore/xtensor.hpp"
#include "estimators/libsvm_bridge.hpp"

using namespace fitstore;

namespace {

/// A copy of `a` in an anonymous mapping made read-only, labelled mapped_r,
/// the way a store loaded with mmap "r" hands arrays to estimators.
any_array read_only_copy(const any_array& a) {
    const std::size_t bytes = std::max<std::size_t>(a.nbytes(), 1);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    if (a.nbytes()) std::memcpy(p, a.data(), a.nbytes());
    REQUIRE(mprotect(p, bytes, PROT_READ) == 0);
    std::shared_ptr<void> owner(p, [bytes](void* q) { munmap(q, bytes); });
    return any_array(a.type(), a.shape(), owner, p, storage_kind::mapped_r);
}

void make_read_only(stored_object& node) {
    for (auto& a : node.arrays) a.second = read_only_copy(a.second);
    for (auto& c : node.children) make_read_only(c.second);
}

template <class T>
T round_trip(const T& value, bool read_only) {
    stored_object node;
    save_object(value, node);
    if (read_only) make_read_only(node);
    T out;
    load_object(node, out, "", "memory");
    return out;
}

/// The binary problem versicolor (1) vs virginica (2) from iris: the hard pair.
datasets::dataset iris_binary() {
    const auto iris = datasets::load_iris();
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < 150; ++i)
        if (iris.y[i] != 0) rows.push_back(i);
    return {take_rows(iris.X, rows), take_rows(iris.y, rows), iris.feature_names, "target", {}};
}

}  // namespace

TEST_CASE("svc on iris: scikit-learn's persistence example predicts X[0] -> 0", "[svc]") {
    const auto iris = datasets::load_iris();
    svc model;
    model.fit(iris.X, iris.y, iris.feature_names);
    REQUIRE(model.fitted());
    REQUIRE(model.classes() == ndarray<std::int64_t>::from_values({0, 1, 2}));
    REQUIRE(model.fitted_gamma() > 0);

    const auto x0 = take_rows(iris.X, {0});
    REQUIRE(model.predict(x0)[0] == 0);
    REQUIRE(accuracy(iris.y, model.predict(iris.X)) > 0.95);
}

TEST_CASE("svc fitted state follows scikit-learn's layout", "[svc]") {
    const auto iris = datasets::load_iris();
    svc model;
    model.fit(iris.X, iris.y);
    const std::size_t nsv = model.support_vectors().shape(0);
    REQUIRE(model.support_vectors().shape() == shape_t{nsv, 4});
    REQUIRE(model.dual_coef().shape() == shape_t{2, nsv});
    REQUIRE(model.intercept().shape() == shape_t{3});
    REQUIRE(model.support().shape() == shape_t{nsv});
    std::int64_t total = 0;
    for (auto c : model.n_support()) total += c;
    REQUIRE(std::size_t(total) == nsv);

    // Support vectors are training rows, grouped by class, in training order within a class.
    std::size_t row = 0;
    for (std::size_t c = 0; c < 3; ++c) {
        for (std::int32_t i = 0; i < model.n_support()[c]; ++i, ++row) {
            const std::size_t index = std::size_t(model.support()[row]);
            REQUIRE(iris.y[index] == model.classes()[c]);
            if (i > 0) REQUIRE(model.support()[row - 1] < model.support()[row]);
            for (std::size_t f = 0; f < 4; ++f) REQUIRE(model.support_vectors()[row * 4 + f] == iris.X[index * 4 + f]);
        }
    }
    // Box constraint of the dual: |alpha_i y_i| <= C.
    for (double a : model.dual_coef()) REQUIRE(std::abs(a) <= model.params().C + 1e-12);
}

TEST_CASE("svc decision_function: ovr argmax and ovo votes agree with predict", "[svc]") {
    const auto iris = datasets::load_iris();
    // libsvm's one-vs-one pair order for 3 classes; a positive value votes for the pair's first class.
    const std::size_t pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    for (const std::string kernel : {"rbf", "linear", "poly", "sigmoid"}) {
        INFO("kernel " << kernel);
        svc_params p;
        p.kernel = kernel;
        svc model(p);
        model.fit(iris.X, iris.y);
        const auto labels = model.predict(iris.X);
        // libsvm's own svm_predict on the same stored arrays: the reference
        // the votes below must reproduce, independent of fitstore's predict.
        const auto reference = detail::libsvm_predictor(model).predict(iris.X);
        REQUIRE(labels == reference);
        const auto ovr = model.decision_function(iris.X);
        REQUIRE(ovr.shape() == shape_t{150, 3});
        for (std::size_t r = 0; r < 150; ++r) {
            const double* row = ovr.data() + r * 3;
            REQUIRE(model.classes()[std::size_t(std::max_element(row, row + 3) - row)] == labels[r]);
        }
        model.params().decision_function_shape = "ovo";
        const auto ovo = model.decision_function(iris.X);
        REQUIRE(ovo.shape() == shape_t{150, 3});
        std::size_t decided = 0;
        for (std::size_t r = 0; r < 150; ++r) {
            int votes[3] = {0, 0, 0};
            for (std::size_t q = 0; q < 3; ++q) ++votes[ovo[r * 3 + q] > 0 ? pairs[q][0] : pairs[q][1]];
            const std::size_t winner = std::size_t(std::max_element(votes, votes + 3) - votes);  // first of a tie, as libsvm
            INFO("row " << r << " votes " << votes[0] << "/" << votes[1] << "/" << votes[2]);
            REQUIRE(model.classes()[winner] == reference[r]);
            decided += votes[winner] == 2;
        }
        // Most rows are won outright (2 of 2 votes): the votes, not tie-breaks, decide.
        REQUIRE(decided > 140);
    }
}

TEST_CASE("svc binary: decision sign picks classes[1] as scikit-learn does", "[svc]") {
    const auto data = iris_binary();
    svc model;
    model.fit(data.X, data.y);
    REQUIRE(model.classes() == ndarray<std::int64_t>::from_values({1, 2}));
    REQUIRE(model.dual_coef().shape(0) == 1);
    const auto dec = model.decision_function(data.X);
    const auto labels = model.predict(data.X);
    REQUIRE(dec.shape() == shape_t{100});
    for (std::size_t r = 0; r < 100; ++r) REQUIRE(labels[r] == (dec[r] > 0 ? 2 : 1));
    // The dual coefficients of a binary problem sum to zero (sum alpha_i y_i = 0).
    double sum = 0;
    for (double a : model.dual_coef()) sum += a;
    REQUIRE(std::abs(sum) < 1e-8);
}

TEST_CASE("svc predicts the same from read-only mapped arrays as from memory", "[svc][mmap]") {
    const auto iris = datasets::load_iris();
    for (const std::string kernel : {"rbf", "poly"}) {
        svc_params p;
        p.kernel = kernel;
        svc model(p);
        model.fit(iris.X, iris.y, iris.feature_names);
        const svc mapped = round_trip(model, true);
        REQUIRE(mapped.support_vectors().storage() == storage_kind::mapped_r);
        REQUIRE(mapped.feature_names_in() == iris.feature_names);
        REQUIRE(mapped.predict(iris.X) == model.predict(iris.X));
        REQUIRE(mapped.decision_function(iris.X) == model.decision_function(iris.X));
        // Copy-free xtensor view of the mapped support vectors.
        const auto view = as_xtensor(mapped.support_vectors());
        REQUIRE(view.data() == mapped.support_vectors().data());
    }
}

TEST_CASE("svc predict works in blocks: many rows give the same values as one at a time", "[svc]") {
    const auto iris = datasets::load_iris();
    svc model;
    model.fit(iris.X, iris.y);
    const auto all = model.pairwise_decision(iris.X);
    for (std::size_t r : {0, 77, 149}) {
        const auto one = model.pairwise_decision(take_rows(iris.X, {r}));
        for (std::size_t p = 0; p < 3; ++p) REQUIRE(one[p] == Approx(all[r * 3 + p]).epsilon(1e-12));
    }
}

TEST_CASE("svc class_weight balanced and custom change the box constraints", "[svc]") {
    const auto data = iris_binary();
    svc_params p;
    p.class_weight = "custom";
    p.class_weight_labels = {2};
    p.class_weight_values = {0.25};
    svc model(p);
    model.fit(data.X, data.y);
    REQUIRE(model.class_weight() == ndarray<double>::from_values({1.0, 0.25}));
    const std::size_t n0 = std::size_t(model.n_support()[0]);
    for (std::size_t s = n0; s < model.dual_coef().size(); ++s) REQUIRE(std::abs(model.dual_coef()[s]) <= 0.25 + 1e-12);

    // balanced on unequal classes: scikit-learn's n_samples / (n_classes * count).
    // All of class 0 (50), the first 30 of class 1, the first 12 of class 2.
    const auto iris = datasets::load_iris();
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < 150; ++i)
        if (i < 50 || (i >= 50 && i < 80) || (i >= 100 && i < 112)) rows.push_back(i);
    const auto X = take_rows(iris.X, rows);
    const auto y = take_rows(iris.y, rows);
    p = {};
    p.class_weight = "balanced";
    svc balanced(p);
    balanced.fit(X, y);
    const double n = 92;
    REQUIRE(balanced.class_weight() == ndarray<double>::from_values({n / (3 * 50.0), n / (3 * 30.0), n / (3 * 12.0)}));
    REQUIRE(balanced.class_weight()[2] == Approx(2.5555555555555554));
    // Each support vector's |alpha| is bounded by C times its class's weight,
    // and the rare class uses more than the unweighted bound C = 1.
    double rare_max = 0;
    std::size_t start = 0;
    for (std::size_t c = 0; c < 3; ++c) {
        const std::size_t count = std::size_t(balanced.n_support()[c]);
        for (std::size_t s = start; s < start + count; ++s)
            for (std::size_t r = 0; r < 2; ++r) {
                const double a = std::abs(balanced.dual_coef()[r * balanced.support().size() + s]);
                REQUIRE(a <= balanced.class_weight()[c] + 1e-12);
                if (c == 2) rare_max = std::max(rare_max, a);
            }
        start += count;
    }
    REQUIRE(rare_max > 1.0);
}

TEST_CASE("svc rejects bad parameters and inputs with clear messages", "[svc][errors]") {
    const auto iris = datasets::load_iris();
    svc_params p;
    p.kernel = "cubic";
    REQUIRE_THROWS_WITH(svc(p).fit(iris.X, iris.y), Catch::Contains("expected linear, poly, rbf or sigmoid"));
    p = {};
    p.gamma = "wide";
    REQUIRE_THROWS_WITH(svc(p).fit(iris.X, iris.y), Catch::Contains("expected scale, auto or a finite number"));
    p = {};
    p.C = 0;
    REQUIRE_THROWS_AS(svc(p).fit(iris.X, iris.y), usage_error);
    p = {};
    p.max_iter = 100;
    REQUIRE_THROWS_WITH(svc(p).fit(iris.X, iris.y), Catch::Contains("only -1"));

    ndarray<std::int64_t> one_class(shape_t{150});
    REQUIRE_THROWS_WITH(svc().fit(iris.X, one_class), Catch::Contains("greater than one"));
    REQUIRE_THROWS_WITH(svc().predict(iris.X), Catch::Contains("not fitted"));

    svc model;
    model.fit(iris.X, iris.y);
    const ndarray<double> three_features(shape_t{2, 3});
    REQUIRE_THROWS_WITH(model.predict(three_features), Catch::Contains("expected 4 features"));
    ndarray<double> with_nan = iris.X.copy();
    with_nan.mutable_data()[5] = std::nan("");
    REQUIRE_THROWS_WITH(model.predict(with_nan), Catch::Contains("expected finite values"));
}

TEST_CASE("a loaded svc whose arrays disagree is refused", "[svc][errors]") {
    const auto iris = datasets::load_iris();
    svc model;
    model.fit(iris.X, iris.y);
    stored_object node;
    save_object(model, node);
    for (auto& a : node.arrays)
        if (a.first == "dual_coef") a.second = ndarray<double>(shape_t{2, 3}).as_any();
    svc out;
    REQUIRE_THROWS_WITH(load_object(node, out, "", "model.bin"), Catch::Contains("arrays.dual_coef") &&
                                                                    Catch::Contains("expected shape [2, ") &&
                                                                    Catch::Contains("model.bin"));
    stored_object many_classes;
    save_object(model, many_classes);
    std::vector<std::int64_t> labels(100000);
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = std::int64_t(i);
    for (auto& a : many_classes.arrays)
        if (a.first == "classes") a.second = ndarray<std::int64_t>::from_values(shape_t{labels.size()}, labels).as_any();
    REQUIRE_THROWS_WITH(load_object(many_classes, out, "", "model.bin"), Catch::Contains("at most 65536 classes"));

    stored_object bad_kernel;
    save_object(model, bad_kernel);
    bad_kernel.params["kernel"] = "magic";
    REQUIRE_THROWS_WITH(load_object(bad_kernel, out, "", "model.bin"), Catch::Contains("params.kernel"));
}

TEST_CASE("standard_scaler follows StandardScaler", "[scaler]") {
    const auto X = ndarray<double>::from_values(shape_t{4, 3}, {1, 5, 2, 2, 5, 4, 3, 5, 6, 4, 5, 8});
    standard_scaler scaler;
    scaler.fit(X, ndarray<std::int64_t>(shape_t{4}));
    REQUIRE(scaler.mean() == ndarray<double>::from_values({2.5, 5, 5}));
    REQUIRE(scaler.var()[0] == Approx(1.25));
    REQUIRE(scaler.var()[2] == Approx(5.0));
    REQUIRE(scaler.scale()[1] == 1.0);  // constant column: scale 1, not 0
    const auto Z = scaler.transform(X);
    for (std::size_t f : {0, 2}) {
        double m = 0, v = 0;
        for (std::size_t i = 0; i < 4; ++i) m += Z[i * 3 + f] / 4;
        for (std::size_t i = 0; i < 4; ++i) v += (Z[i * 3 + f] - m) * (Z[i * 3 + f] - m) / 4;
        REQUIRE(m == Approx(0).margin(1e-12));
        REQUIRE(v == Approx(1));
    }
    for (std::size_t i = 0; i < 4; ++i) REQUIRE(Z[i * 3 + 1] == 0.0);

    standard_scaler no_mean(false, true);
    no_mean.fit(X, ndarray<std::int64_t>(shape_t{4}));
    REQUIRE(no_mean.transform(X)[0] == Approx(1 / std::sqrt(1.25)));

    const auto loaded = round_trip(scaler, true);
    REQUIRE(loaded.transform(X) == Z);
}

TEST_CASE("pipeline scaler -> svc is one persisted object", "[pipeline]") {
    const auto iris = datasets::load_iris();
    pipeline model({{"scaler", std::make_shared<standard_scaler>()}, {"svc", std::make_shared<svc>()}});
    model.fit(iris.X, iris.y, iris.feature_names);
    REQUIRE(model.is_classifier());
    REQUIRE(model.feature_names_in() == iris.feature_names);

    // Same as doing the steps by hand.
    standard_scaler scaler;
    scaler.fit(iris.X, iris.y);
    svc manual;
    manual.fit(scaler.transform(iris.X), iris.y);
    REQUIRE(model.predict(iris.X) == manual.predict(scaler.transform(iris.X)));

    stored_object node;
    save_object(model, node);
    REQUIRE(node.children.size() == 2);
    REQUIRE(node.children[0].first == "scaler");
    REQUIRE(node.children[1].second.type == "svc");

    const pipeline loaded = round_trip(model, true);
    REQUIRE(loaded.steps().size() == 2);
    REQUIRE(loaded.named_step("svc")->type_name() == "svc");
    REQUIRE(loaded.predict(iris.X) == model.predict(iris.X));
    REQUIRE(loaded.decision_function(iris.X) == model.decision_function(iris.X));

    // Polymorphic load through the base, as the CLI does.
    auto any = polymorphic_registry<estimator>::instance().load(node, "", "memory");
    REQUIRE(any->type_name() == "pipeline");
    REQUIRE(any->predict(iris.X) == model.predict(iris.X));
}

TEST_CASE("pipeline refuses bad steps", "[pipeline][errors]") {
    REQUIRE_THROWS_WITH(pipeline(std::vector<pipeline::step>{}), Catch::Contains("at least one step"));
    REQUIRE_THROWS_WITH(pipeline({{"svc", std::make_shared<svc>()}, {"scaler", std::make_shared<standard_scaler>()}}),
                        Catch::Contains("must be a transformer"));
    REQUIRE_THROWS_WITH(pipeline({{"a", std::make_shared<standard_scaler>()}, {"a", std::make_shared<svc>()}}),
                        Catch::Contains("used twice"));

    const auto iris = datasets::load_iris();
    pipeline model({{"scaler", std::make_shared<standard_scaler>()}, {"svc", std::make_shared<svc>()}});
    model.fit(iris.X, iris.y);
    stored_object node;
    save_object(model, node);
    node.children[1].second.type = "evil_type";
    pipeline out;
    REQUIRE_THROWS_WITH(load_object(node, out, "", "m"), Catch::Contains("not registered"));
}

TEST_CASE("stratified k-fold matches StratifiedKFold's allocation", "[cv]") {
    const auto iris = datasets::load_iris();
    const auto folds = stratified_kfold(iris.y, 5);
    // iris is sorted by class: each class's 50 rows go to folds in blocks of 10.
    for (std::size_t i = 0; i < 150; ++i) REQUIRE(folds[i] == (i % 50) / 10);

    const auto y = ndarray<std::int64_t>::from_values({7, 7, 7, 3, 3, 7, 3, 7});
    const auto f = stratified_kfold(y, 2);
    std::size_t in_fold0 = 0;
    for (std::size_t i = 0; i < y.size(); ++i) in_fold0 += f[i] == 0;
    REQUIRE(in_fold0 == 4);
    REQUIRE(f == std::vector<std::size_t>{0, 0, 0, 0, 1, 1, 1, 1});  // 7s: 3 then 2, 3s: 1 then 2, in order
    REQUIRE_THROWS_WITH(stratified_kfold(y, 6), Catch::Contains("cannot be greater"));
}

TEST_CASE("cross_val_score of the default SVC on iris is 0.9667, as scikit-learn reports", "[cv]") {
    const auto iris = datasets::load_iris();
    const auto scores = cross_val_score(svc(), iris.X, iris.y, 5);
    REQUIRE(scores.size() == 5);
    REQUIRE(mean(scores) == Approx(0.96667).margin(1e-4));
    REQUIRE(stddev(scores) > 0);
}

TEST_CASE("fitstore's dense predict agrees with libsvm's own svm_predict", "[svc][libsvm]") {
    const auto iris = datasets::load_iris();
    for (const std::string kernel : {"rbf", "linear", "poly", "sigmoid"}) {
        svc_params p;
        p.kernel = kernel;
        svc model(p);
        model.fit(iris.X, iris.y);
        REQUIRE(detail::libsvm_predictor(model).predict(iris.X) == model.predict(iris.X));
    }
    const auto binary = iris_binary();
    svc model;
    model.fit(binary.X, binary.y);
    REQUIRE(detail::libsvm_predictor(model).predict(binary.X) == model.predict(binary.X));
}
