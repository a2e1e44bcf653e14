// decision_tree, random_forest and kneighbors on stores scikit-learn 1.2 wrote
// through fitstore.dump (tests/data/sklearn-1.2-trees, made once by its
// make_trees_golden.py): copied and mapped, C++ predicts what scikit-learn 1.2
// computed (labels and leaf indices exactly, probabilities and values within
// 1e-12); and damaged node tables and neighbour sets (bad child indices, cycles,
// features out of range, wrong shapes and counts) are refused with a
// format_error naming the file and the field, never a crash or an endless descent.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "fitstore/estimators/decision_tree.hpp"
#include "fitstore/estimators/kneighbors.hpp"
#include "fitstore/estimators/random_forest.hpp"
#include "fitstore/python_value.hpp"
#include "fitstore/store.hpp"

using namespace fitstore;

namespace {

const std::string golden = std::string(FITSTORE_TEST_DATA) + "/sklearn-1.2-trees/";

const python_value& expected() {
    static const python_value v = load_python_value(golden + "expected.fitstore");
    return v;
}

/// The labels scikit-learn predicted (strings, or an int64 / float64 array) against C++'s.
void check_labels(const python_value& want, const targets& got, double rel_tol) {
    if (want.type() == python_value::kind::list) {
        REQUIRE(got.kind() == target_kind::string);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < want.size(); ++i) REQUIRE(got.strings()[i] == want[i].as_string());
    } else if (want.as_array().type() == dtype::int64) {
        REQUIRE(got.kind() == target_kind::int64);
        REQUIRE(got.int64s() == want.array<std::int64_t>());
    } else {
        REQUIRE(got.kind() == target_kind::float64);
        const auto w = want.array<double>();
        REQUIRE(got.size() == w.size());
        for (std::size_t i = 0; i < w.size(); ++i) {
            INFO("row " << i);
            REQUIRE(std::abs(got.float64s()[i] - w[i]) <= rel_tol * std::abs(w[i]));
        }
    }
}

void check_close(const ndarray<double>& got, const ndarray<double>& want, double tol) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("element " << i);
        REQUIRE(std::abs(got[i] - want[i]) <= tol);
    }
}

template <class Model>
void check_trees(const std::string& name, const std::string& file) {
    const python_value& want = expected()[name];
    const auto X = want["X"].array<double>();
    for (const mmap_mode mode : {mmap_mode::none, mmap_mode::r}) {
        INFO(name << (mode == mmap_mode::r ? " mapped" : " copied"));
        const Model model = load<Model>(golden + file, {mode});
        // A lone tree's value is its leaf's, exactly; a forest sums in tree order as scikit-learn does.
        check_labels(want["predict"], model.predict_targets(X), 1e-12);
        // scikit-learn's apply: [n] for a tree, [n, T] for a forest; C++ always [n, T].
        const auto leaves = model.apply(X);
        const auto want_leaves = want["apply"].template array<std::int64_t>();
        REQUIRE(leaves.size() == want_leaves.size());
        for (std::size_t i = 0; i < leaves.size(); ++i) REQUIRE(leaves[i] == want_leaves[i]);
        if (model.is_classifier()) {
            const auto proba = model.predict_proba(X);
            REQUIRE(proba.shape() == want["predict_proba"].as_array().shape());
            check_close(proba, want["predict_proba"].template array<double>(), 1e-12);
        }
    }
}

void check_kneighbors(const std::string& name, const std::string& file) {
    const python_value& want = expected()[name];
    const auto X = want["X"].array<double>();
    for (const mmap_mode mode : {mmap_mode::none, mmap_mode::r}) {
        INFO(name << (mode == mmap_mode::r ? " mapped" : " copied"));
        const auto model = load<kneighbors>(golden + file, {mode});
        check_labels(want["predict"], model.predict_targets(X), 1e-12);
        ndarray<double> dist;
        ndarray<std::int64_t> ind;
        model.kneighbors_of(X, dist, ind);
        REQUIRE(ind == want["ind"].array<std::int64_t>());
        const auto want_dist = want["dist"].array<double>();
        for (std::size_t i = 0; i < dist.size(); ++i) REQUIRE(std::abs(dist[i] - want_dist[i]) <= 1e-9 * (1 + want_dist[i]));
        if (model.is_classifier()) check_close(model.predict_proba(X), want["predict_proba"].array<double>(), 1e-12);
    }
}

