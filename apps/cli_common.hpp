// Options shared by the commands that write stores (pack, convert, fit).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "fitstore/store.hpp"

namespace fitstore::cli {

/// The raw text of the store-writing options, turned into dump_options after parsing.
struct write_flags {
    std::string layout;      ///< empty: the command's default
    std::string codec;       ///< empty: the command's default
    bool shuffle = false;
    double chunk_mb = 4.0;
    unsigned threads = 0;
    bool no_fsync = false;
};

/// How a target's name picks its layout, from the layout registry:
/// ".h5/.hdf5 -> hdf5, .fitstore -> blob, otherwise directory".
std::string layouts_by_extension();

/// Adds --layout, --codec, --shuffle, --chunk-mb, --threads and --no-fsync to `cmd`.
void add_write_flags(CLI::App* cmd, write_flags& flags);
/// Builds dump_options from parsed flags; throws usage_error for bad values.
/// Without --layout the layout stays unset: the target's extension decides
/// (layout_for_path).
dump_options to_dump_options(const write_flags& flags);

/// Prints `rows` under `header` in columns as wide as their widest cell,
/// separated by two spaces; columns whose `right_aligned` entry is true are
/// right-aligned (numbers). The last column is not padded.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right_aligned);

/// Transfer options of the commands that read (or write) remote stores.
struct remote_flags {
    std::string cache;          ///< --cache DIR
    unsigned connections = 0;   ///< --connections N
    double timeout = 0;         ///< --timeout SECONDS (no data for that long: retry, then fail)
    int retries = -1;           ///< --retries N
    bool allow_redirects = false;
    std::string ca_file;
    bool quiet = false;         ///< --no-progress
};

/// Adds --cache, --connections, --timeout, --retries, --allow-cross-host-redirects,
/// --ca-file and --no-progress to `cmd`.
void add_remote_flags(CLI::App* cmd, remote_flags& flags);
/// remote_options from parsed flags, with a progress reporter on stderr for
/// transfers slower than a second (bytes, rate, ETA) unless --no-progress.
remote_options to_remote_options(const remote_flags& flags, const std::string& location);

/// "12.3 MiB" for tables.
std::string human_bytes(double bytes);

}  // namespace fitstore::cli
