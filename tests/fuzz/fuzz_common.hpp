// Shared by the libFuzzer targets: the rule every target enforces is that
// hostile input ends in a fitstore::error or in success, never in a crash, a
// sanitizer report or an exception from outside the fitstore::error family.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>

#include "fitstore/errors.hpp"

namespace fitstore::fuzz {

/// Runs `body`; a fitstore::error is the expected refusal, anything else aborts
/// so libFuzzer records the input as a finding.
template <class F>
void expect_clean(F&& body) {
    try {
        body();
    } catch (const fitstore::error&) {
        // refused cleanly
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "fuzz: std::bad_alloc escaped (an unchecked size reached an allocation)\n");
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: non-fitstore exception escaped: %s\n", e.what());
        std::abort();
    }
}

/// Aborts with `what` when `ok` is false (a broken invariant, e.g. a round trip that differs).
inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
        std::abort();
    }
}

}  // namespace fitstore::fuzz
