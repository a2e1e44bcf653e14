// The targets, judged from one report: ratios, never pass/fail tests.
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "bench.hpp"

namespace fitstore::bench {
namespace {

using nlohmann::json;

double med(const json& row, const std::string& key) {
    const json& m = row["metrics"];
    if (!m.contains(key) || !m[key].is_object()) return std::nan("");
    return m[key]["median"].get<double>();
}

/// GB/s of payload for the median of `key`.
double rate(const json& row, const std::string& key) {
    return med(row, "model_bytes") / med(row, key) / 1e9;
}

std::string f2(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

struct finder {
    const json& report;
    const json* find(const std::string& size, const std::function<bool(const json&)>& pred) const {
        for (const auto& r : report["results"])
            if (r["size"] == size && pred(r)) return &r;
        return nullptr;
    }
    const json* fitstore(const std::string& size, const std::string& layout, const std::string& codec,
                         bool all_threads) const {
        return find(size, [&](const json& r) {
            return r.value("source", "") == "fitstore bench" && r["layout"] == layout && r["codec"] == codec &&
                   (r["threads"].get<std::string>() == "1") != all_threads;
        });
    }
    const json* peer(const std::string& size, const std::string& id) const {
        return find(size, [&](const json& r) { return r.value("peer_id", "") == id; });
    }
};

}  // namespace

json check_targets(const json& report) {
    json out = json::array();
    finder f{report};
    std::vector<std::string> sizes;
    for (const auto& item : report["limits"].items()) sizes.push_back(item.key());
    // Targets are judged at the sizes of 256 MiB and more (all sizes in a --quick run).
    std::vector<std::string> big;
    for (const auto& s : sizes)
        if (report["limits"][s]["model_bytes"]["median"].get<double>() >= 250e6) big.push_back(s);
    if (big.empty()) big = sizes;
    auto add = [&](const std::string& target, const std::string& size, const std::string& measured, json met) {
        out.push_back({{"target", target}, {"size", size}, {"measured", measured}, {"met", met}});
    };
    const std::vector<std::string> file_layouts = {"directory", "hdf5", "blob"};

    for (const auto& size : big) {
        const json& limits = report["limits"][size];
        const double read_limit = limits["model_bytes"]["median"].get<double>() / limits["read_s"]["median"].get<double>() / 1e9;
        const json* np = f.peer(size, "numpy");
        for (const auto& layout : file_layouts) {
            const json* r = f.fitstore(size, layout, "none", true);
            if (!r) continue;
            // 1. uncompressed dump vs np.save (neither fsyncs)
            const double d = rate(*r, "dump_nofsync_s");
            if (np) {
                const double p = rate(*np, "dump_s");
                add("uncompressed dump (no fsync) >= 1.0 x np.save, " + layout, size,
                    f2(d) + " vs " + f2(p) + " GB/s = x" + f2(d / p) + " (with fsync: " + f2(rate(*r, "dump_s")) +
                        " GB/s)",
                    d >= p);
            } else {
                add("uncompressed dump (no fsync) >= 1.0 x np.save, " + layout, size,
                    f2(d) + " GB/s; no peers JSON (issue's np.save figure: 5.2 GB/s, x" + f2(d / 5.2) + ")", nullptr);
            }
            // 2. copying load vs the page-aligned read() limit
            const double l = rate(*r, "load_s");
            add("copying load >= 0.9 x page-aligned read() limit, " + layout, size,
                f2(l) + " vs " + f2(read_limit) + " GB/s = x" + f2(l / read_limit), l >= 0.9 * read_limit);
        }
        // 4./5. compressed dumps on all cores against joblib
        struct vs {
            std::string codec, peer, name;
            double factor;
        };
        for (const vs& v : {vs{"zstd:1", "joblib3", "joblib compress=3", 10.0}, vs{"lz4", "joblib_lz4", "joblib lz4", 20.0}}) {
            const json* p = f.peer(size, v.peer);
            for (const auto& layout : file_layouts) {
                const json* r = f.fitstore(size, layout, v.codec, true);
                if (!r) continue;
                const std::string target = v.codec + " dump on all cores >= " + f2(v.factor) + " x " + v.name +
                                           (v.codec == "zstd:1" ? " at no larger a file, " : ", ") + layout;
                if (!p) {
                    add(target, size, f2(rate(*r, "dump_s")) + " GB/s; no peers JSON", nullptr);
                    continue;
                }
                const double x = rate(*r, "dump_s") / rate(*p, "dump_s");
                const double bytes_r = med(*r, "bytes_on_disk"), bytes_p = med(*p, "bytes_on_disk");
                const bool smaller = v.codec != "zstd:1" || bytes_r <= bytes_p;
                add(target, size,
                    f2(rate(*r, "dump_s")) + " vs " + f2(rate(*p, "dump_s")) + " GB/s = x" + f2(x) + "; file " +
                        f2(bytes_r / 1048576.0) + " vs " + f2(bytes_p / 1048576.0) + " MiB",
                    x >= v.factor && smaller);
            }
        }
        // alp (issue 19): a compressed dump at close to uncompressed speed, far faster than joblib, smaller files
        const json* joblib3 = f.peer(size, "joblib3");
        for (const auto& layout : {"directory", "blob", "memory"}) {
            const json* a = f.fitstore(size, layout, "alp", true);
            const json* n = f.fitstore(size, layout, "none", true);
            if (!a) continue;
            const double ratio = med(*a, "model_bytes") / med(*a, "bytes_on_disk");
            if (report.value("data", std::string("realistic")) == "realistic")
                add(std::string("alp ratio >= 4.5 on realistic data, ") + layout, size, f2(ratio), ratio >= 4.5);
            if (n) {
                const double x = rate(*a, "dump_s") / rate(*n, "dump_s");
                add(std::string("alp dump on all cores >= 0.8 x uncompressed dump, ") + layout, size,
                    f2(rate(*a, "dump_s")) + " vs " + f2(rate(*n, "dump_s")) + " GB/s = x" + f2(x), x >= 0.8);
            }
            const std::string target = std::string("alp dump on all cores >= 30 x joblib compress=3 at a smaller file, ") + layout;
            if (!joblib3) {
                add(target, size, f2(rate(*a, "dump_s")) + " GB/s; no peers JSON", nullptr);
                continue;
            }
            const double x = rate(*a, "dump_s") / rate(*joblib3, "dump_s");
            const double bytes_a = med(*a, "bytes_on_disk"), bytes_j = med(*joblib3, "bytes_on_disk");
            add(target, size,
                f2(rate(*a, "dump_s")) + " vs " + f2(rate(*joblib3, "dump_s")) + " GB/s = x" + f2(x) + "; file " +
                    f2(bytes_a / 1048576.0) + " vs " + f2(bytes_j / 1048576.0) + " MiB",
                x >= 30.0 && bytes_a < bytes_j);
        }
        // 6. parallel speed-up of zstd:3
        for (const auto& layout : {"directory", "hdf5", "blob", "memory"}) {
            const json* one = f.fitstore(size, layout, "zstd:3", false);
            const json* all = f.fitstore(size, layout, "zstd:3", true);
            if (!one || !all) continue;
            const double x = med(*one, "dump_s") / med(*all, "dump_s");
            add(std::string("all-cores zstd:3 dump >= 1.7 x one thread, ") + layout, size, "x" + f2(x), x >= 1.7);
        }
        // 9. faster than every Python peer of the same codec family
        for (const auto& p : report["results"]) {
            if (p["size"] != size || p.value("source", "") != "peers.py") continue;
            const std::string family = p.value("family", "");
            double best_dump = 0, best_load = 0;
            std::string dump_by, load_by;
            for (const auto& r : report["results"]) {
                if (r["size"] != size || r.value("source", "") != "fitstore bench" || r["layout"] == "cereal" ||
                    r.value("family", "") != family)
                    continue;
                const bool in_memory_peer = p.value("in_memory", false);
                if (in_memory_peer != (r["layout"] == "memory")) continue;
                const double d = std::max(rate(r, "dump_s"), r["metrics"].contains("dump_nofsync_s") ? rate(r, "dump_nofsync_s") : 0.0);
                if (d > best_dump) best_dump = d, dump_by = r["method"];
                if (rate(r, "load_s") > best_load) best_load = rate(r, "load_s"), load_by = r["method"];
            }
            if (dump_by.empty()) continue;
            const double pd = rate(p, "dump_s"), pl = rate(p, "load_s");
            add("faster than " + p["method"].get<std::string>() + " (" + family + ")", size,
                "dump " + f2(best_dump) + " (" + dump_by + ") vs " + f2(pd) + " GB/s = x" + f2(best_dump / pd) +
                    "; load " + f2(best_load) + " (" + load_by + ") vs " + f2(pl) + " GB/s = x" + f2(best_load / pl),
                best_dump > pd && best_load > pl);
        }
    }
    // 3. mmap load time, and flat across sizes
    for (const auto& layout : file_layouts) {
        double lo = INFINITY, hi = 0;
        std::string text;
        for (const auto& size : sizes) {
            const json* r = f.fitstore(size, layout, "none", true);
            if (!r) continue;
            const double ms = 1e3 * med(*r, "mmap_load_s");
            lo = std::min(lo, ms);
            hi = std::max(hi, ms);
            text += (text.empty() ? "" : ", ") + size + " " + f2(ms) + " ms";
        }
        if (text.empty()) continue;
        add("mmap load <= 0.5 ms and flat across sizes, " + layout, "all", text, hi <= 0.5 && hi <= 2.0 * lo + 0.05);
    }
    // 7./8. peak RSS
    for (const auto& size : sizes) {
        const double model = report["limits"][size]["model_bytes"]["median"].get<double>();
        double worst_dump = 0, worst_load = 0;
        std::string dump_by, load_by, blob_extra;
        for (const auto& r : report["results"]) {
            if (r["size"] != size || r.value("source", "") != "fitstore bench" || r["layout"] == "cereal") continue;
            const double extra = med(r, "dump_peak_rss") - model;
            const double load = med(r, "load_peak_rss") / model;
            if (r["layout"] == "memory") {
                if (blob_extra.empty()) blob_extra = f2(extra / 1048576.0);
                continue;  // the in-memory blob is itself a second copy: shown apart
            }
            if (extra > worst_dump) worst_dump = extra, dump_by = r["method"];
            if (load > worst_load) worst_load = load, load_by = r["method"];
        }
        if (dump_by.empty()) continue;
        add("peak RSS of a dump <= model + 64 MiB (file layouts)", size,
            "worst +" + f2(worst_dump / 1048576.0) + " MiB (" + dump_by + "); blob in memory: " +
                (blob_extra.empty() ? std::string("not run") : "+" + blob_extra + " MiB (the blob itself)"),
            worst_dump <= 64.0 * 1048576.0);
        add("peak RSS of a copying load <= 1.05 x model (file layouts)", size,
            "worst x" + f2(worst_load) + " (" + load_by + ")", worst_load <= 1.05);
    }
    return out;
}

}  // namespace fitstore::bench
