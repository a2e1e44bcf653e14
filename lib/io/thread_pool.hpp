// A fixed pool of worker threads for chunk compression and decompression.
// HDF5 calls never run here (the Debian build serialises them behind a global
// lock); only codecs, checksums and plain file I/O do.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace fitstore::detail {

class thread_pool {
public:
    /// `threads` workers; 0 means one per core.
    explicit thread_pool(unsigned threads) {
        if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < threads; ++i) m_workers.emplace_back([this] { run(); });
    }
    ~thread_pool() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        for (auto& t : m_workers) t.join();
    }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    unsigned size() const noexcept { return static_cast<unsigned>(m_workers.size()); }

    /// Runs `fn` on a worker; exceptions reach the caller through the future.
    template <class F>
    auto submit(F fn) -> std::future<std::invoke_result_t<F>> {
        using result = std::invoke_result_t<F>;
        auto task = std::make_shared<std::packaged_task<result()>>(std::move(fn));
        std::future<result> future = task->get_future();
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_queue.emplace_back([task] { (*task)(); });
        }
        m_wake.notify_one();
        return future;
    }

private:
    void run() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
                if (m_queue.empty()) return;
                job = std::move(m_queue.front());
                m_queue.pop_front();
            }
            job();
        }
    }

    std::vector<std::thread> m_workers;
    std::deque<std::function<void()>> m_queue;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
};

}  // namespace fitstore::detail