/// The root object of a golden store, with array `name` replaced by mutate(copy).
template <class T, class F>
stored_object with_array(const std::string& file, const std::string& name, F mutate) {
    stored_object root = read_store(golden + file).root;
    bool found = false;
    for (auto& a : root.arrays)
        if (a.first == name) {
            auto copy = ndarray<T>::from_any(a.second).copy();
            mutate(copy);
            a.second = copy.as_any();
            found = true;
        }
    REQUIRE(found);
    return root;
}

template <class Model>
std::string load_error(const stored_object& root) {
    Model model;
    try {
        load_object(root, model, "", "damaged.fitstore");
    } catch (const format_error& e) {
        return e.what();
    }
    FAIL("the damaged store loaded");
    return "";
}

const char* forest_file = "random_forest_synthetic_strings.fitstore";

ndarray<std::int64_t> forest_column(const std::string& name) {
    return ndarray<std::int64_t>::from_any(*read_store(golden + forest_file).root.find_array(name));
}

}  // namespace

TEST_CASE("scikit-learn 1.2 trees and forests predict the same in C++", "[trees][golden]") {
    check_trees<decision_tree>("decision_tree_iris", "decision_tree_iris");
    check_trees<random_forest>("random_forest_synthetic_strings", "random_forest_synthetic_strings.fitstore");
    check_trees<random_forest>("extra_trees_breast_cancer_balanced", "extra_trees_breast_cancer_balanced.h5");
    check_trees<decision_tree>("decision_tree_regressor_diabetes", "decision_tree_regressor_diabetes");
    check_trees<random_forest>("random_forest_regressor_synthetic", "random_forest_regressor_synthetic.fitstore");
    check_trees<random_forest>("extra_trees_regressor_diabetes", "extra_trees_regressor_diabetes");
}

TEST_CASE("a lone tree's regression values are its leaves', exactly", "[trees][golden]") {
    const python_value& want = expected()["decision_tree_regressor_diabetes"];
    const auto model = load<decision_tree>(golden + "decision_tree_regressor_diabetes");
    REQUIRE(model.predict_targets(want["X"].array<double>()).float64s() == want["predict"].array<double>());
}

TEST_CASE("scikit-learn 1.2 k-nearest neighbours predict the same in C++", "[kneighbors][golden]") {
    check_kneighbors("kneighbors_digits_distance", "kneighbors_digits_distance.fitstore");
    check_kneighbors("kneighbors_regressor_diabetes", "kneighbors_regressor_diabetes");
}

