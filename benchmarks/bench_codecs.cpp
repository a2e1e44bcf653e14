// `fitstore bench --codec-speed`: the codecs alone, on the float arrays of the
// benchmark model (realistic and random) and on .npy files (scikit-learn
// support vectors, forest thresholds: benchmarks/make_sklearn_npy.py). Chunks
// of 4 MiB, as dump makes them, encoded and decoded by one thread (per-core
// figures, in thread CPU time so other load on a shared machine does not count,
// and in wall time) and by the pool on every core (wall time).
#include "bench_codecs.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>

#include "bench.hpp"
#include "bench_workload.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/npy.hpp"
#include "io/thread_pool.hpp"

namespace fitstore::bench {
namespace {

using nlohmann::json;

constexpr std::size_t k_chunk_bytes = std::size_t{4} << 20;
constexpr double k_min_seconds = 0.25;  // each measurement repeats its pass until this long

struct data_set {
    std::string name;
    std::size_t item = 8;
    std::vector<std::uint8_t> bytes;
};

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The float64 arrays of the benchmark model (support vectors and dual
// coefficients) in one buffer.
data_set model_floats(std::size_t size, data_kind kind) {
    data_set d;
    d.name = std::string(kind == data_kind::realistic ? "realistic" : "random") + " model " + std::to_string(size >> 20) +
             "M";
    for (const any_array& a : model_arrays(make_workload(size, kind))) {
        if (a.type() != dtype::float64) continue;
        const auto* p = static_cast<const std::uint8_t*>(a.data());
        d.bytes.insert(d.bytes.end(), p, p + a.nbytes());
    }
    return d;
}

data_set npy_floats(const std::string& path) {
    const any_array a = read_npy(path);
    if (a.type() != dtype::float64 && a.type() != dtype::float32)
        throw usage_error(path, "dtype", "expected a float32 or float64 array, found " + std::string(dtype_name(a.type())));
    data_set d;
    d.name = std::filesystem::path(path).stem().string();
    d.item = itemsize(a.type());
    const auto* p = static_cast<const std::uint8_t*>(a.data());
    d.bytes.assign(p, p + a.nbytes());
    return d;
}

struct chunked {
    std::vector<std::pair<std::size_t, std::size_t>> ranges;  // offset, length
    explicit chunked(const data_set& d) {
        const std::size_t chunk = k_chunk_bytes / d.item * d.item;
        for (std::size_t off = 0; off < d.bytes.size(); off += chunk)
            ranges.emplace_back(off, std::min(chunk, d.bytes.size() - off));
    }
};

// Best of 3 measurements, each repeating `pass` until it has run k_min_seconds;
// returns seconds per pass in the clock `now`.
template <class Clock, class Pass>
double best_seconds(Clock now, Pass pass) {
    double best = 1e300;
    for (int m = 0; m < 3; ++m) {
        const double start = now();
        int passes = 0;
        do {
            pass();
            ++passes;
        } while (now() - start < k_min_seconds);
        best = std::min(best, (now() - start) / passes);
    }
    return best;
}

json measure(const data_set& d, const std::string& codec_text, detail::thread_pool& pool) {
    const codec_spec spec = parse_codec(codec_text);
    const chunked c(d);
    std::vector<std::vector<std::uint8_t>> stored(c.ranges.size());
    std::vector<std::uint8_t> back(d.bytes.size());
    const auto encode_one = [&](std::size_t i) {
        encode_chunk(spec, d.item, d.bytes.data() + c.ranges[i].first, c.ranges[i].second, stored[i]);
    };
    const auto decode_one = [&](std::size_t i) {
        decode_chunk(spec, d.item, stored[i].data(), stored[i].size(), back.data() + c.ranges[i].first,
                     c.ranges[i].second, d.name, "chunk");
    };
    const auto serial = [&](const auto& one) {
        return [&] {
            for (std::size_t i = 0; i < c.ranges.size(); ++i) one(i);
        };
    };
    const auto parallel = [&](const auto& one) {
        return [&] {
            std::vector<std::future<void>> f;
            for (std::size_t i = 0; i < c.ranges.size(); ++i) f.push_back(pool.submit([&one, i] { one(i); }));
            for (auto& x : f) x.get();
        };
    };
    const double enc_cpu = best_seconds(cpu_seconds, serial(encode_one));
    const double enc_wall = best_seconds(wall_seconds, serial(encode_one));
    const double enc_all = best_seconds(wall_seconds, parallel(encode_one));
    std::size_t stored_bytes = 0;
    for (const auto& s : stored) stored_bytes += s.size();
    const double dec_cpu = best_seconds(cpu_seconds, serial(decode_one));
    const double dec_wall = best_seconds(wall_seconds, serial(decode_one));
    const double dec_all = best_seconds(wall_seconds, parallel(decode_one));
    if (back != d.bytes) throw error(d.name, codec_text, "decoded bytes differ from the original");
    const double gb = static_cast<double>(d.bytes.size()) / 1e9;
    return {{"data", d.name},
            {"codec", codec_text},
            {"raw_bytes", d.bytes.size()},
            {"stored_bytes", stored_bytes},
            {"ratio", static_cast<double>(d.bytes.size()) / static_cast<double>(std::max<std::size_t>(stored_bytes, 1))},
            {"encode_gbps_core_cpu", gb / enc_cpu},
            {"decode_gbps_core_cpu", gb / dec_cpu},
            {"encode_gbps_core_wall", gb / enc_wall},
            {"decode_gbps_core_wall", gb / dec_wall},
            {"encode_gbps_all_wall", gb / enc_all},
            {"decode_gbps_all_wall", gb / dec_all}};
}

void print_row(const json& r) {
    std::printf("%-34s %-7s %6.2f  %6.2f %6.2f  %6.2f %6.2f  %6.2f %6.2f\n", r["data"].get<std::string>().c_str(),
                r["codec"].get<std::string>().c_str(), r["ratio"].get<double>(), r["encode_gbps_core_cpu"].get<double>(),
                r["decode_gbps_core_cpu"].get<double>(), r["encode_gbps_core_wall"].get<double>(),
                r["decode_gbps_core_wall"].get<double>(), r["encode_gbps_all_wall"].get<double>(),
                r["decode_gbps_all_wall"].get<double>());
}

// The codec targets, judged on the alp rows of the model data.
json judge(const json& rows) {
    json out = json::array();
    for (const json& r : rows) {
        if (r["codec"] != "alp") continue;
        const std::string data = r["data"];
        const double ratio = r["ratio"], enc = r["encode_gbps_core_cpu"], dec = r["decode_gbps_core_cpu"];
        if (data.rfind("realistic model", 0) == 0) {
            out.push_back({{"target", "realistic: alp ratio >= 4.5"}, {"data", data}, {"measured", ratio}, {"met", ratio >= 4.5}});
            out.push_back({{"target", "realistic: alp encode >= 1 GB/s per core"}, {"data", data}, {"measured", enc}, {"met", enc >= 1.0}});
            out.push_back({{"target", "realistic: alp decode >= 2 GB/s per core"}, {"data", data}, {"measured", dec}, {"met", dec >= 2.0}});
        } else if (data.rfind("random model", 0) == 0) {
            out.push_back({{"target", "random: alp ratio >= 1.0"}, {"data", data}, {"measured", ratio}, {"met", ratio >= 1.0}});
            out.push_back({{"target", "random: alp encode >= 1 GB/s per core"}, {"data", data}, {"measured", enc}, {"met", enc >= 1.0}});
        }
    }
    return out;
}

}  // namespace

int run_codec_bench(const codec_bench_config& config) {
    std::vector<data_set> sets;
    for (const std::string& size : config.sizes) {
        sets.push_back(model_floats(parse_size(size), data_kind::realistic));
        sets.push_back(model_floats(parse_size(size), data_kind::random));
    }
    for (const std::string& path : config.npy) sets.push_back(npy_floats(path));
    detail::thread_pool pool(std::max(1u, std::thread::hardware_concurrency()));
    std::printf("Codecs alone, %zu MiB chunks; GB/s of raw bytes; per core = one thread (thread CPU time, then wall "
                "time), all = %u threads (wall time)\n",
                k_chunk_bytes >> 20, pool.size());
    std::printf("%-34s %-7s %6s  %13s  %13s  %13s\n", "data", "codec", "ratio", "core cpu e/d", "core wall e/d",
                "all wall e/d");
    json rows = json::array();
    for (const data_set& d : sets) {
        for (const std::string& codec : config.codecs) {
            if (is_float_codec(parse_codec(codec).id) && d.item != 4 && d.item != 8) continue;
            rows.push_back(measure(d, codec, pool));
            print_row(rows.back());
            std::fflush(stdout);
        }
    }
    const json targets = judge(rows);
    for (const json& t : targets)
        std::printf("target %-44s %-22s %7.2f  %s\n", t["target"].get<std::string>().c_str(),
                    t["data"].get<std::string>().c_str(), t["measured"].get<double>(),
                    t["met"].get<bool>() ? "met" : "MISSED");
    if (!config.json_path.empty()) {
        std::ofstream out(config.json_path);
        out << json{{"codec_speed", rows}, {"targets", targets}, {"cores", pool.size()}}.dump(1) << "\n";
        if (!out) throw io_error(config.json_path, "", "cannot write the JSON report");
    }
    return 0;
}

}  // namespace fitstore::bench
