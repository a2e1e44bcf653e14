// Readers and a writer at once: processes holding a memory-mapped model keep
// reading exactly the data they mapped while another process replaces the
// store again and again (a replacement never writes into the files a reader
// mapped); fresh loads during the churn see the old or the new model or a
// clean error (counted: most succeed, and both models are seen), and the first
// load after the writer is done sees the new model.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
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
                         reader_foreign_exception = 23, reader_pipe_failed = 24 };

/// What a reader reports on the shared events pipe, one byte per event
/// (single-byte pipe writes are atomic, so two readers never interleave).
enum reader_event : char { event_mapped = 'm', event_old = 'o', event_new = 'n', event_error = 'e' };

/// True once the parent closed its end of `stop_fd` (the writer is done).
bool stop_requested(int stop_fd) {
    pollfd p{stop_fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

/// Maps the store, reports `event_mapped`, then until told to stop re-checks
/// the mapping against `expected` and loads the store afresh, reporting each
/// fresh load's outcome (old model, new model, or a clean error while the
/// store was swapped under it). Checks the mapping once more at the end.
int run_reader(const std::string& target, const stored_object& expected, const stored_object& other, int events_fd,
               int stop_fd) {
    auto report = [&](char event) { return ::write(events_fd, &event, 1) == 1; };
    try {
        load_options mapped;
        mapped.mmap = mmap_mode::r;
        mapped.threads = 1;
        store_contents held = read_store(target, mapped);
        for (const auto& r : held.report.arrays)
            if (!r.mapped) return reader_not_mapped;
        if (!report(event_mapped)) return reader_pipe_failed;
        while (!stop_requested(stop_fd)) {
            if (!same_object(held.root, expected)) return reader_mapped_changed;
            char event = event_error;
            try {
                load_options fresh;
                fresh.threads = 1;
                store_contents now = read_store(target, fresh);
                if (same_object(now.root, expected))
                    event = event_old;
                else if (same_object(now.root, other))
                    event = event_new;
                else
                    return reader_fresh_wrong;
            } catch (const error&) {
                // The store was swapped while this load was reading it: refused, never mixed (counted).
            }
            if (!report(event)) return reader_pipe_failed;
        }
        if (!same_object(held.root, expected)) return reader_mapped_changed;
        return reader_ok;
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

        // Synchronised by pipes, not sleeps: the writer starts once both
        // readers have mapped the old model, and stops once the readers'
        // fresh loads have overlapped its replacements (see below).
        int events[2], stop[2];
        REQUIRE(::pipe(events) == 0);
        REQUIRE(::pipe(stop) == 0);
        std::vector<pid_t> readers;
        for (int r = 0; r < 2; ++r) {
            const pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                ::close(events[0]);
                ::close(stop[1]);
                ::_exit(run_reader(target, old_model, new_model, events[1], stop[0]));
            }
            readers.push_back(pid);
        }
        ::close(events[1]);
        ::close(stop[0]);
        std::size_t mapped = 0;
        char event = 0;
        while (mapped < 2 && ::read(events[0], &event, 1) == 1) mapped += event == event_mapped;
        REQUIRE(mapped == 2);

        // Replace the store back and forth. Fresh loads reported while this
        // loop runs ended after the first replacement began and before the
        // last one ended: they overlapped the writer. Keep going until the
        // readers have seen the new model and the old one come back, and made
        // a good number of loads over at least 100 replacements, or give up
        // after a bounded number of them.
        REQUIRE(::fcntl(events[0], F_SETFL, O_NONBLOCK) == 0);
        std::size_t replacements = 0, overlapped_old = 0, overlapped_new = 0, overlapped_errors = 0;
        auto drain = [&] {
            while (::read(events[0], &event, 1) == 1) {
                overlapped_old += event == event_old;
                overlapped_new += event == event_new;
                overlapped_errors += event == event_error;
            }
        };
        auto enough = [&] {
            return replacements >= 100 && overlapped_old >= 10 && overlapped_new >= 10 &&
                   overlapped_old + overlapped_new >= 40;
        };
        while (!enough() && replacements < 1000) {
            write_store(replacements % 2 == 0 ? new_model : old_model, target, options);
            ++replacements;
            drain();
        }
        if (replacements % 2 == 0) write_store(new_model, target, options);  // end on the new model
        drain();
        ::close(stop[1]);  // readers finish: one last check of their mapping each
        for (pid_t pid : readers) {
            int status = 0;
            REQUIRE(::waitpid(pid, &status, 0) == pid);
            REQUIRE(WIFEXITED(status));
            REQUIRE(WEXITSTATUS(status) == reader_ok);
        }
        ::close(events[0]);
        INFO(replacements << " replacements; fresh loads during them: " << overlapped_old << " old, " << overlapped_new
                          << " new, " << overlapped_errors << " clean errors");
        // Readers and writer overlapped: fresh loads completed during the
        // replacements and saw both models, and most of them succeeded.
        REQUIRE(enough());
        REQUIRE(overlapped_errors <= overlapped_old + overlapped_new);
        store_contents after = read_store(target);
        REQUIRE(same_object(after.root, new_model));
        WARN(layout_name(l) << ": 2 mapped readers stayed valid through " << replacements
                            << " replacements; their fresh loads during the replacements saw the old model "
                            << overlapped_old << "x, the new one " << overlapped_new << "x, a clean error "
                            << overlapped_errors << "x; the next load saw the new model");
    }
}
