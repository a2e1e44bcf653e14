// One measurement in a fresh process: the child builds the workload itself,
// so every case starts with the same clean heap, page tables and peak-RSS
// counter. Timings follow PITFALLS.md: before each timed call about twice the
// payload is touched and unmapped (the VM returns freed memory to the host,
// and first touch of such memory runs at a tenth of the speed), buffers are
// page-aligned and advised for huge pages, raw array data sits at 4096-aligned
// file offsets.
#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <cereal/archives/binary.hpp>
#include <cereal/types/vector.hpp>

#include "bench.hpp"
#include "bench_workload.hpp"
#include "fitstore/store.hpp"
#include "io/posix_file.hpp"

namespace fitstore::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Touches `bytes` of fresh anonymous memory and gives it back, so the host has
/// backed the pages the next allocation (or page-cache growth) will get.
void pretouch(std::size_t bytes) {
    if (bytes == 0) return;
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    ::madvise(p, bytes, MADV_HUGEPAGE);
    auto* c = static_cast<volatile char*>(p);
    for (std::size_t i = 0; i < bytes; i += 4096) c[i] = 1;
    ::munmap(p, bytes);
}

/// VmRSS or VmHWM of this process, in bytes.
std::size_t status_bytes(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::size_t n = std::strlen(field);
    while (std::getline(in, line))
        if (line.compare(0, n, field) == 0) return std::stoull(line.substr(n + 1)) * 1024;
    return 0;
}
std::size_t rss() { return status_bytes("VmRSS"); }
std::size_t peak_rss() { return status_bytes("VmHWM"); }

/// Resets the peak-RSS counter to the current RSS (Linux >= 4.0).
void reset_peak() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
}

/// Gives freed heap memory back to the kernel so RSS drops to what is live.
void release_heap() { ::malloc_trim(0); }

std::uint64_t bytes_on_disk(const std::string& path) {
    if (fs::is_directory(path)) {
        std::uint64_t total = 0;
        for (const auto& e : fs::recursive_directory_iterator(path))
            if (e.is_regular_file()) total += e.file_size();
        return total;
    }
    return fs::file_size(path);
}

/// One timed call: seconds, RSS just before it and the peak RSS during it.
struct measured {
    double seconds = 0;
    std::size_t rss_before = 0;
    std::size_t peak = 0;
    /// Peak growth over the RSS before the call.
    std::size_t growth() const { return peak > rss_before ? peak - rss_before : 0; }
};

/// Pre-touches, resets the peak-RSS counter (after the pre-touch, which would
/// otherwise be the peak), then times `fn`.
template <class F>
measured timed(std::size_t touch_bytes, F&& fn) {
    pretouch(touch_bytes);
    measured m;
    m.rss_before = rss();
    reset_peak();
    const double t0 = now();
    fn();
    m.seconds = now() - t0;
    m.peak = peak_rss();
    return m;
}

// ---- the C++ single-blob peer: cereal's binary archive -----------------------

struct cereal_model {
    std::uint64_t n_sv = 0, n_features = 0;
    std::vector<double> support_vectors, dual_coef;
    double intercept = 0;
    std::vector<std::int32_t> n_support, support;

    template <class Archive>
    void serialize(Archive& ar) {
        ar(n_sv, n_features, support_vectors, dual_coef, intercept, n_support, support);
    }
};

cereal_model to_cereal(const svc& model) {
    cereal_model m;
    const auto& sv = model.support_vectors();
    m.n_sv = sv.shape(0);
    m.n_features = sv.shape(1);
    m.support_vectors.assign(sv.begin(), sv.end());
    m.dual_coef.assign(model.dual_coef().begin(), model.dual_coef().end());
    m.intercept = model.intercept()[0];
    m.n_support.assign(model.n_support().begin(), model.n_support().end());
    m.support.assign(model.support().begin(), model.support().end());
    return m;
}

