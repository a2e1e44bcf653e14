// The parent side of `fitstore bench`: plans the cases, runs each repetition
// in a fresh child process (fork + exec of this binary in its hidden child
// mode), aggregates median / min / max, prints the table, checks the issue's
// targets and writes JSON and SVG.
#include "bench.hpp"

#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "bench_workload.hpp"
#include "fitstore/codec.hpp"
#include "fitstore/errors.hpp"
#include "fitstore/store.hpp"

namespace fitstore::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct case_def {
    std::string method;  ///< "fitstore directory zstd:1 t=all"
    std::string layout;
    std::string codec;
    unsigned threads = 0;
    std::string threads_label;
};

/// Codec family for like-for-like comparisons with the peers.
std::string codec_family(const std::string& codec) {
    if (codec == "none") return "none";
    if (codec.find("lz4") != std::string::npos) return "lz4";
    if (codec.find("zstd") != std::string::npos) return "zstd";
    if (codec.find("zlib") != std::string::npos || codec.find("gzip") != std::string::npos) return "zlib";
    return codec;
}

std::vector<case_def> plan_cases(const bench_config& config) {
    std::vector<case_def> cases;
    const unsigned all = std::max(1u, std::thread::hardware_concurrency());
    for (const auto& layout : config.layouts) {
        if (layout == "cereal") {
            cases.push_back({"cereal binary", "cereal", "none", 1, "1"});
            continue;
        }
        if (layout != "memory") (void)parse_layout(layout);
        for (const auto& codec : config.codecs) {
            std::string base = codec;
            const auto plus = base.find("+shuffle");
            if (plus != std::string::npos) base.erase(plus);
            validate_codec(parse_codec(base));
            // The hdf5 layout refuses alp (no HDF5 reader could decode it): no such case.
            if (layout == "hdf5" && parse_codec(base).id == codec_id::alp) continue;
            for (const auto& t : config.threads) {
                unsigned n = 0;
                if (t == "all")
                    n = 0;
                else {
                    try {
                        n = static_cast<unsigned>(std::stoul(t));
                    } catch (const std::exception&) {
                        throw usage_error("", "threads", "expected a number or \"all\", found \"" + t + "\"");
                    }
                    if (n == 0) throw usage_error("", "threads", "expected at least 1 thread, found 0");
                }
                const std::string label = t == "all" ? "all(" + std::to_string(all) + ")" : t;
                const std::string name = layout == "memory" ? "blob-in-memory" : layout;
                cases.push_back({"fitstore " + name + " " + codec + " t=" + label, layout, codec, n, label});
            }
        }
    }
    return cases;
}

/// Runs `exe bench --child SPEC` and returns its one-line JSON result.
json run_child_process(const std::string& exe, const json& spec) {
    int fds[2];
    if (::pipe(fds) != 0) throw io_error("", "", "pipe failed");
    const std::string spec_text = spec.dump();
    const pid_t pid = ::fork();
    if (pid < 0) throw io_error("", "", "fork failed");
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::close(fds[0]);
        ::close(fds[1]);
        const char* argv[] = {exe.c_str(), "bench", "--child", spec_text.c_str(), nullptr};
        ::execv(exe.c_str(), const_cast<char* const*>(argv));
        std::perror("fitstore bench: exec failed");
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw error("", "", "benchmark child failed (" + spec_text + "): exit status " + std::to_string(status));
    // The result is the child's last line.
    while (!out.empty() && out.back() == '\n') out.pop_back();
    const auto start = out.rfind('\n');
    const std::string last = start == std::string::npos ? out : out.substr(start + 1);
    if (last.empty() || last.front() != '{') throw error("", "", "benchmark child printed no result: " + out);
    return json::parse(last);
}

/// median / min / max of every numeric field over the repetitions; booleans are ANDed.
json aggregate(const std::vector<json>& runs) {
    json out = json::object();
    std::set<std::string> keys;
    for (const auto& r : runs)
        for (const auto& item : r.items()) keys.insert(item.key());
    for (const auto& key : keys) {
        std::vector<double> values;
        bool all_true = true, is_bool = false;
        for (const auto& r : runs) {
            if (!r.contains(key)) continue;
            if (r[key].is_boolean()) {
                is_bool = true;
                all_true = all_true && r[key].get<bool>();
            } else if (r[key].is_number()) {
                values.push_back(r[key].get<double>());
            }
        }
        if (is_bool) {
            out[key] = all_true;
            continue;
        }
        if (values.empty()) continue;
        std::sort(values.begin(), values.end());
        const std::size_t n = values.size();
        const double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
        out[key] = {{"median", median}, {"min", values.front()}, {"max", values.back()}, {"n", n}};
    }
    return out;
}

