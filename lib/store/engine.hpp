// Internal to the storage engine (lib/store/): the pieces its write path, read
// path and detection share, and what verify and reseal use to walk a store
// through one reader.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "fitstore/manifest.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/options.hpp"
#include "io/thread_pool.hpp"
#include "layouts/layout.hpp"

namespace fitstore::detail {

// ---- chunk geometry -----------------------------------------------------------

/// Bytes of one index step along axis 0 (the whole array for a 0-d array).
std::size_t row_bytes(const shape_t& shape, dtype type);

/// True when chunks split axis 0 only, so every chunk is one contiguous run of the array.
bool chunks_along_axis0(const array_record& rec);

/// Where chunk `i` of an axis-0 chunked array lies in the array: byte offset and
/// length (the last chunk may be short).
struct chunk_span {
    std::size_t offset = 0;
    std::size_t length = 0;
};
chunk_span axis0_chunk_span(const array_record& rec, std::size_t i);

/// "arrays.KEY.chunks[i]": the manifest field of a chunk, for messages.
std::string chunk_field(const array_record& rec, std::size_t i);

// ---- work on the pool -----------------------------------------------------------

/// Tasks in flight on the pool, at most `limit` at once (a few chunks per
/// thread bound the memory), finished in submission order. The destructor
/// waits for every task: tasks reference the caller's data.
template <class T>
class task_window {
public:
    explicit task_window(const thread_pool& pool) : m_limit(2 * static_cast<std::size_t>(pool.size()) + 1) {}
    task_window(const task_window&) = delete;
    task_window& operator=(const task_window&) = delete;
    ~task_window() {
        for (auto& f : m_pending)
            if (f.valid()) f.wait();
    }
    bool full() const noexcept { return m_pending.size() >= m_limit; }
    bool empty() const noexcept { return m_pending.empty(); }
    void push(std::future<T> task) { m_pending.push_back(std::move(task)); }
    /// Waits for the oldest task; returns its result or rethrows its exception.
    T pop() {
        std::future<T> oldest = std::move(m_pending.front());
        m_pending.pop_front();
        return oldest.get();
    }

private:
    std::size_t m_limit;
    std::deque<std::future<T>> m_pending;
};

// ---- reading a whole store ------------------------------------------------------

/// Opens the store at `path`, local (layout detected) or remote; `l` receives
/// its layout before the reader is opened, so it is set even when opening fails.
std::unique_ptr<layout_reader> open_store_reader(const std::string& path, const load_options& options,
                                                 fitstore::layout& l);

/// Called once per array in key order: `array` is the loaded data (nullptr
/// when loading failed) and `failure` the error message when it did.
using array_visitor = std::function<void(const array_record& rec, const any_array* array, const std::string& failure)>;

/// Loads the arrays of `reader`'s store one at a time with `options`, catching
/// each array's error so that every array is reported.
void visit_arrays(layout_reader& reader, const load_options& options, const array_visitor& visit);

}  // namespace fitstore::detail
