#include "cli_common.hpp"

#include <algorithm>
#include <cstdio>

namespace fitstore::cli {

void add_write_flags(CLI::App* cmd, write_flags& flags) {
    cmd->add_option("--layout", flags.layout,
                    "Store layout: directory (zarr v2 folder), hdf5 or blob (default: from the output's name: "
                    ".h5/.hdf5 -> hdf5, .fitstore -> blob, otherwise directory)")
        ->check(CLI::IsMember({"directory", "hdf5", "blob"}));
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
