// Shared helpers for the Catch2 tests: temporary folders, random arrays,
// bit-exact comparison, process memory.
#pragma once

#include <signal.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include "fitstore/errors.hpp"
#include "fitstore/ndarray.hpp"
#include "fitstore/stored_object.hpp"

extern char** environ;

namespace fitstore::test {

/// A fresh folder under $TMPDIR removed (with everything in it) at scope exit.
class temp_dir {
public:
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base ? base : "/tmp") + "/fitstore-test-XXXXXX";
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
        m_path = buf.data();
    }
    ~temp_dir() {
        boost::system::error_code ec;
        boost::filesystem::remove_all(m_path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const { return m_path; }
    std::string operator/(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

/// An array of `type` and `shape` filled with seeded random bytes (bools 0/1, floats finite).
inline any_array random_array(dtype type, const shape_t& shape, std::uint32_t seed) {
    any_array a = any_array::allocate(type, shape);
    std::mt19937_64 rng(seed);
    auto* bytes = static_cast<std::uint8_t*>(a.mutable_data());
    const std::size_t n = a.size();
    switch (type) {
        case dtype::bool_:
            for (std::size_t i = 0; i < n; ++i) bytes[i] = rng() & 1;
            break;
        case dtype::float32: {
            std::normal_distribution<float> d(0.f, 100.f);
            auto* p = reinterpret_cast<float*>(bytes);
            for (std::size_t i = 0; i < n; ++i) p[i] = d(rng);
            break;
        }
        case dtype::float64: {
            std::normal_distribution<double> d(0.0, 100.0);
            auto* p = reinterpret_cast<double*>(bytes);
            for (std::size_t i = 0; i < n; ++i) p[i] = d(rng);
            break;
        }
        default:
            // Narrow value range so compressors have something to work with.
            for (std::size_t i = 0; i < a.nbytes(); ++i) bytes[i] = static_cast<std::uint8_t>(rng() % 7);
    }
    return a;
}

/// Same dtype, shape and bytes (the library's own, so test::bit_equal keeps working).
using fitstore::bit_equal;

/// Same type, params, array names and array bytes (children are not compared).
inline bool same_object(const stored_object& a, const stored_object& b) {
    if (a.type != b.type || a.params != b.params || a.arrays.size() != b.arrays.size()) return false;
    for (std::size_t i = 0; i < a.arrays.size(); ++i)
        if (a.arrays[i].first != b.arrays[i].first || !bit_equal(a.arrays[i].second, b.arrays[i].second)) return false;
    return true;
}

/// The names in `folder` (without "." and ".."), sorted.
inline std::vector<std::string> folder_entries(const std::string& folder) {
    std::vector<std::string> names;
    DIR* dir = ::opendir(folder.c_str());
    if (!dir) throw std::runtime_error("cannot list " + folder);
    while (dirent* e = ::readdir(dir))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.emplace_back(e->d_name);
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

/// Resident set size of this process in bytes.
inline std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

/// Applies `edit` to a directory store's manifest.json. A deliberate edit drops
/// the manifest's own checksum (optional), so the edited field itself is judged.
inline void edit_manifest(const std::string& store, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(read_file(store + "/manifest.json"));
    edit(j);
    j.erase("manifest_xxh3");
    write_file(store + "/manifest.json", j.dump());
}

/// How a forked child ended: exited (not killed by a signal or its alarm), exit code, message.
struct child_result {
    bool exited = false;
    int code = -1;
    std::string text;
};

/// Runs `action` in a forked child under an alarm of `alarm_seconds`. It ends in
/// exit code 0 ("done"), 10 (a fitstore::error, its what() as text) or 11 (any
/// other exception). A blocked child dies of SIGALRM: exited is then false.
template <class Action>
child_result run_in_child(Action&& action, unsigned alarm_seconds = 5) {
    int pipefd[2];
    if (::pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(pipefd[0]);
        for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);  // no Catch2 report
        ::alarm(alarm_seconds);
        int code = 0;
        std::string text = "done";
        try {
            action();
        } catch (const fitstore::error& e) {
            code = 10;
            text = e.what();
        } catch (const std::exception& e) {
            code = 11;
            text = e.what();
        }
        (void)!::write(pipefd[1], text.data(), text.size());
        ::_exit(code);
    }
    ::close(pipefd[1]);
    child_result r;
    char buf[512];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.text.append(buf, static_cast<std::size_t>(n));
    ::close(pipefd[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exited = WIFEXITED(status);
    r.code = r.exited ? WEXITSTATUS(status) : -1;
    if (!r.exited) r.text = "child ended by signal " + std::to_string(WTERMSIG(status));
    return r;
}

/// Runs a shell command, returning its exit status (-1 if it did not exit normally).
inline int run_command(const std::string& command) {
    const int status = std::system(command.c_str());
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

struct cli_result {
    bool exited = false;  ///< ended by exit(), not by a signal or the timeout
    int code = -1;
    std::string output;   ///< stdout + stderr
};

/// Runs the fitstore CLI with `args`; kills it after 60 s (a hang fails the test).
inline cli_result run_cli(const temp_dir& dir, const std::vector<std::string>& args) {
    const std::string out_path = dir / "cli-output.txt";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> argv_storage = {FITSTORE_CLI};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, FITSTORE_CLI, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + std::string(FITSTORE_CLI));
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return {false, -1, "timed out (blocked?)"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    cli_result r;
    r.exited = WIFEXITED(status);
    r.code = r.exited ? WEXITSTATUS(status) : -1;
    r.output = read_file(out_path);
    if (!r.exited) r.output += "\n[ended by signal " + std::to_string(WTERMSIG(status)) + "]";
    return r;
}

}  // namespace fitstore::test