double med(const json& metrics, const std::string& key) {
    if (!metrics.contains(key) || !metrics[key].is_object()) return std::nan("");
    return metrics[key]["median"].get<double>();
}

/// Ratios of a result's figures to the machine's limits (throughput / limit throughput).
json limit_ratios(const json& row, const json& limits) {
    json ratios = json::object();
    const json& m = row["metrics"];
    const bool in_memory = row.value("layout", "") == "memory" || row.value("in_memory", false);
    auto put = [&](const std::string& name, const std::string& metric, const std::string& limit) {
        const double t = med(m, metric), l = med(limits, limit);
        if (std::isfinite(t) && std::isfinite(l) && t > 0) ratios[name] = l / t;
    };
    const bool fsync = m.value("fsync", false);
    put("dump", "dump_s", in_memory ? "memcpy_s" : fsync ? "write_fsync_s" : "write_s");
    put("dump_nofsync", "dump_nofsync_s", "write_s");
    put("load", "load_s", in_memory ? "memcpy_s" : "read_s");
    put("first_predict", "first_predict_s", "predict_heap_s");
    return ratios;
}

std::string fmt(const char* f, double v) {
    if (!std::isfinite(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string gbps(double bytes, double seconds) { return fmt("%.2f", bytes / seconds / 1e9); }

std::string pad(const std::string& s, std::size_t w, bool left = false) {
    if (s.size() >= w) return s;
    return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}

void print_size_table(const std::string& size, const json& limits, const std::vector<const json*>& rows) {
    const double bytes = limits["model_bytes"]["median"].get<double>();
    std::cout << "\n== model " << size << " (" << fmt("%.1f", bytes / 1048576.0)
              << " MiB payload; GB/s = 1e9 bytes of payload per second; median of runs, [min-max]) ==\n";
    std::cout << "limits: memcpy " << gbps(bytes, med(limits, "memcpy_s")) << " GB/s | write() "
              << gbps(bytes, med(limits, "write_s")) << " | write()+fsync " << gbps(bytes, med(limits, "write_fsync_s"))
              << " | page-aligned read() " << gbps(bytes, med(limits, "read_s")) << " | predict on heap "
              << fmt("%.1f", 1e3 * med(limits, "predict_heap_s")) << " ms\n";
    std::cout << pad("method", 50, true) << pad("dump GB/s [range] xlim", 28) << pad("no-fsync xlim", 16)
              << pad("load GB/s [range] xlim", 28) << pad("mmap ms", 11) << pad("1st pred ms", 12)
              << pad("disk MiB", 10) << pad("ratio", 7) << pad("dump+MiB", 9) << pad("load xmodel", 12) << "\n";
    for (const json* rp : rows) {
        const json& r = *rp;
        const json& m = r["metrics"];
        const json& q = r["ratios"];
        auto range = [&](const std::string& key) {
            if (!m.contains(key) || !m[key].is_object()) return std::string("-");
            return gbps(bytes, m[key]["median"].get<double>()) + " [" + gbps(bytes, m[key]["max"].get<double>()) +
                   "-" + gbps(bytes, m[key]["min"].get<double>()) + "]";
        };
        auto ratio = [&](const std::string& key) {
            return q.contains(key) ? " x" + fmt("%.2f", q[key].get<double>()) : std::string();
        };
        std::string dump = range("dump_s") + ratio("dump") + (m.value("fsync", false) ? " F" : "");
        std::string nofsync = m.contains("dump_nofsync_s") ? gbps(bytes, med(m, "dump_nofsync_s")) + ratio("dump_nofsync")
                                                           : std::string("-");
        const double disk = med(m, "bytes_on_disk");
        std::string pred = fmt("%.1f", 1e3 * med(m, "first_predict_s"));
        if (q.contains("first_predict")) pred += " x" + fmt("%.2f", q["first_predict"].get<double>());
        std::string mmap = fmt("%.3f", 1e3 * med(m, "mmap_load_s"));
        if (m.contains("mapped") && !m["mapped"].get<bool>()) mmap += "c";
        std::cout << pad(r["method"].get<std::string>(), 50, true) << pad(dump, 28) << pad(nofsync, 16)
                  << pad(range("load_s") + ratio("load"), 28) << pad(mmap, 11) << pad(pred, 12)
                  << pad(fmt("%.1f", disk / 1048576.0), 10) << pad(fmt("%.2f", bytes / disk), 7)
                  << pad(fmt("%.1f", (med(m, "dump_peak_rss") - bytes) / 1048576.0), 9)
                  << pad(fmt("%.3f", med(m, "load_peak_rss") / bytes), 12) << "\n";
    }
}

json machine_info() {
    json m;
    std::ifstream cpu("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpu, line))
        if (line.rfind("model name", 0) == 0) {
            m["cpu"] = line.substr(line.find(':') + 2);
            break;
        }
    m["cores"] = std::thread::hardware_concurrency();
    std::ifstream mem("/proc/meminfo");
    while (std::getline(mem, line))
        if (line.rfind("MemTotal:", 0) == 0) m["memory_kib"] = std::stoull(line.substr(9));
    struct utsname u {};
    if (::uname(&u) == 0) m["kernel"] = std::string(u.sysname) + " " + u.release;
    std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
    if (std::getline(thp, line)) m["transparent_hugepage"] = line;
    return m;
}

const std::vector<std::string>& method_notes() {
    static const std::vector<std::string> notes = {
        "Each repetition of each case runs in a fresh child process (fork + exec of this binary).",
        "Loads run right after the dump in the same child: the page cache is warm (no disk reads).",
        "Before every timed call the child touches and unmaps 2x the payload: this VM returns freed memory to the "
        "host within 1-2 s and first touch of such memory is 10x slower.",
        "Load buffers are page-aligned (huge-page aligned and MADV_HUGEPAGE above 8 MiB); raw array data sits at "
        "4096-aligned file offsets in every layout and in the limit file.",
        "dump figures marked F fsync the data before publishing (dump_options.durable, the default); np.save, pickle, "
        "joblib and cereal do not: compare those with the no-fsync column (uncompressed cases) and with write().",
        "Limits on the same bytes: memcpy and read() into fresh page-aligned memory, write() to a file (page cache), "
        "write()+fsync. xlim = throughput / limit throughput (blob-in-memory is compared with memcpy).",
        "Peak RSS from VmHWM, reset with /proc/self/clear_refs before each call; dump+MiB = peak during the dump "
        "minus the model itself; load xmodel = peak growth during a copying load / model bytes.",
        "First prediction: svc::decision_function of one sample (BLAS over every support vector: one pass over "
        "support_vectors and dual_coef) straight after an mmap load; x = time of the same call on resident heap "
        "memory / time after the mmap load. mmap ms marked c: arrays were compressed, so decoded into memory.",
    };
    return notes;
}

}  // namespace

std::size_t parse_size(const std::string& text) {
    if (text.empty()) throw usage_error("", "sizes", "empty size");
    std::size_t mult = 1;
    std::string digits = text;
    const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
    if (last == 'K' || last == 'M' || last == 'G') {
        mult = last == 'K' ? (1u << 10) : last == 'M' ? (1u << 20) : (1u << 30);
        digits.pop_back();
    }
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(digits, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != digits.size() || digits.empty() || v == 0)
        throw usage_error("", "sizes", "expected a size like 16M, 1G or 65536, found \"" + text + "\"");
    return static_cast<std::size_t>(v) * mult;
}

int render_report(nlohmann::json report, const bench_config& config);

int run_bench(const bench_config& config) {
    if (!config.from_json.empty()) {
        std::ifstream in(config.from_json);
        if (!in) throw usage_error(config.from_json, "", "cannot open the saved report");
        return render_report(json::parse(in), config);
    }
    const std::vector<case_def> cases = plan_cases(config);
    const data_kind kind = parse_data_kind(config.data);
    (void)kind;
    if (config.repeats == 0) throw usage_error("", "repeats", "expected at least 1 repetition");
    std::vector<std::pair<std::string, std::size_t>> sizes;
    for (const auto& s : config.sizes) sizes.emplace_back(s, parse_size(s));
    const std::string exe = config.self_exe.empty() ? fs::read_symlink("/proc/self/exe").string() : config.self_exe;
    const std::string work = config.work_dir + "/fitstore-bench-" + std::to_string(::getpid());

    json report;
    report["tool"] = "fitstore bench";
    report["data"] = config.data;
    report["repeats"] = config.repeats;
    report["machine"] = machine_info();
    report["notes"] = method_notes();
    report["features"] = k_features;
    const std::time_t t = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    report["date"] = stamp;
    report["limits"] = json::object();
    report["results"] = json::array();

    const double t_start = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    std::size_t run = 0;
    const std::size_t total_runs = sizes.size() * (cases.size() + 1) * config.repeats;
    auto progress = [&](const std::string& what) {
        ++run;
        // A terminal gets one updating line, a log one line per run.
        static const bool tty = ::isatty(2) != 0;
        std::cerr << (tty ? "\r" : "") << "[" << run << "/" << total_runs << "] " << what << (tty ? "                    " : "\n")
                  << std::flush;
    };
    for (const auto& [label, bytes] : sizes) {
        json spec = {{"size", bytes}, {"data", config.data}, {"dir", work + "/case"}};
        std::vector<json> runs;
        for (unsigned k = 0; k < config.repeats; ++k) {
            progress(label + " limits");
            json s = spec;
            s["mode"] = "limits";
            runs.push_back(run_child_process(exe, s));
        }
        json limits = aggregate(runs);
        report["limits"][label] = limits;
        for (const auto& c : cases) {
            runs.clear();
            for (unsigned k = 0; k < config.repeats; ++k) {
                progress(label + " " + c.method);
                json s = spec;
                s["mode"] = "case";
                s["layout"] = c.layout;
                s["codec"] = c.codec;
                s["threads"] = c.threads;
                runs.push_back(run_child_process(exe, s));
            }
            json row;
            row["source"] = "fitstore bench";
            row["size"] = label;
            row["method"] = c.method;
            row["layout"] = c.layout;
            row["codec"] = c.codec;
            row["family"] = codec_family(c.codec);
            row["threads"] = c.threads_label;
            row["metrics"] = aggregate(runs);
            row["ratios"] = limit_ratios(row, limits);
            report["results"].push_back(row);
        }
        // A long run keeps what it has measured so far, size by size.
        if (!config.json_path.empty()) {
            std::ofstream partial(config.json_path + ".partial");
            partial << report.dump(1) << "\n";
        }
    }
    std::cerr << "\n";
    std::error_code ignored;
    fs::remove_all(work, ignored);
    report["elapsed_s"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count() - t_start;
    return render_report(report, config);
}

int render_report(json report, const bench_config& config) {
    json peers = json::object();
    if (!config.peers_json.empty()) {
        std::ifstream in(config.peers_json);
        if (!in) throw usage_error(config.peers_json, "", "cannot open the peers JSON");
        peers = json::parse(in);
    }
    std::vector<std::string> sizes;
    for (const auto& item : report["limits"].items()) sizes.push_back(item.key());
    std::sort(sizes.begin(), sizes.end(), [&](const std::string& a, const std::string& b) {
        return report["limits"][a]["model_bytes"]["median"].get<double>() <
               report["limits"][b]["model_bytes"]["median"].get<double>();
    });
    // The peers' rows, with ratios to this run's limits on the same bytes (once:
    // a saved report may hold them already).
    bool has_peers = false;
    for (const auto& r : report["results"]) has_peers = has_peers || r.value("source", "") == "peers.py";
    if (peers.contains("results") && !has_peers)
        for (json row : peers["results"]) {
            const std::string size = row.value("size", "");
            if (!report["limits"].contains(size)) continue;
            row["ratios"] = limit_ratios(row, report["limits"][size]);
            report["results"].push_back(row);
        }

    std::cout << "fitstore bench: " << report["machine"].value("cpu", "?") << ", " << report["machine"]["cores"]
              << " cores, " << (report["machine"].value("memory_kib", 0ull) >> 20) << " GiB, "
              << report["machine"].value("kernel", "") << "; data " << report.value("data", "") << ", "
              << report.value("repeats", 0) << " runs per case\n";
    for (const auto& label : sizes) {
        std::vector<const json*> rows;
        for (const auto& r : report["results"])
            if (r["size"] == label) rows.push_back(&r);
        print_size_table(label, report["limits"][label], rows);
    }
    std::cout << "\nHow this was measured:\n";
    for (const auto& n : method_notes()) std::cout << "- " << n << "\n";
    report["targets"] = check_targets(report);
    if (!report["targets"].empty()) {
        std::cout << "\nTargets (issue 7):\n";
        for (const auto& t : report["targets"])
            std::cout << (t["met"].is_null() ? "[n/a]    " : t["met"].get<bool>() ? "[met]    " : "[MISSED] ")
                      << t["target"].get<std::string>() << ": " << t["measured"].get<std::string>() << "\n";
    }
    if (!config.json_path.empty()) {
        std::ofstream out(config.json_path);
        out << report.dump(1) << "\n";
        if (!out) throw io_error(config.json_path, "", "cannot write the JSON report");
        std::error_code ignored_partial;
        fs::remove(config.json_path + ".partial", ignored_partial);
    }
    if (!config.chart_path.empty()) write_chart(report, config.chart_path);
    return 0;
}

}  // namespace fitstore::bench
