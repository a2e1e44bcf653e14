// XXH3-64 of a large buffer computed segment by segment on a worker while the
// caller moves the data (reads the next segment into memory, or writes the
// same segment to a file), so a checksum costs no second pass over memory.
// XXH3's streaming digest equals the one-shot XXH3_64bits of the whole buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <new>

#include <xxhash.h>

#include "io/thread_pool.hpp"

namespace fitstore::detail {

class pipelined_hash {
public:
    /// Segment size the engine moves between hash updates: large enough for
    /// few syscalls, small enough to stay in the last-level cache.
    static constexpr std::size_t segment_bytes = std::size_t(4) << 20;

    explicit pipelined_hash(thread_pool& pool) : m_pool(pool), m_state(XXH3_createState()) {
        if (!m_state) throw std::bad_alloc();
        XXH3_64bits_reset(m_state.get());
    }
    pipelined_hash(const pipelined_hash&) = delete;
    pipelined_hash& operator=(const pipelined_hash&) = delete;
    /// Waits for the update in flight: it reads the caller's memory.
    ~pipelined_hash() {
        if (m_pending.valid()) m_pending.wait();
    }

    /// Queues the update for [data, data + size) after the previous one (updates
    /// must run in order). The bytes must stay valid until the next add() or digest().
    void add(const void* data, std::size_t size) {
        wait_pending();
        XXH3_state_t* state = m_state.get();
        m_pending = m_pool.submit([state, data, size] { XXH3_64bits_update(state, data, size); });
    }

    /// The digest of everything added.
    std::uint64_t digest() {
        wait_pending();
        return XXH3_64bits_digest(m_state.get());
    }

private:
    void wait_pending() {
        if (m_pending.valid()) m_pending.get();
    }
    struct free_state {
        void operator()(XXH3_state_t* s) const noexcept { XXH3_freeState(s); }
    };

    thread_pool& m_pool;
    std::unique_ptr<XXH3_state_t, free_state> m_state;
    std::future<void> m_pending;
};

}  // namespace fitstore::detail
