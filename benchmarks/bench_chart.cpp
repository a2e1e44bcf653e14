// A hand-written SVG chart of one benchmark report (its largest size): dump and
// load throughput per method beside the machine's limits, and bytes on disk.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <tuple>
#include <vector>

#include "bench.hpp"
#include "fitstore/errors.hpp"

namespace fitstore::bench {
namespace {

using nlohmann::json;

double med(const json& metrics, const std::string& key) {
    if (!metrics.contains(key) || !metrics[key].is_object()) return std::nan("");
    return metrics[key]["median"].get<double>();
}

std::string num(double v, const char* f = "%.1f") {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string esc(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

/// A "nice" axis maximum and tick step for values up to `v`.
std::pair<double, double> axis(double v) {
    if (!(v > 0)) v = 1;
    const double raw = v / 5;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    double step = p;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * p >= raw) {
            step = m * p;
            break;
        }
    return {std::ceil(v / step) * step, step};
}

}  // namespace

void write_chart(const json& report, const std::string& path) {
    // The largest size in the report.
    std::string size;
    double bytes = 0;
    for (const auto& item : report["limits"].items()) {
        const double b = item.value()["model_bytes"]["median"].get<double>();
        if (b > bytes) bytes = b, size = item.key();
    }
    if (size.empty()) throw usage_error(path, "", "the report has no results to chart");
    const json& limits = report["limits"][size];
    auto gb = [&](double seconds) { return bytes / seconds / 1e9; };

    struct bar_row {
        std::string label;
        double dump = NAN, nofsync = NAN, load = NAN, disk = NAN;
        bool fsync = false, peer = false;
    };
    std::vector<bar_row> rows;
    for (const auto& r : report["results"]) {
        if (r["size"] != size) continue;
        // The chart keeps the all-cores runs; the table and JSON have the one-thread ones.
        if (r.value("source", "") == "fitstore bench" && r["threads"] == "1" && r["layout"] != "cereal") continue;
        const json& m = r["metrics"];
        bar_row row;
        row.label = r["method"].get<std::string>();
        const auto cut = row.label.find(" t=");
        if (cut != std::string::npos) row.label.erase(cut);
        if (row.label.rfind("fitstore ", 0) == 0) row.label.erase(0, 9);
        row.peer = r.value("source", "") == "peers.py";
        row.fsync = m.value("fsync", false);
        const bool in_memory = r.value("layout", "") == "memory" || r.value("in_memory", false);
        // A file written without fsync (the peers, cereal) is drawn as a no-fsync dump.
        if (row.fsync || in_memory)
            row.dump = gb(med(m, "dump_s")), row.nofsync = gb(med(m, "dump_nofsync_s"));
        else
            row.nofsync = gb(med(m, "dump_s"));
        row.load = gb(med(m, "load_s"));
        row.disk = med(m, "bytes_on_disk") / 1048576.0;
        rows.push_back(row);
    }
    const double lim_write = gb(med(limits, "write_s")), lim_fsync = gb(med(limits, "write_fsync_s")),
                 lim_read = gb(med(limits, "read_s")), lim_memcpy = gb(med(limits, "memcpy_s"));
    double top = std::max({lim_write, lim_read, lim_memcpy});
    double top_disk = 0;
    for (const auto& r : rows) {
        for (double v : {r.dump, r.nofsync, r.load})
            if (std::isfinite(v)) top = std::max(top, v);
        if (std::isfinite(r.disk)) top_disk = std::max(top_disk, r.disk);
    }
    const auto [axis_max, axis_step] = axis(top);
    const auto [disk_max, disk_step] = axis(top_disk);

    const int label_w = 260, panel_w = 560, gap = 70, disk_w = 240, row_h = 30, head = 130, foot = 60;
    const int x0 = label_w, x1 = x0 + panel_w, d0 = x1 + gap, d1 = d0 + disk_w;
    const int width = d1 + 30, height = head + static_cast<int>(rows.size()) * row_h + foot;
    auto sx = [&](double v) { return x0 + v / axis_max * panel_w; };
    auto dx = [&](double v) { return d0 + v / disk_max * disk_w; };
    const char* c_dump = "#1f4e9c", *c_nofsync = "#7fa7e0", *c_load = "#e07b1f", *c_disk = "#888888";

    std::ostringstream s;
    s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='DejaVu Sans, Arial, sans-serif' font-size='12'>\n";
    s << "<rect width='100%' height='100%' fill='white'/>\n";
    s << "<text x='10' y='22' font-size='16' font-weight='bold'>fitstore bench: " << esc(size) << " model ("
      << num(bytes / 1048576.0) << " MiB, data " << esc(report.value("data", "")) << "), "
      << esc(report["machine"].value("cpu", "")) << ", " << report["machine"].value("cores", 0) << " cores</text>\n";
    s << "<text x='10' y='40' fill='#444'>GB/s of payload, median of " << report.value("repeats", 0)
      << " runs each in a fresh process; warm page cache; fitstore rows on all cores; F = fsync before publish</text>\n";
    // legend
    int lx = 10;
    for (auto [color, text] : {std::pair<const char*, const char*>{c_dump, "dump with fsync (F) or to memory"}, {c_nofsync, "dump, no fsync"},
                               {c_load, "copying load"}, {c_disk, "bytes on disk"}}) {
        s << "<rect x='" << lx << "' y='52' width='14' height='10' fill='" << color << "'/><text x='" << lx + 18
          << "' y='61'>" << text << "</text>\n";
        lx += 40 + static_cast<int>(std::char_traits<char>::length(text)) * 7;
    }
    s << "<text x='" << lx << "' y='61' fill='#444'>dashed lines: machine limits on the same bytes</text>\n";
    // axes and grid
    const int y_top = head - 10, y_bottom = head + static_cast<int>(rows.size()) * row_h;
    for (double v = 0; v <= axis_max + 1e-9; v += axis_step) {
        s << "<line x1='" << sx(v) << "' y1='" << y_top << "' x2='" << sx(v) << "' y2='" << y_bottom
          << "' stroke='#e4e4e4'/>\n<text x='" << sx(v) << "' y='" << y_bottom + 16 << "' text-anchor='middle'>"
          << num(v, axis_step < 1 ? "%.1f" : "%.0f") << "</text>\n";
    }
    s << "<text x='" << (x0 + x1) / 2 << "' y='" << y_bottom + 34 << "' text-anchor='middle'>throughput, GB/s</text>\n";
    for (double v = 0; v <= disk_max + 1e-9; v += disk_step)
        s << "<line x1='" << dx(v) << "' y1='" << y_top << "' x2='" << dx(v) << "' y2='" << y_bottom
          << "' stroke='#e4e4e4'/>\n<text x='" << dx(v) << "' y='" << y_bottom + 16 << "' text-anchor='middle'>"
          << num(v, "%.0f") << "</text>\n";
    s << "<text x='" << (d0 + d1) / 2 << "' y='" << y_bottom + 34 << "' text-anchor='middle'>bytes on disk, MiB</text>\n";
    // rows
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const int y = head + static_cast<int>(i) * row_h;
        if (i % 2) s << "<rect x='0' y='" << y << "' width='" << width << "' height='" << row_h << "' fill='#f6f6f6'/>\n";
        s << "<text x='" << label_w - 8 << "' y='" << y + 19 << "' text-anchor='end'"
          << (r.peer ? " fill='#7a1f7a'" : "") << ">" << esc(r.label) << "</text>\n";
        int by = y + 4;
        auto bar = [&](double v, const char* color, const std::string& tag) {
            if (!std::isfinite(v)) return;
            s << "<rect x='" << x0 << "' y='" << by << "' width='" << std::max(1.0, sx(v) - x0) << "' height='7' fill='"
              << color << "'/><text x='" << sx(v) + 3 << "' y='" << by + 7 << "' font-size='9'>" << num(v, "%.2f") << tag
              << "</text>\n";
            by += 8;
        };
        bar(r.dump, c_dump, r.fsync ? " F" : "");
        bar(r.nofsync, c_nofsync, "");
        bar(r.load, c_load, "");
        if (std::isfinite(r.disk))
            s << "<rect x='" << d0 << "' y='" << y + 8 << "' width='" << std::max(1.0, dx(r.disk) - d0)
              << "' height='12' fill='" << c_disk << "'/><text x='" << dx(r.disk) + 3 << "' y='" << y + 18
              << "' font-size='10'>" << num(r.disk, "%.0f") << " (x" << num(bytes / 1048576.0 / r.disk, "%.2f")
              << ")</text>\n";
    }
    // limit lines over the rows
    std::vector<std::tuple<double, const char*, const char*>> lines = {{lim_write, c_nofsync, "write()"},
                                                                        {lim_fsync, c_dump, "write+fsync"},
                                                                        {lim_read, c_load, "read()"},
                                                                        {lim_memcpy, "#333333", "memcpy"}};
    std::sort(lines.begin(), lines.end());
    double last_x = -1e9;
    int level = 0;
    for (auto [v, color, text] : lines) {
        if (!std::isfinite(v)) continue;
        // Labels of nearby lines are stacked so they never overlap.
        level = sx(v) - last_x < 110 ? level + 1 : 0;
        last_x = sx(v);
        s << "<line x1='" << sx(v) << "' y1='" << y_top << "' x2='" << sx(v) << "' y2='" << y_bottom << "' stroke='"
          << color << "' stroke-width='1.5' stroke-dasharray='5,3'/>\n";
        s << "<text x='" << sx(v) << "' y='" << y_top - 4 - 12 * level << "' text-anchor='middle' font-size='10' fill='" << color
          << "'>" << text << " " << num(v, "%.2f") << "</text>\n";
    }
    s << "</svg>\n";
    std::ofstream out(path);
    out << s.str();
    if (!out) throw io_error(path, "", "cannot write the chart");
}

}  // namespace fitstore::bench