TEST_CASE("damaged node tables are refused naming the file and the array", "[trees][errors]") {
    const auto offsets = forest_column("tree_offsets");
    const auto left = forest_column("children_left");
    const std::int64_t t1 = offsets[1], size1 = offsets[2] - offsets[1];
    auto refused = [](const stored_object& root, const std::string& field, const std::string& problem) {
        const std::string message = load_error<random_forest>(root);
        INFO(message);
        REQUIRE(message.find("damaged.fitstore") != std::string::npos);
        REQUIRE(message.find(field) != std::string::npos);
        REQUIRE(message.find(problem) != std::string::npos);
    };
    SECTION("a cycle: the root as its own child") {
        refused(with_array<std::int64_t>(forest_file, "children_left", [](auto& a) { a.mutable_data()[0] = 0; }),
                "arrays.children_left", "child index 0 out of (node, tree size) at node 0 of tree 0");
    }
    SECTION("a back edge deeper in the second tree") {
        std::int64_t node = 1;  // the first internal node after the second tree's root
        while (left[t1 + node] == -1) ++node;
        refused(with_array<std::int64_t>(forest_file, "children_right", [&](auto& a) { a.mutable_data()[t1 + node] = 0; }),
                "arrays.children_right", "child index 0 out of (node, tree size) at node " + std::to_string(node) + " of tree 1");
    }
    SECTION("a child in the next tree") {
        refused(with_array<std::int64_t>(forest_file, "children_right", [&](auto& a) { a.mutable_data()[t1] = size1; }),
                "arrays.children_right", "child index " + std::to_string(size1) + " out of (node, tree size) at node 0 of tree 1");
    }
    SECTION("a child index far out of range") {
        refused(with_array<std::int64_t>(forest_file, "children_left",
                                         [](auto& a) { a.mutable_data()[0] = std::numeric_limits<std::int64_t>::max(); }),
                "arrays.children_left", "out of (node, tree size) at node 0 of tree 0");
    }
    SECTION("a leaf with one child") {
        std::int64_t leaf = 0;
        while (left[leaf] != -1) ++leaf;
        refused(with_array<std::int64_t>(forest_file, "children_right", [&](auto& a) { a.mutable_data()[leaf] = leaf + 1; }),
                "arrays.children_left", "child index -1 out of (node, tree size)");
    }
    SECTION("a feature index out of range") {
        refused(with_array<std::int64_t>(forest_file, "feature", [](auto& a) { a.mutable_data()[0] = 12; }),
                "arrays.feature", "feature 12 out of [0, 12) at node 0 of tree 0");
        refused(with_array<std::int64_t>(forest_file, "feature", [&](auto& a) { a.mutable_data()[t1] = -2; }),
                "arrays.feature", "feature -2 out of [0, 12) at node 0 of tree 1");
    }
    SECTION("a column of another length") {
        stored_object root = read_store(golden + forest_file).root;
        for (auto& a : root.arrays)
            if (a.first == "threshold") a.second = ndarray<double>(shape_t{3}).as_any();
        refused(root, "arrays.threshold", "expected shape [" + std::to_string(left.size()) + "], found [3]");
    }
    SECTION("value rows of the wrong shape") {
        stored_object root = read_store(golden + forest_file).root;
        for (auto& a : root.arrays)
            if (a.first == "value") a.second = ndarray<double>(shape_t{left.size(), 1, 2}).as_any();
        refused(root, "arrays.value", "expected shape [" + std::to_string(left.size()) + ", 1, >= 3], found");
    }
    SECTION("offsets past the node count or not increasing") {
        refused(with_array<std::int64_t>(forest_file, "tree_offsets", [](auto& a) { a.mutable_data()[a.size() - 1] += 1; }),
                "arrays.tree_offsets", "expected to start at 0 and end at the node count");
        refused(with_array<std::int64_t>(forest_file, "tree_offsets", [&](auto& a) { a.mutable_data()[2] = a[1]; }),
                "arrays.tree_offsets", "tree 1 has no nodes");
    }
    SECTION("one depth per tree") {
        stored_object root = read_store(golden + forest_file).root;
        root.params["max_depth"].erase(0);
        refused(root, "params.max_depth", "expected one depth per tree (10), found 9");
    }
    SECTION("a decision_tree holding two trees") {
        const std::string file = "decision_tree_iris";
        const auto n = ndarray<std::int64_t>::from_any(*read_store(golden + file).root.find_array("children_left")).size();
        stored_object root = read_store(golden + file).root;
        ndarray<std::int64_t> two(shape_t{3});
        two.mutable_data()[1] = 1;
        two.mutable_data()[2] = static_cast<std::int64_t>(n);
        for (auto& a : root.arrays)
            if (a.first == "tree_offsets") a.second = two.as_any();
        const std::string message = load_error<decision_tree>(root);
        REQUIRE(message.find("arrays.tree_offsets") != std::string::npos);
        REQUIRE(message.find("a decision_tree holds exactly one tree, found 2") != std::string::npos);
    }
    SECTION("an unknown task") {
        stored_object root = read_store(golden + forest_file).root;
        root.params["task"] = "ranker";
        refused(root, "params.task", "expected \"classifier\" or \"regressor\", found \"ranker\"");
    }
}

