// A whole directory store from one fuzzed input. The input is a list of files:
//   @@<relative path>\n<content up to the next "\n@@" or the end>
// e.g. "@@manifest.json\n{...}\n@@w/.zarray\n{...}\n@@w/0\n<bytes>". Paths are
// confined to the scratch store (segments of [A-Za-z0-9_.-], no "." or ".."
// segments, at most 4 deep); others are skipped. The store is then loaded
// copying, mapped (mmap r) and mapped with verify, and must load or throw a
// fitstore::error each time. Every input takes every path: a mode chosen by
// an input byte was never the mapped one for the seeds (all start with '@').
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "fitstore/array_bundle.hpp"
#include "fitstore/store.hpp"
#include "fuzz_common.hpp"

namespace {

std::string g_store;  // scratch store folder, reused by every input

bool safe_relative(std::string_view path) {
    if (path.empty() || path.size() > 200) return false;
    std::size_t depth = 0, start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view seg = path.substr(start, end - start);
        if (seg.empty() || seg == "." || seg == ".." || ++depth > 4) return false;
        for (char c : seg)
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == '-'))
                return false;
        start = end + 1;
    }
    return true;
}

void remove_tree(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

void write_entry(const std::string& relative, std::string_view content) {
    // Parent folders first ("a/b/c" needs "a" and "a/b").
    for (std::size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', slash + 1))
        ::mkdir((g_store + "/" + relative.substr(0, slash)).c_str(), 0755);
    std::FILE* f = std::fopen((g_store + "/" + relative).c_str(), "wb");
    if (!f) return;  // e.g. a file where a folder is wanted: the store is just different
    if (!content.empty()) std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char pattern[64];
    std::snprintf(pattern, sizeof pattern, "%s/fitstore-fuzz-%d", base, static_cast<int>(::getpid()));
    g_store = std::string(pattern) + "/store";
    remove_tree(pattern);
    ::mkdir(pattern, 0755);
    std::atexit([] { remove_tree(g_store.substr(0, g_store.rfind('/'))); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    remove_tree(g_store);
    ::mkdir(g_store.c_str(), 0755);
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t pos = input.compare(0, 2, "@@") == 0 ? 0 : input.find("\n@@");
    while (pos != std::string_view::npos) {
        const std::size_t name_start = pos + (input[pos] == '\n' ? 3 : 2);
        const std::size_t name_end = input.find('\n', name_start);
        if (name_end == std::string_view::npos) break;
        const std::size_t next = input.find("\n@@", name_end);
        const std::size_t content_end = next == std::string_view::npos ? input.size() : next;
        const std::string name(input.substr(name_start, name_end - name_start));
        if (safe_relative(name)) write_entry(name, input.substr(name_end + 1, content_end - name_end - 1));
        pos = next;
    }
    for (int mode = 0; mode < 3; ++mode) {
        fitstore::load_options options;
        options.threads = 1;
        options.mmap = mode == 0 ? fitstore::mmap_mode::none : fitstore::mmap_mode::r;
        options.verify = mode == 2;
        fitstore::fuzz::expect_clean([&] { (void)fitstore::read_store(g_store, options); });
        fitstore::fuzz::expect_clean([&] { (void)fitstore::load<fitstore::array_bundle>(g_store, options); });
    }
    return 0;
}
