// Helper of benchmarks/remote_bench.py (the remote-load benchmark):
//
//   remote_bench load URL CONNECTIONS REPEAT   copies the store at URL into memory REPEAT
//                                              times; prints one JSON line per load
//   remote_bench proxy LISTEN_PORT TARGET_PORT DELAY_MS WINDOW_BYTES
//                                              a TCP proxy on 127.0.0.1 that delivers every
//                                              byte DELAY_MS late in each direction (so a
//                                              request waits 2 x DELAY_MS for its first byte),
//                                              with at most WINDOW_BYTES in flight per direction
//                                              and connection (like a TCP window); for machines
//                                              without tc netem. Runs until its stdin closes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fitstore/store.hpp"

namespace {

using steady = std::chrono::steady_clock;

int load(const std::string& url, unsigned connections, int repeat) {
    for (int r = 0; r < repeat; ++r) {
        fitstore::load_options options;
        options.remote.connections = connections;
        const auto start = steady::now();
        const fitstore::store_contents c = fitstore::read_store(url, options);
        const double seconds = std::chrono::duration<double>(steady::now() - start).count();
        std::uint64_t raw = 0, stored = 0;
        for (const auto& a : c.report.arrays) raw += a.raw_bytes, stored += a.stored_bytes;
        std::printf("{\"seconds\": %.6f, \"raw_bytes\": %llu, \"stored_bytes\": %llu}\n", seconds,
                    static_cast<unsigned long long>(raw), static_cast<unsigned long long>(stored));
        std::fflush(stdout);
    }
    return 0;
}

/// One direction of one proxied connection: bytes read from `from` are written to `to`
/// `delay` after they arrived, at most `window` bytes waiting.
void pump(int from, int to, std::chrono::milliseconds delay, std::size_t window) {
    struct piece {
        steady::time_point due;
        std::vector<char> bytes;
    };
    std::deque<piece> queue;
    std::size_t queued = 0;
    bool eof = false;
    std::mutex m;
    std::condition_variable cv;
    std::thread writer([&] {
        for (;;) {
            piece p;
            {
                std::unique_lock<std::mutex> lock(m);
                cv.wait(lock, [&] { return !queue.empty() || eof; });
                if (queue.empty()) break;
                p = std::move(queue.front());
                queue.pop_front();
            }
            std::this_thread::sleep_until(p.due);
            std::size_t at = 0;
            while (at < p.bytes.size()) {
                const ssize_t n = ::send(to, p.bytes.data() + at, p.bytes.size() - at, MSG_NOSIGNAL);
                if (n <= 0) break;
                at += static_cast<std::size_t>(n);
            }
            {
                std::lock_guard<std::mutex> lock(m);
                queued -= p.bytes.size();
            }
            cv.notify_all();
            if (at < p.bytes.size()) break;
        }
        ::shutdown(to, SHUT_WR);
    });
    std::vector<char> buf(256 * 1024);
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(m);
            cv.wait(lock, [&] { return queued < window; });
        }
        const ssize_t n = ::recv(from, buf.data(), std::min(buf.size(), window), 0);
        if (n <= 0) break;
        {
            std::lock_guard<std::mutex> lock(m);
            queue.push_back({steady::now() + delay, std::vector<char>(buf.begin(), buf.begin() + n)});
            queued += static_cast<std::size_t>(n);
        }
        cv.notify_all();
    }
    {
        std::lock_guard<std::mutex> lock(m);
        eof = true;
    }
    cv.notify_all();
    writer.join();
}

int proxy(int listen_port, int target_port, int delay_ms, std::size_t window) {
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(listen_port));
    if (::bind(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(server, 64) != 0) {
        std::perror("proxy: bind");
        return 1;
    }
    std::thread([] {
        char c;
        while (::read(0, &c, 1) > 0) {
        }
        std::_Exit(0);  // stdin closed: the benchmark is over
    }).detach();
    std::printf("READY\n");
    std::fflush(stdout);
    for (;;) {
        const int client = ::accept(server, nullptr, nullptr);
        if (client < 0) continue;
        std::thread([client, target_port, delay_ms, window] {
            const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in t{};
            t.sin_family = AF_INET;
            t.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            t.sin_port = htons(static_cast<std::uint16_t>(target_port));
            int on = 1;
            ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            ::setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            if (::connect(upstream, reinterpret_cast<sockaddr*>(&t), sizeof t) == 0) {
                const auto delay = std::chrono::milliseconds(delay_ms);
                std::thread up([&] { pump(client, upstream, delay, window); });
                pump(upstream, client, delay, window);
                up.join();
            }
            ::close(upstream);
            ::close(client);
        }).detach();
    }
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "load" && argc == 5) return load(argv[2], std::stoul(argv[3]), std::stoi(argv[4]));
        if (mode == "proxy" && argc == 6)
            return proxy(std::stoi(argv[2]), std::stoi(argv[3]), std::stoi(argv[4]), std::stoull(argv[5]));
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
    std::cerr << "usage: remote_bench load URL CONNECTIONS REPEAT | proxy LISTEN_PORT TARGET_PORT DELAY_MS WINDOW\n";
    return 2;
}