/// The svc a loaded cereal archive describes (copies the vectors; not timed).
svc from_cereal(const cereal_model& m) {
    svc_arrays a;
    a.support_vectors = ndarray<double>::from_values(shape_t{m.n_sv, m.n_features}, m.support_vectors);
    a.dual_coef = ndarray<double>::from_values(shape_t{1, m.n_sv}, m.dual_coef);
    a.intercept = ndarray<double>::from_values({m.intercept});
    a.n_support = ndarray<std::int32_t>::from_values(shape_t{m.n_support.size()}, m.n_support);
    a.support = ndarray<std::int32_t>::from_values(shape_t{m.support.size()}, m.support);
    return workload_svc(std::move(a));
}

json run_cereal(svc model, std::size_t payload, const std::string& dir, std::size_t base_rss) {
    json r;
    const std::string path = dir + "/model.cereal";
    const double expected = first_prediction(model);
    {
        cereal_model m = to_cereal(model);
        model = svc();
        release_heap();
        const measured d = timed(2 * payload, [&] {
            std::ofstream os(path, std::ios::binary | std::ios::trunc);
            cereal::BinaryOutputArchive ar(os);
            ar(m);
            os.close();
            if (!os) throw io_error(path, "", "cereal write failed");
        });
        r["dump_s"] = d.seconds;
        r["dump_peak_rss"] = d.peak - base_rss;
    }
    release_heap();
    r["fsync"] = false;
    r["bytes_on_disk"] = bytes_on_disk(path);
    cereal_model loaded;
    const measured l = timed(2 * payload, [&] {
        std::ifstream is(path, std::ios::binary);
        cereal::BinaryInputArchive ar(is);
        ar(loaded);
    });
    r["load_s"] = l.seconds;
    r["load_peak_rss"] = l.growth();
    r["prediction_matches"] = first_prediction(from_cereal(loaded)) == expected;
    r["decision"] = expected;
    return r;
}

// ---- fitstore cases ---------------------------------------------------------------

json run_fitstore(svc model, std::size_t payload, const json& spec, const std::string& dir,
                  std::size_t base_rss) {
    json r;
    const std::string layout_text = spec.at("layout");
    const bool in_memory = layout_text == "memory";
    dump_options options;
    options.layout = in_memory ? layout::blob : parse_layout(layout_text);
    std::string codec_text = spec.at("codec");
    bool shuffle = false;
    if (const auto plus = codec_text.find("+shuffle"); plus != std::string::npos) {
        shuffle = true;
        codec_text.erase(plus);
    }
    options.codec = parse_codec(codec_text, shuffle);
    options.codec.shuffle = shuffle;
    options.threads = spec.at("threads");
    load_options copy_load;
    copy_load.threads = options.threads;
    const std::string ext = options.layout == layout::hdf5 ? ".h5" : options.layout == layout::blob ? ".blob" : "";
    const std::string path = dir + "/model" + ext;
    const double expected = first_prediction(model);

    // Dump: the model is live, so the peak includes it; the extra is what the dump adds.
    std::vector<std::uint8_t> blob;
    const measured d = timed(2 * payload, [&] {
        if (in_memory)
            blob = dumps(model, options);
        else
            dump(model, path, options);
    });
    r["dump_s"] = d.seconds;
    r["dump_peak_rss"] = d.peak - base_rss;
    r["fsync"] = !in_memory && options.durable;
    if (in_memory) r["bytes_on_disk"] = blob.size();
    if (!in_memory) {
        if (options.codec.id == codec_id::none) {
            // np.save and cereal do not fsync: the same dump without it, for a fair comparison.
            fs::remove_all(path);
            dump_options fast = options;
            fast.durable = false;
            r["dump_nofsync_s"] = timed(2 * payload, [&] { dump(model, path, fast); }).seconds;
        }
        r["bytes_on_disk"] = bytes_on_disk(path);
    }
    model = svc();
    release_heap();

    // Copying load (warm cache: the store was just written).
    {
        svc loaded;
        const measured l = timed(2 * payload, [&] {
            loaded = in_memory ? loads<svc>(blob, copy_load) : load<svc>(path, copy_load);
        });
        r["load_s"] = l.seconds;
        r["load_peak_rss"] = l.growth();
        r["prediction_matches"] = first_prediction(loaded) == expected;
    }
    release_heap();

    // mmap load, then the first prediction straight from the mapped pages.
    if (!in_memory) {
        load_options mapped_load = copy_load;
        mapped_load.mmap = mmap_mode::r;
        load_report report;
        svc mapped;
        r["mmap_load_s"] = timed(2 * payload, [&] { mapped = load<svc>(path, mapped_load, &report); }).seconds;
        bool sv_mapped = false;
        for (const auto& a : report.arrays)
            if (a.key == "support_vectors") sv_mapped = a.mapped;
        r["mapped"] = sv_mapped;
        double got = 0;
        const double t0 = now();
        got = first_prediction(mapped);
        r["first_predict_s"] = now() - t0;
        r["prediction_matches"] = r["prediction_matches"].get<bool>() && got == expected;
    }
    r["decision"] = expected;
    return r;
}

