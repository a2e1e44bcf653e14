#include "io/remote_source.hpp"

#include <algorithm>
#include <cstring>

#include "fitstore/errors.hpp"

namespace fitstore::detail {

namespace {
/// The first bytes of a single-object store are read once and kept: the blob's
/// prefix and header then cost one request instead of two.
constexpr std::size_t k_head_bytes = 64 * 1024;
}  // namespace

remote_source::remote_source(std::shared_ptr<remote_location> location) : m_location(std::move(location)) {}

remote_source::~remote_source() { stop_prefetch(); }

std::uint64_t remote_source::size(const std::string& key) {
    {
        std::lock_guard<std::mutex> lock(m_sizes_mutex);
        auto it = m_sizes.find(key);
        if (it != m_sizes.end()) return it->second;
    }
    const std::uint64_t n = m_location->client().head_size(m_location->url(key));
    std::lock_guard<std::mutex> lock(m_sizes_mutex);
    m_sizes[key] = n;
    return n;
}

void remote_source::expect_size(const std::string& key, std::uint64_t size) {
    std::lock_guard<std::mutex> lock(m_sizes_mutex);
    m_sizes[key] = size;
}

bool remote_source::read_all(const std::string& key, std::size_t cap, std::vector<std::uint8_t>& out) {
    return m_location->client().get_all_if_exists(m_location->url(key), cap, out);
}

void remote_source::fetch_into(const std::string& key, std::uint64_t offset, void* dst, std::size_t bytes) {
    std::uint64_t total = 0;
    {
        std::lock_guard<std::mutex> lock(m_sizes_mutex);
        auto it = m_sizes.find(key);
        if (it != m_sizes.end()) total = it->second;
    }
    if (total && (offset > total || bytes > total - offset))
        throw format_error(name(key), "", "read of " + std::to_string(bytes) + " bytes at offset " +
                                              std::to_string(offset) + " past the end of the object (" +
                                              std::to_string(total) + " bytes)");
    const std::string url = m_location->url(key);
    if (bytes < 2 * part_bytes) {
        m_location->client().get_range(url, offset, dst, bytes, total, &m_cancel);
        return;
    }
    // A large read (an uncompressed array's single chunk): parts over several connections.
    std::vector<http_client::range_job> jobs;
    for (std::size_t at = 0; at < bytes; at += part_bytes)
        jobs.push_back({url, offset + at, static_cast<std::uint8_t*>(dst) + at, std::min(part_bytes, bytes - at), total});
    m_location->client().get_ranges(jobs);
}

void remote_source::read(const std::string& key, std::uint64_t offset, void* dst, std::size_t bytes) {
    std::vector<std::uint8_t> prefetched;
    if (take_prefetched(key, offset, bytes, prefetched)) {
        std::memcpy(dst, prefetched.data(), bytes);
        return;
    }
    if (key.empty() && offset + bytes <= k_head_bytes) {
        std::lock_guard<std::mutex> lock(m_head_mutex);
        if (m_head.empty()) {
            const std::uint64_t whole = size("");
            m_head.resize(static_cast<std::size_t>(std::min<std::uint64_t>(whole, k_head_bytes)));
            fetch_into("", 0, m_head.data(), m_head.size());
        }
        if (offset + bytes <= m_head.size()) {
            std::memcpy(dst, m_head.data() + offset, bytes);
            return;
        }
    }
    fetch_into(key, offset, dst, bytes);
}

void remote_source::read(const std::string& key, std::uint64_t offset, std::size_t bytes, std::vector<std::uint8_t>& out) {
    if (take_prefetched(key, offset, bytes, out)) return;
    out.resize(bytes);
    read(key, offset, out.data(), bytes);
}

// ---- prefetch -------------------------------------------------------------------

void remote_source::prefetch(std::vector<byte_range> ranges) {
    stop_prefetch();
    if (ranges.size() < 2) return;
    std::uint64_t largest = 0;
    for (const auto& r : ranges) largest = std::max(largest, r.size);
    const unsigned connections = m_location->client().settings().connections;
    std::lock_guard<std::mutex> lock(m_mutex);
    m_slots.clear();
    m_index.clear();
    for (auto& r : ranges) {
        m_index[{r.key, r.offset}] = m_slots.size();
        m_slots.push_back(slot{std::move(r), {}, false, false, nullptr});
    }
    m_next = 0;
    m_buffered = 0;
    m_first_failure = nullptr;
    m_stopping = false;
    m_cancel = false;
    // Enough to keep every connection busy while the engine decodes: a few chunks per connection.
    m_budget = std::max<std::uint64_t>(std::uint64_t(64) << 20, 3 * std::uint64_t(connections) * largest);
    const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(connections, m_slots.size()));
    for (unsigned k = 0; k < workers; ++k) m_workers.emplace_back([this] { prefetch_worker(); });
}

void remote_source::stop_prefetch() noexcept {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
        m_cancel = true;
    }
    m_changed.notify_all();
    for (auto& t : m_workers) t.join();
    m_workers.clear();
    std::lock_guard<std::mutex> lock(m_mutex);
    m_slots.clear();
    m_index.clear();
    m_cancel = false;
}

void remote_source::prefetch_worker() {
    for (;;) {
        std::size_t i = 0;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            // In order, within the budget (the next chunk the engine waits for is always admitted).
            m_changed.wait(lock, [this] {
                if (m_stopping || m_first_failure || m_next >= m_slots.size()) return true;
                return m_buffered == 0 || m_buffered + m_slots[m_next].range.size <= m_budget;
            });
            if (m_stopping || m_first_failure || m_next >= m_slots.size()) return;
            i = m_next++;
            m_buffered += m_slots[i].range.size;
        }
        slot& s = m_slots[i];  // a deque: references stay valid while others are appended
        std::vector<std::uint8_t> data(static_cast<std::size_t>(s.range.size));
        std::exception_ptr failure;
        try {
            fetch_into(s.range.key, s.range.offset, data.data(), data.size());
        } catch (...) {
            failure = std::current_exception();
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            s.data = std::move(data);
            s.failure = failure;
            s.done = true;
            if (failure && !m_first_failure) m_first_failure = failure;
        }
        m_changed.notify_all();
    }
}

bool remote_source::take_prefetched(const std::string& key, std::uint64_t offset, std::size_t bytes,
                                    std::vector<std::uint8_t>& out) {
    std::unique_lock<std::mutex> lock(m_mutex);
    auto it = m_index.find({key, offset});
    if (it == m_index.end()) return false;
    slot& s = m_slots[it->second];
    if (s.taken || s.range.size != bytes) return false;
    const std::size_t i = it->second;
    // Wait for the slot, or for a failure that means it will never be fetched.
    m_changed.wait(lock, [&] { return s.done || (m_first_failure && i >= m_next) || m_stopping; });
    if (!s.done) {
        if (m_first_failure) std::rethrow_exception(m_first_failure);
        return false;
    }
    s.taken = true;
    m_buffered -= s.range.size;
    if (s.failure) {
        lock.unlock();
        m_changed.notify_all();
        std::rethrow_exception(s.failure);
    }
    out = std::move(s.data);
    lock.unlock();
    m_changed.notify_all();
    return true;
}

}  // namespace fitstore::detail
