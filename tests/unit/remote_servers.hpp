// Real servers on 127.0.0.1 for the remote-store tests, each started on a free
// port by the test that needs it and stopped (SIGTERM, then SIGKILL) when it
// goes out of scope: Debian's nginx (http, and https with a self-signed
// certificate made here), npm's s3rver (tests/remote/s3_server.js) and a
// misbehaving server (tests/remote/fault_server.py). Helper processes also
// exit by themselves when their standard input closes or after 300 s, so
// nothing outlives a crashed test run for long.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

extern char** environ;

namespace fitstore::test {

/// Where tests/remote lives (scripts and the npm packages .ci/install-deps put there).
inline std::string remote_tools() { return FITSTORE_REMOTE_TOOLS; }

inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t n = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) != 0) {
        ::close(fd);
        throw std::runtime_error("no free port on 127.0.0.1");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

inline bool port_open(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// A child process with a pipe on its standard input (closed at stop) and its
/// standard output readable line by line.
class child_process {
public:
    explicit child_process(const std::vector<std::string>& argv) {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int rc = ::posix_spawnp(&m_pid, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        m_stdin = in[1];
        m_stdout = out[0];
        if (rc != 0) {
            stop();
            throw std::runtime_error("cannot start " + argv[0]);
        }
    }
    ~child_process() { stop(); }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// The next line of standard output, waiting at most `seconds`.
    std::string read_line(int seconds) {
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{m_stdout, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char c;
            if (::read(m_stdout, &c, 1) != 1) break;
            if (c == '\n') return line;
            line += c;
        }
        throw std::runtime_error("no output from the helper process within " + std::to_string(seconds) + " s");
    }

    void stop() noexcept {
        if (m_stdin >= 0) ::close(m_stdin);
        m_stdin = -1;
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            for (int i = 0; i < 50; ++i) {  // up to 5 s for a clean exit
                if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                    m_pid = -1;
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            if (m_pid > 0) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &status, 0);
                m_pid = -1;
            }
        }
        if (m_stdout >= 0) ::close(m_stdout);
        m_stdout = -1;
    }

private:
    pid_t m_pid = -1;
    int m_stdin = -1;
    int m_stdout = -1;
};

inline int parse_port_line(const std::string& line) {
    if (line.rfind("PORT ", 0) != 0) throw std::runtime_error("unexpected helper output: " + line);
    return std::stoi(line.substr(5));
}

/// Debian's nginx serving `root` on 127.0.0.1 (https with a fresh self-signed certificate when `tls`).
class nginx_server {
public:
    nginx_server(const std::string& root, bool tls = false) : m_tls(tls) {
        m_port = free_port();
        if (tls) {
            m_cert = m_dir / "cert.pem";
            const std::string key = m_dir / "key.pem";
            const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                                    "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                                    key + " -out " + m_cert + " >/dev/null 2>&1";
            if (run_command(cmd) != 0) throw std::runtime_error("openssl could not make a test certificate");
        }
        std::ofstream conf(m_dir / "nginx.conf");
        if (::getuid() == 0) conf << "user root;\n";  // workers read the test's private temp folders
        conf << "daemon off;\nworker_processes 2;\npid " << (m_dir / "nginx.pid") << ";\n"
             << "error_log " << (m_dir / "error.log") << " warn;\n"
             << "events { worker_connections 512; }\n"
             << "http {\n  access_log " << (m_dir / "access.log") << ";\n"
             << "  client_body_temp_path " << (m_dir / "body") << ";\n  proxy_temp_path " << (m_dir / "proxy") << ";\n"
             << "  fastcgi_temp_path " << (m_dir / "fastcgi") << ";\n  uwsgi_temp_path " << (m_dir / "uwsgi") << ";\n"
             << "  scgi_temp_path " << (m_dir / "scgi") << ";\n"
             << "  default_type application/octet-stream;\n  sendfile on;\n  keepalive_requests 100000;\n"
             << "  server {\n    listen 127.0.0.1:" << m_port << (tls ? " ssl" : "") << ";\n";
        if (tls) conf << "    ssl_certificate " << m_cert << ";\n    ssl_certificate_key " << (m_dir / "key.pem") << ";\n";
        conf << "    root " << root << ";\n  }\n}\n";
        conf.close();
        m_process = std::make_unique<child_process>(
            std::vector<std::string>{"nginx", "-p", m_dir.path(), "-e", m_dir / "error.log", "-c", m_dir / "nginx.conf"});
        for (int i = 0; i < 100 && !port_open(m_port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!port_open(m_port)) throw std::runtime_error("nginx did not start: " + read_file(m_dir / "error.log"));
    }
    void stop() { m_process.reset(); }
    int port() const { return m_port; }
    std::string url(const std::string& path = "") const {
        return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port) + "/" + path;
    }
    const std::string& certificate() const { return m_cert; }
    /// Lines of the access log (one per request).
    std::size_t requests() const {
        std::ifstream log(m_dir / "access.log");
        std::size_t n = 0;
        std::string line;
        while (std::getline(log, line)) ++n;
        return n;
    }

private:
    temp_dir m_dir;
    bool m_tls;
    int m_port = 0;
    std::string m_cert;
    std::unique_ptr<child_process> m_process;
};

/// npm's s3rver with the given buckets; credentials S3RVER / S3RVER.
class s3_server {
public:
    explicit s3_server(const std::vector<std::string>& buckets) {
        const std::string script = remote_tools() + "/s3_server.js";
        if (!std::ifstream(remote_tools() + "/node_modules/s3rver/package.json"))
            throw std::runtime_error("s3rver is not installed: run .ci/install-deps (npm ci in tests/remote)");
        std::vector<std::string> argv{"node", script, m_dir.path()};
        argv.insert(argv.end(), buckets.begin(), buckets.end());
        m_process = std::make_unique<child_process>(argv);
        m_port = parse_port_line(m_process->read_line(20));
    }
    int port() const { return m_port; }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(m_port); }

private:
    temp_dir m_dir;
    int m_port = 0;
    std::unique_ptr<child_process> m_process;
};

/// tests/remote/fault_server.py serving `root` with `rules` (path -> fault, JSON).
class fault_server {
public:
    fault_server(const std::string& root, const nlohmann::json& rules) {
        m_log = m_dir / "requests.log";
        m_process = std::make_unique<child_process>(
            std::vector<std::string>{"/usr/bin/python3", remote_tools() + "/fault_server.py", root, rules.dump(), m_log});
        m_port = parse_port_line(m_process->read_line(20));
    }
    std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(m_port) + "/" + path; }
    std::string log() const { return read_file(m_log); }

private:
    temp_dir m_dir;
    std::string m_log;
    int m_port = 0;
    std::unique_ptr<child_process> m_process;
};

/// Sets an environment variable for the scope (tests run one at a time per process).
class scoped_env {
public:
    scoped_env(const char* name, const std::string& value) : m_name(name) {
        if (const char* old = std::getenv(name)) m_old = old, m_had = true;
        ::setenv(name, value.c_str(), 1);
    }
    ~scoped_env() {
        if (m_had)
            ::setenv(m_name.c_str(), m_old.c_str(), 1);
        else
            ::unsetenv(m_name.c_str());
    }

private:
    std::string m_name, m_old;
    bool m_had = false;
};

}  // namespace fitstore::test
