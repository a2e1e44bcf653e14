// Readers and a writer at once: processes holding a memory-mapped model keep
// reading exactly the data they mapped while another process replaces the
// store again and again (a replacement never writes into the files a reader
// mapped); fresh loads during the churn see the old or the new model or a
// clean error, and the first load after the writer is done sees the new model.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "fitstore/store.hpp"
#include "test_support.hpp"

using namespace fitstore;
using fitstore::test::bit_equal;
using fitstore::test::random_array;
using fitstore::test::same_object;
using fitstore::test::temp_dir;

namespace {

stored_object model(std::uint32_t seed) {
    stored_object root;
    root.type = "array_bundle";
    root.arrays.emplace_back("weights", random_array(dtype::float64, {8192, 16}, seed));  // 1 MiB: mappable blob chunk
    root.arrays.emplace_back("labels", random_array(dtype::int64, {8192}, seed + 1));
    return root;
}

/// Exit codes of a reader process.
enum reader_exit : int { reader_ok = 0, reader_not_mapped = 20, reader_mapped_changed = 21, reader_fresh_wrong = 22,
                         reader_foreign_exception = 23 };

/// Maps the store, then for `seconds` re-checks the mapping against `expected`
/// and loads the store afresh (old, new or a clean error are all fine).
int run_reader(const std::string& target, const stored_object& expected, const stored_object& other, double seconds) {
    try {
        load_options mapped;
        mapped.mmap = mmap_mode::r;
        mapped.threads = 1;
        store_contents held = read_store(target, mapped);
        for (const auto& r : held.report.arrays)
            if (!r.mapped) return reader_not_mapped;
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < end) {
            if (!same_object(held.root, expected)) return reader_mapped_changed;
            try {
                load_options fresh;
                fresh.threads = 1;
                store_contents now = read_store(target, fresh);
                if (!same_object(now.root, expected) && !same_object(now.root, other)) return reader_fresh_wrong;
            } catch (const error&) {
                // The store was swapped while this load was reading it: refused, never mixed.
            }
        }
        return reader_ok;
    } catch (const error&) {
        return reader_foreign_exception;
    } catch (...) {
        return reader_foreign_exception;
    }
}

}  // namespace

TEST_CASE("mapped readers keep valid data while a writer replaces the store", "[concurrency]") {
    const stored_object old_model = model(1), new_model = model(2);
    for (layout l : {layout::directory, layout::blob}) {
        INFO(layout_name(l));
        temp_dir dir;
        const std::string target = dir / (l == layout::directory ? "model" : "model.blob");
        dump_options options;
        options.layout = l;  // uncompressed: mappable
        options.durable = false;
        write_store(old_model, target, options);

        std::vector<pid_t> readers;
        for (int r = 0; r < 2; ++r) {
            const pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) ::_exit(run_reader(target, old_model, new_model, 1.0));
            readers.push_back(pid);
        }
        // Give the readers time to map the old model, then replace it over and over.
        ::usleep(100000);
        std::size_t replacements = 0;
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
        while (std::chrono::steady_clock::now() < end) {
            write_store(replacements % 2 == 0 ? new_model : old_model, target, options);
            ++replacements;
        }
        if (replacements % 2 == 0) write_store(new_model, target, options);  // end on the new model
        for (pid_t pid : readers) {
            int status = 0;
            REQUIRE(::waitpid(pid, &status, 0) == pid);
            REQUIRE(WIFEXITED(status));
            REQUIRE(WEXITSTATUS(status) == reader_ok);
        }
        store_contents after = read_store(target);
        REQUIRE(same_object(after.root, new_model));
        WARN(layout_name(l) << ": 2 mapped readers stayed valid through " << replacements
                            << " replacements; the next load saw the new model");
    }
}