// ---- the machine's limits on the same bytes ------------------------------------

std::uint64_t align_page(std::uint64_t v) { return (v + 4095) / 4096 * 4096; }

json run_limits(svc model, std::size_t payload, const std::string& dir) {
    json r;
    const std::vector<any_array> arrays = model_arrays(model);
    {
        // The floor for a prediction: the best of three passes over resident data.
        double best = 1e300;
        for (int k = 0; k < 3; ++k) {
            const double t0 = now();
            volatile double d = first_prediction(model);
            (void)d;
            best = std::min(best, now() - t0);
        }
        r["predict_heap_s"] = best;
    }
    {
        std::vector<std::shared_ptr<void>> copies;
        r["memcpy_s"] = timed(2 * payload, [&] {
            for (const auto& a : arrays) {
                // Empty arrays (an svc without probabilities) have no buffer: memcpy(null) is UB.
                if (a.nbytes() == 0) continue;
                copies.push_back(allocate_buffer(a.nbytes(), false));
                std::memcpy(copies.back().get(), a.data(), a.nbytes());
            }
        }).seconds;
    }
    release_heap();
    const std::string path = dir + "/limits.raw";
    std::vector<std::uint64_t> offsets;
    {
        detail::unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd) detail::throw_errno(path, "cannot create");
        pretouch(2 * payload);
        const double t0 = now();
        std::uint64_t offset = 0;
        for (const auto& a : arrays) {
            offsets.push_back(offset);
            detail::pwrite_all(fd.get(), a.data(), a.nbytes(), offset, path);
            offset = align_page(offset + a.nbytes());
        }
        const double t1 = now();
        detail::fsync_fd(fd.get(), path);
        const double t2 = now();
        r["write_s"] = t1 - t0;
        r["write_fsync_s"] = t2 - t0;
    }
    {
        std::uint64_t size = 0;
        detail::unique_fd fd = detail::open_regular_readonly(path, size);
        std::vector<std::shared_ptr<void>> buffers;
        r["read_s"] = timed(2 * payload, [&] {
            for (std::size_t i = 0; i < arrays.size(); ++i) {
                const std::size_t n = arrays[i].nbytes();
                buffers.push_back(allocate_buffer(n, false));
                detail::pread_exact(fd.get(), buffers.back().get(), n, offsets[i], path);
            }
        }).seconds;
    }
    r["bytes_on_disk"] = bytes_on_disk(path);
    return r;
}

}  // namespace

int run_child(const std::string& spec_text) {
    const json spec = json::parse(spec_text);
    const std::size_t base_rss = rss();
    const std::size_t size = spec.at("size");
    const data_kind kind = parse_data_kind(spec.at("data"));
    const std::string dir = spec.at("dir");
    fs::create_directories(dir);
    svc model = make_workload(size, kind);
    const std::size_t payload = payload_bytes(model);
    json r;
    const std::string mode = spec.at("mode");
    if (mode == "limits")
        r = run_limits(std::move(model), payload, dir);
    else if (spec.at("layout") == "cereal")
        r = run_cereal(std::move(model), payload, dir, base_rss);
    else
        r = run_fitstore(std::move(model), payload, spec, dir, base_rss);
    r["model_bytes"] = payload;
    fs::remove_all(dir);
    std::cout << r.dump() << std::endl;
    return 0;
}

}  // namespace fitstore::bench
