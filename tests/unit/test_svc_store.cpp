// Fitted estimators through the real stores: every layout, copied and mapped,
// predicts exactly as the in-memory model.
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "fitstore/datasets.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/standard_scaler.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/store.hpp"

using namespace fitstore;
namespace fs = std::filesystem;

TEST_CASE("svc and pipeline reload from every layout, copied and mapped, with identical predictions", "[svc][store]") {
    const auto iris = datasets::load_iris();
    svc_params params;
    params.kernel = "poly";
    svc plain(params);
    plain.fit(iris.X, iris.y, iris.feature_names);
    pipeline scaled({{"scaler", std::make_shared<standard_scaler>()}, {"svc", std::make_shared<svc>()}});
    scaled.fit(iris.X, iris.y, iris.feature_names);

    const fs::path dir = fs::temp_directory_path() / ("fitstore_svc_store_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    for (layout l : {layout::directory, layout::hdf5, layout::blob}) {
        for (const char* codec : {"none", "zstd"}) {
            const std::string tag = std::string(layout_name(l)) + "_" + codec;
            dump_options options;
            options.layout = l;
            options.codec = parse_codec(codec);
            dump(plain, (dir / ("svc_" + tag)).string(), options);
            dump(scaled, (dir / ("pipe_" + tag)).string(), options);
            for (mmap_mode m : {mmap_mode::none, mmap_mode::r, mmap_mode::c}) {
                INFO(tag << " mmap " << mmap_mode_name(m));
                load_report report;
                const svc a = load<svc>((dir / ("svc_" + tag)).string(), {m}, &report);
                REQUIRE(a.predict(iris.X) == plain.predict(iris.X));
                REQUIRE(a.decision_function(iris.X) == plain.decision_function(iris.X));
                REQUIRE(a.feature_names_in() == iris.feature_names);
                const bool expect_mapped = m != mmap_mode::none && std::string(codec) == "none";
                REQUIRE(a.support_vectors().is_mapped() == expect_mapped);
                const pipeline b = load<pipeline>((dir / ("pipe_" + tag)).string(), {m});
                REQUIRE(b.predict(iris.X) == scaled.predict(iris.X));
                REQUIRE(b.decision_function(iris.X) == scaled.decision_function(iris.X));
            }
        }
    }
    const auto bytes = dumps(scaled);
    REQUIRE(loads<pipeline>(bytes).predict(iris.X) == scaled.predict(iris.X));
    fs::remove_all(dir);
}
