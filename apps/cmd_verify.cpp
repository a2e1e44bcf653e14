// fitstore verify MODEL [--data CSV] [--deep]: re-checks a stored model.
// Exit 0: every check passed; 1: a check failed (each failure is named);
// 2: the store (or the data file) is unreadable or invalid.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "fitstore/verify.hpp"
#include "verify_data.hpp"

namespace fitstore::cli {
namespace {

struct verify_args {
    std::string model;
    std::string data;
    bool deep = false;
    unsigned threads = 0;
    remote_flags remote;
};

void print_check(const verify_check& c) {
    std::printf("  %-4s  %s: %s\n", c.passed ? "ok" : "FAIL", c.name.c_str(), c.detail.c_str());
}

void run_verify(const verify_args& args) {
    verify_options options;
    options.deep = args.deep;
    options.threads = args.threads;
    options.remote = to_remote_options(args.remote, args.model);
    verify_report report = verify_store(args.model, options);
    std::printf("fitstore verify %s: layout %s, format %s\n", args.model.c_str(),
                std::string(layout_name(report.layout)).c_str(), report.format_version.c_str());
    for (const auto& c : report.checks) print_check(c);
    bool manifest_ok = true;
    for (const auto& c : report.checks) manifest_ok = manifest_ok && (c.name != "manifest" || c.passed);
    if (!args.data.empty() && !manifest_ok) {
        // The provenance lives in the manifest: nothing to compare the data with.
        report.checks.push_back({"training data", false, "not checked: the manifest failed its own checksum"});
        print_check(report.checks.back());
    } else if (!args.data.empty()) {
        // Only worth refitting a model whose bytes are intact.
        std::vector<verify_check> data_checks = verify_training_data(args.model, args.data, report.passed());
        for (const auto& c : data_checks) {
            print_check(c);
            report.checks.push_back(c);
        }
    }
    std::vector<std::string> failed;
    for (const auto& c : report.checks)
        if (!c.passed) failed.push_back(c.name);
    std::fflush(stdout);
    // The summary is the command's result: stdout, like the checks above.
    if (failed.empty()) {
        std::cout << "verify: all " << report.checks.size() << " checks passed\n";
        command_result() = exit_ok;
        return;
    }
    std::string names;
    for (const auto& n : failed) names += (names.empty() ? "" : ", ") + n;
    std::cout << "verify: " << failed.size() << " of " << report.checks.size() << " checks failed: " << names << "\n";
    command_result() = exit_check_failed;
}

}  // namespace

void add_verify_command(CLI::App& app) {
    auto args = std::make_shared<verify_args>();
    auto* cmd = app.add_subcommand(
        "verify", "Check a store's checksums and container against its manifest; with --data, its training data, "
                  "training score and cross-validation score (exit 0 ok, 1 a check failed, 2 unreadable/invalid)");
    cmd->add_option("MODEL", args->model, "Store to verify")->required();
    cmd->add_option("--data", args->data,
                    "CSV the model was trained on: check its fingerprint, reproduce the training score exactly, "
                    "refit with the stored params and CV protocol and compare the CV score");
    cmd->add_flag("--deep", args->deep,
                  "Also read every array as an outside reader would (HDF5 H5Dread; verified memory mappings) and "
                  "compare bit for bit");
    cmd->add_option("--threads", args->threads, "Decompression threads (0 = all cores)");
    add_remote_flags(cmd, args->remote);
    cmd->callback([args] { run_verify(*args); });
}

}  // namespace fitstore::cli
