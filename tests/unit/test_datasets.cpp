// The embedded iris table and the CSV reader, including its error messages.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "fitstore/datasets.hpp"

using namespace fitstore;
namespace fs = std::filesystem;

namespace {

struct temp_csv {
    fs::path path;
    explicit temp_csv(const std::string& content) {
        static int counter = 0;
        path = fs::temp_directory_path() /
               ("fitstore_csv_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".csv");
        std::ofstream(path) << content;
    }
    ~temp_csv() { fs::remove(path); }
    std::string str() const { return path.string(); }
};

}  // namespace

TEST_CASE("load_iris holds scikit-learn's iris", "[datasets]") {
    const auto iris = datasets::load_iris();
    REQUIRE(iris.X.shape() == shape_t{150, 4});
    REQUIRE(iris.y.size() == 150);
    REQUIRE(iris.X[0] == 5.1);
    REQUIRE(iris.X[149 * 4 + 3] == 1.8);
    std::size_t counts[3] = {0, 0, 0};
    for (auto v : iris.y) ++counts[v];
    REQUIRE(counts[0] == 50);
    REQUIRE(counts[1] == 50);
    REQUIRE(counts[2] == 50);
    REQUIRE(iris.feature_names.size() == 4);
}

TEST_CASE("CSV round trip through write_csv and load_csv", "[datasets][csv]") {
    const auto iris = datasets::load_iris();
    temp_csv file("");
    datasets::write_csv(iris, file.str());
    const auto back = datasets::load_csv(file.str());
    REQUIRE(back.X == iris.X);
    REQUIRE(back.y == iris.y);
    REQUIRE(back.feature_names == iris.feature_names);
    REQUIRE(back.target_name == "target");
}

TEST_CASE("CSV target column by name, quotes and CRLF", "[datasets][csv]") {
    temp_csv file("label,\"a, quoted\",b\r\n1,0.5,2\r\n\r\n0,1e-3,-4\r\n");
    const auto d = datasets::load_csv(file.str(), "label");
    REQUIRE(d.feature_names == std::vector<std::string>{"a, quoted", "b"});
    REQUIRE(d.X == ndarray<double>::from_values(shape_t{2, 2}, {0.5, 2, 1e-3, -4}));
    REQUIRE(d.y == ndarray<std::int64_t>::from_values({1, 0}));

    const auto table = datasets::read_csv_table(file.str());
    REQUIRE(datasets::numeric_columns(table, {"b"}) == ndarray<double>::from_values(shape_t{2, 1}, {2, -4}));
}

TEST_CASE("bad CSV input gets errors naming file, line and column", "[datasets][csv][errors]") {
    {
        temp_csv file("a,b,y\n1,2,0\n3,4\n");
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()),
                            Catch::Contains(file.str()) && Catch::Contains("line 3") &&
                                Catch::Contains("expected 3 cells (as in the header), found 2"));
    }
    {
        temp_csv file("a,b,y\n1,2,0\n3,oops,1\n");
        REQUIRE_THROWS_AS(datasets::load_csv(file.str()), format_error);
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()),
                            Catch::Contains("line 3, column 2 (\"b\")") && Catch::Contains("found \"oops\""));
    }
    {
        temp_csv file("");
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()), Catch::Contains("empty file"));
    }
    {
        temp_csv file("a,b,y\n");
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()), Catch::Contains("no data rows"));
    }
    {
        temp_csv file("a,b,y\n1,2,0\n3,4,1\n");
        REQUIRE_THROWS_AS(datasets::load_csv(file.str(), "species"), usage_error);
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str(), "species"),
                            Catch::Contains("no column named \"species\"") && Catch::Contains("a, b, y"));
    }
    {
        temp_csv file("a,b,y\n1,2,1\n3,4,1\n");
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()), Catch::Contains("only class 1"));
    }
    {
        temp_csv file("a,b,y\n1,2,0.5\n3,4,1\n");
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()), Catch::Contains("expected an integer class label"));
    }
    {
        temp_csv file("a,b,y\n1,nan,0\n3,4,1\n");
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()), Catch::Contains("expected a finite number"));
    }
    {
        temp_csv file("a,a,y\n1,2,0\n");
        REQUIRE_THROWS_WITH(datasets::load_csv(file.str()), Catch::Contains("appears twice"));
    }
    {
        temp_csv file("a,\"b,y\n1,2,0\n");
        REQUIRE_THROWS_WITH(datasets::read_csv_table(file.str()), Catch::Contains("unterminated"));
    }
    REQUIRE_THROWS_AS(datasets::load_csv("/nonexistent/file.csv"), io_error);
}
