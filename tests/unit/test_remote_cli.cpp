// The CLI on remote stores: inspect, verify, unpack, predict (mapped through
// --cache) and convert to S3 take URLs; slow downloads report progress on stderr.
#include <catch2/catch.hpp>

#include "fitstore/array_bundle.hpp"
#include "fitstore/datasets.hpp"
#include "fitstore/estimators/pipeline.hpp"
#include "fitstore/estimators/standard_scaler.hpp"
#include "fitstore/estimators/svc.hpp"
#include "fitstore/store.hpp"
#include "remote_servers.hpp"

using namespace fitstore;
using fitstore::test::cli_result;
using fitstore::test::fault_server;
using fitstore::test::nginx_server;
using fitstore::test::run_cli;
using fitstore::test::temp_dir;

namespace {

void require_ok(const cli_result& r, const std::vector<std::string>& needles) {
    INFO(r.output);
    REQUIRE(r.exited);
    REQUIRE(r.code == 0);
    for (const auto& n : needles) CHECK_THAT(r.output, Catch::Contains(n));
}

}  // namespace

TEST_CASE("CLI: inspect, verify, unpack and predict take http URLs and --cache maps through the cache",
          "[remote][cli]") {
    temp_dir root, work, cache;
    const auto iris = datasets::load_iris();
    pipeline model({{"scaler", std::make_shared<standard_scaler>()}, {"svc", std::make_shared<svc>()}});
    model.fit(iris.X, iris.y, iris.feature_names);
    dump_options options;
    options.durable = false;
    options.codec = parse_codec("none");
    dump(model, root / "iris", options);
    datasets::write_csv(iris, work / "iris.csv");
    nginx_server server(root.path());
    const std::string url = server.url("iris");

    require_ok(run_cli(work, {"inspect", url}), {"pipeline", "svc", "support_vectors"});
    require_ok(run_cli(work, {"verify", url, "--connections", "2"}), {"ok", "checksums"});
    require_ok(run_cli(work, {"unpack", url, work / "unpacked"}), {"unpacked"});
    CHECK(fitstore::test::read_file(work / "unpacked/svc/support_vectors.npy").size() > 128);

    const cli_result local = run_cli(work, {"predict", root / "iris", "--data", work / "iris.csv"});
    REQUIRE(local.code == 0);
    const cli_result remote =
        run_cli(work, {"predict", url, "--data", work / "iris.csv", "--mmap", "r", "--cache", cache.path()});
    REQUIRE(remote.code == 0);
    CHECK(remote.output == local.output);
    CHECK(fitstore::test::folder_entries(cache.path()).size() == 2);  // the entry and locations/

    // The cached copy serves the next mapped load with the server gone.
    server.stop();
    const cli_result offline =
        run_cli(work, {"predict", url, "--data", work / "iris.csv", "--mmap", "r", "--cache", cache.path(),
                       "--timeout", "1", "--retries", "0"});
    CHECK(offline.code == 0);
    CHECK(offline.output == local.output);
    // A copying load needs the server: a clear error, exit code 2.
    const cli_result down = run_cli(work, {"inspect", url, "--retries", "0"});
    INFO(down.output);
    CHECK(down.code == 2);
    CHECK_THAT(down.output, Catch::Contains(url) && Catch::Contains("onnect"));
}

TEST_CASE("CLI: progress on stderr for a download slower than a second", "[remote][cli]") {
    temp_dir root, work;
    array_bundle b;
    b.add("x", fitstore::test::random_array(dtype::float64, {192 * 1024}, 3));  // 1.5 MiB: about 2.4 s throttled
    dump_options options;
    options.layout = layout::blob;
    options.durable = false;
    dump(b, root / "slow.blob", options);
    fault_server server(root.path(), {{"/slow.blob", "throttle"}});
    const cli_result r = run_cli(work, {"unpack", server.url("slow.blob"), work / "out", "--connections", "1"});
    require_ok(r, {"fitstore: " + server.url("slow.blob") + ": ", " of ", "/s", "unpacked 1 arrays"});
    const cli_result quiet =
        run_cli(work, {"unpack", server.url("slow.blob"), work / "out2", "--connections", "1", "--no-progress"});
    require_ok(quiet, {"unpacked 1 arrays"});
    CHECK(quiet.output.find("/s,") == std::string::npos);
}
