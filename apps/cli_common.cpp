#include "cli_common.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "store/layout_registry.hpp"

namespace fitstore::cli {

std::string layouts_by_extension() {
    std::string text;
    for (const detail::layout_backend* b : detail::registered_layouts()) {
        if (b->extensions.empty()) continue;
        std::string exts;
        for (const auto& e : b->extensions) exts += (exts.empty() ? "." : "/.") + e;
        text += exts + " -> " + b->name + ", ";
    }
    return text + "otherwise directory";
}

namespace {

// --layout's help from the layout registry: "directory (zarr v2 folder), hdf5
// (one HDF5 file) or blob (...) (default: from the output's name: .h5/.hdf5 ->
// hdf5, .fitstore -> blob, otherwise directory)".
std::string layout_help(const std::vector<const detail::layout_backend*>& layouts) {
    std::string names;
    for (std::size_t i = 0; i < layouts.size(); ++i) {
        const detail::layout_backend& b = *layouts[i];
        if (i != 0) names += i + 1 == layouts.size() ? " or " : ", ";
        names += b.name + (b.summary.empty() ? "" : " (" + b.summary + ")");
    }
    return "Store layout: " + names + " (default: from the output's name: " + layouts_by_extension() + ")";
}

}  // namespace

void add_write_flags(CLI::App* cmd, write_flags& flags) {
    const std::vector<const detail::layout_backend*> layouts = detail::registered_layouts();
    std::vector<std::string> names;
    for (const detail::layout_backend* b : layouts) names.push_back(b->name);
    cmd->add_option("--layout", flags.layout, layout_help(layouts))->check(CLI::IsMember(names));
    cmd->add_option("--codec", flags.codec,
                    "Codec[:LEVEL]: none, zlib[:1-9], zstd[:1-19], lz4[:ACCEL], blosc-lz4[:1-9], blosc-zstd[:1-9]");
    cmd->add_flag("--shuffle", flags.shuffle, "Byte-shuffle elements before compressing");
    cmd->add_option("--chunk-mb", flags.chunk_mb, "Target chunk size in MiB along axis 0 (compressed arrays)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--threads", flags.threads, "Compression threads (0 = all cores)");
    cmd->add_flag("--no-fsync", flags.no_fsync, "Skip fsync before publishing (faster, not crash-safe)");
}

dump_options to_dump_options(const write_flags& flags) {
    dump_options options;
    if (!flags.layout.empty()) options.layout = parse_layout(flags.layout);
    if (!flags.codec.empty()) options.codec = parse_codec(flags.codec, flags.shuffle);
    options.codec.shuffle = flags.shuffle;
    validate_codec(options.codec);
    options.chunk_bytes = static_cast<std::size_t>(flags.chunk_mb * 1024 * 1024);
    if (options.chunk_bytes == 0) options.chunk_bytes = 1;
    options.threads = flags.threads;
    options.durable = !flags.no_fsync;
    return options;
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right_aligned) {
    std::vector<std::size_t> width(header.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
    };
    measure(header);
    for (const auto& row : rows) measure(row);
    auto print_row = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
            if (c) line += "  ";
            const std::string pad(width[c] - row[c].size(), ' ');
            const bool last = c + 1 == row.size();
            if (c < right_aligned.size() && right_aligned[c])
                line += pad + row[c];
            else
                line += last ? row[c] : row[c] + pad;
        }
        out << line << "\n";
    };
    print_row(header);
    for (const auto& row : rows) print_row(row);
}

void add_remote_flags(CLI::App* cmd, remote_flags& flags) {
    cmd->add_option("--cache", flags.cache,
                    "Cache folder for mapped remote stores (default: $FITSTORE_CACHE, else ~/.cache/fitstore)");
    cmd->add_option("--connections", flags.connections, "Remote stores: requests in flight at once (default 8)");
    cmd->add_option("--timeout", flags.timeout,
                    "Remote stores: seconds without data before a request is retried, then fails (default 30)");
    cmd->add_option("--retries", flags.retries, "Remote stores: retries of a failed request (default 4; never on 4xx)");
    cmd->add_flag("--allow-cross-host-redirects", flags.allow_redirects, "Follow redirects to another host");
    cmd->add_option("--ca-file", flags.ca_file, "PEM bundle of extra trusted certificates for https");
    cmd->add_flag("--no-progress", flags.quiet, "No download progress on stderr");
}

namespace {

/// Prints "fitstore: LOCATION: 45.0 MiB of 256.0 MiB, 40.1 MiB/s, ETA 5 s" on stderr
/// once a transfer has run for a second, then at most once a second.
struct progress_printer {
    std::string location;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last{};

    void operator()(const transfer_progress& p) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - start).count();
        if (elapsed < 1.0 || now - last < std::chrono::seconds(1)) return;
        last = now;
        const double rate = static_cast<double>(p.bytes) / elapsed;
        std::string line = "fitstore: " + location + ": " + human_bytes(static_cast<double>(p.bytes));
        if (p.expected) line += " of " + human_bytes(static_cast<double>(p.expected));
        line += ", " + human_bytes(rate) + "/s";
        if (p.expected > p.bytes && rate > 0)
            line += ", ETA " + std::to_string(static_cast<long long>(static_cast<double>(p.expected - p.bytes) / rate + 0.5)) + " s";
        std::fprintf(stderr, "%s\n", line.c_str());
    }
};

}  // namespace

remote_options to_remote_options(const remote_flags& flags, const std::string& location) {
    remote_options r;
    r.cache_dir = flags.cache;
    r.connections = flags.connections;
    if (flags.timeout < 0) throw usage_error("", "--timeout", "expected a positive number of seconds");
    r.timeout_ms = static_cast<unsigned>(flags.timeout * 1000 + 0.5);
    if (flags.timeout > 0 && r.timeout_ms == 0) r.timeout_ms = 1;
    r.retries = flags.retries;
    r.allow_cross_host_redirects = flags.allow_redirects;
    r.ca_file = flags.ca_file;
    if (!flags.quiet) {
        auto printer = std::make_shared<progress_printer>();
        printer->location = location;
        r.progress = [printer](const transfer_progress& p) { (*printer)(p); };
    }
    return r;
}

std::string human_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

}  // namespace fitstore::cli
