#include "cli_common.hpp"

#include <cstdio>

namespace fitstore::cli {

void add_write_flags(CLI::App* cmd, write_flags& flags) {
    cmd->add_option("--layout", flags.layout, "Store layout: directory (zarr v2 folder), hdf5 or blob")
        ->check(CLI::IsMember({"directory", "hdf5", "blob"}));
    cmd->add_option("--codec", flags.codec,
                    "Codec[:LEVEL]: none, zlib[:1-9], zstd[:1-19], lz4[:ACCEL], blosc-lz4[:1-9], blosc-zstd[:1-9]");
    cmd->add_flag("--shuffle", flags.shuffle, "Byte-shuffle elements before compressing");
    cmd->add_option("--chunk-mb", flags.chunk_mb, "Target chunk size in MiB along axis 0 (compressed arrays)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--threads", flags.threads, "Compression threads (0 = all cores)");
    cmd->add_flag("--no-fsync", flags.no_fsync, "Skip fsync before publishing (faster, not crash-safe)");
}

dump_options to_dump_options(const write_flags& flags, layout default_layout) {
    dump_options options;
    options.layout = flags.layout.empty() ? default_layout : parse_layout(flags.layout);
    if (!flags.codec.empty()) options.codec = parse_codec(flags.codec, flags.shuffle);
    options.codec.shuffle = flags.shuffle;
    validate_codec(options.codec);
    options.chunk_bytes = static_cast<std::size_t>(flags.chunk_mb * 1024 * 1024);
    if (options.chunk_bytes == 0) options.chunk_bytes = 1;
    options.threads = flags.threads;
    options.durable = !flags.no_fsync;
    return options;
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