TEST_CASE("randomly damaged node columns never crash or hang a forest", "[trees][errors]") {
    const stored_object pristine = read_store(golden + forest_file).root;
    const auto X = expected()["random_forest_synthetic_strings"]["X"].array<double>();
    const auto offsets = forest_column("tree_offsets");
    std::mt19937_64 rng(16);
    int refused = 0, loaded = 0;
    for (int round = 0; round < 300; ++round) {
        stored_object root = pristine;
        const char* columns[] = {"children_left", "children_right", "feature"};
        for (int k = 0; k < 3; ++k) {
            const char* column = columns[rng() % 3];
            // Half the damage near a tree's root, where every query passes.
            const std::size_t t = rng() % (offsets.size() - 1);
            const std::size_t row = rng() % 2 ? static_cast<std::size_t>(offsets[t]) + rng() % 3
                                              : rng() % static_cast<std::size_t>(offsets[offsets.size() - 1]);
            const std::int64_t values[] = {-2, -1, 0, 1, 11, 12, static_cast<std::int64_t>(rng() % 2000),
                                           std::numeric_limits<std::int64_t>::min()};
            for (auto& a : root.arrays) {
                if (a.first != column) continue;
                auto copy = ndarray<std::int64_t>::from_any(a.second).copy();
                copy.mutable_data()[row] = values[rng() % 8];
                a.second = copy.as_any();
            }
        }
        random_forest model;
        try {
            load_object(root, model, "", "fuzzed.fitstore");
        } catch (const format_error& e) {
            REQUIRE(std::string(e.what()).find("fuzzed.fitstore") != std::string::npos);
            ++refused;
            continue;
        }
        // Accepted (a change that keeps the trees valid): it predicts, and ends.
        REQUIRE(model.predict_proba(X).shape() == shape_t{X.shape(0), 3});
        ++loaded;
    }
    REQUIRE(refused > 100);
    REQUIRE(loaded > 0);
}

TEST_CASE("damaged neighbour sets are refused naming the file and the field", "[kneighbors][errors]") {
    const std::string file = "kneighbors_digits_distance.fitstore";
    auto refused = [](const stored_object& root, const std::string& field, const std::string& problem) {
        const std::string message = load_error<kneighbors>(root);
        INFO(message);
        REQUIRE(message.find("damaged.fitstore") != std::string::npos);
        REQUIRE(message.find(field) != std::string::npos);
        REQUIRE(message.find(problem) != std::string::npos);
    };
    refused(with_array<std::int64_t>(file, "y", [](auto& a) { a.mutable_data()[7] = 10; }),
            "arrays.y", "class index 10 at row 7");
    refused(with_array<std::int64_t>(file, "y", [](auto& a) { a.mutable_data()[0] = -1; }), "arrays.y", "class index -1 at row 0");
    stored_object root = read_store(golden + file).root;
    for (auto& a : root.arrays)
        if (a.first == "fit_X") a.second = ndarray<double>(shape_t{400, 63}).as_any();
    refused(root, "arrays.fit_X", "expected shape [n_samples >= 1, 64], found [400, 63]");
    root = read_store(golden + file).root;
    for (auto& a : root.arrays)
        if (a.first == "y") a.second = ndarray<std::int64_t>(shape_t{399}).as_any();
    refused(root, "arrays.y", "expected shape [400], found [399]");
    for (const std::int64_t k : {std::int64_t(0), std::int64_t(401)}) {
        root = read_store(golden + file).root;
        root.params["n_neighbors"] = k;
        refused(root, "params.n_neighbors", "expected 1 to n_samples (400), found " + std::to_string(k));
    }
    root = read_store(golden + file).root;
    root.params["weights"] = "cubic";
    refused(root, "params.weights", "expected \"uniform\" or \"distance\", found \"cubic\"");
    root = read_store(golden + file).root;
    root.params["metric"] = "manhattan";
    refused(root, "params.metric", "only the euclidean metric");
}
