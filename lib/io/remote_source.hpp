// byte_source over a remote location (http(s) or S3). Large reads are split
// into ranges fetched over several connections straight into the destination;
// prefetch() fetches a list of ranges (an array's chunks) in parallel into a
// bounded buffer that read() then takes from, so many small chunks also move
// over several connections while the engine decodes earlier ones.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "io/byte_source.hpp"
#include "io/remote_location.hpp"

namespace fitstore::detail {

class remote_source final : public byte_source {
public:
    explicit remote_source(std::shared_ptr<remote_location> location);
    ~remote_source() override;

    std::string name(const std::string& key = "") const override { return m_location->name(key); }
    std::uint64_t size(const std::string& key = "") override;
    void read(const std::string& key, std::uint64_t offset, void* dst, std::size_t bytes) override;
    void read(const std::string& key, std::uint64_t offset, std::size_t bytes, std::vector<std::uint8_t>& out) override;
    bool read_all(const std::string& key, std::size_t cap, std::vector<std::uint8_t>& out) override;
    void expect_size(const std::string& key, std::uint64_t size) override;
    void prefetch(std::vector<byte_range> ranges) override;

    remote_location& location() noexcept { return *m_location; }
    /// Ranges at least this long are split over several connections.
    static constexpr std::size_t part_bytes = std::size_t(8) << 20;

private:
    struct slot {
        byte_range range;
        std::vector<std::uint8_t> data;
        bool done = false;
        bool taken = false;
        std::exception_ptr failure;
    };
    void fetch_into(const std::string& key, std::uint64_t offset, void* dst, std::size_t bytes);
    void stop_prefetch() noexcept;
    void prefetch_worker();
    bool take_prefetched(const std::string& key, std::uint64_t offset, std::size_t bytes, std::vector<std::uint8_t>& out);

    std::shared_ptr<remote_location> m_location;
    std::mutex m_sizes_mutex;
    std::map<std::string, std::uint64_t> m_sizes;
    /// The head of the single-object store (the blob's prefix and header), read once.
    std::vector<std::uint8_t> m_head;
    std::mutex m_head_mutex;

    // Prefetch state.
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<slot> m_slots;
    std::map<std::pair<std::string, std::uint64_t>, std::size_t> m_index;  ///< (key, offset) -> slot
    std::size_t m_next = 0;
    std::uint64_t m_buffered = 0;  ///< bytes fetched or in flight and not yet taken
    std::uint64_t m_budget = 0;
    bool m_stopping = false;
    std::exception_ptr m_first_failure;
    std::atomic<bool> m_cancel{false};
    std::vector<std::thread> m_workers;
};

}  // namespace fitstore::detail
